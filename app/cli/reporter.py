"""`jembatan reporter`: reporters' personal data."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

from app.cli.common import with_db
from app.cli.keys import keys_rotate_data
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


# `reporter reencrypt` was the first name of `keys rotate-data`; scripts may still call it. One
# implementation: the same callback and options, and one deprecation line on stderr.
reporter.add_command(
    click.Command(
        "reencrypt",
        callback=keys_rotate_data.callback,
        params=keys_rotate_data.params,
        help="Re-encrypt stored reporter data with the newest data key (the old name of "
        "`keys rotate-data`).",
        short_help="The old name of `keys rotate-data`.",
        deprecated="Use 'jembatan keys rotate-data'.",
    )
)
