"""The CRM poller: windows, the leader lease, the fallback mode, a malformed update, a kill."""

from __future__ import annotations

import dataclasses
import json
import signal
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, Response, request
from sqlalchemy import func, select

from app.clock import utcnow
from app.config import Settings
from app.database import Database
from app.lifecycle import TERMINAL, map_crm_status
from app.models import Complaint, CrmUpdate, StatusEvent, SyncCursor
from schemas.open311 import parse_datetime
from sync import forward
from sync.crm import CrmClient
from sync.poll import (
    MARGIN,
    SWEPT_CURSOR,
    UPDATES_CURSOR,
    poll_once,
)
from tests.conftest import Keys
from tests.support.complaints import forwarded_complaint
from tests.support.crmsim import FAST_SPEED, open311_url, running_crm_sim
from tests.support.processes import jembatan_env, live_server, start_jembatan, stop, wait_until
from tests.sync.conftest import make_complaints, sim_settings, sim_tickets, worker_context

FINAL_CODES = {"SELESAI", "DITOLAK", "DITUTUP"}


def forward_all(db: Database, settings: Settings, count: int) -> None:
    outbox = worker_context(db, settings, forward.register, worker_id="test-forwarder",
                            lease_s=10).outbox
    wait_until(
        lambda: outbox.run([forward.CRM_SUBMIT.name]) is not None and _forwarded(db) >= count,
        timeout=20, what="complaints forwarded",
    )


def _forwarded(db: Database) -> int:
    with db.session() as session:
        return session.scalar(
            select(func.count()).select_from(Complaint).where(Complaint.crm_ticket_id.is_not(None))
        ) or 0


def sim_updates(base_url: str) -> list[dict[str, Any]]:
    response = requests.get(
        open311_url(base_url) + "servicerequestupdates.json", params={}, timeout=30
    )
    response.raise_for_status()
    return response.json()


def all_final(base_url: str, count: int) -> bool:
    tickets = sim_tickets(base_url)
    return len(tickets) >= count and all(
        t["external_status_code"] in FINAL_CODES and t["next_due_at"] is None for t in tickets
    )


def assert_mirrors_the_crm(db: Database, settings: Settings, base_url: str) -> None:
    """Every CRM update recorded once, applied at most once, final statuses equal."""
    updates = sim_updates(base_url)
    with db.session() as session:
        recorded = Counter(session.scalars(select(CrmUpdate.update_id)).all())
        applied = Counter(
            session.scalars(
                select(StatusEvent.crm_update_id).where(StatusEvent.crm_update_id.is_not(None))
            ).all()
        )
        complaints = {
            c.crm_ticket_id: c for c in session.scalars(select(Complaint)).all()
        }
    assert {u["update_id"] for u in updates} <= set(recorded), "an update was missed"
    assert all(n == 1 for n in recorded.values())
    assert all(n == 1 for n in applied.values()), "an update was applied twice"
    for ticket in sim_tickets(base_url):
        complaint = complaints[ticket["service_request_id"]]
        expected = map_crm_status(
            ticket["last_update_status"], ticket["external_status_code"], settings.STATUS_MAP_FILE
        )
        assert complaint.status == expected, ticket
        assert complaint.agency == ticket["agency"]


def test_updates_mode_mirrors_every_ticket(
    app: Flask, db: Database, settings: Settings, tmp_path: Path
) -> None:
    with running_crm_sim(tmp_path / "crm", speed=FAST_SPEED, seed=11) as base_url:
        polling = sim_settings(settings, base_url)
        make_complaints(app, db, 12)
        forward_all(db, polling, 12)
        wait_until(lambda: all_final(base_url, 12), timeout=20, what="tickets final")
        client = CrmClient.from_settings(polling)
        stats = poll_once(db, polling, "poller-a", client)
        # No watermark yet: a day back, caught up in six-hour windows in one tick.
        assert stats is not None and stats.windows == 5
        assert stats.outcomes == {"applied": len(sim_updates(base_url))}
        # A second poll reads the overlap again: nothing changes.
        again = poll_once(db, polling, "poller-a", client)
        assert again is not None and set(again.outcomes or {}) <= {"duplicate"}
        assert_mirrors_the_crm(db, polling, base_url)
        with db.session() as session:
            watermark = session.get(SyncCursor, UPDATES_CURSOR)
            assert watermark is not None and watermark.value
            assert utcnow() - parse_datetime(watermark.value) < timedelta(seconds=30)
            assert session.scalar(
                select(func.count()).select_from(Complaint).where(Complaint.resolved_at.is_not(None))
            ) == sum(1 for t in sim_tickets(base_url) if t["external_status_code"] == "SELESAI")


