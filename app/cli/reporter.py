"""`jembatan reporter`: reporters' personal data."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

from app.cli.common import with_db
from app.cli.keys import _reencrypt
from app.config import Settings


@click.group()
def reporter() -> None:
    """Reporters' personal data."""


@reporter.command("erase")
@click.argument("complaint_id")
@with_db
def reporter_erase(db: Any, settings: Settings, complaint_id: str) -> None:
    """Erase one complaint's reporter data now (id or tracking code)."""
    import uuid

    from app.audit import cli_actor
    from app.models import Complaint
    from app.retention import erase_reporter

    with db.transaction() as session:
        try:
            complaint = session.get(Complaint, uuid.UUID(complaint_id))
        except ValueError:
            complaint = session.scalars(
                select(Complaint).where(Complaint.tracking_code == complaint_id.upper())
            ).first()
        if complaint is None:
            raise click.ClickException(f"no complaint {complaint_id}")
        erased = erase_reporter(session, cli_actor(), complaint)
    click.echo(f"erased reporter data of {complaint.tracking_code}" if erased
               else f"reporter data of {complaint.tracking_code} was already erased")


@reporter.command("reencrypt")
@click.option("--batch-size", type=int, default=500, show_default=True)
@with_db
def reporter_reencrypt(db: Any, settings: Settings, batch_size: int) -> None:
    """Re-encrypt stored reporter data with the newest data key (= keys rotate-data)."""
    _reencrypt(db, settings, batch_size)
