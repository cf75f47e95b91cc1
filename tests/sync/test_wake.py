"""Workers woken by PostgreSQL (LISTEN/NOTIFY) instead of the clock, and SQLite on ticks alone.

The PostgreSQL tests run real `jembatan worker` processes with ticks far longer than the test
waits, so what they see can only come from a notification (or, where the test says so, from
the tick that is the safety net).
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import func, select

from app.database import Database, make_url, normalise_url
from app.factions import find_faction, seed_factions
from app.intake import submit_complaint
from app.models import OutboxMessage
from app.notify import CHANNEL
from app.wiring import categories_of
from sync.outbox import RunStats
from sync.poll import PollStats
from sync.wake import Waker
from tests.conftest import PG_URL, complaint_payload
from tests.support.crmsim import open311_url, running_crm_sim
from tests.support.processes import jembatan_env, start_jembatan, stop, wait_until
from tests.sync.conftest import forwarded, make_complaints

needs_postgres = pytest.mark.skipif(
    not PG_URL, reason="needs JEMBATAN_TEST_DATABASE_URL (PostgreSQL)"
)


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[str]:
    with running_crm_sim(tmp_path / "crm", speed=1.0, seed=17) as base_url:
        yield base_url


class Worker:
    """One worker subprocess with long ticks (a minute unless the test says otherwise)."""

    def __init__(self, tmp_path: Path, database_url: str, crm_url: str, **settings: Any):
        values: dict[str, Any] = {
            "CRM_URL": open311_url(crm_url), "FORWARD_INTERVAL_S": 60,
            "DELIVER_INTERVAL_S": 60, "POLL_INTERVAL_S": 3600, "MIRROR_INTERVAL_S": 3600,
            "SWEEP_INTERVAL_S": 3600, "LOG_LEVEL": "INFO", "LOG_JSON": 0,
        } | settings
        self.log_path = tmp_path / "worker.log"
        self.process: subprocess.Popen = start_jembatan(
            ["worker"], jembatan_env(database_url, **values), self.log_path)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        return stop(self.process)


def _conninfo(url: str) -> str:
    return make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(False)


def listeners(url: str) -> list[int]:
    """Backend pids LISTENing for Jembatan's workers on this database."""
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'jembatan-listen' AND query LIKE 'LISTEN%'"
        ).fetchall()
    return [pid for (pid,) in rows]


def started(db: Database, worker: Worker, url: str) -> list[int]:
    """Wait until the worker listens and its first round of ticks (at start) is over."""
    pids = wait_until(lambda: listeners(url), timeout=30, what="the worker's listener")
    wait_until(lambda: "service codes" in worker.log(), timeout=30, what="startup checks")
    time.sleep(1.0)  # the ticks at start ran (on an empty outbox)
    return pids


