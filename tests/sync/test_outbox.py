"""The outbox engine with a dummy topic: leases, backoff, dead letters, ordering, breaker."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, Response, request
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.breaker import BreakerPolicy
from app.clock import utcnow
from app.config import Settings
from app.database import Database
from app.factions import find_faction
from app.feeds import FEED_UPDATE, feed_destination
from app.models import CircuitBreaker, Complaint, OutboxMessage, WebhookSubscription
from app.models.outbox import enqueue
from app.webhooks import new_secret
from schemas.open311 import render_request_created, render_updates
from sync.context import build_context
from sync.errors import FatalError, RetriableError
from sync.outbox import Outbox, TopicPolicy, backoff_delay, replay
from sync.worker import TOPICS
from tests.support.processes import live_server
from tests.sync.conftest import make_complaints

TOPIC = "test.dummy"
FAST = TopicPolicy(
    TOPIC, base_delay_s=0.01, max_delay_s=0.05, max_attempts=5,
    breaker=BreakerPolicy(failure_rate=0.5, window_s=5, min_calls=4, cooldown_s=0.3,
                          max_cooldown_s=5, trial_calls=2, probe_timeout_s=1.0),
)


class DummyHandler:
    """Records every call; `outcomes` scripts what perform does per message name."""

    def __init__(self) -> None:
        self.performed: list[str] = []
        self.completed: list[str] = []
        self.dead_letters: list[str] = []
        self.failures: list[tuple[str, str, str]] = []
        self.outcomes: dict[str, list[Exception | Callable[[], Any]]] = {}

    def prepare(self, session: Session, message: OutboxMessage) -> str | None:
        if message.payload.get("skip"):
            return None
        return str(message.payload["name"])

    def perform(self, name: str) -> str:
        self.performed.append(name)
        script = self.outcomes.get(name)
        if script:
            outcome = script.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            outcome()
        return f"ok:{name}"

    def complete(self, session: Session, message: OutboxMessage, result: str) -> None:
        self.completed.append(result)

    def dead(self, session: Session, message: OutboxMessage, error: str) -> None:
        self.dead_letters.append(error)

    def failed(self, session: Session, message: OutboxMessage, error: Exception) -> None:
        assert session.in_transaction()
        self.failures.append((str(message.payload["name"]), str(error), message.status))


def make_outbox(db: Database, worker_id: str, handler: DummyHandler, lease_s: float = 30,
                policy: TopicPolicy = FAST, concurrency: int = 1) -> Outbox:
    # One call at a time unless a test asks for more: the order of calls is then the order
    # of claims, which the ordering tests read.
    outbox = Outbox(db, worker_id, lease_s=lease_s, concurrency=concurrency)
    outbox.register(policy, handler)
    return outbox


def add(db: Database, *names: str, destination: str = "dummy", **kwargs: Any) -> list[int]:
    with db.transaction() as session:
        messages = [
            enqueue(session, topic=TOPIC, destination=destination, payload={"name": n}, **kwargs)
            for n in names
        ]
        session.flush()
        return [m.id for m in messages]


def message(db: Database, message_id: int) -> OutboxMessage:
    with db.session() as session:
        found = session.get(OutboxMessage, message_id)
        assert found is not None
        return found


def test_done_messages_are_not_claimed_again(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    (first,) = add(db, "a")
    assert outbox.run([TOPIC]).done == 1
    assert outbox.run([TOPIC]).claimed == 0
    assert handler.performed == ["a"] and handler.completed == ["ok:a"]
    done = message(db, first)
    assert (done.status, done.attempts, done.lease_token) == ("done", 1, None)


def test_expired_lease_is_taken_over_and_the_old_owner_cannot_finalise(db: Database) -> None:
    first_handler, second_handler = DummyHandler(), DummyHandler()
    first = make_outbox(db, "w1", first_handler, lease_s=0.3)
    second = make_outbox(db, "w2", second_handler, lease_s=30)
    (message_id,) = add(db, "a")
    claim = first.claim

    def claim_then_stall(topics: Any, limit: int) -> Any:
        claims = claim(topics, limit)
        if claims:
            assert second.claim([TOPIC], 10) == []  # leased: nobody else gets it
            # w1 stalls past its lease (a GC pause) before it prepares its batch: w2 takes
            # the message over.
            time.sleep(0.4)
            assert second.run([TOPIC]).done == 1
        return claims

    first.claim = claim_then_stall  # type: ignore[method-assign]
    stats = first.run([TOPIC])
    assert stats.claimed == 1
    assert stats.lost_lease == 1 and first_handler.performed == []
    assert second_handler.completed == ["ok:a"]
    assert message(db, message_id).status == "done"


def test_finalising_needs_the_own_lease_token(db: Database) -> None:
    slow, fast = DummyHandler(), DummyHandler()
    first = make_outbox(db, "w1", slow, lease_s=0.3)
    second = make_outbox(db, "w2", fast, lease_s=30)
    (message_id,) = add(db, "a")
    # While w1's call hangs past its lease, w2 takes the message over and finishes it.
    slow.outcomes["a"] = [lambda: (time.sleep(0.4), second.run([TOPIC]))]
    stats = first.run([TOPIC])
    assert stats.lost_lease == 1 and stats.done == 0
    assert slow.completed == [] and fast.completed == ["ok:a"]
    done = message(db, message_id)
    assert (done.status, done.attempts) == ("done", 1)


def test_retry_is_persisted_as_backoff_not_slept(db: Database) -> None:
    handler = DummyHandler()
    policy = TopicPolicy(TOPIC, base_delay_s=60, max_delay_s=60, max_attempts=5)
    outbox = make_outbox(db, "w1", handler, policy=policy)
    (message_id,) = add(db, "a")
    handler.outcomes["a"] = [RetriableError("503 busy", status=503)]
    before = utcnow()
    started = time.monotonic()
    stats = outbox.run([TOPIC])
    assert time.monotonic() - started < 5
    assert stats.retried == 1
    retried = message(db, message_id)
    assert retried.status == "pending" and retried.attempts == 1
    assert retried.last_status_code == 503 and "busy" in (retried.last_error or "")
    assert before <= retried.next_attempt_at <= utcnow() + timedelta(seconds=60)
    assert retried.lease_token is None
    if retried.next_attempt_at > utcnow() + timedelta(seconds=1):
        assert outbox.run([TOPIC]).claimed == 0  # not due yet


def test_retry_after_is_honoured(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    (message_id,) = add(db, "a")
    handler.outcomes["a"] = [RetriableError("429 slow down", status=429, retry_after=30)]
    before = utcnow()
    outbox.run([TOPIC])
    retried = message(db, message_id)
    assert retried.next_attempt_at >= before + timedelta(seconds=30)
    assert outbox.run([TOPIC]).claimed == 0


def test_fatal_error_is_dead_lettered_and_replay_delivers_it(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    (message_id,) = add(db, "a")
    handler.outcomes["a"] = [FatalError("400 unknown service", status=400)]
    assert outbox.run([TOPIC]).dead == 1
    dead = message(db, message_id)
    assert (dead.status, dead.last_status_code) == ("dead", 400)
    assert dead.dead_at is not None and handler.dead_letters == ["400 400 unknown service"]
    assert outbox.run([TOPIC]).claimed == 0  # dead letters are kept, not retried
    with db.transaction() as session:
        replay(session, session.get(OutboxMessage, message_id))
    assert outbox.run([TOPIC]).done == 1
    assert message(db, message_id).status == "done"
    with db.transaction() as session, pytest.raises(ValueError):
        replay(session, session.get(OutboxMessage, message_id))


def test_exhausted_retries_are_dead_lettered(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    (message_id,) = add(db, "a")
    handler.outcomes["a"] = [RetriableError("timeout", status=None)] * FAST.max_attempts
    deadline = time.monotonic() + 10
    while message(db, message_id).status == "pending" and time.monotonic() < deadline:
        outbox.run([TOPIC])
        time.sleep(0.02)
    dead = message(db, message_id)
    assert (dead.status, dead.attempts) == ("dead", FAST.max_attempts)
    assert handler.performed == ["a"] * FAST.max_attempts


def test_messages_with_one_ordering_key_go_strictly_in_seq_order(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    for seq, name in [(3, "k3"), (1, "k1"), (2, "k2")]:
        add(db, name, ordering_key="sub:1", ordering_seq=seq)
    add(db, "other")
    handler.outcomes["k1"] = [RetriableError("503", status=503)]
    # k1 fails first: k2 and k3 wait behind it; the unrelated message goes on.
    deadline = time.monotonic() + 10
    while len(handler.completed) < 4 and time.monotonic() < deadline:
        outbox.run([TOPIC])
        time.sleep(0.02)
    assert handler.performed == ["k1", "other", "k1", "k2", "k3"]


def test_a_dead_letter_unblocks_its_ordering_key(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    add(db, "k1", ordering_key="sub:1", ordering_seq=1)
    add(db, "k2", ordering_key="sub:1", ordering_seq=2)
    handler.outcomes["k1"] = [FatalError("410 gone", status=410)]
    outbox.run([TOPIC])
    outbox.run([TOPIC])
    assert handler.performed == ["k1", "k2"] and handler.completed == ["ok:k2"]


def breaker(db: Database, destination: str = "dummy") -> CircuitBreaker | None:
    with db.session() as session:
        return session.get(CircuitBreaker, destination)


def fail_all(handler: DummyHandler, names: list[str], error: Exception | None = None,
             times: int = 1) -> None:
    for name in names:
        handler.outcomes[name] = [error or RetriableError("500 down", status=500)] * times


def test_breaker_opens_on_the_failure_rate_once_the_window_holds_min_calls(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    names = [f"m{i}" for i in range(8)]
    add(db, *names)
    fail_all(handler, names)
    outbox.run([TOPIC], batch=8)
    # Four failed calls (min_calls, all failing) open it; the rest of the batch is handed back.
    assert len(handler.performed) == FAST.breaker.min_calls
    state = breaker(db)
    assert state is not None and state.state == "open"
    assert state.next_probe_at is not None


def test_a_degraded_destination_below_the_rate_is_not_cut_off(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    names = [f"m{i}" for i in range(30)]
    add(db, *names)
    fail_all(handler, names[1::3])  # a third fail (once each), never half of those so far
    deadline = time.monotonic() + 10
    while len(handler.completed) < len(names):
        outbox.run([TOPIC], batch=30)
        assert breaker(db) is None or breaker(db).state == "closed"
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_breaker_is_shared_half_open_admits_trials_and_closes(db: Database) -> None:
    first_handler, second_handler = DummyHandler(), DummyHandler()
    first = make_outbox(db, "w1", first_handler)
    second = make_outbox(db, "w2", second_handler)
    names = [f"m{i}" for i in range(4)]
    add(db, *names)
    fail_all(first_handler, names)
    first.run([TOPIC], batch=8)
    assert breaker(db).state == "open"
    add(db, *[f"late{i}" for i in range(6)])
    assert second.claim([TOPIC], 10) == []  # w2 sees the same open breaker
    time.sleep(FAST.breaker.cooldown_s + 0.1)
    # Half-open: trial_calls (2) messages for the first worker to ask, nothing for the other.
    trials = second.claim([TOPIC], 10)
    assert len(trials) == FAST.breaker.trial_calls
    assert first.claim([TOPIC], 10) == []
    assert breaker(db).state == "half_open"
    second.release(trials)  # the trials' holder runs them through its own tick
    second.trials.clear()
    with db.transaction() as session:
        session.execute(update(CircuitBreaker).values(trials_taken=0))
    stats = second.run([TOPIC], batch=2, max_batches=1)
    assert stats.done == 2 and breaker(db).state == "closed"
    deadline = time.monotonic() + 10
    while len(first_handler.completed) + len(second_handler.completed) < 10:
        first.run([TOPIC])
        second.run([TOPIC])
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_failed_trials_open_the_breaker_for_longer(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    names = [f"m{i}" for i in range(6)]
    add(db, *names)
    fail_all(handler, names, times=2)
    outbox.run([TOPIC])
    opened = breaker(db)
    assert opened is not None and opened.state == "open"
    first_wait = opened.next_probe_at - opened.opened_at
    time.sleep(FAST.breaker.cooldown_s + 0.1)
    outbox.run([TOPIC])  # the trials fail
    reopened = breaker(db)
    assert reopened.state == "open" and reopened.trips == 2
    assert reopened.next_probe_at - utcnow() > first_wait


def test_a_4xx_answer_counts_as_the_destination_being_up(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    add(db, "a", "b", "c", "d", "e", "f")
    fail_all(handler, ["a", "b", "c", "d"])
    handler.outcomes["e"] = [FatalError("400 bad", status=400)]
    outbox.run([TOPIC], batch=4)
    assert breaker(db).state == "open"
    time.sleep(FAST.breaker.cooldown_s + 0.1)
    deadline = time.monotonic() + 5
    while breaker(db).state != "closed":
        outbox.run([TOPIC])
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_429_with_retry_after_pauses_without_counting_as_down(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    names = [f"m{i}" for i in range(6)]
    add(db, *names)
    fail_all(handler, names[:1], RetriableError("429 busy", status=429, retry_after=1.0))
    outbox.run([TOPIC], batch=6)
    state = breaker(db)
    assert state is not None and state.state == "closed"
    assert state.paused_until is not None and state.paused_until > utcnow()
    # Paused: the first answer stopped the rest of the batch, and nobody claims now.
    assert len(handler.performed) == 1
    assert outbox.claim([TOPIC], 10) == []
    time.sleep(1.1)
    deadline = time.monotonic() + 5
    while len(handler.completed) < len(names):
        outbox.run([TOPIC], batch=6)
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert breaker(db).state == "closed"


def test_trials_of_a_vanished_worker_are_offered_again_after_the_probe_timeout(
    db: Database,
) -> None:
    handler = DummyHandler()
    dying = make_outbox(db, "w1", handler, lease_s=0.5)
    survivor = make_outbox(db, "w2", handler)
    names = [f"m{i}" for i in range(8)]
    add(db, *names)
    fail_all(handler, names[:4])
    dying.run([TOPIC], batch=4, max_batches=1)
    assert breaker(db).state == "open"
    time.sleep(FAST.breaker.cooldown_s + 0.1)
    assert len(dying.claim([TOPIC], 10)) == 2  # takes both trials, then "dies"
    assert survivor.claim([TOPIC], 10) == []
    time.sleep(FAST.breaker.probe_timeout_s + 0.1)
    deadline = time.monotonic() + 5
    while breaker(db).state != "closed":
        survivor.run([TOPIC])
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_hung_call_holds_up_only_itself(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler, concurrency=4)
    names = [f"m{i}" for i in range(12)]
    add(db, *names)
    release = threading.Event()
    handler.outcomes["m0"] = [lambda: release.wait(10)]
    runner = threading.Thread(target=outbox.run, args=([TOPIC],), kwargs={"batch": 4})
    runner.start()
    deadline = time.monotonic() + 5
    while len(handler.completed) < len(names) - 1:
        assert time.monotonic() < deadline, handler.completed
        time.sleep(0.02)
    assert "ok:m0" not in handler.completed
    release.set()
    runner.join(5)
    assert sorted(handler.completed) == sorted(f"ok:{n}" for n in names)


@given(
    attempts=st.integers(min_value=0, max_value=80),
    base=st.floats(min_value=0.01, max_value=10),
    cap=st.floats(min_value=0.01, max_value=1000),
    retry_after=st.none() | st.floats(min_value=0, max_value=3600),
)
def test_backoff_is_full_jitter_within_the_cap_and_never_below_retry_after(
    attempts: int, base: float, cap: float, retry_after: float | None
) -> None:
    policy = TopicPolicy(TOPIC, base_delay_s=base, max_delay_s=cap)
    delay = backoff_delay(policy, attempts, retry_after)
    ceiling = min(cap, base * 2 ** min(attempts, 30))
    assert 0 <= delay <= max(ceiling, retry_after or 0)
    if retry_after is not None:
        assert delay >= retry_after


def test_claimed_rows_are_invisible_to_other_workers(db: Database) -> None:
    handler = DummyHandler()
    ids = add(db, *[f"m{i}" for i in range(10)])
    workers = [make_outbox(db, f"w{i}", handler) for i in range(3)]
    claimed = [c.id for w in workers for c in w.claim([TOPIC], 4)]
    assert sorted(claimed) == sorted(ids)  # 4 + 4 + 2, none twice
    with db.session() as session:
        owners = session.scalars(select(OutboxMessage.lease_owner)).all()
    assert set(owners) == {"w0", "w1", "w2"}


def test_a_batch_longer_than_a_lease_keeps_its_leases_alive(db: Database) -> None:
    handler, other_handler = DummyHandler(), DummyHandler()
    outbox = make_outbox(db, "w1", handler, lease_s=0.6)
    other = make_outbox(db, "w2", other_handler)
    names = [f"m{i}" for i in range(6)]
    add(db, *names)
    stolen: list[int] = []
    for name in names:
        # Each call takes 0.25 s: the batch lasts 1.5 s, far beyond one 0.6 s lease.
        handler.outcomes[name] = [
            lambda: (time.sleep(0.25), stolen.extend(c.id for c in other.claim([TOPIC], 10)))
        ]
    stats = outbox.run([TOPIC], batch=10)
    assert stolen == []  # nobody could take over a message still being worked on
    assert (stats.done, stats.lost_lease) == (6, 0)
    assert handler.performed == names and other_handler.performed == []


def test_an_ordered_chain_goes_out_in_one_run(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    for seq in (1, 2, 3):
        add(db, f"k{seq}", ordering_key="sub:1", ordering_seq=seq)
    stats = outbox.run([TOPIC])
    # Each one waits for the previous to be recorded, yet one tick delivers them all.
    assert stats.done == 3 and handler.performed == ["k1", "k2", "k3"]


class GroupingHandler(DummyHandler):
    """Counts the finaliser groups: complete_many is called once per group."""

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[list[str]] = []

    def complete_many(self, session: Session, done: list[tuple[OutboxMessage, str]]) -> None:
        self.groups.append([result for _, result in done])
        for message, result in done:
            self.complete(session, message, result)


def test_outcomes_arriving_together_are_recorded_in_one_group(db: Database) -> None:
    handler = GroupingHandler()
    outbox = make_outbox(db, "w1", handler)
    add(db, "a", "b", "c", "d", "e")
    assert outbox.run([TOPIC], batch=5).done == 5
    # The calls take microseconds here: all five land within one group's linger.
    assert handler.groups == [["ok:a", "ok:b", "ok:c", "ok:d", "ok:e"]]
    assert handler.completed == ["ok:a", "ok:b", "ok:c", "ok:d", "ok:e"]


def test_flush_does_not_wait_for_a_group_to_fill(db: Database) -> None:
    from sync.outbox import _Finaliser, _Outcome

    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler)
    (message_id,) = add(db, "a")
    (claim,) = outbox.claim([TOPIC], 1)
    finaliser = _Finaliser(outbox, linger_s=30)
    try:
        finaliser.put(_Outcome(claim, handler, result="ok:a"))
        began = time.monotonic()
        finaliser.flush()  # e.g. after a retriable failure, before the next call
        assert time.monotonic() - began < 5
        assert message(db, message_id).status == "done"
        finaliser.flush()  # nothing pending: returns at once as well
    finally:
        finaliser.close()


def test_failed_hook_runs_with_each_recorded_failure_not_for_a_bug(db: Database) -> None:
    handler = DummyHandler()
    outbox = make_outbox(db, "w1", handler, policy=TopicPolicy(
        TOPIC, base_delay_s=0.01, max_delay_s=0.01, max_attempts=2,
        breaker=BreakerPolicy(min_calls=100)))
    add(db, "flaky", "doomed", "buggy")
    handler.outcomes["flaky"] = [RetriableError("503 down", status=503)]
    handler.outcomes["doomed"] = [FatalError("400 bad", status=400)]
    handler.outcomes["buggy"] = [lambda: 1 / 0]
    outbox.run([TOPIC])
    # Told once per failed attempt, retried or dead, in the transaction that records it.
    assert sorted(handler.failures) == [("doomed", "400 400 bad", "pending"),
                                        ("flaky", "503 503 down", "pending")]
    assert handler.dead_letters == ["400 400 bad"]
    deadline = time.monotonic() + 5
    while len(handler.completed) < 2:
        outbox.run([TOPIC])
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert sorted(handler.completed) == ["ok:buggy", "ok:flaky"]
    assert len(handler.failures) == 2  # a bug is logged and retried, not a handler's failure


class _Fake:
    """CRM, webhook receiver and posko feed in one local server, failing or answering."""

    def __init__(self) -> None:
        self.ok = False
        self.app = Flask("fake_destinations")
        self.app.add_url_rule("/healthz", "healthz", lambda: "ok")
        self.app.add_url_rule("/crm/requests.json", "crm", self.crm, methods=["POST"])
        self.app.add_url_rule("/crm/servicerequestupdates.json", "crm_update",
                              self.crm_update, methods=["POST"])
        self.app.add_url_rule("/hook", "hook", self.answer, methods=["POST"])
        self.app.add_url_rule("/feed/servicerequestupdates.json", "feed", self.answer,
                              methods=["POST"])
        self.tickets = 0

    def crm(self) -> Response:
        if not self.ok:
            return Response("down", status=503)
        self.tickets += 1
        body = render_request_created([{"service_request_id": f"31{self.tickets:05}"}], "json")
        return Response(body, content_type="application/json")

    def crm_update(self) -> Response:
        if not self.ok:
            return Response("down", status=503)
        body = render_updates([{
            "update_id": request.form["update_id"], "status": request.form["status"],
            "service_request_id": request.form["service_request_id"],
            "updated_datetime": utcnow(), "description": request.form["description"]}], "json")
        return Response(body, content_type="application/json")

    def answer(self) -> Response:
        return Response("ok" if self.ok else "down", status=200 if self.ok else 500)


def test_every_registered_handler_performs_with_no_transaction_open(
    app: Flask, db: Database, settings: Settings, keys: Any
) -> None:
    """The Handler contract, for each topic the worker registers, failing and succeeding."""
    fake = _Fake()
    with live_server(fake.app) as base:
        config = dataclasses.replace(
            settings, CRM_URL=f"{base}/crm/", CRM_FORMAT="json", WEBHOOK_ALLOW_PRIVATE=True,
            CRM_RETRY_BASE_S=0.01, WEBHOOK_RETRY_BASE_S=0.01, WEBHOOK_RETRY_MAX_S=0.02,
        )
        context = build_context(config, TOPICS, "contract")
        try:
            with db.transaction() as session:
                subscription = WebhookSubscription(faction_id=find_faction(session, "PSI").id,
                                                   url=f"{base}/hook", secret=new_secret())
                session.add(subscription)
                faction = find_faction(session, "PSI")
                faction.feed_url, faction.feed_format = f"{base}/feed/", "json"
            # One complaint to forward; a primary with a ticket and its linked duplicate,
            # whose crm.update tells the CRM (app/duplicates.py).
            first, linked, primary = make_complaints(app, db, 3)
            with db.transaction() as session:
                by_code = {c.tracking_code: c for c in session.scalars(select(Complaint))}
                complaint = by_code[first]
                enqueue(session, topic=FEED_UPDATE, destination=feed_destination("PSI"),
                        payload={"complaint_id": str(complaint.id), "seq": 1},
                        complaint_id=complaint.id)
                by_code[primary].crm_ticket_id = "3100999"
                by_code[linked].duplicate_of_id = by_code[primary].id
                by_code[linked].duplicate_state = "linked"
                session.execute(update(OutboxMessage).where(OutboxMessage.complaint_id.in_(
                    [by_code[primary].id, by_code[linked].id])).values(status="done"))
                enqueue(session, topic="crm.update", destination="crm", payload={
                    "complaint_id": str(by_code[linked].id),
                    "primary_id": str(by_code[primary].id), "link": 2},
                    complaint_id=by_code[linked].id)

            engine = context.db.engine
            holding: Counter[int] = Counter()  # connections each thread has checked out
            performing: set[int] = set()
            opened: list[str] = []  # transactions begun while a perform ran on its thread
            held_at_start: list[str] = []
            outcomes: dict[str, set[str]] = {topic: set() for topic in context.outbox.handlers}

            def checkout(*_args: Any) -> None:
                holding[threading.get_ident()] += 1

            def checkin(*_args: Any) -> None:
                holding[threading.get_ident()] -= 1

            def begin(_connection: Any) -> None:
                if threading.get_ident() in performing:
                    opened.append(threading.current_thread().name)

            for topic, handler in context.outbox.handlers.items():
                def perform(prepared: Any, topic: str = topic,
                            original: Callable[[Any], Any] = handler.perform) -> Any:
                    me = threading.get_ident()
                    if holding[me] > 0:
                        held_at_start.append(topic)
                    performing.add(me)
                    try:
                        result = original(prepared)
                    except Exception:
                        outcomes[topic].add("failed")
                        raise
                    finally:
                        performing.discard(me)
                    outcomes[topic].add("done")
                    return result

                handler.perform = perform  # type: ignore[method-assign]

            event.listen(engine, "checkout", checkout)
            event.listen(engine, "checkin", checkin)
            event.listen(engine, "begin", begin)
            try:
                topics = list(context.outbox.handlers)
                context.outbox.run(topics)
                fake.ok = True
                deadline = time.monotonic() + 15
                while any(outcomes[t] != {"failed", "done"} for t in topics) or pending(db):
                    with db.transaction() as session:
                        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
                    context.outbox.run(topics)
                    assert time.monotonic() < deadline, outcomes
                    time.sleep(0.02)
            finally:
                event.remove(engine, "checkout", checkout)
                event.remove(engine, "checkin", checkin)
                event.remove(engine, "begin", begin)
        finally:
            context.close()
    assert set(outcomes) == {"crm.submit", "crm.update", "webhook.deliver", "feed.update"}
    assert opened == [] and held_at_start == []
    with db.session() as session:
        counted = session.get(WebhookSubscription, subscription.id)
        assert counted is not None and counted.active and counted.consecutive_failures == 0


def pending(db: Database) -> int:
    with db.session() as session:
        return len(session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == "pending")).all())
