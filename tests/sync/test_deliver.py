"""Webhook fan-out and delivery: signed, ordered, retried, disabled on 410 or long failure.

The outbox engine runs in this process; the receiver is a real HTTP server on 127.0.0.1 that
verifies signatures with its own implementation of the Standard Webhooks spec.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app import create_app
from app.clock import utcnow
from app.config import Settings
from app.database import Database
from app.models import Complaint, OutboxMessage, WebhookSubscription
from app.status_updates import apply_crm_update
from app.webhooks import WEBHOOK_DELIVER
from app.wiring import core_listeners
from sync import deliver
from sync.outbox import Outbox, replay
from tests.conftest import Keys
from tests.support.complaints import forwarded_complaint
from tests.support.processes import wait_until
from tests.support.webhook_receiver import RecordingReceiver
from tests.sync.conftest import worker_context


@pytest.fixture
def fast_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings, WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_BASE_S=0.02,
        WEBHOOK_RETRY_MAX_S=0.1, WEBHOOK_TIMEOUT_S=2.0,
        PUBLIC_URL="https://jembatan.example.id",
    )


@pytest.fixture
def private_client(fast_settings: Settings) -> Iterator[FlaskClient]:
    application = create_app(fast_settings)
    yield application.test_client()
    application.extensions["db"].dispose()


def make_outbox(db: Database, settings: Settings, name: str = "test-worker") -> Outbox:
    return worker_context(db, settings, deliver.register, worker_id=name, lease_s=10).outbox


def subscribe(client: FlaskClient, keys: Keys, url: str, faction: str = "PSI") -> dict[str, Any]:
    response = client.put("/api/v1/webhook", json={"url": url}, headers=keys.headers(faction))
    assert response.status_code == 200, response.json
    return response.json


def drain(outbox: Outbox, until: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        outbox.run([WEBHOOK_DELIVER])
        if time.monotonic() > deadline:
            raise AssertionError("deliveries did not finish")
        time.sleep(0.02)


def crm(db: Database, settings: Settings, ticket: str, *codes: str) -> None:
    """CRM updates applied as a worker running with `settings` applies them (its listeners
    put `settings.PUBLIC_URL` in the webhook bodies)."""
    base = utcnow() - timedelta(hours=1)
    worker_db = Database(db.url, listeners=core_listeners(settings))
    try:
        with worker_db.transaction() as session:
            for index, code in enumerate(codes):
                apply_crm_update(session, {
                    "update_id": f"{ticket}-{index}-{code}", "service_request_id": ticket,
                    "status": "open", "external_status_code": code,
                    "updated_datetime": base + timedelta(minutes=index),
                    "description": f"Catatan {code}",
                }, settings)
    finally:
        worker_db.dispose()


def outbox_states(db: Database) -> dict[str, int]:
    with db.session() as session:
        rows = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.topic == WEBHOOK_DELIVER)
        ).all()
    return {s: rows.count(s) for s in set(rows)}


def test_every_status_event_is_delivered_signed_in_order(
    app: Flask, db: Database, fast_settings: Settings, private_client: FlaskClient, keys: Keys
) -> None:
    with RecordingReceiver() as receiver:
        receiver.secrets = [subscribe(private_client, keys, receiver.url)["secret"]]
        complaint = forwarded_complaint(app, ticket="3100077", external_id="PSI-77")
        crm(db, fast_settings, "3100077", "MENUNGGU", "DISPOSISI", "PROSES", "SELESAI")
        # Another faction without a subscription gets nothing, and blocks nothing.
        forwarded_complaint(app, faction_code="PKS", ticket="3100078")
        outbox = make_outbox(db, fast_settings)
        drain(outbox, lambda: len(receiver.received) >= 6)
        assert receiver.errors == [] and receiver.rejected == 0
        data = receiver.events(str(complaint.id))
        assert [d["seq"] for d in data] == [1, 2, 3, 4, 5, 6]
        assert [d["status"] for d in data] == [
            "received", "forwarded", "waiting", "dispatched", "in_progress", "resolved"
        ]
        last = data[-1]
        assert last["status_label"] == "Selesai"
        assert last["previous_status"] == "in_progress"
        assert last["note"] == "Catatan SELESAI"
        assert last["crm_ticket_id"] == "3100077"
        assert last["external_id"] == "PSI-77"
        assert last["tracking_code"] == complaint.tracking_code
        assert last["status_link"] == (
            f"https://jembatan.example.id/lacak/{complaint.tracking_code}/"
            f"{complaint.status_secret}"
        )
        first = receiver.received[0]
        assert first.body["type"] == "complaint.status_changed"
        assert first.webhook_id.startswith("msg_")
        assert abs(first.timestamp - time.time()) < 60
        assert len(first.signatures) == 1 and first.signatures[0].startswith("v1,")
    assert outbox_states(db) == {"done": 6}


def test_down_then_500_then_recovers_delivers_everything_in_order(
    app: Flask, db: Database, fast_settings: Settings, private_client: FlaskClient, keys: Keys
) -> None:
    with RecordingReceiver() as receiver:
        receiver.secrets = [subscribe(private_client, keys, receiver.url)["secret"]]
        receiver.set_mode("down")
        complaint = forwarded_complaint(app, ticket="3100101")
        crm(db, fast_settings, "3100101", "MENUNGGU", "PROSES")
        outbox = make_outbox(db, fast_settings)
        for _ in range(5):
            outbox.run([WEBHOOK_DELIVER])
            time.sleep(0.05)
        receiver.set_mode("500")
        crm(db, fast_settings, "3100101", "MENUNGGU", "PROSES", "SELESAI")
        wait_until(lambda: (outbox.run([WEBHOOK_DELIVER]), receiver.attempts >= 3)[1],
                   timeout=10, what="500 answers")
        assert receiver.received == []
        with db.session() as session:
            failing = session.scalars(select(WebhookSubscription)).one()
            assert failing.consecutive_failures >= 3 and failing.failing_since is not None
        receiver.set_mode("ok")
        drain(outbox, lambda: len(receiver.events(str(complaint.id))) >= 5, timeout=20)
        assert [d["seq"] for d in receiver.events(str(complaint.id))] == [1, 2, 3, 4, 5]
        assert receiver.errors == []
    with db.session() as session:
        healthy = session.scalars(select(WebhookSubscription)).one()
    assert healthy.consecutive_failures == 0 and healthy.last_success_at is not None
    assert outbox_states(db) == {"done": 5}


def test_rotation_signs_with_both_secrets_for_a_day_then_only_the_new(
    app: Flask, db: Database, fast_settings: Settings, private_client: FlaskClient, keys: Keys
) -> None:
    with RecordingReceiver() as receiver:
        old = subscribe(private_client, keys, receiver.url)["secret"]
        new = private_client.post(
            "/api/v1/webhook/rotate-secret", headers=keys.headers("PSI")
        ).json["secret"]
        # A receiver still configured with the old secret keeps verifying during the overlap.
        receiver.secrets = [old, new]
        forwarded_complaint(app, ticket="3100201")
        outbox = make_outbox(db, fast_settings)
        drain(outbox, lambda: len(receiver.received) >= 2)
        for received in receiver.received:
            assert len(received.signatures) == 2
            assert received.verified_with == [0, 1]
        # A day later the old secret signs no more.
        with db.transaction() as session:
            session.execute(update(WebhookSubscription).values(
                previous_secret_expires_at=utcnow() - timedelta(seconds=1)))
        crm(db, fast_settings, "3100201", "MENUNGGU")
        drain(outbox, lambda: len(receiver.received) >= 3)
        assert len(receiver.received[-1].signatures) == 1
        assert receiver.received[-1].verified_with == [1]
        receiver.secrets = [old]
        crm(db, fast_settings, "3100201", "MENUNGGU", "PROSES")
        for _ in range(3):
            outbox.run([WEBHOOK_DELIVER])
        assert receiver.rejected, "a receiver with only the old secret must refuse now"


def test_410_disables_and_dead_letters_the_rest(
    app: Flask, db: Database, fast_settings: Settings, private_client: FlaskClient, keys: Keys
) -> None:
    with RecordingReceiver() as receiver:
        receiver.secrets = [subscribe(private_client, keys, receiver.url)["secret"]]
        receiver.set_mode("410")
        forwarded_complaint(app, ticket="3100301")
        crm(db, fast_settings, "3100301", "MENUNGGU", "PROSES")
        outbox = make_outbox(db, fast_settings)
        outbox.run([WEBHOOK_DELIVER])
        assert receiver.attempts == 1
    shown = private_client.get("/api/v1/webhook", headers=keys.headers("PSI")).json
    assert shown["active"] is False
    assert "410" in shown["disabled_reason"]
    assert outbox_states(db) == {"dead": 4}
    # New events are not queued for a disabled subscription.
    crm(db, fast_settings, "3100301", "MENUNGGU", "PROSES", "SELESAI")
    assert outbox_states(db) == {"dead": 4}
    # Dead letters are replayable once the subscription is back.
    with RecordingReceiver() as receiver:
        receiver.secrets = [subscribe(private_client, keys, receiver.url)["secret"]]
        with db.transaction() as session:
            for message in session.scalars(
                select(OutboxMessage).where(OutboxMessage.topic == WEBHOOK_DELIVER)
            ):
                replay(session, message)
        drain(make_outbox(db, fast_settings), lambda: len(receiver.received) >= 4)
        assert [d["seq"] for d in receiver.events()] == [1, 2, 3, 4]


def test_long_failure_disables_and_says_why(
    app: Flask, db: Database, fast_settings: Settings, private_client: FlaskClient, keys: Keys
) -> None:
    with RecordingReceiver() as receiver:
        receiver.secrets = [subscribe(private_client, keys, receiver.url)["secret"]]
        receiver.set_mode("500")
        forwarded_complaint(app, ticket="3100401")
        with db.transaction() as session:
            session.execute(update(WebhookSubscription).values(
                failing_since=utcnow() - timedelta(days=3, minutes=1), consecutive_failures=900))
        make_outbox(db, fast_settings).run([WEBHOOK_DELIVER])
    shown = private_client.get("/api/v1/webhook", headers=keys.headers("PSI")).json
    assert shown["active"] is False
    assert "no delivery succeeded for 3 days" in shown["disabled_reason"]
    assert "HTTP 500" in shown["disabled_reason"]
    assert outbox_states(db) == {"dead": 2}
    with db.session() as session:
        errors = session.scalars(select(OutboxMessage.last_error).where(
            OutboxMessage.topic == WEBHOOK_DELIVER)).all()
    # The failing delivery itself is dead-lettered with the others, for the same reason.
    assert all((e or "").startswith("subscription disabled: no delivery") for e in errors), errors


def test_connect_time_check_refuses_a_name_that_resolves_to_loopback(
    app: Flask, db: Database, fast_settings: Settings, private_client: FlaskClient, keys: Keys
) -> None:
    """DNS rebinding: the URL was accepted, but the address connected to is loopback."""
    with RecordingReceiver() as receiver:
        subscribe(private_client, keys, f"http://localhost:{receiver.port}/hook")
        forwarded_complaint(app, ticket="3100501")
        strict = dataclasses.replace(fast_settings, WEBHOOK_ALLOW_PRIVATE=False)
        drain(make_outbox(db, strict), lambda: outbox_states(db) == {"dead": 2})
        assert receiver.attempts == 0
    with db.session() as session:
        errors = session.scalars(
            select(OutboxMessage.last_error).where(OutboxMessage.topic == WEBHOOK_DELIVER)
        ).all()
    assert all("127.0.0.1" in (e or "") or "::1" in (e or "") for e in errors), errors


def test_one_failing_subscriber_does_not_hold_up_another(
    app: Flask, db: Database, fast_settings: Settings, private_client: FlaskClient, keys: Keys
) -> None:
    with RecordingReceiver() as bad, RecordingReceiver() as good:
        subscribe(private_client, keys, bad.url, faction="PKS")
        bad.set_mode("500")
        good.secrets = [subscribe(private_client, keys, good.url, faction="PSI")["secret"]]
        for n in range(6):
            forwarded_complaint(app, faction_code="PKS", ticket=f"31006{n:02d}")
        forwarded_complaint(app, faction_code="PSI", ticket="3100699")
        outbox = make_outbox(db, fast_settings)
        drain(outbox, lambda: len(good.received) >= 2)
        assert bad.received == [] and bad.attempts >= 1


def test_overdue_notice_follows_the_status_event_of_its_seq(
    app: Flask, db: Database, fast_settings: Settings, private_client: FlaskClient, keys: Keys
) -> None:
    from sync.sla import sweep_overdue

    with RecordingReceiver() as receiver:
        receiver.secrets = [subscribe(private_client, keys, receiver.url)["secret"]]
        complaint = forwarded_complaint(app, ticket="3100601")
        with db.transaction() as session:
            session.execute(update(Complaint).values(due_at=utcnow() - timedelta(minutes=1)))
        assert sweep_overdue(db) == 1
        crm(db, fast_settings, "3100601", "PROSES")
        drain(make_outbox(db, fast_settings), lambda: len(receiver.received) >= 4)
        kinds = [(r.body["type"], r.body["data"]["seq"]) for r in receiver.received]
        assert kinds == [
            ("complaint.status_changed", 1), ("complaint.status_changed", 2),
            ("complaint.overdue", 2), ("complaint.status_changed", 3),
        ]
        overdue = receiver.events(str(complaint.id), "complaint.overdue")[0]
        assert overdue["status"] == "forwarded" and overdue["overdue"] is True
