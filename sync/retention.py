"""The retention job: erase reporter data that is past the retention period."""

from __future__ import annotations

import logging

from app.clock import utcnow
from app.retention import run_retention
from sync.context import WorkerContext

log = logging.getLogger(__name__)


def retention_job(context: WorkerContext) -> int:
    """Erase due reporter data in batches (JEMBATAN_RETENTION_DAYS after terminal)."""
    with context.db.session() as session:
        erased = run_retention(session, utcnow(), days=context.settings.RETENTION_DAYS)
    if erased:
        log.info("retention erased the reporter data of %d complaints", erased)
    return erased
