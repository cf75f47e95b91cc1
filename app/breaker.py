"""A failure-rate circuit breaker per destination, kept in the database so every worker shares it.

It reacts to a destination that is down, not to one that is degraded
(docs/OPERATIONS.md#circuit-breakers):

closed: calls flow. Each worker tallies its outcomes per destination and adds them to the
breaker row's sliding window — a ring of per-bucket counts (`window`: [bucket, ok, failed]
triples covering `window_s`). Once the window holds at least `min_calls` calls and the failed
share reaches `failure_rate`, the breaker opens.
open: nobody calls the destination until `next_probe_at` (the cool-down: `cooldown_s`,
doubling with each reopening, capped at `max_cooldown_s`).
half_open: workers take trial permits (`trials_taken`, at most `trial_calls` per round) and
report each trial's outcome; the breaker closes as soon as the trials' failure rate can no
longer reach `failure_rate`, and reopens as soon as it has. A round whose trials have not all
come back by `next_probe_at` (`probe_timeout_s` after it began — a worker was killed holding
a permit) gives its outstanding permits out again, so nobody keeps it half-open longer.
Paused: a 429 or 503 with Retry-After sets `paused_until`; nobody calls until then, and the
answer counts neither for nor against the destination.

Contention: a worker writes the row at most once per `flush_s` while its calls succeed, and at
once when one fails or a trial ends; each write is one locked read-modify-write of one row.
Every transition is a structured log line (destination, window figures, next probe time).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import as_utc
from app.models import CircuitBreaker

log = logging.getLogger(__name__)

STATES = ("closed", "half_open", "open")


@dataclass(frozen=True)
class BreakerPolicy:
    """A destination's thresholds; the defaults are the CRM's
    (docs/OPERATIONS.md#circuit-breakers)."""

    failure_rate: float = 0.5
    window_s: float = 30.0
    buckets: int = 10
    min_calls: int = 20
    cooldown_s: float = 10.0
    max_cooldown_s: float = 60.0
    trial_calls: int = 5
    probe_timeout_s: float = 30.0
    # A Retry-After longer than this pauses only this long (a hostile or mistaken header).
    max_pause_s: float = 600.0

    @property
    def bucket_s(self) -> float:
        return self.window_s / self.buckets


# --- the window ----------------------------------------------------------------------------


def policy_from_settings(settings: Any, prefix: str) -> BreakerPolicy:
    """A policy from the JEMBATAN_<prefix>_BREAKER_* settings (prefix: CRM or WEBHOOK)."""
    def setting(name: str) -> Any:
        return getattr(settings, f"{prefix}_BREAKER_{name}")

    return BreakerPolicy(
        failure_rate=setting("FAILURE_RATE"), window_s=setting("WINDOW_S"),
        min_calls=setting("MIN_CALLS"), cooldown_s=setting("COOLDOWN_S"),
        max_cooldown_s=max(setting("MAX_COOLDOWN_S"), setting("COOLDOWN_S")),
        trial_calls=setting("TRIAL_CALLS"), probe_timeout_s=setting("PROBE_TIMEOUT_S"),
    )


def webhook_policy(settings: Any) -> BreakerPolicy:
    """A webhook subscriber's policy: its settings, and never a longer wait than a retry's
    (JEMBATAN_WEBHOOK_RETRY_MAX_S)."""
    base = policy_from_settings(settings, "WEBHOOK")
    cap = settings.WEBHOOK_RETRY_MAX_S
    return replace(base, cooldown_s=min(base.cooldown_s, cap),
                   max_cooldown_s=min(base.max_cooldown_s, cap))


def policy_for_destination(settings: Any, destination: str) -> BreakerPolicy:
    """The policy a destination's breaker follows: the CRM's, a webhook subscriber's, or the
    defaults (posko feeds). The worker's topics and the admin's view both read it here."""
    if destination == "crm":
        return policy_from_settings(settings, "CRM")
    if destination.startswith("webhook:"):
        return webhook_policy(settings)
    return BreakerPolicy()


def _bucket(now: datetime, policy: BreakerPolicy) -> int:
    return math.floor(as_utc(now).timestamp() / policy.bucket_s)


def _live(window: Any, now: datetime, policy: BreakerPolicy) -> list[list[int]]:
    """The window's buckets still inside it (the ring without what slid out)."""
    oldest = _bucket(now, policy) - policy.buckets + 1
    return [list(entry) for entry in (window or []) if entry[0] >= oldest]


def add_to_window(window: Any, now: datetime, policy: BreakerPolicy, ok: int,
                  failed: int) -> list[list[int]]:
    """The ring after adding calls at `now`: buckets that slid out dropped, the current one
    added to (or started)."""
    live = _live(window, now, policy)
    current = _bucket(now, policy)
    if live and live[-1][0] == current:
        live[-1][1] += ok
        live[-1][2] += failed
    else:
        live.append([current, ok, failed])
    return live


def window_figures(breaker: CircuitBreaker, now: datetime,
                   policy: BreakerPolicy | None = None) -> dict[str, Any]:
    """Calls, failures and failure rate over the window, as of `now`."""
    policy = policy or BreakerPolicy()
    live = _live(breaker.window, now, policy)
    calls = sum(ok + failed for _, ok, failed in live)
    failures = sum(failed for _, _, failed in live)
    return {
        "calls": calls, "failures": failures,
        "failure_rate": round(failures / calls, 3) if calls else 0.0,
    }


def describe(breaker: CircuitBreaker, now: datetime,
             policy: BreakerPolicy | None = None) -> dict[str, Any]:
    """A breaker as operators see it (stats, admin API, readiness)."""
    paused = breaker.paused_until is not None and as_utc(breaker.paused_until) > now
    return {
        "destination": breaker.destination,
        "state": breaker.state,
        "window": window_figures(breaker, now, policy),
        "opened_at": _iso(breaker.opened_at),
        "next_probe_at": _iso(breaker.next_probe_at),
        "trials": {"taken": breaker.trials_taken or 0, "ok": breaker.trials_ok or 0,
                   "failed": breaker.trials_failed or 0},
        "paused_until": _iso(breaker.paused_until) if paused else None,
        "last_error": breaker.last_error,
    }


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _transition(breaker: CircuitBreaker, to: str, now: datetime, policy: BreakerPolicy,
                reason: str, **more: Any) -> None:
    """Change state and say so in one structured line."""
    before = breaker.state
    figures = window_figures(breaker, now, policy)
    breaker.state = to
    log.warning(
        "breaker %s: %s -> %s (%s; window %d calls, %d failed; next probe %s)",
        breaker.destination, before, to, reason, figures["calls"], figures["failures"],
        _iso(breaker.next_probe_at) or "-",
        extra={
            "event": "breaker_transition", "destination": breaker.destination,
            "from_state": before, "to_state": to, "reason": reason,
            "window_calls": figures["calls"], "window_failures": figures["failures"],
            "window_failure_rate": figures["failure_rate"],
            "trials_ok": breaker.trials_ok or 0, "trials_failed": breaker.trials_failed or 0,
            "next_probe_at": _iso(breaker.next_probe_at), **more,
        },
    )


def _cooldown(trips: int, policy: BreakerPolicy) -> float:
    return min(policy.max_cooldown_s, policy.cooldown_s * (2 ** min(max(trips - 1, 0), 16)))


def _open(breaker: CircuitBreaker, now: datetime, policy: BreakerPolicy, reason: str) -> None:
    breaker.trips = (breaker.trips or 0) + 1
    cooldown = _cooldown(breaker.trips, policy)
    if breaker.state == "closed":
        breaker.opened_at = now
    breaker.next_probe_at = now + timedelta(seconds=cooldown)
    breaker.probe_owner = None
    _transition(breaker, "open", now, policy, reason, cooldown_s=cooldown)
    breaker.window = []
    breaker.trials_taken = breaker.trials_ok = breaker.trials_failed = 0


def _close(breaker: CircuitBreaker, now: datetime, policy: BreakerPolicy, reason: str) -> None:
    breaker.next_probe_at = None
    _transition(breaker, "closed", now, policy, reason)
    breaker.trips = 0
    breaker.opened_at = None
    breaker.probe_owner = None
    breaker.last_error = None
    breaker.consecutive_failures = 0
    breaker.window = []
    breaker.trials_taken = breaker.trials_ok = breaker.trials_failed = 0


# --- the row -------------------------------------------------------------------------------


def _locked(session: Session, destination: str) -> CircuitBreaker:
    """The destination's row, created if missing, locked for this transaction (PostgreSQL)."""
    query = select(CircuitBreaker).where(CircuitBreaker.destination == destination)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    breaker = session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if breaker is not None:
        return breaker
    try:
        with session.begin_nested():
            session.add(CircuitBreaker(destination=destination, state="closed",
                                       consecutive_failures=0, window=[], trips=0,
                                       trials_taken=0, trials_ok=0, trials_failed=0))
            session.flush()
    except IntegrityError:
        pass
    return session.scalars(query.execution_options(populate_existing=True)).one()


@dataclass
class Tally:
    """Outcomes a worker saw since it last wrote them: window calls and trial calls."""

    ok: int = 0
    failed: int = 0
    trial_ok: int = 0
    trial_failed: int = 0
    last_error: str | None = None
    pause_s: float | None = None

    def empty(self) -> bool:
        return not (self.ok or self.failed or self.trial_ok or self.trial_failed
                    or self.pause_s is not None)

    def urgent(self) -> bool:
        """Worth writing at once: a failure, a trial's end or a pause may change the state."""
        return bool(self.failed or self.trial_ok or self.trial_failed or self.pause_s is not None)


def record(session: Session, destination: str, tally: Tally, now: datetime,
           policy: BreakerPolicy | None = None) -> str:
    """Add a worker's tally to the destination's breaker (caller's transaction); its state."""
    policy = policy or BreakerPolicy()
    breaker = _locked(session, destination)
    if tally.last_error:
        breaker.last_error = tally.last_error[:500]
    if tally.pause_s is not None:
        pause = min(tally.pause_s, policy.max_pause_s)
        until = now + timedelta(seconds=pause)
        if breaker.paused_until is None or as_utc(breaker.paused_until) < until:
            breaker.paused_until = until
            log.warning(
                "breaker %s: paused %.0fs (Retry-After)", destination, pause,
                extra={"event": "breaker_pause", "destination": destination,
                       "paused_until": _iso(until)},
            )
    if tally.ok or tally.failed:
        breaker.window = add_to_window(breaker.window, now, policy, tally.ok, tally.failed)
        breaker.consecutive_failures = sum(failed for _, _, failed in breaker.window)
        if breaker.state == "closed":
            figures = window_figures(breaker, now, policy)
            if (figures["calls"] >= policy.min_calls
                    and figures["failures"] >= policy.failure_rate * figures["calls"]):
                _open(breaker, now, policy, "failure rate over the window")
    if breaker.state == "half_open" and (tally.trial_ok or tally.trial_failed):
        breaker.trials_ok = (breaker.trials_ok or 0) + tally.trial_ok
        breaker.trials_failed = (breaker.trials_failed or 0) + tally.trial_failed
        # Reopen once the failures alone reach the rate over a full round; close once they
        # no longer can, whatever the round's remaining trials do.
        needed_failures = max(1, math.ceil(policy.failure_rate * policy.trial_calls))
        if breaker.trials_failed >= needed_failures:
            _open(breaker, now, policy, "trial calls failed")
        elif breaker.trials_ok > policy.trial_calls - needed_failures:
            _close(breaker, now, policy, "trial calls succeeded")
    return breaker.state


def take_trials(session: Session, now: datetime, owner: str,
                policy_for: Callable[[str], BreakerPolicy],
                relevant: Callable[[str], bool] = lambda destination: True,
                ) -> tuple[set[str], dict[str, int]]:
    """At claim time (caller's transaction): (destinations nobody may call now, trial permits
    this worker took per destination). Moves due open breakers to half_open and starts a new
    round for a half-open one whose probe timed out."""
    rows = session.scalars(
        select(CircuitBreaker).where(
            (CircuitBreaker.state != "closed") | (CircuitBreaker.paused_until > now)
        )
    ).all()
    blocked: set[str] = set()
    permits: dict[str, int] = {}
    for row in rows:
        if row.paused_until is not None and as_utc(row.paused_until) > now:
            blocked.add(row.destination)
            continue
        if row.state == "closed":
            continue
        if not relevant(row.destination):
            blocked.add(row.destination)  # another topic's claims take its trials
            continue
        policy = policy_for(row.destination)
        due = row.next_probe_at is not None and as_utc(row.next_probe_at) <= now
        free = policy.trial_calls - (row.trials_taken or 0)
        if row.state == "open" and not due:
            blocked.add(row.destination)
            continue
        if row.state == "half_open" and not due and free <= 0:
            blocked.add(row.destination)
            continue
        taken = _take(session, row.destination, now, owner, policy)
        if taken:
            permits[row.destination] = taken
        else:
            blocked.add(row.destination)
    return blocked, permits


def _take(session: Session, destination: str, now: datetime, owner: str,
          policy: BreakerPolicy) -> int:
    breaker = _locked(session, destination)
    due = breaker.next_probe_at is not None and as_utc(breaker.next_probe_at) <= now
    if breaker.state == "open" and due:
        breaker.trials_taken = breaker.trials_ok = breaker.trials_failed = 0
        breaker.next_probe_at = now + timedelta(seconds=policy.probe_timeout_s)
        _transition(breaker, "half_open", now, policy, "cool-down over",
                    trial_calls=policy.trial_calls)
    elif breaker.state == "half_open" and due:
        # Trials taken but never reported (their worker died): give them out again.
        outstanding = (breaker.trials_taken or 0) - (breaker.trials_ok or 0) - (
            breaker.trials_failed or 0)
        breaker.trials_taken = (breaker.trials_ok or 0) + (breaker.trials_failed or 0)
        breaker.next_probe_at = now + timedelta(seconds=policy.probe_timeout_s)
        log.warning(
            "breaker %s: %d trial calls timed out, offered again", destination, outstanding,
            extra={"event": "breaker_probe_timeout", "destination": destination,
                   "outstanding": outstanding, "next_probe_at": _iso(breaker.next_probe_at)},
        )
    if breaker.state != "half_open":
        return 0
    free = policy.trial_calls - (breaker.trials_taken or 0)
    if free <= 0:
        return 0
    breaker.trials_taken = (breaker.trials_taken or 0) + free
    breaker.probe_owner = owner
    return free


def give_back(session: Session, unused: dict[str, int]) -> None:
    """Return trial permits a claim took but found no message for (caller's transaction)."""
    for destination, count in unused.items():
        if count <= 0:
            continue
        breaker = _locked(session, destination)
        if breaker.state == "half_open":
            breaker.trials_taken = max(
                (breaker.trials_ok or 0) + (breaker.trials_failed or 0),
                (breaker.trials_taken or 0) - count,
            )


def reset(session: Session, destination: str, now: datetime,
          policy: BreakerPolicy | None = None) -> dict[str, Any] | None:
    """Close a breaker by hand, window emptied and pause lifted (caller's transaction, which
    also audits it); what it was before, or None if the destination has no breaker."""
    policy = policy or BreakerPolicy()
    if session.get(CircuitBreaker, destination) is None:
        return None
    breaker = _locked(session, destination)
    before = describe(breaker, now, policy)
    breaker.paused_until = None
    if breaker.state != "closed":
        _close(breaker, now, policy, "reset by hand")
    else:
        breaker.window = []
        breaker.consecutive_failures = 0
        breaker.trips = 0
    return before


def all_breakers(session: Session, now: datetime, settings: Any) -> list[dict[str, Any]]:
    """Every breaker, described with its own policy's window (stats, admin API, metrics)."""
    rows = session.scalars(select(CircuitBreaker).order_by(CircuitBreaker.destination)).all()
    return [describe(row, now, policy_for_destination(settings, row.destination))
            for row in rows]


class Tallies:
    """A worker's unwritten outcomes per destination, written when urgent or every flush_s."""

    def __init__(self, flush_s: float = 1.0) -> None:
        self.flush_s = flush_s
        self.pending: dict[str, Tally] = {}
        self.written_at: dict[str, float] = {}

    def add(self, destination: str) -> Tally:
        return self.pending.setdefault(destination, Tally())

    def due(self, force: bool = False) -> Iterable[tuple[str, Tally]]:
        """The tallies to write now (taken out of the pending set)."""
        clock = time.monotonic()
        for destination in sorted(self.pending):
            tally = self.pending[destination]
            if tally.empty():
                continue
            if force or tally.urgent() or clock - self.written_at.get(destination, 0) >= (
                    self.flush_s):
                self.written_at[destination] = clock
                del self.pending[destination]
                yield destination, tally

    def put_back(self, destination: str, tally: Tally) -> None:
        """A tally whose write failed: count it with the next one."""
        mine = self.add(destination)
        mine.ok += tally.ok
        mine.failed += tally.failed
        mine.trial_ok += tally.trial_ok
        mine.trial_failed += tally.trial_failed
        mine.last_error = mine.last_error or tally.last_error
        if tally.pause_s is not None:
            mine.pause_s = max(mine.pause_s or 0.0, tally.pause_s)
