"""The outbox and its dead letters: depth, listing, replay (admin actions)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.admin.paging import MAX_ROW_ID, Page, newest_first_page
from app.clock import as_utc, utcnow
from app.errors import Problem
from app.models import OutboxMessage
from app.models.outbox import OUTBOX_STATES, backlog, replay

LAST_ERRORS = 3


def outbox_stats(session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Depth, oldest age and the last errors per topic and state (pending and dead)."""
    now = now or utcnow()
    rows = backlog(session)
    stats = []
    for topic, state, depth, oldest in rows:
        errors = session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.last_error,
                OutboxMessage.last_status_code,
                OutboxMessage.attempts,
                OutboxMessage.updated_at,
            )
            .where(
                OutboxMessage.topic == topic,
                OutboxMessage.status == state,
                OutboxMessage.last_error.is_not(None),
            )
            .order_by(OutboxMessage.created_at.desc())
            .limit(LAST_ERRORS)
        ).all()
        stats.append(
            {
                "topic": topic,
                "state": state,
                "depth": depth,
                "oldest_age_seconds": round((now - as_utc(oldest)).total_seconds(), 3)
                if oldest is not None
                else None,
                "last_errors": [
                    {
                        "id": e.id,
                        "error": e.last_error,
                        "status_code": e.last_status_code,
                        "attempts": e.attempts,
                        "at": as_utc(e.updated_at),
                    }
                    for e in errors
                ],
            }
        )
    return stats


def list_messages(
    session: Session,
    *,
    state: str | None = None,
    topic: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Outbox messages, newest first, filtered by state and topic."""
    if state is not None and state not in OUTBOX_STATES:
        raise Problem(422, "Validation failed", f"Unknown state {state!r}.",
                      slug="validation-error", errors={"state": ["Unknown state."]})
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if state:
        query = query.where(OutboxMessage.status == state)
    if topic:
        query = query.where(OutboxMessage.topic == topic)
    return newest_first_page(session, query, OutboxMessage, cursor, limit)


def replay_dead_letters(
    session: Session, actor: str, message_ids: Sequence[int]
) -> list[OutboxMessage]:
    """Put dead messages back in the queue: all of them, or (on any bad id) none."""
    wanted = list(dict.fromkeys(message_ids))
    if not wanted:
        raise Problem(422, "Validation failed", "Give at least one message id.",
                      slug="validation-error", errors={"ids": ["At least one id."]})
    # An id beyond the key's range names no message (and the database would refuse it).
    possible = [i for i in wanted if 0 < i <= MAX_ROW_ID]
    found = {
        m.id: m
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(possible)))
    }
    missing = [i for i in wanted if i not in found]
    if missing:
        listed = ", ".join(str(i) for i in missing)
        raise Problem(404, "Not found", f"No outbox message {listed}.", slug="not-found")
    not_dead = [i for i in wanted if found[i].status != "dead"]
    if not_dead:
        listed = ", ".join(f"{i} ({found[i].status})" for i in not_dead)
        raise Problem(409, "Conflict", f"Only dead letters can be replayed: {listed}.",
                      slug="not-dead-lettered")
    replayed = []
    for message_id in wanted:
        message = found[message_id]
        audit.record(
            session, actor, "outbox.replay", "outbox_message", str(message.id),
            {"topic": message.topic, "attempts": message.attempts,
             "last_error": message.last_error},
        )
        replay(session, message)
        replayed.append(message)
    session.flush()
    return replayed
