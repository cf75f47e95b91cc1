"""Storing status events for a group of complaints at once (the worker's finaliser does)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from app.database import Database, insert_rows
from app.events import next_event, store_events
from app.models import Complaint, StatusEvent
from tests.conftest import Keys
from tests.support.complaints import store_complaint
from tests.support.listeners import listening


def stored(db: Database) -> list[tuple[str, int, str, str | None]]:
    with db.session() as session:
        rows = session.execute(
            select(Complaint.external_id, StatusEvent.seq, StatusEvent.status,
                   StatusEvent.note)
            .join(Complaint, Complaint.id == StatusEvent.complaint_id)
            .order_by(Complaint.external_id, StatusEvent.seq)
        ).all()
    return [tuple(row) for row in rows]


def test_store_events_stores_each_complaints_next_event_and_tells_the_listeners(
    app: Flask, db: Database, keys: Keys
) -> None:
    for number in (1, 2, 3):
        store_complaint(app, external_id=f"E-{number}")
    heard: list[tuple[str, int]] = []

    def listener(session: object, complaint: Complaint, event: StatusEvent) -> None:
        # Listeners run after the INSERT: the row is there for them to read.
        assert event.seq == complaint.seq
        heard.append((complaint.external_id, event.seq))

    with listening(db, listener):
        with app.app_context(), db.transaction() as session:
            complaints = session.scalars(select(Complaint).order_by(Complaint.external_id))
            store_events(session, [
                (complaint, next_event(complaint, "forwarded", source="gateway",
                                       note=None if complaint.external_id == "E-2" else "n"))
                for complaint in complaints
            ])
    assert heard == [("E-1", 2), ("E-2", 2), ("E-3", 2)]
    assert [row for row in stored(db) if row[1] == 2] == [
        ("E-1", 2, "forwarded", "n"), ("E-2", 2, "forwarded", None), ("E-3", 2, "forwarded", "n"),
    ]
    with db.session() as session:
        assert {c.status for c in session.scalars(select(Complaint))} == {"forwarded"}


def test_store_events_refuses_two_events_of_one_complaint(
    app: Flask, db: Database, keys: Keys
) -> None:
    store_complaint(app, external_id="E-1")
    with app.app_context(), db.transaction() as session:
        complaint = session.scalars(select(Complaint)).one()
        first = next_event(complaint, "forwarded", source="gateway")
        second = next_event(complaint, "in_progress", source="crm")
        with pytest.raises(ValueError, match="one event per complaint"):
            store_events(session, [(complaint, first), (complaint, second)])
        session.rollback()
    assert [row[2] for row in stored(db)] == ["received"]


def test_insert_rows_falls_back_to_one_insert_each_when_rows_differ(
    app: Flask, db: Database, keys: Keys
) -> None:
    store_complaint(app, external_id="E-1")
    store_complaint(app, external_id="E-2")
    with app.app_context(), db.transaction() as session:
        one, two = session.scalars(select(Complaint).order_by(Complaint.external_id))
        events = [next_event(one, "forwarded", source="gateway"),
                  next_event(two, "forwarded", source="gateway")]
        events[1].recorded_at = None  # this one takes the column's default
        insert_rows(session, events)
    assert [(row[0], row[2]) for row in stored(db) if row[1] == 2] == [
        ("E-1", "forwarded"), ("E-2", "forwarded"),
    ]
    with db.session() as session:
        assert None not in session.scalars(select(StatusEvent.recorded_at)).all()


def test_insert_rows_takes_one_class_at_a_time(app: Flask, db: Database, keys: Keys) -> None:
    store_complaint(app, external_id="E-1")
    with app.app_context(), db.transaction() as session:
        complaint = session.scalars(select(Complaint)).one()
        with pytest.raises(TypeError, match="one class"):
            insert_rows(session, [next_event(complaint, "forwarded", source="gateway"),
                                  complaint])
        session.rollback()
    assert [row[2] for row in stored(db)] == ["received"]


def test_append_event_stores_one_event_and_gives_it_its_id(
    app: Flask, db: Database, keys: Keys
) -> None:
    from app.events import append_event

    store_complaint(app, external_id="E-1")
    with app.app_context(), db.transaction() as session:
        complaint = session.scalars(select(Complaint)).one()
        event = append_event(session, complaint, "forwarded", source="gateway", note="n")
        assert event.id is not None
    with db.session() as session:
        assert session.get(StatusEvent, event.id).status == "forwarded"


def test_listeners_ride_on_the_database_in_order_and_a_bare_one_tells_nobody(
    app: Flask, db: Database, keys: Keys
) -> None:
    from app.events import EventListener, append_event, mark_overdue

    store_complaint(app, external_id="E-1")
    heard: list[tuple[str, str, int]] = []

    class Recorder(EventListener):
        def __init__(self, name: str) -> None:
            self.name = name

        def status_changed(self, session: object, complaint: Complaint,
                           event: StatusEvent) -> None:
            heard.append((self.name, event.status, event.seq))

        def became_overdue(self, session: object, complaint: Complaint) -> None:
            heard.append((self.name, "overdue", complaint.seq))

    listening_db = Database(db.url, listeners=(Recorder("first"), Recorder("second")))
    bare = Database(db.url)
    try:
        with listening_db.transaction() as session:
            complaint = session.scalars(select(Complaint)).one()
            append_event(session, complaint, "forwarded", source="gateway")
            mark_overdue(session, complaint)
        with bare.transaction() as session:
            complaint = session.scalars(select(Complaint)).one()
            append_event(session, complaint, "in_progress", source="crm")
            mark_overdue(session, complaint)
    finally:
        listening_db.dispose()
        bare.dispose()
    assert heard == [("first", "forwarded", 2), ("second", "forwarded", 2),
                     ("first", "overdue", 2), ("second", "overdue", 2)]
    assert [row[2] for row in stored(db)] == ["received", "forwarded", "in_progress"]
