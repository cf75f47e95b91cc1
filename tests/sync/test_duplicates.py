"""Duplicates with a real CRM simulator: one problem, one ticket, every faction told.

Intake through the native API, the crm.submit/crm.update handlers against the simulator over
HTTP (in process), CRM statuses applied through app.status_updates (what the poller and the
push endpoint both call), and the review timeout job (sync/duplicates.py).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app, duplicates
from app.clock import utcnow
from app.config import Settings
from app.database import Database
from app.models import Complaint, Faction, OutboxMessage, WebhookSubscription
from app.status_updates import apply_crm_update
from app.webhooks import WEBHOOK_DELIVER
from sync.duplicates import expire_due
from sync.forward import CRM_SUBMIT, CRM_UPDATE, register
from sync.outbox import Outbox
from tests.app.test_duplicates import FLOOD, FLOOD_AGAIN, load, submit, timeline
from tests.conftest import Keys
from tests.sync.conftest import sim_settings, sim_tickets, worker_context

TOPICS = [CRM_SUBMIT.name, CRM_UPDATE.name]
FACTIONS = ("PKS", "PSI", "PAN")


@pytest.fixture
def web(settings: Settings) -> Iterator[Flask]:
    """The web app, with webhook receivers on loopback allowed (nothing is delivered here)."""
    application = create_app(dataclasses.replace(settings, WEBHOOK_ALLOW_PRIVATE=True))
    yield application
    application.extensions["db"].dispose()


def subscribe(client: FlaskClient, keys: Keys, *factions: str) -> None:
    for code in factions:
        response = client.put("/api/v1/webhook", json={"url": f"http://127.0.0.1:9/{code}"},
                              headers=keys.headers(code))
        assert response.status_code in (200, 201), response.json


def drain(outbox: Outbox, done: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the outbox did not get there"
        outbox.run(TOPICS)
        time.sleep(0.02)


def pending(db: Database, topic: str) -> int:
    with db.session() as session:
        return len(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.topic == topic, OutboxMessage.status == "pending")).all())


def webhooks(db: Database, complaint: Complaint) -> list[tuple[str, int, str]]:
    """(the subscriber's faction, seq, status) of each webhook enqueued for the complaint."""
    with db.session() as session:
        owners = dict(session.execute(select(WebhookSubscription.id,
                                             WebhookSubscription.faction_id)).all())
        messages = session.scalars(select(OutboxMessage).where(
            OutboxMessage.topic == WEBHOOK_DELIVER, OutboxMessage.complaint_id == complaint.id)
            .order_by(OutboxMessage.ordering_seq)).all()
        codes = dict(session.execute(select(Faction.id, Faction.code)).all())
    return [(codes[owners[m.payload["subscription_id"]]], m.payload["body"]["data"]["seq"],
             m.payload["body"]["data"]["status"]) for m in messages]


def test_three_factions_one_problem_one_ticket_and_the_crm_sees_the_others(
    web: Flask, keys: Keys, settings: Settings, crm_sim: str,
) -> None:
    client, db = web.test_client(), web.extensions["db"]
    subscribe(client, keys, *FACTIONS)
    created = [submit(client, keys, code, FLOOD if code == "PKS" else FLOOD_AGAIN)
               for code in FACTIONS]
    primary, *linked = [load(db, c["tracking_code"]) for c in created]
    assert [c.duplicate_state for c in linked] == ["linked", "linked"]

    context = worker_context(db, sim_settings(settings, crm_sim), register)
    drain(context.outbox, lambda: pending(db, CRM_SUBMIT.name) + pending(
        db, CRM_UPDATE.name) == 0 and load(db, created[0]["tracking_code"]).crm_ticket_id)
    drain(context.outbox, lambda: pending(db, CRM_UPDATE.name) == 0)
    tickets = sim_tickets(crm_sim)
    assert [t["gateway_ref"] for t in tickets] == [primary.tracking_code]  # exactly one
    ticket = tickets[0]["service_request_id"]
    shown = requests.get(f"{crm_sim}/_sim/tickets/{ticket}/updates", timeout=5).json()
    assert sorted(u["description"].split(",")[0] for u in shown) == [
        "Dilaporkan juga oleh Fraksi Partai Amanat Nasional",
        "Dilaporkan juga oleh Fraksi Partai Solidaritas Indonesia"]
    assert {u["update_id"].split(":")[1] for u in shown} == {c.tracking_code for c in linked}
    for complaint in linked:
        again = load(db, complaint.tracking_code)
        assert (again.status, again.crm_ticket_id) == ("forwarded", None)
        assert ticket in (timeline(db, again)[-1][2] or "")

    # The CRM moves the ticket on: every linked complaint follows, each told to its faction.
    forced = requests.post(f"{crm_sim}/_sim/tickets/{ticket}/status",
                           json={"external_status_code": "PROSES"}, timeout=5).json()
    with db.transaction() as session:
        assert apply_crm_update(session, forced, settings) == "applied"
    for code, complaint in zip(FACTIONS, [primary, *linked], strict=True):
        again = load(db, complaint.tracking_code)
        assert again.status == "in_progress"
        events = timeline(db, again)
        sent = webhooks(db, again)
        # One webhook per event, to the complaint's own faction only, in seq order.
        assert sent == [(code, seq, status) for seq, status, _ in events]
    context.close()


def test_the_suggestion_timeout_forwards_a_complaint_as_its_own_ticket(
    settings: Settings, keys: Keys, crm_sim: str,
) -> None:
    application = create_app(dataclasses.replace(settings, DEDUP_LINK_AT=1.01))
    client, db = application.test_client(), application.extensions["db"]
    first = submit(client, keys, "PKS", FLOOD)
    second = submit(client, keys, "PSI", FLOOD_AGAIN)
    assert load(db, second["tracking_code"]).duplicate_state == "suggested"
    context = worker_context(db, sim_settings(settings, crm_sim), register)
    drain(context.outbox, lambda: pending(db, CRM_SUBMIT.name) == 0)
    assert [t["gateway_ref"] for t in sim_tickets(crm_sim)] == [first["tracking_code"]]
    later = utcnow() + timedelta(seconds=settings.DEDUP_REVIEW_TIMEOUT_S + 1)
    assert expire_due(db, settings, now=later) == 1
    assert expire_due(db, settings, now=later) == 0
    drain(context.outbox, lambda: pending(db, CRM_SUBMIT.name) == 0)
    assert sorted(t["gateway_ref"] for t in sim_tickets(crm_sim)) == sorted(
        [first["tracking_code"], second["tracking_code"]])
    assert load(db, second["tracking_code"]).status == "forwarded"
    context.close()
    application.extensions["db"].dispose()


def test_split_after_the_ticket_moved_on_gives_a_ticket_and_complete_histories(
    web: Flask, keys: Keys, settings: Settings, crm_sim: str,
) -> None:
    client, db = web.test_client(), web.extensions["db"]
    first = submit(client, keys, "PKS", FLOOD)
    second = submit(client, keys, "PSI", FLOOD_AGAIN)
    context = worker_context(db, sim_settings(settings, crm_sim), register)
    drain(context.outbox, lambda: pending(db, CRM_SUBMIT.name) + pending(
        db, CRM_UPDATE.name) == 0 and bool(load(db, first["tracking_code"]).crm_ticket_id))
    drain(context.outbox, lambda: pending(db, CRM_UPDATE.name) == 0)
    ticket = load(db, first["tracking_code"]).crm_ticket_id
    forced = requests.post(f"{crm_sim}/_sim/tickets/{ticket}/status",
                           json={"external_status_code": "PROSES"}, timeout=5).json()
    with db.transaction() as session:
        apply_crm_update(session, forced, settings)
    with db.transaction() as session:
        complaint = session.scalars(select(Complaint).where(
            Complaint.tracking_code == second["tracking_code"])).one()
        duplicates.split(session, complaint, actor="test:reviewer")
    drain(context.outbox, lambda: pending(db, CRM_SUBMIT.name) == 0)
    own = load(db, second["tracking_code"])
    assert own.crm_ticket_id and own.crm_ticket_id != ticket
    assert sorted(t["gateway_ref"] for t in sim_tickets(crm_sim)) == sorted(
        [first["tracking_code"], second["tracking_code"]])
    statuses = [status for _, status, _ in timeline(db, own)]
    assert statuses == ["received", "received", "forwarded", "in_progress", "received",
                        "forwarded"]
    # The primary's next update no longer reaches the split complaint.
    forced = requests.post(f"{crm_sim}/_sim/tickets/{ticket}/status",
                           json={"external_status_code": "SELESAI"}, timeout=5).json()
    with db.transaction() as session:
        apply_crm_update(session, forced, settings)
    assert load(db, first["tracking_code"]).status == "resolved"
    assert load(db, second["tracking_code"]).status == "forwarded"
    for code in (first["tracking_code"], second["tracking_code"]):
        seqs = [seq for seq, _, _ in timeline(db, load(db, code))]
        assert seqs == list(range(1, len(seqs) + 1))
    context.close()