def outbox_rows(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


# --- without a database: coalescing -----------------------------------------------------


def test_a_burst_of_notifications_is_one_run_and_one_more_while_running() -> None:
    waker = Waker({"crm.submit": "forward", "webhook.deliver": "deliver"})
    runs = 0
    release = threading.Event()
    first_started = threading.Event()

    def forward_job() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            first_started.set()
            assert release.wait(5)

    waker.start({"forward": forward_job})
    try:
        for _ in range(1000):
            waker.wake({"crm.submit"})
        assert first_started.wait(5)
        # Notified while running (and a tick meanwhile): exactly one more run, at once.
        for _ in range(500):
            waker.wake({"crm.submit", "unknown.topic"})
        waker.run("forward", forward_job)  # the tick finds it running: it returns at once
        release.set()
        wait_until(lambda: runs == 2 and not waker.states["forward"].running, timeout=5)
        time.sleep(0.2)
        assert runs == 2 and waker.wakes == 2
    finally:
        waker.stop(timeout=5)


def test_ticks_slow_down_only_while_listening_and_calm() -> None:
    listening_since: list[float | None] = [None]
    waker = Waker({"crm.submit": "forward"}, {"forward": 2.0},
                  listening_since=lambda: listening_since[0])
    results: list[Any] = []
    runs = 0

    def forward_job() -> Any:
        nonlocal runs
        runs += 1
        return results.pop(0) if results else RunStats()

    waker.tick("forward", forward_job)
    waker.tick("forward", forward_job)
    assert runs == 2  # not listening: every tick runs
    listening_since[0] = time.monotonic()
    waker.tick("forward", forward_job)
    assert runs == 3  # the first tick after (re)connecting claims what was missed
    waker.tick("forward", forward_job)
    assert runs == 3  # listening and calm: the tick is skipped (one in ten runs)
    waker.run("forward", forward_job)
    assert runs == 4  # a wake-up always runs
    results.append(RunStats(retried=1))
    waker.run("forward", forward_job)
    waker.tick("forward", forward_job)
    assert runs == 6  # a retry was scheduled: ticks run at their interval again
    listening_since[0] = None
    waker.tick("forward", forward_job)
    assert runs == 7


def test_a_woken_jobs_thread_carries_its_ticks_thinned_while_listening() -> None:
    listening_since: list[float | None] = [None]
    waker = Waker({"crm.submit": "forward"}, {"forward": 0.05},
                  listening_since=lambda: listening_since[0])
    runs: list[float] = []
    waker.start({"forward": lambda: runs.append(time.monotonic())})
    try:
        # No scheduler: the thread's own timed wait is the tick (the first one at start).
        wait_until(lambda: len(runs) >= 4, timeout=5, what="ticks at the interval")
        listening_since[0] = time.monotonic()
        wait_until(lambda: runs[-1] > listening_since[0], timeout=5, what="a tick after")
        settled = len(runs)
        time.sleep(0.25)  # five intervals: listening and calm, one tick in ten runs
        assert len(runs) - settled <= 1
    finally:
        waker.stop(timeout=5)


def test_a_poll_that_applied_updates_wakes_the_delivery_in_process() -> None:
    # No listener at all (SQLite, or notifications off): the follow-up alone wakes it.
    waker = Waker({"webhook.deliver": "deliver"}, {"deliver": 60.0},
                  follow_ups={"poll": ("webhook.deliver",)})
    delivered = threading.Event()
    waker.start({"deliver": delivered.set})
    try:
        assert delivered.wait(5)  # its tick at start; the next is a minute away
        delivered.clear()
        waker.tick("poll", lambda: PollStats(outcomes={"duplicate": 3}))
        assert not delivered.wait(0.3)  # nothing changed: the delivery waits for its tick
        waker.tick("poll", lambda: PollStats(outcomes={"applied": 1, "duplicate": 3}))
        assert delivered.wait(5)  # at once, not at the minute tick
    finally:
        waker.stop(timeout=5)


# --- PostgreSQL: woken at once, after commit only, and after a dropped connection -------


@pytest.mark.postgres
@needs_postgres
def test_a_notified_worker_forwards_without_waiting_for_its_minute_tick(
    tmp_path: Path, app: Flask, db: Database, database_url: str, crm: str
) -> None:
    worker = Worker(tmp_path, database_url, crm)
    try:
        started(db, worker, database_url)
        began = time.monotonic()
        codes = make_complaints(app, db, 3)
        wait_until(lambda: len(forwarded(db)) == 3, timeout=20, interval=0.05,
                   what="forwarded on notification")
        # The tick is a minute away; a notification brought it here in (well under) seconds.
        assert time.monotonic() - began < 20
        assert set(forwarded(db)) == set(codes)
    finally:
        assert worker.stop() == 0


@pytest.mark.postgres
@needs_postgres
def test_notifications_go_out_at_commit_and_never_for_a_rollback(
    app: Flask, db: Database, database_url: str
) -> None:
    received: list[str] = []
    ready = threading.Event()
    done = threading.Event()

    def listen() -> None:
        with psycopg.connect(_conninfo(database_url), autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            ready.set()
            while not done.is_set():
                received.extend(n.payload for n in conn.notifies(timeout=0.1))

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert ready.wait(10)
    with app.app_context(), db.session() as session:
        faction = find_faction(session, "PSI") or seed_factions(session)[0]
        session.commit()
        for n in range(3):
            submit_complaint(session, faction, complaint_payload(external_id=f"RB-{n}",
                                                                 occurred_at=None),
                             categories=categories_of(app.extensions["settings"]))
        assert outbox_rows(db) == 0  # not committed: nothing visible
        time.sleep(0.5)
        assert received == []  # and nobody woken before the commit
        session.rollback()
    time.sleep(1.0)
    assert received == [] and outbox_rows(db) == 0  # a rolled-back intake wakes nobody
    make_complaints(app, db, 5)
    wait_until(lambda: received, timeout=10, what="the notification of a commit")
    time.sleep(0.3)
    done.set()
    thread.join(5)
    # Five intakes in one transaction: one notification for their topic.
    assert received == ["crm.submit"]


@pytest.mark.postgres
@needs_postgres
def test_a_worker_whose_listener_is_terminated_reconnects_and_its_tick_claims_the_missed(
    tmp_path: Path, app: Flask, db: Database, database_url: str, crm: str
) -> None:
    worker = Worker(tmp_path, database_url, crm, FORWARD_INTERVAL_S=15)
    try:
        [pid] = started(db, worker, database_url)
        # The intake commits right after the listener's backend is terminated: its
        # notification reaches no listener of this worker.
        with app.app_context(), db.transaction() as session:
            faction = find_faction(session, "PSI") or seed_factions(session)[0]
            missed = submit_complaint(session, faction, complaint_payload(
                external_id="MISSED-1", occurred_at=None),
                categories=categories_of(app.extensions["settings"])).complaint.tracking_code
            session.execute(select(func.pg_terminate_backend(pid)))
        reconnected = wait_until(
            lambda: [p for p in listeners(database_url) if p != pid], timeout=30,
            what="the listener reconnecting")
        assert pid not in reconnected
        # The safety net: the forward tick (15 s) claims what was notified meanwhile.
        wait_until(lambda: missed in forwarded(db), timeout=40, interval=0.2,
                   what="the missed complaint forwarded by the tick")
        assert "outbox listener lost its connection" in worker.log()
        # Listening again: the next intake is forwarded on its notification.
        began = time.monotonic()
        [code] = make_complaints(app, db, 1)
        wait_until(lambda: code in forwarded(db), timeout=10, interval=0.05,
                   what="forwarded on notification after the reconnect")
        assert time.monotonic() - began < 5  # the tick that just ran is 15 s from its next
    finally:
        assert worker.stop() == 0


# --- SQLite: ticks alone -------------------------------------------------------------------


@pytest.mark.skipif(bool(PG_URL), reason="SQLite only")
def test_sqlite_workers_forward_on_their_ticks_alone(
    tmp_path: Path, app: Flask, db: Database, database_url: str, crm: str
) -> None:
    codes = make_complaints(app, db, 3)  # enqueue on SQLite: no NOTIFY, no error
    worker = Worker(tmp_path, database_url, crm, FORWARD_INTERVAL_S=0.5)
    try:
        wait_until(lambda: len(forwarded(db)) == 3, timeout=30, what="forwarded on ticks")
        more = make_complaints(app, db, 2)
        wait_until(lambda: len(forwarded(db)) == 5, timeout=30, what="forwarded on ticks")
        assert set(forwarded(db)) == set(codes + more)
        assert "runs on its ticks alone" in worker.log()
    finally:
        assert worker.stop() == 0
