"""Structured logs: request ids, worker context, and no key, secret or personal value, ever."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app import create_app
from app.config import Settings
from app.logging import configure_logging, log_context, new_run_id, redact
from app.models import Faction, WebhookSubscription
from tests.conftest import complaint_payload
from tests.support.complaints import store_complaint
from tests.support.processes import live_server

CANARY_NIK = "3175099988877766"
CANARY_PHONE = "081399887766"
CANARY_PHONE_INTL = "+62 813-9988-7766"
CANARY_EMAIL = "canary.reporter@example.net"
CANARY_NAME = "Canary Reporterwati"
CANARY_ADDRESS = "Jl. Canary Nomor 77"
CANARY_WHSEC = "whsec_Y2FuYXJ5c2VjcmV0Y2FuYXJ5c2VjcmV0"
CANARY_CRM_KEY = "crm-canary-api-key-9f8e7d"
CANARY_FAKE_KEY = "jbt_canary0000_" + "C" * 32


@pytest.fixture
def restore_logging() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    logging.setLogRecordFactory(factory)
    root.setLevel(level)
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_request_id_is_echoed_when_sane_and_made_when_not(client) -> None:
    given_id = "req-1234abcd"
    assert client.get("/healthz", headers={"X-Request-ID": given_id}).headers[
        "X-Request-ID"] == given_id
    for insane in ("short", "x" * 300, "has spaces in it", "<script>alert(1)</script>"):
        echoed = client.get("/healthz", headers={"X-Request-ID": insane}).headers["X-Request-ID"]
        assert echoed != insane and len(echoed) == 32
    first = client.get("/healthz").headers["X-Request-ID"]
    assert first != client.get("/healthz").headers["X-Request-ID"]


def test_every_line_of_a_request_carries_its_request_id(app, restore_logging) -> None:
    buffer = io.StringIO()
    configure_logging(replace(app.extensions["settings"], LOG_JSON=True), "web", stream=buffer)

    @app.get("/_log-twice")
    def log_twice() -> str:
        logging.getLogger("app.sample").info("first")
        logging.getLogger("somelibrary").warning("second")
        return "ok"

    response = app.test_client().get("/_log-twice", headers={"X-Request-ID": "trace-abcdef12"})
    assert response.headers["X-Request-ID"] == "trace-abcdef12"
    lines = [line for line in _lines(buffer) if line["message"] in ("first", "second")]
    assert len(lines) == 2
    assert all(line["request_id"] == "trace-abcdef12" for line in lines)
    assert {line["level"] for line in lines} == {"INFO", "WARNING"}
    assert all(line["process_kind"] == "web" for line in lines)


def test_worker_context_marks_every_line(settings, restore_logging) -> None:
    buffer = io.StringIO()
    configure_logging(replace(settings, LOG_JSON=True), "worker", stream=buffer)
    run_id = new_run_id()
    with log_context(job="crm.forward", run_id=run_id):
        logging.getLogger("sync.jobs").info("forwarded %d", 3)
        with log_context(message_id=42):
            logging.getLogger("sync.jobs").info("inner")
    logging.getLogger("sync.jobs").info("outside")
    # Only this test's logger: other threads of the test process may log meanwhile.
    first, inner, outside = [line for line in _lines(buffer) if line["logger"] == "sync.jobs"]
    assert first["run_id"] == run_id and first["job"] == "crm.forward"
    assert first["message"] == "forwarded 3" and first["process_kind"] == "worker"
    assert inner["run_id"] == run_id and inner["message_id"] == 42
    assert "run_id" not in outside


def test_plain_format_in_tests_still_redacts(settings, restore_logging) -> None:
    buffer = io.StringIO()
    configure_logging(settings, "web", stream=buffer)  # LOG_JSON is off in the test settings
    logging.getLogger("x").warning("key %s nik %s", CANARY_FAKE_KEY, CANARY_NIK)
    text = buffer.getvalue()
    assert "WARNING" in text and not text.startswith("{")
    assert CANARY_FAKE_KEY not in text and CANARY_NIK not in text


def test_full_run_leaks_no_key_secret_or_personal_value(
    database_url, tmp_path, restore_logging, caplog
) -> None:
    settings = Settings.from_env(
        environ={}, ENV="test", DATABASE_URL=database_url, LOG_JSON=True, LOG_LEVEL="DEBUG",
        CRM_URL="http://127.0.0.1:9/open311/v2/", CRM_API_KEY=CANARY_CRM_KEY,
        RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="40 per minute",
    )
    app = create_app(settings)
    buffer = io.StringIO()
    configure_logging(settings, "web", stream=buffer)
    caplog.set_level(logging.DEBUG)
    db = app.extensions["db"]

    from app.auth import issue_key
    from app.factions import seed_factions

    with db.transaction() as session:
        factions = {f.code: f for f in seed_factions(session)}
        faction_key = issue_key(session, "faction", factions["PSI"]).key
        admin_key = issue_key(session, "admin").key
        session.add(WebhookSubscription(faction_id=factions["PSI"].id,
                                        url="https://posko.example.org/hook",
                                        secret=CANARY_WHSEC))
    reporter = {"name": CANARY_NAME, "phone": CANARY_PHONE, "email": CANARY_EMAIL,
                "nik": CANARY_NIK}
    location = {"kelurahan_code": "31.71.01.1001", "address": CANARY_ADDRESS}
    stored = store_complaint(app, "PSI", reporter=reporter, location=location)
    faction = {"Authorization": f"Bearer {faction_key}"}
    admin = {"Authorization": f"Bearer {admin_key}"}

    with live_server(app) as base:
        calls = [
            ("POST", "/api/v1/complaints", faction,
             complaint_payload(external_id="CANARY-2", reporter=reporter, location=location)),
            ("POST", "/api/v1/complaints", faction,
             complaint_payload(external_id="CANARY-3", reporter={**reporter, "bad": 1})),
            ("GET", f"/api/v1/complaints/{stored.id}", faction, None),
            ("GET", "/api/v1/complaints?limit=5", faction, None),
            ("GET", f"/api/v1/categories?api_key={faction_key}", {}, None),
            ("GET", f"/open311/v2/requests.json?api_key={faction_key}&email={CANARY_EMAIL}",
             {}, None),
            ("GET", "/api/v1/categories", {"Authorization": f"Bearer {CANARY_FAKE_KEY}"}, None),
            ("GET", "/api/v1/categories", {"Authorization": f"Basic {CANARY_CRM_KEY}"}, None),
            ("GET", "/api/v1/admin/complaints", admin, None),
            ("GET", "/api/v1/admin/webhooks", admin, None),
            ("POST", "/api/v1/admin/keys", admin, {"role": "faction", "faction": "PKS"}),
            ("POST", "/api/v1/admin/factions", admin, {"code": "X", "name": CANARY_NIK}),
            ("POST", "/api/v1/admin/factions/PKS/disable", admin,
             {"reason": f"call {CANARY_PHONE_INTL}"}),
            ("DELETE", f"/api/v1/complaints/{stored.id}/reporter", faction, None),
            ("GET", "/no-such-page", {}, None),
            ("GET", "/metrics", {}, None),
        ]
        issued = []
        for method, path, headers, body in calls:
            response = requests.request(method, base + path, headers=headers, json=body,
                                        timeout=10)
            assert response.status_code < 500, (path, response.status_code, response.text)
            if path == "/api/v1/admin/keys":
                issued.append(response.json()["key"])
        for _ in range(45):  # into the rate limit
            requests.get(base + "/api/v1/categories", headers=faction, timeout=10)

    # Application code that (wrongly) logs secrets is still caught by the redaction.
    log = logging.getLogger("app.careless")
    log.debug("posting with api_key=%s to %s", CANARY_CRM_KEY, "crm")
    log.info("headers %s", {"Authorization": f"Bearer {faction_key}"})
    try:
        raise ValueError(f"bad reporter {CANARY_EMAIL} {CANARY_NIK} {CANARY_WHSEC}")
    except ValueError:
        log.exception("failed for %s", CANARY_PHONE)
    with log_context(run_id=new_run_id()):
        log.warning("webhook secret %s", CANARY_WHSEC, extra={"reporter_phone": CANARY_PHONE})

    # Our handler's output (with `extra` fields), and what any other handler was given.
    output = buffer.getvalue() + "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert len(buffer.getvalue().splitlines()) > 20  # the run really logged
    canaries = [CANARY_NIK, CANARY_PHONE, "813-9988-7766", CANARY_EMAIL, CANARY_NAME,
                CANARY_ADDRESS, CANARY_WHSEC, CANARY_CRM_KEY, CANARY_FAKE_KEY, faction_key,
                admin_key, *issued, faction_key.split("_", 2)[2]]
    leaked = [c for c in canaries if c in output]
    assert leaked == []
    access = [line for line in _lines(buffer) if line["logger"] == "werkzeug"]
    assert access and all(line.get("request_id") for line in access)
    assert any("api_key=[REDACTED]" in line["message"] for line in access)
    assert any(line["message"].startswith("failed for") and "exc_info" in line
               for line in _lines(buffer))
    with db.session() as session:  # the admin actions of the run happened
        assert session.scalars(select(Faction.active).where(Faction.code == "PKS")).one() \
            is False
    db.dispose()


@given(st.from_regex(r"\A[1-9]\d{15}\Z"), st.from_regex(r"\A08[1-9]\d{7,10}\Z"))
def test_redact_removes_any_nik_and_mobile_number(nik: str, phone: str) -> None:
    text = redact(f"nik={nik}; hp {phone}; +62{phone[1:]}")
    assert nik not in text and phone not in text and phone[1:] not in text


def test_redact_keeps_ordinary_text() -> None:
    line = ('127.0.0.1 - - [29/Nov/2026 19:00:00] "GET /api/v1/complaints?limit=50 HTTP/1.1" '
            "200 - id 7f3e2a10-0b6c-4d47-9a4e-1f2e3d4c5b6a seq 12 took 0.0123 s")
    assert redact(line) == line
