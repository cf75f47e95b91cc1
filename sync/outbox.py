"""The outbox engine, generic over topics.

A worker claims due messages with a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the
`BEGIN IMMEDIATE` every transaction starts with, plus a conditional update), performs each one
outside any transaction, and finalises it only while it still holds its own lease token. A
worker killed at any instant loses nothing: its leases expire and another worker takes over;
the handlers' calls carry stable references, so a repeat is harmless.

Cost per message: a batch is claimed with one UPDATE and prepared in one read; the calls then
go out one after another while a finaliser thread commits their outcomes behind them, a group
per transaction. A worker's throughput is therefore close to what its destination answers.

Retries: exponential backoff with full jitter, persisted in `next_attempt_at` (no sleeping in
a worker), at least the destination's Retry-After. Fatal errors and exhausted retries become
dead letters: kept, listed and replayable.

Order: messages sharing an `ordering_key` are claimed strictly by `ordering_seq`: the next one
waits until every earlier one is done or dead.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, exists, not_, or_, select, update
from sqlalchemy.orm import Session

from app import breaker
from app.clock import utcnow
from app.database import Database
from app.models import CircuitBreaker, OutboxMessage
from app.models.outbox import replay  # noqa: F401 - the one replay, re-exported
from sync.errors import FatalError, RetriableError

log = logging.getLogger(__name__)

# How often a worker busy with a batch looks at the breakers again (others' failures count);
# after a failure of its own, sooner (once it is recorded).
BREAKER_CHECK_S = 1.0
FAILURE_RECHECK_S = 0.1
# A worker with calls still out and nothing to claim waits for them while they keep ending;
# once none has ended for this long (one may be hung), it looks for new work.
IDLE_RECHECK_S = 0.25


class Handler(Protocol):
    """What a topic does. `perform` runs with no transaction open.

    `prepare` runs for a whole claimed batch in one session, possibly on a helper thread ahead
    of the calls; `complete` and `dead` run in the finaliser's transaction, on another thread
    than `perform` and together with other messages' outcomes (if that transaction fails, each
    outcome is retried in its own). They must only touch the session they are given.
    A handler may also define `preload(session, messages)`, called once per batch before
    `prepare`, to read what the whole batch needs in one query (`prepare` then finds it in
    the session), and `complete_many(session, done)`, called once per finaliser group with
    its successes as (message, result) pairs instead of `complete` for each, to read, lock
    and write for the whole group at once.
    And `failed(session, message, error)`: called in the finaliser's transaction for every
    attempt that failed with a RetriableError or FatalError (raised by `prepare` or
    `perform`; not for a bug, which is only logged and retried), before the outbox schedules
    the retry or the dead letter, so what a handler records about failures (a counter, a
    subscription to disable) is committed with the attempt, and `perform` stays free of
    transactions. If `failed` finishes the message itself (dead-letters it, e.g. with every
    pending message of its destination, and refreshes it), the outbox leaves it so.
    See docs/ARCHITECTURE.md#outbox.
    """

    def prepare(self, session: Session, message: OutboxMessage) -> Any:
        """Read what the call needs (read only); return None to skip as done."""

    def perform(self, prepared: Any) -> Any:
        """Make the call; raise RetriableError or FatalError on failure."""

    def complete(self, session: Session, message: OutboxMessage, result: Any) -> None:
        """Record success, in the same transaction that marks the message done."""

    def dead(self, session: Session, message: OutboxMessage, error: str) -> None:
        """React to a dead letter (same transaction); may do nothing."""


@dataclass(frozen=True)
class TopicPolicy:
    """How a topic retries: backoff base and cap, and when it gives up."""

    name: str
    base_delay_s: float = 2.0
    max_delay_s: float = 600.0
    max_attempts: int = 50
    max_age_s: float = 7 * 24 * 3600
    breaker: breaker.BreakerPolicy = field(default_factory=breaker.BreakerPolicy)
    # The destinations this topic calls start so ("crm", "webhook:"): its breaker policy
    # serves them, and a claim of this topic takes trial calls only for them. None: any.
    destination_prefix: str | None = None

    def serves(self, destination: str) -> bool:
        return self.destination_prefix is None or destination.startswith(self.destination_prefix)


@dataclass
class Claim:
    id: int
    token: str


@dataclass
class RunStats:
    claimed: int = 0
    done: int = 0
    retried: int = 0
    dead: int = 0
    lost_lease: int = 0
    deferred: int = 0

    def add(self, other: RunStats) -> None:
        """Add another run's counts to these."""
        for name in ("claimed", "done", "retried", "dead", "lost_lease", "deferred"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def backoff_delay(policy: TopicPolicy, attempts: int, retry_after: float | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, base·2^attempts)], never below Retry-After."""
    ceiling = min(policy.max_delay_s, policy.base_delay_s * (2 ** min(attempts, 30)))
    delay = random.uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


# The claim's two statements, built once (Core, on the table): a claim runs several times a
# second per worker, and building and compiling them each time cost more than running them.
@cache
def _claimable(postgresql: bool, skip_blocked: bool) -> Select[Any]:
    """Due, unleased messages of the given topics whose ordering predecessors are done."""
    table = OutboxMessage.__table__
    earlier = table.alias("earlier")
    now = bindparam("now")
    query = (
        select(table.c.id, table.c.destination)
        .where(
            table.c.status == "pending",
            table.c.topic.in_(bindparam("topics", expanding=True)),
            table.c.next_attempt_at <= now,
            or_(table.c.lease_expires_at.is_(None), table.c.lease_expires_at < now),
            not_(
                exists().where(
                    table.c.ordering_key.is_not(None),
                    earlier.c.ordering_key == table.c.ordering_key,
                    earlier.c.ordering_seq < table.c.ordering_seq,
                    earlier.c.status == "pending",
                )
            ),
        )
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(bindparam("limit"))
    )
    if skip_blocked:
        query = query.where(table.c.destination.not_in(bindparam("blocked", expanding=True)))
    if postgresql:
        query = query.with_for_update(skip_locked=True, of=table)
    return query


@cache
def _lease() -> Any:
    """One conditional UPDATE leasing the chosen messages; the ids it leased."""
    table = OutboxMessage.__table__
    now = bindparam("now")
    return (
        update(table)
        .where(
            table.c.id.in_(bindparam("ids", expanding=True)),
            table.c.status == "pending",
            or_(table.c.lease_expires_at.is_(None), table.c.lease_expires_at < now),
        )
        .values(
            lease_owner=bindparam("owner"), lease_token=bindparam("token"),
            lease_expires_at=bindparam("until"),
        )
        .returning(table.c.id)
    )


class Outbox:
    """Claims and processes outbox messages for registered topics."""

    def __init__(self, db: Database, worker_id: str, lease_s: float = 60.0,
                 concurrency: int = 8) -> None:
        self.db = db
        self.worker_id = worker_id
        self.lease_s = lease_s
        # Calls in flight at once: a hung call holds up one thread, not the batch.
        self.concurrency = concurrency
        # Outcomes not yet added to the breakers' windows (written by the finaliser thread).
        self.tallies = breaker.Tallies()
        self._tallies_lock = threading.Lock()
        # Claimed messages that are a half-open breaker's trial calls.
        self.trials: set[int] = set()
        self._trials_lock = threading.Lock()
        # How long the finaliser gathers outcomes into one transaction (see _Finaliser).
        self.linger_s = 0.2
        self.handlers: dict[str, Handler] = {}
        self.policies: dict[str, TopicPolicy] = {}
        self.stopping = False

    def register(self, policy: TopicPolicy, handler: Handler) -> None:
        self.handlers[policy.name] = handler
        self.policies[policy.name] = policy

    # --- claiming -------------------------------------------------------------------

    def breaker_policy(self, destination: str) -> breaker.BreakerPolicy:
        """The breaker policy of the topic that calls `destination`."""
        for policy in self.policies.values():
            if policy.destination_prefix is not None and policy.serves(destination):
                return policy.breaker
        for policy in self.policies.values():
            if policy.serves(destination):
                return policy.breaker
        return breaker.BreakerPolicy()

    def claim(self, topics: Sequence[str], limit: int) -> list[Claim]:
        """Lease up to `limit` due messages of `topics` to this worker (commits)."""
        now = utcnow()
        token = uuid.uuid4().hex
        policies = [self.policies[t] for t in topics if t in self.policies]
        with self.db.transaction() as session:
            # Trials taken by a worker that then died are offered again after the probe
            # timeout (app/breaker.py).
            blocked, permits = breaker.take_trials(
                session, now, self.worker_id, self.breaker_policy,
                lambda destination: any(p.serves(destination) for p in policies)
                or not policies,
            )
            query = _claimable(self.db.dialect == "postgresql", bool(blocked))
            params: dict[str, Any] = {
                "now": now, "topics": list(topics),
                "limit": limit + 16 * sum(permits.values()),
            }
            if blocked:
                params["blocked"] = sorted(blocked)
            rows = session.execute(query, params).all()
            chosen: list[int] = []
            trials: list[int] = []
            unused = dict(permits)
            for message_id, destination in rows:
                if destination in permits:
                    # A half-open destination gets as many messages as trial permits taken.
                    if unused[destination] <= 0:
                        continue
                    unused[destination] -= 1
                    trials.append(message_id)
                chosen.append(message_id)
                if len(chosen) >= limit:
                    break
            breaker.give_back(session, unused)
            if not chosen:
                return []
            # One conditional UPDATE for the whole batch: the rows are ours (locked on
            # PostgreSQL, the database write-locked on SQLite), the condition is a safety net.
            claimed = session.scalars(_lease(), {
                "ids": chosen, "now": now, "owner": self.worker_id, "token": token,
                "until": now + timedelta(seconds=self.lease_s),
            }).all()
        if trials:
            with self._trials_lock:
                self.trials.update(set(trials) & set(claimed))
        order = {message_id: index for index, message_id in enumerate(chosen)}
        return [Claim(message_id, token) for message_id in sorted(claimed, key=order.__getitem__)]

    def release(self, claims: Iterable[Claim]) -> None:
        """Give leases back without counting an attempt."""
        claims = list(claims)
        if not claims:
            return
        with self.db.transaction() as session:
            for claim in claims:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == claim.id, OutboxMessage.lease_token == claim.token)
                    .values(lease_owner=None, lease_token=None, lease_expires_at=None)
                    .execution_options(synchronize_session=False)
                )

    def renew(self, claims: Sequence[Claim]) -> set[int]:
        """Extend the leases of `claims` by a full lease; the ids still ours."""
        if not claims:
            return set()
        until = utcnow() + timedelta(seconds=self.lease_s)
        kept: set[int] = set()
        with self.db.transaction() as session:
            for token in {claim.token for claim in claims}:
                ids = [claim.id for claim in claims if claim.token == token]
                kept.update(
                    session.scalars(
                        update(OutboxMessage)
                        .where(OutboxMessage.id.in_(ids), OutboxMessage.lease_token == token)
                        .values(lease_expires_at=until)
                        .returning(OutboxMessage.id)
                        .execution_options(synchronize_session=False)
                    ).all()
                )
        return kept

    # --- processing -----------------------------------------------------------------
    #
    # A worker's calls go out on up to `concurrency` threads, so a call hung until its read
    # timeout holds up only itself: the others go on, and new batches are claimed while it
    # waits. Everything the database must record about the calls is committed behind them,
    # in groups, by a finaliser thread. Nothing is lost by the delay: a message is done only
    # once its outcome is committed, and until then it stays leased to this worker (a worker
    # killed here is taken over later, and the repeat carries the same stable reference).

    def run(self, topics: Sequence[str], batch: int = 20, max_batches: int = 50) -> RunStats:
        """Process due messages of `topics` until none is left (or stop is asked)."""
        stats = RunStats()
        finaliser = _Finaliser(self)
        # The next batch is claimed and prepared while this one's calls go out.
        ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-claim")
        calls = _Calls(self, finaliser)
        upcoming: Future[_Batch] | None = None
        batches = 0
        try:
            while batches < max_batches and not self.stopping:
                current = upcoming.result() if upcoming else None
                upcoming = None
                if current is None or not current.claims:
                    # Outcomes not yet recorded may unblock successors of the same ordering
                    # key: claim (again) once they are. A call still out (one may hang until
                    # its read timeout) is waited for only briefly.
                    calls.wait_quiet(IDLE_RECHECK_S)
                    finaliser.flush()
                    current = self._fetch(topics, batch, finaliser)
                if not current.claims:
                    if not calls.running():
                        break
                    continue
                batches += 1
                stats.claimed += len(current.claims)
                if batches < max_batches and len(current.claims) == batch:
                    upcoming = ahead.submit(self._fetch, topics, batch, finaliser)
                self._run_batch(current, finaliser, stats, calls)
        finally:
            if upcoming is not None:
                self._give_back(upcoming)
            ahead.shutdown(wait=True)
            calls.close()
            finaliser.close()
            stats.add(finaliser.stats)
        return stats

    def _fetch(self, topics: Sequence[str], batch: int, finaliser: _Finaliser) -> _Batch:
        claims = self.claim(topics, batch)
        claimed_at = time.monotonic()
        work = self._prepare(claims, finaliser.put) if claims else []
        return _Batch(claims, work, claimed_at)

    def _give_back(self, upcoming: Future[_Batch]) -> None:
        """Release a batch claimed ahead that will not be run now."""
        try:
            batch = upcoming.result()
            self.release(job.claim for job in batch.work)
            self._forget_trials(job.claim.id for job in batch.work)
        except Exception:  # its leases simply run out
            log.exception("outbox: could not release a batch claimed ahead")

    def _is_trial(self, claim_id: int) -> bool:
        with self._trials_lock:
            return claim_id in self.trials

    def _forget_trials(self, claim_ids: Iterable[int]) -> None:
        with self._trials_lock:
            self.trials.difference_update(claim_ids)

    def _run_batch(self, batch: _Batch, finaliser: _Finaliser, stats: RunStats,
                   calls: _Calls) -> None:
        work = batch.work
        renewed_at = batch.claimed_at
        blocked = self._blocked_now()
        checked_at = time.monotonic()
        lost: set[int] = set()
        for index, job in enumerate(work):
            calls.wait_slot()
            if self.stopping:
                # Finish nothing new; hand the rest back at once.
                rest = [j.claim for j in work[index:] if j.claim.id not in lost]
                self.release(rest)
                self._forget_trials(c.id for c in rest)
                return
            if time.monotonic() - renewed_at > self.lease_s / 3:
                # Each call starts with at least two thirds of a lease ahead of it.
                ahead = [j.claim for j in work[index:] if j.claim.id not in lost]
                lost.update({c.id for c in ahead} - self.renew(ahead))
                renewed_at = time.monotonic()
            if job.claim.id in lost:
                stats.lost_lease += 1
                self._forget_trials([job.claim.id])
                continue
            since = time.monotonic() - checked_at
            if calls.alarm_at > checked_at or (
                    calls.failed_at > checked_at and since > FAILURE_RECHECK_S) or (
                    since > BREAKER_CHECK_S):
                if calls.failed_at > checked_at or calls.alarm_at > checked_at:
                    # Let the failures count first: the breaker may open now.
                    finaliser.flush()
                blocked, checked_at = self._blocked_now(), time.monotonic()
            trial = self._is_trial(job.claim.id)
            if job.destination in blocked and not (trial and blocked[job.destination] == "trial"):
                self.release([job.claim])
                self._forget_trials([job.claim.id])
                stats.deferred += 1
                continue
            calls.submit(job, trial)

    def _blocked_now(self) -> dict[str, str]:
        """Destinations this worker may not call now: "paused", or "trial" (a half-open or
        open breaker: only calls claimed as its trials go)."""
        now = utcnow()
        with self.db.session() as session:
            rows = session.execute(
                select(CircuitBreaker.destination, CircuitBreaker.state,
                       CircuitBreaker.paused_until)
                .where(or_(CircuitBreaker.state != "closed", CircuitBreaker.paused_until > now))
            ).all()
        blocked: dict[str, str] = {}
        for destination, state, paused_until in rows:
            if paused_until is not None and paused_until > now:
                blocked[destination] = "paused"
            elif state != "closed":
                blocked[destination] = "trial"
        return blocked

    def _prepare(self, claims: list[Claim], finished: Callable[[_Outcome], None]) -> list[_Job]:
        """Read what every call of the batch needs, in one short transaction."""
        work: list[_Job] = []
        with self.db.session() as session:
            messages = {
                message.id: message
                for message in session.scalars(
                    select(OutboxMessage).where(OutboxMessage.id.in_([c.id for c in claims]))
                )
            }
            by_topic: dict[str, list[OutboxMessage]] = {}
            for message in messages.values():
                by_topic.setdefault(message.topic, []).append(message)
            for topic, batch in by_topic.items():
                preload = getattr(self.handlers.get(topic), "preload", None)
                if preload is not None:
                    preload(session, batch)
            for claim in claims:
                message = messages.get(claim.id)
                if message is None or message.lease_token != claim.token:
                    finished(_Outcome(claim, None, lost=True))
                    continue
                handler = self.handlers[message.topic]
                try:
                    prepared = handler.prepare(session, message)
                except FatalError as exc:
                    finished(_Outcome(claim, handler, error=exc))
                    continue
                if prepared is None:
                    finished(_Outcome(claim, None))  # nothing to do: done as it is
                    continue
                work.append(_Job(claim, message.destination, handler, prepared))
            session.rollback()  # prepare only reads
        return work

    def _perform(self, job: _Job, trial: bool = False) -> _Outcome:
        called = {"destination": job.destination, "trial": trial}
        try:
            result = job.handler.perform(job.prepared)
            return _Outcome(job.claim, job.handler, result=result, **called)
        except (RetriableError, FatalError) as exc:
            return _Outcome(job.claim, job.handler, error=exc, **called)
        except Exception as exc:  # a bug in a handler must not lose the message
            log.exception("outbox %s: unexpected error in %s", job.claim.id, job.handler)
            error = _UnexpectedError(f"internal error: {type(exc).__name__}")
            return _Outcome(job.claim, job.handler, error=error, **called)

    # --- the breakers ---------------------------------------------------------------

    def _tally(self, outcomes: Iterable[_Outcome]) -> None:
        """Add calls' outcomes to this worker's unwritten breaker tallies (finaliser thread).

        Failing: a RetriableError the destination is to blame for. Neither: a 429 or 503 with
        Retry-After (the destination is up but asks for a pause: it gets one), an error that
        does not count against it, a bug of ours. Everything else the destination answered.
        """
        with self._tallies_lock:  # two topics' runs may finalise at once
            for outcome in outcomes:
                self._tally_one(outcome)

    def _tally_one(self, outcome: _Outcome) -> None:
        if outcome.destination is None:
            return  # no call was made (prepare refused it, lease lost)
        self._forget_trials([outcome.claim.id])
        error = outcome.error
        if isinstance(error, _UnexpectedError):
            return  # our bug, not the destination's doing
        status = getattr(error, "status", None)
        retry_after = getattr(error, "retry_after", None)
        tally = self.tallies.add(outcome.destination)
        failed = False
        if isinstance(error, RetriableError) and status in (429, 503) and (
                retry_after is not None):
            tally.pause_s = max(tally.pause_s or 0.0, retry_after)
        elif isinstance(error, RetriableError) and error.counts_against_destination:
            failed = True
            tally.last_error = str(error)
        elif error is not None and status is None:
            return  # not the destination's doing, and it did not answer
        if outcome.trial:
            if failed:
                tally.trial_failed += 1
            else:
                tally.trial_ok += 1
        elif failed:
            tally.failed += 1
        else:
            tally.ok += 1

    def _write_tallies(self, force: bool = False) -> None:
        """Add due tallies to the breaker rows: one short transaction per destination."""
        with self._tallies_lock:
            due = list(self.tallies.due(force))
        for destination, tally in due:
            try:
                with self.db.transaction() as session:
                    breaker.record(session, destination, tally, utcnow(),
                                   self.breaker_policy(destination))
            except Exception:
                log.exception("outbox: could not update the breaker of %s", destination)
                with self._tallies_lock:
                    self.tallies.put_back(destination, tally)

    # --- finalising -----------------------------------------------------------------

    def _commit(self, outcomes: list[_Outcome], stats: RunStats) -> None:
        """Record outcomes in one transaction; if that fails, one transaction each."""
        if not outcomes:
            return
        group = RunStats()
        try:
            with self.db.transaction() as session:
                self._apply(session, outcomes, group)
        except Exception:
            if len(outcomes) == 1:
                log.exception("outbox %s: could not record the outcome", outcomes[0].claim.id)
                return  # the lease runs out and the message is tried again
            for outcome in outcomes:
                self._commit([outcome], stats)
            return
        stats.add(group)

    def _apply(self, session: Session, outcomes: list[_Outcome], stats: RunStats) -> None:
        owned_query = select(OutboxMessage).where(
            OutboxMessage.id.in_([o.claim.id for o in outcomes])
        )
        if self.db.dialect == "postgresql":
            owned_query = owned_query.with_for_update()
        owned = {m.id: m for m in session.scalars(owned_query)}
        completed: dict[Handler, list[tuple[OutboxMessage, Any]]] = {}
        done: list[int] = []
        # The group's writes are flushed together at commit (batched INSERTs and UPDATEs),
        # not one message at a time before each handler's next read.
        with session.no_autoflush:
            self._apply_each(session, outcomes, owned, completed, done, stats)
            for handler, pairs in completed.items():
                complete_many = getattr(handler, "complete_many", None)
                if complete_many is not None:
                    complete_many(session, pairs)
                else:
                    for message, result in pairs:
                        handler.complete(session, message, result)
        if done:
            # One UPDATE marks the group's successes done (their rows are locked above).
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(done))
                .values(
                    status="done", completed_at=utcnow(), attempts=OutboxMessage.attempts + 1,
                    last_error=None, lease_owner=None, lease_token=None, lease_expires_at=None,
                )
                .execution_options(synchronize_session=False)
            )

    def _apply_each(
        self, session: Session, outcomes: list[_Outcome], owned: dict[int, OutboxMessage],
        completed: dict[Handler, list[tuple[OutboxMessage, Any]]],
        done: list[int], stats: RunStats,
    ) -> None:
        for outcome in outcomes:
            message = owned.get(outcome.claim.id)
            if outcome.lost or message is None or message.lease_token != outcome.claim.token:
                # Our lease expired and someone else has it: their outcome will count.
                stats.lost_lease += 1
                continue
            if outcome.error is None:
                if outcome.handler is not None:
                    completed.setdefault(outcome.handler, []).append((message, outcome.result))
                done.append(message.id)
                stats.done += 1
                continue
            if self._failed(session, message, outcome.error):
                stats.retried += 1
            else:
                stats.dead += 1

    def _failed(self, session: Session, message: OutboxMessage, error: Exception) -> bool:
        """Schedule a retry (True) or dead-letter the message (False)."""
        handler = self.handlers.get(message.topic)
        failed = getattr(handler, "failed", None)
        if failed is not None and not isinstance(error, _UnexpectedError):
            failed(session, message, error)
            if message.status != "pending":
                return False  # the handler dead-lettered it (with its whole destination)
        now = utcnow()
        policy = self.policies[message.topic]
        message.attempts += 1
        message.last_error = str(error)[:2000]
        message.last_status_code = getattr(error, "status", None)
        message.lease_owner = message.lease_token = None
        message.lease_expires_at = None
        too_old = (now - message.created_at).total_seconds() > policy.max_age_s
        retriable = isinstance(error, RetriableError)
        if retriable and message.attempts < policy.max_attempts and not too_old:
            delay = backoff_delay(policy, message.attempts - 1, error.retry_after)
            message.next_attempt_at = now + timedelta(seconds=delay)
            log.warning(
                "outbox %s %s attempt %d failed, retry in %.1fs: %s",
                message.topic, message.id, message.attempts, delay, error,
            )
            return True
        message.status = "dead"
        message.dead_at = now
        if handler is not None:
            handler.dead(session, message, str(error))
        log.error("outbox %s %s dead-lettered: %s", message.topic, message.id, error)
        return False


class _UnexpectedError(RetriableError):
    """An exception a handler did not classify (a bug): retried, never a handler's failure."""


