"""apply_crm_update: the lifecycle rules for updates from the CRM."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from app.clock import utcnow
from app.config import Settings
from app.database import Database
from app.models import Complaint, CrmUpdate, StatusEvent
from app.status_updates import apply_crm_update
from tests.conftest import Keys
from tests.support.complaints import forwarded_complaint

# Well in the past (updates from the future are refused), on a whole minute.
T0 = (utcnow() - timedelta(days=30)).replace(second=0, microsecond=0)
_ids = itertools.count(1)


def update(ticket: str = "3100001", code: str | None = "MENUNGGU", status: str = "open",
           at: datetime | str | None = None, **extra: Any) -> dict[str, Any]:
    """An update as the CRM sends it (wire text, WIB offset like JSC's CRM)."""
    when = at if at is not None else T0
    if isinstance(when, datetime):
        when = when.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Jakarta")).isoformat()
    body = {
        "update_id": f"UPD-{next(_ids):08d}",
        "service_request_id": ticket,
        "status": status,
        "updated_datetime": when,
        "description": f"Catatan {code}",
        "external_status_code": code,
    }
    body.update(extra)
    return body


def apply(db: Database, settings: Settings, *updates: dict[str, Any]) -> list[str]:
    outcomes = []
    with db.transaction() as session:
        for one in updates:
            outcomes.append(apply_crm_update(session, one, settings))
    return outcomes


def state(db: Database, complaint_id: Any) -> Complaint:
    with db.session() as session:
        complaint = session.get(Complaint, complaint_id)
        assert complaint is not None
        session.expunge(complaint)
        return complaint


def events(db: Database, complaint_id: Any) -> list[StatusEvent]:
    with db.session() as session:
        return list(session.scalars(
            select(StatusEvent).where(StatusEvent.complaint_id == complaint_id)
            .order_by(StatusEvent.seq)
        ))


def invalid_count() -> float:
    value = REGISTRY.get_sample_value("jembatan_crm_updates_total", {"outcome": "invalid"})
    return value or 0.0


@pytest.fixture
def complaint(app: Flask, keys: Keys) -> Complaint:
    return forwarded_complaint(app, ticket="3100001")


def test_code_wins_over_status_and_event_carries_the_update(
    db: Database, settings: Settings, complaint: Complaint
) -> None:
    one = update(code="DISPOSISI", status="open", at=T0)
    assert apply(db, settings, one) == ["applied"]
    after = state(db, complaint.id)
    assert after.status == "dispatched"
    assert after.crm_updated_at == T0
    assert after.updated_at > complaint.updated_at
    last = events(db, complaint.id)[-1]
    assert (last.seq, last.status, last.previous_status, last.source) == (
        3, "dispatched", "forwarded", "crm"
    )
    assert last.occurred_at == T0
    assert last.note == "Catatan DISPOSISI"
    assert last.crm_update_id == one["update_id"]


def test_status_alone_maps_when_there_is_no_code(
    db: Database, settings: Settings, complaint: Complaint
) -> None:
    assert apply(db, settings, update(code=None, status="FIXED")) == ["applied"]
    after = state(db, complaint.id)
    assert after.status == "resolved"
    assert after.resolved_at == T0


def test_a_repeat_is_a_no_op(db: Database, settings: Settings, complaint: Complaint) -> None:
    one = update(code="PROSES")
    assert apply(db, settings, one) == ["applied"]
    assert apply(db, settings, dict(one)) == ["duplicate"]
    assert apply(db, settings, one, one) == ["duplicate", "duplicate"]
    assert [e.status for e in events(db, complaint.id)] == ["received", "forwarded", "in_progress"]


def test_older_update_is_recorded_but_changes_nothing(
    db: Database, settings: Settings, complaint: Complaint
) -> None:
    newer = update(code="PROSES", at=T0 + timedelta(hours=2))
    older = update(code="DISPOSISI", at=T0 + timedelta(hours=1))
    assert apply(db, settings, newer, older) == ["applied", "stale"]
    assert state(db, complaint.id).status == "in_progress"
    with db.session() as session:
        record = session.scalars(
            select(CrmUpdate).where(CrmUpdate.update_id == older["update_id"])
        ).one()
    assert record.outcome == "stale"
    assert record.complaint_id == complaint.id


def test_terminal_then_reopen_then_resolved_again(
    db: Database, settings: Settings, complaint: Complaint
) -> None:
    apply(db, settings, update(code="SELESAI", status="FIXED", at=T0))
    assert state(db, complaint.id).resolved_at == T0
    apply(db, settings, update(code="PROSES", status="REOPEN", at=T0 + timedelta(days=1)))
    reopened = state(db, complaint.id)
    assert reopened.status == "in_progress"
    assert reopened.resolved_at is None
    apply(db, settings, update(code="SELESAI", status="FIXED", at=T0 + timedelta(days=2)))
    again = state(db, complaint.id)
    assert again.status == "resolved"
    assert again.resolved_at == T0 + timedelta(days=2)


def test_reopen_status_without_code_maps_to_in_progress(
    db: Database, settings: Settings, complaint: Complaint
) -> None:
    apply(db, settings, update(code="DITOLAK", status="NOT_COUNCILS_RESPONSIBILITY", at=T0))
    assert state(db, complaint.id).status == "rejected"
    apply(db, settings, update(code=None, status="REOPEN", at=T0 + timedelta(hours=1)))
    assert state(db, complaint.id).status == "in_progress"


def test_unknown_status_is_kept_as_a_note(
    db: Database, settings: Settings, complaint: Complaint, caplog: pytest.LogCaptureFixture
) -> None:
    apply(db, settings, update(code="PROSES", at=T0))
    outcome = apply(db, settings, update(code="DIARSIPKAN", status="ARCHIVED",
                                         at=T0 + timedelta(hours=1)))
    assert outcome == ["unmapped"]
    assert "DIARSIPKAN" in caplog.text
    after = state(db, complaint.id)
    assert after.status == "in_progress"
    note = events(db, complaint.id)[-1]
    assert (note.status, note.previous_status) == ("in_progress", "in_progress")
    assert "DIARSIPKAN" in (note.note or "")


def test_agency_is_learned(db: Database, settings: Settings, complaint: Complaint) -> None:
    apply(db, settings, update(code="DISPOSISI", agency="Dinas Lingkungan Hidup"))
    assert state(db, complaint.id).agency == "Dinas Lingkungan Hidup"


def test_unknown_ticket_is_recorded_and_retried_when_seen_again(
    app: Flask, db: Database, settings: Settings, keys: Keys
) -> None:
    early = update(ticket="3109999", code="MENUNGGU")
    assert apply(db, settings, early) == ["unknown_ticket"]
    # The forward commits afterwards; the poll window's overlap brings the update again.
    complaint = forwarded_complaint(app, ticket="3109999")
    assert apply(db, settings, early) == ["applied"]
    assert state(db, complaint.id).status == "waiting"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"update_id": None}, "update_id"),
        ({"update_id": ""}, "update_id"),
        ({"updated_datetime": "kemarin sore"}, "updated_datetime"),
        ({"updated_datetime": "2026-11-25T08:00:00"}, "offset"),
        ({"updated_datetime": None}, "updated_datetime"),
        ({"service_request_id": None}, "service_request_id"),
        ({"status": None}, "status"),
    ],
)
def test_malformed_updates_are_recorded_skipped_and_counted(
    db: Database, settings: Settings, complaint: Complaint, change: dict[str, Any],
    reason: str, caplog: pytest.LogCaptureFixture,
) -> None:
    before = invalid_count()
    bad = update(code="PROSES")
    bad.update(change)
    good = update(code="DISPOSISI", at=T0 + timedelta(minutes=1))
    assert apply(db, settings, bad, good) == ["invalid", "applied"]
    assert invalid_count() == before + 1
    assert "invalid" in caplog.text
    with db.session() as session:
        record = session.scalars(select(CrmUpdate).where(CrmUpdate.outcome == "invalid")).one()
    assert reason in (record.error or "")
    assert state(db, complaint.id).status == "dispatched"
    # The same malformed update again is not recorded twice.
    assert apply(db, settings, bad) == ["duplicate"]


