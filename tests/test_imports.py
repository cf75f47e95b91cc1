"""The import rules of docs/ARCHITECTURE.md#layers, read from the source with `ast`.

Why a test and not a convention: the layers only stay layers if crossing one fails a build. The
checker parses every module of app/, schemas/, sync/ and crmsim/ (nothing is imported, so a
module with import-time work cannot hide from it), collects every import — module level, inside
functions, under `if TYPE_CHECKING:` — and checks the rules below. Each failure names the file
and line of the offending import, or the cycle it closes.

Every rule holds: a new import that breaks one fails here with its file and line.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = ("app", "schemas", "sync", "crmsim")
CHECKED = ("app", "schemas", "sync")

# Rule 1: what schemas may read from app (the wire vocabulary: leaves, no settings, no Flask).
SCHEMAS_MAY_IMPORT = ("app.models", "app.lifecycle", "app.clock", "app.reference")
# Rule 2: the core runs the same from a view, a job or the CLI.
CORE = (
    "app.events", "app.intake", "app.lifecycle", "app.sla", "app.status_updates",
    "app.statistics", "app.webhooks", "app.status_link", "app.redaction", "app.projection",
    "app.retention", "app.rotation", "app.factions", "app.reconciliation", "app.models",
    "app.clock", "app.ids", "app.crypto", "app.outbound", "app.reference", "app.feeds",
    "app.wiring", "app.pagination", "app.health", "app.progress", "app.breaker", "app.notify",
    "app.duplicates",
)
WEB = ("flask", "flask_*", "werkzeug")
SURFACES = ("app.api", "app.open311", "app.public", "app.admin", "app.cli")
# Rule 4: app.open311 modules that serve no request (the worker's mirror needs them).
OPEN311_NOT_VIEWS = ("app.open311.convert",)
# Rule 7: module-level containers that other modules used to fill when imported.
OLD_REGISTRIES = ("EVENT_LISTENERS", "ERROR_RENDERERS", "_settings", "_readers")
MUTATORS = frozenset({"append", "extend", "update", "setdefault", "add"})
# A Blueprint records routes and create_app registers the blueprint: that is explicit wiring.
BLUEPRINT_METHODS = frozenset({
    "route", "get", "post", "put", "patch", "delete", "before_request", "after_request",
    "teardown_request", "context_processor", "url_defaults", "url_value_preprocessor",
    "errorhandler", "app_template_filter", "app_template_global", "app_context_processor",
    "record", "record_once", "before_app_request", "after_app_request",
    # flask-smorest's Blueprint documents and validates the same deferred routes.
    "arguments", "response", "alt_response", "paginate", "doc",
})



@dataclass(frozen=True)
class Import:
    """One imported module, resolved to an absolute dotted name, and where the import is."""

    target: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.target}"


@dataclass
class Module:
    """A parsed source file: its dotted name, its imports and its top-level bindings."""

    name: str
    rel: str
    tree: ast.Module
    is_package: bool
    imports: list[Import] = field(default_factory=list)
    # Names bound by an import anywhere in the module → the module they come from.
    imported_names: dict[str, str] = field(default_factory=dict)

    def add(self, imp: Import) -> None:
        """Record an import once (`from x import a, b` is one dependency on x)."""
        if imp not in self.imports:
            self.imports.append(imp)


def module_name(path: Path, root: Path) -> tuple[str, bool]:
    """`app/models/complaint.py` → ("app.models.complaint", False); `__init__` → the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def matches(name: str, pattern: str) -> bool:
    """`pattern` names the module or a package above it; `flask_*` is a prefix pattern."""
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return name == pattern or name.startswith(pattern + ".")


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    return any(matches(name, p) for p in patterns)


