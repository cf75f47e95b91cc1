"""The monthly report (app/monthly_report.py) on known data: each figure counted by hand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from app.events import append_event
from app.models import Complaint, Faction, StatusEvent
from app.monthly_report import month_bounds, monthly_report
from app.reference import REFERENCE_DIR, load_categories
from tests.support.complaints import store_complaint
from tests.test_imports import WEB, load_tree, matches_any

CATEGORIES = load_categories(str(REFERENCE_DIR / "categories.toml"))
GAMBIR = "31.71.01.1001"  # Jakarta Pusat
SELATAN = "31.74.01.1001"  # a kelurahan of Jakarta Selatan


def wib(day: str) -> datetime:
    """`"11-02 10:00"` → that moment of 2026 in Jakarta."""
    from app.clock import WIB

    return datetime.fromisoformat(f"2026-{day}").replace(tzinfo=WIB)


def make(app: Flask, name: str, *, created: str, due: str, category: str = "sampah",
         kelurahan: str = GAMBIR, faction: str = "PSI",
         events: tuple[tuple[str, str], ...] = (), overdue: bool = False) -> None:
    """A complaint received at `created`, due at `due`, then moved through `events`."""
    complaint = store_complaint(app, faction, external_id=name, category=category,
                                location={"kelurahan_code": kelurahan})
    with app.extensions["db"].transaction() as session:
        session.execute(update(Complaint).where(Complaint.id == complaint.id).values(
            created_at=wib(created), due_at=wib(due), overdue=overdue))
        session.execute(update(StatusEvent).where(StatusEvent.complaint_id == complaint.id)
                        .values(occurred_at=wib(created)))
        stored = session.get(Complaint, complaint.id)
        assert stored is not None
        for status, moment in events:
            append_event(session, stored, status, source="crm", occurred_at=wib(moment))
            session.flush()


@pytest.fixture
def november(app: Flask, keys: Any) -> int:
    make(app, "A", created="11-02 10:00", due="11-05 17:00", events=(("resolved", "11-04 12:00"),))
    make(app, "B", created="11-03 09:00", due="11-06 17:00", events=(("resolved", "11-13 10:00"),))
    make(app, "C", created="11-10 08:00", due="11-24 17:00", category="jalan_rusak",
         kelurahan=SELATAN, events=(("in_progress", "11-12 08:00"),), overdue=True)
    make(app, "D", created="10-20 08:00", due="11-03 17:00", category="jalan_rusak",
         kelurahan=SELATAN, events=(("resolved", "11-20 09:00"),))
    make(app, "E", created="11-28 08:00", due="12-03 17:00", events=(("resolved", "12-02 08:00"),))
    make(app, "F", created="12-01 08:00", due="12-04 17:00")
    make(app, "G", created="11-11 08:00", due="11-14 17:00", faction="PKS")
    make(app, "H", created="10-01 08:00", due="10-06 17:00", events=(("resolved", "10-05 08:00"),))
    make(app, "I", created="11-05 08:00", due="11-10 17:00", events=(
        ("resolved", "11-06 08:00"), ("in_progress", "11-08 08:00"), ("resolved", "11-25 09:00")))
    with app.extensions["db"].session() as session:
        return session.scalars(select(Faction.id).where(Faction.code == "PSI")).one()


def report(app: Flask, faction_id: int, month: int, now: str = "12-10 12:00") -> Any:
    with app.extensions["db"].session() as session:
        return monthly_report(session, faction_id, 2026, month, CATEGORIES, now=wib(now))


def test_a_past_month_counts_what_that_month_was(app: Flask, november: int) -> None:
    got = report(app, november, 11)
    assert got.complete
    # Received in November: A, B, C, E, I (not D from October, F from December, G of PKS).
    assert got.received == 5
    # Resolved in November: A (on time, 2 days), B (late, 10), D (late, 31), I once (late, 20).
    assert got.resolved == 4
    assert got.figures.on_time == 1
    assert got.on_time_rate == 0.25
    assert got.median_days == 10
    # Open at the end of November: C (in progress, past its deadline) and E (resolved later).
    assert got.open == 2
    assert got.overdue == 1
    assert got.received_by_status == {"resolved": 3, "in_progress": 1, "received": 1}
    agencies = {b.key: b.figures for b in got.by_agency}
    assert (agencies["Dinas Lingkungan Hidup"].total, agencies["Dinas Lingkungan Hidup"].resolved,
            agencies["Dinas Lingkungan Hidup"].on_time, agencies["Dinas Lingkungan Hidup"].open,
            agencies["Dinas Lingkungan Hidup"].overdue) == (4, 3, 1, 1, 0)
    assert (agencies["Dinas Bina Marga"].total, agencies["Dinas Bina Marga"].resolved,
            agencies["Dinas Bina Marga"].open, agencies["Dinas Bina Marga"].overdue) == (1, 1, 1, 1)
    kota = {b.key: (b.label, b.received, b.figures.resolved) for b in got.by_kota}
    assert kota == {"31.71": ("Kota Administrasi Jakarta Pusat", 4, 3),
                    "31.74": ("Kota Administrasi Jakarta Selatan", 1, 1)}
    # The charts are the public site's geometry.
    assert got.status_bar["total"] == 5
    assert [s["status"] for s in got.status_bar["segments"]] == ["received", "in_progress",
                                                                  "resolved"]
    assert sum(b["received"] for b in got.trend["bars"]) == 5
    assert sum(b["resolved"] for b in got.trend["bars"]) == 4
    assert got.trend["bars"][0]["week"] == "2026-10-26"  # the week holding 1 November


def test_the_running_month_counts_up_to_now_with_the_one_meaning_of_overdue(
    app: Flask, november: int
) -> None:
    got = report(app, november, 12, now="12-10 12:00")
    assert not got.complete
    assert got.received == 1  # F
    assert got.resolved == 1  # E, by its deadline
    assert got.on_time_rate == 1.0
    # Open now: C (marked overdue by the sweep) and F (not marked, though past due).
    assert got.open == 2
    assert got.overdue == 1


def test_an_empty_month_has_no_rate_and_no_median(app: Flask, november: int) -> None:
    got = report(app, november, 9)
    assert (got.received, got.resolved, got.open, got.overdue) == (0, 0, 0, 0)
    assert got.on_time_rate is None and got.median_days is None
    assert got.status_bar["segments"] == []


def test_month_bounds_are_jakarta_months() -> None:
    start, end = month_bounds(2026, 12)
    assert (start.isoformat(), end.isoformat()) == ("2026-12-01T00:00:00+07:00",
                                                    "2027-01-01T00:00:00+07:00")
    with pytest.raises(ValueError):
        month_bounds(2026, 13)


def test_the_module_needs_no_web_framework() -> None:
    module = load_tree()["app.monthly_report"]
    assert [str(i) for i in module.imports if matches_any(i.target, WEB)] == []
