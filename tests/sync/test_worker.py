"""`jembatan worker` as real processes: SIGTERM, SIGKILL takeover, many workers at once."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.database import Database
from app.models import Complaint, OutboxMessage, StatusEvent
from tests.conftest import PG_URL
from tests.support.crmsim import open311_url, running_crm_sim
from tests.support.processes import jembatan_env, start_jembatan, stop, wait_until
from tests.sync.conftest import forwarded, make_complaints, set_faults, sim_tickets


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[str]:
    with running_crm_sim(tmp_path / "crm", speed=1.0, seed=11) as base_url:
        yield base_url


class Workers:
    """Worker subprocesses for one test; every one still running is stopped at the end."""

    def __init__(self, tmp_path: Path, database_url: str, crm_url: str) -> None:
        self.tmp_path = tmp_path
        self.database_url = database_url
        self.crm_url = crm_url
        self.processes: list[subprocess.Popen] = []

    def start(self, **settings: Any) -> subprocess.Popen:
        values: dict[str, Any] = {
            "CRM_URL": open311_url(self.crm_url),
            "FORWARD_INTERVAL_S": 0.2,
            "LEASE_S": 3,
            "CRM_TIMEOUT_READ_S": 2,
            "CRM_RETRY_BASE_S": 0.1,
            "CRM_BREAKER_COOLDOWN_S": 0.5,
            "LOG_LEVEL": "INFO",
        }
        values.update(settings)
        env = jembatan_env(self.database_url, **values)
        log = self.tmp_path / f"worker-{len(self.processes)}.log"
        process = start_jembatan(["worker"], env, log)
        self.processes.append(process)
        return process

    def log(self, index: int) -> str:
        return (self.tmp_path / f"worker-{index}.log").read_text(errors="replace")

    def stop_all(self) -> list[int]:
        return [stop(process) for process in self.processes]


@pytest.fixture
def workers(tmp_path: Path, database_url: str, crm: str) -> Iterator[Workers]:
    group = Workers(tmp_path, database_url, crm)
    yield group
    group.stop_all()


def leased(db: Database) -> int:
    with db.session() as session:
        return session.scalar(
            select(func.count()).where(OutboxMessage.lease_owner.is_not(None))
        ) or 0


def forwarded_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(
            select(func.count()).where(Complaint.crm_ticket_id.is_not(None))
        ) or 0


def forwarded_events(db: Database) -> dict[str, int]:
    """Complaint id → number of `forwarded` events."""
    with db.session() as session:
        rows = session.execute(
            select(StatusEvent.complaint_id, func.count())
            .where(StatusEvent.status == "forwarded")
            .group_by(StatusEvent.complaint_id)
        ).all()
    return {str(complaint_id): count for complaint_id, count in rows}


def assert_delivered_exactly_once(crm: str, db: Database, codes: list[str]) -> None:
    tickets = sim_tickets(crm)
    assert sorted(t["gateway_ref"] for t in tickets) == sorted(codes)
    assert forwarded(db) == {t["gateway_ref"]: t["service_request_id"] for t in tickets}
    events = forwarded_events(db)
    assert len(events) == len(codes) and set(events.values()) == {1}
    with db.session() as session:
        # The worker also polls the CRM, so complaints may have moved on since; `forwarded`
        # is always the second event.
        seqs = session.scalars(
            select(StatusEvent.seq).where(StatusEvent.status == "forwarded")
        ).all()
        submits = session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.topic == "crm.submit")
            .group_by(OutboxMessage.status)
        ).all()
    assert set(seqs) == {2}
    assert dict(submits) == {"done": len(codes)}


def test_sigterm_finishes_the_in_flight_message_and_exits_cleanly(
    app: Flask, db: Database, crm: str, workers: Workers
) -> None:
    codes = make_complaints(app, db, 5)
    set_faults(crm, latency_ms=1500)
    worker = workers.start(OUTBOX_CONCURRENCY=2)
    wait_until(lambda: leased(db) > 0, timeout=20, what="a claimed message")
    time.sleep(0.5)  # the first two POSTs are now waiting on the CRM's latency
    started = time.monotonic()
    assert stop(worker, signal.SIGTERM, timeout=15) == 0
    assert time.monotonic() - started < 10
    # The in-flight complaints (two calls at a time) were finished; the rest were handed
    # back untried.
    assert len(forwarded(db)) == 2
    assert leased(db) == 0
    with db.session() as session:
        pending = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending")
        ).all()
    assert len(pending) == len(codes) - 2 and all(m.attempts == 0 for m in pending)
    assert "stopped" in workers.log(0)
    assert len(sim_tickets(crm)) == 2


def test_worker_killed_mid_request_is_taken_over_and_delivers_exactly_once(
    app: Flask, db: Database, crm: str, workers: Workers
) -> None:
    codes = make_complaints(app, db, 4)
    set_faults(crm, latency_ms=800)
    doomed = workers.start(LEASE_S=2)
    wait_until(lambda: leased(db) > 0, timeout=20, what="a claimed message")
    time.sleep(0.3)  # a POST is in flight
    stop(doomed, signal.SIGKILL)
    assert doomed.returncode == -signal.SIGKILL
    # The CRM still makes the in-flight ticket, but nobody hears the answer.
    wait_until(lambda: len(sim_tickets(crm)) >= 1, timeout=10, what="the orphaned ticket")
    assert forwarded(db) == {}
    set_faults(crm, latency_ms=0)
    workers.start(LEASE_S=2)
    wait_until(lambda: len(forwarded(db)) == len(codes), timeout=30, what="all forwarded")
    assert_delivered_exactly_once(crm, db, codes)
    # The orphan's complaint was posted twice and kept its one ticket.
    assert max(t["post_count"] for t in sim_tickets(crm)) == 2


FAULTS = {
    "error_rate": 0.1,
    "lost_response_rate": 0.1,
    "rate_limit_rate": 0.05,
    "retry_after_s": 0,
    "timeout_rate": 0.01,
    "timeout_s": 1.0,
}


def run_many(app: Flask, db: Database, crm: str, workers: Workers, count: int, processes: int,
             timeout: float) -> None:
    codes = make_complaints(app, db, count)
    set_faults(crm, **FAULTS)
    for _ in range(processes):
        workers.start(CRM_TIMEOUT_READ_S=0.5, LEASE_S=5)
    wait_until(lambda: forwarded_count(db) == count, timeout=timeout, interval=0.5,
               what=f"{count} complaints forwarded")
    injected = set_faults(crm)["injected"]
    assert injected.get("error") and injected.get("lost_response")
    assert workers.stop_all() == [0] * processes
    assert_delivered_exactly_once(crm, db, codes)
    for index in range(processes):
        assert "forwarded" in workers.log(index)  # every worker took part


def test_two_workers_on_sqlite_forward_200_complaints_with_faults(
    app: Flask, db: Database, crm: str, workers: Workers
) -> None:
    run_many(app, db, crm, workers, count=200, processes=2, timeout=45)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.skipif(not PG_URL, reason="needs JEMBATAN_TEST_DATABASE_URL (PostgreSQL)")
def test_four_workers_on_postgresql_forward_2000_complaints_with_faults(
    app: Flask, db: Database, crm: str, workers: Workers
) -> None:
    run_many(app, db, crm, workers, count=2000, processes=4, timeout=85)