def parse(path: Path, root: Path, known: frozenset[str] = frozenset()) -> Module:
    """Parse one file and collect its imports, resolving relative ones against its package.

    `from X import Y` counts as an import of `X.Y` when that is a module of the tree (`known`),
    else of `X`: `from app import models` depends on app.models, not on app's `__init__`.
    """
    name, is_package = module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(root).as_posix()
    module = Module(name, rel, tree, is_package)
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                module.add(Import(alias.name, rel, node.lineno))
                bound = alias.asname or alias.name.split(".")[0]
                module.imported_names[bound] = alias.name if alias.asname else bound
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                target = candidate if candidate in known else source
                module.add(Import(target, rel, node.lineno))
                module.imported_names[alias.asname or alias.name] = target
    return module


def load_tree(root: Path = ROOT, packages: Iterable[str] = FIRST_PARTY) -> dict[str, Module]:
    """Every module under the given top-level packages, keyed by dotted name."""
    paths = [p for pkg in packages if (root / pkg).is_dir()
             for p in sorted((root / pkg).rglob("*.py"))]
    known = frozenset(module_name(p, root)[0] for p in paths)
    return {m.name: m for m in (parse(p, root, known) for p in paths)}


# --- the rules: each returns the violations as readable lines --------------------------------

def schemas_violations(tree: dict[str, Module]) -> list[str]:
    """Rule 1: schemas read from app only the wire vocabulary; never Flask."""
    out = []
    for mod in _in(tree, "schemas"):
        for imp in mod.imports:
            if matches(imp.target, "app") and not matches_any(imp.target, SCHEMAS_MAY_IMPORT):
                out.append(str(imp))
            elif matches_any(imp.target, WEB):
                out.append(str(imp))
    return out


def core_violations(tree: dict[str, Module], core: str) -> list[str]:
    """Rule 2: a core module (or package) imports no web framework and no surface."""
    return [str(imp) for mod in _in(tree, core) for imp in mod.imports
            if matches_any(imp.target, WEB + SURFACES)]


def app_imports_sync(tree: dict[str, Module]) -> list[str]:
    """Rule 3: app reaches sync only from the CLI (`app.cli`, module or package)."""
    return [str(imp) for mod in _in(tree, "app") if not matches(mod.name, "app.cli")
            for imp in mod.imports if matches(imp.target, "sync")]


def sync_imports_surfaces(tree: dict[str, Module]) -> list[str]:
    """Rule 4: the worker uses the core, never a view (an Open311 view module included)."""
    out = []
    for mod in _in(tree, "sync"):
        for imp in mod.imports:
            if matches_any(imp.target, ("app.api", "app.public", "app.cli", "app.admin")):
                out.append(str(imp))
            elif matches(imp.target, "app.open311") \
                    and not matches_any(imp.target, OPEN311_NOT_VIEWS):
                out.append(str(imp))
    return out


def jobs_import_worker(tree: dict[str, Module]) -> list[str]:
    """Rule 5: only sync.worker knows the jobs; a job importing it back closes a cycle."""
    return [str(imp) for mod in _in(tree, "sync") if mod.name != "sync.worker"
            for imp in mod.imports if matches(imp.target, "sync.worker")]


def crmsim_imports(tree: dict[str, Module]) -> list[str]:
    """Rule 6: the CRM simulator stands for a foreign system; it shares only the Open311 codec."""
    return [str(imp) for mod in _in(tree, "crmsim") for imp in mod.imports
            if matches_any(imp.target, ("app", "sync"))]


def find_cycles(tree: dict[str, Module], packages: Iterable[str] = CHECKED) -> list[list[str]]:
    """Rule 8: one import cycle per tangle of modules (each as its import lines), or [].

    Every import counts, function-level ones too: an import moved into a function to dodge a
    circle still ties the two modules together. An edge goes to the named module only, not to
    the packages above it (importing app.models.complaint is not a dependency on app's factory).
    """
    nodes = {n for n in tree if any(matches(n, p) for p in packages)}
    edges: dict[str, dict[str, Import]] = {n: {} for n in nodes}
    for n in nodes:
        for imp in tree[n].imports:
            if imp.target in nodes and imp.target != n:
                edges[n].setdefault(imp.target, imp)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def strongconnect(start: str) -> None:
        # Iterative Tarjan: the graph is deep enough to make recursion a risk on small stacks.
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))

    for n in sorted(nodes):
        if n not in index:
            strongconnect(n)
    return [_cycle_through(c[0], set(c), edges) for c in components]


