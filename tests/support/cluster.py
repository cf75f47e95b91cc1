"""A whole Jembatan on one machine: PostgreSQL, gunicorn web processes, workers, the CRM
simulator and a webhook receiver per faction — for the scale and chaos runs.

The same code drives the bounded variants in the test suite (tests/system) and the long runs
(bench/scale.py). It checks the invariants a government relies on: every accepted complaint
has exactly one CRM ticket, every CRM update is applied exactly once, every subscriber gets
every event in order, and the public figures equal the database's.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from app.auth import issue_key
from app.clock import utcnow
from app.database import Database
from app.factions import seed_factions
from app.migrate import upgrade
from app.models import Complaint, CrmUpdate, OutboxMessage, StatusEvent
from schemas.open311 import format_datetime, parse_request_created
from tests.support.crmsim import open311_url
from tests.support.postgres import TempPostgres
from tests.support.processes import REPO_ROOT, free_port, jembatan_env, start_jembatan, stop
from tests.support.webhooks import WebhookReceiver

KELURAHAN = ["31.71.01.1001", "31.72.01.1001", "31.73.01.1001", "31.74.01.1001",
             "31.75.01.1001"]
CATEGORIES = ["sampah", "parkir_liar", "pkl", "jalan_rusak", "banjir_saluran", "pohon",
              "penerangan_jalan", "fasilitas_umum", "ketertiban_umum", "lainnya"]
CHAOS_FAULTS = {"error_rate": 0.30, "timeout_rate": 0.10, "lost_response_rate": 0.05,
                "timeout_s": 3.0, "lost_response_delay_s": 0.0}


@dataclass
class Submission:
    faction: str
    external_id: str
    surface: str  # native | open311
    tracking_code: str | None = None
    status: int | None = None
    tries: int = 0
    unavailable: int = 0  # 503 answers seen (database down)
    slow_503: int = 0  # 503 answers that took longer than 5 s


def _spot(n: int) -> tuple[float, float]:
    """The n-th point of a grid over central Jakarta, 0.001° (110 m) by 0.0012° (130 m)."""
    row, column = divmod(n % 40000, 200)
    return round(-6.32 + row * 0.001, 6), round(106.70 + column * 0.0012, 6)


@dataclass
class Report:
    complaints: int = 0
    accepted: int = 0
    tickets: int = 0
    duplicate_tickets: int = 0
    missing_tickets: int = 0
    lost_201: int = 0
    crm_updates: int = 0
    updates_missing: int = 0
    updates_double_applied: int = 0
    events: int = 0
    events_delivered: int = 0
    events_undelivered: int = 0
    out_of_order: int = 0
    dashboard_mismatch: list[str] = field(default_factory=list)
    unavailable_answers: int = 0
    slow_unavailable_answers: int = 0
    workers_killed: int = 0
    postgres_restarts: int = 0
    seconds: float = 0.0

    @property
    def violations(self) -> list[str]:
        found = []
        for name in ("duplicate_tickets", "missing_tickets", "lost_201", "updates_missing",
                     "updates_double_applied", "events_undelivered", "out_of_order",
                     "slow_unavailable_answers"):
            if getattr(self, name):
                found.append(f"{name}={getattr(self, name)}")
        return found + self.dashboard_mismatch

    def lines(self) -> list[str]:
        return [f"{k}: {v}" for k, v in self.__dict__.items()] + [
            f"violations: {self.violations or 'none'}"
        ]


class Cluster:
    """Start everything, drive load and chaos, wait for quiet, check the invariants."""

    def __init__(
        self,
        workdir: Path,
        pg: TempPostgres,
        *,
        web_processes: int = 2,
        workers: int = 4,
        speed: float = 86400 * 20,
        seed: int = 1,
        log: Callable[[str], None] = print,
    ) -> None:
        self.workdir = workdir
        self.pg = pg
        self.web_processes = web_processes
        self.worker_count = workers
        self.speed = speed
        self.seed = seed
        self.log = log
        self.rng = random.Random(seed)
        self.processes: dict[str, subprocess.Popen] = {}
        self.workers: list[subprocess.Popen] = []
        self.receivers: dict[str, WebhookReceiver] = {}
        self.keys: dict[str, str] = {}
        self.submissions: list[Submission] = []
        self.report = Report()
        self.answered = 0
        self._answered_lock = threading.Lock()
        self.started_at = utcnow()
        self._worker_serial = 0

    # --- start and stop -----------------------------------------------------------------

    def start(self) -> Cluster:
        self.database_url = self.pg.create_database(f"jembatan_{uuid.uuid4().hex[:8]}")
        upgrade(self.database_url)
        self.db = Database(self.database_url)
        with self.db.transaction() as session:
            for faction in seed_factions(session):
                self.keys[faction.code] = issue_key(session, "faction", faction).key
        self.sim_port, self.web_port = free_port(), free_port()
        self.sim_url = f"http://127.0.0.1:{self.sim_port}"
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.processes["crmsim"] = self._spawn(
            "crmsim", [sys.executable, "-m", "crmsim", "--port", str(self.sim_port), "--db",
                       str(self.workdir / "crm.db"), "--speed", str(self.speed), "--seed",
                       str(self.seed)])
        self.env = jembatan_env(
            self.database_url,
            CRM_URL=open311_url(self.sim_url),
            PUBLIC_URL=self.base,
            WEBHOOK_ALLOW_PRIVATE=1,
            FORWARD_INTERVAL_S=0.5,
            POLL_INTERVAL_S=1,
            DELIVER_INTERVAL_S=0.5,
            SWEEP_INTERVAL_S=5,
            LEASE_S=8,
            CRM_TIMEOUT_READ_S=2,
            RATELIMIT_ENABLED=0,
            LOG_LEVEL="WARNING",
        )
        self.processes["web"] = self._spawn(
            "web", [sys.executable, "-m", "gunicorn", "-w", str(self.web_processes),
                    "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{self.web_port}",
                    "--graceful-timeout", "5", "wsgi:app"], env=self.env)
        self._wait_http(self.sim_url + "/_sim/health")
        self._wait_http(self.base + "/healthz")
        for code, key in self.keys.items():
            receiver = WebhookReceiver().start()
            answer = requests.put(self.base + "/api/v1/webhook", json={"url": receiver.url},
                                  headers=self._auth(key), timeout=10)
            answer.raise_for_status()
            receiver.secrets.append(answer.json()["secret"])
            self.receivers[code] = receiver
        for _ in range(self.worker_count):
            self.start_worker()
        return self

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None
               ) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def _wait_http(self, url: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(url, timeout=1).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{url} did not come up; see logs in {self.workdir}")

    def start_worker(self) -> None:
        self._worker_serial += 1
        self.workers.append(start_jembatan(
            ["worker"], self.env, self.workdir / f"worker-{self._worker_serial}.log"))

    def kill_random_worker(self) -> None:
        """SIGKILL one worker, mid-whatever, and start a replacement."""
        alive = [w for w in self.workers if w.poll() is None]
        if not alive:
            return
        victim = self.rng.choice(alive)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.workers.remove(victim)
        self.report.workers_killed += 1
        self.start_worker()

    def stop(self) -> None:
        for worker in self.workers:
            stop(worker)
        for process in self.processes.values():
            stop(process)
        for receiver in self.receivers.values():
            receiver.stop()
        if hasattr(self, "db"):
            self.db.dispose()

    # --- load ---------------------------------------------------------------------------

    def _auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def submit(self, count: int, concurrency: int = 16) -> None:
        """`count` complaints from the nine factions, half native API, half Open311."""
        codes = sorted(self.keys)
        plan = [
            Submission(codes[i % len(codes)], f"RUN-{self.seed}-{i:06d}",
                       "open311" if i % 2 else "native")
            for i in range(count)
        ]
        self.submissions.extend(plan)
        local = threading.local()

        def send(submission: Submission) -> None:
            if not hasattr(local, "session"):
                local.session = requests.Session()
            self._send_until_answered(local.session, submission)
            with self._answered_lock:
                self.answered += 1

        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(send, plan))

    def _send_until_answered(self, http: requests.Session, sub: Submission) -> None:
        rng = random.Random(sub.external_id)
        category = rng.choice(CATEGORIES)
        kelurahan = rng.choice(KELURAHAN)
        # Each complaint is its own problem, at its own spot (a grid 110 by 130 m apart): the
        # duplicate matching, on as in production, links none of them, so every complaint must
        # have its own ticket. (tests/sync/test_duplicates.py covers the same problem twice.)
        lat, lon = _spot(int(sub.external_id.rsplit("-", 1)[1]))
        for attempt in range(60):
            sub.tries += 1
            started = time.monotonic()
            try:
                if sub.surface == "native":
                    answer = http.post(
                        self.base + "/api/v1/complaints",
                        headers=self._auth(self.keys[sub.faction]),
                        json={"external_id": sub.external_id, "category": category,
                              "title": f"Aduan {sub.external_id}",
                              "description": "Mohon segera ditindaklanjuti.",
                              "location": {"kelurahan_code": kelurahan, "lat": lat,
                                           "lon": lon}},
                        timeout=15)
                else:
                    answer = http.post(
                        self.base + "/open311/v2/requests.xml",
                        data={"api_key": self.keys[sub.faction], "jurisdiction_id": "jakarta",
                              "service_code": category,
                              "description": f"Aduan {sub.external_id}\r\nMohon ditindaklanjuti.",
                              "address_string": "Jl. Medan Merdeka",
                              "lat": f"{lat:.6f}", "long": f"{lon:.6f}",
                              "attribute[kelurahan_code]": kelurahan,
                              "attribute[external_id]": sub.external_id},
                        timeout=15)
            except requests.RequestException:
                time.sleep(min(2.0, 0.1 * 2 ** attempt))
                continue
            took = time.monotonic() - started
            if answer.status_code == 503:
                sub.unavailable += 1
                sub.slow_503 += took > 5
                time.sleep(0.5)
                continue
            if answer.status_code >= 500:
                time.sleep(0.2)
                continue
            sub.status = answer.status_code
            if answer.status_code in (200, 201):
                if sub.surface == "native":
                    sub.tracking_code = answer.json()["tracking_code"]
                else:
                    sub.tracking_code = parse_request_created(answer.content, "xml")[0][
                        "service_request_id"]
            return

    # --- chaos ---------------------------------------------------------------------------

    def set_faults(self, faults: dict[str, Any]) -> None:
        requests.post(self.sim_url + "/_sim/faults", json=faults, timeout=5).raise_for_status()

    def chaos(self, stop_event: threading.Event, interval_s: float = 3.0,
              restart_postgres_at: int | None = None) -> threading.Thread:
        """Until stopped: every `interval_s` SIGKILL a worker and take a receiver down (or
        make it answer 500s) for a moment; restart PostgreSQL once, when `restart_postgres_at`
        submissions have been answered (so it happens under load, however fast the load)."""

        flapping: set[str] = set()
        flapping_lock = threading.Lock()

        def flap_receiver() -> None:
            # One flap at a time per receiver: two would race for its port.
            with flapping_lock:
                idle = [code for code in self.receivers if code not in flapping]
                if not idle:
                    return
                code = self.rng.choice(idle)
                flapping.add(code)
            receiver = self.receivers[code]
            try:
                if self.rng.random() < 0.5:
                    receiver.stop()
                    time.sleep(self.rng.uniform(0.5, 2.0))
                    receiver.start()
                else:
                    receiver.mode = "error"
                    time.sleep(self.rng.uniform(0.5, 2.0))
                    receiver.mode = "ok"
            finally:
                with flapping_lock:
                    flapping.discard(code)

        def run() -> None:
            last = time.monotonic()
            restarted = restart_postgres_at is None
            while not stop_event.wait(0.1):
                if not restarted and self.answered >= restart_postgres_at:
                    self.log(f"chaos: restarting PostgreSQL after {self.answered} answers")
                    self.pg.restart(down_s=2.0)
                    self.report.postgres_restarts += 1
                    restarted = True
                if time.monotonic() - last >= interval_s:
                    last = time.monotonic()
                    self.kill_random_worker()
                    threading.Thread(target=flap_receiver, daemon=True).start()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    # --- quiescence and invariants -------------------------------------------------------

    def _sim_tickets(self) -> list[dict[str, Any]]:
        return requests.get(self.sim_url + "/_sim/tickets", timeout=30).json()

    def _sim_updates(self) -> list[dict[str, Any]]:
        start = format_datetime(self.started_at - timedelta(hours=1))
        end = format_datetime(utcnow() + timedelta(hours=1))
        answer = requests.get(open311_url(self.sim_url) + "servicerequestupdates.json",
                              params={"start_date": start, "end_date": end}, timeout=60)
        answer.raise_for_status()
        return answer.json()

    def quiet(self) -> tuple[bool, str]:
        """Is everything done: forwarded, CRM finished, updates applied, events delivered?"""
        with self.db.session() as session:
            complaints = session.scalar(select(func.count()).select_from(Complaint)) or 0
            unforwarded = session.scalar(select(func.count()).select_from(Complaint).where(
                Complaint.crm_ticket_id.is_(None))) or 0
            pending = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == "pending")) or 0
            events = session.scalar(select(func.count()).select_from(StatusEvent)) or 0
            applied = session.scalar(select(func.count()).select_from(CrmUpdate)) or 0
        tickets = self._sim_tickets()
        moving = sum(1 for t in tickets if t.get("next_due_at"))
        updates = len(self._sim_updates())
        delivered = sum(len(r.unique()) for r in self.receivers.values())
        state = (f"complaints={complaints} unforwarded={unforwarded} outbox_pending={pending} "
                 f"tickets={len(tickets)} moving={moving} crm_updates={applied}/{updates} "
                 f"webhooks={delivered}/{events}")
        done = (unforwarded == 0 and pending == 0 and moving == 0 and applied >= updates
                and delivered >= events and complaints > 0)
        return done, state

    def wait_quiet(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                done, last = self.quiet()
            except Exception as exc:  # noqa: BLE001 - the database may be restarting
                done, last = False, f"not readable yet: {type(exc).__name__}"
            if done:
                self.log(f"quiet: {last}")
                return
            time.sleep(2)
        self.log(f"not quiet after {timeout:.0f}s: {last}")

    def check(self) -> Report:
        """Count everything and fill in the report."""
        report = self.report
        accepted = [s for s in self.submissions if s.status in (200, 201)]
        report.accepted = len(accepted)
        report.unavailable_answers = sum(s.unavailable for s in self.submissions)
        report.slow_unavailable_answers = sum(s.slow_503 for s in self.submissions)
        with self.db.session() as session:
            complaints = session.execute(
                select(Complaint.id, Complaint.tracking_code, Complaint.crm_ticket_id,
                       Complaint.faction_id)).all()
            events = session.execute(select(StatusEvent.complaint_id, StatusEvent.seq,
                                            StatusEvent.crm_update_id)).all()
            crm_update_ids = [u for (u,) in session.execute(select(CrmUpdate.update_id))]
            faction_of = {c.id: c.faction_id for c in complaints}
            from app.models import Faction

            codes = dict(session.execute(select(Faction.id, Faction.code)).all())
        report.complaints = len(complaints)
        by_code = {c.tracking_code: c for c in complaints}
        report.lost_201 = sum(1 for s in accepted if s.tracking_code not in by_code)
        tickets = self._sim_tickets()
        per_ref = Counter(t.get("gateway_ref") for t in tickets)
        report.tickets = len(tickets)
        report.duplicate_tickets = sum(n - 1 for ref, n in per_ref.items() if ref and n > 1)
        report.missing_tickets = sum(1 for c in complaints if per_ref.get(c.tracking_code, 0) == 0)
        sim_updates = {u["update_id"] for u in self._sim_updates()}
        report.crm_updates = len(sim_updates)
        report.updates_missing = len(sim_updates - set(crm_update_ids))
        applied_events = Counter(e.crm_update_id for e in events if e.crm_update_id)
        report.updates_double_applied = sum(n - 1 for n in applied_events.values() if n > 1)
        expected: dict[str, set[tuple[str, int]]] = defaultdict(set)
        for event in events:
            expected[codes[faction_of[event.complaint_id]]].add((str(event.complaint_id),
                                                                  event.seq))
        report.events = len(events)
        for code, receiver in self.receivers.items():
            got = {(d.body["data"]["id"], d.body["data"]["seq"]) for d in receiver.unique()
                   if d.body.get("type") == "complaint.status_changed"}
            report.events_delivered += len(got & expected[code])
            report.events_undelivered += len(expected[code] - got)
            report.out_of_order += receiver.out_of_order()
        report.dashboard_mismatch = self._dashboard_mismatch(len(complaints))
        report.seconds = (utcnow() - self.started_at).total_seconds()
        return report

    def _dashboard_mismatch(self, complaints: int) -> list[str]:
        """The public figures must equal the database's."""
        answer = requests.get(self.base + "/data/statistik.json", timeout=30)
        if answer.status_code == 404:
            return ["dashboard: /data/statistik.json not served"]
        total = answer.json().get("total")
        return [] if total == complaints else [f"dashboard total {total} != {complaints}"]
