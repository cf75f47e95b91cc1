"""The `jembatan` command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from app.config import ConfigError, Settings, load_dotenv_if_present


def _settings() -> Settings:
    load_dotenv_if_present()
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def with_db(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command a Database for the configured URL (and dispose of it after)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from app.database import Database

        settings = _settings()
        db = Database(settings.DATABASE_URL)
        try:
            return fn(db, settings, *args, **kwargs)
        finally:
            db.dispose()

    return wrapper


@click.group()
def main() -> None:
    """Jembatan: faction complaints into Jakarta Smart City's CRM, and their status back."""


# --- database -------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations to JEMBATAN_DATABASE_URL."""
    from app.migrate import upgrade

    settings = _settings()
    upgrade(settings.DATABASE_URL, revision)
    click.echo(f"database at {revision}")


# --- processes ------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="default: JEMBATAN_PORT")
def serve(host: str, port: int | None) -> None:
    """Development web server (production: gunicorn wsgi:app)."""
    from app import create_app

    settings = _settings()
    app = create_app(settings)
    app.run(host=host, port=port or settings.PORT, threaded=True, use_reloader=False)


@main.command()
@click.option("--once", is_flag=True, help="run each job once and exit (for scripts)")
def worker(once: bool) -> None:
    """The scheduler process: forward, poll, deliver, mirror, SLA sweep. Safe to run many."""
    from sync.worker import run_worker

    run_worker(_settings(), once=once)


@main.command("crm-sim")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5011, show_default=True)
@click.option("--db", "db_path", default="instance/crm-sim.db", show_default=True)
@click.option("--speed", type=float, default=1.0, show_default=True,
              help="simulated seconds per real second (8640: a day in 10 s)")
@click.option("--seed", type=int, default=None)
@click.option("--api-key", default=None, help="require this api_key on POST requests")
def crm_sim(
    host: str, port: int, db_path: str, speed: float, seed: int | None, api_key: str | None
) -> None:
    """Run the CRM simulator (Open311 GeoReport v2, JSC-like) in this process."""
    import crmsim

    crmsim.serve(host, port, db_path, speed=speed, seed=seed, api_key=api_key)


# --- factions -------------------------------------------------------------------------


@main.group()
def factions() -> None:
    """Factions (fraksi) that may submit complaints."""


@factions.command("add")
@click.argument("code")
@click.argument("name")
@with_db
def factions_add(db: Any, settings: Settings, code: str, name: str) -> None:
    """Add a faction."""
    from app.audit import cli_actor, record
    from app.factions import find_faction
    from app.models import Faction

    with db.transaction() as session:
        if find_faction(session, code) is not None:
            raise click.ClickException(f"faction {code.upper()} already exists")
        session.add(Faction(code=code.upper(), name=name, active=True))
        record(session, cli_actor(), "faction.add", "faction", code.upper(), {"name": name})
    click.echo(f"added {code.upper()}")


@factions.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_db
def factions_list(db: Any, settings: Settings, as_json: bool) -> None:
    """List factions."""
    from app.models import Faction

    with db.session() as session:
        rows = session.scalars(select(Faction).order_by(Faction.code)).all()
        items = [
            {"code": f.code, "name": f.name, "active": f.active, "reason": f.disabled_reason}
            for f in rows
        ]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False))
        return
    for item in items:
        state = "active" if item["active"] else "disabled"
        click.echo(f"{item['code']:<10} {state:<9} {item['name']}")


def _switch(db: Any, code: str, active: bool, reason: str | None) -> None:
    from app.audit import cli_actor, record
    from app.factions import find_faction

    with db.transaction() as session:
        faction = find_faction(session, code)
        if faction is None:
            raise click.ClickException(f"no faction {code.upper()}")
        faction.active = active
        faction.disabled_reason = None if active else reason
        action = "faction.enable" if active else "faction.disable"
        record(session, cli_actor(), action, "faction", faction.code, {"reason": reason})


@factions.command("disable")
@click.argument("code")
@click.option("--reason", default=None)
@with_db
def factions_disable(db: Any, settings: Settings, code: str, reason: str | None) -> None:
    """Stop a faction's intake (its complaints keep syncing)."""
    _switch(db, code, False, reason)
    click.echo(f"disabled {code.upper()}")


@factions.command("enable")
@click.argument("code")
@with_db
def factions_enable(db: Any, settings: Settings, code: str) -> None:
    """Let a faction submit again."""
    _switch(db, code, True, None)
    click.echo(f"enabled {code.upper()}")


# --- keys -----------------------------------------------------------------------------


@main.group()
def keys() -> None:
    """API keys."""


