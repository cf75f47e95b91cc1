"""`jembatan dlq` and `outbox stats`: dead letters seen and replayed (all or none), audited."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.clock import utcnow
from app.models import OutboxMessage
from tests.support.audit import audit_count, audit_entries
from tests.support.complaints import store_complaint


def test_dlq_list_replay_and_outbox_stats(jembatan, app, db, keys) -> None:
    first = store_complaint(app, "PSI", external_id="A")
    store_complaint(app, "PSI", external_id="B")
    with db.transaction() as session:
        dead = session.scalars(
            select(OutboxMessage).where(OutboxMessage.complaint_id == first.id)).one()
        dead.status, dead.attempts, dead.dead_at = "dead", 5, utcnow()
        dead.last_error, dead.last_status_code = "HTTP 400: bad service_code", 400
        dead_id = dead.id
        pending_id = session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == "pending")).one()

    stats = jembatan("outbox", "stats").output
    assert "crm.submit" in stats and "dead" in stats and "bad service_code" in stats
    stats_json = json.loads(jembatan("outbox", "stats", "--json").output)
    assert {(s["state"], s["depth"]) for s in stats_json} == {("pending", 1), ("dead", 1)}
    listed = json.loads(jembatan("dlq", "list", "--json").output)
    assert [m["id"] for m in listed] == [dead_id]

    before = audit_count(db)
    refused = jembatan("dlq", "replay", str(dead_id), str(pending_id), ok=False)
    assert refused.exit_code == 1 and "Only dead letters" in refused.output
    assert "No outbox message 99999" in jembatan("dlq", "replay", "99999", ok=False).output
    assert audit_count(db) == before
    with db.session() as session:
        assert session.get(OutboxMessage, dead_id).status == "dead"

    assert f"replayed 1: {dead_id}" in jembatan("dlq", "replay", str(dead_id)).output
    with db.session() as session:
        message = session.get(OutboxMessage, dead_id)
        assert (message.status, message.attempts) == ("pending", 0)
    (entry,) = audit_entries(db, "outbox.replay")
    assert entry.target_id == str(dead_id) and entry.actor.startswith("cli:")
    assert "no dead letters" in jembatan("dlq", "list").output
