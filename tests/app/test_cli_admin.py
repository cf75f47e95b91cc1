"""The `jembatan` admin commands: each action with its audit record; refusals change nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli import main
from app.clock import utcnow
from app.models import ApiKey, AuditEntry, Complaint, Faction, OutboxMessage
from tests.support.complaints import cli_env, store_complaint


@pytest.fixture
def jembatan(database_url):
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), env=cli_env(database_url))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def _audit(db, action: str) -> list[AuditEntry]:
    with db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _audit_count(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry))


def test_factions_add_list_disable_enable(jembatan, db, keys) -> None:
    assert "added HANURA" in jembatan("factions", "add", "hanura", "Fraksi Hanura").output
    (entry,) = _audit(db, "faction.add")
    assert entry.actor.startswith("cli:") and entry.target_id == "HANURA"
    duplicate = jembatan("factions", "add", "HANURA", "x", ok=False)
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output

    jembatan("factions", "disable", "PSI", "--reason", "keputusan pimpinan")
    (entry,) = _audit(db, "faction.disable")
    assert entry.target_id == "PSI" and entry.detail["reason"] == "keputusan pimpinan"
    listed = json.loads(jembatan("factions", "list", "--json").output)
    psi = next(f for f in listed if f["code"] == "PSI")
    assert psi["active"] is False and psi["reason"] == "keputusan pimpinan"
    assert "disabled" in jembatan("factions", "list").output

    jembatan("factions", "enable", "psi")
    assert len(_audit(db, "faction.enable")) == 1
    with db.session() as session:
        assert session.scalars(select(Faction.active).where(Faction.code == "PSI")).one()

    before = _audit_count(db)
    unknown = jembatan("factions", "disable", "NOPE", ok=False)
    assert unknown.exit_code == 1 and "no faction NOPE" in unknown.output
    assert _audit_count(db) == before


def test_keys_issue_list_revoke(jembatan, db, keys, client) -> None:
    issued = json.loads(jembatan("keys", "issue", "--faction", "PKS", "--json").output)
    assert issued["key"].startswith(f"jbt_{issued['key_id']}_")
    (entry,) = _audit(db, "key.issue")
    assert entry.target_id == issued["key_id"]
    plain = jembatan("keys", "issue", "--role", "admin", "--label", "ops").output
    assert plain.strip().splitlines()[-1].startswith("jbt_")

    listed = json.loads(jembatan("keys", "list", "--faction", "PKS", "--json").output)
    assert issued["key_id"] in {k["key_id"] for k in listed}
    text = jembatan("keys", "list").output
    assert issued["key_id"] in text and "jbt_" not in text

    jembatan("keys", "revoke", issued["key_id"])
    (entry,) = _audit(db, "key.revoke")
    assert entry.target_id == issued["key_id"]
    bearer = {"Authorization": f"Bearer {issued['key']}"}
    assert client.get("/api/v1/categories", headers=bearer).status_code == 401
    active = json.loads(jembatan("keys", "list", "--active", "--json").output)
    assert issued["key_id"] not in {k["key_id"] for k in active}

    before = _audit_count(db)
    assert "no key" in jembatan("keys", "revoke", "zzzzzzzzzz", ok=False).output
    assert "no faction" in jembatan("keys", "issue", "--faction", "NOPE", ok=False).output
    assert jembatan("keys", "issue", ok=False).exit_code == 2
    assert _audit_count(db) == before
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ApiKey)) == 9 + 2 + 2


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

    before = _audit_count(db)
    refused = jembatan("dlq", "replay", str(dead_id), str(pending_id), ok=False)
    assert refused.exit_code == 1 and "Only dead letters" in refused.output
    assert "No outbox message 99999" in jembatan("dlq", "replay", "99999", ok=False).output
    assert _audit_count(db) == before
    with db.session() as session:
        assert session.get(OutboxMessage, dead_id).status == "dead"

    assert f"replayed 1: {dead_id}" in jembatan("dlq", "replay", str(dead_id)).output
    with db.session() as session:
        message = session.get(OutboxMessage, dead_id)
        assert (message.status, message.attempts) == ("pending", 0)
    (entry,) = _audit(db, "outbox.replay")
    assert entry.target_id == str(dead_id) and entry.actor.startswith("cli:")
    assert "no dead letters" in jembatan("dlq", "list").output


def test_audit_list(jembatan, db, keys) -> None:
    jembatan("factions", "disable", "PAN")
    jembatan("factions", "enable", "PAN")
    entries = json.loads(jembatan("audit", "list", "--json").output)
    assert [e["action"] for e in entries] == ["faction.enable", "faction.disable"]
    only = json.loads(jembatan("audit", "list", "--action", "faction.disable", "--json").output)
    assert [e["target_id"] for e in only] == ["PAN"]
    assert "faction.enable" in jembatan("audit", "list", "--target-id", "PAN").output


def test_retention_run_and_reporter_erase(jembatan, app, db, keys) -> None:
    old = store_complaint(app, "PSI", external_id="OLD")
    asked = store_complaint(app, "PSI", external_id="ASKED")
    with db.transaction() as session:
        complaint = session.get(Complaint, old.id)
        complaint.status = "resolved"
        complaint.updated_at = utcnow() - timedelta(days=40)
    assert "erased reporter data of 1 complaints" in jembatan(
        "retention", "run", "--days", "30").output
    (entry,) = _audit(db, "retention.run")
    assert entry.detail["erased"] == 1

    out = jembatan("reporter", "erase", asked.tracking_code).output
    assert f"erased reporter data of {asked.tracking_code}" in out
    assert "already erased" in jembatan("reporter", "erase", str(asked.id)).output
    (entry,) = _audit(db, "reporter.erase")
    assert entry.target_id == str(asked.id)
    with db.session() as session:
        for complaint_id in (old.id, asked.id):
            complaint = session.get(Complaint, complaint_id)
            assert complaint.reporter_name is None and complaint.reporter_erased_at
    assert "no complaint" in jembatan("reporter", "erase", "JBT-NOPE0000", ok=False).output
