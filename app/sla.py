"""Deadlines in Indonesian working days (weekends and public holidays excluded)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from app.clock import WIB, as_utc


@lru_cache(maxsize=32)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an Indonesian public holiday."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` moved forward by `days` working days, at the same Jakarta time of day.

    Counting happens on the Jakarta calendar: a complaint received on Friday evening with a
    one-day SLA is due on Monday evening (or later, if Monday is a holiday).
    """
    local = as_utc(start).astimezone(WIB)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    due = datetime.combine(day, local.timetz())
    return as_utc(due)
