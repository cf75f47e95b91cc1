"""Idempotency records and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.clock import utcnow
from app.crypto import EncryptedText
from app.database import Base, UTCDateTime


class IdempotencyRecord(Base):
    """The first response to an `Idempotency-Key`, replayed for the same key and body."""

    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("scope", "key"),
        Index("ix_idempotency_records_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))  # whose key: "faction:<id>"
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="in_progress")  # or completed
    response_status: Mapped[int | None] = mapped_column(Integer)
    # A replayed complaint response carries the reporter's data: encrypted at rest.
    response_body: Mapped[str | None] = mapped_column(EncryptedText)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


IDEMPOTENCY_PURGE_BATCH = 500


def delete_expired_idempotency(
    session: Session, *, now: datetime | None = None, limit: int = IDEMPOTENCY_PURGE_BATCH
) -> int:
    """Delete up to `limit` expired Idempotency-Key records, oldest first; how many.

    Never commits: a request purges one batch inside its own transaction (app.idempotency).
    """
    now = now or utcnow()
    expired = (
        select(IdempotencyRecord.id)
        .where(IdempotencyRecord.expires_at < now)
        .order_by(IdempotencyRecord.expires_at)
        .limit(limit)
    )
    result = session.execute(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.id.in_(expired.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def purge_expired_idempotency(
    session: Session,
    *,
    now: datetime | None = None,
    batch: int = IDEMPOTENCY_PURGE_BATCH,
    max_batches: int | None = None,
) -> int:
    """The purge of expired Idempotency-Key records (housekeeping and retention both run it):
    batch after batch, each committed, until none is left or `max_batches` ran; how many.

    Small batches keep each transaction's locks short (docs/API.md#idempotency).
    """
    now = now or utcnow()
    total = batches = 0
    while max_batches is None or batches < max_batches:
        removed = delete_expired_idempotency(session, now=now, limit=batch)
        session.commit()
        total += removed
        batches += 1
        if removed < batch:
            break
    return total


class AuditEntry(Base):
    """Who did what, when, on what: every administrative action."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(128))  # "key:<key_id>" or "cli:<user>"
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