def test_requests_fallback_mode_reaches_the_same_state(
    app: Flask, db: Database, settings: Settings, tmp_path: Path
) -> None:
    with running_crm_sim(tmp_path / "crm", speed=FAST_SPEED, seed=5) as base_url:
        polling = sim_settings(settings, base_url, CRM_UPDATES_MODE="requests")
        make_complaints(app, db, 8)
        forward_all(db, polling, 8)
        wait_until(lambda: all_final(base_url, 8), timeout=20, what="tickets final")
        client = CrmClient.from_settings(polling)
        assert poll_once(db, polling, "poller-a", client) is not None
        again = poll_once(db, polling, "poller-a", client)
        assert again is not None and set(again.outcomes or {}) <= {"duplicate"}
        with db.session() as session:
            complaints = {c.crm_ticket_id: c for c in session.scalars(select(Complaint))}
            ids = session.scalars(select(CrmUpdate.update_id)).all()
        assert all(i.startswith("req:") for i in ids)
        for ticket in sim_tickets(base_url):
            complaint = complaints[ticket["service_request_id"]]
            code = ticket["external_status_code"]
            assert complaint.status == map_crm_status(None, code, polling.STATUS_MAP_FILE)
            assert complaint.status in TERMINAL
            assert complaint.agency == ticket["agency"]


def test_an_update_for_a_ticket_learned_later_is_applied_then(
    app: Flask, db: Database, settings: Settings, keys: Keys
) -> None:
    from app.status_updates import apply_crm_update

    push = dataclasses.replace(settings, CRM_UPDATES_MODE="push")
    with db.transaction() as session:
        outcome = apply_crm_update(session, {
            "update_id": "EARLY-1", "service_request_id": "3100950", "status": "open",
            "external_status_code": "DISPOSISI",
            "updated_datetime": (utcnow() - timedelta(hours=1)).isoformat(),
        }, push)
    assert outcome == "unknown_ticket"
    client = CrmClient.from_settings(push)
    assert poll_once(db, push, "poller-a", client) is None  # nothing to do yet
    complaint = forwarded_complaint(app, ticket="3100950")
    stats = poll_once(db, push, "poller-a", client)
    assert stats is not None and stats.outcomes == {"applied": 1}
    with db.session() as session:
        after = session.get(Complaint, complaint.id)
        assert after is not None and after.status == "dispatched"


def fake_crm(documents: list[list[dict[str, Any]]]) -> Flask:
    """A CRM answering servicerequestupdates with each given document in turn."""
    crm = Flask("fake_crm")
    calls: list[dict[str, str]] = []
    crm.config["calls"] = calls

    @crm.get("/healthz")
    def healthz() -> Any:
        return {"ok": True}

    @crm.get("/open311/v2/servicerequestupdates.json")
    def updates() -> Response:
        calls.append(dict(request.args))
        document = documents[min(len(calls), len(documents)) - 1]
        return Response(json.dumps(document), content_type="application/json")

    @crm.get("/open311/v2/requests.json")
    def tickets() -> Response:
        ids = request.args.get("service_request_id", "").split(",")
        return Response(json.dumps([
            {"service_request_id": i, "status": "open", "agency_responsible": "Dinas SDA"}
            for i in ids
        ]), content_type="application/json")

    return crm


