"""Is the gateway healthy? One snapshot of everything an operator checks, and what needs
attention in it.

`gather_status(session, settings, limits)` reads the database only (no Flask, no CRM call), so
`jembatan status` and `GET /api/v1/admin/status` show the same thing, and a monitoring check
can run the command on any machine that reaches the database (docs/OPERATIONS.md#status).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import as_utc, utcnow
from app.models import (
    ApiKey,
    CircuitBreaker,
    Complaint,
    Faction,
    SyncCursor,
    WebhookSubscription,
)
from app.models.outbox import backlog

# The poller's stored watermarks (sync/poll.py): written only when a poll succeeded.
POLL_CURSORS = {"updates": "crm.updates.watermark", "requests": "crm.requests.position"}


@dataclass(frozen=True)
class Limits:
    """How old things may get before they need attention (seconds)."""

    max_poll_age_s: float = 600.0
    max_outbox_age_s: float = 900.0


def gather_status(
    session: Session, settings: Any, limits: Limits | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The gateway's state, and `attention`: one sentence per thing that needs a person
    (empty when healthy)."""
    limits = limits or Limits()
    now = now or utcnow()
    status = {
        "checked_at": now,
        "migrations": _migrations(session),
        "factions": _factions(session),
        "complaints": _complaints(session),
        "outbox": _outbox(session, now),
        "breakers": _breakers(session),
        **_sync(session, settings, now),
    }
    status["dead_letters"] = sum(topic["dead"] for topic in status["outbox"])
    status["attention"] = attention(status, settings, limits)
    status["healthy"] = not status["attention"]
    return status


def attention(status: dict[str, Any], settings: Any, limits: Limits) -> list[str]:
    """What in `status` needs a person: an open breaker, dead letters, an old poll, a stuck
    outbox, a schema behind the code."""
    found = []
    migrations = status["migrations"]
    if not migrations["ok"]:
        found.append(f"database schema at {migrations['current']}, code expects "
                     f"{migrations['head']} (run `jembatan db upgrade`)")
    for breaker in status["breakers"]:
        if breaker["state"] != "closed":
            found.append(f"breaker {breaker['destination']} is {breaker['state']}")
    if status["dead_letters"]:
        found.append(f"{status['dead_letters']} dead letter(s) (see `jembatan dlq list`)")
    if getattr(settings, "CRM_UPDATES_MODE", "updates") != "push":
        age = status["last_poll_age_seconds"]
        if age is None:
            found.append("no successful CRM poll yet (is a worker running?)")
        elif age > limits.max_poll_age_s:
            found.append(f"last successful CRM poll {age:.0f}s ago "
                         f"(limit {limits.max_poll_age_s:.0f}s)")
    for topic in status["outbox"]:
        age = topic["oldest_pending_age_seconds"]
        if age is not None and age > limits.max_outbox_age_s:
            found.append(f"outbox {topic['topic']}: oldest pending message {age:.0f}s old "
                         f"(limit {limits.max_outbox_age_s:.0f}s)")
    return found


def _age(now: datetime, then: datetime | None) -> float | None:
    return round((now - as_utc(then)).total_seconds(), 3) if then is not None else None


def _migrations(session: Session) -> dict[str, Any]:
    from app.migrate import current_revision, head_revision

    current, head = current_revision(session.connection()), head_revision()
    return {"current": current, "head": head, "ok": current == head}


def _factions(session: Session) -> list[dict[str, Any]]:
    keys = dict(
        session.execute(
            select(ApiKey.faction_id, func.count())
            .where(ApiKey.revoked_at.is_(None), ApiKey.faction_id.is_not(None))
            .group_by(ApiKey.faction_id)
        ).all()
    )
    hooks = {
        hook.faction_id: hook for hook in session.execute(select(WebhookSubscription)).scalars()
    }
    rows = []
    for faction in session.execute(select(Faction).order_by(Faction.code)).scalars():
        hook = hooks.get(faction.id)
        rows.append({
            "code": faction.code,
            "name": faction.name,
            "active": faction.active,
            "keys": keys.get(faction.id, 0),
            "webhook": None if hook is None else {
                "state": _webhook_state(hook),
                "consecutive_failures": hook.consecutive_failures,
                "last_success_at": as_utc(hook.last_success_at) if hook.last_success_at else None,
            },
        })
    return rows


def _webhook_state(hook: WebhookSubscription) -> str:
    if not hook.active:
        return "disabled"
    return "failing" if hook.consecutive_failures else "ok"


def _complaints(session: Session) -> dict[str, Any]:
    by_status = dict(
        session.execute(
            select(Complaint.status, func.count()).group_by(Complaint.status)
            .order_by(Complaint.status)
        ).all()
    )
    # Overdue in its one meaning (docs/API.md#overdue), as the API and the dashboard count it.
    overdue = session.execute(
        select(func.count()).select_from(Complaint).where(Complaint.is_overdue)
    ).scalar_one()
    return {"total": sum(by_status.values()), "by_status": by_status, "overdue": overdue}


def _outbox(session: Session, now: datetime) -> list[dict[str, Any]]:
    topics: dict[str, dict[str, Any]] = {}
    for topic, state, depth, oldest in backlog(session):
        entry = topics.setdefault(
            topic, {"topic": topic, "pending": 0, "oldest_pending_age_seconds": None, "dead": 0}
        )
        if state == "pending":
            entry["pending"] = depth
            entry["oldest_pending_age_seconds"] = _age(now, oldest)
        else:
            entry["dead"] = depth
    return [topics[name] for name in sorted(topics)]


def _breakers(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "destination": b.destination,
            "state": b.state,
            "consecutive_failures": b.consecutive_failures,
            "opened_at": as_utc(b.opened_at) if b.opened_at else None,
            "next_probe_at": as_utc(b.next_probe_at) if b.next_probe_at else None,
        }
        for b in session.execute(
            select(CircuitBreaker).order_by(CircuitBreaker.destination)
        ).scalars()
    ]


def _sync(session: Session, settings: Any, now: datetime) -> dict[str, Any]:
    mode = getattr(settings, "CRM_UPDATES_MODE", "updates")
    last_poll = None
    if mode in POLL_CURSORS:
        last_poll = session.execute(
            select(SyncCursor.updated_at).where(SyncCursor.name == POLL_CURSORS[mode])
        ).scalar_one_or_none()
    last_forward = session.execute(select(func.max(Complaint.forwarded_at))).scalar_one()
    return {
        "updates_mode": mode,
        "last_poll_at": as_utc(last_poll) if last_poll else None,
        "last_poll_age_seconds": _age(now, last_poll),
        "last_forward_at": as_utc(last_forward) if last_forward else None,
    }
