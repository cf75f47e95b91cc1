"""The `jembatan` command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
        from app import crypto
        from app.database import Database
        from app.wiring import core_listeners

        settings = _settings()
        crypto.configure(settings)
        db = Database(settings.DATABASE_URL, listeners=core_listeners(settings))
        try:
            return fn(db, settings, *args, **kwargs)
        finally:
            db.dispose()

    return wrapper


class _Jembatan(click.Group):
    """The command group: a configuration that cannot run is one line of error, whatever
    command found it (and wherever it was read), never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Jembatan)
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


@db.command("fill-projection")
@click.option("--batch-size", type=int, default=500, show_default=True)
@with_db
def db_fill_projection(db: Any, settings: Settings, batch_size: int) -> None:
    """Store the public text of rows an older release wrote during a rolling upgrade."""
    from app.projection import fill_missing

    with db.session() as session:
        complaints, events = fill_missing(session, batch_size)
    click.echo(f"stored the public projection of {complaints} complaints and {events} events")


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


@contextmanager
def _admin_transaction(db: Any) -> Iterator[Any]:
    """A transaction for an admin action; a refused action changes nothing and exits 1."""
    from app.errors import Problem

    try:
        with db.transaction() as session:
            yield session
    except Problem as problem:
        raise click.ClickException(problem.detail or problem.title) from problem


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, default=_json_default))


def _json_default(value: Any) -> Any:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@main.group()
def factions() -> None:
    """Factions (fraksi) that may submit complaints."""


@factions.command("add")
@click.argument("code")
@click.argument("name")
@with_db
def factions_add(db: Any, settings: Settings, code: str, name: str) -> None:
    """Add a faction."""
    from app.admin import add_faction
    from app.audit import cli_actor

    with _admin_transaction(db) as session:
        faction = add_faction(session, cli_actor(), code, name)
    click.echo(f"added {faction.code}")


@factions.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_db
def factions_list(db: Any, settings: Settings, as_json: bool) -> None:
    """List factions."""
    from app.admin import list_factions

    with db.session() as session:
        items = [
            {"code": f.code, "name": f.name, "active": f.active, "reason": f.disabled_reason}
            for f in list_factions(session)
        ]
    if as_json:
        _echo_json(items)
        return
    for item in items:
        state = "active" if item["active"] else "disabled"
        click.echo(f"{item['code']:<10} {state:<9} {item['name']}")


def _switch(db: Any, code: str, active: bool, reason: str | None) -> str:
    from app.admin import set_faction_active
    from app.audit import cli_actor

    with _admin_transaction(db) as session:
        return set_faction_active(session, cli_actor(), code, active, reason).code


@factions.command("disable")
@click.argument("code")
@click.option("--reason", default=None)
@with_db
def factions_disable(db: Any, settings: Settings, code: str, reason: str | None) -> None:
    """Stop a faction's intake (its complaints keep syncing)."""
    click.echo(f"disabled {_switch(db, code, False, reason)}")


@factions.command("enable")
@click.argument("code")
@with_db
def factions_enable(db: Any, settings: Settings, code: str) -> None:
    """Let a faction submit again."""
    click.echo(f"enabled {_switch(db, code, True, None)}")


@factions.command("feed")
@click.argument("code")
@click.argument("url", required=False)
@click.option("--api-key", "api_key", default=None, help="the key the feed wants on POSTs")
@click.option("--format", "fmt", type=click.Choice(["xml", "json"]), default="xml",
              show_default=True)
@click.option("--clear", is_flag=True, help="stop mirroring this faction's feed")
@with_db
def factions_feed(
    db: Any, settings: Settings, code: str, url: str | None, api_key: str | None, fmt: str,
    clear: bool,
) -> None:
    """Mirror a faction's own Open311 endpoint (URL of its /open311/v2/), or --clear it."""
    from urllib.parse import urlsplit

    from app.audit import cli_actor, record
    from app.factions import find_faction
    from app.outbound import allow_private, url_problems

    if clear == (url is not None):
        raise click.UsageError("give a feed URL, or --clear (not both)")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.BadParameter("the feed URL must be http(s)://host/…", param_hint="URL")
        url = url if url.endswith("/") else url + "/"
        # A posko's address is a tenant's: the outbound guard's rule, checked before storing.
        problems = url_problems(url, allow_private(settings))
        if problems:
            raise click.BadParameter(" ".join(problems), param_hint="URL")
    with db.transaction() as session:
        faction = find_faction(session, code)
        if faction is None:
            raise click.ClickException(f"no faction {code.upper()}")
        faction.feed_url = url
        faction.feed_api_key = api_key if url else None
        faction.feed_format = fmt
        # The key is a secret: the audit log says only whether there is one.
        detail = {"url": url, "format": fmt, "api_key": bool(api_key)}
        record(session, cli_actor(), "faction.feed", "faction", faction.code, detail)
    click.echo(f"{faction.code}: feed cleared" if clear else f"{faction.code}: mirroring {url}")