def test_naive_datetime_and_future_dates_are_invalid(
    db: Database, settings: Settings, complaint: Complaint
) -> None:
    naive = update(code="PROSES")
    naive["updated_datetime"] = datetime(2026, 11, 25, 8, 0)
    # A WIB wall-clock time labelled UTC lands seven hours in the future.
    wrong_zone = update(code="PROSES", at=(utcnow() + timedelta(hours=7)).isoformat())
    typed = update(code="DISPOSISI", at=T0)
    typed["updated_datetime"] = T0  # an aware datetime from a parser is fine
    assert apply(db, settings, naive, wrong_zone, typed) == ["invalid", "invalid", "applied"]
    with db.session() as session:
        errors = sorted(
            session.scalars(select(CrmUpdate.error).where(CrmUpdate.outcome == "invalid"))
        )
    assert any("offset" in (e or "") for e in errors)
    assert any("future" in (e or "") for e in errors)


MAPPED = [
    ("MENUNGGU", "waiting"), ("KOORDINASI", "coordination"), ("DISPOSISI", "dispatched"),
    ("PROSES", "in_progress"), ("MENUNGGU_VALIDASI", "validating"), ("SELESAI", "resolved"),
    ("DITOLAK", "rejected"), ("DITUTUP", "closed"),
]


