"""The outbox engine, generic over topics.

A worker claims due messages with a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the
`BEGIN IMMEDIATE` every transaction starts with, plus a conditional update), performs each one
outside any transaction, and finalises it only while it still holds its own lease token. A
worker killed at any instant loses nothing: its leases expire and another worker takes over;
the handlers' calls carry stable references, so a repeat is harmless.

Retries: exponential backoff with full jitter, persisted in `next_attempt_at` (no sleeping in
a worker), at least the destination's Retry-After. Fatal errors and exhausted retries become
dead letters: kept, listed and replayable.

Order: messages sharing an `ordering_key` are claimed strictly by `ordering_seq`: the next one
waits until every earlier one is done or dead.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, not_, select, update
from sqlalchemy.orm import Session, aliased

from app.clock import utcnow
from app.database import Database
from app.models import OutboxMessage
from sync import breaker
from sync.errors import FatalError, RetriableError

log = logging.getLogger(__name__)


class Handler(Protocol):
    """What a topic does. `perform` runs with no transaction open."""

    def prepare(self, session: Session, message: OutboxMessage) -> Any:
        """Read what the call needs (short transaction); return None to skip as done."""

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


def backoff_delay(policy: TopicPolicy, attempts: int, retry_after: float | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, base·2^attempts)], never below Retry-After."""
    ceiling = min(policy.max_delay_s, policy.base_delay_s * (2 ** min(attempts, 30)))
    delay = random.uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


