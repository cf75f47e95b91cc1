"""Complaints in a known state, made through intake (the one way in) for tests of what follows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from app.clock import utcnow
from app.events import append_event
from app.intake import submit_complaint
from app.models import Complaint, Faction
from tests.conftest import complaint_payload


def intake_fields(**overrides: Any) -> dict[str, Any]:
    """A complaint as intake takes it (the native schema's loaded shape)."""
    fields = complaint_payload(**overrides)
    if isinstance(fields.get("occurred_at"), str):
        fields["occurred_at"] = datetime.fromisoformat(fields["occurred_at"])
    return fields


def forwarded_complaint(
    app: Flask, faction_code: str = "PSI", ticket: str | None = "3100001", **overrides: Any
) -> Complaint:
    """Submit a complaint and, when `ticket` is given, record it as forwarded to that ticket.

    The forward step is done here directly (as the crm.submit handler would) so that these
    tests do not depend on the CRM connector.
    """
    db = app.extensions["db"]
    with app.app_context(), db.transaction() as session:
        faction = session.scalars(select(Faction).where(Faction.code == faction_code)).one()
        overrides.setdefault("external_id", f"{faction_code}-{ticket}-{utcnow().timestamp()}")
        complaint = submit_complaint(session, faction, intake_fields(**overrides)).complaint
        if ticket is not None:
            complaint.crm_ticket_id = ticket
            complaint.forwarded_at = utcnow()
            append_event(
                session, complaint, "forwarded", source="gateway",
                note="Aduan diteruskan ke CRM.",
            )
        session.flush()
        session.expunge(complaint)
    return complaint