# --- keys -----------------------------------------------------------------------------


@main.group()
def keys() -> None:
    """API keys, and the data keys of reporter data."""


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
    from app.admin import issue_api_key
    from app.audit import cli_actor

    role = role or ("faction" if faction_code else None)
    if role is None:
        raise click.UsageError("give --faction CODE or --role admin|crm")
    if role == "faction" and not faction_code:
        raise click.UsageError("a faction key needs --faction CODE")
    if role != "faction" and faction_code:
        raise click.UsageError("--faction goes with the faction role only")
    with _admin_transaction(db) as session:
        issued = issue_api_key(session, cli_actor(), role, faction_code, label)
    if as_json:
        click.echo(json.dumps({"key_id": issued.key_id, "key": issued.key}))
    else:
        who = issued.faction_code or role
        click.echo(f"issued key {issued.key_id} ({role}, {who}); store it now, it is not kept:")
        click.echo(issued.key)


@keys.command("list")
@click.option("--faction", "faction_code", default=None)
@click.option("--active", "active_only", is_flag=True, help="hide revoked keys")
@click.option("--json", "as_json", is_flag=True)
@with_db
def keys_list(
    db: Any, settings: Settings, faction_code: str | None, active_only: bool, as_json: bool
) -> None:
    """List keys (never their secrets)."""
    from app.admin import list_keys

    with _admin_transaction(db) as session:
        items = [
            {
                "key_id": k.key_id,
                "role": k.role,
                "faction": k.faction.code if k.faction else None,
                "label": k.label,
                "active": k.active,
                "created_at": k.created_at,
                "revoked_at": k.revoked_at,
                "last_used_at": k.last_used_at,
            }
            for k in list_keys(session, faction_code, include_revoked=not active_only)
        ]
    if as_json:
        _echo_json(items)
        return
    for item in items:
        state = "active" if item["active"] else "revoked"
        click.echo(
            f"{item['key_id']:<12} {item['role']:<8} {item['faction'] or '-':<10} "
            f"{state:<8} {item['label'] or ''}"
        )


@keys.command("revoke")
@click.argument("key_id")
@with_db
def keys_revoke(db: Any, settings: Settings, key_id: str) -> None:
    """Revoke a key at once."""
    from app.admin import revoke_key
    from app.audit import cli_actor

    with _admin_transaction(db) as session:
        revoke_key(session, cli_actor(), key_id)
    click.echo(f"revoked {key_id}")


@keys.command("rotate-data")
@click.option("--batch-size", type=int, default=500, show_default=True)
@with_db
def keys_rotate_data(db: Any, settings: Settings, batch_size: int) -> None:
    """Re-encrypt stored reporter data with the newest of JEMBATAN_DATA_KEYS."""
    _reencrypt(db, settings, batch_size)


@keys.command("generate-data-key")
def keys_generate_data_key() -> None:
    """Print a new Fernet key to put first in JEMBATAN_DATA_KEYS."""
    from app.crypto import generate_key

    click.echo(generate_key())


def _reencrypt(db: Any, settings: Settings, batch_size: int) -> None:
    from app.audit import cli_actor, record
    from app.rotation import reencrypt_all

    with db.session() as session:
        counts = reencrypt_all(session, batch_size=batch_size)
    with db.transaction() as session:
        record(session, cli_actor(), "data_keys.rotate", "complaint", None, counts)
    click.echo(f"re-encrypted {counts['rows']} rows ({counts['values']} values); "
               f"{counts['current']} rows were already current")


# --- reporter data, retention ------------------------------------------------------------


@main.group()
def reporter() -> None:
    """Reporters' personal data."""


