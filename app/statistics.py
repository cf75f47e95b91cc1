"""Public statistics, maintained incrementally so no page ever scans the complaints table.

Each status event (and each overdue flip from the SLA sweep) adds or removes a handful of
counters in `public_stats`, in the same transaction as the change itself, so the figures
are exact and current. `rebuild` recomputes every counter from the complaints (for a backfill
or a repair); `read_*` functions are what pages call: they read a few hundred rows at most.

Core, not the public site's: the worker's events (forward, poll, SLA sweep) move the counters
as much as the web's, through the one `PublicCounters` listener both processes install
(app.wiring). Which agency answers for a category is configuration, so the listener holds the
category → agency map it was built with; web and worker build it from the same settings.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, inspect, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from app.clock import WIB, as_utc, utcnow
from app.events import EventListener
from app.lifecycle import STATUSES, TERMINAL
from app.models import Complaint, Faction, PublicStat, StatusEvent
from app.reference import Category

DIMENSIONS = ("all", "faction", "category", "kota", "agency")
MAX_DAYS = 999
Key = tuple[str, str, str, str]  # dimension, metric, value, bucket


def agencies_of(categories: Mapping[str, Category]) -> dict[str, str]:
    """Category code → the SKPD responsible for it, per configuration (stable, unlike the
    CRM's `agency`): the "agency" dimension of the counters and open data's fallback."""
    return {code: category.agency for code, category in categories.items()}


def week_of(moment: datetime) -> str:
    """The Monday (Jakarta calendar) of the week holding `moment`, as YYYY-MM-DD."""
    day = as_utc(moment).astimezone(WIB).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def resolve_days(created_at: datetime, resolved_at: datetime) -> int:
    """Whole days from receipt to resolution (0 = within a day), capped at MAX_DAYS."""
    seconds = (as_utc(resolved_at) - as_utc(created_at)).total_seconds()
    return max(0, min(MAX_DAYS, int(seconds // 86400)))


def _values(
    complaint: Complaint, faction_code: str, agencies: Mapping[str, str]
) -> dict[str, str]:
    return {
        "all": "",
        "faction": faction_code,
        "category": complaint.category,
        "kota": complaint.kota_code,
        "agency": agencies.get(complaint.category, ""),
    }


class _Deltas:
    """Counter changes for one complaint, fanned out over every dimension."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.counts: Counter[Key] = Counter()

    def add(self, metric: str, bucket: str = "", n: int = 1) -> None:
        for dimension, value in self.values.items():
            self.counts[(dimension, metric, value, bucket)] += n

    def resolution(self, created_at: datetime, resolved_at: datetime, due_at: datetime,
                   n: int) -> None:
        on_time = as_utc(resolved_at) <= as_utc(due_at)
        self.add("resolved_on_time" if on_time else "resolved_late", n=n)
        self.add("resolve_days", f"{resolve_days(created_at, resolved_at):03d}", n)
        self.add("resolved_week", week_of(resolved_at), n)


_PENDING = "public_stat_deltas"
# Complaints this transaction inserted through the ORM, whose link a flush counted.
_INSERTED_LINKED = "public_stat_inserted_linked"


def apply_deltas(session: Session, counts: Counter[Key]) -> None:
    """Add `counts` to the counters when the session's transaction commits.

    Deltas gather per transaction and go out as ONE upsert in sorted key order just before
    the commit: a transaction applying many events (a poll batch) takes the counter rows'
    locks once, in one order, and holds them only for the commit — no lock-order deadlocks
    between concurrent pollers, forwarders and intakes, and short waits on the hot rows.
    """
    pending = session.info.setdefault(_PENDING, Counter())
    pending.update(counts)


def _flush_deltas(session: Session) -> None:
    session.info.pop(_INSERTED_LINKED, None)
    counts = session.info.pop(_PENDING, None)
    if not counts:
        return
    rows = [
        {"dimension": k[0], "metric": k[1], "value": k[2], "bucket": k[3], "count": n}
        for k, n in sorted(counts.items())
        if n
    ]
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        # One statement, one round trip: the rows as arrays, unnested in sorted order, so
        # every transaction takes the counter rows' locks in the same order.
        columns = ("dimension", "metric", "value", "bucket", "count")
        session.execute(_PG_UPSERT, {c: [row[c] for row in rows] for c in columns})
    else:
        session.execute(_sqlite_upsert(), rows)


_PG_UPSERT = text(
    """
    INSERT INTO public_stats (dimension, metric, value, bucket, count)
    SELECT * FROM unnest(CAST(:dimension AS varchar[]), CAST(:metric AS varchar[]),
                         CAST(:value AS varchar[]), CAST(:bucket AS varchar[]),
                         CAST(:count AS bigint[]))
    ON CONFLICT (dimension, metric, value, bucket)
    DO UPDATE SET count = public_stats.count + excluded.count
    """
)


@lru_cache(maxsize=1)
def _sqlite_upsert() -> Any:
    """Built once; executemany keeps the rows' order."""
    statement = sqlite_insert(PublicStat.__table__)
    return statement.on_conflict_do_update(
        index_elements=["dimension", "metric", "value", "bucket"],
        set_={"count": PublicStat.__table__.c.count + statement.excluded.count},
    )


def _forget_deltas(session: Session, *_args: object) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_INSERTED_LINKED, None)


