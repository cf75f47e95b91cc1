"""A faction's monthly report for DPRD meetings: what came in, what was resolved, what is late.

Why from the status history and not the public counters: the counters (app.statistics) hold
the present, and a report on November must say what November was — a complaint resolved in
November and reopened in December still counts as resolved in November, and "open at the end
of the month" is each complaint's status at that moment, read from its status events.

The month is Jakarta's calendar month (WIB). The figures:

- received: complaints the faction submitted in the month;
- resolved: complaints that moved into `resolved` in the month (each counted once, its last
  such move); on time when that moment was by its deadline (`due_at`), as the public
  statistics count it; days to resolve are whole days from receipt (app.statistics);
- open: complaints received by the end of the month whose status then was not terminal;
- overdue: of those, the ones past their deadline then. For the month still running this is
  the one meaning of overdue (Complaint.is_overdue, docs/API.md#overdue), as the console list
  shows it.

By agency is the category's responsible SKPD (configuration, like the public statistics'
agency dimension); by kota the Kemendagri kota. The charts are the public site's
(app.public.charts), so the report reads like the dashboard.

No Flask: the categories come in as arguments.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import WIB, as_utc, utcnow
from app.lifecycle import TERMINAL
from app.models import Complaint, StatusEvent
from app.public import charts
from app.reference import Category, areas
from app.statistics import Figures, agencies_of, resolve_days, week_of


@dataclass
class Breakdown:
    """The figures of one agency or kota (Figures: total = received in the month)."""

    key: str
    label: str
    figures: Figures = field(default_factory=Figures)

    @property
    def received(self) -> int:
        return self.figures.total


@dataclass
class MonthlyReport:
    """One faction's month in figures, with the charts' geometry."""

    faction_id: int
    year: int
    month: int
    start: datetime
    end: datetime
    as_of: datetime
    figures: Figures
    by_agency: list[Breakdown]
    by_kota: list[Breakdown]
    received_by_status: dict[str, int]
    status_bar: dict[str, Any]
    trend: dict[str, Any]

    @property
    def received(self) -> int:
        return self.figures.total

    @property
    def resolved(self) -> int:
        return self.figures.resolved

    @property
    def open(self) -> int:
        return self.figures.open

    @property
    def overdue(self) -> int:
        return self.figures.overdue

    @property
    def on_time_rate(self) -> float | None:
        return self.figures.on_time_rate

    @property
    def median_days(self) -> int | None:
        return self.figures.percentile_days(0.5)

    @property
    def complete(self) -> bool:
        """Whether the month is over (else the figures hold up to `as_of`)."""
        return self.as_of >= self.end


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next one, in WIB."""
    if not 1 <= month <= 12 or not 2000 <= year <= 2999:
        raise ValueError(f"not a month: {year}-{month}")
    start = datetime(year, month, 1, tzinfo=WIB)
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=WIB)
    return start, following


