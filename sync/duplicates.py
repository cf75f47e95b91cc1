"""The review timeout of duplicate suggestions: the `duplicates` job.

A complaint the matcher only suggested as a duplicate waits for a person's decision, but at
most JEMBATAN_DEDUP_REVIEW_TIMEOUT_S: then this job forwards it to the CRM as its own ticket
(app.duplicates.expire_suggestions), so a suggestion never holds a complaint back
indefinitely (docs/ARCHITECTURE.md#duplicates). It reads the partial index of suggestions, as
small as the review queue, and any number of workers may run it (rows are locked and
skipped).
"""

from __future__ import annotations

import logging
from datetime import datetime

from app.clock import utcnow
from app.config import Settings
from app.database import Database
from app.duplicates import expire_suggestions
from sync.context import WorkerContext

log = logging.getLogger(__name__)

EXPIRE_BATCH = 500


def expire_due(db: Database, settings: Settings, now: datetime | None = None) -> int:
    """Forward every suggestion past the review timeout; returns how many (commits)."""
    now = now or utcnow()
    expired = 0
    while True:
        with db.transaction() as session:
            done = expire_suggestions(session, settings, now, limit=EXPIRE_BATCH)
        expired += done
        if done < EXPIRE_BATCH:
            break
    if expired:
        log.info("duplicate review timeout: %d suggestions forwarded as their own tickets",
                 expired)
    return expired


def expire_job(context: WorkerContext) -> None:
    """Forward suggestions nobody reviewed in time."""
    expire_due(context.db, context.settings)
