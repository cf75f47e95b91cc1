"""Explicit wiring: what the web and the worker install, and that importing installs nothing."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.config import Settings
from app.models import Complaint
from app.statistics import read_breakdown
from app.status_updates import apply_crm_update
from sync.sla import sweep_overdue
from sync.worker import build_context
from tests.conftest import complaint_payload

ROOT = Path(__file__).resolve().parents[2]


def _described(listeners: tuple[object, ...]) -> list[tuple[str, dict[str, object]]]:
    return [(type(listener).__name__, vars(listener)) for listener in listeners]


def test_the_web_and_the_worker_install_the_same_listeners(app: Flask, settings: Settings) -> None:
    context = build_context(settings, worker_id="w-test")
    try:
        web = app.extensions["db"].listeners
        worker = context.db.listeners
        assert _described(web) == _described(worker)
        assert [name for name, _ in _described(web)] == [
            "WebhookFanOut", "PublicCounters", "FeedWriteBack",
        ]
        with context.db.session() as session:
            assert session.info["jembatan.listeners"] == worker
    finally:
        context.db.dispose()


def test_cli_commands_install_the_same_listeners(
    app: Flask, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jembatan reconcile` applies CRM updates: they fan out as the web's and worker's do."""
    from app.cli.common import with_db
    from tests.support.complaints import cli_env

    for name, value in cli_env(database_url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("app.cli.common.load_dotenv_if_present", lambda: None)
    seen: list[tuple[object, ...]] = []
    with_db(lambda db, _settings: seen.append(db.listeners))()
    assert _described(seen[0]) == _described(app.extensions["db"].listeners)


def test_importing_every_module_registers_nothing() -> None:
    """No module hooks sessions or fills a registry when imported: only factories install."""
    script = """
import importlib, pkgutil, sys
from sqlalchemy.orm import Session
import app, schemas, sync
for package in (app, schemas, sync):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not info.name.endswith(".__main__"):  # runs the CLI: it is meant to
            importlib.import_module(info.name)
hooked = [name for name in dir(Session.dispatch) if not name.startswith("_")
          and hasattr(getattr(Session.dispatch, name), "__len__")
          and len(getattr(Session.dispatch, name))]
assert hooked == [], hooked
import app.events
assert not hasattr(app.events, "EVENT_LISTENERS")
import app.webhooks
assert not hasattr(app.webhooks, "_settings")
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_worker_counts_without_the_public_site_imported(settings: Settings) -> None:
    script = """
import sys
import sync.worker, sync.sla
assert "app.public" not in sys.modules, "the worker imports the public site"
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_web_and_worker_count_agencies_alike_with_a_custom_categories_file(
    settings: Settings, tmp_path: Path
) -> None:
    default = Path(settings.CATEGORIES_FILE).read_text(encoding="utf-8")
    custom = tmp_path / "categories.toml"
    custom.write_text(
        default.replace('agency = "Dinas Lingkungan Hidup"', 'agency = "Dinas Uji Coba"'),
        encoding="utf-8",
    )
    settings = dataclasses.replace(settings, CATEGORIES_FILE=str(custom))
    from app import create_app
    from app.auth import issue_key
    from app.factions import find_faction, seed_factions

    web = create_app(settings)
    context = build_context(settings, worker_id="w-test")
    try:
        db = web.extensions["db"]
        with db.transaction() as session:
            seed_factions(session)
            key = issue_key(session, "faction", find_faction(session, "PSI")).key
        client: FlaskClient = web.test_client()
        created = client.post("/api/v1/complaints", json=complaint_payload(category="sampah"),
                              headers={"Authorization": f"Bearer {key}"})
        assert created.status_code == 201, created.json
        # The worker moves it on (a CRM update) and then finds it overdue.
        with context.db.transaction() as session:
            session.execute(update(Complaint).values(crm_ticket_id="T-1", status="forwarded"))
        with context.db.transaction() as session:
            complaint = session.scalars(select(Complaint)).one()
            apply_crm_update(session, {
                "update_id": "u-1", "service_request_id": "T-1", "status": "open",
                "external_status_code": "PROSES", "updated_datetime": complaint.created_at,
                "description": "Diproses",
            }, settings)
            session.execute(update(Complaint).values(due_at=complaint.created_at))
        assert sweep_overdue(context.db) == 1
        with context.db.session() as session:
            agencies = read_breakdown(session, "agency")
        assert set(agencies) == {"Dinas Uji Coba"}
        figures = agencies["Dinas Uji Coba"]
        assert (figures.total, figures.overdue, figures.open) == (1, 1, 1)
        assert figures.by_status["in_progress"] == 1
    finally:
        context.db.dispose()
        web.extensions["db"].dispose()
