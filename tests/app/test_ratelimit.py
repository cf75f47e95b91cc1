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


# --- whose budget: the verified key, else the address (issue 13) -------------------------


def _fake_key(n: int) -> str:
    return f"jbt_fake{n:06d}_{'x' * 20}{n:04d}"


def test_made_up_keys_spend_the_senders_address_budget(limited_app) -> None:
    """Random well-formed keys are not a budget each: they cannot dodge the limit."""
    client = limited_app.test_client()
    statuses = [
        client.get("/api/v1/categories",
                   headers={"Authorization": f"Bearer {_fake_key(n)}"}).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    # Open311's api_key parameter is no way around it either (the default limit counts
    # each endpoint apart).
    statuses = [
        client.get(f"/open311/v2/requests.json?api_key={_fake_key(n)}").status_code
        for n in range(4)
    ]
    assert statuses == [403, 403, 403, 429]


def test_a_wrong_secret_on_a_real_key_id_does_not_lock_the_key_out(limited_app,
                                                                   limited_keys) -> None:
    real = limited_keys["PSI"]["Authorization"].removeprefix("Bearer ")
    key_id = real.split("_")[1]
    attacker = limited_app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    forged = {"Authorization": f"Bearer jbt_{key_id}_{'A' * 32}"}
    statuses = [attacker.get("/api/v1/categories", headers=forged).status_code
                for _ in range(6)]
    assert statuses == [401, 401, 401, 429, 429, 429]
    # The key's holder still has the whole budget of the key.
    holder = limited_app.test_client()
    allowed = holder.get("/api/v1/categories", headers=limited_keys["PSI"])
    assert allowed.status_code == 200
    assert allowed.headers["X-RateLimit-Remaining"] == "2"


def test_a_verified_open311_api_key_has_its_own_budget(limited_app, limited_keys) -> None:
    key = limited_keys["PSI"]["Authorization"].removeprefix("Bearer ")
    client = limited_app.test_client()
    for _ in range(3):  # the address's budget is spent…
        client.get("/open311/v2/requests.json?api_key=jbt_unknown1_xxxxxxxxxxxxxxxxxxxx")
    assert client.get("/open311/v2/requests.json").status_code == 429
    # …and the key (in the query, as Open311 sends it) still has its own.
    response = client.get(f"/open311/v2/requests.json?api_key={key}")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Remaining"] == "2"


@pytest.fixture
def proxied_app(database_url: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    settings = Settings.from_env(
        environ={"JEMBATAN_TRUSTED_PROXIES": str(request.param)}, ENV="test",
        DATABASE_URL=database_url, LOG_JSON=False, RATELIMIT_ENABLED=True,
        RATELIMIT_DEFAULT="3 per minute", RATELIMIT_STORAGE_URI="memory://",
    )
    application = create_app(settings)
    yield application
    application.extensions["db"].dispose()


def _statuses(app: Flask, forwarded_for: list[str]) -> list[int]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.1"  # the reverse proxy
    return [
        client.get("/api/v1/categories", headers={"X-Forwarded-For": value}).status_code
        for value in forwarded_for
    ]


@pytest.mark.parametrize("proxied_app", [1], indirect=True)
def test_behind_one_proxy_the_client_is_x_forwarded_fors_last_hop(proxied_app) -> None:
    # Four visitors behind the proxy: each has a budget of their own.
    visitors = [f"198.51.100.{n}" for n in range(1, 5)]
    assert _statuses(proxied_app, visitors) == [401, 401, 401, 401]
    # What a client writes in front of the proxy's own hop changes nothing.
    spoofed = [f"192.0.2.{n}, 198.51.100.9" for n in range(1, 5)]
    assert _statuses(proxied_app, spoofed) == [401, 401, 401, 429]


@pytest.mark.parametrize("proxied_app", [0], indirect=True)
def test_without_trusted_proxies_x_forwarded_for_is_ignored(proxied_app) -> None:
    visitors = [f"198.51.100.{n}" for n in range(1, 5)]
    assert _statuses(proxied_app, visitors) == [401, 401, 401, 429]


def test_trusted_proxies_must_not_be_negative() -> None:
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="JEMBATAN_TRUSTED_PROXIES"):
        Settings.from_env(environ={"JEMBATAN_TRUSTED_PROXIES": "-1"}, ENV="test")