# A report linked to another as the same problem (docs/API.md#duplicates): the dashboard's
# problems are its reports minus these.
LINKED = "linked"


def _committed_duplicate_state(complaint: Complaint) -> str | None:
    """The duplicate state the database holds for the complaint (before unflushed changes)."""
    history = inspect(complaint).attrs.duplicate_state.history
    if history.unchanged:
        return history.unchanged[0]
    return history.deleted[0] if history.deleted else None


class _LinkCounter:
    """Moves the `linked` counter when a complaint's duplicate state enters or leaves
    `linked`, whatever made the change (intake's matcher, a review, a split): the state is
    read from the objects flushed, so no caller has to remember to tell the counters."""

    def __init__(self, counters: PublicCounters) -> None:
        self.counters = counters

    def before_flush(self, session: Session, *_args: object) -> None:
        for complaint in (*session.new, *session.dirty):
            if not isinstance(complaint, Complaint):
                continue
            history = inspect(complaint).attrs.duplicate_state.history
            if not history.added and complaint not in session.new:
                continue
            new = complaint in session.new
            was = None if new else _committed_duplicate_state(complaint)
            now = complaint.duplicate_state
            if new:
                # Its first event must not count it again (PublicCounters.status_changed).
                session.info.setdefault(_INSERTED_LINKED, weakref.WeakSet()).add(complaint)
            if (was == LINKED) == (now == LINKED):
                continue
            self.counters.count_link(session, complaint, 1 if now == LINKED else -1)

    @staticmethod
    def before_commit(session: Session) -> None:
        """Flush first, so the commit's own flush moves its counters before they go out."""
        session.flush()


def _faction_code(session: Session, complaint: Complaint) -> str:
    if complaint.faction is not None:
        return complaint.faction.code
    return session.scalar(select(Faction.code).where(Faction.id == complaint.faction_id)) or ""


def _last_resolution(session: Session, complaint: Complaint, before_seq: int) -> datetime | None:
    """When the resolution that a reopening undoes happened (the last move into resolved)."""
    return session.scalar(
        select(StatusEvent.occurred_at)
        .where(
            StatusEvent.complaint_id == complaint.id,
            StatusEvent.seq < before_seq,
            StatusEvent.status == "resolved",
        )
        .where(StatusEvent.previous_status.is_distinct_from("resolved"))
        .order_by(StatusEvent.seq.desc())
        .limit(1)
    )


