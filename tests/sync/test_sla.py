"""The SLA sweep: overdue once the deadline in working days has passed, holidays excluded."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from app.clock import WIB, utcnow
from app.config import Settings
from app.database import Database
from app.models import Complaint, Faction, OutboxMessage, WebhookSubscription
from app.sla import add_working_days
from app.status_updates import apply_crm_update
from app.webhooks import new_secret
from sync.sla import sweep_overdue
from tests.conftest import Keys
from tests.support.complaints import forwarded_complaint

# Friday 14 August 2026, 10:00 in Jakarta: then a weekend, and Monday the 17th is
# Independence Day (a public holiday).
CREATED = datetime(2026, 8, 14, 10, 0, tzinfo=WIB)


def subscribe(db: Database, faction_code: str = "PSI") -> None:
    with db.transaction() as session:
        faction = session.scalars(select(Faction).where(Faction.code == faction_code)).one()
        session.add(WebhookSubscription(
            faction_id=faction.id, url="https://posko.example.org/hook", secret=new_secret()
        ))


def with_deadline(db: Database, complaint: Complaint, sla_days: int) -> datetime:
    due = add_working_days(CREATED, sla_days)
    with db.transaction() as session:
        session.execute(
            update(Complaint).where(Complaint.id == complaint.id)
            .values(created_at=CREATED, due_at=due)
        )
    return due


def state(db: Database, complaint: Complaint) -> Complaint:
    with db.session() as session:
        found = session.get(Complaint, complaint.id)
        assert found is not None
        return found


def overdue_notices(db: Database) -> list[dict[str, Any]]:
    with db.session() as session:
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "webhook.deliver")
            .order_by(OutboxMessage.id)
        ).all()
    return [
        m.payload["body"]["data"] | {"ordering_seq": m.ordering_seq}
        for m in messages if m.payload["body"]["type"] == "complaint.overdue"
    ]


def test_one_working_day_over_a_weekend_and_independence_day(
    app: Flask, db: Database, keys: Keys
) -> None:
    subscribe(db)
    complaint = forwarded_complaint(app, ticket="3107001")
    due = with_deadline(db, complaint, sla_days=1)
    assert due.astimezone(WIB) == datetime(2026, 8, 18, 10, 0, tzinfo=WIB)

    for now in (
        datetime(2026, 8, 16, 23, 0, tzinfo=WIB),  # Sunday night
        datetime(2026, 8, 17, 12, 0, tzinfo=WIB),  # the holiday
        datetime(2026, 8, 18, 9, 59, tzinfo=WIB),  # Tuesday, a minute early
    ):
        assert sweep_overdue(db, now=now) == 0
        assert state(db, complaint).overdue is False

    before = state(db, complaint).updated_at
    assert sweep_overdue(db, now=datetime(2026, 8, 18, 10, 1, tzinfo=WIB)) == 1
    after = state(db, complaint)
    assert after.overdue is True
    assert after.status == "forwarded" and after.seq == 2  # not a status change
    assert after.updated_at > before  # the pull API sees it
    [notice] = overdue_notices(db)
    assert notice["seq"] == 2 and notice["status"] == "forwarded"
    assert notice["ordering_seq"] == 5
    # Swept again: nothing new.
    assert sweep_overdue(db, now=datetime(2026, 8, 19, 10, 0, tzinfo=WIB)) == 0
    assert len(overdue_notices(db)) == 1


def test_resolved_in_time_is_never_overdue_and_a_late_reopen_is(
    app: Flask, db: Database, settings: Settings, keys: Keys
) -> None:
    complaint = forwarded_complaint(app, ticket="3107002")
    with_deadline(db, complaint, sla_days=1)
    tuesday_late = datetime(2026, 8, 18, 18, 0, tzinfo=WIB)

    def crm(update_id: str, code: str, status: str, at: datetime) -> None:
        with db.transaction() as session:
            apply_crm_update(session, {
                "update_id": update_id, "service_request_id": "3107002", "status": status,
                "external_status_code": code, "updated_datetime": at.isoformat(),
            }, settings)

    crm("U-1", "SELESAI", "FIXED", datetime(2026, 8, 14, 15, 0, tzinfo=WIB))
    assert state(db, complaint).resolved_at is not None
    assert sweep_overdue(db, now=tuesday_late) == 0
    assert state(db, complaint).overdue is False

    # Reopened on Wednesday, after the deadline: the next sweep finds it.
    crm("U-2", "PROSES", "REOPEN", datetime(2026, 8, 19, 9, 0, tzinfo=WIB))
    reopened = state(db, complaint)
    assert reopened.status == "in_progress" and reopened.resolved_at is None
    assert sweep_overdue(db, now=datetime(2026, 8, 19, 9, 5, tzinfo=WIB)) == 1
    assert state(db, complaint).overdue is True


def test_many_due_at_once_are_swept_in_batches(app: Flask, db: Database, keys: Keys) -> None:
    complaints = [forwarded_complaint(app, ticket=f"31080{n:02d}") for n in range(7)]
    for complaint in complaints:
        with_deadline(db, complaint, sla_days=1)
    assert sweep_overdue(db, now=datetime(2026, 8, 19, tzinfo=WIB), batch=3) == 7
    assert all(state(db, c).overdue for c in complaints)
    assert sweep_overdue(db, now=datetime(2026, 8, 19, tzinfo=WIB) + timedelta(days=1)) == 0


def test_overdue_means_one_thing_on_every_surface(
    app: Flask, db: Database, settings: Settings, keys: Keys
) -> None:
    """Marked by the sweep and not terminal: the API, webhooks, admin, the public site and the
    open data agree, and a complaint resolved late stops being overdue (issue 14)."""
    client = app.test_client()
    subscribe(db)
    complaint = forwarded_complaint(app, ticket="3107010", visibility="public")
    with_deadline(db, complaint, sla_days=1)

    def seen() -> dict[str, Any]:
        own = client.get(f"/api/v1/complaints/{complaint.id}", headers=keys.headers("PSI"))
        admin = client.get("/api/v1/admin/complaints", headers=keys.headers("admin"))
        opendata = client.get("/data/aduan.json").json["items"]
        public = client.get(f"/aduan/{complaint.tracking_code}").get_data(as_text=True)
        return {
            "api": own.json["overdue"],
            "admin": admin.json["items"][0]["overdue"],
            "open data": opendata[0]["overdue"],
            "public page": "badge-overdue" in public,
            "public list": bool(client.get("/aduan?terlambat=1").get_data(as_text=True)
                                .count(complaint.tracking_code)),
            "counted": client.get("/data/statistik.json").json["overdue"] == 1,
            "python": state(db, complaint).is_overdue,
        }

    def webhook_overdue() -> list[tuple[str, bool]]:
        with db.session() as session:
            messages = session.scalars(
                select(OutboxMessage).where(OutboxMessage.topic == "webhook.deliver")
                .order_by(OutboxMessage.id)
            ).all()
        return [(m.payload["body"]["data"]["status"], m.payload["body"]["data"]["overdue"])
                for m in messages]

    # Past the deadline, but not yet marked: nobody says overdue (no clock fallback).
    later = datetime(2026, 8, 19, 9, 0, tzinfo=WIB)
    assert set(seen().values()) == {False}
    assert sweep_overdue(db, now=later) == 1
    assert set(seen().values()) == {True}

    def crm(update_id: str, code: str, status: str) -> None:
        with db.transaction() as session:
            apply_crm_update(session, {
                "update_id": update_id, "service_request_id": "3107010", "status": status,
                "external_status_code": code, "updated_datetime": utcnow().isoformat(),
            }, settings)

    crm("U-1", "SELESAI", "FIXED")  # resolved late
    assert set(seen().values()) == {False}
    crm("U-2", "PROSES", "REOPEN")  # reopened: overdue again, without another sweep
    assert set(seen().values()) == {True}
    # Webhook bodies are snapshots: the overdue notice, then the late resolution, then the
    # reopening.
    assert webhook_overdue() == [
        ("received", False), ("forwarded", False),
        ("forwarded", True), ("resolved", False), ("in_progress", True),
    ]
