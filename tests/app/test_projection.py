"""The stored public projection: computed at intake and per event, and by migration 0003."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select, text

from app import crypto
from app.clock import utcnow
from app.config import DEMO_DATA_KEY, Settings
from app.database import Database, UTCDateTime
from app.events import append_event
from app.migrate import alembic_config, upgrade
from app.models import Complaint, StatusEvent
from app.redaction import VERSION, Identity, redact
from tests.support.complaints import store_complaint

REPORTER = {"name": "Canaryname Zulkarnaen", "phone": "081299887766",
            "email": "canary.reporter@posko.example.org", "nik": "3174059912880007"}
ADDRESS = "Jl. Canary Alamat Rumah No. 77"
TITLE = f"Lampu mati depan rumah {REPORTER['name']}"
DESCRIPTION = (f"Saya {REPORTER['name']} di {ADDRESS}, telp {REPORTER['phone']}, "
               f"surel {REPORTER['email']}, NIK {REPORTER['nik']}.")
IDENTITY = Identity(name=REPORTER["name"], address=ADDRESS, phone=REPORTER["phone"],
                    email=REPORTER["email"], nik=REPORTER["nik"])


def _canaries(text_: str | None) -> list[str]:
    return [v for v in (*REPORTER.values(), ADDRESS) if v.casefold() in (text_ or "").casefold()]


def test_intake_stores_the_projection_redacted_with_the_submitted_identity(app, db,
                                                                           keys) -> None:
    stored = store_complaint(app, "PSI", title=TITLE, description=DESCRIPTION,
                             reporter=REPORTER,
                             location={"kelurahan_code": "31.71.01.1001", "address": ADDRESS})
    with db.session() as session:
        complaint = session.get(Complaint, stored.id)
        assert complaint.title == TITLE and complaint.description == DESCRIPTION  # kept whole
        assert complaint.public_title == redact(TITLE, IDENTITY)
        assert complaint.public_description == redact(DESCRIPTION, IDENTITY)
        assert complaint.redaction_version == VERSION
        assert _canaries(complaint.public_title) == _canaries(complaint.public_description) == []
        (received,) = session.scalars(select(StatusEvent)).all()
        assert received.public_note == received.note == "Aduan diterima oleh Jembatan."


def test_each_event_stores_its_note_redacted_with_the_identity_known_then(app, db,
                                                                          keys) -> None:
    stored = store_complaint(app, "PSI", reporter=REPORTER,
                             location={"kelurahan_code": "31.71.01.1001", "address": ADDRESS})
    note = f"Petugas menelepon {REPORTER['name']} di {REPORTER['phone']} ({ADDRESS})."
    with app.app_context(), db.transaction() as session:
        complaint = session.get(Complaint, stored.id)
        event = append_event(session, complaint, "forwarded", source="crm", note=note)
        silent = append_event(session, complaint, "in_progress", source="crm")
    assert event.note == note
    assert event.public_note == redact(note, IDENTITY)
    assert _canaries(event.public_note) == []
    assert silent.public_note is None


def _raw(db: Database, sql: str) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql)).all()]


def test_migration_0003_backfills_from_the_reporter_data_that_still_exists(tmp_path: Path
                                                                          ) -> None:
    crypto.configure(Settings(ENV="test", DATA_KEYS=DEMO_DATA_KEY))
    url = os.environ.get("JEMBATAN_TEST_DATABASE_URL_SCRATCH") or f"sqlite:///{tmp_path}/m.db"
    db = Database(url)
    if url.startswith("postgresql"):
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url, "0002")
    complaints = sa.table(
        "complaints", *(sa.column(c) for c in (
            "tracking_code", "faction_id", "external_id", "source", "category", "title",
            "description", "kelurahan_code", "kecamatan_code", "kota_code", "visibility",
            "content_hash", "status_secret", "status", "seq", "overdue", "address",
            "reporter_name", "reporter_phone", "reporter_email", "reporter_nik")),
        sa.column("id", sa.Uuid()), sa.column("attachments", sa.JSON()),
        *(sa.column(c, UTCDateTime()) for c in (
            "due_at", "created_at", "updated_at", "reporter_erased_at")),
    )
    events = sa.table(
        "status_events", sa.column("id"), sa.column("complaint_id", sa.Uuid()),
        sa.column("seq"), sa.column("status"), sa.column("source"), sa.column("note"),
        sa.column("occurred_at", UTCDateTime()), sa.column("recorded_at", UTCDateTime()),
    )
    now = utcnow()
    known, erased = uuid.uuid4(), uuid.uuid4()
    encrypt = crypto.keyring().encrypt
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO factions (id, code, name, active, feed_format, created_at, updated_at)"
            " VALUES (1, 'PSI', 'Fraksi PSI', true, 'xml', '2026-11-01', '2026-11-01')"))
        for key, code, erased_at in ((known, "JBT-KNOWN001", None), (erased, "JBT-ERASED01", now)):
            person = {} if erased_at else {
                "reporter_name": encrypt(REPORTER["name"]),
                "reporter_phone": encrypt(REPORTER["phone"]),
                "reporter_email": encrypt(REPORTER["email"]),
                "reporter_nik": encrypt(REPORTER["nik"]), "address": encrypt(ADDRESS)}
            connection.execute(sa.insert(complaints).values(
                id=key, tracking_code=code, faction_id=1, external_id=code, source="api",
                category="sampah", title=TITLE, description=DESCRIPTION,
                kelurahan_code="31.71.01.1001", kecamatan_code="31.71.01", kota_code="31.71",
                visibility="public", attachments=[], content_hash="h", status_secret="s",
                status="forwarded", seq=2, overdue=False, due_at=now + timedelta(days=5),
                created_at=now, updated_at=now, reporter_erased_at=erased_at, **person))
            connection.execute(sa.insert(events), [
                {"complaint_id": key, "seq": 1, "status": "received", "source": "gateway",
                 "note": "Aduan diterima oleh Jembatan.", "occurred_at": now,
                 "recorded_at": now},
                {"complaint_id": key, "seq": 2, "status": "forwarded", "source": "crm",
                 "note": f"Hubungi {REPORTER['name']} di {REPORTER['phone']}",
                 "occurred_at": now, "recorded_at": now},
            ])
    upgrade(url)
    upgrade(url)  # a rerun finds every row filled and changes nothing

    with db.session() as session:
        with_identity = session.get(Complaint, known)
        assert with_identity.public_title == redact(TITLE, IDENTITY)
        assert with_identity.public_description == redact(DESCRIPTION, IDENTITY)
        assert with_identity.redaction_version == VERSION
        assert _canaries(with_identity.public_description) == []
        # Erased before the migration: only what the text itself shows can be masked.
        without = session.get(Complaint, erased)
        assert without.public_description == redact(DESCRIPTION)
        assert REPORTER["phone"] not in without.public_description
        notes = {
            (e.complaint_id, e.seq): e.public_note for e in session.scalars(select(StatusEvent))
        }
    assert notes[(known, 2)] == redact(f"Hubungi {REPORTER['name']} di {REPORTER['phone']}",
                                       IDENTITY)
    assert _canaries(notes[(known, 2)]) == []
    assert notes[(known, 1)] == "Aduan diterima oleh Jembatan."

    command.downgrade(alembic_config(url), "0002")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("complaints")}
    assert not columns & {"public_title", "public_description", "redaction_version"}
    assert "public_note" not in {c["name"] for c in sa.inspect(db.engine).get_columns(
        "status_events")}
    assert len(_raw(db, "SELECT id FROM complaints")) == 2
    upgrade(url)  # and up again
    assert _raw(db, "SELECT count(*) FROM complaints WHERE public_title IS NULL") == [(0,)]
    db.dispose()


def test_fill_projection_stores_what_an_older_release_left_empty(app, db, keys,
                                                                 database_url: str) -> None:
    from click.testing import CliRunner

    from app.cli import main
    from tests.support.complaints import cli_env

    location = {"kelurahan_code": "31.71.01.1001", "address": ADDRESS}
    old = store_complaint(app, "PSI", external_id="OLD", title=TITLE, description=DESCRIPTION,
                          reporter=REPORTER, location=location)
    current = store_complaint(app, "PSI", external_id="NEW", title=TITLE,
                              description=DESCRIPTION, reporter=REPORTER, location=location)
    note = f"Hubungi {REPORTER['name']} di {REPORTER['phone']}"
    with app.app_context(), db.transaction() as session:
        for stored in (old, current):
            append_event(session, session.get(Complaint, stored.id), "forwarded",
                         source="crm", note=note)
    with db.transaction() as session:  # as a release before 0003 would have stored them
        session.execute(sa.update(Complaint).where(Complaint.id == old.id).values(
            public_title=None, public_description=None, redaction_version=None))
        session.execute(sa.update(StatusEvent).where(StatusEvent.complaint_id == old.id)
                        .values(public_note=None))
        session.execute(sa.update(Complaint).where(Complaint.id == current.id).values(
            public_title="stored before"))

    runner = CliRunner()
    result = runner.invoke(main, ["db", "fill-projection", "--batch-size", "1"],
                           env=cli_env(database_url))
    assert result.exit_code == 0, result.output
    assert "of 1 complaints and 2 events" in result.output
    with db.session() as session:
        filled = session.get(Complaint, old.id)
        assert filled.public_title == redact(TITLE, IDENTITY)
        assert filled.public_description == redact(DESCRIPTION, IDENTITY)
        assert filled.redaction_version == VERSION
        notes = session.scalars(select(StatusEvent.public_note).where(
            StatusEvent.complaint_id == old.id).order_by(StatusEvent.seq)).all()
        assert notes == [redact("Aduan diterima oleh Jembatan.", IDENTITY),
                         redact(note, IDENTITY)]
        assert session.get(Complaint, current.id).public_title == "stored before"  # kept
    again = runner.invoke(main, ["db", "fill-projection"], env=cli_env(database_url))
    assert "of 0 complaints and 0 events" in again.output
