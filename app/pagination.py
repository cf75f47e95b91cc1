"""Keyset pagination: one opaque cursor format and one error for a cursor no list returned.

Every list (the `/api/v1` complaint and event lists, the admin lists, the public `/aduan`
list and its exports) resumes after the last row it showed, never at an offset, so a page
costs the same at the millionth row as at the first. The cursor is URL-safe base64 (without
padding) of the JSON array `[kind, *values]`: `kind` names the ordering the values belong
to, so a cursor from one ordering is refused by another instead of skipping rows.

Nothing here knows HTTP: a bad cursor raises `BadCursor`, and each surface renders it in its
own envelope (problem+json 400 `/problems/bad-cursor` on `/api`, see app/errors.py; the
site's HTML 400 on the public pages).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from app.clock import as_utc

T = TypeVar("T")
CursorValue = str | int

# Orderings. A kind is the ordering, not the list: two lists in the same order may share one.
NEWEST_CREATED = "c"  # (created_at, id) descending: the complaint lists
OLDEST_UPDATED = "u"  # (updated_at, id) ascending: sync pulls with updated_since, admin list
EVENT_SEQ = "e"  # a complaint's status events by seq ascending
NEWEST_ID = "i"  # row id descending: outbox messages, dead letters, the audit log

# Row ids and event numbers are 32-bit integer columns: anything else names no row (and a
# larger number would overflow the database driver).
MAX_ROW_ID = 2**31 - 1


class BadCursor(ValueError):
    """A cursor that is not one a list returned: damaged, forged, or of another ordering."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the cursor of the next (None on the last page)."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(kind: str, *values: CursorValue) -> str:
    """An opaque keyset cursor: where the next page starts, in the ordering `kind`."""
    raw = json.dumps([kind, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, kind: str, arity: int) -> list[CursorValue]:
    """The `arity` values of a cursor made by `encode_cursor(kind, …)`; BadCursor otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
    except (ValueError, RecursionError):
        # binascii.Error, JSONDecodeError and UnicodeDecodeError are ValueErrors; a forged
        # cursor of a few thousand nested arrays is a RecursionError.
        raise BadCursor("not base64 of JSON") from None
    if (
        not isinstance(decoded, list)
        or len(decoded) != arity + 1
        or decoded[0] != kind
        or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in decoded[1:])
    ):
        raise BadCursor(f"not a cursor of ordering {kind!r} with {arity} values")
    return decoded[1:]


def moment_value(moment: datetime) -> str:
    """A timestamp as a cursor value (RFC 3339 in UTC; naive values are taken as UTC)."""
    return as_utc(moment).isoformat()


def read_moment(value: CursorValue) -> datetime:
    """A cursor value written by `moment_value`: an aware datetime in UTC, or BadCursor."""
    try:
        moment = datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadCursor("not a timestamp with an offset") from None


def read_uuid(value: CursorValue) -> uuid.UUID:
    """A cursor value holding a UUID (a complaint's id), or BadCursor."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadCursor("not a UUID") from None


def read_row_id(value: CursorValue) -> int:
    """A cursor value holding a row id or event number (0…MAX_ROW_ID), or BadCursor."""
    if isinstance(value, int) and 0 <= value <= MAX_ROW_ID:
        return value
    raise BadCursor("not a row id")


def page_of(rows: Sequence[T], limit: int, cursor_of: Callable[[T], str]) -> Page[T]:
    """The page in `rows` (fetched with LIMIT limit + 1): one more row means a next page,
    which starts after the last row shown."""
    if len(rows) > limit:
        shown = list(rows[:limit])
        return Page(shown, cursor_of(shown[-1]))
    return Page(list(rows), None)
