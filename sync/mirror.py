"""Mirroring posko feeds: poll a faction's own Open311 endpoint, write statuses back to it.

In: for each faction with a `feed_url`, `GET requests.{fmt}` in start_date/end_date windows
that follow a stored cursor (`feed:<code>`, with an overlap so nothing published late at a
window's edge is missed), upserting each item by the feed's service_request_id as the
complaint's `external_id` through the one intake path. A malformed item is logged, counted and
skipped; the items after it still arrive. Polling twice is harmless (intake is idempotent), so
any number of workers may run this job.

Out: the `feed.update` topic posts each status event of a mirrored complaint back to the feed
as mySociety's `POST servicerequestupdates`, in seq order per complaint, with retries.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.config import Settings
from app.feeds import FEED_SOURCE, FEED_UPDATE, feed_destination
from app.intake import DuplicateConflict, submit_complaint
from app.models import Complaint, Faction, OutboxMessage, StatusEvent
from app.models.coordination import read_cursor, write_cursor
from app.open311.convert import InvalidSubmission, complaint_from_feed_item, update_document
from app.reference import Category
from app.wiring import categories_of
from schemas.open311 import (
    Open311FormatError,
    format_datetime,
    parse_requests_each,
)
from sync.context import WorkerContext
from sync.errors import FatalError, RetriableError
from sync.feed import FeedClient
from sync.outbox import RunStats, TopicPolicy

log = logging.getLogger("jembatan.mirror")

FEED_UPDATE_POLICY = TopicPolicy(
    FEED_UPDATE, base_delay_s=5.0, max_delay_s=1800.0, max_attempts=40, max_age_s=3 * 24 * 3600,
    destination_prefix="feed:",
)
# Re-read this much before the cursor: a posko may publish a report a little late.
OVERLAP = timedelta(minutes=10)
# Where a new feed starts, and how much one GET asks for (the spec allows up to 90 days;
# small windows keep each answer well under a server's page limit).
INITIAL_LOOKBACK = timedelta(days=7)
WINDOW = timedelta(days=1)
MAX_WINDOWS_PER_TICK = 30


@dataclass
class MirrorStats:
    """What one pass over the feeds did."""

    feeds: int = 0
    windows: int = 0
    items: int = 0
    created: int = 0
    replayed: int = 0
    changed: int = 0
    skipped: int = 0
    failed_feeds: int = 0




# --- in: polling ---------------------------------------------------------------------------


def cursor_name(faction_code: str) -> str:
    """The SyncCursor of a faction's feed."""
    return f"feed:{faction_code}"


def _read_cursor(session: Session, name: str) -> datetime | None:
    value = read_cursor(session, name)
    return datetime.fromisoformat(value) if value else None


def _advance_cursor(session: Session, name: str, position: datetime) -> None:
    current = _read_cursor(session, name)
    # Never backwards: a slower worker finishing an older window changes nothing.
    if current is None or current < position:
        write_cursor(session, name, position.isoformat())


def mirror_feed(
    context: WorkerContext, client: FeedClient, faction_id: int, stats: MirrorStats
) -> None:
    """Poll one faction's feed from its cursor up to now, window by window."""
    db = context.db
    with db.session() as session:
        faction = session.get(Faction, faction_id)
        if faction is None or not faction.feed_url:
            return
        code, base_url, fmt = faction.code, faction.feed_url, faction.feed_format or "xml"
        position = _read_cursor(session, cursor_name(code))
    now = utcnow()
    start = (position - OVERLAP) if position else now - INITIAL_LOOKBACK
    for _ in range(MAX_WINDOWS_PER_TICK):
        end = min(now, start + WINDOW)
        try:
            body = client.get_requests(base_url, fmt, start, end)
            items = parse_requests_each(body, fmt)
        except (RetriableError, FatalError, Open311FormatError) as exc:
            stats.failed_feeds += 1
            log.warning("feed %s: window %s..%s unreadable, retried next tick: %s",
                        code, start.isoformat(), end.isoformat(), exc)
            return
        stats.windows += 1
        categories = categories_of(context.settings)
        for index, item in enumerate(items, start=1):
            stats.items += 1
            _mirror_item(db, faction_id, code, index, item, stats, categories, context.settings)
        try:
            with db.transaction() as session:
                _advance_cursor(session, cursor_name(code), end)
        except IntegrityError:
            pass  # another worker created the cursor at the same moment; it moves next tick
        if end >= now:
            return
        start = end


