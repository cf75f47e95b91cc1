"""Reconciliation: Jembatan's forwarded complaints compared with the CRM's tickets.

In batches of `GET requests?service_request_id=a,b,…`:
- a ticket the CRM no longer has is re-forwarded with the same `gateway_ref` (the tracking
  code), so a CRM that kept the reference answers with the ticket it has, and one that lost
  it makes a new one — either way one ticket per complaint;
- a ticket whose status or SKPD differs from ours (changed without an update reaching us)
  is corrected through the same rules as every CRM update (`apply_crm_update`), with a stable
  synthetic update id, so a correction is applied once however often it is found.

It runs as a worker job (every JEMBATAN_RECONCILE_INTERVAL_S, or soon after an integrator asks
with `POST /api/v1/admin/reconcile`), and on demand with `jembatan reconcile`. What it found
and did is kept as the last report (`GET /api/v1/admin/reconcile`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from app.clock import isoformat, utcnow
from app.config import Settings
from app.database import Database
from app.duplicates import CRM_DESTINATION, CRM_SUBMIT
from app.events import append_event
from app.lifecycle import TERMINAL, map_crm_status
from app.models import Complaint
from app.models.coordination import write_cursor
from app.models.outbox import OutboxMessage, enqueue
from app.progress import NO_PROGRESS, Progress
from app.reconciliation import REPORT_CURSOR, last_report, requested_at
from app.status_updates import apply_crm_update
from sync.context import WorkerContext
from sync.crm import CrmClient
from sync.errors import FatalError, RetriableError
from sync.lease import leader
from sync.poll import synthetic_update

log = logging.getLogger(__name__)

LEASE_NAME = "crm.reconcile"
BATCH = 50
# Closed complaints are compared for this long after their last CRM update (a reopen, a loss).
RECENT = timedelta(days=30)


@dataclass
class ReconcileReport:
    """What one reconciliation run found and did."""

    started_at: str = ""
    finished_at: str | None = None
    scope: str = "open"
    checked: int = 0
    in_sync: int = 0
    missing: int = 0
    reforwarded: list[str] = field(default_factory=list)
    drifted: int = 0
    corrected: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def reconcile(
    db: Database,
    settings: Settings,
    client: CrmClient,
    *,
    everything: bool = False,
    now: datetime | None = None,
    progress: Progress = NO_PROGRESS,
) -> ReconcileReport:
    """Compare forwarded complaints with the CRM in batches and repair what differs."""
    now = now or utcnow()
    report = ReconcileReport(started_at=isoformat(now) or "",
                             scope="all" if everything else "open")
    scope = [Complaint.crm_ticket_id.is_not(None)]
    if not everything:
        scope.append(or_(Complaint.status.not_in(TERMINAL),
                         Complaint.crm_updated_at >= now - RECENT))
    if progress is not NO_PROGRESS:
        with db.session() as session:
            progress.reset(total=session.scalar(
                select(func.count()).select_from(Complaint).where(*scope)))
    position = ""
    while True:
        with db.session() as session:
            query = select(Complaint.id, Complaint.crm_ticket_id).where(
                *scope, Complaint.crm_ticket_id > position
            )
            batch = session.execute(query.order_by(Complaint.crm_ticket_id).limit(BATCH)).all()
        if not batch:
            break
        position = batch[-1].crm_ticket_id
        try:
            tickets = {t["service_request_id"]: t for t in client.get_requests(
                [row.crm_ticket_id for row in batch])}
        except (RetriableError, FatalError) as exc:
            report.errors.append(f"CRM lookup failed for {len(batch)} tickets: {exc}")
            progress.update(len(batch))
            continue
        for row in batch:
            report.checked += 1
            ticket = tickets.get(row.crm_ticket_id)
            with db.transaction() as session:
                if ticket is None:
                    _reforward(session, row.id, row.crm_ticket_id, report)
                else:
                    _compare(session, settings, row.id, ticket, report)
        progress.update(len(batch))
    report.finished_at = isoformat(utcnow())
    with db.transaction() as session:
        write_cursor(session, REPORT_CURSOR, json.dumps(report.as_dict()))
    log.info(
        "reconciliation: %d checked, %d in sync, %d missing (re-forwarded), %d drifted, "
        "%d errors", report.checked, report.in_sync, report.missing, report.drifted,
        len(report.errors),
    )
    return report


def _reforward(session: Any, complaint_id: Any, lost_ticket: str,
               report: ReconcileReport) -> None:
    complaint = session.scalars(
        select(Complaint).where(Complaint.id == complaint_id).with_for_update(of=Complaint)
    ).first()
    if complaint is None or complaint.crm_ticket_id != lost_ticket:
        return  # changed meanwhile: the next run looks again
    report.missing += 1
    already = session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.complaint_id == complaint.id, OutboxMessage.topic == CRM_SUBMIT,
        OutboxMessage.status == "pending")).first()
    complaint.crm_ticket_id = None
    complaint.crm_updated_at = None
    note = (f"Tiket CRM {lost_ticket} tidak ditemukan lagi di CRM; aduan diteruskan ulang "
            "dengan kode yang sama.")
    append_event(session, complaint, complaint.status, source="gateway", note=note,
                 public_note=note)  # our own words: nothing to redact
    if already is None:
        enqueue(session, topic=CRM_SUBMIT, destination=CRM_DESTINATION,
                payload={"complaint_id": str(complaint.id), "lost_ticket": lost_ticket},
                complaint_id=complaint.id)
    report.reforwarded.append(complaint.tracking_code)


def _compare(session: Any, settings: Settings, complaint_id: Any, ticket: dict[str, Any],
             report: ReconcileReport) -> None:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        return
    update = synthetic_update(ticket)
    theirs = map_crm_status(update.get("status"), update.get("external_status_code"),
                            settings.STATUS_MAP_FILE)
    agency = ticket.get("agency_responsible")
    status_drift = theirs is not None and theirs != complaint.status and not (
        # Forwarded but the CRM has not moved yet: nothing is wrong.
        complaint.status == "forwarded" and theirs == "waiting")
    if agency and complaint.agency is None:
        # Not known yet is not drift: learn it.
        complaint.agency = agency
        complaint.updated_at = utcnow()
    agency_drift = bool(agency) and agency != complaint.agency
    if not (status_drift or agency_drift):
        report.in_sync += 1
        return
    report.drifted += 1
    update["update_id"] = "reconcile:" + update["update_id"].removeprefix("req:")
    outcome = apply_crm_update(session, update, settings)
    if agency_drift and outcome != "applied":
        complaint.agency = agency
        complaint.updated_at = utcnow()
    report.corrected.append(f"{complaint.tracking_code}: {outcome}")


def _due(db: Database, settings: Settings, now: datetime) -> bool:
    with db.session() as session:
        requested = requested_at(session)
        report = last_report(session)
    last = datetime.fromisoformat(report["started_at"]) if report else None
    if requested and (last is None or datetime.fromisoformat(requested) >= last):
        return True
    return last is None or (now - last).total_seconds() >= settings.RECONCILE_INTERVAL_S


def reconcile_job(context: WorkerContext) -> None:
    """Worker job: one reconciliation run when due or asked for, by one worker at a time."""
    now = utcnow()
    if not _due(context.db, context.settings, now):
        return
    ttl = timedelta(seconds=max(context.settings.LEASE_S, 600))
    with leader(context.db, LEASE_NAME, context.worker_id, ttl) as token:
        if token is None:
            return
        reconcile(context.db, context.settings, context.crm, now=now)