def _find_complaint(session: Any, complaint_id: str) -> Any:
    """A complaint by its id or its tracking code; a click error when there is none."""
    import uuid

    from app.models import Complaint

    try:
        complaint = session.get(Complaint, uuid.UUID(complaint_id))
    except ValueError:
        complaint = session.scalars(
            select(Complaint).where(Complaint.tracking_code == complaint_id.strip().upper())
        ).first()
    if complaint is None:
        raise click.ClickException(f"no complaint {complaint_id}")
    return complaint


@reporter.command("show")
@click.argument("complaint_id")
@click.option("--reason", required=True,
              help="why (e.g. the legal request's reference): kept in the audit log")
@click.option("--json", "as_json", is_flag=True)
@with_db
def reporter_show(
    db: Any, settings: Settings, complaint_id: str, reason: str, as_json: bool
) -> None:
    """Show one complaint's reporter data, for a legal request (id or tracking code; audited).

    No API key reads reporter data but the submitting faction's own; an integrator who must
    answer a legal request does it here, one complaint at a time, and the audit log keeps who
    looked, at what and why (`reporter.show`) — never the data itself.
    """
    from app.audit import cli_actor, record

    reason = reason.strip()
    if len(reason) < 3:
        raise click.BadParameter("say why (the request's reference), at least 3 characters",
                                 param_hint="--reason")
    with db.transaction() as session:
        complaint = _find_complaint(session, complaint_id)
        shown = {
            "complaint_id": str(complaint.id),
            "tracking_code": complaint.tracking_code,
            "faction": complaint.faction.code,
            "name": complaint.reporter_name,
            "phone": complaint.reporter_phone,
            "email": complaint.reporter_email,
            "nik": complaint.reporter_nik,
            "address": complaint.address,
            "erased_at": complaint.reporter_erased_at,
        }
        record(session, cli_actor(), "reporter.show", "complaint", str(complaint.id),
               {"tracking_code": complaint.tracking_code, "reason": reason[:500]})
    if as_json:
        _echo_json(shown)
        return
    for name, value in shown.items():
        click.echo(f"{name:13} {'' if value is None else value}")


@reporter.command("erase")
@click.argument("complaint_id")
@with_db
def reporter_erase(db: Any, settings: Settings, complaint_id: str) -> None:
    """Erase one complaint's reporter data now (id or tracking code)."""
    from app.audit import cli_actor
    from app.retention import erase_reporter

    with db.transaction() as session:
        complaint = _find_complaint(session, complaint_id)
        erased = erase_reporter(session, cli_actor(), complaint)
    click.echo(f"erased reporter data of {complaint.tracking_code}" if erased
               else f"reporter data of {complaint.tracking_code} was already erased")


@reporter.command("reencrypt")
@click.option("--batch-size", type=int, default=500, show_default=True)
@with_db
def reporter_reencrypt(db: Any, settings: Settings, batch_size: int) -> None:
    """Re-encrypt stored reporter data with the newest data key (= keys rotate-data)."""
    _reencrypt(db, settings, batch_size)


@main.group()
def retention() -> None:
    """Retention of reporters' personal data."""


@retention.command("run")
@click.option("--days", type=int, default=None, help="default: JEMBATAN_RETENTION_DAYS")
@with_db
def retention_run(db: Any, settings: Settings, days: int | None) -> None:
    """Erase reporter data of complaints terminal for more than the retention period."""
    from app.audit import cli_actor
    from app.retention import run_retention

    days = settings.RETENTION_DAYS if days is None else days
    if days < 0:
        raise click.BadParameter("must be 0 or more", param_hint="--days")
    with db.session() as session:
        erased = run_retention(session, days=days, actor=cli_actor())
    click.echo(f"erased reporter data of {erased} complaints (terminal for > {days} days)")


@main.command()
@click.option("--all", "everything", is_flag=True,
              help="every forwarded complaint, not only open and recently closed ones")
@click.option("--json", "as_json", is_flag=True)
@with_db
def reconcile(db: Any, settings: Settings, everything: bool, as_json: bool) -> None:
    """Compare forwarded complaints with the CRM's tickets now, and repair what differs."""
    from app.audit import cli_actor, record
    from sync.crm import CrmClient
    from sync.reconcile import reconcile as run

    client = CrmClient.from_settings(settings)
    try:
        report = run(db, settings, client, everything=everything)
    finally:
        client.close()
    with db.transaction() as session:
        record(session, cli_actor(), "reconcile.run", "crm", None,
               {"checked": report.checked, "missing": report.missing,
                "drifted": report.drifted})
    if as_json:
        _echo_json(report.as_dict())
        return
    click.echo(f"checked {report.checked}: {report.in_sync} in sync, {report.missing} missing "
               f"in the CRM (re-forwarded), {report.drifted} drifted (corrected)")
    for line in report.reforwarded:
        click.echo(f"  re-forwarded {line}")
    for line in report.corrected:
        click.echo(f"  corrected {line}")
    for line in report.errors:
        click.echo(f"  error: {line}", err=True)
    if report.errors:
        raise SystemExit(1)


