"""Mirrored feeds: status changes of feed complaints go back to the posko's own endpoint.

A posko that can neither push nor receive webhooks is mirrored (sync.mirror polls its Open311
`GET requests`); every status event of a complaint that came from its feed is queued here, in
the event's own transaction, as a `feed.update` outbox message that sync.mirror delivers as
`POST servicerequestupdates` (how FixMyStreet receives updates).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.events import EventListener
from app.models import Complaint, StatusEvent
from app.models.outbox import enqueue

FEED_UPDATE = "feed.update"
FEED_SOURCE = "feed"


def feed_destination(faction_code: str) -> str:
    """The outbox destination (and circuit breaker key) of a faction's feed."""
    return f"feed:{faction_code}"


class FeedWriteBack(EventListener):
    """The listener that queues a mirrored complaint's status events for its feed."""

    def status_changed(self, session: Session, complaint: Complaint, event: StatusEvent) -> None:
        """Queue the event for the feed the complaint was mirrored from (never commits)."""
        if complaint.source != FEED_SOURCE:
            return
        faction = complaint.faction
        if faction is None or not faction.feed_url:
            return
        enqueue(
            session,
            topic=FEED_UPDATE,
            destination=feed_destination(faction.code),
            payload={"complaint_id": str(complaint.id), "seq": event.seq},
            complaint_id=complaint.id,
            # The posko sees its report's updates in order: seq n+1 waits for seq n.
            ordering_key=f"feed:{complaint.id}",
            ordering_seq=event.seq,
        )