def _mirror_item(
    db: Any, faction_id: int, code: str, index: int, item: Any, stats: MirrorStats,
    categories: Mapping[str, Category], settings: Settings | None = None,
) -> None:
    """Upsert one feed item in its own transaction: a bad one never blocks the rest."""
    if isinstance(item, Open311FormatError):
        stats.skipped += 1
        log.warning("feed %s: item %d skipped: %s", code, index, item)
        return
    feed_id = item.get("service_request_id")
    try:
        fields = complaint_from_feed_item(item, categories)
    except InvalidSubmission as exc:
        stats.skipped += 1
        log.warning("feed %s: item %d (%s) skipped: %s", code, index, feed_id, exc)
        return
    try:
        with db.transaction() as session:
            faction = session.get(Faction, faction_id)
            result = submit_complaint(
                session, faction, fields, categories=categories, source=FEED_SOURCE,
                settings=settings,
            )
    except DuplicateConflict:
        # The posko edited a report we already forwarded: the first version stays the record.
        stats.changed += 1
        log.info("feed %s: %s changed at the source; keeping the version received", code,
                 feed_id)
        return
    if result.created:
        stats.created += 1
    else:
        stats.replayed += 1


def mirror_job(context: WorkerContext) -> MirrorStats:
    """Poll every configured feed once (from its cursor up to now)."""
    stats = MirrorStats()
    client = context.feeds
    with context.db.session() as session:
        faction_ids = list(
            session.scalars(
                select(Faction.id).where(Faction.feed_url.is_not(None), Faction.active.is_(True))
            )
        )
    for faction_id in faction_ids:
        stats.feeds += 1
        try:
            mirror_feed(context, client, faction_id, stats)
        except Exception:  # one feed's bug must not starve the others
            stats.failed_feeds += 1
            log.exception("feed of faction %s failed", faction_id)
    if stats.skipped or stats.failed_feeds:
        log.warning("mirror: %s", stats)
    return stats


# --- out: status updates back to the feed --------------------------------------------------


@dataclass(frozen=True)
class FeedUpdate:
    """One prepared `POST servicerequestupdates` to a posko feed."""

    url: str
    fmt: str
    form: dict[str, str]


class FeedUpdateHandler:
    """The `feed.update` topic: a status event of a mirrored complaint, to its feed."""

    def __init__(self, client: FeedClient) -> None:
        self.client = client

    def prepare(self, session: Session, message: OutboxMessage) -> FeedUpdate | None:
        """The form for the event; None (done) when the faction no longer has a feed."""
        complaint = session.get(Complaint, uuid.UUID(message.payload["complaint_id"]))
        if complaint is None:
            raise FatalError("the complaint no longer exists")
        event = session.scalars(
            select(StatusEvent).where(
                StatusEvent.complaint_id == complaint.id,
                StatusEvent.seq == int(message.payload["seq"]),
            )
        ).first()
        if event is None:
            raise FatalError(f"complaint has no event seq {message.payload['seq']}")
        faction = complaint.faction
        if not faction.feed_url:
            return None
        fmt = faction.feed_format or "xml"
        # The feed knows its report by its own id: our external_id.
        update = update_document(complaint, event, service_request_id=complaint.external_id)
        form = {
            "update_id": update["update_id"],
            "service_request_id": update["service_request_id"],
            "status": update["status"],
            "description": update["description"] or update["status"],
            "updated_datetime": format_datetime(update["updated_datetime"]),
            "external_status_code": update["external_status_code"],
        }
        if faction.feed_api_key:
            form["api_key"] = faction.feed_api_key
        return FeedUpdate(f"{faction.feed_url}servicerequestupdates.{fmt}", fmt, form)

    def perform(self, prepared: FeedUpdate) -> int:
        """Post it; any 2xx is success (the answer's body is not needed)."""
        return self.client.post_update(prepared.url, prepared.form).status_code

    def complete(self, session: Session, message: OutboxMessage, result: Any) -> None:
        """Nothing more to record: the message itself is marked done."""

    def dead(self, session: Session, message: OutboxMessage, error: str) -> None:
        """Dead letters stay listed and replayable (`jembatan dlq`)."""


def register(context: WorkerContext) -> None:
    """Register the feed.update topic on the context's feed client (app.feeds'
    FeedWriteBack listener queues it)."""
    context.outbox.register(FEED_UPDATE_POLICY, FeedUpdateHandler(context.feeds))


def deliver_feed_updates(context: WorkerContext) -> RunStats:
    """Post due status updates back to the feeds."""
    return context.outbox.run([FEED_UPDATE], batch=context.settings.BATCH_SIZE)


__all__ = [
    "FEED_UPDATE_POLICY",
    "FeedClient",
    "FeedUpdateHandler",
    "MirrorStats",
    "cursor_name",
    "deliver_feed_updates",
    "feed_destination",
    "mirror_job",
    "register",
]
