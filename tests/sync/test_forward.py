"""Forwarding complaints to a real CRM simulator over HTTP, in process (crm.submit)."""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, select

from app.clock import utcnow
from app.config import Settings
from app.database import Database
from app.models import CircuitBreaker, Complaint, OutboxMessage, StatusEvent
from sync import outbox as outbox_engine
from sync.context import WorkerContext, build_context
from sync.forward import CRM_SUBMIT, check_service_codes, register
from sync.outbox import Outbox
from tests.support.processes import free_port
from tests.sync.conftest import (
    forwarded,
    make_complaints,
    outbox_counts,
    set_faults,
    sim_settings,
    sim_tickets,
)

TOPICS = [CRM_SUBMIT.name]


@pytest.fixture
def new_context() -> Iterator[Callable[..., WorkerContext]]:
    """Worker contexts with only the crm.submit handler, each with its own engine."""
    made: list[WorkerContext] = []

    def make(settings: Settings, worker_id: str = "w1") -> WorkerContext:
        context = build_context(settings, [register], worker_id)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def new_outbox(new_context: Callable[..., WorkerContext]) -> Callable[..., Outbox]:
    """The outbox of a new worker context (a worker's view)."""
    return lambda settings, worker_id="w1": new_context(settings, worker_id).outbox


def assert_one_ticket_each(base_url: str, db: Database, codes: list[str]) -> None:
    tickets = sim_tickets(base_url)
    refs = [t["gateway_ref"] for t in tickets]
    assert sorted(refs) == sorted(codes)  # exactly one ticket per complaint
    by_ref = {t["gateway_ref"]: t["service_request_id"] for t in tickets}
    assert forwarded(db) == by_ref


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_happy_path_stores_ticket_and_appends_forwarded_event(
    app: Flask, db: Database, settings: Settings, crm_sim: str, fmt: str,
    new_outbox: Callable[..., Outbox],
) -> None:
    codes = make_complaints(app, db, 3)
    outbox = new_outbox(sim_settings(settings, crm_sim, CRM_FORMAT=fmt))
    stats = outbox.run(TOPICS)
    assert stats.dead == stats.lost_lease == 0
    if stats.done < 3:
        # A loaded machine can drop a connection: that message is simply retried.
        assert stats.retried
        drain_until_forwarded(outbox, db, 3)
    assert_one_ticket_each(crm_sim, db, codes)
    with db.session() as session:
        query = select(Complaint).where(Complaint.tracking_code == codes[0])
        complaint = session.scalars(query).one()
        assert complaint.status == "forwarded" and complaint.seq == 2
        assert complaint.forwarded_at is not None
        events = session.scalars(
            select(StatusEvent).where(StatusEvent.complaint_id == complaint.id)
            .order_by(StatusEvent.seq)
        ).all()
        assert [(e.seq, e.status, e.source) for e in events] == [
            (1, "received", "gateway"), (2, "forwarded", "gateway"),
        ]
        assert complaint.crm_ticket_id in (events[1].note or "")
        assert events[1].public_note == events[1].note  # our words, shown as written
    ticket = next(t for t in sim_tickets(crm_sim) if t["gateway_ref"] == codes[0])
    assert ticket["service_code"] == "JSC-101"
    assert ticket["attributes"]["fraksi"] == ["PSI"]
    assert ticket["attributes"]["kelurahan_code"] == ["31.71.01.1001"]
    assert ticket["post_count"] == 1 or stats.retried
    assert outbox_counts(db) == {"done": 3}
    # Running again finds nothing to do and sends nothing.
    posts = sum(t["post_count"] for t in sim_tickets(crm_sim))
    assert outbox.run(TOPICS).claimed == 0
    assert sum(t["post_count"] for t in sim_tickets(crm_sim)) == posts