class PublicCounters(EventListener):
    """The listener that moves the counters with every status event and overdue flip."""

    def __init__(self, agencies: Mapping[str, str]) -> None:
        self.agencies = dict(agencies)

    def install(self, sessions: sessionmaker[Session]) -> None:
        """Deltas gathered in a transaction go out just before its commit (apply_deltas);
        duplicate links are counted as they are flushed (`_LinkCounter`)."""
        links = _LinkCounter(self)
        sa_event.listen(sessions, "before_flush", links.before_flush)
        sa_event.listen(sessions, "before_commit", links.before_commit)
        sa_event.listen(sessions, "before_commit", _flush_deltas)
        sa_event.listen(sessions, "after_rollback", _forget_deltas)

    def count_link(self, session: Session, complaint: Complaint, n: int) -> None:
        """One more (or, split out, one fewer) report linked to another as one problem."""
        deltas = _Deltas(_values(complaint, _faction_code(session, complaint), self.agencies))
        deltas.add(LINKED, n=n)
        apply_deltas(session, deltas.counts)

    def status_changed(self, session: Session, complaint: Complaint, event: StatusEvent) -> None:
        """Move the complaint's counters along with its status."""
        previous = event.previous_status
        if previous == event.status:
            return  # a note-only event changes no figure
        deltas = _Deltas(_values(complaint, _faction_code(session, complaint), self.agencies))
        if previous is None:
            deltas.add("total")
            if complaint.visibility == "confidential":
                deltas.add("confidential")
            deltas.add("received_week", week_of(event.occurred_at))
            # Stored already linked by a Core INSERT (intake): no flush saw it change.
            if (complaint not in session.new
                    and complaint not in session.info.get(_INSERTED_LINKED, ())
                    and _committed_duplicate_state(complaint) == LINKED):
                deltas.add(LINKED)
        else:
            deltas.add("status", previous, -1)
        deltas.add("status", event.status)
        if previous == "resolved":
            resolved_at = _last_resolution(session, complaint, event.seq)
            if resolved_at is not None:
                deltas.resolution(complaint.created_at, resolved_at, complaint.due_at, -1)
        if event.status == "resolved":
            deltas.resolution(complaint.created_at, event.occurred_at, complaint.due_at, 1)
        if complaint.overdue:
            was_open = previous is not None and previous not in TERMINAL
            now_open = event.status not in TERMINAL
            if was_open != now_open:
                deltas.add("overdue", n=1 if now_open else -1)
        apply_deltas(session, deltas.counts)

    def became_overdue(self, session: Session, complaint: Complaint) -> None:
        """The SLA sweep flipped `complaint.overdue` to true: one more overdue if open."""
        if complaint.status in TERMINAL:
            return
        deltas = _Deltas(_values(complaint, _faction_code(session, complaint), self.agencies))
        deltas.add("overdue")
        apply_deltas(session, deltas.counts)


def rebuild(session: Session, agencies: Mapping[str, str], batch: int = 20_000) -> int:
    """Recompute every counter from the complaints (a backfill or repair; scans everything).

    Returns the number of complaints counted. Never commits.
    """
    codes = dict(session.execute(select(Faction.id, Faction.code)).all())
    counts: Counter[Key] = Counter()
    seen = 0
    columns = (
        Complaint.faction_id, Complaint.category, Complaint.kota_code, Complaint.visibility,
        Complaint.status, Complaint.is_overdue, Complaint.created_at, Complaint.due_at,
        Complaint.resolved_at, Complaint.duplicate_state,
    )
    result = session.execute(select(*columns).execution_options(yield_per=batch))
    for row in result:
        (faction_id, category, kota, visibility, status, overdue, created_at, due_at,
         resolved_at, duplicate_state) = row
        seen += 1
        values = {"all": "", "faction": codes.get(faction_id, ""), "category": category,
                  "kota": kota, "agency": agencies.get(category, "")}
        deltas = _Deltas(values)
        deltas.counts = counts
        deltas.add("total")
        if visibility == "confidential":
            deltas.add("confidential")
        deltas.add("received_week", week_of(created_at))
        deltas.add("status", status)
        if status == "resolved" and resolved_at is not None:
            deltas.resolution(created_at, resolved_at, due_at, 1)
        if overdue:  # Complaint.is_overdue
            deltas.add("overdue")
        if duplicate_state == LINKED:
            deltas.add(LINKED)
    session.execute(delete(PublicStat))
    items = sorted(counts.items())
    for start in range(0, len(items), 5000):
        session.execute(
            PublicStat.__table__.insert(),
            [
                {"dimension": k[0], "metric": k[1], "value": k[2], "bucket": k[3], "count": n}
                for k, n in items[start : start + 5000]
                if n
            ],
        )
    return seen


# Reading ---------------------------------------------------------------------------------


