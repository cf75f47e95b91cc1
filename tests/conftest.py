"""Fixtures shared by every test.

The database is real: a fresh SQLite file per test (copied from one migrated template), or
PostgreSQL when `JEMBATAN_TEST_DATABASE_URL` is set (migrated once, emptied after each test).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.auth import issue_key
from app.config import Settings
from app.database import Base, Database
from app.factions import seed_factions
from app.migrate import upgrade

PG_URL = os.environ.get("JEMBATAN_TEST_DATABASE_URL")


def pytest_report_header(config: Any) -> str:
    return f"database: {'PostgreSQL' if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for this test alone."""
    if PG_URL:
        yield PG_URL
        _truncate_all(PG_URL)
        return
    path = tmp_path / "jembatan.db"
    shutil.copyfile(_template_db, path)
    yield f"sqlite:///{path}"


def _truncate_all(url: str) -> None:
    database = Database(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    database.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Test settings: nothing read from the host's environment."""
    return Settings.from_env(
        environ={},
        ENV="test",
        DATABASE_URL=database_url,
        CRM_URL="http://127.0.0.1:9/open311/v2/",
        RATELIMIT_ENABLED=False,
        LOG_JSON=False,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings)
    yield application
    application.extensions["db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db(app: Flask) -> Database:
    return app.extensions["db"]


@dataclass
class Keys:
    """Keys for the seeded factions (by code) and one admin and one crm key."""

    faction: dict[str, str]
    admin: str
    crm: str

    def headers(self, who: str) -> dict[str, str]:
        key = {"admin": self.admin, "crm": self.crm}.get(who) or self.faction[who]
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keys(db: Database) -> Keys:
    """The nine DPRD DKI factions, seeded, with a key each."""
    with db.transaction() as session:
        factions = seed_factions(session)
        faction_keys = {f.code: issue_key(session, "faction", f).key for f in factions}
        admin = issue_key(session, "admin").key
        crm = issue_key(session, "crm").key
    return Keys(faction_keys, admin, crm)


def complaint_payload(**overrides: Any) -> dict[str, Any]:
    """A valid native-API complaint; override any field."""
    payload: dict[str, Any] = {
        "external_id": "PSI-2026-000123",
        "category": "sampah",
        "title": "Sampah menumpuk di pinggir kali",
        "description": "Sudah seminggu tidak diangkut.",
        "occurred_at": "2026-11-20T08:00:00+07:00",
        "location": {
            "kelurahan_code": "31.71.01.1001",
            "address": "Jl. Kali Pasir No. 3",
            "lat": -6.1754,
            "lon": 106.8272,
        },
        "reporter": {
            "name": "Siti Aminah",
            "phone": "081234567890",
            "email": "siti@example.org",
            "nik": "3171010101900001",
        },
        "visibility": "anonymous",
        "attachments": [
            {"url": "https://posko.example.org/foto.jpg", "content_type": "image/jpeg"}
        ],
    }
    payload.update(overrides)
    return payload
