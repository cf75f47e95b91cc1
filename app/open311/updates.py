"""mySociety's servicerequestupdates: a faction reads the status events of its complaints in a
window; a POST is the CRM pushing a status update (app/open311/crm_push.py) or a posko adding a
note (app/open311/posko_notes.py), told apart by the api_key's role."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response
from sqlalchemy import select

from app.clock import as_utc
from app.database import request_session
from app.factions import ensure_can_write
from app.models import Complaint, StatusEvent
from app.open311.blueprint import bp
from app.open311.convert import update_document
from app.open311.crm_push import crm_update
from app.open311.envelope import fail, respond
from app.open311.params import (
    check_format,
    check_jurisdiction,
    param,
    presented_key,
    require_form_body,
    window,
)
from app.open311.posko_notes import posko_note
from schemas.open311 import parse_datetime, render_updates

UPDATES_LIMIT = 1000
DEFAULT_UPDATES_WINDOW = timedelta(days=1)


@bp.get("/servicerequestupdates.<fmt>")
def list_updates(fmt: str) -> Response:
    """GET servicerequestupdates: status events of the faction's own complaints in a window.

    The window selects by when Jembatan recorded each event, so an update that arrives late
    is still seen by a client that polls consecutive windows.
    """
    check_format(fmt)
    check_jurisdiction()
    session = request_session()
    api_key = presented_key(session, ("faction", "admin"))
    start, end = window(DEFAULT_UPDATES_WINDOW)
    query = (
        select(StatusEvent, Complaint)
        .join(Complaint, StatusEvent.complaint_id == Complaint.id)
        .where(StatusEvent.recorded_at >= start, StatusEvent.recorded_at <= end)
        .order_by(StatusEvent.recorded_at, StatusEvent.id)
        .limit(UPDATES_LIMIT)
    )
    faction_key = api_key is not None and api_key.role == "faction"
    if faction_key:
        query = query.where(Complaint.faction_id == api_key.faction_id)
    # An admin key reads operations, not identities: the notes as the public sees them.
    updates = [
        update_document(complaint, event, redacted=not faction_key)
        for event, complaint in session.execute(query)
    ]
    return respond(render_updates(updates, fmt), fmt)


_UPDATE_FIELDS = (
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
    "external_status_code",
)


def _update_form() -> dict[str, Any]:
    form: dict[str, Any] = {name: param(name) for name in _UPDATE_FIELDS}
    if form["updated_datetime"] is not None:
        try:
            form["updated_datetime"] = parse_datetime(form["updated_datetime"])
        except ValueError as exc:
            raise fail(400, f"updated_datetime: {exc}") from None
        try:
            # Year 1 or 9999 with an offset has no UTC instant: refused here, not a 500.
            as_utc(form["updated_datetime"])
        except OverflowError:
            raise fail(400, "updated_datetime: out of range") from None
    return form


@bp.post("/servicerequestupdates.<fmt>")
def post_update(fmt: str) -> Response:
    """POST servicerequestupdates: the CRM pushes a status update; a posko adds a note."""
    check_format(fmt)
    require_form_body()
    session = request_session()
    api_key = presented_key(session, ("crm", "faction"))
    assert api_key is not None
    check_jurisdiction()
    form = _update_form()
    if api_key.role == "crm":
        return crm_update(session, form, fmt)
    assert api_key.faction is not None
    ensure_can_write(api_key.faction, "post notes")
    return posko_note(session, api_key, form, fmt)