@dataclass
class Figures:
    """The counters of one dimension value, with what pages derive from them."""

    total: int = 0
    confidential: int = 0
    linked: int = 0
    overdue: int = 0
    on_time: int = 0
    late: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    days: dict[int, int] = field(default_factory=dict)
    received_weeks: dict[str, int] = field(default_factory=dict)
    resolved_weeks: dict[str, int] = field(default_factory=dict)

    @property
    def public(self) -> int:
        return self.total - self.confidential

    @property
    def problems(self) -> int:
        """Distinct problems: reports, less those linked to another report of the same
        problem (each primary and each unlinked report counts once)."""
        return self.total - self.linked

    @property
    def resolved(self) -> int:
        return self.on_time + self.late

    @property
    def open(self) -> int:
        return sum(n for s, n in self.by_status.items() if s not in TERMINAL)

    @property
    def on_time_rate(self) -> float | None:
        """Share of resolved complaints resolved by their deadline (None: none resolved)."""
        return self.on_time / self.resolved if self.resolved else None

    def percentile_days(self, fraction: float) -> int | None:
        """The `fraction` percentile of whole days to resolve (nearest-rank), or None."""
        total = sum(self.days.values())
        if not total:
            return None
        rank = max(1, -(-int(fraction * total * 1000) // 1000))  # ceil without float drift
        running = 0
        for days in sorted(self.days):
            running += self.days[days]
            if running >= rank:
                return days
        return max(self.days)

    def absorb(self, metric: str, bucket: str, count: int) -> None:
        if metric == "total":
            self.total += count
        elif metric == "confidential":
            self.confidential += count
        elif metric == LINKED:
            self.linked += count
        elif metric == "overdue":
            self.overdue += count
        elif metric == "resolved_on_time":
            self.on_time += count
        elif metric == "resolved_late":
            self.late += count
        elif metric == "status":
            self.by_status[bucket] = self.by_status.get(bucket, 0) + count
        elif metric == "resolve_days":
            self.days[int(bucket)] = self.days.get(int(bucket), 0) + count
        elif metric == "received_week":
            self.received_weeks[bucket] = count
        elif metric == "resolved_week":
            self.resolved_weeks[bucket] = count


SUMMARY_METRICS = (
    "total", "confidential", "overdue", "resolved_on_time", "resolved_late", LINKED,
)


def read_figures(session: Session, dimension: str = "all", value: str = "",
                 weeks: Iterable[str] = ()) -> Figures:
    """Every counter of one dimension value (the dashboard's or a faction page's headline)."""
    figures = Figures()
    wanted_weeks = list(weeks)
    rows = session.execute(
        select(PublicStat.metric, PublicStat.bucket, PublicStat.count).where(
            PublicStat.dimension == dimension,
            PublicStat.metric.in_(
                (*SUMMARY_METRICS, "status", "resolve_days", "received_week", "resolved_week")
            ),
            PublicStat.value == value,
        )
    )
    for metric, bucket, count in rows:
        if metric.endswith("_week") and bucket not in wanted_weeks:
            continue
        figures.absorb(metric, bucket, count)
    return figures


def read_breakdown(session: Session, dimension: str) -> dict[str, Figures]:
    """Headline counters for every value of a dimension (no histograms: tables, not medians)."""
    breakdown: dict[str, Figures] = {}
    rows = session.execute(
        select(PublicStat.value, PublicStat.metric, PublicStat.bucket, PublicStat.count).where(
            PublicStat.dimension == dimension,
            PublicStat.metric.in_((*SUMMARY_METRICS, "status")),
        )
    )
    for value, metric, bucket, count in rows:
        breakdown.setdefault(value, Figures()).absorb(metric, bucket, count)
    return {k: v for k, v in breakdown.items() if v.total}


def recent_weeks(count: int = 12, today: date | None = None) -> list[str]:
    """The Mondays of the last `count` weeks (WIB), oldest first."""
    now = today or utcnow().astimezone(WIB).date()
    monday = now - timedelta(days=now.weekday())
    return [(monday - timedelta(weeks=i)).isoformat() for i in reversed(range(count))]


STATUS_ORDER = tuple(STATUSES)
