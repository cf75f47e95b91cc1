"""`Idempotency-Key` on POST /api/v1/complaints (IETF draft semantics, docs/API.md#idempotency)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from app.clock import utcnow
from app.idempotency import RETENTION
from app.models import Complaint, Faction, IdempotencyRecord
from app.models.records import delete_expired_idempotency
from tests.conftest import PG_URL, complaint_payload
from tests.support.listeners import listening

URL = "/api/v1/complaints"


def post(client: Any, keys: Any, payload: Any, key: str | None, who: str = "PSI") -> Any:
    headers = keys.headers(who)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(URL, json=payload, headers=headers)


def complaint_count(db: Any) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Complaint))


def test_same_key_and_body_replays_the_first_response(client, keys, db) -> None:
    first = post(client, keys, complaint_payload(), "k-1")
    again = post(client, keys, complaint_payload(), "k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_data() == first.get_data()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert complaint_count(db) == 1
    with db.session() as session:
        record = session.scalars(select(IdempotencyRecord)).one()
        assert record.expires_at - record.created_at >= timedelta(hours=24)
        assert record.response_status == 201 and record.state == "completed"


def test_quoted_key_is_the_same_key(client, keys, db) -> None:
    post(client, keys, complaint_payload(), "abc")
    assert post(client, keys, complaint_payload(), '"abc"').headers["Idempotent-Replayed"]


def test_same_key_with_another_body_is_422(client, keys, db) -> None:
    post(client, keys, complaint_payload(), "k-1")
    other = post(client, keys, complaint_payload(external_id="PSI-2"), "k-1")
    assert other.status_code == 422 and other.content_type == "application/problem+json"
    assert other.json["type"] == "/problems/idempotency-key-reused"
    assert complaint_count(db) == 1


def test_keys_are_scoped_per_faction(client, keys, db) -> None:
    assert post(client, keys, complaint_payload(), "shared", who="PSI").status_code == 201
    assert post(client, keys, complaint_payload(), "shared", who="PKS").status_code == 201
    assert complaint_count(db) == 2


def test_a_new_key_for_a_stored_external_id_replays_it_with_200(client, keys) -> None:
    first = post(client, keys, complaint_payload(), None).json
    replay = post(client, keys, complaint_payload(), "new-key")
    assert replay.status_code == 200 and replay.json["id"] == first["id"]
    again = post(client, keys, complaint_payload(), "new-key")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("bad", ["", "x" * 256, 'a"b', "tab\there"])
def test_malformed_key_is_a_400_problem(client, keys, db, bad) -> None:
    response = post(client, keys, complaint_payload(), bad)
    assert response.status_code == 400
    assert response.json["type"] == "/problems/bad-idempotency-key"
    assert complaint_count(db) == 0


def test_a_refused_request_does_not_use_up_the_key(client, keys) -> None:
    assert post(client, keys, complaint_payload(title=""), "k").status_code == 422
    assert post(client, keys, complaint_payload(), "k").status_code == 201


def test_record_and_complaint_commit_together(client, keys, db) -> None:
    def explode(*_args: Any) -> None:
        raise RuntimeError("boom")

    with listening(db, explode):
        assert post(client, keys, complaint_payload(), "k").status_code == 500
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    assert complaint_count(db) == 0
    assert post(client, keys, complaint_payload(), "k").status_code == 201


def test_expired_key_is_free_again_and_purged(client, keys, db) -> None:
    post(client, keys, complaint_payload(), "old")
    post(client, keys, complaint_payload(external_id="PSI-2"), "fresh")
    with db.transaction() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "old")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    # After expiry the key may carry new content.
    reused = post(client, keys, complaint_payload(external_id="PSI-3"), "old")
    assert reused.status_code == 201 and reused.json["external_id"] == "PSI-3"
    with db.transaction() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "old")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    with db.transaction() as session:
        assert delete_expired_idempotency(session) == 1
    with db.session() as session:
        assert session.scalars(select(IdempotencyRecord.key)).all() == ["fresh"]
    assert RETENTION >= timedelta(hours=24)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="needs JEMBATAN_TEST_DATABASE_URL")
def test_key_still_in_progress_is_409(client, keys, db) -> None:
    from app.idempotency import _lock_id

    with db.session() as session:
        faction_id = session.scalars(select(Faction.id).where(Faction.code == "PSI")).one()
    # Another transaction is working on this key right now.
    with db.engine.connect() as holder:
        holder.execute(
            text("SELECT pg_advisory_xact_lock(:id)"),
            {"id": _lock_id(f"faction:{faction_id}", "busy")},
        )
        response = post(client, keys, complaint_payload(), "busy")
        assert response.status_code == 409
        assert response.json["type"] == "/problems/idempotency-in-progress"
        assert response.headers["Retry-After"] == "1"
        holder.rollback()
    assert post(client, keys, complaint_payload(), "busy").status_code == 201
