"""The coordination rows the workers share: circuit breakers, leader leases, watermarks.

All coordination state lives in the database, so any number of workers on any number of
machines cooperate without talking to each other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import Base, UTCDateTime


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
    # The failure-rate window (app/breaker.py): [bucket, ok, failed] per time bucket.
    window: Mapped[list[list[int]] | None] = mapped_column(JSON)
    # Openings in a row (each doubles the cool-down, up to its cap); 0 once closed.
    trips: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The half-open round: trial permits handed out, and the trials' outcomes so far.
    trials_taken: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    trials_ok: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    trials_failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A 429/503 with Retry-After: nobody calls before this, whatever the state.
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
