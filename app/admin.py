"""Administrative actions, shared by the admin API and the `jembatan` CLI.

Each action works inside the caller's transaction and adds its audit entry there, so the
change and its record commit together or not at all. Bad input raises `Problem` before
anything changes (the CLI shows its detail; the API renders it as problem+json).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import IssuedKey, issue_key
from app.clock import as_utc, utcnow
from app.errors import Problem
from app.factions import find_faction
from app.lifecycle import STATUSES, status_label
from app.models import (
    ApiKey,
    AuditEntry,
    Complaint,
    Faction,
    OutboxMessage,
    WebhookSubscription,
)
from app.models.outbox import OUTBOX_STATES, replay

MAX_LIMIT = 200
# The largest row id (the tables' integer keys): a larger number names no row.
MAX_ROW_ID = 2**31 - 1
LAST_ERRORS = 3


# --- cursors ---------------------------------------------------------------------------


def encode_cursor(*values: Any) -> str:
    """An opaque keyset cursor for the next page."""
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[str]:
    """The values of a cursor made by `encode_cursor`; a 422 problem when it is not one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError("wrong arity")
        return [str(v) for v in values]
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc


def _cursor_row_id(text: str) -> int:
    """The row id in a cursor: ASCII digits within the id range, or a 422 problem."""
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ROW_ID:
        raise _bad_cursor()
    return int(text)


def _bad_cursor() -> Problem:
    return Problem(
        422,
        "Validation failed",
        "The cursor is not one this API returned.",
        slug="validation-error",
        errors={"cursor": ["Not a valid cursor."]},
    )


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


# --- factions --------------------------------------------------------------------------


def _faction_or_404(session: Session, code: str) -> Faction:
    faction = find_faction(session, code)
    if faction is None:
        raise Problem(404, "Not found", f"There is no faction {code.upper()}.", slug="not-found")
    return faction


def list_factions(session: Session) -> list[Faction]:
    """Every faction, by code."""
    return list(session.scalars(select(Faction).order_by(Faction.code)))


def add_faction(session: Session, actor: str, code: str, name: str) -> Faction:
    """Add an active faction; 409 when the code is taken."""
    code = code.strip().upper()
    if find_faction(session, code) is not None:
        raise Problem(409, "Conflict", f"Faction {code} already exists.", slug="conflict")
    faction = Faction(code=code, name=name.strip(), active=True)
    session.add(faction)
    session.flush()
    audit.record(session, actor, "faction.add", "faction", code, {"name": faction.name})
    return faction


def set_faction_active(
    session: Session, actor: str, code: str, active: bool, reason: str | None = None
) -> Faction:
    """Enable or disable a faction's intake (its complaints keep syncing either way)."""
    faction = _faction_or_404(session, code)
    was_active = faction.active
    faction.active = active
    faction.disabled_reason = None if active else reason
    action = "faction.enable" if active else "faction.disable"
    audit.record(
        session, actor, action, "faction", faction.code,
        {"reason": reason, "was_active": was_active},
    )
    session.flush()
    return faction


# --- keys ------------------------------------------------------------------------------


def issue_api_key(
    session: Session,
    actor: str,
    role: str,
    faction_code: str | None = None,
    label: str | None = None,
) -> IssuedKey:
    """Issue a key; the full key exists only in the returned value."""
    if role not in ("faction", "admin", "crm"):
        raise Problem(422, "Validation failed", f"Unknown role {role!r}.",
                      slug="validation-error", errors={"role": ["Must be faction, admin or crm."]})
    if role == "faction" and not faction_code:
        raise Problem(422, "Validation failed", "A faction key needs a faction.",
                      slug="validation-error", errors={"faction": ["Required for role faction."]})
    if role != "faction" and faction_code:
        raise Problem(422, "Validation failed", "Only a faction key has a faction.",
                      slug="validation-error", errors={"faction": ["Only for role faction."]})
    faction = _faction_or_404(session, faction_code) if faction_code else None
    issued = issue_key(session, role, faction, label)
    session.flush()
    audit.record(
        session, actor, "key.issue", "api_key", issued.key_id,
        {"role": role, "faction": issued.faction_code, "label": label},
    )
    return issued


def list_keys(
    session: Session, faction_code: str | None = None, include_revoked: bool = True
) -> list[ApiKey]:
    """Keys (never their secrets), newest first."""
    query = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    if faction_code:
        query = query.where(ApiKey.faction_id == _faction_or_404(session, faction_code).id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(query))


