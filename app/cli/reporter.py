"""`jembatan reporter`: reporters' personal data."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

from app.cli.common import echo_json, with_db
from app.cli.keys import keys_rotate_data
from app.config import Settings


@click.group()
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
        echo_json(shown)
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
