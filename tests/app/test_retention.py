"""Retention: reporter data erased exactly when due, everything statistics need kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from app.clock import utcnow
from app.models import Complaint, IdempotencyRecord, StatusEvent
from app.retention import run_retention
from tests.support.complaints import store_complaint


def _age(db, complaint_id, status: str, days: float) -> None:
    with db.transaction() as session:
        complaint = session.get(Complaint, complaint_id)
        complaint.status = status
        complaint.updated_at = utcnow() - timedelta(days=days)
        if status == "resolved":
            complaint.resolved_at = complaint.updated_at


def test_retention_erases_exactly_the_terminal_complaints_past_the_period(app, db,
                                                                          keys) -> None:
    cases = {
        "resolved-old": ("resolved", 31),
        "rejected-old": ("rejected", 45),
        "closed-old": ("closed", 400),
        "resolved-recent": ("resolved", 29),
        "open-old": ("in_progress", 90),
        "received-old": ("received", 90),
    }
    ids = {}
    for external_id, (status, days) in cases.items():
        complaint = store_complaint(app, "PSI", external_id=external_id)
        _age(db, complaint.id, status, days)
        ids[external_id] = complaint.id
    with db.transaction() as session:
        session.add(IdempotencyRecord(scope="faction:1", key="old", method="POST", path="/x",
                                      request_hash="h", response_body="{}",
                                      expires_at=utcnow() - timedelta(hours=1)))
        session.add(IdempotencyRecord(scope="faction:1", key="live", method="POST", path="/x",
                                      request_hash="h", response_body="{}",
                                      expires_at=utcnow() + timedelta(hours=1)))

    with db.session() as session:
        erased = run_retention(session, utcnow(), days=30, batch_size=2)
    assert erased == 3

    erased_ids = {ids["resolved-old"], ids["rejected-old"], ids["closed-old"]}
    with db.session() as session:
        for external_id, complaint_id in ids.items():
            complaint = session.get(Complaint, complaint_id)
            personal = (complaint.reporter_name, complaint.reporter_phone,
                        complaint.reporter_email, complaint.reporter_nik, complaint.address)
            if complaint_id in erased_ids:
                assert personal == (None,) * 5, external_id
                assert complaint.reporter_erased_at is not None
            else:
                assert None not in personal, external_id
                assert complaint.reporter_erased_at is None
            # What statistics need stays.
            assert complaint.category == "sampah" and complaint.kelurahan_code
            assert complaint.due_at and complaint.created_at and complaint.status
        assert session.scalars(select(StatusEvent.id)).all()
        keys_left = session.scalars(select(IdempotencyRecord.key)).all()
    assert keys_left == ["live"]

    with db.session() as session:
        assert run_retention(session, utcnow(), days=30) == 0  # nothing twice


def test_retention_leaves_erased_rows_without_ciphertext(app, db, keys) -> None:
    complaint = store_complaint(app, "PSI")
    _age(db, complaint.id, "closed", 10)
    with db.session() as session:
        assert run_retention(session, utcnow(), days=7) == 1
    with db.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT reporter_name, reporter_phone, reporter_email, reporter_nik, address "
            "FROM complaints")).one()
    assert tuple(row) == (None,) * 5



def test_the_one_purge_empties_expired_idempotency_records_batch_by_batch(app, db) -> None:
    """Retention and housekeeping run the same purge: every expired record, none live."""
    from app.models.records import purge_expired_idempotency

    now = utcnow()
    with db.transaction() as session:
        for number in range(5):
            session.add(IdempotencyRecord(
                scope="faction:1", key=f"old-{number}", method="POST", path="/x",
                request_hash="h", state="completed", expires_at=now - timedelta(minutes=1),
            ))
        session.add(IdempotencyRecord(
            scope="faction:1", key="live", method="POST", path="/x", request_hash="h",
            state="completed", expires_at=now + timedelta(hours=1),
        ))
    with db.session() as session:
        assert purge_expired_idempotency(session, now=now, batch=2, max_batches=2) == 4
        assert purge_expired_idempotency(session, now=now, batch=2) == 1
    with db.session() as session:
        assert session.scalars(select(IdempotencyRecord.key)).all() == ["live"]