def drain_until_forwarded(outbox: Outbox, db: Database, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(forwarded(db)) < count:
        assert time.monotonic() < deadline, f"only {len(forwarded(db))} of {count} forwarded"
        outbox.run(TOPICS)
        time.sleep(0.02)


FAULTS = {
    "errors": ({"error_rate": 0.5, "error_statuses": [500, 502, 503]}, "error"),
    "timeouts": ({"timeout_rate": 0.3, "timeout_s": 1.5}, "timeout"),
    "lost responses": ({"lost_response_rate": 0.5}, "lost_response"),
    "rate limits": ({"rate_limit_rate": 0.4, "retry_after_s": 0}, "rate_limit"),
}


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_each_fault_alone_ends_with_exactly_one_ticket_per_complaint(
    app: Flask, db: Database, settings: Settings, crm_sim: str,
    new_outbox: Callable[..., Outbox], kind: str,
) -> None:
    faults, counter = FAULTS[kind]
    codes = make_complaints(app, db, 12)
    set_faults(crm_sim, **faults)
    outbox = new_outbox(sim_settings(settings, crm_sim, CRM_TIMEOUT_READ_S=0.5,
                                     CRM_BREAKER_COOLDOWN_S=0.1))
    drain_until_forwarded(outbox, db, len(codes))
    injected = set_faults(crm_sim)["injected"]
    assert injected.get(counter, 0) > 0  # the fault really happened
    assert_one_ticket_each(crm_sim, db, codes)
    with db.session() as session:
        attempts = session.scalars(select(OutboxMessage.attempts)).all()
    assert sum(attempts) > len(codes)  # some were retried
    assert outbox_counts(db) == {"done": len(codes)}
    if kind == "lost responses":
        # Answers lost after the ticket was made: the repeat carried the same gateway_ref.
        assert max(t["post_count"] for t in sim_tickets(crm_sim)) > 1


def test_latency_slows_but_loses_nothing(
    app: Flask, db: Database, settings: Settings, crm_sim: str,
    new_outbox: Callable[..., Outbox],
) -> None:
    codes = make_complaints(app, db, 5)
    set_faults(crm_sim, latency_ms=150)
    outbox = new_outbox(sim_settings(settings, crm_sim))
    started = time.monotonic()
    stats = outbox.run(TOPICS)
    # The calls go out side by side (OUTBOX_CONCURRENCY): the slowness of one, not of five.
    assert time.monotonic() - started >= 0.15
    assert stats.done == 5 and stats.retried == 0
    assert_one_ticket_each(crm_sim, db, codes)


def test_latency_beyond_the_read_timeout_is_retried(
    app: Flask, db: Database, settings: Settings, crm_sim: str,
    new_outbox: Callable[..., Outbox],
) -> None:
    codes = make_complaints(app, db, 2)
    set_faults(crm_sim, latency_ms=700)
    outbox = new_outbox(sim_settings(settings, crm_sim, CRM_TIMEOUT_READ_S=0.3))
    stats = outbox.run(TOPICS, max_batches=1)
    assert stats.retried == 2 and stats.done == 0
    with db.session() as session:
        errors = session.scalars(select(OutboxMessage.last_error)).all()
    assert all("timeout" in (e or "") for e in errors)
    set_faults(crm_sim, latency_ms=0)
    drain_until_forwarded(outbox, db, 2)
    # The slow POSTs still made their tickets: the repeats found them by gateway_ref.
    assert_one_ticket_each(crm_sim, db, codes)


def test_429_retry_after_is_honoured(
    app: Flask, db: Database, settings: Settings, crm_sim: str,
    new_outbox: Callable[..., Outbox],
) -> None:
    make_complaints(app, db, 1)
    set_faults(crm_sim, rate_limit_rate=1.0, retry_after_s=30)
    outbox = new_outbox(sim_settings(settings, crm_sim))
    before = utcnow()
    stats = outbox.run(TOPICS)
    assert stats.retried == 1
    with db.session() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.last_status_code == 429
        assert message.next_attempt_at >= before + timedelta(seconds=30)
    assert outbox.run(TOPICS).claimed == 0
    assert set_faults(crm_sim)["injected"] == {"rate_limit": 1}


def test_crm_outage_opens_the_breaker_without_a_storm_and_drains_after(
    app: Flask, db: Database, settings: Settings, crm_sim: str,
    new_outbox: Callable[..., Outbox],
) -> None:
    codes = make_complaints(app, db, 40)
    set_faults(crm_sim, down=True)
    config = sim_settings(settings, crm_sim, CRM_BREAKER_MIN_CALLS=3,
                          CRM_BREAKER_COOLDOWN_S=0.5, CRM_BREAKER_TRIAL_CALLS=1,
                          CRM_RETRY_BASE_S=0.01)
    workers = [new_outbox(config, f"w{i}") for i in range(2)]
    stop = threading.Event()

    def loop(outbox: Outbox) -> None:
        while not stop.is_set():
            outbox.run(TOPICS)
            time.sleep(0.02)

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3.0)
        with db.session() as session:
            state = session.get(CircuitBreaker, "crm")
            assert state is not None and state.state in {"open", "half_open"}
        during = set_faults(crm_sim, down=False)["injected"].get("down", 0)
        # 40 complaints, two workers polling every 20 ms for 3 s: without the breaker this
        # would be hundreds of calls. With it: the minimum calls, what was in flight (up to
        # a worker's concurrency each), and one trial call at 0.5 s, 1 s, 2 s.
        in_flight = len(workers) * config.OUTBOX_CONCURRENCY
        assert 3 <= during <= 3 + in_flight + 4
        deadline = time.monotonic() + 30
        while len(forwarded(db)) < len(codes):
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert_one_ticket_each(crm_sim, db, codes)
    with db.session() as session:
        assert session.get(CircuitBreaker, "crm").state == "closed"


