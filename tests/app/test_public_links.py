"""Links Jembatan gives out use JEMBATAN_PUBLIC_URL, never the Host header; HSTS over https.

A client (or a cache in between) that sends `Host: evil.example` must not make Jembatan hand
out links to evil.example: in the Open311 discovery document, the Atom feed, or a reporter's
private status link (issue 13, item 11).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask

from app import HSTS, create_app
from app.config import Settings
from tests.conftest import Keys, complaint_payload

PUBLIC = "https://jembatan.example.go.id"
EVIL = {"Host": "evil.example"}


def _app(settings: Settings, public_url: str) -> Iterator[Flask]:
    application = create_app(dataclasses.replace(settings, PUBLIC_URL=public_url))
    yield application
    application.extensions["db"].dispose()


@pytest.fixture
def https_app(settings: Settings) -> Iterator[Flask]:
    yield from _app(settings, PUBLIC)


@pytest.fixture
def http_app(settings: Settings) -> Iterator[Flask]:
    yield from _app(settings, "http://127.0.0.1:5000")


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_discovery_points_at_the_public_url_whatever_the_host_header(https_app, fmt) -> None:
    response = https_app.test_client().get(f"/open311/v2/discovery.{fmt}", headers=EVIL)
    assert response.status_code == 200
    assert b"evil.example" not in response.data
    assert f"{PUBLIC}/open311/v2".encode() in response.data


def test_status_links_and_the_feed_point_at_the_public_url(https_app, keys: Keys) -> None:
    client = https_app.test_client()
    created = client.post("/api/v1/complaints", json=complaint_payload(),
                          headers={**keys.headers("PSI"), **EVIL})
    assert created.status_code == 201, created.json
    code = created.json["tracking_code"]
    assert created.json["status_link"].startswith(f"{PUBLIC}/lacak/{code}/")
    shown = client.get(f"/api/v1/complaints/{created.json['id']}",
                       headers={**keys.headers("PSI"), **EVIL})
    assert shown.json["status_link"] == created.json["status_link"]

    feed = client.get("/feed.atom", headers=EVIL)
    assert feed.status_code == 200
    assert b"evil.example" not in feed.data
    assert f"{PUBLIC}/aduan/{code}".encode() in feed.data


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/v1/categories", "/no-such-page",
                                  "/open311/v2/discovery.xml", "/feed.atom"])
def test_hsts_on_every_response_when_served_over_https(https_app, path) -> None:
    response = https_app.test_client().get(path)
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    ) == HSTS


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/v1/categories", "/no-such-page"])
def test_no_hsts_when_served_over_http(http_app, path) -> None:
    assert "Strict-Transport-Security" not in http_app.test_client().get(path).headers
