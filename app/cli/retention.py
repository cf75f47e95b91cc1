"""`jembatan retention`: erasing reporter data past the retention period."""

from __future__ import annotations

from typing import Any

import click

from app.cli.common import with_db
from app.cli.progress import progress_bar
from app.config import Settings


@click.group()
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
    with db.session() as session, progress_bar("erasing", unit="complaint") as progress:
        erased = run_retention(session, days=days, actor=cli_actor(), progress=progress)
    click.echo(f"erased reporter data of {erased} complaints (terminal for > {days} days)")