def bad_categories(tmp_path: Path, settings: Settings) -> str:
    """A copy of the categories where `sampah` maps to a code the CRM does not have."""
    text = Path(settings.CATEGORIES_FILE).read_text(encoding="utf-8")
    path = tmp_path / "categories.toml"
    path.write_text(text.replace('"JSC-101"', '"JSC-999"'), encoding="utf-8")
    return str(path)


def test_unknown_service_code_is_dead_lettered_then_fixed_and_replayed(
    app: Flask, db: Database, settings: Settings, crm_sim: str, tmp_path: Path,
    new_context: Callable[..., WorkerContext], caplog: pytest.LogCaptureFixture,
) -> None:
    (code,) = make_complaints(app, db, 1)
    broken = sim_settings(settings, crm_sim, CATEGORIES_FILE=bad_categories(tmp_path, settings))
    context = new_context(broken)
    stats = context.outbox.run(TOPICS)
    assert stats.dead == 1
    with db.session() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert (message.status, message.last_status_code, message.attempts) == ("dead", 400, 1)
        assert "JSC-999" in (message.last_error or "")
        complaint = session.scalars(select(Complaint)).one()
        assert (complaint.status, complaint.crm_ticket_id) == ("received", None)
    assert sim_tickets(crm_sim) == []
    # The start-up check names the culprit.
    with caplog.at_level(logging.ERROR, logger="sync.forward"):
        assert check_service_codes(context) == ["sampah"]
    assert "sampah → JSC-999" in caplog.text

    fixed = new_context(sim_settings(settings, crm_sim), "w2")
    assert check_service_codes(fixed) == []
    with db.transaction() as session:
        outbox_engine.replay(session, session.get(OutboxMessage, message.id))
    assert fixed.outbox.run(TOPICS).done == 1
    assert_one_ticket_each(crm_sim, db, [code])


def test_service_code_check_survives_a_crm_that_is_down(
    settings: Settings, new_context: Callable[..., WorkerContext],
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = dataclasses.replace(settings, CRM_URL=f"http://127.0.0.1:{free_port()}/open311/v2/",
                               CRM_TIMEOUT_CONNECT_S=0.5)
    with caplog.at_level(logging.WARNING, logger="sync.forward"):
        assert check_service_codes(new_context(down)) == []
    assert "could not check CRM service codes" in caplog.text


def test_a_complaint_with_a_ticket_is_not_sent_again(
    app: Flask, db: Database, settings: Settings, crm_sim: str,
    new_outbox: Callable[..., Outbox],
) -> None:
    make_complaints(app, db, 1)
    with db.transaction() as session:
        complaint = session.scalars(select(Complaint)).one()
        complaint.crm_ticket_id = "3100999"
    stats = new_outbox(sim_settings(settings, crm_sim)).run(TOPICS)
    assert stats.done == 1
    assert sim_tickets(crm_sim) == []
    with db.session() as session:
        assert session.scalars(select(Complaint)).one().seq == 1  # no second event


def test_a_batch_costs_a_few_statements_not_a_few_per_complaint(
    app: Flask, db: Database, settings: Settings, crm_sim: str,
    new_outbox: Callable[..., Outbox],
) -> None:
    """Reads and writes are per batch and per finaliser group, never per complaint."""
    make_complaints(app, db, 40)
    outbox = new_outbox(sim_settings(settings, crm_sim))
    outbox.linger_s = 60  # one finaliser group, whatever the calls take (run ends it)
    statements: list[str] = []
    event.listen(outbox.db.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *args: statements.append(" ".join(sql.split())))
    stats = outbox.run(TOPICS, batch=20)
    if stats.done < 40:
        pytest.skip("the machine dropped a connection: a retry makes a second group")

    def count(pattern: str) -> int:
        return sum(1 for sql in statements if re.match(pattern, sql))

    # Two batches of 20: each claimed, then read (messages, complaints) in one query each.
    assert count(r"SELECT complaints\.\S+ .* FROM complaints WHERE complaints\.id IN") <= 3
    # One group: its complaints locked together, their events in one INSERT.
    assert count(r"INSERT INTO status_events") == 1
    # And one read of the group's linked duplicates (app.duplicates.follow_many).
    assert count(r"SELECT complaints\.\S+ .* WHERE complaints\.duplicate_of_id IN") == 1
    assert len(statements) < 41, statements
    with db.session() as session:
        seqs = session.scalars(select(StatusEvent.seq).where(StatusEvent.status == "forwarded"))
        assert sorted(seqs) == [2] * 40
