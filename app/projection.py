"""The public projection: the only shape in which a keyless reader sees a complaint.

UU PDP 27/2022: a transparency site must not identify reporters. Masking at render time, per
surface, with the reporter's stored fields, failed twice: each surface had to remember it,
and an erasure removed the very values it masked with. So the public text is computed once,
while the reporter's identity is known (app/intake.py, app/events.py), and stored in
`complaints.public_title`, `complaints.public_description` and `status_events.public_note`.

Every surface a person reads without a key (the public pages in both languages, the CSV and
JSON exports, the Atom feed, the keyless Open311 GETs, the private status link) reads
complaints through this module alone: the queries below select only the stored projection
columns and the coarse facts, never the raw text or the reporter's fields, and build frozen
dataclasses from them. Faction-keyed views keep using the full record.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import identity_key

from app.models import Complaint, Faction, StatusEvent
from app.progress import NO_PROGRESS, Progress
from app.redaction import VERSION, Identity, redact
from app.reference import areas


def is_public(visibility: str) -> bool:
    """Whether a complaint of this visibility may be shown individually (not `confidential`)."""
    return visibility != "confidential"


@dataclass(frozen=True)
class PublicLocation:
    """A place no finer than the kelurahan, and coordinates rounded to about 100 m."""

    kelurahan_code: str
    kelurahan: str
    kecamatan_code: str
    kecamatan: str
    kota_code: str
    kota: str
    lat: float | None
    lon: float | None


def public_location(row: Any) -> PublicLocation:
    """A complaint's public place (anything with its area codes and lat/lon)."""
    known = areas()
    lat, lon = row.lat, row.lon
    # Three decimals of a degree is ≈110 m: the street, not the house.
    rounded = lat is not None and lon is not None
    return PublicLocation(
        kelurahan_code=row.kelurahan_code,
        kelurahan=known.name(row.kelurahan_code),
        kecamatan_code=row.kecamatan_code,
        kecamatan=known.name(row.kecamatan_code),
        kota_code=row.kota_code,
        kota=known.name(row.kota_code),
        lat=round(lat, 3) if rounded else None,
        lon=round(lon, 3) if rounded else None,
    )


@dataclass(frozen=True)
class PublicComplaint:
    """A complaint as the public sees it: stored redacted text, coarse place, no reporter.

    `id` is there for keyset paging only (the cursor); no surface shows it.
    """

    id: uuid.UUID
    tracking_code: str
    faction: str
    faction_name: str
    category: str
    status: str
    title: str
    description: str
    place: PublicLocation
    agency: str | None
    crm_ticket_id: str | None
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    overdue: bool
    # Only a `public` complaint shows its media; an anonymous one may show the reporter.
    media_url: str | None
    # The primary this complaint was linked to as the same problem (its tracking code) and
    # `linked`; both None unless the public may see the link (`public_link`).
    duplicate_of: str | None = None
    duplicate_state: str | None = None


@dataclass(frozen=True)
class PublicEvent:
    """One status event as the public sees it: its stored public note, never the note."""

    seq: int
    status: str
    changed: bool
    occurred_at: datetime
    recorded_at: datetime
    source: str
    note: str


# What a projection is built from: nothing else of the row is ever read.
COLUMNS = (
    Complaint.id, Complaint.tracking_code, Complaint.category, Complaint.status,
    Complaint.public_title, Complaint.public_description, Complaint.kelurahan_code,
    Complaint.kecamatan_code, Complaint.kota_code, Complaint.lat, Complaint.lon,
    Complaint.agency, Complaint.crm_ticket_id, Complaint.created_at, Complaint.updated_at,
    Complaint.due_at, Complaint.resolved_at, Complaint.is_overdue.label("overdue"),
    Complaint.visibility,
    Complaint.attachments, Faction.code.label("faction_code"),
    Faction.name.label("faction_name"),
)
# Labelled: the feed selects them beside the complaint's own `status`.
EVENT_COLUMNS = (
    StatusEvent.seq.label("event_seq"), StatusEvent.status.label("event_status"),
    StatusEvent.previous_status.label("event_previous_status"),
    StatusEvent.occurred_at.label("event_occurred_at"),
    StatusEvent.recorded_at.label("event_recorded_at"),
    StatusEvent.source.label("event_source"), StatusEvent.public_note.label("event_note"),
)


# The primary a complaint duplicates, read for its tracking code alone (never its text).
_PRIMARY = aliased(Complaint, name="primary_complaint")
LINKED = "linked"