@keys.command("issue")
@click.option("--faction", "faction_code", default=None)
@click.option("--role", type=click.Choice(["faction", "admin", "crm"]), default=None)
@click.option("--label", default=None)
@click.option("--json", "as_json", is_flag=True)
@with_db
def keys_issue(
    db: Any,
    settings: Settings,
    faction_code: str | None,
    role: str | None,
    label: str | None,
    as_json: bool,
) -> None:
    """Issue a key; the key is printed alone on the last line, and only now."""
    from app.audit import cli_actor, record
    from app.auth import issue_key
    from app.factions import find_faction

    role = role or ("faction" if faction_code else None)
    if role is None:
        raise click.UsageError("give --faction CODE or --role admin|crm")
    if role == "faction" and not faction_code:
        raise click.UsageError("a faction key needs --faction CODE")
    if role != "faction" and faction_code:
        raise click.UsageError("--faction goes with the faction role only")
    with db.transaction() as session:
        faction = find_faction(session, faction_code) if faction_code else None
        if faction_code and faction is None:
            raise click.ClickException(f"no faction {faction_code.upper()}")
        issued = issue_key(session, role, faction, label)
        record(session, cli_actor(), "key.issue", "api_key", issued.key_id,
               {"role": role, "faction": issued.faction_code})
    if as_json:
        click.echo(json.dumps({"key_id": issued.key_id, "key": issued.key}))
    else:
        who = issued.faction_code or role
        click.echo(f"issued key {issued.key_id} ({role}, {who}); store it now, it is not kept:")
        click.echo(issued.key)


@keys.command("revoke")
@click.argument("key_id")
@with_db
def keys_revoke(db: Any, settings: Settings, key_id: str) -> None:
    """Revoke a key at once."""
    from app.audit import cli_actor, record
    from app.clock import utcnow
    from app.models import ApiKey

    with db.transaction() as session:
        api_key = session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).first()
        if api_key is None:
            raise click.ClickException(f"no key {key_id}")
        if api_key.revoked_at is None:
            api_key.revoked_at = utcnow()
            record(session, cli_actor(), "key.revoke", "api_key", key_id)
    click.echo(f"revoked {key_id}")


# --- the demo (`make run`) --------------------------------------------------------------


def _wait_for(url: str, timeout_s: float) -> bool:
    """Poll `url` until it answers 200 (True) or the time is up (False)."""
    import requests

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


@main.command()
@click.option("--port", type=int, default=None)
@click.option("--crm-port", type=int, default=5011, show_default=True)
@click.option("--speed", type=float, default=2880.0, show_default=True,
              help="CRM simulator clock (2880: a day in 30 s)")
def demo(port: int | None, crm_port: int, speed: float) -> None:
    """Migrate, seed the nine factions, and run web + worker + CRM simulator together."""
    os.environ.setdefault("JEMBATAN_ENV", "demo")
    os.environ.setdefault("JEMBATAN_CRM_URL", f"http://127.0.0.1:{crm_port}/open311/v2/")
    os.environ.setdefault("JEMBATAN_FORWARD_INTERVAL_S", "1")
    os.environ.setdefault("JEMBATAN_POLL_INTERVAL_S", "2")
    os.environ.setdefault("JEMBATAN_DELIVER_INTERVAL_S", "1")
    settings = _settings()
    port = port or settings.PORT

    from app.auth import issue_key
    from app.database import Database
    from app.factions import seed_factions
    from app.migrate import upgrade

    upgrade(settings.DATABASE_URL)
    database = Database(settings.DATABASE_URL)
    issued = []
    with database.transaction() as session:
        for faction in seed_factions(session):
            issued.append(issue_key(session, "faction", faction, label="demo"))
    database.dispose()

    Path("instance").mkdir(exist_ok=True)
    python = sys.executable
    children = [
        subprocess.Popen([python, "-m", "crmsim", "--port", str(crm_port),
                          "--db", "instance/crm-sim.db", "--speed", str(speed)]),
    ]
    # The worker checks its service codes against the CRM at start: let the CRM come up first.
    _wait_for(f"http://127.0.0.1:{crm_port}/_sim/health", timeout_s=15)
    children += [
        subprocess.Popen([python, "-m", "app", "worker"]),
        subprocess.Popen([python, "-m", "app", "serve", "--port", str(port)]),
    ]
    base = f"http://127.0.0.1:{port}"
    time.sleep(1.5)
    click.echo("")
    click.echo("Jembatan is running (Ctrl-C stops everything):")
    click.echo(f"  public site      {base}/")
    click.echo(f"  API docs         {base}/api/v1/docs")
    click.echo(f"  CRM simulator    http://127.0.0.1:{crm_port}/open311/v2/services.xml")
    if issued:
        click.echo("\nOne API key per faction, shown this once (store them):")
        for key in issued:
            click.echo(f"  {key.faction_code:<9} {key.key}")
        example = issued[-1]
        click.echo("\nTry it:")
        click.echo(
            f"  curl -s -X POST {base}/api/v1/complaints \\\n"
            f"    -H 'Authorization: Bearer {example.key}' \\\n"
            "    -H 'Content-Type: application/json' \\\n"
            "    -d '{\"external_id\": \"DEMO-1\", \"category\": \"sampah\", "
            "\"title\": \"Sampah menumpuk di pinggir kali\", "
            "\"description\": \"Sudah seminggu tidak diangkut.\", "
            "\"location\": {\"kelurahan_code\": \"31.71.01.1001\"}}'"
        )
        click.echo("  then GET the complaint's /events to watch it move through the CRM.")
    else:
        click.echo("\nFactions were seeded before; their keys were shown then.")
        click.echo("Issue a new one with: .venv/bin/jembatan keys issue --faction PSI")

    def stop(*_args: Any) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    stop()
