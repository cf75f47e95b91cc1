"""Housekeeping: what is finished is not kept forever, so costs follow work, not history.

Delivered outbox messages are deleted JEMBATAN_OUTBOX_KEEP_DAYS after they were done (dead
letters are kept until replayed or handled); expired Idempotency-Key records go too, and the
console's invitations a month after they were used or expired (app/accounts.py).
Everything runs in small batches, each its own transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from app.accounts import purge_invitations
from app.clock import utcnow
from app.database import Database
from app.models import OutboxMessage
from app.models.records import purge_expired_idempotency
from sync.context import WorkerContext

log = logging.getLogger(__name__)

BATCH = 1000
MAX_BATCHES = 50


def purge_delivered(db: Database, keep_days: float, now: datetime | None = None) -> int:
    """Delete done outbox messages completed more than `keep_days` ago; how many."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    total = 0
    for _ in range(MAX_BATCHES):
        with db.transaction() as session:
            ids = select(OutboxMessage.id).where(
                OutboxMessage.status == "done", OutboxMessage.completed_at < cutoff
            ).order_by(OutboxMessage.completed_at).limit(BATCH)
            result = session.execute(
                delete(OutboxMessage).where(OutboxMessage.id.in_(ids.scalar_subquery()))
                .execution_options(synchronize_session=False)
            )
            removed = int(result.rowcount or 0)
        total += removed
        if removed < BATCH:
            break
    return total


def purge_idempotency(db: Database, now: datetime | None = None) -> int:
    """Delete expired Idempotency-Key records (app.models.records' one purge); how many."""
    with db.session() as session:
        return purge_expired_idempotency(session, now=now, batch=BATCH, max_batches=MAX_BATCHES)


def housekeeping_job(context: WorkerContext) -> None:
    """Worker job: purge delivered outbox messages, expired idempotency records and old
    console invitations."""
    delivered = purge_delivered(context.db, context.settings.OUTBOX_KEEP_DAYS)
    expired = purge_idempotency(context.db)
    with context.db.transaction() as session:
        invitations = purge_invitations(session)
    if delivered or expired or invitations:
        log.info("housekeeping removed %d delivered outbox messages, %d idempotency records,"
                 " %d old console invitations", delivered, expired, invitations)
