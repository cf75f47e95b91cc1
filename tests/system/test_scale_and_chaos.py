"""Bounded variants of the scale and chaos runs (bench/scale.py runs the long ones).

They need to own a PostgreSQL server (to restart it), so they start their own and run only in
CI's PostgreSQL pass (or wherever JEMBATAN_TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from tests.support.cluster import CHAOS_FAULTS, Cluster
from tests.support.postgres import TempPostgres

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("JEMBATAN_TEST_DATABASE_URL"),
                       reason="runs in the PostgreSQL pass of CI"),
]


@pytest.fixture
def pg():
    with TempPostgres() as server:
        yield server.start()


def test_many_processes_keep_every_invariant(tmp_path, pg) -> None:
    cluster = Cluster(tmp_path, pg, web_processes=2, workers=4, seed=11)
    try:
        cluster.start()
        cluster.submit(270, concurrency=12)
        cluster.wait_quiet(180)
        report = cluster.check()
    finally:
        cluster.stop()
    print("\n".join(report.lines()))
    assert report.accepted == 270 and report.complaints == 270
    assert report.tickets == 270
    assert report.violations == []


def test_chaos_loses_and_duplicates_nothing(tmp_path, pg) -> None:
    cluster = Cluster(tmp_path, pg, web_processes=2, workers=3, seed=12)
    try:
        cluster.start()
        cluster.set_faults(CHAOS_FAULTS)
        stop_chaos = threading.Event()
        cluster.chaos(stop_chaos, interval_s=1.0, restart_postgres_at=60)
        cluster.submit(180, concurrency=8)
        time.sleep(8)  # keep failing while the backlog drains
        stop_chaos.set()
        cluster.set_faults({"error_rate": 0, "timeout_rate": 0, "lost_response_rate": 0})
        cluster.wait_quiet(240)
        report = cluster.check()
    finally:
        cluster.stop()
    print("\n".join(report.lines()))
    assert report.workers_killed >= 1 and report.postgres_restarts == 1
    assert report.accepted == 180 and report.lost_201 == 0
    assert report.violations == []
