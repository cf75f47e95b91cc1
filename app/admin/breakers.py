"""The circuit breakers as an integrator sees and operates them: list, and reset by hand.

The breaker itself is app/breaker.py (docs/OPERATIONS.md#circuit-breakers); resetting one
is an admin action like any other, audited in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app import audit, breaker
from app.clock import utcnow
from app.errors import Problem


def list_breakers(session: Session, settings: Any) -> list[dict[str, Any]]:
    """Every destination's breaker: state, window figures, next probe, pause."""
    return breaker.all_breakers(session, utcnow(), settings)


def reset_breaker(session: Session, settings: Any, actor: str,
                  destination: str) -> dict[str, Any]:
    """Close `destination`'s breaker (window emptied, pause lifted), audited; its new state."""
    now = utcnow()
    policy = breaker.policy_for_destination(settings, destination)
    before = breaker.reset(session, destination, now, policy)
    if before is None:
        raise Problem(404, "Not found", f"No circuit breaker for destination {destination!r}.",
                      slug="not-found")
    audit.record(session, actor, "breaker.reset", "circuit_breaker", destination,
                 {"state": before["state"], "window": before["window"],
                  "next_probe_at": before["next_probe_at"],
                  "paused_until": before["paused_until"]})
    session.flush()
    after = next(b for b in breaker.all_breakers(session, now, settings)
                 if b["destination"] == destination)
    return after
