"""Duplicates across factions: one problem, one CRM ticket (docs/ARCHITECTURE.md#duplicates).

Intake asks `match_at_intake` whether a new complaint repeats one already stored. The
candidate search is SQL on indexed columns (same category or category group, a nearby grid
cell or the same kelurahan, open or terminal for at most DEDUP_TERMINAL_DAYS, primaries
only); app.matching scores the few it finds. Its verdict decides what the complaint becomes:

- `linked`: no ticket of its own. The CRM is told with an update on the primary's ticket
  (outbox topic `crm.update`, sent once the primary has a ticket), and the complaint follows
  that ticket: every status the CRM reports for the primary becomes an event of its own
  (`follow`), with its own seq and its own faction's webhook.
- `suggested`: a person decides (`confirm` or `reject`); the complaint is not forwarded
  until then, and at most DEDUP_REVIEW_TIMEOUT_S: `expire_suggestions` then forwards it as
  its own ticket.
- none: forwarded as its own ticket (`crm.submit`), as before.

Each decision (`confirm`, `reject`, `link`, `split`, the timeout) is audited, appends an
event to the complaint (so its faction hears of it) and refuses what would break the one rule
of the structure, a star: a primary is no one's duplicate, a duplicate has no duplicates.

Confidential complaints take part like any other: the CRM should still get one ticket per
problem, and the CRM is not a public surface. Keeping them out of public pages is the
representation's job (what shows `duplicate_of` publicly).

Concurrency: two intakes of the same problem committing at once must not both find no
primary. PostgreSQL takes transaction-scoped advisory locks on the (category group, cell)
keys of the search area and the (category group, kelurahan) key before searching, in one
sorted order (no deadlock); SQLite's BEGIN IMMEDIATE already serialises writers.

Flask-free; settings are passed in.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    String,
    any_,
    bindparam,
    func,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app import audit, matching
from app.clock import as_utc, utcnow
from app.config import Settings
from app.events import append_event
from app.lifecycle import TERMINAL, mysociety_status
from app.models import Complaint, OutboxMessage, StatusEvent
from app.models.complaint import (
    DEDUP_CLOSED_SQL,
    DEDUP_OPEN_SQL,
    SUGGESTED_SQL,
    without_private,
)
from app.models.outbox import enqueue
from app.projection import is_public

# The forwarding topics (intake re-exports the first two under their old names).
CRM_SUBMIT = "crm.submit"
CRM_UPDATE = "crm.update"
CRM_DESTINATION = "crm"
# Update ids Jembatan gives the updates it posts on a primary's ticket: the poller skips them
# should the CRM list them back among its own.
UPDATE_ID_PREFIX = "jbt-dup:"

LINKED = "linked"
SUGGESTED = "suggested"
REJECTED = "rejected"
# Candidates read per search (each area): the open backlog of one category around one spot.
CANDIDATE_LIMIT = 200



class DecisionRefused(Exception):
    """A review decision that would break the structure or changes nothing.

    `code` is stable (the review API and CLI show it as the problem's type); `reason` says
    why in words.
    """

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


# --- policy ------------------------------------------------------------------------------


def policy_of(settings: Settings) -> matching.Policy:
    """The matcher's policy from JEMBATAN_DEDUP_* (unset: app.matching.DEFAULT_POLICY)."""
    return matching.policy_from(
        settings.DEDUP_LINK_AT, settings.DEDUP_SUGGEST_AT, settings.DEDUP_RADIUS_M,
        settings.DEDUP_TERMINAL_DAYS, settings.DEDUP_GROUPS,
    )


def _related_categories(category: str, groups: dict[str, str] | Any) -> list[str]:
    group = groups.get(category)
    if group is None:
        return [category]
    return sorted({c for c, g in groups.items() if g == group} | {category})


# --- intake ------------------------------------------------------------------------------


def report_of(complaint: Complaint) -> matching.Report:
    """The complaint as the matcher sees it (what, where, when; nobody's identity)."""
    terminal_at = None
    if complaint.status in TERMINAL:
        # When it became terminal: the resolution time, else its last change (a close
        # bound: nothing but a later note moves updated_at past it).
        terminal_at = complaint.resolved_at or complaint.updated_at
    return matching.Report(
        category=complaint.category,
        title=complaint.title,
        description=complaint.description,
        kelurahan_code=complaint.kelurahan_code,
        address=complaint.address,
        lat=complaint.lat,
        lon=complaint.lon,
        reported_at=as_utc(complaint.created_at),
        terminal_at=as_utc(terminal_at) if terminal_at is not None else None,
    )


def geocell_of(lat: float | None, lon: float | None) -> str | None:
    """The grid cell intake stores for the candidate search (None without coordinates)."""
    if lat is None or lon is None:
        return None
    return matching.cell(lat, lon)


def candidates(session: Session, complaint: Complaint, policy: matching.Policy,
               now: datetime) -> list[tuple[uuid.UUID, matching.Report]]:
    """Primaries the complaint may repeat, as (id, what the matcher reads), oldest first.

    Plain rows of the columns the matcher reads (no ORM objects, no reporter data, no
    faction): the chosen primary alone is loaded whole, by `match_at_intake`.
    """
    located = complaint.lat is not None and complaint.lon is not None
    rows = session.execute(_candidate_query(located, session.get_bind().dialect.name),
                           _candidate_parameters(complaint, policy, now, located)).all()
    found = []
    for row in sorted(rows, key=lambda r: (as_utc(r.created_at), str(r.id))):
        terminal_at = (row.resolved_at or row.updated_at) if row.status in TERMINAL else None
        found.append((row.id, matching.Report(
            category=row.category, title=row.title, description=row.description,
            kelurahan_code=row.kelurahan_code, address=row.address, lat=row.lat, lon=row.lon,
            reported_at=as_utc(row.created_at),
            terminal_at=as_utc(terminal_at) if terminal_at is not None else None)))
    return found


def candidates_statement(complaint: Complaint, policy: matching.Policy, now: datetime,
                         dialect: str = "postgresql") -> Any:
    """The candidate search with its values bound (for bench/dedup_scale.py's EXPLAIN)."""
    located = complaint.lat is not None and complaint.lon is not None
    return _candidate_query(located, dialect).params(
        _candidate_parameters(complaint, policy, now, located))


@lru_cache(maxsize=4)
def _candidate_query(located: bool, dialect: str) -> Any:
    """The candidate search, built once: four index ranges, each LIMITed, in one statement.

    Nearby cells (or, for a report without coordinates, its kelurahan) × open or recently
    terminal: each range reads the open backlog or the last DEDUP_TERMINAL_DAYS of one
    category group around one spot, never the terminal history, so the search costs the
    same at 10k and 1M complaints. Stored reports without coordinates are found by their
    kelurahan (the matcher then compares addresses).
    """
    c = Complaint.__table__.c

    def one_of(column: Any, name: str) -> Any:
        # PostgreSQL: one array parameter (`= ANY`), so the SQL text never changes and no
        # IN list is re-rendered per call; SQLite: an expanding IN.
        if dialect == "postgresql":
            return column == any_(bindparam(name, type_=postgresql.ARRAY(String)))
        return column.in_(bindparam(name, expanding=True))

    base = [one_of(c.category, "categories"), c.id != bindparam("self_id")]
    same_kelurahan = c.kelurahan_code == bindparam("kelurahan_code")
    areas = ([[one_of(c.geocell, "cells")],
              [same_kelurahan, c.geocell.is_(None)]] if located else [[same_kelurahan]])
    columns = (c.id, c.created_at, c.category, c.title, c.description, c.kelurahan_code,
               c.address, c.lat, c.lon, c.status, c.resolved_at, c.updated_at)
    parts = []
    for area in areas:
        # The partial indexes' own predicates, as literal SQL (the planner must see them).
        for condition in ([text(DEDUP_OPEN_SQL)],
                          [text(DEDUP_CLOSED_SQL), c.updated_at >= bindparam("cutoff")]):
            # Each range LIMITed on its own (in a subquery: SQLite allows no LIMIT in a
            # UNION). The ranges are disjoint (open or not; a cell or none): UNION ALL.
            # A literal LIMIT: a bound one would leave a cached (generic) plan guessing.
            inner = (select(*columns).where(*base, *area, *condition)
                     .limit(literal_column(str(CANDIDATE_LIMIT))))
            parts.append(select(inner.subquery()))
    return union_all(*parts)


def _candidate_parameters(complaint: Complaint, policy: matching.Policy, now: datetime,
                          located: bool) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "categories": _related_categories(complaint.category, policy.groups),
        "self_id": complaint.id, "kelurahan_code": complaint.kelurahan_code,
        "cutoff": now - timedelta(days=policy.terminal_days),
    }
    if located:
        parameters["cells"] = matching.cells_near(complaint.lat, complaint.lon,
                                                  policy.radius_m)
    return parameters


