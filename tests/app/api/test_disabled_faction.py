"""A disabled faction reads but does not write (issue 13, item 10).

`jembatan factions disable CODE` (or the admin API) stops a faction's posko from changing
anything: intake, notes on its complaints and its webhook all answer 403 saying the faction is
disabled, in the surface's own format. What it already has stays readable, and its complaints
keep syncing with the CRM.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import create_app
from app.config import Settings
from app.models import StatusEvent, WebhookSubscription
from tests.app.open311.conftest import BASE, error_of, request_form
from tests.conftest import Keys, complaint_payload


@pytest.fixture
def private_app(settings: Settings) -> Iterator[Flask]:
    """Loopback webhook URLs allowed (nothing is delivered in these tests)."""
    application = create_app(dataclasses.replace(settings, WEBHOOK_ALLOW_PRIVATE=True))
    yield application
    application.extensions["db"].dispose()


@pytest.fixture
def disabled(private_app: Flask, keys: Keys) -> dict[str, str]:
    """PSI with a complaint and a webhook, then disabled by an admin; what it had."""
    client = private_app.test_client()
    psi = keys.headers("PSI")
    created = client.post("/api/v1/complaints", json=complaint_payload(), headers=psi)
    assert created.status_code == 201, created.json
    hook = client.put("/api/v1/webhook", json={"url": "http://127.0.0.1:9/hook"}, headers=psi)
    assert hook.status_code == 200, hook.json
    off = client.post("/api/v1/admin/factions/PSI/disable", json={"reason": "audit berjalan"},
                      headers=keys.headers("admin"))
    assert off.status_code == 200 and off.json["active"] is False
    return {"id": created.json["id"], "tracking_code": created.json["tracking_code"],
            "secret": hook.json["secret"]}


def _assert_disabled_problem(response, action: str) -> None:
    assert response.status_code == 403, response.data
    assert response.content_type == "application/problem+json"
    assert response.json["type"] == "/problems/faction-disabled"
    detail = response.json["detail"]
    assert "PSI" in detail and "disabled" in detail and action in detail
    assert "audit berjalan" in detail  # the reason the admin gave


def test_intake_is_refused(private_app, keys, disabled) -> None:
    client = private_app.test_client()
    response = client.post("/api/v1/complaints", json=complaint_payload(external_id="PSI-2"),
                           headers=keys.headers("PSI"))
    _assert_disabled_problem(response, "submit complaints")


def test_webhook_changes_are_refused_and_change_nothing(private_app, keys, disabled, db) -> None:
    client = private_app.test_client()
    psi = keys.headers("PSI")
    put = client.put("/api/v1/webhook", json={"url": "http://127.0.0.1:9/other"}, headers=psi)
    _assert_disabled_problem(put, "change its webhook")
    _assert_disabled_problem(client.post("/api/v1/webhook/rotate-secret", headers=psi),
                             "change its webhook")
    _assert_disabled_problem(client.delete("/api/v1/webhook", headers=psi), "change its webhook")
    with db.session() as session:
        subscription = session.scalars(select(WebhookSubscription)).one()
        assert subscription.url == "http://127.0.0.1:9/hook"
        assert subscription.secret == disabled["secret"]
        assert subscription.previous_secret is None


def test_open311_notes_and_requests_are_refused(private_app, keys, disabled, db) -> None:
    client = private_app.test_client()
    psi = keys.faction["PSI"]
    for fmt in ("xml", "json"):
        note = client.post(f"{BASE}/servicerequestupdates.{fmt}", data={
            "api_key": psi, "service_request_id": disabled["tracking_code"],
            "description": "Warga melapor sampah sudah diangkut sebagian.", "update_id": "N-1",
        })
        detail = error_of(note, fmt, 403)
        assert "PSI" in detail and "disabled" in detail and "post notes" in detail
        intake = client.post(f"{BASE}/requests.{fmt}", data=request_form(psi))
        assert "disabled" in error_of(intake, fmt, 403)
    with db.session() as session:  # only the intake's own "received" event
        assert session.scalar(select(func.count()).select_from(StatusEvent)) == 1


def test_reads_keep_working(private_app, keys, disabled) -> None:
    client: FlaskClient = private_app.test_client()
    psi = keys.headers("PSI")
    complaint = client.get(f"/api/v1/complaints/{disabled['id']}", headers=psi)
    assert complaint.status_code == 200
    assert complaint.json["tracking_code"] == disabled["tracking_code"]
    assert client.get(f"/api/v1/complaints/{disabled['id']}/events", headers=psi).status_code \
        == 200
    assert client.get("/api/v1/webhook", headers=psi).json["secret"] == disabled["secret"]
    listed = client.get(f"{BASE}/requests.json?api_key={keys.faction['PSI']}")
    assert listed.status_code == 200
    assert [r["service_request_id"] for r in listed.json] == [disabled["tracking_code"]]


def test_enabled_again_it_writes_again(private_app, keys, disabled) -> None:
    client = private_app.test_client()
    on = client.post("/api/v1/admin/factions/PSI/enable", headers=keys.headers("admin"))
    assert on.status_code == 200
    note = client.post(f"{BASE}/servicerequestupdates.json", data={
        "api_key": keys.faction["PSI"], "service_request_id": disabled["tracking_code"],
        "description": "Sudah diangkut.",
    })
    assert note.status_code == 200, note.data
    assert client.post("/api/v1/webhook/rotate-secret",
                       headers=keys.headers("PSI")).status_code == 200
