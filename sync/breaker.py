"""A circuit breaker per destination, kept in the database so every worker shares it.

closed: calls flow. After `threshold` consecutive failures that count against the destination
it opens: nobody calls it until `next_probe_at`. Then one worker takes the probe (half_open);
a success closes the breaker, a failure opens it again for longer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import CircuitBreaker


@dataclass(frozen=True)
class BreakerPolicy:
    threshold: int = 5
    cooldown_s: float = 15.0
    max_cooldown_s: float = 300.0
    probe_timeout_s: float = 60.0


def blocked_destinations(
    session: Session, now: datetime, owner: str, *, probe_timeout_s: float | None = None
) -> tuple[set[str], set[str]]:
    """(destinations nobody may call now, destinations whose probe `owner` holds)."""
    rows = session.scalars(
        select(CircuitBreaker).where(CircuitBreaker.state.in_(("open", "half_open")))
    ).all()
    blocked: set[str] = set()
    probes: set[str] = set()
    for breaker in rows:
        probe_due = breaker.next_probe_at is not None and breaker.next_probe_at <= now
        if probe_due and _take_probe(session, breaker.destination, now, owner, probe_timeout_s):
            probes.add(breaker.destination)
        elif breaker.state == "half_open" and breaker.probe_owner == owner:
            probes.add(breaker.destination)
        else:
            blocked.add(breaker.destination)
    return blocked, probes


def _take_probe(
    session: Session, destination: str, now: datetime, owner: str,
    probe_timeout_s: float | None = None,
) -> bool:
    timeout_s = BreakerPolicy().probe_timeout_s if probe_timeout_s is None else probe_timeout_s
    result = session.execute(
        update(CircuitBreaker)
        .where(
            CircuitBreaker.destination == destination,
            CircuitBreaker.state.in_(("open", "half_open")),
            or_(CircuitBreaker.next_probe_at.is_(None), CircuitBreaker.next_probe_at <= now),
        )
        .values(
            state="half_open",
            probe_owner=owner,
            next_probe_at=now + timedelta(seconds=timeout_s),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _row(session: Session, destination: str) -> CircuitBreaker:
    breaker = session.get(CircuitBreaker, destination)
    if breaker is not None:
        return breaker
    try:
        with session.begin_nested():
            breaker = CircuitBreaker(destination=destination, state="closed",
                                     consecutive_failures=0)
            session.add(breaker)
            session.flush()
    except IntegrityError:
        breaker = session.get(CircuitBreaker, destination)
        assert breaker is not None
    return breaker


def record_success(session: Session, destination: str) -> None:
    """The destination answered: close its breaker (one UPDATE, a no-op when closed)."""
    session.execute(
        update(CircuitBreaker)
        .where(
            CircuitBreaker.destination == destination,
            or_(CircuitBreaker.state != "closed", CircuitBreaker.consecutive_failures != 0),
        )
        .values(
            state="closed", consecutive_failures=0, opened_at=None, next_probe_at=None,
            probe_owner=None, last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    # A breaker this session already holds is now stale: read it again if used later.
    held = session.identity_map.get(session.identity_key(CircuitBreaker, destination))
    if held is not None:
        session.expire(held)


def record_failure(
    session: Session, destination: str, now: datetime, error: str,
    policy: BreakerPolicy | None = None,
) -> bool:
    """Count a failure that the destination is to blame for; True if the breaker is open."""
    policy = policy or BreakerPolicy()
    breaker = _row(session, destination)
    breaker.consecutive_failures = (breaker.consecutive_failures or 0) + 1
    breaker.last_error = error[:500]
    was_probe = breaker.state == "half_open"
    if was_probe or breaker.consecutive_failures >= policy.threshold:
        # Each failed probe doubles the wait, up to the cap.
        trips = max(0, breaker.consecutive_failures - policy.threshold)
        cooldown = min(policy.max_cooldown_s, policy.cooldown_s * (2 ** min(trips, 16)))
        if breaker.state == "closed":
            breaker.opened_at = now
        breaker.state = "open"
        breaker.probe_owner = None
        breaker.next_probe_at = now + timedelta(seconds=cooldown)
        return True
    return False
