"""Appending status events: the one place a complaint's status changes.

What must follow a change in the same transaction (webhook fan-out, public counters, feed
write-back) is an `EventListener`. Listeners are not registered anywhere global: they travel
with the session, put there by the `Database` that made it (`Database(url, listeners=…)`),
and the application factory and the worker's context both pass `app.wiring.core_listeners`
(docs/ARCHITECTURE.md#core). A session without listeners changes statuses and tells nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from app.clock import utcnow
from app.database import LISTENERS_KEY, insert_rows
from app.lifecycle import STATUSES, TERMINAL
from app.models import Complaint, StatusEvent
from app.redaction import Identity, redact


class EventListener(Protocol):
    """What follows a complaint's change, in the change's own transaction (never commits).

    Subclass it to inherit the do-nothing defaults (real methods, not abstract ones) and
    override what the listener needs.
    """

    def status_changed(self, session: Session, complaint: Complaint, event: StatusEvent) -> None:
        """A status event was appended (the first, `received`, included)."""
        return None

    def became_overdue(self, session: Session, complaint: Complaint) -> None:
        """The SLA sweep has just marked the complaint past its deadline."""
        return None

    def install(self, sessions: sessionmaker[Session]) -> None:
        """Hook session events of this factory's sessions (e.g. work deferred to commit);
        called once, by the Database that carries the listener."""
        return None


def listeners_of(session: Session) -> tuple[EventListener, ...]:
    """The listeners the session's Database was built with (none for a bare Session)."""
    return session.info.get(LISTENERS_KEY, ())


def append_event(
    session: Session,
    complaint: Complaint,
    status: str,
    *,
    source: str,
    occurred_at: datetime | None = None,
    note: str | None = None,
    crm_update_id: str | None = None,
    public_note: str | None = None,
) -> StatusEvent:
    """Record a status change as the complaint's next `seq`, apply it, tell the listeners.

    The event row is INSERTed at once (status events are append-only); the complaint's own
    changes go out with the session's next flush. Never commits. A note-only event keeps
    the current status (pass `status=complaint.status`).
    """
    event = next_event(
        complaint, status, source=source, occurred_at=occurred_at, note=note,
        crm_update_id=crm_update_id, public_note=public_note,
    )
    store_events(session, [(complaint, event)])  # one event alone also learns its id
    return event


def store_events(session: Session, appended: Sequence[tuple[Complaint, StatusEvent]]) -> None:
    """Store events `next_event` made for *distinct* complaints: one INSERT, then the listeners.

    What `append_event` does for one event, for a group (the worker records a group of
    forwarded complaints at once). The events do not learn their ids.
    """
    if len({id(complaint) for complaint, _ in appended}) != len(appended):
        raise ValueError("store_events takes one event per complaint")
    insert_rows(session, [event for _, event in appended])
    for complaint, event in appended:
        notify_listeners(session, complaint, event)


def next_event(
    complaint: Complaint,
    status: str,
    *,
    source: str,
    occurred_at: datetime | None = None,
    note: str | None = None,
    crm_update_id: str | None = None,
    public_note: str | None = None,
) -> StatusEvent:
    """The complaint's next status event, applied to the complaint but stored nowhere yet.

    The rules of a status change live here alone. `append_event` is what callers want;
    intake uses this directly, to give a complaint its first event before its INSERT.
    The event's `public_note` is its note redacted with the complaint's identity as known
    now (after an erasure only the patterns remain, which is all that is left to know);
    a caller that wrote the note itself, with no one's data in it, may pass it as is.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if complaint.id is None:
        raise ValueError("give the complaint its id before appending events")
    now = utcnow()
    previous = complaint.status if complaint.seq else None
    seq = (complaint.seq or 0) + 1
    event = StatusEvent(
        complaint_id=complaint.id,
        seq=seq,
        status=status,
        previous_status=previous,
        source=source,
        occurred_at=occurred_at or now,
        recorded_at=now,
        note=note,
        public_note=(
            public_note if public_note is not None or note is None
            else redact(note, Identity.of(complaint))
        ),
        crm_update_id=crm_update_id,
    )
    complaint.seq = seq
    complaint.status = status
    complaint.updated_at = now
    if status == "resolved":
        complaint.resolved_at = occurred_at or now
    elif status not in TERMINAL:
        # Reopened: the earlier resolution no longer counts.
        complaint.resolved_at = None
    return event


def notify_listeners(session: Session, complaint: Complaint, event: StatusEvent) -> None:
    """Tell the session's listeners about an appended event (same transaction), in order."""
    for listener in listeners_of(session):
        listener.status_changed(session, complaint, event)


def mark_overdue(session: Session, complaint: Complaint) -> None:
    """Tell the session's listeners the complaint has just become overdue (the SLA sweep's
    flip of `Complaint.overdue`, already flushed); a notice, not a status change."""
    for listener in listeners_of(session):
        listener.became_overdue(session, complaint)