def _cycle_through(start: str, component: set[str],
                   edges: dict[str, dict[str, Import]]) -> list[str]:
    """A shortest path start → … → start inside one strongly connected component."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(edges[node]):
                if child not in component:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    path.reverse()
                    hops = path + [start]
                    return [str(edges[a][b]) for a, b in zip(hops, hops[1:], strict=False)]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return []


def registration_violations(tree: dict[str, Module],
                            packages: Iterable[str] = CHECKED) -> list[str]:
    """Rule 9: nothing registers itself with another module when imported.

    Flags, in statements that run at import time (module level, class bodies, module-level
    `if`/`try`/`with`): a call of `.append/.extend/.update/.setdefault/.add` on a name imported
    from elsewhere, and a decorator that is an imported first-party registry — an attribute of an
    imported object (`@registry.handler`), or an imported function that fills a module-level
    container. Blueprint route decorators are allowed: create_app registers the blueprint.
    """
    out = []
    for mod in (m for m in tree.values() if any(matches(m.name, p) for p in packages)):
        rel = mod.rel
        for node in _import_time_nodes(mod.tree.body):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in MUTATORS:
                root = _root_name(node.func.value)
                if root in mod.imported_names:
                    out.append(f"{rel}:{node.lineno} calls .{node.func.attr} on imported {root}")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for deco in node.decorator_list:
                    why = _registry_decorator(deco, mod, tree)
                    if why:
                        out.append(f"{rel}:{deco.lineno} decorates {node.name} with {why}")
    return out


def old_registries(tree: dict[str, Module]) -> list[str]:
    """Rule 7: the module-level registries the wiring replaced do not come back."""
    out = []
    for mod in _in(tree, "app") + _in(tree, "sync"):
        for stmt in mod.tree.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else \
                [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
            for t in targets:
                if isinstance(t, ast.Name) and t.id in OLD_REGISTRIES:
                    out.append(f"{mod.rel}:{stmt.lineno} defines {t.id}")
    return out


def _in(tree: dict[str, Module], package: str) -> list[Module]:
    return [m for name, m in sorted(tree.items()) if matches(name, package)]


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _import_time_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes evaluated when the module is imported: not function bodies, but class bodies."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from (n for d in stmt.decorator_list for n in ast.walk(d))
            continue
        if isinstance(stmt, ast.ClassDef):
            yield from (n for d in stmt.decorator_list for n in ast.walk(d))
            yield from _import_time_nodes(stmt.body)
            continue
        nested = [getattr(stmt, f, None) for f in ("body", "orelse", "finalbody", "handlers")]
        blocks = [b for b in nested if isinstance(b, list)]
        for child in ast.iter_child_nodes(stmt):
            if not isinstance(child, (ast.stmt, ast.excepthandler)):
                yield from ast.walk(child)
        for block in blocks:
            stmts = [s for item in block for s in (item.body if isinstance(item, ast.excepthandler)
                                                   else [item])]
            yield from _import_time_nodes(stmts)


def _registry_decorator(deco: ast.expr, mod: Module, tree: dict[str, Module]) -> str | None:
    call = deco.func if isinstance(deco, ast.Call) else deco
    root = _root_name(call)
    source = mod.imported_names.get(root or "")
    if root is None or source is None or not matches_any(source, FIRST_PARTY):
        return None
    origin = tree.get(source)
    if isinstance(call, ast.Attribute):
        if call.attr in BLUEPRINT_METHODS and origin is not None and _is_blueprint(origin, root):
            return None
        return f"{ast.unparse(call)} (an imported registry from {source})"
    if origin is not None and _fills_a_container(origin, root):
        return f"{root} (fills a container in {source})"
    return None


def _is_blueprint(origin: Module, name: str) -> bool:
    """Whether `origin` binds `name` to a blueprint (`Blueprint(...)`, `ApiBlueprint(...)`)."""
    for stmt in origin.tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) \
                and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            func = stmt.value.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            return called.endswith("Blueprint")
    return False


def _fills_a_container(origin: Module, name: str) -> bool:
    """Whether the function `name` of `origin` mutates one of that module's top-level names."""
    top = {t.id for s in origin.tree.body if isinstance(s, (ast.Assign, ast.AnnAssign))
           for t in (s.targets if isinstance(s, ast.Assign) else [s.target])
           if isinstance(t, ast.Name)}
    for stmt in origin.tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            for n in ast.walk(stmt):
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) \
                        and n.func.attr in MUTATORS and _root_name(n.func.value) in top:
                    return True
                if isinstance(n, (ast.Assign, ast.AugAssign)):
                    targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                    if any(isinstance(t, ast.Subscript) and _root_name(t) in top for t in targets):
                        return True
    return False