def lock_area(session: Session, complaint: Complaint, policy: matching.Policy) -> None:
    """Serialise intakes that could see each other's complaint (PostgreSQL).

    Two points within the radius share a cell of their search areas (each one's own cell);
    two without coordinates share their kelurahan. Locks are taken in one sorted order and
    held until the transaction ends.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = area_lock_keys(policy, complaint.category, complaint.kelurahan_code, complaint.lat,
                          complaint.lon)
    # One statement: unnest yields the sorted keys in order, each locked as its row is made.
    session.execute(_LOCK_AREA, {"keys": keys})


def intake_lock_keys(settings: Settings | None, dialect: str, category: str,
                     kelurahan_code: str, lat: float | None, lon: float | None) -> list[int]:
    """The area locks intake takes in its INSERT (PostgreSQL, matching on; else none).

    Taking them in the statement that stores the complaint saves the intake a round trip;
    the candidate search, a later statement, still sees whatever the lock's previous holder
    committed (READ COMMITTED takes a snapshot per statement).
    """
    if settings is None or not settings.DEDUP_ENABLED or dialect != "postgresql":
        return []
    return area_lock_keys(policy_of(settings), category, kelurahan_code, lat, lon)


def area_lock_keys(policy: matching.Policy, category: str, kelurahan_code: str,
                   lat: float | None, lon: float | None) -> list[int]:
    """The advisory lock keys of a report's search area, sorted (the order they are taken)."""
    group = policy.groups.get(category, category)
    keys = {f"kel:{group}:{kelurahan_code}"}
    if lat is not None and lon is not None:
        keys |= {f"cell:{group}:{cell}" for cell in matching.cells_near(lat, lon,
                                                                         policy.radius_m)}
    return sorted(_lock_key(k) for k in keys)