# --- dead letters, outbox, audit ---------------------------------------------------------


@main.group()
def dlq() -> None:
    """Dead letters: outbox messages that gave up."""


@dlq.command("list")
@click.option("--topic", default=None)
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_db
def dlq_list(db: Any, settings: Settings, topic: str | None, limit: int, as_json: bool) -> None:
    """List dead letters, newest first."""
    from app.admin import list_messages

    with _admin_transaction(db) as session:
        page = list_messages(session, state="dead", topic=topic, limit=limit)
        items = [
            {"id": m.id, "topic": m.topic, "destination": m.destination,
             "complaint_id": m.complaint_id, "attempts": m.attempts,
             "last_status_code": m.last_status_code, "last_error": m.last_error,
             "dead_at": m.dead_at}
            for m in page.items
        ]
    if as_json:
        _echo_json(items)
        return
    if not items:
        click.echo("no dead letters")
    for item in items:
        click.echo(f"{item['id']:<8} {item['topic']:<18} attempts={item['attempts']:<3} "
                   f"{item['last_status_code'] or '-'} {item['last_error'] or ''}")


@dlq.command("replay")
@click.argument("message_ids", nargs=-1, type=int, required=True)
@with_db
def dlq_replay(db: Any, settings: Settings, message_ids: tuple[int, ...]) -> None:
    """Put dead letters back in the queue (all, or none if one id is bad)."""
    from app.admin import replay_dead_letters
    from app.audit import cli_actor

    with _admin_transaction(db) as session:
        replayed = [m.id for m in replay_dead_letters(session, cli_actor(), message_ids)]
    click.echo(f"replayed {len(replayed)}: {' '.join(str(i) for i in replayed)}")


@main.group()
def outbox() -> None:
    """The outbox of outgoing work."""


@outbox.command("stats")
@click.option("--json", "as_json", is_flag=True)
@with_db
def outbox_stats_command(db: Any, settings: Settings, as_json: bool) -> None:
    """Depth, oldest age and last errors per topic and state."""
    from app.admin import outbox_stats

    with db.session() as session:
        stats = outbox_stats(session)
    if as_json:
        _echo_json(stats)
        return
    if not stats:
        click.echo("outbox empty (nothing pending or dead)")
    for entry in stats:
        age = entry["oldest_age_seconds"]
        click.echo(f"{entry['topic']:<18} {entry['state']:<8} depth={entry['depth']:<6} "
                   f"oldest={age:.0f}s")
        for error in entry["last_errors"]:
            click.echo(f"    #{error['id']} {error['status_code'] or '-'} {error['error']}")


@main.group("audit")
def audit_group() -> None:
    """The audit log of administrative actions."""


@audit_group.command("list")
@click.option("--action", default=None, help="an action, or a prefix ending in '.'")
@click.option("--target-type", default=None)
@click.option("--target-id", default=None)
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_db
def audit_list(
    db: Any,
    settings: Settings,
    action: str | None,
    target_type: str | None,
    target_id: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Show audit entries, newest first."""
    from app.admin import list_audit

    with _admin_transaction(db) as session:
        page = list_audit(session, action=action, target_type=target_type,
                          target_id=target_id, limit=limit)
        items = [
            {"id": e.id, "at": e.created_at, "actor": e.actor, "action": e.action,
             "target_type": e.target_type, "target_id": e.target_id, "detail": e.detail}
            for e in page.items
        ]
    if as_json:
        _echo_json(items)
        return
    for item in items:
        click.echo(f"{item['at']:%Y-%m-%d %H:%M:%S} {item['actor']:<20} {item['action']:<18} "
                   f"{item['target_type']}:{item['target_id'] or '-'}")


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
    # Print the curl only once it works: a newcomer pastes it straight away.
    _wait_for(f"{base}/healthz", timeout_s=30)
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