# --- the tests ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tree() -> dict[str, Module]:
    return load_tree()


def _assert_none(violations: list[str], rule: str) -> None:
    assert not violations, f"{rule}:\n  " + "\n  ".join(violations)


def test_schemas_import_only_the_wire_vocabulary(tree: dict[str, Module]) -> None:
    _assert_none(schemas_violations(tree),
                 "schemas import from app only " + ", ".join(SCHEMAS_MAY_IMPORT))


@pytest.mark.parametrize("core", CORE)
def test_core_needs_no_web_framework_and_no_surface(tree: dict[str, Module], core: str) -> None:
    if not _in(tree, core):
        pytest.fail(f"{core} is listed as core but is not in the tree: update CORE")
    _assert_none(core_violations(tree, core),
                 f"{core} imports no flask, flask_*, werkzeug or surface")


def test_app_reaches_sync_only_from_the_cli(tree: dict[str, Module]) -> None:
    _assert_none(app_imports_sync(tree), "only app.cli imports sync")


def test_worker_imports_no_view(tree: dict[str, Module]) -> None:
    _assert_none(sync_imports_surfaces(tree), "sync imports no app.api, app.public, app.cli, "
                 "app.admin or Open311 view module")


def test_no_job_imports_the_worker(tree: dict[str, Module]) -> None:
    _assert_none(jobs_import_worker(tree), "no sync module but sync.worker imports sync.worker")


def test_crm_simulator_stays_foreign(tree: dict[str, Module]) -> None:
    _assert_none(crmsim_imports(tree), "crmsim imports nothing from app or sync")


def test_import_graph_has_no_cycle(tree: dict[str, Module]) -> None:
    _assert_none([" → ".join(cycle) for cycle in find_cycles(tree)], "import cycles")


def test_nothing_registers_itself_when_imported(tree: dict[str, Module]) -> None:
    _assert_none(registration_violations(tree), "import-time registration")


def test_old_registries_are_gone(tree: dict[str, Module]) -> None:
    _assert_none(old_registries(tree), "module-level registries")


