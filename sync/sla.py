"""Deadlines: the `sla` sweep job marks open complaints overdue once `due_at` has passed.

Becoming overdue is an event for the faction (`complaint.overdue` webhook, with the current
seq and status) but not a status change. The query reads only what is due: the index on
(overdue, status, due_at) gives, for each open status, the complaints not yet overdue whose
deadline passed — resolved complaints, however many, are never scanned. A complaint reopened
after its deadline is picked up by the next sweep.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from app.clock import utcnow
from app.database import Database
from app.events import mark_overdue
from app.lifecycle import OPEN_STATUSES
from app.models import Complaint
from sync.context import WorkerContext

log = logging.getLogger(__name__)

SWEEP_BATCH = 500


def sweep_overdue(db: Database, now: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Mark every open complaint past its deadline overdue; returns how many (commits)."""
    now = now or utcnow()
    marked = 0
    while True:
        with db.transaction() as session:
            query = (
                select(Complaint)
                .where(
                    Complaint.overdue.is_(False),
                    Complaint.status.in_(sorted(OPEN_STATUSES)),
                    Complaint.due_at < now,
                )
                .order_by(Complaint.due_at)
                .limit(batch)
            )
            if db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True, of=Complaint)
            complaints = session.scalars(query).all()
            for complaint in complaints:
                # Conditional: a concurrent sweep that got there first wins, once.
                flipped = session.execute(
                    update(Complaint)
                    .where(Complaint.id == complaint.id, Complaint.overdue.is_(False))
                    .values(overdue=True, updated_at=utcnow())
                    .execution_options(synchronize_session=False)
                ).rowcount
                if not flipped:
                    continue
                session.refresh(complaint)
                mark_overdue(session, complaint)
                marked += 1
        if len(complaints) < batch:
            break
    if marked:
        log.info("SLA sweep: %d complaints became overdue", marked)
    return marked


def sweep_job(context: WorkerContext) -> None:
    """Mark complaints whose deadline passed overdue."""
    sweep_overdue(context.db)
