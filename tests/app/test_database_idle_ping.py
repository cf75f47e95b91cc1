"""The web app's pool pings a connection only after it idled, and then replaces a dead one."""

from __future__ import annotations

import psycopg
import pytest

import app.database
from tests.conftest import PG_URL


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="needs JEMBATAN_TEST_DATABASE_URL")
def test_a_connection_killed_while_idle_is_replaced(client, keys, monkeypatch) -> None:
    assert client.get("/api/v1/complaints", headers=keys.headers("PSI")).status_code == 200
    # Every pooled connection dies while it sits in the pool (as in a database restart).
    with psycopg.connect(PG_URL, autocommit=True) as killer:
        killed = killer.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert killed and killed[0] >= 1
    monkeypatch.setattr(app.database, "PING_IF_IDLE_S", 0.0)
    for _ in range(3):
        assert client.get("/api/v1/complaints", headers=keys.headers("PSI")).status_code == 200