_LOCK_AREA = text(
    "SELECT pg_advisory_xact_lock(t.key) FROM unnest(CAST(:keys AS bigint[]))"
    " WITH ORDINALITY AS t(key, n) ORDER BY t.n")


def _lock_key(name: str) -> int:
    digest = hashlib.blake2b(f"jembatan.dedup:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def match_at_intake(session: Session, complaint: Complaint, settings: Settings, *,
                    area_locked: bool = False) -> None:
    """Decide a newly stored complaint's duplicate state and enqueue its forwarding.

    Called by app.intake.submit_complaint after the complaint and its `received` event are
    stored, in the same transaction. Linked: no ticket of its own (a `crm.update` on the
    primary's ticket, now or once the primary has one); suggested: nothing is forwarded until
    a person decides or the review timeout passes; otherwise `crm.submit` as always.
    `area_locked`: the caller holds the search area's locks already (`intake_lock_keys`).
    """
    if not settings.DEDUP_ENABLED:
        forward_own(session, complaint)
        return
    policy = policy_of(settings)
    if not area_locked:
        lock_area(session, complaint, policy)
    now = utcnow()
    found = candidates(session, complaint, policy, now)
    chosen = matching.best(report_of(complaint), found, policy)
    if chosen is None:
        forward_own(session, complaint)
        return
    primary_id, match = chosen
    # The primary, whole and locked (a review or the forwarder may change it meanwhile;
    # SQLite's writers are serial already).
    primary = session.get(Complaint, primary_id, with_for_update=(
        {"of": Complaint} if session.get_bind().dialect.name == "postgresql" else None),
        populate_existing=True)
    if primary is None or primary.duplicate_of_id is not None:  # linked by hand meanwhile
        forward_own(session, complaint)
        return
    complaint.duplicate_score = float(match.score)
    complaint.matcher_version = int(match.version)
    if match.verdict == LINKED:
        _link(session, complaint, primary, source="gateway")
        return
    complaint.duplicate_of_id = primary.id
    complaint.duplicate_state = SUGGESTED
    note, public_note = _about(primary, "Mungkin laporan yang sama dengan {primary}; menunggu"
                                        " tinjauan sebelum diteruskan ke CRM.")
    append_event(session, complaint, complaint.status, source="gateway", note=note,
                 public_note=public_note)


