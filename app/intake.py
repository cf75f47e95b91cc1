"""Intake: storing a validated complaint, once, with everything that must follow it.

Every surface (native API, Open311 facade, feed mirroring) ends here, so the rules are the
same whichever way a complaint arrives: in ONE transaction the complaint, its first status
event `received` (seq 1), its deadline, and what forwards it: the outbox message `crm.submit`,
or, for a duplicate of a stored complaint, what app.duplicates decides (a `crm.update` on
the primary's ticket, or a wait for review).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from app import duplicates, ids
from app.clock import utcnow
from app.config import Settings
from app.database import insert_row
from app.events import next_event, notify_listeners
from app.factions import ensure_can_submit
from app.metrics import INTAKE_TOTAL
from app.models import Complaint, Faction
from app.redaction import VERSION as REDACTION_VERSION
from app.redaction import Identity, redact
from app.reference import Category, areas
from app.sla import add_working_days

RECEIVED_NOTE = "Aduan diterima oleh Jembatan."

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


def submit_complaint(
    session: Session,
    faction: Faction,
    fields: dict[str, Any],
    *,
    categories: Mapping[str, Category],
    source: str = "api",
    settings: Settings | None = None,
) -> IntakeResult:
    """Store a validated complaint for `faction`, or find the one already stored.

    `fields` has the native API's shape (see schemas.complaint), validated against the same
    `categories` (app.wiring.categories_of(settings)), which give the deadline. Returns the
    complaint and whether it was created now; raises DuplicateConflict when the same
    `external_id` was submitted with other content. Never commits: the caller's commit
    makes the 201 true. Runs alike from a view, a job or a script: no Flask needed.
    With `settings`, a new complaint is matched against stored ones (app.duplicates,
    JEMBATAN_DEDUP_*); without (scripts and tests that do not care), it is forwarded as its
    own ticket.
    """
    ensure_can_submit(faction)
    fingerprint = content_hash(fields)
    category = categories[fields["category"]]
    kelurahan, kecamatan, kota = areas().lineage(fields["location"]["kelurahan_code"])
    location = fields["location"]
    reporter = fields.get("reporter") or {}
    # The public projection, once, while the reporter's identity is known (app/projection.py).
    identity = Identity(
        name=reporter.get("name"),
        address=location.get("address"),
        phone=reporter.get("phone"),
        email=reporter.get("email"),
        nik=reporter.get("nik"),
    )
    now = utcnow()
    row = {
        "id": uuid.uuid4(),
        "tracking_code": ids.tracking_code(),
        "faction_id": faction.id,
        "external_id": fields["external_id"],
        "source": source,
        "category": category.code,
        "title": fields["title"],
        "description": fields["description"],
        "occurred_at": fields.get("occurred_at"),
        "kelurahan_code": kelurahan.code,
        "kecamatan_code": kecamatan.code,
        "kota_code": kota.code,
        "address": location.get("address"),
        "lat": location.get("lat"),
        "lon": location.get("lon"),
        "geocell": duplicates.geocell_of(location.get("lat"), location.get("lon")),
        "reporter_name": reporter.get("name"),
        "reporter_phone": reporter.get("phone"),
        "reporter_email": reporter.get("email"),
        "reporter_nik": reporter.get("nik"),
        "visibility": fields.get("visibility") or "anonymous",
        "attachments": list(fields.get("attachments") or []),
        "content_hash": fingerprint,
        "public_title": redact(fields["title"], identity),
        "public_description": redact(fields["description"], identity),
        "redaction_version": REDACTION_VERSION,
        "status_secret": ids.secret_token(18),
        "status": "received",
        "seq": 0,
        "agency": None,
        "overdue": False,
        "due_at": add_working_days(now, category.sla_days),
        "created_at": now,
        "updated_at": now,
    }
    # Every column gets a value, so the object is complete once persistent (no lazy loads).
    complaint = Complaint(**({column.key: None for column in _COLUMNS} | row))
    complaint.faction = faction
    # The first event (which sets seq and updated_at) is applied while the complaint is
    # still transient, so its row goes out complete and is never UPDATEd at intake. Its
    # note is ours and holds nobody's identity: its public note is the note itself.
    with session.no_autoflush:
        event = next_event(
            complaint,
            "received",
            source="gateway",
            occurred_at=now,
            note=RECEIVED_NOTE,
            public_note=RECEIVED_NOTE,
        )
        # INSERT … ON CONFLICT DO NOTHING: a replay, or a concurrent twin that committed
        # first, finds the stored row instead of failing, with neither a savepoint nor a
        # prior lookup (a twin still in flight makes this statement wait for its commit).
        values = {column.key: getattr(complaint, column.key) for column in _COLUMNS}
        dialect = session.get_bind().dialect.name
        # On PostgreSQL the same statement takes the duplicate search's area locks.
        lock_keys = duplicates.intake_lock_keys(
            settings, dialect, category.code, kelurahan.code, location.get("lat"),
            location.get("lon"))
        if lock_keys:
            values[LOCK_KEYS] = lock_keys
        inserted = session.execute(_insert_statement(dialect, bool(lock_keys)), values).first()
    if inserted is None:
        existing = _find(session, faction.id, fields["external_id"])
        if existing is None:  # pragma: no cover - the conflicting row cannot vanish
            raise RuntimeError("external_id conflict without a stored complaint")
        return _replay(existing, fingerprint)
    # The row is in the database exactly as the object says: make the object persistent,
    # then store what follows from it (each an INSERT, no unit of work to flush).
    make_transient_to_detached(complaint)
    session.add(complaint)
    insert_row(session, event)
    notify_listeners(session, complaint, event)
    if settings is None:
        duplicates.forward_own(session, complaint)
    else:
        duplicates.match_at_intake(session, complaint, settings, area_locked=bool(lock_keys))
    INTAKE_TOTAL.labels(faction=faction.code, outcome="created").inc()
    return IntakeResult(complaint, True)


_COLUMNS = tuple(Complaint.__table__.columns)


LOCK_KEYS = "dedup_lock_keys"


@lru_cache(maxsize=4)
def _insert_statement(dialect: str, locking: bool = False) -> Any:
    """INSERT … ON CONFLICT (faction_id, external_id) DO NOTHING RETURNING id, built once.

    `locking` (PostgreSQL): RETURNING also takes the advisory locks LOCK_KEYS names, in
    order, after the row is in (app/duplicates.py's search area; a replay takes none), and
    makes the rest of the transaction use cached generic plans (`plan_cache_mode`, local to
    the transaction): the candidate search's plan does not depend on its values, and
    planning it afresh each time would cost more than running it.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Complaint.__table__
    returning: list[Any] = [table.c.id]
    if locking:
        keys = func.unnest(bindparam(LOCK_KEYS, type_=postgresql.ARRAY(BigInteger)))
        key = keys.table_valued("key").render_derived()
        returning.append(select(func.count(func.pg_advisory_xact_lock(key.c.key)))
                         .scalar_subquery())
        returning.append(func.set_config("plan_cache_mode", "force_generic_plan", True))
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=["faction_id", "external_id"])
        .returning(*returning)
    )


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
