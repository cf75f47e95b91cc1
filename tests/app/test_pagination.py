"""The one cursor codec: what a list hands out comes back unchanged; anything else is BadCursor."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.pagination import (
    MAX_ROW_ID,
    NEWEST_CREATED,
    NEWEST_ID,
    BadCursor,
    Page,
    decode_cursor,
    encode_cursor,
    moment_value,
    page_of,
    read_moment,
    read_row_id,
    read_uuid,
)

values = st.one_of(st.text(), st.integers())
kinds = st.text(min_size=1, max_size=4)


@given(kinds, st.lists(values, max_size=4))
def test_any_values_come_back_unchanged(kind: str, cursor_values: list[str | int]) -> None:
    cursor = encode_cursor(kind, *cursor_values)
    assert decode_cursor(cursor, kind, len(cursor_values)) == cursor_values
    # Opaque and safe in a query string without escaping.
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@given(kinds, kinds, st.lists(values, min_size=1, max_size=3))
def test_a_cursor_of_another_ordering_or_arity_is_refused(
    kind: str, other: str, cursor_values: list[str | int]
) -> None:
    cursor = encode_cursor(kind, *cursor_values)
    if other != kind:
        with pytest.raises(BadCursor):
            decode_cursor(cursor, other, len(cursor_values))
    with pytest.raises(BadCursor):
        decode_cursor(cursor, kind, len(cursor_values) + 1)


def _garbage_cursors() -> st.SearchStrategy[str]:
    """Any text, and base64 of any bytes or any JSON (what a forger would try first)."""
    json_values = st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=12,
    )
    as_base64 = st.one_of(
        st.binary(),
        json_values.map(lambda v: json.dumps(v).encode()),
    ).map(lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("="))
    return st.one_of(st.text(), as_base64)


@given(_garbage_cursors(), st.integers(min_value=0, max_value=3))
def test_garbage_is_bad_cursor_and_nothing_else(cursor: str, arity: int) -> None:
    try:
        decoded = decode_cursor(cursor, NEWEST_CREATED, arity)
    except BadCursor:
        return
    # Only a well-formed cursor of this ordering gets through, with values of the cursor types.
    assert len(decoded) == arity
    assert all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in decoded)


def test_deeply_nested_json_is_bad_cursor_not_a_crash() -> None:
    cursor = base64.urlsafe_b64encode(b"[" * 100_000).decode()
    with pytest.raises(BadCursor):
        decode_cursor(cursor, NEWEST_CREATED, 2)


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=7))])))
def test_moments_round_trip_as_the_same_instant(moment: datetime) -> None:
    try:
        written = moment_value(moment)
    except OverflowError:
        return  # an instant outside datetime's range in UTC: no row holds one
    assert read_moment(written) == moment
    assert read_moment(written).tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    ["2026-01-01T00:00:00", "not-a-date", "", 5, "9999-12-31T23:00:00-05:00",
     "0001-01-01T00:00:00+01:00"],
)
def test_a_moment_without_offset_or_out_of_range_is_bad(value: str | int) -> None:
    with pytest.raises(BadCursor):
        read_moment(value)


@given(st.uuids())
def test_uuids_round_trip(value: uuid.UUID) -> None:
    assert read_uuid(str(value)) == value


@pytest.mark.parametrize("value", ["", "x", 7, "00000000-0000-0000-0000"])
def test_a_bad_uuid_is_bad(value: str | int) -> None:
    with pytest.raises(BadCursor):
        read_uuid(value)


@given(st.one_of(st.integers(), st.text(), st.booleans()))
def test_row_ids_are_integers_in_the_key_range(value: int | str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ROW_ID:
        assert read_row_id(value) == value
    elif isinstance(value, bool):
        # JSON never decodes a boolean as a cursor value (decode_cursor refuses it).
        with pytest.raises(BadCursor):
            decode_cursor(encode_cursor(NEWEST_ID, value), NEWEST_ID, 1)
    else:
        with pytest.raises(BadCursor):
            read_row_id(value)


@given(st.lists(st.integers(), max_size=8), st.integers(min_value=1, max_value=5))
def test_a_page_is_the_first_limit_rows_and_the_cursor_of_the_last_shown(
    rows: list[int], limit: int
) -> None:
    fetched = rows[: limit + 1]  # what LIMIT limit + 1 returns
    page = page_of(fetched, limit, lambda last: encode_cursor(NEWEST_ID, last))
    assert page.items == fetched[:limit]
    if len(fetched) > limit:
        assert decode_cursor(page.next_cursor or "", NEWEST_ID, 1) == [fetched[limit - 1]]
    else:
        assert page == Page(fetched, None)
