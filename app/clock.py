"""The one clock: timezone-aware UTC, and Jakarta time (WIB) for display and deadlines."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; naive values (SQLite hands them back) are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def isoformat(value: datetime | None) -> str | None:
    """RFC 3339 with an offset (`Z` is avoided: `+00:00` is what every parser reads)."""
    if value is None:
        return None
    return as_utc(value).isoformat(timespec="seconds")
