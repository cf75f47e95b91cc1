"""`jembatan db`: the database schema."""

from __future__ import annotations

from typing import Any

import click

from app.cli.common import load_settings, with_db
from app.cli.progress import progress_bar
from app.config import Settings


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations to JEMBATAN_DATABASE_URL."""
    from app.migrate import upgrade

    settings = load_settings()
    upgrade(settings.DATABASE_URL, revision)
    click.echo(f"database at {revision}")


@db.command("fill-projection")
@click.option("--batch-size", type=int, default=500, show_default=True)
@with_db
def db_fill_projection(db: Any, settings: Settings, batch_size: int) -> None:
    """Store the public text of rows an older release wrote during a rolling upgrade."""
    from app.projection import fill_missing

    with db.session() as session, progress_bar("projecting") as progress:
        complaints, events = fill_missing(session, batch_size, progress=progress)
    click.echo(f"stored the public projection of {complaints} complaints and {events} events")
