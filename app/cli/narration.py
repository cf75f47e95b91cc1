"""The demo's story, one line per thing that happened to a complaint.

`Narrator.tell()` reads what changed in the database since it last looked: new status events
(received, forwarded with the CRM's ticket, each status the CRM reports, with the agency) and
webhook deliveries (delivered, retried, given up). It only reads, and reads only what every
process already writes, so no code of the gateway knows the demo is watching; `jembatan demo`
asks it twice a second (docs/ARCHITECTURE.md has the tables it reads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.clock import utcnow
from app.models import Complaint, OutboxMessage, StatusEvent

WEBHOOK_TOPIC = "webhook.deliver"
# Re-read webhook messages changed this long before the last look: clocks of the processes
# writing them and this one's read can cross.
OVERLAP = timedelta(seconds=5)
TITLE_WIDTH = 48


@dataclass
class Narrator:
    """Remembers what it has told; `tell()` returns the lines for what is new."""

    db: Any
    last_event_id: int = 0
    since: datetime = field(default_factory=utcnow)
    seen_messages: dict[int, tuple[str, int]] = field(default_factory=dict)

    def start(self) -> None:
        """Tell nothing of what happened before now (a restarted demo starts a new story)."""
        with self.db.session() as session:
            self.last_event_id = session.execute(
                select(func.coalesce(func.max(StatusEvent.id), 0))
            ).scalar_one()
        self.since = utcnow()

    def tell(self) -> list[str]:
        """The lines for events and deliveries since the last call, oldest first."""
        with self.db.session() as session:
            return self._events(session) + self._webhooks(session)

    def _events(self, session: Any) -> list[str]:
        rows = session.execute(
            select(StatusEvent, Complaint)
            .join(Complaint, Complaint.id == StatusEvent.complaint_id)
            .where(StatusEvent.id > self.last_event_id)
            .order_by(StatusEvent.id)
        ).all()
        lines = []
        for event, complaint in rows:
            self.last_event_id = event.id
            lines.append(_line(complaint, event.status, _event_detail(event, complaint)))
        return lines

    def _webhooks(self, session: Any) -> list[str]:
        looked_at = utcnow()
        rows = session.execute(
            select(OutboxMessage, Complaint)
            .outerjoin(Complaint, Complaint.id == OutboxMessage.complaint_id)
            .where(OutboxMessage.topic == WEBHOOK_TOPIC,
                   OutboxMessage.updated_at >= self.since - OVERLAP)
            .order_by(OutboxMessage.updated_at, OutboxMessage.id)
        ).all()
        self.since = looked_at
        lines = []
        for message, complaint in rows:
            state = (message.status, message.attempts)
            before = self.seen_messages.get(message.id, ("pending", 0))
            if state == before:
                continue
            self.seen_messages[message.id] = state
            detail = _webhook_detail(message, before)
            if detail is not None:
                lines.append(_line(complaint, "webhook", detail))
        return lines


def _line(complaint: Complaint | None, what: str, detail: str) -> str:
    clock = datetime.now().strftime("%H:%M:%S")  # noqa: DTZ005 - the watcher's own clock
    if complaint is None:
        return f"{clock}  {'':<9} {'':<12} {what:<12} {detail}"
    return (f"{clock}  {complaint.faction.code:<9} {complaint.tracking_code:<12} "
            f"{what:<12} {detail}").rstrip()


def _event_detail(event: StatusEvent, complaint: Complaint) -> str:
    if event.status == "received":
        title = complaint.public_title or ""
        if len(title) > TITLE_WIDTH:
            title = title[: TITLE_WIDTH - 1] + "…"
        return f"“{title}” ({complaint.category})"
    if event.status == "forwarded":
        ticket = complaint.crm_ticket_id
        return f"to the CRM, ticket {ticket}" if ticket else "to the CRM (ticket to follow)"
    return f"agency: {complaint.agency}" if complaint.agency else ""


def _webhook_detail(message: OutboxMessage, before: tuple[str, int]) -> str | None:
    body = (message.payload or {}).get("body") or {}
    about = (body.get("data") or {}).get("status") or body.get("type", "")
    if message.status == "done":
        return f"delivered: {about}" + (f" (after {message.attempts} attempts)"
                                       if message.attempts > 1 else "")
    if message.status == "dead":
        return f"gave up on {about} after {message.attempts} attempts: {message.last_error}"
    if message.attempts > before[1] and message.last_error:
        return f"retrying {about} (attempt {message.attempts} failed: {message.last_error})"
    return None