def _about(primary: Complaint, note: str) -> tuple[str, str]:
    """A note naming the primary (`{primary}`, `{ticket}`), and its public form.

    A confidential primary is named nowhere public — neither its tracking code nor its ticket:
    a public complaint's timeline says only "another report" (the faction's own views, which
    read `note`, keep the code)."""
    private = note.format(primary=primary.tracking_code, ticket=primary.crm_ticket_id)
    if is_public(primary.visibility):
        return private, private
    return private, note.format(primary="laporan lain", ticket="-")


def forward_own(session: Session, complaint: Complaint) -> None:
    """Enqueue the complaint's own ticket (`crm.submit`)."""
    enqueue(session, topic=CRM_SUBMIT, destination=CRM_DESTINATION,
            payload={"complaint_id": str(complaint.id)}, complaint_id=complaint.id)


# --- linking and following ---------------------------------------------------------------


def _link(session: Session, complaint: Complaint, primary: Complaint, *, source: str) -> None:
    """Make `complaint` a linked duplicate of `primary` (both locked by the caller)."""
    complaint.duplicate_of_id = primary.id
    complaint.duplicate_state = LINKED
    complaint.duplicate_of = primary
    if primary.agency:
        complaint.agency = primary.agency
    # The primary may have moved on: the complaint takes its status at once.
    status = primary.status if primary.crm_ticket_id else complaint.status
    where = " (tiket CRM {ticket})" if primary.crm_ticket_id else ""
    note, public_note = _about(primary, "Laporan yang sama dengan {primary}" + where
                               + "; aduan ini mengikuti tiket itu.")
    append_event(session, complaint, status, source=source, note=note,
                 public_note=public_note)
    if primary.crm_ticket_id:
        tell_crm(session, complaint, primary)


def tell_crm(session: Session, complaint: Complaint, primary: Complaint) -> None:
    """Enqueue the update on the primary's ticket saying this complaint reports it too.

    The update's id comes from the complaint's tracking code and its seq at the link, so a
    retry is the same update and a later link (after a split) a new one.
    """
    enqueue(session, topic=CRM_UPDATE, destination=CRM_DESTINATION, payload={
        "complaint_id": str(complaint.id), "primary_id": str(primary.id),
        "link": complaint.seq}, complaint_id=complaint.id)


def update_id_for(complaint: Complaint, ticket: str, link: int) -> str:
    """The Open311 update_id of the notice on `ticket` that `complaint` reports it too."""
    return f"{UPDATE_ID_PREFIX}{complaint.tracking_code}:{ticket}:{link}"


def update_text(complaint: Complaint, faction_name: str) -> str:
    """What the CRM reads on the primary's ticket."""
    return (f"Dilaporkan juga oleh {faction_name}, {complaint.tracking_code}: "
            f"{complaint.public_title or complaint.title}")


def crm_update_status(primary: Complaint) -> str:
    """The mySociety status the update carries: the ticket's own, unchanged."""
    return mysociety_status(primary.status)


def follow(session: Session, primary: Complaint, event: StatusEvent) -> None:
    """Give each complaint linked to `primary` the primary's new event as one of its own.

    Called where the CRM's word becomes an event (app.status_updates, sync.forward): same
    status, the primary's public note (never its private one: it may name the primary's
    reporter), its own seq, its own webhook to its own faction.
    """
    linked = _locked_linked(session, [primary.id])
    if linked:
        _follow(session, primary, event, linked)


