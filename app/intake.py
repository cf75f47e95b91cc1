"""Intake: storing a validated complaint, once, with everything that must follow it.

Every surface (native API, Open311 facade, feed mirroring) ends here, so the rules are the
same whichever way a complaint arrives: in ONE transaction the complaint, its first status
event `received` (seq 1), its deadline, and the outbox message `crm.submit`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import ids
from app.clock import utcnow
from app.events import append_event
from app.factions import ensure_can_submit
from app.metrics import INTAKE_TOTAL
from app.models import Complaint, Faction
from app.models.outbox import enqueue
from app.reference import areas, load_categories
from app.sla import add_working_days

CRM_SUBMIT = "crm.submit"
CRM_DESTINATION = "crm"

# The submitted fields that make up a complaint's content (for replay vs conflict).
CONTENT_FIELDS = (
    "external_id",
    "category",
    "title",
    "description",
    "occurred_at",
    "location",
    "reporter",
    "visibility",
    "attachments",
)


class DuplicateConflict(Exception):
    """The `external_id` exists with different content."""

    def __init__(self, complaint: Complaint) -> None:
        super().__init__(complaint.external_id)
        self.complaint = complaint


@dataclass(frozen=True)
class IntakeResult:
    complaint: Complaint
    created: bool


def content_hash(fields: dict[str, Any]) -> str:
    """A stable fingerprint of the submitted content (order and defaults do not matter)."""
    content = {k: fields.get(k) for k in CONTENT_FIELDS}
    content["visibility"] = content["visibility"] or "anonymous"
    content["attachments"] = content["attachments"] or []
    encoded = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def categories() -> dict[str, Any]:
    """The configured categories of the running app."""
    return load_categories(current_app.config["JEMBATAN_CATEGORIES_FILE"])


def submit_complaint(
    session: Session, faction: Faction, fields: dict[str, Any], *, source: str = "api"
) -> IntakeResult:
    """Store a validated complaint for `faction`, or find the one already stored.

    `fields` has the native API's shape (see schemas.complaint). Returns the complaint and
    whether it was created now; raises DuplicateConflict when the same `external_id` was
    submitted with other content. Never commits: the caller's commit makes the 201 true.
    """
    ensure_can_submit(faction)
    fingerprint = content_hash(fields)
    existing = _find(session, faction.id, fields["external_id"])
    if existing is not None:
        return _replay(existing, fingerprint)

    category = categories()[fields["category"]]
    kelurahan, kecamatan, kota = areas().lineage(fields["location"]["kelurahan_code"])
    location = fields["location"]
    reporter = fields.get("reporter") or {}
    now = utcnow()
    complaint = Complaint(
        id=uuid.uuid4(),
        tracking_code=ids.tracking_code(),
        faction_id=faction.id,
        external_id=fields["external_id"],
        source=source,
        category=category.code,
        title=fields["title"],
        description=fields["description"],
        occurred_at=fields.get("occurred_at"),
        kelurahan_code=kelurahan.code,
        kecamatan_code=kecamatan.code,
        kota_code=kota.code,
        address=location.get("address"),
        lat=location.get("lat"),
        lon=location.get("lon"),
        reporter_name=reporter.get("name"),
        reporter_phone=reporter.get("phone"),
        reporter_email=reporter.get("email"),
        reporter_nik=reporter.get("nik"),
        visibility=fields.get("visibility") or "anonymous",
        attachments=list(fields.get("attachments") or []),
        content_hash=fingerprint,
        status_secret=ids.secret_token(18),
        status="received",
        seq=0,
        agency=None,
        due_at=add_working_days(now, category.sla_days),
        created_at=now,
        updated_at=now,
    )
    try:
        # A savepoint, so a concurrent twin's unique violation leaves our transaction usable.
        with session.begin_nested():
            session.add(complaint)
            session.flush()
            append_event(
                session,
                complaint,
                "received",
                source="gateway",
                occurred_at=now,
                note="Aduan diterima oleh Jembatan.",
            )
            enqueue(
                session,
                topic=CRM_SUBMIT,
                destination=CRM_DESTINATION,
                payload={"complaint_id": str(complaint.id)},
                complaint_id=complaint.id,
            )
            session.flush()
    except IntegrityError:
        existing = _find(session, faction.id, fields["external_id"])
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    INTAKE_TOTAL.labels(faction=faction.code, outcome="created").inc()
    return IntakeResult(complaint, True)


def _find(session: Session, faction_id: int, external_id: str) -> Complaint | None:
    return session.scalars(
        select(Complaint).where(
            Complaint.faction_id == faction_id, Complaint.external_id == external_id
        )
    ).first()


def _replay(existing: Complaint, fingerprint: str) -> IntakeResult:
    if existing.content_hash != fingerprint:
        INTAKE_TOTAL.labels(faction=existing.faction.code, outcome="conflict").inc()
        raise DuplicateConflict(existing)
    INTAKE_TOTAL.labels(faction=existing.faction.code, outcome="replayed").inc()
    return IntakeResult(existing, False)