def test_a_malformed_update_does_not_block_the_window(
    app: Flask, db: Database, settings: Settings, keys: Keys
) -> None:
    complaint = forwarded_complaint(app, ticket="3100900")
    now = utcnow()
    at = (now - timedelta(minutes=5)).isoformat()
    later = (now - timedelta(minutes=4)).isoformat()
    window = [
        {"update_id": "U1", "service_request_id": "3100900", "status": "open",
         "updated_datetime": "tomorrow-ish", "external_status_code": "PROSES"},
        {"service_request_id": "3100900", "status": "open", "updated_datetime": at},
        {"update_id": "U2", "service_request_id": "3100900", "status": "open",
         "updated_datetime": "2026-11-20T10:00:00", "external_status_code": "SELESAI"},
        {"update_id": "U3", "service_request_id": "9999999", "status": "open",
         "updated_datetime": at, "external_status_code": "PROSES"},
        "not even an object",
        {"update_id": "U4", "service_request_id": "3100900", "status": "open",
         "updated_datetime": at, "external_status_code": "DISPOSISI",
         "description": "Didisposisikan."},
        {"update_id": "U5", "service_request_id": "3100900", "status": "open",
         "updated_datetime": later, "external_status_code": "PROSES"},
    ]
    crm = fake_crm([window, window + [
        {"update_id": "U6", "service_request_id": "3100900", "status": "closed",
         "updated_datetime": now.isoformat(), "external_status_code": "SELESAI"},
    ]])
    watermark = now - timedelta(minutes=1)
    with db.transaction() as session:
        # A poller that ran a minute ago, and swept just now: each poll is a single window.
        session.add(SyncCursor(name=UPDATES_CURSOR, value=watermark.isoformat()))
        session.add(SyncCursor(name=SWEPT_CURSOR, value=watermark.isoformat(),
                               updated_at=utcnow()))
    with live_server(crm) as base:
        polling = dataclasses.replace(
            settings, CRM_URL=base + "/open311/v2/", CRM_FORMAT="json"
        )
        client = CrmClient.from_settings(polling)
        stats = poll_once(db, polling, "poller-a", client)
        assert stats is not None
        assert stats.outcomes == {"invalid": 4, "unknown_ticket": 1, "applied": 2}
        second = poll_once(db, polling, "poller-a", client)
        assert second is not None
        assert second.outcomes == {"duplicate": 6, "unknown_ticket": 1, "applied": 1}
        calls = crm.config["calls"]
    # Both windows start MARGIN before the watermark: the first window's updates were all
    # older than it, so it stayed.
    assert len(calls) == 2
    assert [parse_datetime(c["start_date"]) for c in calls] == [watermark - MARGIN] * 2
    with db.session() as session:
        after = session.get(Complaint, complaint.id)
        assert after is not None
        assert after.status == "resolved" and after.agency == "Dinas SDA"
        notes = session.scalars(
            select(StatusEvent.note).where(StatusEvent.complaint_id == complaint.id)
        ).all()
        assert "Didisposisikan." in notes
        invalid = session.scalars(
            select(CrmUpdate.error).where(CrmUpdate.outcome == "invalid")
        ).all()
    assert len(invalid) == 4
    assert any("offset" in e for e in invalid) and any("update_id" in e for e in invalid)


@pytest.mark.slow
def test_poller_killed_and_restarted_misses_nothing_and_applies_nothing_twice(
    app: Flask, db: Database, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    with running_crm_sim(tmp_path / "crm", speed=86400 * 5, seed=21) as base_url:
        polling = sim_settings(settings, base_url)
        make_complaints(app, db, 20)
        env = jembatan_env(
            database_url, CRM_URL=open311_url(base_url), POLL_INTERVAL_S=0.1,
            FORWARD_INTERVAL_S=0.1, DELIVER_INTERVAL_S=60, SWEEP_INTERVAL_S=60,
            CRM_RETRY_BASE_S=0.05, LOG_JSON=0, LEASE_S=2,
        )
        log = tmp_path / "worker.log"
        for round_ in range(4):
            worker = start_jembatan(["worker"], env, log)
            # Let it forward and poll for a while, then kill it without warning.
            time.sleep(2.0 + 0.37 * round_)
            stop(worker, signal.SIGKILL)
        # The last worker: it forwards what is left, and polls once the killed one's lease
        # has expired (it never released it).
        worker = start_jembatan(["worker"], env, log)
        try:
            wait_until(lambda: all_final(base_url, 20), timeout=60, what="tickets final")
            wait_until(lambda: _mirrored(db, polling, base_url), timeout=90,
                       interval=0.5, what="every update applied")
        finally:
            stop(worker)
        assert_mirrors_the_crm(db, polling, base_url)


def _mirrored(db: Database, settings: Settings, base_url: str) -> bool:
    try:
        assert_mirrors_the_crm(db, settings, base_url)
    except (AssertionError, KeyError):
        return False
    return True
