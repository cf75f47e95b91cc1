"""Rate limiting per API key: a 429 problem with Retry-After, each key its own budget."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from app.config import Settings


@pytest.fixture
def limited_app(database_url: str) -> Iterator[Flask]:
    settings = Settings.from_env(
        environ={}, ENV="test", DATABASE_URL=database_url, LOG_JSON=False,
        RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="3 per minute",
        RATELIMIT_STORAGE_URI="memory://",
    )
    application = create_app(settings)
    yield application
    application.extensions["db"].dispose()


@pytest.fixture
def limited_keys(limited_app: Flask):
    from app.auth import issue_key
    from app.factions import seed_factions

    with limited_app.extensions["db"].transaction() as session:
        factions = {f.code: f for f in seed_factions(session)}
        issued = {code: issue_key(session, "faction", factions[code]).key
                  for code in ("PSI", "PKS")}
    return {code: {"Authorization": f"Bearer {key}"} for code, key in issued.items()}


def test_a_key_over_its_limit_gets_a_429_problem_with_retry_after(limited_app,
                                                                   limited_keys) -> None:
    client = limited_app.test_client()
    for remaining in (2, 1, 0):
        allowed = client.get("/api/v1/categories", headers=limited_keys["PSI"])
        assert allowed.status_code == 200
        assert allowed.headers["X-RateLimit-Remaining"] == str(remaining)
        assert "Retry-After" not in allowed.headers
    refused = client.get("/api/v1/categories", headers=limited_keys["PSI"])
    assert refused.status_code == 429
    assert refused.content_type == "application/problem+json"
    assert refused.json["status"] == 429 and refused.json["type"] == "/problems/rate-limited"
    assert "3 per 1 minute" in refused.json["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 61  # the window, rounded up

    # Another key has its own budget; probes and scrapes are never limited.
    assert client.get("/api/v1/categories", headers=limited_keys["PKS"]).status_code == 200
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_requests_without_a_key_are_limited_by_address(limited_app) -> None:
    client = limited_app.test_client()
    statuses = [client.get("/api/v1/categories").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_limits_are_off_in_tests_unless_enabled(client, keys) -> None:
    for _ in range(30):
        assert client.get("/api/v1/categories", headers=keys.headers("PSI")).status_code == 200


def test_the_applications_own_retry_after_is_kept(limited_app, limited_keys) -> None:
    from app.errors import Problem

    @limited_app.get("/api/v1/_busy")
    def busy():
        raise Problem(409, "Conflict", "Still in progress.", headers={"Retry-After": "1"})

    response = limited_app.test_client().get("/api/v1/_busy", headers=limited_keys["PSI"])
    assert response.status_code == 409 and response.headers["Retry-After"] == "1"