def revoke_key(session: Session, actor: str, key_id: str) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing (and is not audited)."""
    api_key = session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).first()
    if api_key is None:
        raise Problem(404, "Not found", f"There is no key {key_id}.", slug="not-found")
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        audit.record(session, actor, "key.revoke", "api_key", key_id,
                     {"role": api_key.role,
                      "faction": api_key.faction.code if api_key.faction else None})
        session.flush()
    return api_key


# --- outbox and dead letters -----------------------------------------------------------


def outbox_stats(session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Depth, oldest age and the last errors per topic and state (pending and dead)."""
    now = now or utcnow()
    rows = session.execute(
        select(
            OutboxMessage.topic,
            OutboxMessage.status,
            func.count(),
            func.min(OutboxMessage.created_at),
        )
        .where(OutboxMessage.status.in_(("pending", "dead")))
        .group_by(OutboxMessage.topic, OutboxMessage.status)
        .order_by(OutboxMessage.topic, OutboxMessage.status)
    ).all()
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


def _newest_first_page(
    session: Session, query: Any, model: Any, cursor: str | None, limit: int
) -> Page:
    """One page of `query` by descending id, resuming after the cursor's row id."""
    if cursor:
        (last_id,) = decode_cursor(cursor, 1)
        query = query.where(model.id < _cursor_row_id(last_id))
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(session.scalars(query.limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page(rows[:limit], next_cursor)


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
    return _newest_first_page(session, query, OutboxMessage, cursor, limit)


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


# --- webhooks --------------------------------------------------------------------------


def list_webhooks(session: Session) -> list[WebhookSubscription]:
    """Every faction's webhook subscription, with why a disabled one was disabled."""
    return list(
        session.scalars(
            select(WebhookSubscription)
            .join(Faction, WebhookSubscription.faction_id == Faction.id)
            .order_by(Faction.code)
        )
    )


# --- complaints ------------------------------------------------------------------------


def list_complaints(
    session: Session,
    *,
    faction: str | None = None,
    status: str | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """All factions' complaints, oldest update first, keyset-paginated on (updated_at, id)."""
    query = select(Complaint).order_by(Complaint.updated_at, Complaint.id)
    if faction:
        query = query.where(Complaint.faction_id == _faction_or_404(session, faction).id)
    if status:
        if status not in STATUSES:
            raise Problem(422, "Validation failed", f"Unknown status {status!r}.",
                          slug="validation-error", errors={"status": ["Unknown status."]})
        query = query.where(Complaint.status == status)
    if category:
        query = query.where(Complaint.category == category)
    if overdue is not None:
        query = query.where(Complaint.is_overdue if overdue else ~Complaint.is_overdue)
    if updated_since is not None:
        query = query.where(Complaint.updated_at >= updated_since)
    if cursor:
        stamp, last_id = decode_cursor(cursor, 2)
        try:
            after = as_utc(datetime.fromisoformat(stamp))
            after_id = uuid.UUID(last_id)
        except (ValueError, OverflowError) as exc:
            raise _bad_cursor() from exc
        query = query.where(
            or_(
                Complaint.updated_at > after,
                and_(Complaint.updated_at == after, Complaint.id > after_id),
            )
        )
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(session.scalars(query.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(as_utc(last.updated_at), last.id)
    return Page(rows[:limit], next_cursor)


def complaint_summary(complaint: Complaint) -> dict[str, Any]:
    """The admin's view of a complaint (no reporter data)."""
    fields = (
        "id", "tracking_code", "external_id", "source", "category", "title", "kelurahan_code",
        "visibility", "status", "seq", "crm_ticket_id", "agency", "due_at", "resolved_at",
        "reporter_erased_at", "created_at", "updated_at",
    )
    summary = {name: getattr(complaint, name) for name in fields}
    summary["faction"] = complaint.faction.code
    summary["status_label"] = status_label(complaint.status)
    summary["overdue"] = complaint.is_overdue
    return summary


# --- the audit log ---------------------------------------------------------------------


def list_audit(
    session: Session,
    *,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    actor: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Audit entries, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        # `faction.` matches every faction action; `faction.disable` only that one.
        if action.endswith("."):
            query = query.where(AuditEntry.action.startswith(action))
        else:
            query = query.where(AuditEntry.action == action)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    return _newest_first_page(session, query, AuditEntry, cursor, limit)
