# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat setup.cfg | cksum | cut -d' ' -f1)
# axe-core for the accessibility test, pinned in package-lock.json; reinstalled when it changes.
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | cksum | cut -d' ' -f1)

.PHONY: run test lint bench migration clean

# (setuptools warns that an editable install is editable: PYTHONWARNINGS keeps that quiet.)
$(STAMP): setup.cfg
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

$(NODE_STAMP): package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --silent && touch $@; \
	else \
	  echo "make: npm not found, so no axe-core: the accessibility test will skip (CI installs npm)"; \
	fi

## make run: set up, migrate, seed the nine factions, run web + worker + CRM simulator.
run: $(STAMP)
	JEMBATAN_ENV=$${JEMBATAN_ENV:-demo} $(VENV)/bin/jembatan demo

## make test: set up (Python venv, axe-core), lint, run the whole suite (SQLite; see .ci/run
## for PostgreSQL).
test: $(STAMP) $(NODE_STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check . || true

## make bench: every benchmark in bench/, report in docs/PERFORMANCE.md.
bench: $(STAMP)
	$(PY) bench/run_all.py

## make migration MSG="…": autogenerate a migration from the models.
migration: $(STAMP)
	rm -f /tmp/jembatan-migration.db
	$(PY) -c "from app.migrate import upgrade, alembic_config; from alembic import command; \
	url='sqlite:////tmp/jembatan-migration.db'; upgrade(url); \
	command.revision(alembic_config(url), message='$(MSG)', autogenerate=True)"

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache node_modules
