"""`jembatan worker`: an APScheduler BlockingScheduler running short, idempotent ticks.

Any number of workers may run at once: outbox messages are claimed with leases, and jobs that
own a cursor take a leader lease. SIGTERM (or Ctrl-C) lets the in-flight message finish, hands
every other claimed message back, and exits.

This module holds the scheduler and the job table (TOPICS, jobs, startup_checks) and is the only
one that imports the jobs; what a job is given is `sync.context.WorkerContext`.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from functools import partial
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from app.config import Settings, warn_about_demo_secrets
from app.feeds import FEED_UPDATE
from app.logging import configure_logging, log_context, new_run_id
from app.webhooks import WEBHOOK_DELIVER
from sync import deliver, duplicates, forward, housekeeping, mirror, poll, reconcile, retention, sla
from sync.context import TopicRegistration, WorkerContext, build_context
from sync.wake import Listener, Waker

log = logging.getLogger("jembatan.worker")


Job = Callable[[WorkerContext], Any]

# Every outbox topic the worker handles, each registered by its own module.
TOPICS: tuple[TopicRegistration, ...] = (forward.register, mirror.register, deliver.register)

# The job a notification of each topic wakes (PostgreSQL, JEMBATAN_NOTIFY; sync/wake.py).
WOKEN_BY: dict[str, str] = {
    forward.CRM_SUBMIT.name: "forward",
    forward.CRM_UPDATE.name: "forward",
    WEBHOOK_DELIVER: "deliver",
    FEED_UPDATE: "feed_updates",
}


# After a run of these jobs that applied status updates, the jobs of these topics run at once
# in the same process (with notifications or without): the poller's fan-out waits for no tick.
FOLLOW_UPS: dict[str, tuple[str, ...]] = {"poll": (WEBHOOK_DELIVER, FEED_UPDATE)}


def jobs(settings: Settings) -> list[tuple[str, float, Job]]:
    """(name, interval in seconds, function) of every scheduled job."""
    return [
        ("forward", settings.FORWARD_INTERVAL_S, forward.forward_job),
        ("poll", settings.POLL_INTERVAL_S, poll.poll_job),
        ("deliver", settings.DELIVER_INTERVAL_S, deliver.deliver_job),
        ("sla", settings.SWEEP_INTERVAL_S, sla.sweep_job),
        ("duplicates", settings.DEDUP_INTERVAL_S, duplicates.expire_job),
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
    context = build_context(settings, TOPICS)
    log.info("worker %s starting", context.worker_id)
    for startup in startup_checks():
        startup(context)
    if once:
        for name, _interval, job in jobs(settings):
            _run_job(name, job, context)
        context.close()
        return

    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone="UTC",
    )
    listener: Listener | None = None
    waker = Waker(
        WOKEN_BY, {name: interval for name, interval, _job in jobs(settings)},
        listening_since=lambda: listener.listening_since() if listener is not None else None,
        follow_ups=FOLLOW_UPS,
    )
    for name, interval, job in jobs(settings):
        if name in waker.states:
            continue  # its wake thread carries its ticks (Waker._loop)
        scheduler.add_job(
            _run_job, "interval", seconds=interval, args=(name, job, context, waker), id=name,
            next_run_time=_soon(),
        )

    listener = start_listener(context, waker)
    # Woken by the listener, and by FOLLOW_UPS in this process (ticks alone as well).
    waker.start({name: partial(_run_job, name, job, context)
                 for name, _interval, job in jobs(settings)})

    def stop(signum: int, _frame: Any) -> None:
        if context.outbox.stopping:
            return  # a second signal while the in-flight message finishes
        log.info("worker %s stopping on signal %s", context.worker_id, signum)
        context.outbox.stopping = True
        if listener is not None:
            listener.stopping.set()
        waker.stop()
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        scheduler.start()
    finally:
        if listener is not None:
            listener.stop()
        waker.stop(timeout=context.settings.LEASE_S)
        context.close()
        log.info("worker %s stopped", context.worker_id)


def start_listener(context: WorkerContext, waker: Waker) -> Listener | None:
    """On PostgreSQL with JEMBATAN_NOTIFY on: the thread that wakes jobs when work is due."""
    if not context.settings.NOTIFY or context.db.dialect != "postgresql":
        log.info("worker %s runs on its ticks alone", context.worker_id)
        return None
    return Listener(context.db.engine, waker.wake).start()


def startup_checks() -> list[Job]:
    """Checks run once when the worker starts (they report, they do not stop it)."""
    return [forward.check_service_codes]


def _soon() -> Any:
    from app.clock import utcnow

    return utcnow()


def _run_job(name: str, job: Job, context: WorkerContext, waker: Waker | None = None) -> Any:
    if waker is not None:
        # A tick: runs again at once if a notification for its topics came while it ran.
        waker.tick(name, lambda: _run_job(name, job, context))
        return None
    if context.outbox.stopping:
        return None
    with log_context(job=name, run_id=new_run_id(), worker=context.worker_id):
        try:
            return job(context)
        except Exception:  # one failing tick must not stop the scheduler
            log.exception("job %s failed", name)
            return None
