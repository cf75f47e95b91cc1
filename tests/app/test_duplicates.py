"""Duplicates across factions (app/duplicates.py, docs/ARCHITECTURE.md#duplicates)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app, duplicates
from app.clock import utcnow
from app.config import Settings
from app.database import Database
from app.duplicates import DecisionRefused
from app.events import append_event
from app.models import Complaint, OutboxMessage, StatusEvent
from app.status_updates import apply_crm_update
from tests.conftest import Keys
from tests.support.audit import audit_entries
from tests.support.duplicates import FLOOD, FLOOD_AGAIN, submit


def test_migration_0006_adds_the_duplicate_columns_and_downgrade_removes_them(
    tmp_path: Path,
) -> None:
    from alembic import command
    from sqlalchemy import inspect, text

    from app.migrate import alembic_config, upgrade

    url = os.environ.get("JEMBATAN_TEST_DATABASE_URL_SCRATCH") or f"sqlite:///{tmp_path}/m.db"
    scratch = Database(url)
    if url.startswith("postgresql"):
        with scratch.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url, "0005")
    with scratch.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO factions (code, name, active, feed_format, created_at, updated_at)"
            " VALUES ('PSI', 'Fraksi PSI', true, 'xml', '2026-12-01', '2026-12-01')"))
        faction_id = connection.execute(text("SELECT id FROM factions")).scalar_one()
        connection.execute(text(
            "INSERT INTO complaints (id, tracking_code, faction_id, external_id, source,"
            " category, title, description, kelurahan_code, kecamatan_code, kota_code,"
            " visibility, attachments, content_hash, status_secret, status, seq, due_at,"
            " overdue, created_at, updated_at) VALUES ('0a1b2c3d4e5f40718293a4b5c6d7e8f9',"
            " 'JBT-AAAA2222', :faction, 'x-1', 'api', 'jalan', 'Jalan rusak', 'Berlubang',"
            " '3171010001', '317101', '3171', 'public', '[]', 'h', 's', 'received', 1,"
            " '2026-12-10', false, '2026-12-01', '2026-12-01')"), {"faction": faction_id})
    upgrade(url)
    with scratch.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT tracking_code, duplicate_of_id, duplicate_state, duplicate_score,"
            " matcher_version, duplicate_decided_at, geocell FROM complaints")).one()
        indexes = {i["name"] for i in inspect(connection).get_indexes("complaints")}
    assert tuple(row) == ("JBT-AAAA2222", None, None, None, None, None, None)
    assert {"ix_complaints_dedup_open_geocell", "ix_complaints_dedup_closed_kelurahan_code",
            "ix_complaints_suggested",
            "ix_complaints_duplicate_of_id", "ix_complaints_public_overdue"} <= indexes
    command.downgrade(alembic_config(url), "0005")
    with scratch.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("complaints")}
        kept = connection.execute(text("SELECT tracking_code FROM complaints")).scalar_one()
        indexes = {i["name"] for i in inspect(connection).get_indexes("complaints")}
    assert kept == "JBT-AAAA2222"
    assert not columns & {"duplicate_of_id", "duplicate_state", "geocell", "matcher_version"}
    assert "ix_complaints_public_overdue" in indexes
    assert not {i for i in indexes if "dedup" in i or "suggested" in i}
    upgrade(url)  # and up again
    scratch.dispose()


# --- the flow, through the native API and the core functions ----------------------------



def load(db: Any, tracking_code: str) -> Complaint:
    with db.session() as session:
        return session.scalars(
            select(Complaint).where(Complaint.tracking_code == tracking_code)).one()


def topics(db: Any, complaint: Complaint) -> list[str]:
    with db.session() as session:
        return list(session.scalars(
            select(OutboxMessage.topic).where(OutboxMessage.complaint_id == complaint.id,
                                              OutboxMessage.topic.like("crm.%"),
                                              OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)))


def timeline(db: Any, complaint: Complaint) -> list[tuple[int, str, str | None]]:
    with db.session() as session:
        return [(e.seq, e.status, e.note) for e in session.scalars(
            select(StatusEvent).where(StatusEvent.complaint_id == complaint.id)
            .order_by(StatusEvent.seq))]


def decide(db: Any, action: Any, tracking_code: str, *args: str) -> None:
    """Run a review decision in its own transaction, as the API and CLI do."""
    with db.transaction() as session:
        complaint = session.scalars(
            select(Complaint).where(Complaint.tracking_code == tracking_code)).one()
        others = [session.scalars(select(Complaint).where(Complaint.tracking_code == c)).one()
                  for c in args]
        action(session, complaint, *others, actor="test:reviewer")


def give_ticket(db: Any, tracking_code: str, ticket: str, status: str = "forwarded") -> None:
    """Record a forward (as the crm.submit handler would) and move the status on."""
    with db.transaction() as session:
        complaint = session.scalars(
            select(Complaint).where(Complaint.tracking_code == tracking_code)).one()
        complaint.crm_ticket_id = ticket
        complaint.forwarded_at = utcnow()
        append_event(session, complaint, "forwarded", source="gateway", note="f", public_note="f")
        if status != "forwarded":
            append_event(session, complaint, status, source="crm", note="x", public_note="x")
        for message in session.scalars(select(OutboxMessage).where(
                OutboxMessage.complaint_id == complaint.id, OutboxMessage.topic == "crm.submit")):
            message.status = "done"


@pytest.fixture
def suggest_only(settings: Settings) -> Iterator[FlaskClient]:
    """An app whose matcher never links (every match is a suggestion for review)."""
    application = create_app(dataclasses.replace(settings, DEDUP_LINK_AT=1.01))
    yield application.test_client()
    application.extensions["db"].dispose()


def test_the_same_problem_from_another_faction_is_linked_and_opens_no_ticket(
    client: FlaskClient, keys: Keys, db: Any,
) -> None:
    first = submit(client, keys, "PKS", FLOOD)
    second = submit(client, keys, "PSI", FLOOD_AGAIN)
    primary, duplicate = load(db, first["tracking_code"]), load(db, second["tracking_code"])
    assert primary.duplicate_state is None and primary.duplicate_of_id is None
    assert primary.geocell and duplicate.geocell
    assert (duplicate.duplicate_state, duplicate.duplicate_of_id) == ("linked", primary.id)
    assert duplicate.duplicate_score is not None and duplicate.duplicate_score > 0.5
    assert duplicate.matcher_version == duplicates.matching.MATCHER_VERSION
    assert topics(db, primary) == ["crm.submit"]
    # No ticket of its own, and no update until the primary has a ticket to post it on.
    assert topics(db, duplicate) == []
    events = timeline(db, duplicate)
    assert [(seq, status) for seq, status, _ in events] == [(1, "received"), (2, "received")]
    assert primary.tracking_code in (events[1][2] or "")


def test_another_category_or_a_far_spot_is_not_a_duplicate(
    client: FlaskClient, keys: Keys, db: Any,
) -> None:
    first = submit(client, keys, "PKS", FLOOD)
    other_category = submit(client, keys, "PSI", FLOOD_AGAIN | {"category": "jalan_rusak"})
    far = submit(client, keys, "PAN", FLOOD_AGAIN | {"location": FLOOD_AGAIN["location"] | {
        "lat": -6.1800, "lon": 106.8300}})
    for created in (first, other_category, far):
        complaint = load(db, created["tracking_code"])
        assert complaint.duplicate_state is None
        assert topics(db, complaint) == ["crm.submit"]


def test_matching_off_forwards_every_complaint(settings: Settings, keys: Keys, db: Any) -> None:
    application = create_app(dataclasses.replace(settings, DEDUP_ENABLED=False))
    client = application.test_client()
    codes = [submit(client, keys, f, FLOOD)["tracking_code"] for f in ("PKS", "PSI")]
    application.extensions["db"].dispose()
    assert [load(db, c).duplicate_state for c in codes] == [None, None]
    assert [topics(db, load(db, c)) for c in codes] == [["crm.submit"], ["crm.submit"]]


def test_a_duplicate_of_a_forwarded_primary_takes_its_status_and_tells_the_crm(
    client: FlaskClient, keys: Keys, db: Any,
) -> None:
    first = submit(client, keys, "PKS", FLOOD)
    give_ticket(db, first["tracking_code"], "3100042", status="in_progress")
    second = submit(client, keys, "PSI", FLOOD_AGAIN)
    duplicate = load(db, second["tracking_code"])
    assert duplicate.duplicate_state == "linked"
    assert duplicate.status == "in_progress"  # the primary had moved on: at once
    assert duplicate.crm_ticket_id is None  # the ticket is the primary's, not its own
    assert topics(db, duplicate) == ["crm.update"]
    with db.session() as session:
        message = session.scalars(select(OutboxMessage).where(
            OutboxMessage.complaint_id == duplicate.id)
            .where(OutboxMessage.topic == "crm.update")).one()
    assert message.payload["primary_id"] == first["id"]


def test_crm_updates_on_the_primary_become_events_of_each_linked_complaint(
    client: FlaskClient, keys: Keys, db: Any, settings: Settings,
) -> None:
    first = submit(client, keys, "PKS", FLOOD)
    linked = [submit(client, keys, f, FLOOD_AGAIN) for f in ("PSI", "PAN")]
    give_ticket(db, first["tracking_code"], "3100077")
    with db.transaction() as session:
        outcome = apply_crm_update(session, {
            "update_id": "UPD-1", "service_request_id": "3100077", "status": "IN_PROGRESS",
            "external_status_code": "PROSES", "updated_datetime": utcnow().isoformat(),
            "description": "Petugas menuju lokasi.", "agency": "Dinas Sumber Daya Air"},
            settings)
    assert outcome == "applied"
    primary = load(db, first["tracking_code"])
    for created in linked:
        complaint = load(db, created["tracking_code"])
        assert complaint.status == primary.status == "in_progress"
        assert complaint.agency == "Dinas Sumber Daya Air"
        events = timeline(db, complaint)
        assert [s for _, s, _ in events][-1] == "in_progress"
        assert events[-1][2] == "Petugas menuju lokasi."
        assert [seq for seq, _, _ in events] == list(range(1, len(events) + 1))
    # Each linked complaint's faction hears of it through its own webhook subscription
    # (tests/sync/test_duplicates.py follows the deliveries); the update itself is once.
    with db.session() as session:
        followed = session.scalars(select(StatusEvent).where(
            StatusEvent.crm_update_id == "UPD-1")).all()
    assert len(followed) == 3
    # Our own update on the ticket, listed back by the CRM, changes nothing.
    with db.transaction() as session:
        ours = apply_crm_update(session, {
            "update_id": "jbt-dup:JBT-X:3100077:2", "service_request_id": "3100077",
            "status": "OPEN", "updated_datetime": utcnow().isoformat(),
            "description": "Dilaporkan juga"}, settings)
    assert ours == "duplicate"


def test_a_confidential_primary_lends_its_status_but_not_its_notes_or_code_to_the_public(
    client: FlaskClient, keys: Keys, db: Any, settings: Settings,
) -> None:
    """The linked public complaint follows a confidential primary's status; what the CRM
    wrote on that ticket, and the primary's code, stay in the faction's own view."""
    first = submit(client, keys, "PKS", FLOOD | {"visibility": "confidential"})
    shown = submit(client, keys, "PSI", FLOOD_AGAIN | {"visibility": "public"})
    give_ticket(db, first["tracking_code"], "3100088")
    with db.transaction() as session:
        assert apply_crm_update(session, {
            "update_id": "UPD-C", "service_request_id": "3100088", "status": "IN_PROGRESS",
            "external_status_code": "PROSES", "updated_datetime": utcnow().isoformat(),
            "description": "Petugas menemui pelapor di rumahnya."}, settings) == "applied"
    with db.session() as session:
        events = session.scalars(select(StatusEvent).join(Complaint).where(
            Complaint.tracking_code == shown["tracking_code"]).order_by(StatusEvent.seq)).all()
        assert events[-1].status == "in_progress"
        assert events[-1].note == "Petugas menemui pelapor di rumahnya."  # the faction's view
        public = " ".join(e.public_note or "" for e in events)
    assert "menemui pelapor" not in public and first["tracking_code"] not in public
    assert "3100088" not in public and "laporan lain" in public


def test_a_suggestion_waits_for_review_and_confirm_links_it(
    suggest_only: FlaskClient, keys: Keys, db: Any,
) -> None:
    first = submit(suggest_only, keys, "PKS", FLOOD)
    second = submit(suggest_only, keys, "PSI", FLOOD_AGAIN)
    waiting = load(db, second["tracking_code"])
    assert waiting.duplicate_state == "suggested"
    assert topics(db, waiting) == []  # not forwarded while it waits
    with db.session() as session:
        assert [c.tracking_code for c in duplicates.suggestions(session, limit=10)] == [
            second["tracking_code"]]
    decide(db, duplicates.confirm, second["tracking_code"])
    confirmed = load(db, second["tracking_code"])
    assert confirmed.duplicate_state == "linked"
    assert confirmed.duplicate_decided_at is not None
    with db.session() as session:
        assert duplicates.suggestions(session, limit=10) == []
        primary = session.scalars(select(Complaint).where(
            Complaint.tracking_code == first["tracking_code"])).one()
        assert [c.tracking_code for c in duplicates.linked_to(session, primary)] == [
            second["tracking_code"]]
    [entry] = audit_entries(db, "duplicate.confirm")
    assert (entry.actor, entry.target_id) == ("test:reviewer", second["tracking_code"])
    assert entry.detail["primary"] == first["tracking_code"]
    with pytest.raises(DecisionRefused) as refused:
        decide(db, duplicates.confirm, second["tracking_code"])
    assert refused.value.code == "not_suggested"


def test_reject_forwards_the_suggestion_as_its_own_ticket(
    suggest_only: FlaskClient, keys: Keys, db: Any,
) -> None:
    submit(suggest_only, keys, "PKS", FLOOD)
    second = submit(suggest_only, keys, "PSI", FLOOD_AGAIN)
    decide(db, duplicates.reject, second["tracking_code"])
    rejected = load(db, second["tracking_code"])
    assert (rejected.duplicate_state, rejected.duplicate_of_id) == ("rejected", None)
    assert topics(db, rejected) == ["crm.submit"]
    assert len(audit_entries(db, "duplicate.reject")) == 1
    with pytest.raises(DecisionRefused) as refused:
        decide(db, duplicates.reject, second["tracking_code"])
    assert refused.value.code == "not_suggested"


def test_an_unreviewed_suggestion_is_forwarded_after_the_timeout(
    suggest_only: FlaskClient, keys: Keys, db: Any, settings: Settings,
) -> None:
    submit(suggest_only, keys, "PKS", FLOOD)
    second = submit(suggest_only, keys, "PSI", FLOOD_AGAIN)
    timeout = timedelta(seconds=settings.DEDUP_REVIEW_TIMEOUT_S)
    with db.transaction() as session:
        assert duplicates.expire_suggestions(session, settings, utcnow()) == 0
    assert load(db, second["tracking_code"]).duplicate_state == "suggested"
    with db.transaction() as session:
        later = utcnow() + timeout + timedelta(seconds=1)
        assert duplicates.expire_suggestions(session, settings, later) == 1
    expired = load(db, second["tracking_code"])
    assert (expired.duplicate_state, expired.duplicate_of_id) == ("rejected", None)
    assert topics(db, expired) == ["crm.submit"]
    assert "batas waktu" in (timeline(db, expired)[-1][2] or "")
    [entry] = audit_entries(db, "duplicate.expire")
    assert entry.actor == "system:review-timeout"


def test_link_by_hand_and_split_each_audited(
    client: FlaskClient, keys: Keys, db: Any,
) -> None:
    first = submit(client, keys, "PKS", FLOOD)
    other = submit(client, keys, "PSI", FLOOD | {"category": "jalan_rusak",
                                                 "title": "Jalan amblas"})
    give_ticket(db, first["tracking_code"], "3100100", status="dispatched")
    decide(db, duplicates.link, other["tracking_code"], first["tracking_code"])
    linked = load(db, other["tracking_code"])
    assert (linked.duplicate_state, linked.status) == ("linked", "dispatched")
    # Its pending crm.submit is superseded: one problem, one ticket.
    assert topics(db, linked) == ["crm.update"]
    decide(db, duplicates.split, other["tracking_code"])
    split = load(db, other["tracking_code"])
    assert (split.duplicate_state, split.duplicate_of_id, split.status) == (
        "rejected", None, "received")
    assert "crm.submit" in topics(db, split)
    events = timeline(db, split)
    assert [seq for seq, _, _ in events] == list(range(1, len(events) + 1))
    assert [len(audit_entries(db, a)) for a in ("duplicate.link", "duplicate.split")] == [1, 1]
    with pytest.raises(DecisionRefused) as refused:
        decide(db, duplicates.split, other["tracking_code"])
    assert refused.value.code == "not_linked"


def test_refusals_name_why(client: FlaskClient, keys: Keys, db: Any) -> None:
    a = submit(client, keys, "PKS", FLOOD)["tracking_code"]
    b = submit(client, keys, "PSI", FLOOD_AGAIN)["tracking_code"]  # linked to a
    c = submit(client, keys, "PAN", FLOOD | {"category": "pohon", "title": "Pohon tumbang"})[
        "tracking_code"]
    d = submit(client, keys, "PKB", FLOOD | {"category": "pkl", "title": "PKL di trotoar"})[
        "tracking_code"]

    def refused(action: Any, *codes: str) -> str:
        with pytest.raises(DecisionRefused) as caught:
            decide(db, action, *codes)
        assert caught.value.reason
        return caught.value.code

    assert refused(duplicates.link, c, c) == "same_complaint"
    assert refused(duplicates.link, b, a) == "already_linked"
    assert refused(duplicates.link, c, b) == "primary_is_duplicate"  # a chain
    assert refused(duplicates.link, a, c) == "has_duplicates"  # a chain the other way
    assert refused(duplicates.confirm, c) == "not_suggested"
    give_ticket(db, d, "3100200")
    assert refused(duplicates.link, d, c) == "has_ticket"
    for code in (c, d):
        with db.transaction() as session:
            complaint = session.scalars(select(Complaint).where(
                Complaint.tracking_code == code)).one()
            append_event(session, complaint, "resolved", source="crm", note="x",
                         public_note="x")
    assert refused(duplicates.link, c, d) == "terminal_pair"
    assert load(db, c).duplicate_state is None  # nothing changed by a refusal
    assert audit_entries(db, "duplicate.link") == []


def test_groups_and_policy_come_from_settings(settings: Settings) -> None:
    default = duplicates.matching.DEFAULT_POLICY
    assert duplicates.policy_of(settings) == default
    custom = duplicates.policy_of(dataclasses.replace(
        settings, DEDUP_RADIUS_M=80.0, DEDUP_GROUPS="jalan_rusak+banjir_saluran; sampah"))
    assert custom.radius_m == 80.0 and custom.link_at == default.link_at
    assert dict(custom.groups) == {"jalan_rusak": "jalan_rusak+banjir_saluran",
                                   "banjir_saluran": "jalan_rusak+banjir_saluran"}


def test_suggestions_are_listed_oldest_first_a_page_at_a_time(
    suggest_only: FlaskClient, keys: Keys, db: Any,
) -> None:
    submit(suggest_only, keys, "PKS", FLOOD)
    waiting = [submit(suggest_only, keys, code, FLOOD_AGAIN)["tracking_code"]
               for code in ("PSI", "PAN", "PKB")]
    with db.session() as session:
        pages, after = [], None
        while page := duplicates.suggestions(session, limit=2, after=after):
            pages.append([c.tracking_code for c in page])
            after = page[-1].id
    assert pages == [waiting[:2], waiting[2:]]
