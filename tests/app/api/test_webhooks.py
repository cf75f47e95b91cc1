"""`/api/v1/webhook`: the subscription, its secret, rotation and the URL rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from app.clock import utcnow
from app.config import Settings
from app.models import WebhookSubscription
from app.webhooks import address_is_public, disable_subscription
from tests.conftest import Keys

PROBLEM = "application/problem+json"


@pytest.fixture
def private_client(settings: Settings) -> Iterator[FlaskClient]:
    """The same database, on an app that allows loopback webhook URLs (tests only)."""
    application = create_app(dataclasses.replace(settings, WEBHOOK_ALLOW_PRIVATE=True))
    yield application.test_client()
    application.extensions["db"].dispose()


def test_put_get_rotate_delete(private_client: FlaskClient, keys: Keys) -> None:
    headers = keys.headers("PSI")
    assert private_client.get("/api/v1/webhook", headers=headers).status_code == 404

    created = private_client.put(
        "/api/v1/webhook", json={"url": "http://127.0.0.1:8123/hook"}, headers=headers
    )
    assert created.status_code == 200, created.json
    body = created.json
    assert body["url"] == "http://127.0.0.1:8123/hook"
    assert body["secret"].startswith("whsec_")
    assert body["active"] is True
    assert body["disabled_reason"] is None
    assert body["created_at"].endswith("+00:00")

    shown = private_client.get("/api/v1/webhook", headers=headers).json
    assert shown["secret"] == body["secret"]

    # Changing the URL keeps the secret (the receiver keeps verifying).
    moved = private_client.put(
        "/api/v1/webhook", json={"url": "http://127.0.0.1:8124/hook"}, headers=headers
    ).json
    assert moved["secret"] == body["secret"] and moved["url"].endswith(":8124/hook")

    rotated = private_client.post("/api/v1/webhook/rotate-secret", headers=headers)
    assert rotated.status_code == 200
    assert rotated.json["secret"].startswith("whsec_")
    assert rotated.json["secret"] != body["secret"]
    expires = rotated.json["previous_secret_expires_at"]
    left = datetime.fromisoformat(expires) - utcnow()
    assert timedelta(hours=23, minutes=59) < left <= timedelta(hours=24)

    # Another faction sees nothing of it.
    assert private_client.get("/api/v1/webhook", headers=keys.headers("PKS")).status_code == 404

    assert private_client.delete("/api/v1/webhook", headers=headers).status_code == 204
    assert private_client.get("/api/v1/webhook", headers=headers).status_code == 404


def test_roles_and_unknown_fields(client: FlaskClient, keys: Keys) -> None:
    assert client.get("/api/v1/webhook").status_code == 401
    assert client.get("/api/v1/webhook", headers=keys.headers("admin")).status_code == 403
    refused = client.put(
        "/api/v1/webhook", json={"url": "https://example.org/h", "events": ["x"]},
        headers=keys.headers("PSI"),
    )
    assert refused.status_code == 422
    assert refused.content_type == PROBLEM
    assert "events" in refused.json["errors"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8080/hook", "127.0.0.1"),
        ("http://localhost:8080/hook", "localhost"),
        ("http://10.1.2.3/hook", "10.1.2.3"),
        ("http://192.168.1.10/hook", "192.168.1.10"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("http://[::1]:8080/hook", "::1"),
        ("http://[::ffff:127.0.0.1]/hook", "127.0.0.1"),
        ("http://0.0.0.0/hook", "0.0.0.0"),
        ("http://224.0.0.1/hook", "224.0.0.1"),
        ("http://100.64.0.1/hook", "100.64.0.1"),
        ("ftp://example.org/hook", "http and https"),
        ("file:///etc/passwd", "http and https"),
        ("javascript:alert(1)", "http and https"),
        ("http://user:pw@8.8.8.8/hook", "Credentials"),
        ("https:///nohost", "no host"),
        ("", "Give the URL"),
    ],
)
def test_unsafe_urls_are_refused_at_put(
    client: FlaskClient, keys: Keys, url: str, why: str
) -> None:
    response = client.put("/api/v1/webhook", json={"url": url}, headers=keys.headers("PSI"))
    assert response.status_code == 422, response.json
    assert response.content_type == PROBLEM
    assert why in " ".join(response.json["errors"]["url"])
    assert client.get("/api/v1/webhook", headers=keys.headers("PSI")).status_code == 404


def test_public_address_rule() -> None:
    assert address_is_public("8.8.8.8")
    assert address_is_public("2001:4860:4860::8888")
    for private in ("127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.0.1", "169.254.1.1",
                    "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "240.0.0.1", "0.0.0.0"):
        assert not address_is_public(private), private


def test_put_then_disabled_subscription_is_re_enabled_by_put(
    private_client: FlaskClient, keys: Keys, app: Flask
) -> None:
    headers = keys.headers("PSI")
    private_client.put("/api/v1/webhook", json={"url": "http://127.0.0.1:8123/h"},
                       headers=headers)
    db = app.extensions["db"]
    with db.transaction() as session:
        subscription = session.scalars(select(WebhookSubscription)).one()
        disable_subscription(session, subscription, "the receiver answered 410 Gone")
    shown = private_client.get("/api/v1/webhook", headers=headers).json
    assert shown["active"] is False
    assert shown["disabled_reason"] == "the receiver answered 410 Gone"
    again = private_client.put("/api/v1/webhook", json={"url": "http://127.0.0.1:8123/h"},
                               headers=headers).json
    assert again["active"] is True and again["disabled_reason"] is None
