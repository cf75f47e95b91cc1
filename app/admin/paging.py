"""Keyset pages for the admin lists, and the cursor that resumes them.

Kept apart, unchanged, until one pagination module serves every surface: here a bad cursor is
still a 422 validation problem.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.errors import Problem

MAX_LIMIT = 200
# The largest row id (the tables' integer keys): a larger number names no row.
MAX_ROW_ID = 2**31 - 1


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
        raise bad_cursor() from exc


def cursor_row_id(text: str) -> int:
    """The row id in a cursor: ASCII digits within the id range, or a 422 problem."""
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ROW_ID:
        raise bad_cursor()
    return int(text)


def bad_cursor() -> Problem:
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


def newest_first_page(
    session: Session, query: Any, model: Any, cursor: str | None, limit: int
) -> Page:
    """One page of `query` by descending id, resuming after the cursor's row id."""
    if cursor:
        (last_id,) = decode_cursor(cursor, 1)
        query = query.where(model.id < cursor_row_id(last_id))
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(session.scalars(query.limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page(rows[:limit], next_cursor)
