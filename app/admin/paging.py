"""Keyset pages for the admin lists, on the project's one cursor (app/pagination.py).

A bad cursor raises `BadCursor`, which every /api surface answers with the same 400
problem (docs/API.md#pagination).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.pagination import MAX_ROW_ID, NEWEST_ID, Page, decode_cursor, encode_cursor, read_row_id

MAX_LIMIT = 200

__all__ = ["MAX_LIMIT", "MAX_ROW_ID", "Page", "newest_first_page"]


def newest_first_page(
    session: Session, query: Any, model: Any, cursor: str | None, limit: int
) -> Page[Any]:
    """One page of `query` by descending id, resuming after the cursor's row id."""
    if cursor:
        (last_id,) = decode_cursor(cursor, NEWEST_ID, 1)
        query = query.where(model.id < read_row_id(last_id))
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(session.scalars(query.limit(limit + 1)))
    next_cursor = encode_cursor(NEWEST_ID, rows[limit - 1].id) if len(rows) > limit else None
    return Page(rows[:limit], next_cursor)