@dataclass
class _Batch:
    """Claims taken together, and the calls they prepared."""

    claims: list[Claim]
    work: list[_Job]
    claimed_at: float


@dataclass
class _Job:
    """A claimed message, prepared and ready to be performed."""

    claim: Claim
    destination: str
    handler: Handler
    prepared: Any


@dataclass
class _Outcome:
    """What became of one claimed message, waiting to be recorded."""

    claim: Claim
    handler: Handler | None
    result: Any = None
    error: Exception | None = None
    lost: bool = False
    # The destination called (None: no call was made) and whether it was a trial call.
    destination: str | None = None
    trial: bool = False


class _Calls:
    """The calls a run has in flight, on up to `outbox.concurrency` threads."""

    def __init__(self, outbox: Outbox, finaliser: _Finaliser) -> None:
        self.outbox = outbox
        self.finaliser = finaliser
        self.limit = max(1, outbox.concurrency)
        self.pool = ThreadPoolExecutor(max_workers=self.limit,
                                       thread_name_prefix=f"outbox-call-{outbox.worker_id}")
        self.futures: set[Future[None]] = set()
        # When a call last failed in a way that counts against its destination (monotonic),
        # and when one failed while this run's own calls to it failed at the breaker's rate or
        # was told to pause: then the next call waits until the breaker has seen it.
        self.failed_at = 0.0
        self.alarm_at = 0.0
        self.seen: dict[str, list[int]] = {}
        self.lock = threading.Lock()

    def submit(self, job: _Job, trial: bool) -> None:
        self.futures.add(self.pool.submit(self._call, job, trial))

    def _call(self, job: _Job, trial: bool) -> None:
        outcome = self.outbox._perform(job, trial)
        self.finaliser.put(outcome)
        error = outcome.error
        failed = isinstance(error, RetriableError) and error.counts_against_destination
        with self.lock:
            seen = self.seen.setdefault(job.destination, [0, 0])
            seen[1 if failed else 0] += 1
            rate = self.outbox.breaker_policy(job.destination).failure_rate
            alarming = failed and seen[1] >= rate * (seen[0] + seen[1])
        if isinstance(error, RetriableError) and error.status in (429, 503) and (
                error.retry_after is not None):
            alarming = True
        now = time.monotonic()
        if failed:
            self.failed_at = now
        if alarming:
            self.alarm_at = now

    def running(self) -> bool:
        self.futures = {f for f in self.futures if not f.done()}
        return bool(self.futures)

    def wait_slot(self) -> None:
        """Return once fewer than `limit` calls are out."""
        while self.running() and len(self.futures) >= self.limit:
            wait(self.futures, return_when=FIRST_COMPLETED)

    def wait_quiet(self, quiet_s: float) -> None:
        """Wait for the calls out while they keep ending; return once none has ended for
        `quiet_s` (one may be hung until its read timeout) or none is left."""
        while self.running():
            done, _ = wait(self.futures, timeout=quiet_s, return_when=FIRST_COMPLETED)
            if not done:
                return
            self.futures -= done

    def close(self) -> None:
        """Wait for the calls out (each ends by its own timeout) and stop the threads."""
        self.pool.shutdown(wait=True)