class Outbox:
    """Claims and processes outbox messages for registered topics."""

    def __init__(self, db: Database, worker_id: str, lease_s: float = 60.0) -> None:
        self.db = db
        self.worker_id = worker_id
        self.lease_s = lease_s
        self.handlers: dict[str, Handler] = {}
        self.policies: dict[str, TopicPolicy] = {}
        self.stopping = False

    def register(self, policy: TopicPolicy, handler: Handler) -> None:
        self.handlers[policy.name] = handler
        self.policies[policy.name] = policy

    # --- claiming -------------------------------------------------------------------

    def claim(self, topics: Sequence[str], limit: int) -> list[Claim]:
        """Lease up to `limit` due messages of `topics` to this worker (commits)."""
        now = utcnow()
        token = uuid.uuid4().hex
        with self.db.transaction() as session:
            # A probe taken by a worker that then died is offered again after one lease.
            blocked, probes = breaker.blocked_destinations(
                session, now, self.worker_id, probe_timeout_s=self.lease_s
            )
            earlier = aliased(OutboxMessage)
            query = (
                select(OutboxMessage.id, OutboxMessage.destination)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.topic.in_(topics),
                    OutboxMessage.next_attempt_at <= now,
                    (OutboxMessage.lease_expires_at.is_(None))
                    | (OutboxMessage.lease_expires_at < now),
                    not_(
                        exists().where(
                            and_(
                                OutboxMessage.ordering_key.is_not(None),
                                earlier.ordering_key == OutboxMessage.ordering_key,
                                earlier.ordering_seq < OutboxMessage.ordering_seq,
                                earlier.status == "pending",
                            )
                        )
                    ),
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit + 16 * len(probes))
            )
            if blocked:
                query = query.where(OutboxMessage.destination.not_in(blocked))
            if self.db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True, of=OutboxMessage)
            rows = session.execute(query).all()
            chosen: list[int] = []
            probe_taken: set[str] = set()
            for message_id, destination in rows:
                if destination in probes:
                    # A half-open destination gets exactly one message: the probe.
                    if destination in probe_taken:
                        continue
                    probe_taken.add(destination)
                chosen.append(message_id)
                if len(chosen) >= limit:
                    break
            claims: list[Claim] = []
            for message_id in chosen:
                result = session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == message_id,
                        OutboxMessage.status == "pending",
                        (OutboxMessage.lease_expires_at.is_(None))
                        | (OutboxMessage.lease_expires_at < now),
                    )
                    .values(
                        lease_owner=self.worker_id,
                        lease_token=token,
                        lease_expires_at=now + timedelta(seconds=self.lease_s),
                    )
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:
                    claims.append(Claim(message_id, token))
        return claims

    # --- processing -----------------------------------------------------------------

    def run(self, topics: Sequence[str], batch: int = 20, max_batches: int = 50) -> RunStats:
        """Process due messages of `topics` until none is left (or stop is asked)."""
        stats = RunStats()
        for _ in range(max_batches):
            if self.stopping:
                break
            claims = self.claim(topics, batch)
            if not claims:
                break
            stats.claimed += len(claims)
            for index, claim in enumerate(claims):
                if self.stopping:
                    # Finish nothing new; hand the rest back at once.
                    self.release([c for c in claims[index:]])
                    return stats
                self.process(claim, stats)
        return stats

    def release(self, claims: Iterable[Claim]) -> None:
        """Give leases back without counting an attempt."""
        with self.db.transaction() as session:
            for claim in claims:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == claim.id, OutboxMessage.lease_token == claim.token)
                    .values(lease_owner=None, lease_token=None, lease_expires_at=None)
                    .execution_options(synchronize_session=False)
                )

    def process(self, claim: Claim, stats: RunStats) -> None:
        """Perform one claimed message and finalise it under its lease."""
        with self.db.session() as session:
            message = session.get(OutboxMessage, claim.id)
            if message is None or message.lease_token != claim.token:
                stats.lost_lease += 1
                return
            handler = self.handlers[message.topic]
            destination = message.destination
            if breaker.is_open(session, destination, utcnow(), self.worker_id):
                session.rollback()
                self.release([claim])
                stats.deferred += 1
                return
            # The lease was taken for the whole batch; renew it for this message alone, so a
            # lease need only outlast one call, not a batch of them.
            renewed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == claim.id, OutboxMessage.lease_token == claim.token)
                .values(lease_expires_at=utcnow() + timedelta(seconds=self.lease_s))
                .execution_options(synchronize_session=False)
            )
            if renewed.rowcount != 1:
                session.rollback()
                stats.lost_lease += 1
                return
            try:
                prepared = handler.prepare(session, message)
            except FatalError as exc:
                session.rollback()
                self._fail(claim, exc, stats)
                return
            session.commit()
        if prepared is None:
            self._finish(claim, None, stats, handler=None)
            return
        try:
            result = handler.perform(prepared)
        except (RetriableError, FatalError) as exc:
            self._fail(claim, exc, stats)
            return
        except Exception as exc:  # a bug in a handler must not lose the message
            log.exception("outbox %s: unexpected error in %s", claim.id, handler)
            self._fail(claim, RetriableError(f"internal error: {type(exc).__name__}"), stats)
            return
        self._finish(claim, result, stats, handler=handler)

    def _owned(self, session: Session, claim: Claim) -> OutboxMessage | None:
        query = select(OutboxMessage).where(
            OutboxMessage.id == claim.id, OutboxMessage.lease_token == claim.token
        )
        if self.db.dialect == "postgresql":
            query = query.with_for_update()
        return session.scalars(query).first()

    def _finish(self, claim: Claim, result: Any, stats: RunStats, handler: Handler | None) -> None:
        with self.db.transaction() as session:
            message = self._owned(session, claim)
            if message is None:
                # Our lease expired and someone else has it: their outcome will count.
                stats.lost_lease += 1
                return
            now = utcnow()
            if handler is not None:
                handler.complete(session, message, result)
            message.status = "done"
            message.completed_at = now
            message.attempts += 1
            message.last_error = None
            message.lease_owner = message.lease_token = None
            message.lease_expires_at = None
            breaker.record_success(session, message.destination)
        stats.done += 1

    def _fail(self, claim: Claim, error: Exception, stats: RunStats) -> None:
        with self.db.transaction() as session:
            message = self._owned(session, claim)
            if message is None:
                stats.lost_lease += 1
                return
            now = utcnow()
            policy = self.policies[message.topic]
            message.attempts += 1
            message.last_error = str(error)[:2000]
            message.last_status_code = getattr(error, "status", None)
            message.lease_owner = message.lease_token = None
            message.lease_expires_at = None
            too_old = (now - message.created_at).total_seconds() > policy.max_age_s
            retriable = isinstance(error, RetriableError)
            if retriable and getattr(error, "counts_against_destination", True):
                breaker.record_failure(
                    session, message.destination, now, str(error), policy.breaker
                )
            elif getattr(error, "status", None) is not None:
                # The destination answered (a 4xx, a ticket not made yet): it is up.
                breaker.record_success(session, message.destination)
            if retriable and message.attempts < policy.max_attempts and not too_old:
                delay = backoff_delay(policy, message.attempts - 1, error.retry_after)
                message.next_attempt_at = now + timedelta(seconds=delay)
                stats.retried += 1
                log.warning(
                    "outbox %s %s attempt %d failed, retry in %.1fs: %s",
                    message.topic, message.id, message.attempts, delay, error,
                )
                return
            message.status = "dead"
            message.dead_at = now
            handler = self.handlers.get(message.topic)
            if handler is not None:
                handler.dead(session, message, str(error))
            stats.dead += 1
            log.error("outbox %s %s dead-lettered: %s", message.topic, message.id, error)


def dead_letter(session: Session, message: OutboxMessage, reason: str) -> None:
    """Move a pending message to the dead letters without trying it (e.g. its target is gone)."""
    message.status = "dead"
    message.dead_at = utcnow()
    message.last_error = reason[:2000]
    message.lease_owner = message.lease_token = None
    message.lease_expires_at = None


def replay(session: Session, message: OutboxMessage) -> None:
    """Put a dead letter back in the queue, due now, with a fresh attempt count."""
    # One implementation, shared with the admin API (which may not import sync).
    from app.models.outbox import replay as replay_dead_letter

    replay_dead_letter(session, message)
