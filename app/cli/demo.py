"""`jembatan demo` (`make run`): migrate, seed, and run web + worker + CRM simulator together,
telling the story of each complaint on the terminal (app/cli/narration.py) and keeping the
processes' own logs in files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from app.cli.common import load_settings

# The CRM simulator's webhook receiver (crmsim/app.py), where the demo's example faction's
# webhook goes.
WEBHOOK_SINK_PATH = "/_sim/webhooks"


def demo_defaults(crm_port: int) -> dict[str, str]:
    """What the demo changes from the usual defaults: the local CRM simulator, and intervals
    short enough that a newcomer sees a complaint move within seconds."""
    return {
        "JEMBATAN_ENV": "demo",
        "JEMBATAN_CRM_URL": f"http://127.0.0.1:{crm_port}/open311/v2/",
        "JEMBATAN_FORWARD_INTERVAL_S": "1",
        "JEMBATAN_POLL_INTERVAL_S": "2",
        "JEMBATAN_DELIVER_INTERVAL_S": "1",
        # The example faction's webhook goes to the simulator on this machine.
        "JEMBATAN_OUTBOUND_ALLOW_PRIVATE": "1",
    }


def demo_environment(
    environ: Mapping[str, str], dotenv: Mapping[str, str | None], crm_port: int
) -> dict[str, str]:
    """The environment of the demo and of each child it starts.

    The real environment wins (`make run` passes its JEMBATAN_ENV), then the demo's defaults,
    then `.env`: a `.env` written for production does not turn the demo into production. The
    children get this mapping explicitly; this process's own environment is left as it was.
    """
    env = {name: value for name, value in dotenv.items() if value is not None}
    env.update(demo_defaults(crm_port))
    env.update(environ)
    return env


def _dotenv() -> dict[str, str | None]:
    """`.env` in the working directory (where `load_settings` reads it), or nothing."""
    from dotenv import dotenv_values

    path = Path.cwd() / ".env"
    return dict(dotenv_values(path)) if path.is_file() else {}


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


def _start(name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> _Child:
    """Start a child whose every line (logs, access lines, warnings) goes to its own file."""
    path = log_dir / f"{name}.log"
    with path.open("ab") as log:  # the child holds its own copy of the descriptor
        process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
    return _Child(name, process, path)


@dataclass
class _Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


def _subscribe_to_sink(session: Any, faction_code: str, url: str) -> bool:
    """Point `faction_code`'s webhook at the simulator's sink, so the story includes the
    faction being notified. A subscription the faction set itself is left alone (False)."""
    from sqlalchemy import select

    from app.clock import utcnow
    from app.factions import find_faction
    from app.models import WebhookSubscription
    from app.webhooks import new_secret

    faction = find_faction(session, faction_code)
    if faction is None:
        return False
    subscription = session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.faction_id == faction.id)
    ).first()
    if subscription is None:
        subscription = WebhookSubscription(faction_id=faction.id, url=url, secret=new_secret(),
                                           created_at=utcnow())
        session.add(subscription)
    elif not subscription.url.endswith(WEBHOOK_SINK_PATH):
        return False
    subscription.url = url  # the simulator's port may differ from the last run's
    subscription.active = True
    subscription.disabled_reason = subscription.disabled_at = None
    subscription.consecutive_failures = 0
    subscription.failing_since = None
    return True


DEMO_CONSOLE_PASSWORD = "posko-demo-2026"


def demo_koordinator_email(faction_code: str) -> str:
    """The demo koordinator of a faction (an address under the reserved .example domain)."""
    return f"koordinator.{faction_code.lower()}@posko.example"


def _demo_koordinators(session: Any) -> list[str]:
    """One koordinator per faction for the posko console, signed in with the demo password
    (JEMBATAN_ENV=demo only: the password is in this source). Existing ones stay as they are."""
    from datetime import timedelta

    from sqlalchemy import select

    from app import accounts
    from app.models import Faction

    emails = []
    for faction in session.scalars(select(Faction).order_by(Faction.code)):
        email = demo_koordinator_email(faction.code)
        if accounts.find_account(session, email) is None:
            invitation = accounts.add_account(session, faction, email, "koordinator",
                                              created_by="demo", ttl=timedelta(minutes=1))
            accounts.accept_invitation(session, invitation.token, DEMO_CONSOLE_PASSWORD)
        emails.append(email)
    return emails


@click.command()
@click.option("--port", type=int, default=None)
@click.option("--crm-port", type=int, default=5011, show_default=True)
@click.option("--speed", type=float, default=2880.0, show_default=True,
              help="CRM simulator clock (2880: a day in 30 s)")
def demo(port: int | None, crm_port: int, speed: float) -> None:
    """Migrate, seed the nine factions, and run web + worker + CRM simulator together.

    The terminal tells the story of each complaint, one line per event; everything the
    processes log goes to files under instance/logs/ (docs/OPERATIONS.md#logs).
    """
    env = demo_environment(os.environ, _dotenv(), crm_port)
    settings = load_settings(env)
    port = port or settings.PORT

    from app import crypto
    from app.auth import issue_key
    from app.cli.narration import Narrator
    from app.database import Database
    from app.factions import DPRD_DKI_FACTIONS, seed_factions
    from app.migrate import upgrade

    upgrade(settings.DATABASE_URL)
    crypto.configure(settings)
    database = Database(settings.DATABASE_URL)
    issued = []
    example_faction = DPRD_DKI_FACTIONS[-1][0]
    with database.transaction() as session:
        for faction in seed_factions(session):
            issued.append(issue_key(session, "faction", faction, label="demo"))
        koordinators = _demo_koordinators(session)
        notified = _subscribe_to_sink(
            session, example_faction, f"http://127.0.0.1:{crm_port}{WEBHOOK_SINK_PATH}"
        )
    narrator = Narrator(database)
    narrator.start()

    log_dir = Path("instance") / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    children: list[_Child] = []

    def stop(*_args: Any) -> None:
        for child in children:
            if child.process.poll() is None:
                child.process.terminate()
        for child in children:
            try:
                child.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.process.kill()
        database.dispose()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)  # from here on, Ctrl-C stops every child started
    children += [
        _start("crm-sim", [python, "-m", "crmsim", "--port", str(crm_port),
                           "--db", "instance/crm-sim.db", "--speed", str(speed)], env, log_dir),
    ]
    # The worker checks its service codes against the CRM at start: let the CRM come up first.
    _wait_for(f"http://127.0.0.1:{crm_port}/_sim/health", timeout_s=15)
    children += [
        _start("worker", [python, "-m", "app", "worker"], env, log_dir),
        _start("web", [python, "-m", "app", "serve", "--port", str(port)], env, log_dir),
    ]
    base = f"http://127.0.0.1:{port}"
    # Print the curl only once it works: a newcomer pastes it straight away.
    _wait_for(f"{base}/healthz", timeout_s=30)
    click.echo("")
    click.echo("Jembatan is running (Ctrl-C stops everything):")
    click.echo(f"  public site      {base}/")
    click.echo(f"  API docs         {base}/api/v1/docs")
    click.echo(f"  posko console    {base}/posko/masuk")
    click.echo(f"  CRM simulator    http://127.0.0.1:{crm_port}/open311/v2/services.xml")
    click.echo(f"  logs             {', '.join(str(child.log) for child in children)}")
    if issued:
        click.echo("\nOne API key per faction, shown this once (store them):")
        for key in issued:
            click.echo(f"  {key.faction_code:<9} {key.key}")
        example = next((k for k in issued if k.faction_code == example_faction), issued[-1])
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
    else:
        click.echo("\nFactions were seeded before; their keys were shown then.")
        click.echo("Issue a new one with: .venv/bin/jembatan keys issue --faction PSI")
    if koordinators:
        click.echo(f"\nPosko console: sign in at {base}/posko/masuk as any faction's demo "
                   f"koordinator, password {DEMO_CONSOLE_PASSWORD}:")
        click.echo("  " + ", ".join(koordinators))
    if notified:
        click.echo(f"\n{example_faction}'s webhook goes to the CRM simulator, so its deliveries "
                   "show below too.")
    click.echo("\nWhat happens, as it happens (details in the logs above):")

    while all(child.process.poll() is None for child in children):
        _narrate(narrator)
        time.sleep(0.5)
    for child in children:
        if child.process.poll() is not None:
            click.echo(f"{child.name} stopped (exit {child.process.returncode}); see {child.log}")
    stop()


def _narrate(narrator: Any) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        lines = narrator.tell()
    except SQLAlchemyError:
        return  # the database is busy this once; the next look tells it
    for line in lines:
        click.echo(line)
