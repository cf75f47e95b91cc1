"""`jembatan db`: the database schema."""

from __future__ import annotations

import click

from app.cli.common import load_settings


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