def follow_many(session: Session, appended: Iterable[tuple[Complaint, StatusEvent]]) -> None:
    """`follow` for a group of primaries (one read for all their linked complaints)."""
    pairs = list(appended)
    if not pairs:
        return
    linked = _locked_linked(session, [primary.id for primary, _ in pairs])
    if not linked:
        return
    for primary, event in pairs:
        mine = [c for c in linked if c.duplicate_of_id == primary.id]
        if mine:
            _follow(session, primary, event, mine)


def _follow(session: Session, primary: Complaint, event: StatusEvent,
            linked: list[Complaint]) -> None:
    for complaint in linked:
        if primary.agency and complaint.agency != primary.agency:
            complaint.agency = primary.agency
        if event.status == "forwarded" and event.source == "gateway":
            note, public_note = _about(primary, "Diteruskan ke CRM bersama {primary} dengan"
                                                " nomor tiket {ticket}.")
            append_event(session, complaint, "forwarded", source=event.source,
                         occurred_at=event.occurred_at, note=note, public_note=public_note)
            tell_crm(session, complaint, primary)
            continue
        # The CRM's note as the primary publishes it; of a confidential primary, nothing
        # public (its notes are not published on its own status page either).
        append_event(session, complaint, event.status, source=event.source,
                     occurred_at=event.occurred_at, note=event.public_note,
                     public_note=None if is_public(primary.visibility) else "",
                     crm_update_id=event.crm_update_id)


def _locked_linked(session: Session, primary_ids: list[uuid.UUID]) -> list[Complaint]:
    query = (select(Complaint)
             .where(Complaint.duplicate_of_id.in_(primary_ids),
                    Complaint.duplicate_state == LINKED)
             .order_by(Complaint.id))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Complaint)
    return list(session.scalars(query))


def _lock(session: Session, ids: Iterable[uuid.UUID]) -> None:
    """Lock these complaints' rows, in id order (PostgreSQL; SQLite writers are serial)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(select(Complaint.id).where(Complaint.id.in_(sorted(set(ids))))
                    .order_by(Complaint.id).with_for_update())


# --- review decisions --------------------------------------------------------------------


def confirm(session: Session, complaint: Complaint, *, actor: str) -> None:
    """A person confirms a suggestion: the complaint becomes a linked duplicate."""
    # Both rows locked at once, in id order (as `link` does): no deadlock between reviewers.
    suggested = complaint.duplicate_of_id
    _lock(session, [complaint.id, *([suggested] if suggested else [])])
    session.refresh(complaint)
    if complaint.duplicate_state != SUGGESTED or complaint.duplicate_of_id is None:
        raise DecisionRefused(
            f"{complaint.tracking_code} has no suggestion to confirm", "not_suggested")
    if complaint.duplicate_of_id != suggested:
        raise DecisionRefused(
            f"{complaint.tracking_code}'s suggestion changed meanwhile; look again", "changed")
    primary = session.get(Complaint, complaint.duplicate_of_id, populate_existing=True)
    assert primary is not None  # a foreign key
    _check_pair(session, complaint, primary)
    _link(session, complaint, primary, source="admin")
    _decided(session, complaint, primary, actor, "duplicate.confirm")


def reject(session: Session, complaint: Complaint, *, actor: str) -> None:
    """A person rejects a suggestion: the complaint is forwarded as its own ticket."""
    _fresh(session, complaint)
    if complaint.duplicate_state != SUGGESTED or complaint.duplicate_of_id is None:
        raise DecisionRefused(
            f"{complaint.tracking_code} has no suggestion to reject", "not_suggested")
    primary = session.get(Complaint, complaint.duplicate_of_id)
    assert primary is not None
    note = _about(primary, "Bukan laporan yang sama dengan {primary}; diteruskan sendiri.")
    _unlink(session, complaint, note)
    _decided(session, complaint, primary, actor, "duplicate.reject")


def link(session: Session, complaint: Complaint, primary: Complaint, *, actor: str) -> None:
    """A person links two complaints by hand: `complaint` follows `primary`'s ticket."""
    if complaint.id == primary.id:
        raise DecisionRefused("a complaint cannot duplicate itself", "same_complaint")
    _lock(session, [complaint.id, primary.id])
    _fresh(session, complaint)
    session.refresh(primary)
    if complaint.duplicate_state == LINKED and complaint.duplicate_of_id == primary.id:
        raise DecisionRefused(
            f"{complaint.tracking_code} is already linked to {primary.tracking_code}",
            "already_linked")
    if complaint.duplicate_state == LINKED:
        raise DecisionRefused(
            f"{complaint.tracking_code} is linked to another complaint; split it first",
            "already_linked")
    _check_pair(session, complaint, primary)
    _link(session, complaint, primary, source="admin")
    _decided(session, complaint, primary, actor, "duplicate.link")