def test_the_worker_process_loads_no_web_surface() -> None:
    """The AST rules see direct imports; this sees what Python loads, parent packages included.

    A fresh interpreter imports every module of sync/ (the worker imports its jobs lazily) and
    lists the surface packages that came along.
    """
    probe = (
        "import importlib, pkgutil, sys, sync\n"
        "for info in pkgutil.iter_modules(sync.__path__):\n"
        "    importlib.import_module('sync.' + info.name)\n"
        "surfaces = {'app.api', 'app.public', 'app.admin', 'app.cli'}\n"
        "top = {m: '.'.join(m.split('.')[:2]) for m in sys.modules}\n"
        "print(' '.join(sorted(m for m, t in top.items() if t in surfaces)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, env={"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    loaded = result.stdout.split()
    assert not loaded, f"the worker's modules load {loaded}"


# --- the checker bites -------------------------------------------------------------------------

def _write(root: Path, files: dict[str, str]) -> dict[str, Module]:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for pkg in {Path(rel).parts[0] for rel in files}:
        for directory in [root / pkg, *(p for p in (root / pkg).rglob("*") if p.is_dir())]:
            (directory / "__init__.py").touch()
    return load_tree(root)


def test_checker_catches_a_bad_import(tmp_path: Path) -> None:
    """Each rule, fed a module that breaks it, reports that module's file and line."""
    tree = _write(tmp_path, {
        "schemas/bad.py": "from app.intake import categories\n",
        "app/events.py": "def f():\n    from flask import current_app\n    return current_app\n",
        "app/models/row.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                             "    from app.api import parsing\n",
        "app/public/views.py": "from sync.worker import run_worker\n",
        "sync/job.py": "from .worker import WorkerContext\nfrom app.open311 import views\n",
        "sync/worker.py": "from sync import job\n",
        "app/open311/views.py": "",
        "crmsim/app.py": "import app.models\n",
        "app/hooks.py": "from app.events import LISTENERS\nif True:\n    LISTENERS.append(print)\n"
                        "from app.bus import register\n@register\ndef on_event():\n    pass\n",
        "app/bus.py": "HANDLERS = {}\ndef register(f):\n    HANDLERS[f.__name__] = f\n"
                      "    return f\n_settings = None\n",
    })
    assert schemas_violations(tree) == ["schemas/bad.py:1 imports app.intake"]
    assert core_violations(tree, "app.events") == ["app/events.py:2 imports flask"]
    assert core_violations(tree, "app.models") == ["app/models/row.py:3 imports app.api"]
    assert app_imports_sync(tree) == ["app/public/views.py:1 imports sync.worker"]
    assert sync_imports_surfaces(tree) == ["sync/job.py:2 imports app.open311.views"]
    assert jobs_import_worker(tree) == ["sync/job.py:1 imports sync.worker"]
    assert crmsim_imports(tree) == ["crmsim/app.py:1 imports app.models"]
    assert find_cycles(tree) == [["sync/job.py:1 imports sync.worker",
                                  "sync/worker.py:1 imports sync.job"]]
    found = registration_violations(tree)
    assert "app/hooks.py:3 calls .append on imported LISTENERS" in found
    assert "app/hooks.py:5 decorates on_event with register (fills a container in app.bus)" in found
    assert len(found) == 2
    assert old_registries(tree) == ["app/bus.py:5 defines _settings"]


def test_checker_allows_what_the_rules_allow(tmp_path: Path) -> None:
    """Blueprint routes, a plain decorator, schemas reading the models and sync using the core."""
    tree = _write(tmp_path, {
        "schemas/ok.py": "from app.models import Complaint\nfrom app.lifecycle import STATUSES\n",
        "app/open311/__init__.py": "from flask import Blueprint\nbp = Blueprint('o', __name__)\n",
        "app/open311/requests.py": "from app.open311 import bp\n"
                                   "@bp.get('/x')\ndef x():\n    return ''\n",
        "app/cli/common.py": "def with_db(f):\n    return f\n",
        "app/cli/keys.py": "from app.cli.common import with_db\nfrom sync.worker import run\n"
                           "@with_db\ndef rotate():\n    pass\n",
        "sync/mirror.py": "from app.open311.convert import update_document\n"
                          "from app.intake import x\n",
    })
    assert schemas_violations(tree) == []
    assert app_imports_sync(tree) == []
    assert sync_imports_surfaces(tree) == []
    assert registration_violations(tree) == []
    assert find_cycles(tree) == []


# Test folders that are about the whole system rather than one part of the tree.
CROSS_CUTTING = {"support", "data", "fuzz", "system", "artifacts", "templates"}


def test_the_tests_tree_mirrors_the_source() -> None:
    """tests/X/Y/ holds the tests of X/Y/: a test folder without its source is misplaced."""
    tests = ROOT / "tests"
    misplaced = [
        str(folder.relative_to(tests))
        for folder in sorted(tests.rglob("*"))
        if folder.is_dir() and folder.name != "__pycache__"
        and not CROSS_CUTTING & set(folder.relative_to(tests).parts)
        and any(folder.glob("test_*.py"))
        and not (ROOT / folder.relative_to(tests)).is_dir()
    ]
    assert misplaced == [], "test folders without a source folder of the same path"
