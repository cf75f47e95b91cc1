"""Applying a status update from the CRM: the rules of the canonical lifecycle
(docs/API.md#lifecycle).

Every update the CRM sends — polled from `servicerequestupdates`, synthesised from `GET
requests` in the fallback mode, or pushed to `POST /open311/v2/servicerequestupdates` — goes
through `apply_crm_update`, so the same rules hold whichever way it came:

- Each `update_id` is applied once: a `crm_updates` row is inserted first (INSERT … ON
  CONFLICT DO NOTHING), and a repeat finds it (outcome `duplicate`, nothing changes). One
  exception: an update whose ticket was not known yet (`unknown_ticket`, e.g. the CRM
  answered before our forward committed) is tried again when seen again.
- The CRM's own code (`external_status_code`) wins over mySociety's `status`; the map is
  configuration (`JEMBATAN_STATUS_MAP_FILE`).
- An update older than the newest one applied to the complaint changes nothing (`stale`,
  still recorded).
- An unknown CRM status never fails: it is recorded (`unmapped`), logged, and kept on the
  timeline as a note event that keeps the current status.
- The CRM is the authority on a ticket's state: any newer mapped status applies, so a terminal
  complaint moved back to an open status (REOPEN → in_progress, or any other) is reopened and
  loses its `resolved_at` (append_event does that).
- A complaint linked to this one as a duplicate follows it: each applied or unmapped update
  becomes an event of its own too (app.duplicates.follow). Updates Jembatan itself posted on
  a ticket (update_id `jbt-dup:…`), should the CRM list them back, change nothing
  (`duplicate`).
- A malformed update (no update_id, no ticket, a bad or offset-less date, a date in the
  future — usually local time sent as UTC) is recorded as `invalid` with the reason, logged and
  counted, and never raises: the updates after it go on.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app import duplicates
from app.clock import as_utc, utcnow
from app.config import Settings
from app.events import append_event
from app.lifecycle import map_crm_status
from app.metrics import CRM_UPDATES_TOTAL
from app.models import Complaint, CrmUpdate
from schemas.open311 import Open311UpdateSchema

log = logging.getLogger("jembatan.crm_updates")

OUTCOMES = ("applied", "stale", "unmapped", "unknown_ticket", "invalid", "duplicate")
# A CRM clock a little ahead of ours is normal; hours ahead means a wrong timezone.
FUTURE_TOLERANCE = timedelta(minutes=10)

_UPDATE_SCHEMA = Open311UpdateSchema()

def count_outcome(outcome: str) -> None:
    """Count one CRM update by outcome (jembatan_crm_updates_total)."""
    CRM_UPDATES_TOTAL.labels(outcome=outcome).inc()


def apply_crm_update(session: Session, update: dict[str, Any], settings: Settings) -> str:
    """Record and apply one CRM update (never commits, never raises on bad input).

    `update` has the fields of an Open311 `request_update` (typed or as wire text), and may
    carry `agency` (the ticket's `agency_responsible`). Returns the outcome: applied, stale,
    unmapped, unknown_ticket, invalid or duplicate.
    """
    raw = _jsonable(update)
    update_id = _text(update.get("update_id"))
    if not update_id:
        # Still recorded once: a repeat of the same malformed update is a duplicate.
        # (what we add ourselves, the agency, stays out of the fingerprint)
        wire = {k: v for k, v in raw.items() if k not in ("agency", "agency_responsible")}
        digest = hashlib.sha256(json.dumps(wire, sort_keys=True).encode()).hexdigest()[:40]
        return _record_invalid(session, f"invalid:{digest}", raw, "update_id is missing")
    if len(update_id) > 128:
        return _record_invalid(
            session, "invalid:" + hashlib.sha256(update_id.encode()).hexdigest()[:40], raw,
            "update_id is longer than 128 characters",
        )

    if update_id.startswith(duplicates.UPDATE_ID_PREFIX):
        count_outcome("duplicate")  # our own word on a primary's ticket, listed back
        return "duplicate"
    existing = session.scalars(select(CrmUpdate).where(CrmUpdate.update_id == update_id)).first()
    if existing is not None and existing.outcome != "unknown_ticket":
        count_outcome("duplicate")
        return "duplicate"

    try:
        loaded = _UPDATE_SCHEMA.load(_wire(raw))
    except ValidationError as exc:
        return _record_invalid(session, update_id, raw, _describe(exc.messages), existing)
    updated_at = as_utc(loaded["updated_datetime"])
    if updated_at > utcnow() + FUTURE_TOLERANCE:
        return _record_invalid(
            session, update_id, raw,
            f"updated_datetime {raw.get('updated_datetime')} is in the future"
            " (a local time sent with the wrong offset?)",
            existing,
        )

    ticket = loaded["service_request_id"]
    query = select(Complaint).where(Complaint.crm_ticket_id == ticket)
    if session.get_bind().dialect.name == "postgresql":
        # Serialise with a concurrent poller or push on the same complaint (seq is per row).
        query = query.with_for_update(of=Complaint)
    complaint = session.scalars(query).first()
    agency = _text(update.get("agency") or update.get("agency_responsible"))
    record = existing or CrmUpdate(update_id=update_id)
    record.service_request_id = ticket[:64]
    record.status = _clip(loaded.get("status"), 64)
    record.external_status_code = _clip(loaded.get("external_status_code"), 64)
    record.updated_datetime = updated_at
    record.description = loaded.get("description")
    record.agency = _clip(agency, 200)
    record.raw = raw
    record.error = None

    if complaint is None:
        record.outcome = "unknown_ticket"
        record.error = f"no complaint has CRM ticket {ticket}"
        if not _save(session, record, existing):
            return _duplicate()
        log.warning("crm update %s skipped: unknown ticket %s", update_id, ticket)
        count_outcome("unknown_ticket")
        return "unknown_ticket"

    record.complaint_id = complaint.id
    if agency and complaint.agency != agency:
        complaint.agency = agency[:200]
        complaint.updated_at = utcnow()
    status = map_crm_status(
        loaded.get("status"), loaded.get("external_status_code"), settings.STATUS_MAP_FILE
    )
    note = loaded.get("description")
    if status is None:
        record.outcome = "unmapped"
        record.error = (
            f"unknown CRM status {loaded.get('status')!r}"
            f" / external_status_code {loaded.get('external_status_code')!r}"
        )
        if not _save(session, record, existing):
            return _duplicate()
        log.warning("crm update %s: %s; kept as a note", update_id, record.error)
        code = loaded.get("external_status_code") or loaded.get("status")
        event = append_event(
            session, complaint, complaint.status, source="crm", occurred_at=updated_at,
            note=f"Status CRM: {code}. {note}" if note else f"Status CRM: {code}.",
            crm_update_id=update_id,
        )
        duplicates.follow(session, complaint, event)
        count_outcome("unmapped")
        return "unmapped"

    if complaint.crm_updated_at is not None and updated_at < complaint.crm_updated_at:
        record.outcome = "stale"
        if not _save(session, record, existing):
            return _duplicate()
        log.info(
            "crm update %s is older than the last applied (%s < %s): recorded, not applied",
            update_id, updated_at.isoformat(), complaint.crm_updated_at.isoformat(),
        )
        count_outcome("stale")
        return "stale"

    record.outcome = "applied"
    if not _save(session, record, existing):
        return _duplicate()
    complaint.crm_updated_at = updated_at
    event = append_event(
        session, complaint, status, source="crm", occurred_at=updated_at, note=note,
        crm_update_id=update_id,
    )
    duplicates.follow(session, complaint, event)
    count_outcome("applied")
    return "applied"


_RECORD_COLUMNS = (
    "update_id", "service_request_id", "complaint_id", "status", "external_status_code",
    "updated_datetime", "description", "agency", "outcome", "error", "raw",
)


def _save(session: Session, record: CrmUpdate, existing: CrmUpdate | None) -> bool:
    """Insert the record unless it exists; False when a concurrent twin inserted it first.

    One `INSERT … ON CONFLICT DO NOTHING` (both PostgreSQL and SQLite have it) rather than a
    savepoint around a plain insert: a third of the round trips, and the poller makes one
    per update.
    """
    if existing is not None:
        return True
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = {name: getattr(record, name) for name in _RECORD_COLUMNS}
    values["received_at"] = utcnow()
    inserted = session.execute(
        insert(CrmUpdate)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(CrmUpdate.id)
    ).first()
    return inserted is not None


def _duplicate() -> str:
    count_outcome("duplicate")
    return "duplicate"


def _record_invalid(
    session: Session, update_id: str, raw: dict[str, Any], error: str,
    existing: CrmUpdate | None = None,
) -> str:
    if existing is None:
        existing = session.scalars(
            select(CrmUpdate).where(CrmUpdate.update_id == update_id)
        ).first()
        if existing is not None:
            return _duplicate()
    record = existing or CrmUpdate(update_id=update_id)
    record.service_request_id = _clip(_text(raw.get("service_request_id")), 64)
    record.status = _clip(_text(raw.get("status")), 64)
    record.external_status_code = _clip(_text(raw.get("external_status_code")), 64)
    record.description = _text(raw.get("description"))
    record.outcome = "invalid"
    record.error = error[:2000]
    record.raw = raw
    if not _save(session, record, existing):
        return _duplicate()
    log.warning("crm update %s skipped: invalid: %s", update_id, error)
    count_outcome("invalid")
    return "invalid"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


def _jsonable(update: dict[str, Any]) -> dict[str, Any]:
    """The update as JSON for the record (datetimes as text, naive ones marked naive)."""
    out: dict[str, Any] = {}
    for key, value in update.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
        elif value is None or isinstance(value, str | int | float | bool):
            out[key] = value
        else:
            out[key] = str(value)
    return out


def _wire(raw: dict[str, Any]) -> dict[str, Any]:
    """What the Open311 schema loads: wire text (numbers as ids are accepted by it)."""
    return {k: v for k, v in raw.items() if k in _UPDATE_SCHEMA.fields}


def _describe(messages: Any) -> str:
    if isinstance(messages, dict):
        return "; ".join(
            f"{field}: {' '.join(str(m) for m in (v if isinstance(v, list) else [v]))}"
            for field, v in sorted(messages.items())
        )
    return str(messages)
