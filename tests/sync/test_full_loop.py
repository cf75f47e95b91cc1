"""The whole loop with real processes: intake → worker forwards to the CRM simulator → the
simulator moves tickets on a fast clock → the worker polls the updates → signed webhooks reach
the faction's receiver, in order, through to SELESAI or DITOLAK, and again after a reopen."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from app.config import Settings
from app.database import Database
from app.lifecycle import map_crm_status
from app.models import Complaint, StatusEvent
from tests.conftest import Keys
from tests.support.crmsim import FAST_SPEED, open311_url, running_crm_sim
from tests.support.processes import jembatan_env, start_jembatan, stop, wait_until
from tests.support.webhook_receiver import RecordingReceiver
from tests.sync.conftest import make_complaints, sim_tickets

COUNT = 12


@pytest.fixture
def private_client(settings: Settings) -> Iterator[FlaskClient]:
    application = create_app(dataclasses.replace(settings, WEBHOOK_ALLOW_PRIVATE=True))
    yield application.test_client()
    application.extensions["db"].dispose()


def timelines(db: Database) -> dict[str, list[tuple[int, str]]]:
    with db.session() as session:
        rows = session.execute(
            select(StatusEvent.complaint_id, StatusEvent.seq, StatusEvent.status)
            .order_by(StatusEvent.complaint_id, StatusEvent.seq)
        ).all()
    result: dict[str, list[tuple[int, str]]] = {}
    for complaint_id, seq, status in rows:
        result.setdefault(str(complaint_id), []).append((seq, status))
    return result


def delivered_everything(db: Database, receiver: RecordingReceiver) -> bool:
    expected = timelines(db)
    got = {cid: [(d["seq"], d["status"]) for d in receiver.events(cid,
                                                                    "complaint.status_changed")]
           for cid in expected}
    return got == expected


def final(base_url: str) -> bool:
    tickets = sim_tickets(base_url)
    return len(tickets) == COUNT and all(t["next_due_at"] is None for t in tickets)


@pytest.mark.slow
def test_submit_forward_progress_reopen_and_every_webhook_in_order(
    app: Flask, db: Database, settings: Settings, database_url: str, tmp_path: Path,
    private_client: FlaskClient, keys: Keys,
) -> None:
    with running_crm_sim(tmp_path / "crm", speed=FAST_SPEED, seed=3) as base_url, \
            RecordingReceiver() as receiver:
        subscribed = private_client.put(
            "/api/v1/webhook", json={"url": receiver.url}, headers=keys.headers("PSI")
        )
        receiver.secrets = [subscribed.json["secret"]]
        make_complaints(app, db, COUNT)
        env = jembatan_env(
            database_url, CRM_URL=open311_url(base_url), FORWARD_INTERVAL_S=0.1,
            POLL_INTERVAL_S=0.2, DELIVER_INTERVAL_S=0.1, SWEEP_INTERVAL_S=1,
            WEBHOOK_ALLOW_PRIVATE=1, WEBHOOK_RETRY_BASE_S=0.05, WEBHOOK_RETRY_MAX_S=0.5,
            CRM_RETRY_BASE_S=0.05, LEASE_S=5, LOG_JSON=0,
        )
        worker = start_jembatan(["worker"], env, tmp_path / "worker.log")
        try:
            wait_until(lambda: final(base_url), timeout=30, what="every ticket final")
            wait_until(lambda: delivered_everything(db, receiver), timeout=30,
                       what="every status event delivered")
            tickets = sim_tickets(base_url)
            codes = {t["external_status_code"] for t in tickets}
            assert {"SELESAI", "DITOLAK"} <= codes, codes

            # A resolved ticket is reopened by the CRM, then resolved again.
            resolved = next(t for t in tickets if t["external_status_code"] == "SELESAI")
            ticket = resolved["service_request_id"]
            for code, status in (("PROSES", "REOPEN"), ("SELESAI", None)):
                forced = requests.post(
                    f"{base_url}/_sim/tickets/{ticket}/status",
                    json={"external_status_code": code, "status": status}, timeout=5,
                )
                assert forced.status_code == 201, forced.text
                wait_until(lambda code=code: _status_of(db, ticket) == map_crm_status(
                    None, code, settings.STATUS_MAP_FILE), timeout=20, what=f"{code} applied")
            wait_until(lambda: delivered_everything(db, receiver), timeout=30,
                       what="the reopen delivered")
        finally:
            stop(worker)

        assert receiver.errors == [] and receiver.rejected == 0
        with db.session() as session:
            complaints = {c.crm_ticket_id: c for c in session.scalars(select(Complaint))}
        for sim_ticket in sim_tickets(base_url):
            complaint = complaints[sim_ticket["service_request_id"]]
            assert complaint.status == map_crm_status(
                sim_ticket["last_update_status"], sim_ticket["external_status_code"],
                settings.STATUS_MAP_FILE,
            )
            assert complaint.agency == sim_ticket["agency"]
            data = receiver.events(str(complaint.id), "complaint.status_changed")
            assert [d["status"] for d in data][:2] == ["received", "forwarded"]
            assert data[-1]["status"] in {"resolved", "rejected", "closed"}
            assert data[-1]["crm_ticket_id"] == sim_ticket["service_request_id"]
        reopened = receiver.events(str(complaints[ticket].id), "complaint.status_changed")
        assert [d["status"] for d in reopened][-2:] == ["in_progress", "resolved"]
        assert reopened[-2]["previous_status"] == "resolved"


def _status_of(db: Database, ticket: str) -> str | None:
    with db.session() as session:
        return session.scalar(select(Complaint.status).where(Complaint.crm_ticket_id == ticket))
