"""Many identical submissions at once, over real HTTP, end as ONE complaint and no 500."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from app.models import Complaint, IdempotencyRecord, OutboxMessage, StatusEvent
from tests.conftest import PG_URL, complaint_payload
from tests.support.processes import live_server

postgres_only = pytest.mark.skipif(not PG_URL, reason="needs JEMBATAN_TEST_DATABASE_URL")


def hammer(base: str, headers: dict[str, str], payload: dict[str, Any], threads: int) -> list:
    """POST the same thing from `threads` threads released together; the responses."""
    barrier = threading.Barrier(threads)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def submit() -> None:
        with requests.Session() as http:
            barrier.wait(timeout=10)
            response = http.post(f"{base}/api/v1/complaints", json=payload, headers=headers,
                                 timeout=60)
        with lock:
            results.append((response.status_code, response.json()))

    workers = [threading.Thread(target=submit) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=90)
    assert len(results) == threads
    return results


def stored(db: Any) -> tuple[int, int, int, int]:
    with db.session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (Complaint, StatusEvent, OutboxMessage, IdempotencyRecord)
        )


def check_same_external_id(app: Any, keys: Any, db: Any, threads: int) -> None:
    with live_server(app) as base:
        results = hammer(base, keys.headers("PSI"), complaint_payload(), threads)
    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {200, 201}, statuses
    assert statuses[201] == 1
    assert len({body["id"] for _, body in results}) == 1
    assert stored(db) == (1, 1, 1, 0)


def check_same_idempotency_key(app: Any, keys: Any, db: Any, threads: int) -> None:
    headers = {**keys.headers("PSI"), "Idempotency-Key": "same-key"}
    with live_server(app) as base:
        results = hammer(base, headers, complaint_payload(), threads)
        statuses = Counter(status for status, _ in results)
        assert set(statuses) <= {201, 409}, statuses
        ids = {body["id"] for status, body in results if status == 201}
        assert len(ids) == 1
        for status, body in results:
            if status == 409:
                assert body["type"] == "/problems/idempotency-in-progress"
        # Once the first has finished, the key replays it.
        replay = requests.post(f"{base}/api/v1/complaints", json=complaint_payload(),
                               headers=headers, timeout=30)
        assert replay.status_code == 201 and replay.json()["id"] in ids
    assert stored(db) == (1, 1, 1, 1)


def test_concurrent_same_external_id_sqlite_or_pg(app, keys, db) -> None:
    check_same_external_id(app, keys, db, threads=6)


def test_concurrent_same_idempotency_key_sqlite_or_pg(app, keys, db) -> None:
    check_same_idempotency_key(app, keys, db, threads=6)


@pytest.mark.postgres
@postgres_only
@pytest.mark.parametrize("round_", range(3))
def test_many_threads_same_external_id_on_postgres(app, keys, db, round_) -> None:
    check_same_external_id(app, keys, db, threads=24)


@pytest.mark.postgres
@postgres_only
@pytest.mark.parametrize("round_", range(3))
def test_many_threads_same_idempotency_key_on_postgres(app, keys, db, round_) -> None:
    check_same_idempotency_key(app, keys, db, threads=24)


@pytest.mark.postgres
@postgres_only
def test_many_threads_same_external_id_each_with_its_own_key(app, keys, db) -> None:
    payload = complaint_payload()
    barrier = threading.Barrier(16)
    statuses: list[int] = []
    lock = threading.Lock()

    with live_server(app) as base:

        def submit(n: int) -> None:
            headers = {**keys.headers("PSI"), "Idempotency-Key": f"key-{n}"}
            barrier.wait(timeout=10)
            status = requests.post(f"{base}/api/v1/complaints", json=payload, headers=headers,
                                   timeout=60).status_code
            with lock:
                statuses.append(status)

        workers = [threading.Thread(target=submit, args=(n,)) for n in range(16)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=90)
    assert sorted(statuses) == [200] * 15 + [201]
    assert stored(db) == (1, 1, 1, 16)