def split(session: Session, complaint: Complaint, *, actor: str) -> None:
    """A person splits a linked complaint out: its own ticket from then on."""
    _fresh(session, complaint)
    if complaint.duplicate_state != LINKED or complaint.duplicate_of_id is None:
        raise DecisionRefused(f"{complaint.tracking_code} is not linked", "not_linked")
    primary = session.get(Complaint, complaint.duplicate_of_id)
    assert primary is not None
    note = _about(primary, "Dipisahkan dari {primary}; diteruskan ke CRM sebagai tiket sendiri.")
    complaint.agency = None
    _unlink(session, complaint, note, status="received")
    _decided(session, complaint, primary, actor, "duplicate.split")


def _unlink(session: Session, complaint: Complaint, note: tuple[str, str],
            status: str | None = None, source: str = "admin") -> None:
    """Unlink (a rejection, a timeout, a split); `note` is (note, public note)."""
    complaint.duplicate_of_id = None
    complaint.duplicate_of = None
    complaint.duplicate_state = REJECTED
    append_event(session, complaint, status or complaint.status, source=source, note=note[0],
                 public_note=note[1])
    forward_own(session, complaint)


def _decided(session: Session, complaint: Complaint, primary: Complaint, actor: str,
             action: str) -> None:
    complaint.duplicate_decided_at = utcnow()
    audit.record(session, actor, action, "complaint", complaint.tracking_code, {
        "primary": primary.tracking_code, "state": complaint.duplicate_state,
        "score": complaint.duplicate_score, "matcher_version": complaint.matcher_version})


def _fresh(session: Session, complaint: Complaint) -> None:
    """Lock and re-read the complaint: decisions act on its committed state."""
    _lock(session, [complaint.id])
    session.refresh(complaint)


def _check_pair(session: Session, complaint: Complaint, primary: Complaint) -> None:
    """What linking `complaint` to `primary` must not break (both rows locked)."""
    if complaint.id == primary.id:
        raise DecisionRefused("a complaint cannot duplicate itself", "same_complaint")
    if primary.duplicate_of_id is not None:
        raise DecisionRefused(
            f"{primary.tracking_code} is itself a duplicate (or awaits review): link to its "
            "primary instead", "primary_is_duplicate")
    if complaint.status in TERMINAL and primary.status in TERMINAL:
        raise DecisionRefused(
            f"{complaint.tracking_code} and {primary.tracking_code} are both closed",
            "terminal_pair")
    if linked_to(session, complaint):
        raise DecisionRefused(
            f"{complaint.tracking_code} has duplicates of its own: linking it would make a "
            "chain", "has_duplicates")
    if complaint.crm_ticket_id:
        raise DecisionRefused(
            f"{complaint.tracking_code} already has its own CRM ticket "
            f"{complaint.crm_ticket_id}", "has_ticket")
    pending = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.complaint_id == complaint.id, OutboxMessage.topic == CRM_SUBMIT,
            OutboxMessage.status == "pending")
        .with_for_update()).all()
    now = utcnow()
    if any(m.lease_expires_at is not None and as_utc(m.lease_expires_at) > now
           for m in pending):
        raise DecisionRefused(
            f"{complaint.tracking_code} is being forwarded to the CRM right now; try again "
            "in a minute", "forwarding")
    for message in pending:
        # Superseded: a linked complaint opens no ticket of its own.
        message.status = "done"
        message.completed_at = now
        message.last_error = f"superseded: linked to {primary.tracking_code}"


# --- review lists and the timeout --------------------------------------------------------


