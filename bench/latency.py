"""Latency with workers woken by PostgreSQL (LISTEN/NOTIFY) against ticks alone.

    python bench/latency.py                        # 1 and 4 workers, 20 complaints/s, 60 s each
    python bench/latency.py --seconds 30 --workers 1 --rate 10

For each number of workers, in the same run, with notifications on and then off
(JEMBATAN_NOTIFY=0: ticks only), at the default intervals (forward 2 s, deliver 2 s, poll 5 s),
complaints arrive through intake at a steady --rate for --seconds while, at --changes per
second, forwarded tickets change status, alternately in two ways:

- intake → CRM ticket: `forwarded_at − created_at` of every complaint of the run;
- CRM push → webhook received: an update POSTed to /open311/v2/servicerequestupdates with a
  crm key (what the CRM does with JEMBATAN_CRM_UPDATES_MODE=push; the endpoint takes pushes in
  every mode, so one run serves both paths), timed from the POST to the faction's receiver;
- CRM change → webhook received, poll mode: a status forced in the CRM simulator, timed from
  the change to the receiver (the workers poll `servicerequestupdates` every 5 s).

Prints p50/p95/p99 of each with notifications on and off and the ratio on/off, against the
targets (on: intake → ticket p95 ≤ 0.3 s, push → webhook p95 ≤ 0.3 s, poll mode p95 ≤ poll
interval + 0.5 s); then the CPU four idle workers (notifications on) use, read from /proc over
30 s (target < 1 % of a core). PostgreSQL is a throwaway server started here; the CRM
simulator, the web app (in this process) and the webhook receiver run on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app, crypto  # noqa: E402
from app.auth import issue_key  # noqa: E402
from app.clock import utcnow  # noqa: E402
from app.config import Settings  # noqa: E402
from app.database import Database  # noqa: E402
from app.factions import find_faction, seed_factions  # noqa: E402
from app.intake import submit_complaint  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Complaint, CrmUpdate, WebhookSubscription  # noqa: E402
from app.webhooks import new_secret  # noqa: E402
from app.wiring import categories_of  # noqa: E402
from tests.conftest import complaint_payload  # noqa: E402
from tests.support.crmsim import open311_url, running_crm_sim  # noqa: E402
from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.processes import jembatan_env, live_server, start_jembatan, stop  # noqa: E402
from tests.support.webhooks import WebhookReceiver  # noqa: E402

PATHS = ("intake → ticket", "push → webhook", "poll → webhook")
STAGES = ("change → applied", "applied → webhook")
IDLE_SECONDS = 30.0
_ids = itertools.count(1)


@dataclass
class Samples:
    """Seconds of each path, for one setting."""

    by_path: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PATHS})
    missing: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PATHS, 0))
    # The poll path cut in two: the change until the poller applied it (the poll's wait and
    # read), and from then until the webhook arrived (fan-out, claim, delivery).
    stages: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    worker_cpu_ms: float = 0.0  # the workers' CPU per complaint while load ran
    load: float = 0.0  # the machine's one-minute load average at the end


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values; nan if there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


@contextmanager
def running_workers(tmp: Path, env: dict[str, str], count: int, tag: str
                    ) -> Iterator[list[Any]]:
    processes = [start_jembatan(["worker"], env, tmp / f"worker-{tag}-{i}.log")
                 for i in range(count)]
    try:
        yield processes
    finally:
        for process in processes:
            stop(process)


def prepare(pg: TempPostgres, name: str, receiver: WebhookReceiver) -> tuple[str, str]:
    """A migrated database with the factions, one subscription and a crm key: (url, key)."""
    url = pg.create_database(name)
    upgrade(url)
    db = Database(url)
    with db.transaction() as session:
        seed_factions(session)
        faction = find_faction(session, "PSI")
        assert faction is not None
        secret = new_secret()
        session.add(WebhookSubscription(faction_id=faction.id, url=receiver.url, secret=secret))
        crm_key = issue_key(session, "crm").key
    receiver.secrets = [secret]
    db.dispose()
    return url, crm_key


def one_setting(pg: TempPostgres, tmp: Path, workers: int, notify: bool,
                args: argparse.Namespace) -> Samples:
    """One measured run: intake at a steady rate, pushed and polled changes, for --seconds."""
    tag = f"w{workers}_{'on' if notify else 'off'}"
    receiver = WebhookReceiver().start()
    url, crm_key = prepare(pg, f"latency_{tag}", receiver)
    samples = Samples()
    with running_crm_sim(tmp / f"crm-{tag}", speed=1.0, seed=3) as sim:
        settings = Settings.from_env(environ={}, ENV="test", DATABASE_URL=url,
                                     CRM_URL=open311_url(sim), RATELIMIT_ENABLED=False,
                                     LOG_JSON=False, LOG_LEVEL="WARNING")
        app = create_app(settings)
        db: Database = app.extensions["db"]
        # Default intervals: only what a loopback receiver needs, and the switch measured.
        env = jembatan_env(url, CRM_URL=open311_url(sim), WEBHOOK_ALLOW_PRIVATE=1,
                           NOTIFY=int(notify), LOG_JSON=0, LOG_LEVEL="WARNING")
        with live_server(app) as web, running_workers(tmp, env, workers, tag) as processes:
            time.sleep(3)  # imported, connected, listening, the ticks at start done
            pids = [p.pid for p in processes]
            before = cpu_seconds(pids)
            pushed, polled = drive(app, db, web, sim, crm_key, args)
            samples.worker_cpu_ms = 1000 * (cpu_seconds(pids) - before) / (
                args.rate * args.seconds)
            samples.load = os.getloadavg()[0]
            expected = {**{t: ("push", s) for t, s in pushed.items()},
                        **{t: ("poll", s) for t, s in polled.items()}}
            arrived: dict[str, float] = {}
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                arrived = arrivals(receiver, expected)
                if len(arrived) == len(expected):
                    break
                time.sleep(0.5)
        for ticket, (path, sent) in expected.items():
            key = PATHS[1] if path == "push" else PATHS[2]
            if ticket in arrived:
                samples.by_path[key].append(arrived[ticket] - sent)
            else:
                samples.missing[key] += 1
        polled_sent = {t: s for t, (path, s) in expected.items() if path == "poll"}
        for ticket, applied in applied_at(db, polled_sent).items():
            samples.stages[STAGES[0]].append(applied - polled_sent[ticket])
            if ticket in arrived:
                samples.stages[STAGES[1]].append(arrived[ticket] - applied)
        with db.session() as session:
            rows = session.execute(select(Complaint.created_at, Complaint.forwarded_at)).all()
        for created, forwarded in rows:
            if forwarded is None:
                samples.missing[PATHS[0]] += 1
            else:
                samples.by_path[PATHS[0]].append((forwarded - created).total_seconds())
        db.dispose()
    receiver.stop()
    return samples


def drive(app: Any, db: Database, web: str, sim: str, crm_key: str, args: argparse.Namespace
          ) -> tuple[dict[str, float], dict[str, float]]:
    """Intake at --rate and status changes at --changes per second, for --seconds.

    Returns the CRM ticket numbers changed by a push and by the simulator, each with the wall
    time the change was made.
    """
    pushed: dict[str, float] = {}
    polled: dict[str, float] = {}
    stopping = threading.Event()

    def intake() -> None:
        categories = categories_of(app.extensions["settings"])
        began = time.monotonic()
        for n in itertools.count():
            if stopping.is_set():
                return
            with app.app_context(), db.transaction() as session:
                faction = find_faction(session, "PSI")
                submit_complaint(session, faction, complaint_payload(
                    external_id=f"LAT-{next(_ids)}", occurred_at=None), categories=categories)
            # A steady rate: each intake at its own slot, whatever the last one took.
            time.sleep(max(0.0, began + (n + 1) / args.rate - time.monotonic()))

    def changes() -> None:
        used: set[str] = set()
        http = requests.Session()
        began = time.monotonic()
        for n in itertools.count():
            if stopping.is_set():
                return
            time.sleep(max(0.0, began + (n + 1) / args.changes - time.monotonic()))
            # A ticket forwarded a while ago: its first CRM update (MENUNGGU) is older.
            with db.session() as session:
                candidates = session.scalars(
                    select(Complaint.crm_ticket_id)
                    .where(Complaint.forwarded_at < utcnow() - timedelta(seconds=2))
                    .order_by(Complaint.forwarded_at.desc()).limit(20)
                ).all()
            ticket = next((t for t in candidates if t and t not in used), None)
            if ticket is None:
                continue
            used.add(ticket)
            if n % 2 == 0:
                pushed[ticket] = time.time()
                answer = http.post(f"{web}/open311/v2/servicerequestupdates.xml", data={
                    "api_key": crm_key, "jurisdiction_id": "jakarta",
                    "update_id": f"PUSH-{ticket}", "service_request_id": ticket,
                    "status": "IN_PROGRESS", "external_status_code": "PROSES",
                    "description": "Petugas menuju lokasi.",
                    "updated_datetime": datetime.now(UTC).isoformat(timespec="seconds"),
                }, timeout=10)
            else:
                polled[ticket] = time.time()
                answer = http.post(f"{sim}/_sim/tickets/{ticket}/status",
                                   json={"external_status_code": "PROSES"}, timeout=10)
            answer.raise_for_status()

    threads = [threading.Thread(target=intake), threading.Thread(target=changes)]
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stopping.set()
    for thread in threads:
        thread.join()
    return pushed, polled


def arrivals(receiver: WebhookReceiver, expected: dict[str, tuple[str, float]]
             ) -> dict[str, float]:
    """Ticket → when its in_progress webhook arrived."""
    found: dict[str, float] = {}
    for delivery in receiver.unique():
        data = delivery.body.get("data") or {}
        ticket = data.get("crm_ticket_id")
        if data.get("status") == "in_progress" and ticket in expected:
            found.setdefault(ticket, delivery.received_at)
    return found


def applied_at(db: Database, tickets: dict[str, float]) -> dict[str, float]:
    """Ticket → when the poller recorded its PROSES update (the row's received_at)."""
    with db.session() as session:
        rows = session.execute(
            select(CrmUpdate.service_request_id, CrmUpdate.received_at).where(
                CrmUpdate.external_status_code == "PROSES", CrmUpdate.outcome == "applied",
                CrmUpdate.service_request_id.in_(sorted(tickets)))
        ).all()
    return {str(t): at.timestamp() for t, at in rows}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the given processes so far (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def idle_cpu(pg: TempPostgres, tmp: Path, workers: int) -> float:
    """Percent of one core `workers` idle workers (notifications on) use over IDLE_SECONDS."""
    receiver = WebhookReceiver().start()
    url, _ = prepare(pg, "latency_idle", receiver)
    with running_crm_sim(tmp / "crm-idle", speed=1.0, seed=3) as sim:
        env = jembatan_env(url, CRM_URL=open311_url(sim), WEBHOOK_ALLOW_PRIVATE=1,
                           LOG_JSON=0, LOG_LEVEL="WARNING")
        with running_workers(tmp, env, workers, "idle") as processes:
            time.sleep(8)  # started, the ticks at start done
            pids = [p.pid for p in processes]
            before, began = cpu_seconds(pids), time.monotonic()
            time.sleep(IDLE_SECONDS)
            used, took = cpu_seconds(pids) - before, time.monotonic() - began
    receiver.stop()
    return 100 * used / took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="per setting")
    parser.add_argument("--rate", type=float, default=20.0, help="complaints per second")
    parser.add_argument("--changes", type=float, default=4.0,
                        help="status changes per second (half pushed, half in the simulator)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--skip-idle", action="store_true")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the web app's request log
    # The subscriptions written here hold their secrets encrypted, as every process does.
    crypto.configure(Settings.from_env(environ={}, ENV="test"))
    poll_target = Settings.POLL_INTERVAL_S + 0.5
    targets = {PATHS[0]: 0.3, PATHS[1]: 0.3, PATHS[2]: poll_target}
    failed = False
    with tempfile.TemporaryDirectory(prefix="jembatan-bench-latency-") as tmp_name, \
            TempPostgres() as pg:
        tmp = Path(tmp_name)
        pg.start()
        print(f"{args.rate:g} complaints/s and {args.changes:g} status changes/s for "
              f"{args.seconds:g} s per setting; default intervals (forward "
              f"{Settings.FORWARD_INTERVAL_S:g} s, deliver {Settings.DELIVER_INTERVAL_S:g} s, "
              f"poll {Settings.POLL_INTERVAL_S:g} s); seconds", flush=True)
        print(f"{'workers':>7} {'path':<16} {'notify':>6} {'n':>5} {'p50':>6} {'p95':>6} "
              f"{'p99':>6}   on/off p50, p95, p99   target (on, p95)")
        for workers in args.workers:
            results = {notify: one_setting(pg, tmp, workers, notify, args)
                       for notify in (True, False)}
            for path in PATHS:
                row = {}
                for notify, samples in results.items():
                    values = samples.by_path[path]
                    row[notify] = [percentile(values, q) for q in (50, 95, 99)]
                    lost = samples.missing[path]
                    print(f"{workers:>7} {path:<16} {'on' if notify else 'off':>6} "
                          f"{len(values):>5} " + " ".join(f"{v:>6.2f}" for v in row[notify])
                          + (f"   ({lost} not arrived)" if lost else ""), flush=True)
                ratios = ", ".join(f"{on / off:.2f}" if off else "-"
                                   for on, off in zip(row[True], row[False], strict=True))
                ok = row[True][1] <= targets[path]
                failed |= not ok
                print(f"{'':>7} {'':<16} {'':>6} {'':>5} {'':>6} {'':>6} {'':>6}   {ratios:<20}"
                      f"   ≤ {targets[path]:g}: {'OK' if ok else 'ABOVE TARGET'}", flush=True)
            for notify, samples in results.items():
                print(f"{workers:>7} poll path, notifications {'on' if notify else 'off'}: "
                      + "; ".join(f"{stage} p50 {percentile(v, 50):.2f} p95 "
                                  f"{percentile(v, 95):.2f}"
                                  for stage, v in samples.stages.items()), flush=True)
            for notify, samples in results.items():
                print(f"{workers:>7} workers, notifications {'on' if notify else 'off'}: "
                      f"{samples.worker_cpu_ms:.1f} ms of worker CPU per complaint; load "
                      f"average {samples.load:.1f} at the end", flush=True)
        if not args.skip_idle:
            percent = idle_cpu(pg, tmp, 4)
            ok = percent < 1.0
            failed |= not ok
            print(f"4 idle workers, notifications on, {IDLE_SECONDS:g} s: {percent:.2f} % of "
                  f"one core (target < 1 %: {'OK' if ok else 'ABOVE TARGET'})", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