def public_link() -> Any:
    """When the public sees a complaint's duplicate link: it is `linked` (a confirmed
    decision, not a suggestion) to a primary that is itself public. A confidential primary
    is never named, and a complaint linked to one shows no link at all (docs/API.md#duplicates).
    """
    return and_(
        _PRIMARY.id == Complaint.duplicate_of_id,
        Complaint.duplicate_state == LINKED,
        _PRIMARY.visibility != "confidential",
    )


def _projected(*extra: Any, operator: bool = False) -> Select[Any]:
    """The projection's select; `operator`: the duplicate link as it is (any state, any
    primary), for a reader who sees operations (an admin key), else as the public sees it.

    The primary's code is a correlated subquery, not a join: callers filter with SQL text
    on the complaint's own column names (the overdue index's), which a second `complaints`
    in the FROM list would make ambiguous.
    """
    link = _PRIMARY.id == Complaint.duplicate_of_id if operator else public_link()
    primary_code = select(_PRIMARY.tracking_code).where(link).scalar_subquery()
    state: Any = Complaint.duplicate_state if operator else literal(None)
    return (
        select(*COLUMNS, primary_code.label("duplicate_of"), state.label("duplicate_state"),
               *extra)
        .join(Faction, Faction.id == Complaint.faction_id)
    )


def projected_complaints() -> Select[Any]:
    """Rows of every complaint, confidential ones too, through the projection: for readers
    who see operations but not identities (an admin key), never for the public. Their
    duplicate link is shown as it is, whatever the primary's visibility."""
    return _projected(operator=True)


def public_complaints() -> Select[Any]:
    """Rows of every complaint the public may see (not confidential), for `from_row`.

    Callers add filters and order on `Complaint` columns, as on any select.
    """
    return _projected().where(Complaint.visibility != "confidential")


def from_row(row: Any) -> PublicComplaint:
    """The projection of one row of `public_complaints()` (or `find`)."""
    attachments = row.attachments or []
    media = attachments[0].get("url") if attachments and row.visibility == "public" else None
    return PublicComplaint(
        id=row.id,
        tracking_code=row.tracking_code,
        faction=row.faction_code,
        faction_name=row.faction_name,
        category=row.category,
        status=row.status,
        title=row.public_title or "",
        description=row.public_description or "",
        place=public_location(row),
        agency=row.agency,
        crm_ticket_id=row.crm_ticket_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        due_at=row.due_at,
        resolved_at=row.resolved_at,
        overdue=bool(row.overdue),  # Complaint.is_overdue, selected as such
        media_url=media,
        duplicate_of=row.duplicate_of,
        # The public sees only links (`public_link`): `linked` when one is shown.
        duplicate_state=row.duplicate_state or (LINKED if row.duplicate_of else None),
    )


def read_public(session: Session, query: Select[Any]) -> list[PublicComplaint]:
    """Run a `public_complaints()` query and project its rows."""
    return [from_row(row) for row in session.execute(query)]


def find_public(session: Session, tracking_code: str) -> PublicComplaint | None:
    """The public complaint with this tracking code; None when unknown or confidential."""
    row = session.execute(
        public_complaints().where(Complaint.tracking_code == tracking_code)
    ).first()
    return from_row(row) if row is not None else None


def same_problem(
    session: Session, complaint: PublicComplaint, limit: int = 50
) -> list[PublicComplaint]:
    """The other public reports of the problem `complaint` reports, oldest first: its
    primary and the primary's other linked complaints, or, for a primary, the complaints
    linked to it. Only links the public may see count (`public_link`): a confidential
    report is never listed, and nothing is listed through a confidential primary.
    """
    primary_code = complaint.duplicate_of or complaint.tracking_code
    primary_id = session.scalar(
        select(Complaint.id).where(
            Complaint.tracking_code == primary_code, Complaint.visibility != "confidential"
        )
    )
    if primary_id is None:
        return []
    query = (
        public_complaints()
        .where(or_(
            Complaint.id == primary_id,
            and_(Complaint.duplicate_of_id == primary_id, Complaint.duplicate_state == LINKED),
        ))
        .where(Complaint.id != complaint.id)
        .order_by(Complaint.created_at, Complaint.id)
        .limit(limit)
    )
    return read_public(session, query)


# The states in which a complaint names a primary (a rejected suggestion names none).
NAMING_STATES = ("suggested", LINKED)