_STOP = object()
_HURRY = object()


class _Finaliser:
    """Records outcomes on its own thread, a group per transaction, while calls go on.

    A group gathers for up to `linger_s` (the outbox's, 200 ms) after its first outcome: a
    commit, the group's reads and the counters' upsert then serve several messages instead of
    one or two. It only delays when a message is marked done, never a call; `flush` cuts the
    wait short.
    """

    def __init__(self, outbox: Outbox, group_size: int = 64,
                 linger_s: float | None = None) -> None:
        self.outbox = outbox
        self.group_size = group_size
        self.linger_s = outbox.linger_s if linger_s is None else linger_s
        self.stats = RunStats()
        self.queue: queue.Queue[Any] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def put(self, outcome: _Outcome) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._loop, name=f"outbox-finaliser-{self.outbox.worker_id}",
                    daemon=True,
                )
                self.thread.start()
        self.queue.put(outcome)

    def flush(self) -> None:
        """Wait until every outcome put so far is recorded (at once: no lingering)."""
        with self.lock:
            running = self.thread is not None
        if running:
            self.queue.put(_HURRY)
        self.queue.join()

    def close(self) -> None:
        """Record what is left and stop the thread."""
        with self.lock:
            thread, self.thread = self.thread, None
        if thread is None:
            return
        self.queue.put(_STOP)
        thread.join()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            group: list[_Outcome] = []
            taken = 0
            deadline = None
            while len(group) < self.group_size:
                try:
                    if deadline is None:
                        item = self.queue.get()
                    else:
                        item = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                taken += 1
                if item is _STOP:
                    stopping = True
                    break
                if item is _HURRY:
                    break
                group.append(item)
                if deadline is None:
                    deadline = time.monotonic() + self.linger_s
            try:
                if group:
                    self.outbox._tally(group)
                    self.outbox._commit(group, self.stats)
                self.outbox._write_tallies(force=stopping)
            except Exception:
                log.exception("outbox: the finaliser could not record a group")
            finally:
                for _ in range(taken):
                    self.queue.task_done()

