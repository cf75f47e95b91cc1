"""The transactional outbox, and the coordination rows the workers share.

Everything a worker must do for someone else (submit to the CRM, deliver a webhook, post an
update back to a posko feed) is an outbox message written in the same transaction as the change
that caused it. Workers claim messages with a lease; all coordination state lives here, in the
database, so any number of workers on any number of machines cooperate.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, Uuid
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


class CircuitBreaker(Base):
    """Per-destination breaker shared by every worker: stop calling what is down."""

    __tablename__ = "circuit_breakers"

    destination: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="closed")  # closed|open|half_open
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_probe_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    probe_owner: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Lease(Base):
    """A leader lease: one holder at a time for jobs that own a cursor (the CRM poller)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(64))
    token: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncCursor(Base):
    """A stored watermark: the CRM poll window, each mirrored feed's position."""

    __tablename__ = "sync_cursors"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def read_cursor(session: Any, name: str) -> str | None:
    """A stored watermark's value, or None."""
    cursor = session.get(SyncCursor, name)
    return cursor.value if cursor is not None else None


def write_cursor(session: Any, name: str, value: str) -> None:
    """Store a watermark's value (in the caller's transaction)."""
    cursor = session.get(SyncCursor, name)
    if cursor is None:
        session.add(SyncCursor(name=name, value=value, updated_at=utcnow()))
    else:
        cursor.value = value
        cursor.updated_at = utcnow()


class CrmUpdate(Base):
    """Every status update read from (or pushed by) the CRM, applied at most once."""

    __tablename__ = "crm_updates"
    __table_args__ = (Index("ix_crm_updates_received", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[str] = mapped_column(String(128), unique=True)
    service_request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("complaints.id"))
    status: Mapped[str | None] = mapped_column(String(64))
    external_status_code: Mapped[str | None] = mapped_column(String(64))
    updated_datetime: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str | None] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(String(200))
    # applied | stale | unmapped | unknown_ticket | invalid
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
