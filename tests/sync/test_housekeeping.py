"""Housekeeping deletes what is finished and old, and nothing else."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.clock import utcnow
from app.models import IdempotencyRecord, OutboxMessage
from sync.housekeeping import purge_delivered, purge_idempotency


def _message(session, status: str, completed_days_ago: float | None) -> OutboxMessage:
    now = utcnow()
    message = OutboxMessage(
        topic="crm.submit", destination="crm", payload={}, status=status,
        completed_at=None if completed_days_ago is None
        else now - timedelta(days=completed_days_ago),
    )
    session.add(message)
    return message


def test_only_old_delivered_messages_are_purged(db) -> None:
    with db.transaction() as session:
        old_done = _message(session, "done", 30)
        recent_done = _message(session, "done", 1)
        old_dead = _message(session, "dead", None)
        pending = _message(session, "pending", None)
        session.flush()
        kept_ids = {recent_done.id, old_dead.id, pending.id}
        old_id = old_done.id
    assert purge_delivered(db, keep_days=14) == 1
    with db.session() as session:
        remaining = set(session.scalars(select(OutboxMessage.id)))
    assert remaining == kept_ids and old_id not in remaining
    assert purge_delivered(db, keep_days=14) == 0


def test_expired_idempotency_records_are_purged(db) -> None:
    now = utcnow()
    with db.transaction() as session:
        for key, expires in (("old", now - timedelta(hours=1)), ("live", now + timedelta(hours=1))):
            session.add(IdempotencyRecord(
                scope="faction:1", key=key, method="POST", path="/api/v1/complaints",
                request_hash="x" * 64, state="completed", expires_at=expires))
    assert purge_idempotency(db) == 1
    with db.session() as session:
        assert session.scalars(select(IdempotencyRecord.key)).all() == ["live"]
