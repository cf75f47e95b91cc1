"""Polling the CRM for status updates: the `poll` job.

Modes (`JEMBATAN_CRM_UPDATES_MODE`):
- `updates` (default): mySociety `GET servicerequestupdates` in windows from a stored
  watermark: the newest `updated_datetime` the CRM has shown us (its own clock, so a skew
  between its clock and ours does not matter). Each window starts MARGIN before the watermark
  (an update the CRM commits a moment after a newer one, stamped a little earlier) and ends
  now; its updates are applied in order, then the watermark moves — in the same transaction as
  the last of them, and only while this poller still holds the leader lease. Once a minute
  (WIDE_SWEEP_INTERVAL) a wider window goes OVERLAP further back than the watermark the last
  sweep saw: an update committed up to OVERLAP late is found by the next sweep. Killed at any
  point, the next poller reads the window again; `update_id` dedupe makes the repeat
  harmless, so nothing is missed and nothing applied twice (docs/SCALING.md#sub-second-status).
- `requests` (a CRM without that extension): `GET requests?service_request_id=a,b,…` in
  batches for open tickets (and those closed in the last REOPEN_WATCH, to see a reopen); a
  changed ticket becomes a synthetic update with a stable id (ticket, time, code).
- `push`: the CRM posts updates to `/open311/v2/servicerequestupdates`; nothing to poll.

One poller at a time: the leader lease `crm.poll` (sync.lease); it expires on its own when its
holder dies. And about one poll per interval, however many workers tick: a worker whose tick
comes less than POLL_GAP of an interval after the last poll's leaves it (the CRM is asked about
as often as JEMBATAN_POLL_INTERVAL_S says, not that times the number of workers).

Malformed updates never stop a window: each is recorded and skipped by apply_crm_update.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from app.clock import as_utc, utcnow
from app.config import Settings
from app.database import Database
from app.lifecycle import TERMINAL
from app.metrics import POLL_LAG_SECONDS
from app.models import Complaint, CrmUpdate, SyncCursor
from app.models.coordination import read_cursor, write_cursor
from app.status_updates import apply_crm_update, count_outcome
from schemas.open311 import format_datetime, parse_datetime
from sync.context import WorkerContext
from sync.crm import CrmClient
from sync.errors import FatalError, RetriableError
from sync.lease import holds_lease, leader

log = logging.getLogger(__name__)

LEASE_NAME = "crm.poll"
UPDATES_CURSOR = "crm.updates.watermark"
# The watermark when the last wide sweep ran (the next one reads from OVERLAP before it); its
# updated_at is when it ran.
SWEPT_CURSOR = "crm.updates.swept"
# The time of the tick that last polled, whichever worker's.
POLLED_CURSOR = "crm.poll.started"
REQUESTS_CURSOR = "crm.requests.position"
# Each window re-reads this much before the newest update seen: the CRM may commit an update
# a moment after a newer one (stamped at the start of a slower transaction).
MARGIN = timedelta(seconds=10)
# The safety net for updates committed later than MARGIN: a sweep this often reaching OVERLAP
# behind the watermark of the previous sweep, so an update up to OVERLAP late is found.
WIDE_SWEEP_INTERVAL = timedelta(minutes=1)
OVERLAP = timedelta(minutes=2)
# After an outage the sweep does not reach back further than this behind the watermark (the
# catch-up windows read that time after the fact, when late commits had long landed).
SWEEP_MAX_SPAN = timedelta(minutes=10)
# A tick polls only if the last poll's tick was at least this part of an interval before it:
# with several workers the CRM is asked at most 1/POLL_GAP times per interval, and a tick run
# late by a busy machine (up to a quarter of an interval) does not make the next one skip.
POLL_GAP = 0.75
# A first poll (no watermark yet) looks back this far.
FIRST_LOOKBACK = timedelta(days=1)
# Long outages are caught up in windows no longer than this, several per tick.
MAX_WINDOW = timedelta(hours=6)
MAX_WINDOWS_PER_TICK = 8
# Updates applied per transaction (each recorded once by INSERT … ON CONFLICT DO NOTHING): at
# ≈ 3 ms an update, a batch commits (and its webhooks go out) ≈ 0.15 s after the last. Not
# smaller: each commit wakes every worker's delivery (docs/SCALING.md#sub-second-status).
APPLY_BATCH = 50
# Ticket ids per GET requests call (fallback mode and agency lookups).
REQUESTS_BATCH = 50
REQUESTS_BATCHES_PER_TICK = 20
# Updates for a ticket we did not know yet are tried again this long.
UNKNOWN_TICKET_RETRY = timedelta(days=7)
# Closed tickets are still watched this long in the fallback mode, to see a reopen.
REOPEN_WATCH = timedelta(days=7)


# --- polling -------------------------------------------------------------------------------


@dataclass
class PollStats:
    windows: int = 0
    updates: int = 0
    outcomes: dict[str, int] | None = None
    swept: bool = False  # the wide sweep ran (what it applied is counted; its duplicates not)

    @property
    def applied(self) -> int:
        """Updates that changed a complaint (the worker wakes the fan-out's delivery for them)."""
        return (self.outcomes or {}).get("applied", 0)

    def count(self, outcome: str) -> None:
        self.outcomes = self.outcomes or {}
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        self.updates += 1


class LeaseLost(Exception):
    """Another poller took the lease while this one worked: stop without moving the cursor."""


def poll_updates(
    db: Database, settings: Settings, reader: CrmClient, token: str,
    now: datetime | None = None,
) -> PollStats:
    """Read and apply servicerequestupdates windows up to now (the lease must be held)."""
    stats = PollStats()
    end_limit = now or utcnow()
    with db.session() as session:
        stored = read_cursor(session, UPDATES_CURSOR)
        swept = session.get(SyncCursor, SWEPT_CURSOR)
        swept_from = parse_datetime(swept.value) if swept and swept.value else None
        swept_at = as_utc(swept.updated_at) if swept is not None else None
    watermark = parse_datetime(stored) if stored else end_limit - FIRST_LOOKBACK
    for _ in range(MAX_WINDOWS_PER_TICK):
        start = watermark - MARGIN
        end = min(end_limit, start + MAX_WINDOW)
        items = reader.update_items(start, end)
        # A window that is not the last lies wholly in the past: the next one starts at its
        # end. The last one moves the watermark to the newest update it holds (none: it stays).
        watermark = end if end < end_limit else max(watermark, _newest(items, end))
        apply_window(db, settings, _not_yet_recorded(db, items, stats), token,
                     {UPDATES_CURSOR: watermark}, stats, reader)
        stats.windows += 1
        _report_lag(end)
        if end >= end_limit:
            break
    else:
        return stats  # still catching up: the sweep waits till the windows reach now
    if swept_at is None or end_limit - swept_at >= WIDE_SWEEP_INTERVAL:
        # After the fresh updates are applied (and their webhooks on their way).
        since = max(min(swept_from or watermark, watermark), watermark - SWEEP_MAX_SPAN)
        items = reader.update_items(since - OVERLAP, end_limit)
        sweep = PollStats()
        apply_window(db, settings, _not_yet_recorded(db, items, sweep), token,
                     {SWEPT_CURSOR: watermark}, sweep, reader)
        stats.swept = True
        for outcome, count in (sweep.outcomes or {}).items():
            for _ in range(count if outcome != "duplicate" else 0):
                stats.count(outcome)
    return stats


def _newest(items: list[dict[str, Any]], end: datetime) -> datetime:
    """The newest readable updated_datetime of a window's updates, at most its end."""
    newest = datetime.min.replace(tzinfo=UTC)
    for item in items:
        raw = item.get("updated_datetime") if isinstance(item, dict) else None
        try:
            when = parse_datetime(raw) if isinstance(raw, str) else raw
        except ValueError:
            continue
        if isinstance(when, datetime) and when.tzinfo is not None:
            newest = max(newest, min(when, end))
    return newest


def apply_window(
    db: Database, settings: Settings, items: list[dict[str, Any]], token: str,
    cursors: dict[str, datetime], stats: PollStats, reader: CrmClient | None = None,
) -> None:
    """Apply a window's updates in order, then store `cursors` (with the last of them)."""
    if reader is not None:
        _learn_agencies(db, reader, items)
    ordered = sorted(items, key=_order_key)
    batches = [ordered[i : i + APPLY_BATCH] for i in range(0, len(ordered), APPLY_BATCH)] or [[]]
    for index, batch in enumerate(batches):
        with db.transaction() as session:
            if not holds_lease(session, LEASE_NAME, token, extend=lease_ttl(settings)):
                raise LeaseLost()
            for item in batch:
                stats.count(apply_crm_update(session, item, settings))
            if index == len(batches) - 1:
                for name, value in cursors.items():
                    write_cursor(session, name, format_datetime(as_utc(value)))


def _not_yet_recorded(
    db: Database, items: list[dict[str, Any]], stats: PollStats
) -> list[dict[str, Any]]:
    """The window's updates less those already recorded (counted as duplicates).

    Each window re-reads MARGIN (and a sweep OVERLAP) of updates: most of them were applied by
    an earlier window, and one query for the window costs less than one per update. Those
    recorded with an unknown ticket stay in: they may apply now.
    """
    ids = {str(i["update_id"]) for i in items if isinstance(i, dict) and i.get("update_id")}
    if not ids:
        return items
    with db.session() as session:
        recorded = set(session.scalars(
            select(CrmUpdate.update_id).where(
                CrmUpdate.update_id.in_(sorted(ids)), CrmUpdate.outcome != "unknown_ticket"
            )
        ))
    fresh = []
    for item in items:
        if isinstance(item, dict) and item.get("update_id") and str(item["update_id"]) in recorded:
            stats.count("duplicate")
            count_outcome("duplicate")
        else:
            fresh.append(item)
    return fresh


def _order_key(item: dict[str, Any]) -> tuple[int, str, str]:
    # Oldest first; unreadable dates sort first (they are only recorded as invalid).
    raw = item.get("updated_datetime")
    try:
        when = parse_datetime(raw) if isinstance(raw, str) else raw
        stamp = as_utc(when).isoformat() if isinstance(when, datetime) else ""
    except ValueError:
        stamp = ""
    return (1 if stamp else 0, stamp, str(item.get("update_id") or ""))


def _learn_agencies(db: Database, reader: CrmClient, items: list[dict[str, Any]]) -> None:
    """Tell each update the SKPD of its ticket when the complaint does not know it yet."""
    tickets = {str(i["service_request_id"]) for i in items if i.get("service_request_id")}
    if not tickets:
        return
    with db.session() as session:
        unknown = sorted(
            session.scalars(
                select(Complaint.crm_ticket_id).where(
                    Complaint.crm_ticket_id.in_(tickets), Complaint.agency.is_(None)
                )
            ).all()
        )
    agencies: dict[str, str] = {}
    for i in range(0, len(unknown), REQUESTS_BATCH):
        try:
            found = reader.get_requests([t for t in unknown[i : i + REQUESTS_BATCH] if t])
        except (RetriableError, FatalError) as exc:
            # The agency is a nicety: learn it on a later update rather than stall the poll.
            log.warning("could not read tickets' agencies from the CRM: %s", exc)
            return
        for ticket in found:
            if ticket.get("agency_responsible"):
                agencies[ticket["service_request_id"]] = ticket["agency_responsible"]
    for item in items:
        agency = agencies.get(str(item.get("service_request_id")))
        if agency:
            # Carried by the update, so that its event (and webhook) already names the SKPD.
            item["agency"] = agency
    if agencies:
        # Stored at once as well: the window's updates may all have been applied before.
        with db.transaction() as session:
            for ticket, agency in agencies.items():
                session.execute(
                    update(Complaint)
                    .where(Complaint.crm_ticket_id == ticket, Complaint.agency.is_(None))
                    .values(agency=agency[:200], updated_at=utcnow())
                    .execution_options(synchronize_session=False)
                )


def _report_lag(end: datetime) -> None:
    POLL_LAG_SECONDS.set(max(0.0, (utcnow() - end).total_seconds()))


# --- the fallback: GET requests for open tickets -------------------------------------------

_CODE_NOTE = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*(?::\s*(.*))?$", re.DOTALL)


def synthetic_update(ticket: dict[str, Any]) -> dict[str, Any]:
    """A ticket's current state as an update with a stable id (ticket, time, code)."""
    notes = ticket.get("status_notes") or ""
    match = _CODE_NOTE.match(notes)
    code = match.group(1) if match else None
    note = (match.group(2) if match else notes) or None
    updated = ticket.get("updated_datetime")
    stamp = format_datetime(updated) if isinstance(updated, datetime) else str(updated)
    return {
        "update_id": f"req:{ticket['service_request_id']}:{stamp}:{code or ticket.get('status')}",
        "service_request_id": ticket["service_request_id"],
        "status": ticket.get("status"),
        "external_status_code": code,
        "updated_datetime": updated,
        "description": note,
        "agency": ticket.get("agency_responsible"),
    }


def poll_requests(
    db: Database, settings: Settings, reader: CrmClient, token: str,
    now: datetime | None = None,
) -> PollStats:
    """Look at watched tickets in batches, resuming where the last tick stopped."""
    stats = PollStats()
    now = now or utcnow()
    with db.session() as session:
        position = read_cursor(session, REQUESTS_CURSOR) or ""
    for _ in range(REQUESTS_BATCHES_PER_TICK):
        with db.session() as session:
            tickets = session.scalars(
                select(Complaint.crm_ticket_id)
                .where(
                    Complaint.crm_ticket_id.is_not(None),
                    Complaint.crm_ticket_id > position,
                    or_(
                        Complaint.status.not_in(TERMINAL),
                        Complaint.crm_updated_at >= now - REOPEN_WATCH,
                    ),
                )
                .order_by(Complaint.crm_ticket_id)
                .limit(REQUESTS_BATCH)
            ).all()
        if not tickets:
            position = ""  # a full round is done: start over next tick
            break
        found = reader.get_requests([t for t in tickets if t])
        items = [synthetic_update(ticket) for ticket in found]
        position = tickets[-1] or ""
        with db.transaction() as session:
            if not holds_lease(session, LEASE_NAME, token):
                raise LeaseLost()
            for item in sorted(items, key=_order_key):
                stats.count(apply_crm_update(session, item, settings))
            write_cursor(session, REQUESTS_CURSOR, position)
        stats.windows += 1
    with db.transaction() as session:
        if holds_lease(session, LEASE_NAME, token):
            write_cursor(session, REQUESTS_CURSOR, position)
    return stats


# --- the job -------------------------------------------------------------------------------


def retry_unknown_tickets(
    db: Database, settings: Settings, token: str, now: datetime | None = None,
    min_gap: timedelta | None = None,
) -> PollStats | None:
    """Apply again the recent updates whose ticket is now known.

    The CRM can report a ticket before our forward has committed its id (the answer was slow
    or lost and retried). The wide sweep often brings such an update again; this
    covers a forward that took longer than the overlap, and pushed updates.

    Also marks the poll as started (POLLED_CURSOR); with `min_gap`, None if another worker
    started one less than that ago (under the lease, so two ticks cannot both go on).
    """
    stats = PollStats()
    now = now or utcnow()
    since = now - UNKNOWN_TICKET_RETRY
    with db.transaction() as session:
        if not holds_lease(session, LEASE_NAME, token):
            raise LeaseLost()
        if min_gap is not None and _polled_within(session, now, min_gap):
            return None
        write_cursor(session, POLLED_CURSOR, format_datetime(now))
        known = select(Complaint.id).where(
            Complaint.crm_ticket_id == CrmUpdate.service_request_id
        )
        waiting = session.scalars(
            select(CrmUpdate)
            .where(
                CrmUpdate.outcome == "unknown_ticket",
                CrmUpdate.received_at >= since,
                known.exists(),
            )
            .order_by(CrmUpdate.updated_datetime, CrmUpdate.update_id)
            .limit(APPLY_BATCH)
        ).all()
        for record in waiting:
            stats.count(apply_crm_update(session, dict(record.raw or {}), settings))
    return stats


def lease_ttl(settings: Settings) -> timedelta:
    """Long enough for a slow tick, short enough that a dead poller is replaced quickly."""
    return timedelta(seconds=max(settings.LEASE_S, 6 * settings.POLL_INTERVAL_S))


def poll_once(
    db: Database, settings: Settings, owner: str, reader: CrmClient,
    min_gap: timedelta | None = None,
) -> PollStats | None:
    """One tick of the poller; None when another poller holds the lease (or in push mode).

    With `min_gap`, also None when a poll started less than that ago (any worker's).
    """
    mode = settings.CRM_UPDATES_MODE
    # The tick's own time, before any waiting for the database: ticks an interval apart are
    # an interval apart here, however slow the lease was to take.
    ticked = utcnow()
    if min_gap is not None:
        with db.session() as session:
            if _polled_within(session, ticked, min_gap):
                return None  # cheap: no lease taken, nothing written
    with leader(db, LEASE_NAME, owner, lease_ttl(settings)) as token:
        if token is None:
            return None
        try:
            retried = retry_unknown_tickets(db, settings, token, now=ticked, min_gap=min_gap)
            if retried is None:
                return None
            if mode == "push":
                return retried if retried.updates else None
            if mode == "requests":
                return poll_requests(db, settings, reader, token)
            return poll_updates(db, settings, reader, token)
        except LeaseLost:
            log.warning("poller %s lost its lease mid-tick; the next leader reads again", owner)
            return None
        except (RetriableError, FatalError) as exc:
            # The watermark did not move: the next tick asks for the same window again.
            log.warning("CRM poll failed, will retry next tick: %s", exc)
            return None


def _polled_within(session: Any, now: datetime, gap: timedelta) -> bool:
    polled = read_cursor(session, POLLED_CURSOR)
    return polled is not None and now - parse_datetime(polled) < gap


def poll_job(context: WorkerContext) -> PollStats | None:
    """Poll the CRM for status updates (one poller at a time, one poll per interval)."""
    gap = timedelta(seconds=POLL_GAP * context.settings.POLL_INTERVAL_S)
    stats = poll_once(context.db, context.settings, context.worker_id, context.crm, gap)
    if stats is not None and set(stats.outcomes or {}) - {"duplicate"}:
        log.info("CRM poll: %d updates in %d windows: %s", stats.updates, stats.windows,
                 stats.outcomes)
    return stats