@hsettings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(MAPPED), st.integers(min_value=0, max_value=10_000)),
        min_size=1, max_size=12, unique_by=lambda s: s[1],
    ),
    order=st.randoms(use_true_random=False),
    repeats=st.integers(min_value=0, max_value=3),
)
def test_any_arrival_order_ends_at_the_newest_update(
    app: Flask, db: Database, settings: Settings, keys: Keys,
    steps: list[tuple[tuple[str, str], int]], order: Any, repeats: int,
) -> None:
    ticket = f"31{next(_ids):07d}"
    complaint = forwarded_complaint(app, ticket=ticket)
    updates = [update(ticket=ticket, code=code, at=T0 + timedelta(minutes=minute))
               for (code, _status), minute in steps]
    arrivals = updates + [order.choice(updates) for _ in range(repeats)]
    order.shuffle(arrivals)
    with db.transaction() as session:
        for one in arrivals:
            apply_crm_update(session, one, settings)
    newest = max(zip(steps, updates, strict=True), key=lambda pair: pair[0][1])
    after = state(db, complaint.id)
    assert after.status == newest[0][0][1]
    assert after.crm_updated_at == T0 + timedelta(minutes=newest[0][1])
    with db.session() as session:
        applied_per_update = session.execute(
            select(StatusEvent.crm_update_id, func.count())
            .where(StatusEvent.complaint_id == complaint.id,
                   StatusEvent.crm_update_id.is_not(None))
            .group_by(StatusEvent.crm_update_id)
        ).all()
        recorded = session.scalar(
            select(func.count()).select_from(CrmUpdate)
            .where(CrmUpdate.service_request_id == ticket)
        )
    assert all(count == 1 for _id, count in applied_per_update)
    assert recorded == len(updates)


def test_pull_sees_every_change(
    app: Flask, client: Any, db: Database, settings: Settings, keys: Keys,
) -> None:
    """A faction without webhooks pulls: updated_since and /events reflect each CRM update."""
    from sync.sla import sweep_overdue

    complaint = forwarded_complaint(app, ticket="3100555")
    headers = keys.headers("PSI")
    mark = client.get(f"/api/v1/complaints/{complaint.id}", headers=headers).json["updated_at"]

    def changed_since(since: str) -> list[str]:
        answer = client.get("/api/v1/complaints", query_string={"updated_since": since},
                            headers=headers)
        assert answer.status_code == 200, answer.json
        return [item["id"] for item in answer.json["items"]]

    apply(db, settings, update(ticket="3100555", code="DISPOSISI", at=T0,
                               agency="Dinas Lingkungan Hidup"))
    after_crm = client.get(f"/api/v1/complaints/{complaint.id}", headers=headers).json
    assert datetime.fromisoformat(after_crm["updated_at"]) > datetime.fromisoformat(mark)
    assert (after_crm["status"], after_crm["agency"]) == ("dispatched", "Dinas Lingkungan Hidup")
    assert str(complaint.id) in changed_since(mark)
    events_seen = client.get(f"/api/v1/complaints/{complaint.id}/events", headers=headers).json
    last = events_seen["items"][-1]
    assert (last["seq"], last["status"], last["source"]) == (3, "dispatched", "crm")

    # Becoming overdue is a change too, though not a status change.
    with db.transaction() as session:
        stored = session.get(Complaint, complaint.id)
        assert stored is not None
        stored.due_at = utcnow() - timedelta(minutes=1)
    assert sweep_overdue(db) == 1
    overdue = client.get(f"/api/v1/complaints/{complaint.id}", headers=headers).json
    assert overdue["overdue"] is True
    assert datetime.fromisoformat(overdue["updated_at"]) > datetime.fromisoformat(
        after_crm["updated_at"]
    )
    assert str(complaint.id) in changed_since(after_crm["updated_at"])
