"""`jembatan status` and `GET /api/v1/admin/status`: one view of the gateway's health, and an
exit code a monitoring check can rely on."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import main
from app.cli.status import NEEDS_ATTENTION
from app.clock import utcnow
from app.models import CircuitBreaker, Complaint, OutboxMessage, SyncCursor, WebhookSubscription
from tests.support.complaints import cli_env, forwarded_complaint, store_complaint

STATUS_KEYS = {
    "checked_at", "healthy", "attention", "migrations", "factions", "complaints", "outbox",
    "dead_letters", "breakers", "updates_mode", "last_poll_at", "last_poll_age_seconds",
    "last_forward_at",
}


@pytest.fixture
def healthy(app, db, keys):
    """Seeded factions with keys, two complaints (one forwarded), a poll a moment ago."""
    store_complaint(app, "PSI", external_id="H-1")
    forwarded_complaint(app, "PDIP", ticket="3100001")
    with db.transaction() as session:
        session.add(SyncCursor(name="crm.updates.watermark", value=utcnow().isoformat(),
                               updated_at=utcnow()))
    return app


def _status(database_url: str, *args: str):
    return CliRunner().invoke(main, ["status", *args], env=cli_env(database_url))


def test_a_healthy_gateway_exits_0_and_says_so(healthy, database_url) -> None:
    result = _status(database_url)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.splitlines()[0] == "Jembatan: healthy"
    assert "complaints    2 (forwarded 1, received 1); overdue 0" in text
    assert "PSI" in text and "keys 1" in text and "no webhook" in text

    state = json.loads(_status(database_url, "--json").stdout)
    assert set(state) == STATUS_KEYS
    assert state["healthy"] is True and state["attention"] == []
    assert state["migrations"]["ok"] is True
    assert state["complaints"] == {"total": 2, "by_status": {"forwarded": 1, "received": 1},
                                   "overdue": 0}
    assert state["last_forward_at"] is not None and state["last_poll_age_seconds"] < 60
    assert {f["code"] for f in state["factions"]} >= {"PSI", "PDIP"}
    psi = next(f for f in state["factions"] if f["code"] == "PSI")
    assert psi == {"code": "PSI", "name": psi["name"], "active": True, "keys": 1, "webhook": None}
    # The received complaint waits in the outbox for the CRM: depth and age per topic.
    (submit,) = [t for t in state["outbox"] if t["topic"] == "crm.submit"]
    assert submit["pending"] >= 1 and submit["dead"] == 0


def test_open_breaker_dead_letter_and_old_poll_each_need_attention(healthy, db,
                                                                   database_url) -> None:
    now = utcnow()
    with db.transaction() as session:
        session.add(CircuitBreaker(destination="crm", state="open", consecutive_failures=5,
                                   opened_at=now, next_probe_at=now + timedelta(seconds=15)))
        session.add(OutboxMessage(topic="webhook.deliver", destination="webhook:1",
                                  payload={}, status="dead", attempts=9, dead_at=now,
                                  last_error="HTTP 500"))
        session.get(SyncCursor, "crm.updates.watermark").updated_at = now - timedelta(hours=1)
        hook = WebhookSubscription(faction_id=1, url="https://posko.example/hook",
                                   secret="whsec_x", consecutive_failures=3,
                                   failing_since=now)
        session.add(hook)

    result = _status(database_url)
    assert result.exit_code == NEEDS_ATTENTION != 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Jembatan: NEEDS ATTENTION"
    assert "  ! breaker crm is open" in lines
    assert "  ! 1 dead letter(s) (see `jembatan dlq list`)" in lines
    # An hour ago, give or take the seconds this test itself takes on a busy machine.
    assert any(re.match(r"  ! last successful CRM poll 36\d\ds ago", line) for line in lines)

    # A larger poll limit is the operator's choice: the poll no longer counts, the rest does.
    state = json.loads(_status(database_url, "--json", "--max-poll-age", "7200").stdout)
    assert len(state["attention"]) == 2 and state["healthy"] is False
    assert state["dead_letters"] == 1
    assert state["breakers"][0]["state"] == "open"
    assert state["breakers"][0]["consecutive_failures"] == 5
    hooked = [f for f in state["factions"] if f["webhook"] is not None]
    assert hooked[0]["webhook"]["state"] == "failing"
    assert hooked[0]["webhook"]["consecutive_failures"] == 3


def test_the_poll_watermarks_read_are_the_pollers() -> None:
    from app.health import POLL_CURSORS
    from sync.poll import REQUESTS_CURSOR, UPDATES_CURSOR

    assert POLL_CURSORS == {"updates": UPDATES_CURSOR, "requests": REQUESTS_CURSOR}


def test_a_fresh_database_has_not_polled_yet(database_url) -> None:
    result = _status(database_url, "--json")
    assert result.exit_code == NEEDS_ATTENTION
    assert json.loads(result.stdout)["attention"] == [
        "no successful CRM poll yet (is a worker running?)"
    ]


def test_admin_endpoint_shows_the_same_state(healthy, client, keys, db) -> None:
    answer = client.get("/api/v1/admin/status", headers=keys.headers("admin"))
    assert answer.status_code == 200
    state = answer.get_json()
    assert set(state) == STATUS_KEYS and state["healthy"] is True
    assert state["complaints"]["total"] == 2

    with db.transaction() as session:
        session.add(CircuitBreaker(destination="crm", state="half_open"))
    state = client.get("/api/v1/admin/status?max_poll_age_s=0",
                       headers=keys.headers("admin")).get_json()
    assert state["healthy"] is False
    assert "breaker crm is half_open" in state["attention"]
    assert any(item.startswith("last successful CRM poll") for item in state["attention"])

    # Admins only; a bad limit is a problem document, not a 500.
    assert client.get("/api/v1/admin/status", headers=keys.headers("PSI")).status_code == 403
    bad = client.get("/api/v1/admin/status?max_poll_age_s=soon", headers=keys.headers("admin"))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "GatewayStatus" in spec["components"]["schemas"]
    assert "get" in spec["paths"]["/api/v1/admin/status"]


def test_overdue_is_counted_in_its_one_meaning(healthy, db, database_url) -> None:
    """Past its deadline is not yet overdue: the sweep's mark on an open complaint is
    (docs/API.md#overdue), as the API and the dashboard count it."""
    with db.transaction() as session:
        late, marked = session.scalars(select(Complaint).order_by(Complaint.external_id)).all()
        late.due_at = marked.due_at = utcnow() - timedelta(days=3)
        marked.overdue = True
    state = json.loads(_status(database_url, "--json").stdout)
    assert state["complaints"]["overdue"] == 1
