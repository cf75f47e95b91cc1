"""A posko's note on its own complaint through servicerequestupdates: a note event, replayable
by update_id."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from flask import Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.events import append_event
from app.models import ApiKey, Complaint, IdempotencyRecord, StatusEvent
from app.open311.convert import normalise_text, update_document
from app.open311.envelope import fail, respond
from schemas.open311 import render_updates

NOTE_REPLAY_DAYS = 30


def _note_scope(api_key: ApiKey) -> str:
    # Apart from the native API's Idempotency-Key records, which share the table.
    return f"open311-note:faction:{api_key.faction_id}"


def posko_note(session: Session, api_key: ApiKey, form: dict[str, Any], fmt: str) -> Response:
    """A note from the posko on its own complaint, recorded as a note event (same status).

    Replays with the same update_id answer the first result. The CRM simulator has no
    servicerequestupdates intake, so the note is not passed on to the CRM (yet).
    """
    if form["service_request_id"] is None:
        raise fail(400, "service_request_id is required")
    note = normalise_text(form["description"] or "")
    if not note:
        raise fail(400, "description is required (the note to add)")
    if len(note) > 4000:
        raise fail(400, "description is longer than 4,000 characters")
    complaint = session.scalars(
        select(Complaint).where(
            Complaint.tracking_code == form["service_request_id"],
            Complaint.faction_id == api_key.faction_id,
        )
    ).first()
    if complaint is None:
        raise fail(404, f"service_request_id '{form['service_request_id']}' not found")
    record = None
    if form["update_id"] is not None:
        fingerprint = hashlib.sha256(
            json.dumps([complaint.tracking_code, note], ensure_ascii=False).encode()
        ).hexdigest()
        record = session.scalars(
            select(IdempotencyRecord).where(
                IdempotencyRecord.scope == _note_scope(api_key),
                IdempotencyRecord.key == f"open311-update:{form['update_id'][:200]}",
            )
        ).first()
        if record is not None:
            if record.request_hash != fingerprint:
                raise fail(409, f"update_id '{form['update_id']}' was used for another note")
            event = session.scalars(
                select(StatusEvent).where(
                    StatusEvent.complaint_id == complaint.id,
                    StatusEvent.seq == int(record.response_body or 0),
                )
            ).first()
            if event is not None:
                return respond(render_updates([update_document(complaint, event)], fmt), fmt)
    event = append_event(
        session,
        complaint,
        complaint.status,
        source="gateway",
        occurred_at=form["updated_datetime"] or utcnow(),
        note=f"Catatan posko: {note}",
    )
    if form["update_id"] is not None:
        session.add(
            IdempotencyRecord(
                scope=_note_scope(api_key),
                key=f"open311-update:{form['update_id'][:200]}",
                method="POST",
                path=request.path[:255],
                request_hash=fingerprint,
                state="completed",
                response_status=200,
                response_body=str(event.seq),
                expires_at=utcnow() + timedelta(days=NOTE_REPLAY_DAYS),
            )
        )
    session.commit()
    return respond(render_updates([update_document(complaint, event)], fmt), fmt)