def duplicate_of_codes(
    session: Session, complaints: Iterable[Complaint]
) -> dict[uuid.UUID, str]:
    """Complaint id → the tracking code of its primary, for keyed readers (the submitting
    faction, an admin key, the faction's webhook): one query for a page, reading the
    primaries' tracking codes only — never their text or their reporters' data."""
    wanted = {c.id: c.duplicate_of_id for c in complaints
              if c.duplicate_of_id is not None and c.duplicate_state in NAMING_STATES}
    if not wanted:
        return {}
    codes: dict[uuid.UUID, str] = {}
    for primary_id in set(wanted.values()):
        # A primary the session holds already (the matcher's, a follow-along's) costs nothing.
        loaded = session.identity_map.get(identity_key(Complaint, primary_id))
        if loaded is not None and "tracking_code" in loaded.__dict__:
            codes[primary_id] = loaded.tracking_code
    missing = set(wanted.values()) - codes.keys()
    if missing:
        rows = session.execute(
            select(Complaint.id, Complaint.tracking_code).where(Complaint.id.in_(missing))
        )
        codes.update((primary_id, code) for primary_id, code in rows)
    return {cid: codes[pid] for cid, pid in wanted.items() if pid in codes}


def find_tracked(
    session: Session, tracking_code: str
) -> tuple[PublicComplaint, bool, str] | None:
    """For the reporter's private status link: the projection whatever the visibility,
    whether it is public, and the link's secret (for the caller to compare); None if unknown.

    That page shows a confidential complaint's statuses and dates (never its text) to the
    holder of its secret, so this one lookup does not exclude confidential complaints.
    """
    row = session.execute(
        _projected(Complaint.status_secret).where(Complaint.tracking_code == tracking_code)
    ).first()
    if row is None:
        return None
    return from_row(row), is_public(row.visibility), row.status_secret


def _event(row: Any) -> PublicEvent:
    return PublicEvent(
        seq=row.event_seq,
        status=row.event_status,
        changed=row.event_status != row.event_previous_status,
        occurred_at=row.event_occurred_at,
        recorded_at=row.event_recorded_at,
        source=row.event_source,
        note=row.event_note or "",
    )


def timeline(session: Session, complaint_id: uuid.UUID) -> list[PublicEvent]:
    """A complaint's events, oldest first, with their public notes."""
    rows = session.execute(
        select(*EVENT_COLUMNS).where(StatusEvent.complaint_id == complaint_id)
        .order_by(StatusEvent.seq)
    )
    return [_event(row) for row in rows]


def recent_events(session: Session, limit: int) -> list[tuple[PublicEvent, PublicComplaint]]:
    """The newest `limit` events of public complaints, newest recorded first (the feed)."""
    rows = session.execute(
        public_complaints().add_columns(*EVENT_COLUMNS)
        .join(StatusEvent, StatusEvent.complaint_id == Complaint.id)
        .order_by(StatusEvent.recorded_at.desc(), StatusEvent.id.desc())
        .limit(limit)
    )
    return [(_event(row), from_row(row)) for row in rows]


def without_notes(events: Iterable[PublicEvent]) -> Sequence[PublicEvent]:
    """The events with their notes blanked (a confidential complaint's status link)."""
    return [replace(event, note="") for event in events]


def fill_missing(
    session: Session, batch_size: int = 500, progress: Progress = NO_PROGRESS
) -> tuple[int, int]:
    """Store the projection of rows that have none; commits per batch. (complaints, events)

    Rows stored by a release older than migration 0003 while a rolling upgrade was under
    way. Each is redacted with the reporter data it still holds (for one erased meanwhile,
    only the patterns can apply, as in 0003); a stored projection is never recomputed.
    """
    unprojected = Complaint.redaction_version.is_(None)
    unprojected_note = and_(StatusEvent.public_note.is_(None), StatusEvent.note.is_not(None))
    if progress is not NO_PROGRESS:
        progress.reset(total=(
            session.scalar(select(func.count()).select_from(Complaint).where(unprojected))
            + session.scalar(select(func.count()).select_from(StatusEvent)
                             .where(unprojected_note))
        ))
    complaints = 0
    while True:
        batch = session.scalars(
            select(Complaint).where(unprojected)
            .order_by(Complaint.id).limit(batch_size)
        ).all()
        for complaint in batch:
            identity = Identity.of(complaint)
            complaint.public_title = redact(complaint.title, identity)
            complaint.public_description = redact(complaint.description, identity)
            complaint.redaction_version = VERSION
        complaints += len(batch)
        session.commit()
        progress.update(len(batch))
        if len(batch) < batch_size:
            break
    events = 0
    while True:
        rows = session.execute(
            select(StatusEvent, Complaint)
            .join(Complaint, Complaint.id == StatusEvent.complaint_id)
            .where(unprojected_note)
            .order_by(StatusEvent.id).limit(batch_size)
        ).all()
        for event, complaint in rows:
            event.public_note = redact(event.note, Identity.of(complaint))
        events += len(rows)
        session.commit()
        progress.update(len(rows))
        if len(rows) < batch_size:
            return complaints, events
