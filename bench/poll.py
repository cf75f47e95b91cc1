"""CRM status polling: does a poll cycle cost what changed, or what is stored?

    python bench/poll.py                       # 10,000 vs 1,000,000 complaints, + latency
    python bench/poll.py --large 200000        # a quicker run
    python bench/poll.py --skip-latency

1. One poll cycle applying the same 1,000 CRM updates (a servicerequestupdates window served
   by a stub CRM on 127.0.0.1) to a PostgreSQL database holding 10,000 complaints and to one
   holding --large complaints (with one status event and one recorded CRM update each, and
   every faction subscribed to webhooks, so each applied update also fans out). Measured in
   the same run, side by side; the median of --repeats cycles, each on other complaints.
   Prints large/small: the target is ≤ 1.5 (cost follows changes, not history).
2. Latency from a status change in the CRM simulator to its webhook arriving at a receiver,
   p50/p95, with one `jembatan worker` at the default intervals (poll 5 s, deliver 2 s).

PostgreSQL is started here (a throwaway server, as a non-root user).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from flask import Flask, Response  # noqa: E402
from sqlalchemy import delete, select, text  # noqa: E402

from app import crypto  # noqa: E402
from app.clock import utcnow  # noqa: E402
from app.config import Settings  # noqa: E402
from app.database import Database  # noqa: E402
from app.factions import seed_factions  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Faction, Lease, SyncCursor, WebhookSubscription  # noqa: E402
from app.webhooks import new_secret  # noqa: E402
from app.wiring import core_listeners  # noqa: E402
from sync.crm import CrmClient  # noqa: E402
from sync.poll import SWEPT_CURSOR, UPDATES_CURSOR, poll_once  # noqa: E402
from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.processes import live_server  # noqa: E402

UPDATES = 1000
TICKET_BASE = 5_000_000
CODES = ["DISPOSISI", "PROSES", "MENUNGGU_VALIDASI", "SELESAI", "DITOLAK"]


def fill(url: str, count: int) -> float:
    """`count` forwarded complaints with history, written by SQL (fast); seconds taken."""
    began = time.monotonic()
    upgrade(url)
    db = Database(url)
    with db.transaction() as session:
        seed_factions(session)
        for faction in session.scalars(select(Faction)):
            session.add(WebhookSubscription(
                faction_id=faction.id, url="https://posko.example.org/hook", secret=new_secret()
            ))
    with db.engine.begin() as connection:
        connection.execute(text("""
            INSERT INTO complaints (id, tracking_code, faction_id, external_id, source, category,
                title, description, kelurahan_code, kecamatan_code, kota_code, visibility,
                attachments, content_hash, status_secret, status, seq, crm_ticket_id, agency,
                forwarded_at, crm_updated_at, due_at, overdue, created_at, updated_at)
            SELECT gen_random_uuid(), 'BEN-' || lpad(g::text, 10, '0'), 1 + g % 9,
                'BENCH-' || g, 'api', 'sampah', 'Sampah menumpuk', 'Sudah seminggu.',
                '31.71.01.1001', '31.71.01', '31.71', 'anonymous', '[]'::json,
                md5(g::text) || md5(g::text), :status_secret,
                CASE WHEN g % 10 < 7 THEN 'resolved' ELSE 'waiting' END, 3,
                (:base + g)::text, 'Dinas Lingkungan Hidup',
                now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval,
                now() - (g || ' minutes')::interval + interval '9 days', g % 10 = 9,
                now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval
            FROM generate_series(1, :count) AS g
        """), {"count": count, "base": TICKET_BASE,
               # Stored encrypted, as the app stores it (one value serves every row).
               "status_secret": crypto.keyring().encrypt("bench-status-secret")})
        connection.execute(text("""
            INSERT INTO status_events (complaint_id, seq, status, previous_status, source,
                occurred_at, recorded_at, note)
            SELECT id, 3, status, 'waiting', 'crm', created_at, created_at, 'Riwayat.'
            FROM complaints
        """))
        connection.execute(text("""
            INSERT INTO crm_updates (update_id, service_request_id, complaint_id, status,
                external_status_code, updated_datetime, outcome, received_at)
            SELECT 'HIST-' || crm_ticket_id, crm_ticket_id, id, 'open', 'MENUNGGU',
                crm_updated_at, 'applied', created_at
            FROM complaints
        """))
        connection.execute(text("ANALYZE"))
    db.dispose()
    return time.monotonic() - began


def window(repeat: int) -> list[dict[str, Any]]:
    """The same 1,000 updates for both databases (on complaints 1..10,000 of each)."""
    stamp = utcnow() - timedelta(seconds=20)
    updates = []
    for i in range(UPDATES):
        g = 1 + (repeat * UPDATES + i) % 10_000
        updates.append({
            "update_id": f"BENCH-{repeat}-{i}",
            "service_request_id": str(TICKET_BASE + g),
            "status": "open",
            "updated_datetime": (stamp + timedelta(milliseconds=i)).isoformat(),
            "description": "Sedang ditindaklanjuti.",
            "media_url": None,
            "external_status_code": CODES[i % len(CODES)],
        })
    return updates


def stub_crm(state: dict[str, Any]) -> Flask:
    crm = Flask("stub_crm")

    @crm.get("/healthz")
    def healthz() -> Any:
        return {"ok": True}

    @crm.get("/open311/v2/servicerequestupdates.json")
    def updates() -> Response:
        return Response(state["body"], content_type="application/json")

    @crm.get("/open311/v2/requests.json")
    def tickets() -> Response:
        return Response("[]", content_type="application/json")

    return crm


def one_cycle(url: str, crm_url: str, state: dict[str, Any], repeat: int) -> float:
    """Seconds for one poll cycle that applies the window of `repeat`."""
    settings = Settings.from_env(environ={}, ENV="test", DATABASE_URL=url, CRM_URL=crm_url,
                                 CRM_FORMAT="json", LOG_JSON=False)
    db = Database(url, listeners=core_listeners(settings))  # as the worker's context has
    state["body"] = json.dumps(window(repeat))
    with db.transaction() as session:
        session.execute(delete(Lease))
        cursor = session.get(SyncCursor, UPDATES_CURSOR)
        value = (utcnow() - timedelta(seconds=30)).isoformat()
        if cursor is None:
            session.add(SyncCursor(name=UPDATES_CURSOR, value=value))
        else:
            cursor.value = value
        # Swept just now: the cycle timed is one window (the sweep runs once a minute).
        session.merge(SyncCursor(name=SWEPT_CURSOR, value=value, updated_at=utcnow()))
    client = CrmClient.from_settings(settings)
    began = time.perf_counter()
    stats = poll_once(db, settings, "bench", client)
    took = time.perf_counter() - began
    client.close()
    db.dispose()
    assert stats is not None and (stats.outcomes or {}).get("applied") == UPDATES, stats
    return took


def latency(pg: TempPostgres, tmp: Path, changes: int) -> tuple[float, float, int]:
    """p50, p95 (seconds) from a CRM status change to its webhook, and how many arrived."""
    from app import create_app
    from app.intake import submit_complaint
    from app.wiring import categories_of
    from tests.conftest import complaint_payload
    from tests.support.crmsim import open311_url, running_crm_sim
    from tests.support.processes import jembatan_env, start_jembatan, stop, wait_until
    from tests.support.webhooks import WebhookReceiver

    url = pg.create_database("latency")
    upgrade(url)
    receiver = WebhookReceiver().start()
    with running_crm_sim(tmp / "crm", speed=1.0, seed=1) as sim:
        settings = Settings.from_env(environ={}, ENV="test", DATABASE_URL=url,
                                     CRM_URL=open311_url(sim), LOG_JSON=False)
        app = create_app(settings)
        db = app.extensions["db"]
        with app.app_context(), db.transaction() as session:
            faction = seed_factions(session)[0]
            secret = new_secret()
            session.add(WebhookSubscription(faction_id=faction.id, url=receiver.url,
                                            secret=secret))
            for n in range(changes):
                fields = complaint_payload(external_id=f"LAT-{n}", occurred_at=None)
                submit_complaint(session, faction, fields,
                                 categories=categories_of(app.extensions["settings"]))
        receiver.secrets = [secret]
        # Default intervals: only what a loopback receiver needs is set.
        env = jembatan_env(url, CRM_URL=open311_url(sim), WEBHOOK_ALLOW_PRIVATE=1,
                           LOG_JSON=0, LOG_LEVEL="WARNING")
        worker = start_jembatan(["worker"], env, tmp / "worker.log")
        try:
            def tickets() -> list[dict[str, Any]]:
                return requests.get(f"{sim}/_sim/tickets", timeout=10).json()

            wait_until(lambda: len(tickets()) >= changes, timeout=120, interval=0.5,
                       what="complaints forwarded")
            # Let the first updates (MENUNGGU) arrive, so only our changes are measured.
            time.sleep(8)
            sent: dict[str, float] = {}
            for ticket in tickets()[:changes]:
                number = ticket["service_request_id"]
                sent[number] = time.time()
                requests.post(f"{sim}/_sim/tickets/{number}/status",
                              json={"external_status_code": "PROSES"}, timeout=10)
                time.sleep(0.37)

            def arrivals() -> dict[str, float]:
                found: dict[str, float] = {}
                for delivery in receiver.unique():
                    data = delivery.body["data"]
                    if data["status"] == "in_progress" and data["crm_ticket_id"] in sent:
                        found.setdefault(data["crm_ticket_id"], delivery.received_at)
                return found

            try:
                wait_until(lambda: len(arrivals()) >= len(sent), timeout=90, interval=0.5)
            except AssertionError:
                pass
            got = arrivals()
        finally:
            stop(worker)
            receiver.stop()
            db.dispose()
    delays = sorted(got[t] - sent[t] for t in got)
    if not delays:
        return float("nan"), float("nan"), 0
    p95 = delays[min(len(delays) - 1, round(0.95 * (len(delays) - 1)))]
    return statistics.median(delays), p95, len(delays)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--changes", type=int, default=20, help="status changes timed")
    parser.add_argument("--skip-latency", action="store_true")
    args, _unknown = parser.parse_known_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the stub CRM's request log
    # The subscriptions written here hold their secrets encrypted, as every process does.
    crypto.configure(Settings.from_env(environ={}, ENV="test"))

    with tempfile.TemporaryDirectory(prefix="jembatan-bench-poll-") as tmp, \
            TempPostgres() as pg:
        pg.start()
        small_url = pg.create_database("small")
        large_url = pg.create_database("large")
        print(f"filling {args.small:,} complaints: {fill(small_url, args.small):.1f}s",
              flush=True)
        print(f"filling {args.large:,} complaints: {fill(large_url, args.large):.1f}s",
              flush=True)
        state: dict[str, Any] = {}
        small: list[float] = []
        large: list[float] = []
        with live_server(stub_crm(state)) as base:
            crm_url = base + "/open311/v2/"
            # One cycle each first, not counted: connections, prepared statements.
            for url in (small_url, large_url):
                one_cycle(url, crm_url, state, args.repeats)
            for repeat in range(args.repeats):
                # Alternate which goes first, so neither always gets a warm cache.
                order = [("small", small_url, small), ("large", large_url, large)]
                for _name, url, times in order if repeat % 2 == 0 else order[::-1]:
                    times.append(one_cycle(url, crm_url, state, repeat))
        s, lg = statistics.median(small), statistics.median(large)
        print(f"poll cycle, {UPDATES:,} updates applied (median of {args.repeats}):")
        for count, took in ((args.small, s), (args.large, lg)):
            print(f"  {count:>9,} complaints: {took * 1000:8.0f} ms"
                  f"  ({UPDATES / took:,.0f} updates/s)")
        ratio = lg / s
        verdict = "OK" if ratio <= 1.5 else "ABOVE TARGET"
        print(f"  ratio large/small: {ratio:.2f} (target <= 1.5: {verdict})")
        if not args.skip_latency:
            p50, p95, n = latency(pg, Path(tmp), args.changes)
            print(f"status change in the CRM -> webhook received, default intervals "
                  f"(poll 5 s, deliver 2 s), {n}/{args.changes} changes: "
                  f"p50 {p50:.1f} s, p95 {p95:.1f} s")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
