"""The transactional outbox: work a worker must do for someone else.

Everything a worker must do for someone else (submit to the CRM, deliver a webhook, post an
update back to a posko feed) is an outbox message written in the same transaction as the change
that caused it. Workers claim messages with a lease on the row itself; the state workers share
beyond one message (breakers, leader leases, watermarks) is in app/models/coordination.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, Uuid, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import Base, UTCDateTime, insert_row
from app.notify import outbox_due

OUTBOX_STATES = ("pending", "done", "dead")


class OutboxMessage(Base):
    """One unit of outgoing work, retried until done or dead-lettered."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The claim query: due, pending messages in order.
        Index("ix_outbox_claim", "status", "next_attempt_at", "id"),
        Index("ix_outbox_topic_status", "topic", "status", "created_at"),
        # Per-subscriber ordering: an earlier message with the same key blocks later ones.
        Index("ix_outbox_ordering", "ordering_key", "ordering_seq"),
        Index("ix_outbox_complaint", "complaint_id"),
        # Housekeeping: delivered messages, oldest first.
        Index("ix_outbox_done", "status", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))  # crm.submit, webhook.deliver, …
    # Who gets called: the circuit breaker's key ("crm", "webhook:<subscription id>", …).
    destination: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    ordering_key: Mapped[str | None] = mapped_column(String(160))
    ordering_seq: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def enqueue(
    session: Any,
    *,
    topic: str,
    destination: str,
    payload: dict[str, Any],
    complaint_id: uuid.UUID | None = None,
    ordering_key: str | None = None,
    ordering_seq: int | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """INSERT an outbox message in the caller's transaction (never commits).

    The row goes out at once, so messages are numbered in the order they were enqueued;
    the returned object is transient and has no id.
    """
    message = OutboxMessage(
        topic=topic,
        destination=destination,
        payload=payload,
        complaint_id=complaint_id,
        ordering_key=ordering_key,
        ordering_seq=ordering_seq,
        status="pending",
        attempts=0,
        next_attempt_at=not_before or utcnow(),
    )
    insert_row(session, message)
    if not_before is None or not_before <= utcnow():
        outbox_due(session, topic)  # workers wake at commit (PostgreSQL), not at a tick
    return message


def replay(session: Any, message: OutboxMessage) -> None:
    """Put a dead letter back in the queue, due now, with a fresh attempt count."""
    if message.status != "dead":
        raise ValueError(f"outbox message {message.id} is {message.status}, not dead")
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.dead_at = None
    message.lease_owner = message.lease_token = None
    message.lease_expires_at = None
    outbox_due(session, message.topic)


def backlog(session: Any) -> list[tuple[str, str, int, datetime | None]]:
    """What waits and what died, per topic: (topic, status, count, oldest created_at) for the
    pending and dead messages, ordered by topic then status. The admin outbox view and the
    operator's status screen (app/health.py) both read it."""
    rows = session.execute(
        select(OutboxMessage.topic, OutboxMessage.status, func.count(),
               func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_(("pending", "dead")))
        .group_by(OutboxMessage.topic, OutboxMessage.status)
        .order_by(OutboxMessage.topic, OutboxMessage.status)
    ).all()
    return [(topic, state, depth, oldest) for topic, state, depth, oldest in rows]
