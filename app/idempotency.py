"""`Idempotency-Key` (IETF httpapi draft): the first response to a key is replayed.

A record is written in the same transaction as the work it describes, so a stored response
always describes committed work. While the first request with a key is still running, a twin
on PostgreSQL is told so (409) through a transaction-scoped advisory lock; on SQLite, writers
are serialized (BEGIN IMMEDIATE) and a twin simply waits and then replays.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.errors import Problem
from app.models import IdempotencyRecord
from app.models.records import delete_expired_idempotency

HEADER = "Idempotency-Key"
# The contract promises at least 24 hours.
RETENTION = timedelta(hours=24)
# Visible ASCII without quotes or backslashes (a structured-field string's safe subset).
_KEY = re.compile(r'^[\x20\x21\x23-\x5b\x5d-\x7e]{1,255}$')
# One request in this many also purges a batch of expired records.
PURGE_ONE_IN = 200


@dataclass(frozen=True)
class StoredResponse:
    """A response as first sent for a key."""

    status: int
    body: str
    headers: dict[str, str]


def request_key() -> str | None:
    """The request's `Idempotency-Key`, or None; a malformed one is a 400 problem."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    # The draft makes the value a structured-field string ("…"); bare tokens are common too.
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not _KEY.match(key):
        raise Problem(
            400,
            "Bad Idempotency-Key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters "
            "(a UUID is a good choice).",
            slug="bad-idempotency-key",
        )
    return key


def fingerprint(method: str, path: str, content: str) -> str:
    """What makes two requests with the same key "the same request"."""
    return hashlib.sha256(f"{method} {path}\n{content}".encode()).hexdigest()


def claim(session: Session, scope: str, key: str, request_hash: str) -> StoredResponse | None:
    """The stored response to replay, or None when this request is the first with `key`.

    Raises a 422 problem when the key was used for a different request, and a 409 problem
    when the first request with the key is still being processed.
    """
    stored = _lookup(session, scope, key, request_hash)
    if stored is not None:
        return stored
    if session.get_bind().dialect.name == "postgresql":
        lock = session.scalar(select(func.pg_try_advisory_xact_lock(_lock_id(scope, key))))
        if not lock:
            raise Problem(
                409,
                "Request in progress",
                "A request with this Idempotency-Key is still being processed; "
                "retry shortly to get its response.",
                slug="idempotency-in-progress",
                headers={"Retry-After": "1"},
            )
        # The holder may have committed between our lookup and our lock.
        return _lookup(session, scope, key, request_hash)
    return None


def remember(
    session: Session,
    scope: str,
    key: str,
    request_hash: str,
    response: StoredResponse,
    *,
    now: datetime | None = None,
) -> None:
    """Store the response for `key` in the caller's transaction (never commits)."""
    now = now or utcnow()
    session.add(
        IdempotencyRecord(
            scope=scope,
            key=key,
            method=request.method,
            path=request.path[:255],
            request_hash=request_hash,
            state="completed",
            response_status=response.status,
            response_body=response.body,
            response_headers=response.headers,
            created_at=now,
            expires_at=now + RETENTION,
        )
    )
    if random.randrange(PURGE_ONE_IN) == 0:  # noqa: S311 - not security relevant
        # One batch, in this request's transaction; the worker's housekeeping does the rest.
        delete_expired_idempotency(session, now=now)


def replay_headers(stored: StoredResponse) -> dict[str, Any]:
    """Headers of a replayed response: the stored ones, marked as a replay."""
    return {**stored.headers, "Idempotent-Replayed": "true"}


def _lookup(
    session: Session, scope: str, key: str, request_hash: str
) -> StoredResponse | None:
    record = session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    ).first()
    if record is None:
        return None
    if record.expires_at <= utcnow():
        # Expired: the key is free again.
        session.delete(record)
        session.flush()
        return None
    if record.request_hash != request_hash:
        raise Problem(
            422,
            "Idempotency-Key reused",
            "This Idempotency-Key was already used for a different request; "
            "use a new key for new content.",
            slug="idempotency-key-reused",
        )
    if record.state != "completed" or record.response_status is None:
        raise Problem(409, "Request in progress", slug="idempotency-in-progress",
                      headers={"Retry-After": "1"})
    return StoredResponse(
        record.response_status, record.response_body or "", dict(record.response_headers or {})
    )


def _lock_id(scope: str, key: str) -> int:
    digest = hashlib.sha256(f"idempotency\n{scope}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
