"""`jembatan demo` (`make run`): migrate, seed, and run web + worker + CRM simulator together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from app.cli.common import load_settings


def demo_defaults(crm_port: int) -> dict[str, str]:
    """What the demo changes from the usual defaults: the local CRM simulator, and intervals
    short enough that a newcomer sees a complaint move within seconds."""
    return {
        "JEMBATAN_ENV": "demo",
        "JEMBATAN_CRM_URL": f"http://127.0.0.1:{crm_port}/open311/v2/",
        "JEMBATAN_FORWARD_INTERVAL_S": "1",
        "JEMBATAN_POLL_INTERVAL_S": "2",
        "JEMBATAN_DELIVER_INTERVAL_S": "1",
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


@click.command()
@click.option("--port", type=int, default=None)
@click.option("--crm-port", type=int, default=5011, show_default=True)
@click.option("--speed", type=float, default=2880.0, show_default=True,
              help="CRM simulator clock (2880: a day in 30 s)")
def demo(port: int | None, crm_port: int, speed: float) -> None:
    """Migrate, seed the nine factions, and run web + worker + CRM simulator together."""
    env = demo_environment(os.environ, _dotenv(), crm_port)
    settings = load_settings(env)
    port = port or settings.PORT

    from app import crypto
    from app.auth import issue_key
    from app.database import Database
    from app.factions import seed_factions
    from app.migrate import upgrade

    upgrade(settings.DATABASE_URL)
    crypto.configure(settings)
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
                          "--db", "instance/crm-sim.db", "--speed", str(speed)], env=env),
    ]
    # The worker checks its service codes against the CRM at start: let the CRM come up first.
    _wait_for(f"http://127.0.0.1:{crm_port}/_sim/health", timeout_s=15)
    children += [
        subprocess.Popen([python, "-m", "app", "worker"], env=env),
        subprocess.Popen([python, "-m", "app", "serve", "--port", str(port)], env=env),
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
