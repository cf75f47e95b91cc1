"""Reconciliation against a real CRM simulator: a lost ticket re-forwarded once, a status
changed behind Jembatan's back corrected, on demand (CLI, admin API) and as a worker job."""

from __future__ import annotations

import json
from typing import Any

import requests
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import main
from app.models import AuditEntry, Complaint, StatusEvent
from sync.context import build_context
from sync.crm import CrmClient
from sync.reconcile import reconcile, reconcile_job
from sync.worker import TOPICS
from tests.sync.conftest import make_complaints, sim_settings, sim_tickets


def _forward_all(settings: Any) -> Any:
    context = build_context(settings, TOPICS)
    context.outbox.run(["crm.submit"])
    return context


def _complaint(db: Any, code: str) -> Complaint:
    with db.session() as session:
        return session.scalars(select(Complaint).where(Complaint.tracking_code == code)).one()


def test_a_ticket_the_crm_lost_is_forwarded_again_with_the_same_reference(
    app, db, settings, crm_sim
) -> None:
    settings = sim_settings(settings, crm_sim)
    lost, kept = make_complaints(app, db, 2)
    context = _forward_all(settings)
    lost_ticket = _complaint(db, lost).crm_ticket_id
    requests.delete(f"{crm_sim}/_sim/tickets/{lost_ticket}", timeout=5).raise_for_status()

    client = CrmClient.from_settings(settings)
    report = reconcile(db, settings, client)
    assert report.checked == 2 and report.missing == 1 and report.reforwarded == [lost]
    assert report.in_sync == 1
    assert _complaint(db, lost).crm_ticket_id is None
    context.outbox.run(["crm.submit"])
    healed = _complaint(db, lost)
    assert healed.crm_ticket_id and healed.crm_ticket_id != lost_ticket
    refs = [t["gateway_ref"] for t in sim_tickets(crm_sim)]
    assert refs.count(lost) == 1 and refs.count(kept) == 1
    # A second run finds everything in sync and changes nothing.
    again = reconcile(db, settings, client)
    assert (again.missing, again.drifted, again.in_sync) == (0, 0, 2)
    with db.session() as session:
        notes = session.scalars(select(StatusEvent.public_note).join(Complaint).where(
            Complaint.tracking_code == lost)).all()
    assert any(lost_ticket in (note or "") for note in notes)  # public, as written
    client.close()
    context.close()


def test_a_status_changed_behind_our_back_is_corrected_once(app, db, settings, crm_sim) -> None:
    settings = sim_settings(settings, crm_sim)
    (code,) = make_complaints(app, db, 1)
    context = _forward_all(settings)
    ticket = _complaint(db, code).crm_ticket_id
    requests.post(f"{crm_sim}/_sim/tickets/{ticket}/status",
                  json={"external_status_code": "PROSES", "description": "Sedang dikerjakan"},
                  timeout=5).raise_for_status()
    client = CrmClient.from_settings(settings)
    report = reconcile(db, settings, client)
    assert report.drifted == 1 and report.corrected == [f"{code}: applied"]
    complaint = _complaint(db, code)
    assert complaint.status == "in_progress"
    assert complaint.agency == "Dinas Lingkungan Hidup"
    again = reconcile(db, settings, client)
    assert again.drifted == 0 and again.in_sync == 1
    client.close()
    context.close()


def test_admin_asks_and_a_worker_runs_it(app, db, settings, client, keys, crm_sim) -> None:
    settings = sim_settings(settings, crm_sim)
    make_complaints(app, db, 1)
    context = _forward_all(settings)
    reconcile_job(context)  # never ran: due at once
    first = client.get("/api/v1/admin/reconcile", headers=keys.headers("admin")).json
    assert first["last_report"]["checked"] == 1
    reconcile_job(context)  # ran just now: not due again
    assert client.get("/api/v1/admin/reconcile",
                      headers=keys.headers("admin")).json == first
    asked = client.post("/api/v1/admin/reconcile", headers=keys.headers("admin"))
    assert asked.status_code == 202 and asked.json["requested_at"]
    assert client.post("/api/v1/admin/reconcile", headers=keys.headers("PSI")).status_code == 403
    reconcile_job(context)
    after = client.get("/api/v1/admin/reconcile", headers=keys.headers("admin")).json
    assert after["last_report"]["started_at"] >= asked.json["requested_at"][:19]
    with db.session() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "reconcile.request" in actions
    context.close()


def test_cli_reconcile_reports_what_it_did(app, db, settings, database_url, crm_sim) -> None:
    settings = sim_settings(settings, crm_sim)
    make_complaints(app, db, 2)
    context = _forward_all(settings)
    env = {"JEMBATAN_ENV": "test", "JEMBATAN_DATABASE_URL": database_url,
           "JEMBATAN_CRM_URL": settings.CRM_URL, "JEMBATAN_LOG_JSON": "0"}
    result = CliRunner().invoke(main, ["reconcile", "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["checked"] == 2 and report["in_sync"] == 2
    with db.session() as session:
        assert session.scalars(select(AuditEntry).where(
            AuditEntry.action == "reconcile.run")).one().detail["checked"] == 2
    context.close()
