"""Webhook signing secrets and posko feed keys: encrypted at rest, like the reporter's data.

Anyone holding a copy of the database must be able neither to sign webhooks in Jembatan's name
nor to post to a posko's feed. The API still shows a faction its own secret; the worker still
signs and posts with them.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app, crypto
from app.cli import main
from app.config import DEMO_DATA_KEY, Settings
from app.database import Database
from app.migrate import upgrade
from app.models import Faction, WebhookSubscription
from tests.conftest import Keys
from tests.support.complaints import cli_env


@pytest.fixture
def private_client(settings: Settings) -> Iterator[FlaskClient]:
    """An app that allows loopback webhook URLs (tests only)."""
    application = create_app(dataclasses.replace(settings, WEBHOOK_ALLOW_PRIVATE=True))
    yield application.test_client()
    application.extensions["db"].dispose()


def raw(db: Database, sql: str) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql)).all()]


def test_webhook_secrets_are_stored_encrypted(
    private_client: FlaskClient, db: Database, keys: Keys
) -> None:
    headers = keys.headers("PSI")
    created = private_client.put(
        "/api/v1/webhook", json={"url": "http://127.0.0.1:8123/hook"}, headers=headers
    ).json
    rotated = private_client.post("/api/v1/webhook/rotate-secret", headers=headers).json
    ((secret, previous),) = raw(db, "SELECT secret, previous_secret FROM webhook_subscriptions")
    for stored, shown in ((secret, rotated["secret"]), (previous, created["secret"])):
        assert stored.startswith("f1:") and "whsec_" not in stored
        assert crypto.keyring().decrypt(stored) == shown
    assert private_client.get("/api/v1/webhook", headers=headers).json["secret"] == (
        rotated["secret"]
    )


def test_feed_keys_are_stored_encrypted(
    db: Database, keys: Keys, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.resolver import fake_resolver

    # `factions feed` resolves the name to check it: a public answer, and nothing is sent.
    monkeypatch.setattr(socket, "getaddrinfo",
                        fake_resolver({"posko.example.org": ["203.0.114.10"]}))
    result = CliRunner().invoke(
        main, ["factions", "feed", "PKS", "https://posko.example.org/open311/v2/",
               "--api-key", "posko-key-123"],
        env=cli_env(database_url),
    )
    assert result.exit_code == 0, result.output
    ((stored,),) = raw(db, "SELECT feed_api_key FROM factions WHERE code = 'PKS'")
    assert stored.startswith("f1:") and "posko-key-123" not in stored
    with db.session() as session:
        faction = session.query(Faction).filter_by(code="PKS").one()
        assert faction.feed_api_key == "posko-key-123"


def test_migration_encrypts_what_was_stored_in_clear_and_back(tmp_path: Path) -> None:
    crypto.configure(Settings(ENV="test", DATA_KEYS=DEMO_DATA_KEY))
    url = os.environ.get("JEMBATAN_TEST_DATABASE_URL_SCRATCH") or f"sqlite:///{tmp_path}/m.db"
    db = Database(url)
    if url.startswith("postgresql"):
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url, "0001")
    with db.engine.begin() as connection:  # as 0001 stored them: in clear
        connection.execute(text(
            "INSERT INTO factions (id, code, name, active, feed_url, feed_api_key, feed_format,"
            " created_at, updated_at) VALUES (1, 'PSI', 'Fraksi PSI', true,"
            " 'https://posko.example.org/', 'feed-key', 'xml', '2026-11-01', '2026-11-01')"))
        connection.execute(text(
            "INSERT INTO webhook_subscriptions (id, faction_id, url, secret, previous_secret,"
            " active, consecutive_failures, created_at, updated_at) VALUES (1, 1,"
            " 'https://posko.example.org/hook', 'whsec_new', 'whsec_old', true, 0,"
            " '2026-11-01', '2026-11-01')"))
    upgrade(url)
    upgrade(url)  # a rerun finds nothing left in clear
    (row,) = raw(db, "SELECT secret, previous_secret FROM webhook_subscriptions")
    ((key,),) = raw(db, "SELECT feed_api_key FROM factions")
    assert all(value.startswith("f1:") for value in (*row, key))
    with db.session() as session:
        subscription = session.get(WebhookSubscription, 1)
        assert (subscription.secret, subscription.previous_secret) == ("whsec_new", "whsec_old")
        assert session.get(Faction, 1).feed_api_key == "feed-key"
    from alembic import command

    from app.migrate import alembic_config

    command.downgrade(alembic_config(url), "0001")
    assert raw(db, "SELECT secret, previous_secret FROM webhook_subscriptions") == [
        ("whsec_new", "whsec_old")
    ]
    db.dispose()


def test_key_rotation_re_encrypts_the_secrets_too(
    private_client: FlaskClient, db: Database, keys: Keys, database_url: str
) -> None:
    from app.crypto import Keyring, generate_key

    private_client.put("/api/v1/webhook", json={"url": "http://127.0.0.1:8123/hook"},
                       headers=keys.headers("PSI"))
    new_key = generate_key()
    env = {**cli_env(database_url), "JEMBATAN_DATA_KEYS": f"{new_key},{DEMO_DATA_KEY}"}
    try:
        result = CliRunner().invoke(main, ["keys", "rotate-data"], env=env)
        assert result.exit_code == 0, result.output
        ((secret,),) = raw(db, "SELECT secret FROM webhook_subscriptions")
        assert Keyring([new_key]).is_current(secret)
    finally:
        crypto.configure(Settings(ENV="test", DATA_KEYS=DEMO_DATA_KEY))