def monthly_report(
    session: Session,
    faction_id: int,
    year: int,
    month: int,
    categories: Mapping[str, Category],
    *,
    now: datetime | None = None,
) -> MonthlyReport:
    """The faction's report for one month (figures up to now while the month runs)."""
    start, end = month_bounds(year, month)
    moment = as_utc(now or utcnow())
    as_of = min(as_utc(end), moment)
    agencies = agencies_of(categories)
    known = areas()
    figures = Figures()
    by_agency: dict[str, Breakdown] = {}
    by_kota: dict[str, Breakdown] = {}

    def groups(category: str, kota: str) -> list[Figures]:
        agency = agencies.get(category, "")
        a = by_agency.setdefault(agency, Breakdown(agency, agency or "—"))
        k = by_kota.setdefault(kota, Breakdown(kota, known.name(kota) or kota))
        return [figures, a.figures, k.figures]

    received_by_status: Counter[str] = Counter()
    received_weeks: Counter[str] = Counter()
    running = as_of < as_utc(end)
    status_then = _status_at(as_of) if not running else Complaint.status
    rows = session.execute(
        select(
            Complaint.category, Complaint.kota_code, Complaint.created_at, Complaint.due_at,
            Complaint.is_overdue.label("overdue"), status_then.label("status_then"),
        ).where(Complaint.faction_id == faction_id, Complaint.created_at < as_of)
    )
    for category, kota, created_at, due_at, overdue, status in rows:
        status = status or "received"
        if as_utc(created_at) >= as_utc(start):
            for f in groups(category, kota):
                f.total += 1
            received_by_status[status] += 1
            received_weeks[week_of(created_at)] += 1
        if status not in TERMINAL:
            late = overdue if running else as_utc(due_at) < as_of
            for f in groups(category, kota):
                f.by_status[status] = f.by_status.get(status, 0) + 1
                f.overdue += 1 if late else 0

    resolved_weeks: Counter[str] = Counter()
    for category, kota, created_at, due_at, resolved_at in _resolutions(
        session, faction_id, start, as_of
    ):
        on_time = as_utc(resolved_at) <= as_utc(due_at)
        days = resolve_days(created_at, resolved_at)
        for f in groups(category, kota):
            if on_time:
                f.on_time += 1
            else:
                f.late += 1
            f.days[days] = f.days.get(days, 0) + 1
        resolved_weeks[week_of(resolved_at)] += 1

    weeks = _weeks(start, as_of)
    return MonthlyReport(
        faction_id=faction_id,
        year=year,
        month=month,
        start=start,
        end=end,
        as_of=as_of,
        figures=figures,
        by_agency=sorted(by_agency.values(), key=lambda b: (-b.received, b.label)),
        by_kota=sorted(by_kota.values(), key=lambda b: (-b.received, b.label)),
        received_by_status=dict(received_by_status),
        status_bar=charts.status_bar(dict(received_by_status)),
        trend=charts.weekly_trend(weeks, dict(received_weeks), dict(resolved_weeks)),
    )


def _status_at(moment: datetime) -> Any:
    """A complaint's status at `moment`: its last status event that had happened by then."""
    return (
        select(StatusEvent.status)
        .where(StatusEvent.complaint_id == Complaint.id, StatusEvent.occurred_at < moment)
        .order_by(StatusEvent.seq.desc())
        .limit(1)
        .scalar_subquery()
    )


def _resolutions(session: Session, faction_id: int, start: datetime,
                 until: datetime) -> list[tuple[str, str, datetime, datetime, datetime]]:
    """(category, kota, created_at, due_at, resolved at) of each complaint resolved in the
    window: its last move into `resolved` there (a note on a resolved complaint is no move)."""
    rows = session.execute(
        select(
            Complaint.id, Complaint.category, Complaint.kota_code, Complaint.created_at,
            Complaint.due_at, StatusEvent.occurred_at,
        )
        .join(StatusEvent, StatusEvent.complaint_id == Complaint.id)
        .where(
            Complaint.faction_id == faction_id,
            StatusEvent.status == "resolved",
            StatusEvent.previous_status.is_distinct_from("resolved"),
            StatusEvent.occurred_at >= start,
            StatusEvent.occurred_at < until,
        )
        .order_by(StatusEvent.seq)
    )
    last: dict[Any, tuple[str, str, datetime, datetime, datetime]] = {}
    for complaint_id, category, kota, created_at, due_at, occurred_at in rows:
        last[complaint_id] = (category, kota, created_at, due_at, occurred_at)
    return list(last.values())


def _weeks(start: datetime, until: datetime) -> list[str]:
    """The Mondays (WIB) of the weeks the window touches, oldest first."""
    first = datetime.fromisoformat(week_of(start)).date()
    last = datetime.fromisoformat(week_of(max(start, until - timedelta(microseconds=1)))).date()
    weeks = []
    day = first
    while day <= last:
        weeks.append(day.isoformat())
        day += timedelta(days=7)
    return weeks
