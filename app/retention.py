"""Retention of reporters' personal data (UU PDP 27/2022).

A reporter's name, phone, e-mail, NIK and the complaint's address are erased a configurable
number of days (JEMBATAN_RETENTION_DAYS) after the complaint became terminal, and at once when
the faction asks. Everything statistics need stays: faction, category, area, status history,
deadlines and times. Erasure sets the fields to NULL and stamps `reporter_erased_at`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import audit
from app.clock import utcnow
from app.lifecycle import TERMINAL
from app.metrics import RETENTION_ERASED_TOTAL
from app.models import Complaint
from app.models.records import purge_expired_idempotency
from app.progress import NO_PROGRESS, Progress

PERSONAL_FIELDS = ("reporter_name", "reporter_phone", "reporter_email", "reporter_nik", "address")
BATCH_SIZE = 500


def _erased_values(now: datetime) -> dict[str, object]:
    return {**dict.fromkeys(PERSONAL_FIELDS), "reporter_erased_at": now}


def erase_reporter(session: Session, actor: str, complaint: Complaint) -> bool:
    """Erase one complaint's reporter data now (audited); False when it already was."""
    if complaint.reporter_erased_at is not None:
        return False
    now = utcnow()
    for name, value in _erased_values(now).items():
        setattr(complaint, name, value)
    audit.record(session, actor, "reporter.erase", "complaint", str(complaint.id),
                 {"tracking_code": complaint.tracking_code, "reason": "request"})
    RETENTION_ERASED_TOTAL.labels(reason="request").inc()
    session.flush()
    return True


def run_retention(
    session: Session,
    now: datetime | None = None,
    *,
    days: int,
    batch_size: int = BATCH_SIZE,
    actor: str | None = None,
    progress: Progress = NO_PROGRESS,
) -> int:
    """The retention job: erase due reporter data batch by batch; commits each batch.

    A complaint is due when it is terminal and its last status event (its `updated_at`,
    which only moves forward) is older than `days` (JEMBATAN_RETENTION_DAYS, passed by the
    caller). Returns how many were erased. Expired idempotency records, which may hold a copy
    of a response, are purged as well (the one purge, app.models.records).
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    due = (
        Complaint.reporter_erased_at.is_(None),
        Complaint.status.in_(sorted(TERMINAL)),
        Complaint.updated_at <= cutoff,
    )
    if progress is not NO_PROGRESS:
        progress.reset(total=session.scalar(select(func.count()).select_from(Complaint)
                                            .where(*due)))
    erased = 0
    while True:
        ids = list(
            session.scalars(
                select(Complaint.id)
                .where(*due)
                .order_by(Complaint.updated_at, Complaint.id)
                .limit(batch_size)
            )
        )
        if ids:
            session.execute(
                update(Complaint)
                .where(Complaint.id.in_(ids), Complaint.reporter_erased_at.is_(None))
                .values(**_erased_values(now)),
                execution_options={"synchronize_session": False},
            )
            erased += len(ids)
            RETENTION_ERASED_TOTAL.labels(reason="retention").inc(len(ids))
        session.commit()
        progress.update(len(ids))
        if len(ids) < batch_size:
            break
    purged = purge_expired_idempotency(session, now=now)
    if actor is not None:
        audit.record(session, actor, "retention.run", "complaint", None,
                     {"erased": erased, "days": days, "idempotency_purged": purged})
    session.commit()
    return erased
