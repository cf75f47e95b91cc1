"""`jembatan worker`: an APScheduler BlockingScheduler running short, idempotent ticks.

Any number of workers may run at once: outbox messages are claimed with leases, and jobs that
own a cursor take a leader lease. SIGTERM (or Ctrl-C) lets the in-flight message finish, hands
every other claimed message back, and exits.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from app import crypto
from app.config import Settings, warn_about_demo_secrets
from app.database import Database
from app.logging import configure_logging, log_context, new_run_id
from app.wiring import core_listeners
from sync.outbox import Outbox

log = logging.getLogger("jembatan.worker")


@dataclass
class WorkerContext:
    """What every job gets: settings, database, the outbox engine and this worker's name."""

    settings: Settings
    db: Database
    outbox: Outbox
    worker_id: str


Job = Callable[[WorkerContext], Any]


def new_worker_id() -> str:
    return f"{socket.gethostname()[:20]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def build_context(settings: Settings, worker_id: str | None = None) -> WorkerContext:
    """Database, outbox and every topic's handler, ready to run jobs."""
    crypto.configure(settings)
    db = Database(settings.DATABASE_URL, listeners=core_listeners(settings))
    worker_id = worker_id or new_worker_id()
    outbox = Outbox(db, worker_id, lease_s=settings.LEASE_S)
    for register in topic_registrations():
        register(outbox, settings)
    return WorkerContext(settings, db, outbox, worker_id)


def topic_registrations() -> list[Callable[[Outbox, Settings], None]]:
    """Each topic module registers its handler and retry policy."""
    from sync import deliver, forward, mirror

    return [forward.register, mirror.register, deliver.register]


def jobs(settings: Settings) -> list[tuple[str, float, Job]]:
    """(name, interval in seconds, function) of every scheduled job."""
    from sync import deliver, forward, housekeeping, mirror, poll, reconcile, retention, sla

    return [
        ("forward", settings.FORWARD_INTERVAL_S, forward.forward_job),
        ("poll", settings.POLL_INTERVAL_S, poll.poll_job),
        ("deliver", settings.DELIVER_INTERVAL_S, deliver.deliver_job),
        ("sla", settings.SWEEP_INTERVAL_S, sla.sweep_job),
        ("mirror", settings.MIRROR_INTERVAL_S, mirror.mirror_job),
        ("feed_updates", settings.DELIVER_INTERVAL_S, mirror.deliver_feed_updates),
        ("retention", settings.RETENTION_INTERVAL_S, retention.retention_job),
        ("housekeeping", settings.RETENTION_INTERVAL_S, housekeeping.housekeeping_job),
        # Checks often whether a run is due or was asked for; runs rarely.
        ("reconcile", min(30.0, settings.RECONCILE_INTERVAL_S), reconcile.reconcile_job),
    ]


def run_worker(settings: Settings, *, once: bool = False) -> None:
    """Run the scheduler until SIGTERM/SIGINT (or each job once with `once`)."""
    configure_logging(settings, process="worker")
    warn_about_demo_secrets(settings)
    # One line per tick is noise; the scheduler still reports what goes wrong.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.root.level))
    context = build_context(settings)
    log.info("worker %s starting", context.worker_id)
    for startup in startup_checks():
        startup(context)
    if once:
        for name, _interval, job in jobs(settings):
            _run_job(name, job, context)
        context.db.dispose()
        return

    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone="UTC",
    )
    for name, interval, job in jobs(settings):
        scheduler.add_job(
            _run_job, "interval", seconds=interval, args=(name, job, context), id=name,
            next_run_time=_soon(),
        )

    def stop(signum: int, _frame: Any) -> None:
        if context.outbox.stopping:
            return  # a second signal while the in-flight message finishes
        log.info("worker %s stopping on signal %s", context.worker_id, signum)
        context.outbox.stopping = True
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        scheduler.start()
    finally:
        context.db.dispose()
        log.info("worker %s stopped", context.worker_id)


def startup_checks() -> list[Job]:
    """Checks run once when the worker starts (they report, they do not stop it)."""
    from sync import forward

    return [forward.check_service_codes]


def _soon() -> Any:
    from app.clock import utcnow

    return utcnow()


def _run_job(name: str, job: Job, context: WorkerContext) -> None:
    if context.outbox.stopping:
        return
    with log_context(job=name, run_id=new_run_id(), worker=context.worker_id):
        try:
            job(context)
        except Exception:  # one failing tick must not stop the scheduler
            log.exception("job %s failed", name)
