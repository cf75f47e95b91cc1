"""The poller's cursor: each window starts just before the newest update seen, a late commit
inside the margin is still read, the wide sweep finds one later than that, and workers ticking
together poll once per interval."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, request
from sqlalchemy import select, update

from app.clock import utcnow
from app.config import Settings
from app.database import Database
from app.models import CrmUpdate, SyncCursor
from schemas.open311 import parse_datetime
from sync.crm import CrmClient
from sync.poll import (
    MARGIN,
    OVERLAP,
    POLLED_CURSOR,
    SWEPT_CURSOR,
    UPDATES_CURSOR,
    WIDE_SWEEP_INTERVAL,
    poll_once,
)
from tests.conftest import Keys
from tests.support.complaints import forwarded_complaint
from tests.support.processes import live_server

TICKET = "3100777"


def windowed_crm(updates: list[dict[str, Any]]) -> Flask:
    """A CRM answering servicerequestupdates as the extension says: start ≤ updated ≤ end.

    `updates` may grow between polls: what a test appends is an update the CRM committed then.
    """
    crm = Flask("windowed_crm")
    calls: list[tuple[datetime, datetime]] = []
    crm.config["calls"] = calls

    @crm.get("/open311/v2/servicerequestupdates.json")
    def found() -> Response:
        start = parse_datetime(request.args["start_date"])
        end = parse_datetime(request.args["end_date"])
        calls.append((start, end))
        inside = [u for u in updates
                  if start <= parse_datetime(u["updated_datetime"]) <= end]
        return Response(json.dumps(inside), content_type="application/json")

    @crm.get("/open311/v2/requests.json")
    def tickets() -> Response:
        ids = request.args.get("service_request_id", "").split(",")
        return Response(json.dumps([
            {"service_request_id": i, "status": "open", "agency_responsible": "Dinas SDA"}
            for i in ids
        ]), content_type="application/json")

    return crm


def crm_update(update_id: str, at: datetime, code: str = "PROSES") -> dict[str, Any]:
    return {"update_id": update_id, "service_request_id": TICKET, "status": "open",
            "updated_datetime": at.isoformat(), "external_status_code": code}


def recorded(db: Database) -> dict[str, str]:
    with db.session() as session:
        return dict(session.execute(select(CrmUpdate.update_id, CrmUpdate.outcome)).all())


def cursor(db: Database, name: str) -> SyncCursor:
    with db.session() as session:
        found = session.get(SyncCursor, name)
        assert found is not None
        return found


def start_at(db: Database, watermark: datetime, swept_ago: timedelta) -> None:
    """A poller that polled up to `watermark` and swept `swept_ago`."""
    with db.transaction() as session:
        session.add(SyncCursor(name=UPDATES_CURSOR, value=watermark.isoformat()))
        session.add(SyncCursor(name=SWEPT_CURSOR, value=watermark.isoformat(),
                               updated_at=utcnow() - swept_ago))


def polling_settings(settings: Settings, base: str) -> Settings:
    return dataclasses.replace(settings, CRM_URL=base + "/open311/v2/", CRM_FORMAT="json")


def test_the_next_poll_starts_from_the_newest_update_seen_and_a_late_commit_is_read(
    app: Flask, db: Database, settings: Settings, keys: Keys
) -> None:
    forwarded_complaint(app, ticket=TICKET)
    now = utcnow()
    first = now - timedelta(seconds=30)
    updates = [crm_update("U1", first)]
    crm = windowed_crm(updates)
    start_at(db, now - timedelta(minutes=1), swept_ago=timedelta(seconds=1))
    with live_server(crm) as base:
        polling = polling_settings(settings, base)
        client = CrmClient.from_settings(polling)
        stats = poll_once(db, polling, "poller-a", client)
        assert stats is not None and stats.outcomes == {"applied": 1} and not stats.swept
        # The watermark is the newest update the CRM showed, not the time we asked.
        assert parse_datetime(cursor(db, UPDATES_CURSOR).value or "") == first
        # The CRM commits one stamped before U1 (its transaction began earlier), and a new one.
        updates += [crm_update("U2", first - MARGIN / 2, "DISPOSISI"),
                    crm_update("U3", utcnow(), "SELESAI")]
        again = poll_once(db, polling, "poller-a", client)
        assert again is not None
        assert again.outcomes == {"duplicate": 1, "applied": 1, "stale": 1}
        calls = crm.config["calls"]
    assert calls[1][0] == first - MARGIN  # from the cursor, not two minutes back
    assert set(recorded(db)) == {"U1", "U2", "U3"}


def test_the_wide_sweep_finds_an_update_committed_later_than_the_margin(
    app: Flask, db: Database, settings: Settings, keys: Keys
) -> None:
    forwarded_complaint(app, ticket=TICKET)
    now = utcnow()
    updates = [crm_update("U1", now - timedelta(seconds=5))]
    crm = windowed_crm(updates)
    watermark = now - timedelta(seconds=20)
    start_at(db, watermark, swept_ago=timedelta(seconds=1))
    with live_server(crm) as base:
        polling = polling_settings(settings, base)
        client = CrmClient.from_settings(polling)
        assert poll_once(db, polling, "poller-a", client) is not None
        # Committed now, stamped a minute before what the poller has seen: past the margin.
        late = now - timedelta(minutes=1)
        updates.append(crm_update("LATE", late, "DISPOSISI"))
        calm = poll_once(db, polling, "poller-a", client)
        assert calm is not None and not calm.swept and "LATE" not in recorded(db)
        # A minute on, the sweep reaches OVERLAP behind the watermark of the last sweep.
        with db.transaction() as session:
            session.execute(update(SyncCursor).where(SyncCursor.name == SWEPT_CURSOR).values(
                updated_at=utcnow() - WIDE_SWEEP_INTERVAL))
        swept = poll_once(db, polling, "poller-a", client)
        calls = crm.config["calls"]
    assert swept is not None and swept.swept
    assert recorded(db)["LATE"] in {"applied", "stale"}
    assert calls[-1][0] == watermark - OVERLAP
    # The next sweep starts from the watermark this one saw.
    assert parse_datetime(cursor(db, SWEPT_CURSOR).value or "") == now - timedelta(seconds=5)


def test_workers_ticking_together_poll_once_per_interval(
    app: Flask, db: Database, settings: Settings
) -> None:
    crm = windowed_crm([])
    start_at(db, utcnow() - timedelta(seconds=20), swept_ago=timedelta(seconds=1))
    gap = timedelta(seconds=3.75)
    with live_server(crm) as base:
        polling = polling_settings(settings, base)
        client = CrmClient.from_settings(polling)
        assert poll_once(db, polling, "worker-1", client, gap) is not None
        # The other workers' ticks in the same interval leave it (the lease is free).
        assert poll_once(db, polling, "worker-2", client, gap) is None
        assert poll_once(db, polling, "worker-3", client, gap) is None
        assert len(crm.config["calls"]) == 1
        # An interval on, the next tick polls, whichever worker it is.
        with db.transaction() as session:
            session.execute(update(SyncCursor).where(SyncCursor.name == POLLED_CURSOR).values(
                value=(utcnow() - gap).isoformat()))
        assert poll_once(db, polling, "worker-2", client, gap) is not None
        assert len(crm.config["calls"]) == 2
