"""Storing complaints through the one intake path, for tests that need some in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from app.clock import utcnow
from app.events import append_event
from app.intake import submit_complaint
from app.models import Complaint, Faction
from app.wiring import categories_of
from tests.conftest import complaint_payload


def store_complaint(app: Flask, faction_code: str = "PSI", **overrides: Any) -> Complaint:
    """Submit a complaint for `faction_code` with `submit_complaint` and commit it."""
    fields = complaint_payload(**overrides)
    if isinstance(fields.get("occurred_at"), str):
        fields["occurred_at"] = datetime.fromisoformat(fields["occurred_at"])
    db = app.extensions["db"]
    with app.app_context(), db.transaction() as session:
        faction = session.scalars(select(Faction).where(Faction.code == faction_code)).one()
        result = submit_complaint(
            session, faction, fields, categories=categories_of(app.extensions["settings"])
        )
        complaint = result.complaint
    return complaint


def cli_env(database_url: str) -> dict[str, str]:
    """The environment for running `jembatan` commands against the test database."""
    return {"JEMBATAN_ENV": "test", "JEMBATAN_DATABASE_URL": database_url,
            "JEMBATAN_LOG_JSON": "0"}


def forwarded_complaint(
    app: Flask, faction_code: str = "PSI", ticket: str | None = "3100001", **overrides: Any
) -> Complaint:
    """Submit a complaint and, when `ticket` is given, record it as forwarded to that ticket.

    The forward step is done here directly (as the crm.submit handler would) so that tests of
    what follows do not depend on the CRM connector.
    """
    overrides.setdefault("external_id", f"{faction_code}-{ticket}-{utcnow().timestamp()}")
    complaint = store_complaint(app, faction_code, **overrides)
    if ticket is None:
        return complaint
    db = app.extensions["db"]
    with app.app_context(), db.transaction() as session:
        complaint = session.get(Complaint, complaint.id)
        assert complaint is not None
        complaint.crm_ticket_id = ticket
        complaint.forwarded_at = utcnow()
        append_event(session, complaint, "forwarded", source="gateway",
                     note="Aduan diteruskan ke CRM.")
        session.flush()
        session.expunge(complaint)
    return complaint