def suggestions(session: Session, *, limit: int = 50,
                after: uuid.UUID | None = None) -> list[Complaint]:
    """Complaints awaiting review, oldest first (keyset after the complaint `after`); what a
    reviewer reads, without the reporter's data."""
    query = select(Complaint).options(*without_private()).where(text(SUGGESTED_SQL))
    if after is not None:
        last = session.execute(select(Complaint.created_at, Complaint.id)
                               .where(Complaint.id == after)).first()
        if last is not None:
            query = query.where(
                (Complaint.created_at > last.created_at)
                | ((Complaint.created_at == last.created_at) & (Complaint.id > last.id)))
    return list(session.scalars(
        query.order_by(Complaint.created_at, Complaint.id).limit(limit)))


def linked_to(session: Session, primary: Complaint) -> list[Complaint]:
    """The complaints linked to `primary`, oldest first."""
    return list(session.scalars(
        select(Complaint)
        .where(Complaint.duplicate_of_id == primary.id, Complaint.duplicate_state == LINKED)
        .order_by(Complaint.created_at, Complaint.id)))


def expire_suggestions(session: Session, settings: Settings, now: datetime,
                       limit: int = 500) -> int:
    """Forward, as their own tickets, suggestions older than DEDUP_REVIEW_TIMEOUT_S.

    A suggestion never holds a complaint back indefinitely. Returns how many expired.
    """
    cutoff = now - timedelta(seconds=settings.DEDUP_REVIEW_TIMEOUT_S)
    query = (select(Complaint)
             .where(text(SUGGESTED_SQL), Complaint.created_at <= cutoff)
             .order_by(Complaint.created_at, Complaint.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Complaint, skip_locked=True)
    expired = list(session.scalars(query))
    for complaint in expired:
        primary = session.get(Complaint, complaint.duplicate_of_id)
        code = primary.tracking_code if primary is not None else "?"
        template = ("Tidak ditinjau dalam batas waktu; diteruskan ke CRM sebagai tiket sendiri"
                    " (mungkin sama dengan {primary}).")
        note = (_about(primary, template) if primary is not None
                else (template.format(primary=code),) * 2)
        _unlink(session, complaint, note, source="gateway")
        complaint.duplicate_decided_at = now
        audit.record(session, "system:review-timeout", "duplicate.expire", "complaint",
                     complaint.tracking_code, {"primary": code,
                                               "score": complaint.duplicate_score})
    return len(expired)


def count_suggestions(session: Session) -> int:
    """How many complaints await review (for metrics and the CLI)."""
    return int(session.scalar(select(func.count()).select_from(Complaint)
                              .where(text(SUGGESTED_SQL))) or 0)


# --- before intake --------------------------------------------------------------------------


def possible_duplicates(session: Session, fields: dict[str, Any], settings: Settings, *,
                        limit: int = 5) -> list[tuple[Complaint, matching.Match]]:
    """The stored complaints a report not yet stored would be matched with, best first.

    `fields` has the native API's validated shape. The posko console shows them before its
    staff store a complaint (nothing is written here). Each comes with the matcher's verdict
    (linked or suggested) so the page can say what storing will do. The caller decides what
    of another faction's complaint it may show (app/projection.py's public text only).
    """
    if not settings.DEDUP_ENABLED:
        return []
    policy = policy_of(settings)
    location = fields["location"]
    probe = Complaint(
        id=uuid.uuid4(), category=fields["category"], title=fields["title"],
        description=fields["description"], kelurahan_code=location["kelurahan_code"],
        address=location.get("address"), lat=location.get("lat"), lon=location.get("lon"),
        status="received", created_at=utcnow(),
    )
    now = utcnow()
    new = report_of(probe)
    scored = [(key, matching.compare(new, report, policy))
              for key, report in candidates(session, probe, policy, now)]
    best_first = sorted(((key, match) for key, match in scored if match.verdict is not None),
                        key=lambda pair: -pair[1].score)[:limit]
    found = {c.id: c for c in session.scalars(
        select(Complaint).where(Complaint.id.in_([key for key, _ in best_first])))}
    return [(found[key], match) for key, match in best_first if key in found]
