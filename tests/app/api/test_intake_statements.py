"""What an intake costs the database: a fixed handful of statements, whatever else is stored.

bench/intake.py measures the throughput; this pins the round trips behind it, so that a query
added to the intake path (a lookup per request, an N+1 over attachments or counters) is a
conscious decision and not a quiet regression.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.conftest import Keys, complaint_payload


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen.append(" ".join(sql.split())[:80])

    engine = app.extensions["db"].engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_an_intake_is_a_fixed_handful_of_statements(
    app: Flask, client: FlaskClient, keys: Keys
) -> None:
    headers = keys.headers("PSI")
    # Warm: the first request of a process may look things up once (categories, areas).
    client.post("/api/v1/complaints", json=complaint_payload(external_id="W-1"), headers=headers)
    # Another problem than the warm-up's (a repeat of it would be linked as a duplicate).
    payload = complaint_payload(
        external_id="S-1", category="jalan_rusak", title="Jalan berlubang besar",
        description="Lubang di tengah jalan membahayakan pengendara motor.",
        attachments=[{"url": f"https://posko.example.org/{n}.jpg", "content_type": "image/jpeg"}
                     for n in range(5)],
    )
    with statements(app) as created:
        response = client.post("/api/v1/complaints", json=payload, headers=headers)
    assert response.status_code == 201
    # The key; the complaint, its first event and its outbox message; the faction's webhook
    # subscription; the duplicate candidates in one read (app/duplicates.py); the dashboard
    # counters in one upsert; plus BEGIN IMMEDIATE on SQLite, or on PostgreSQL the NOTIFY
    # that wakes the workers at commit (app/notify.py). The duplicate search's area locks
    # ride on the complaint's INSERT (no statement of their own).
    sqlite = app.extensions["db"].dialect == "sqlite"
    extra = 1  # psycopg sends BEGIN unseen; SQLite's BEGIN IMMEDIATE, PostgreSQL's pg_notify
    assert len(created) <= 7 + extra, created
    assert not any("pg_advisory" in statement for statement in created[3:]), created
    assert sqlite or any("pg_notify" in statement for statement in created), created
    begin = 1 if sqlite else 0
    with statements(app) as replayed:
        again = client.post("/api/v1/complaints", json=payload, headers=headers)
    assert again.status_code == 200
    assert len(replayed) <= 3 + begin, replayed  # the key, the conflict, the stored complaint
