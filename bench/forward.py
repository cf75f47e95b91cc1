"""Forwarding throughput and latency: the outbox engine against a bare loop of requests.

    python bench/forward.py            # 1,000 complaints per run, 3 rounds, 1 and 4 workers
    python bench/forward.py --complaints 4000 --workers 1 2 4 8
    python bench/forward.py --database-url postgresql://…   # a scratch db: tables are emptied

Throughput: the outbox is filled with N complaints in one intake transaction while the
`jembatan worker` processes (1, then 4) are already running; the run lasts from that commit to
the last ticket stored (the workers' other periodic jobs, the status poller among them, are
pushed out of the way: they tick once at start). Side by side, in the same run, a bare loop
POSTs the very same form payloads straight to the CRM simulator from as many threads (one
requests.Session each), with no database at all. The ratio engine / bare loop says what the
outbox costs (target ≥ 0.8). Beside each ratio: the CPU each side's processes used per complaint
(read from /proc), which says whether a setting was bound by the machine's cores or by waiting.

Degraded (--degraded): the CRM as on a bad day (issue 18) — a fifth of POSTs answered 5xx,
one in twenty hung past the read timeout, one in ten answers lost after the ticket was made.
For each worker count, in the same run and each on a fresh simulator: the engine's throughput
with no faults, then under the mix (both from the moment the outbox is filled to the last
ticket), and their ratio (target ≥ 0.5). Then the drain: the mix is on while the outbox is
filled again; once half is forwarded the faults stop, and the time from then to the last
ticket is printed beside what the remaining backlog needs at the clean rate plus one cool-down
(the target). The workers run with the production breaker defaults; the read timeout is
--read-timeout (the hung calls hold for one second more).

    python bench/forward.py --degraded --workers 2 --complaints 400 --rounds 1

Latency: complaints arrive one by one at a steady rate while one worker runs at the default
tick (JEMBATAN_FORWARD_INTERVAL_S unset); intake-to-ticket is forwarded_at − created_at.
PostgreSQL is started here (as a non-root user) unless --database-url is given.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.clock import utcnow  # noqa: E402
from app.config import Settings  # noqa: E402
from app.database import Base, Database  # noqa: E402
from app.factions import find_faction, seed_factions  # noqa: E402
from app.intake import submit_complaint  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Complaint  # noqa: E402
from sync.crm import CrmClient, CrmSubmission  # noqa: E402
from tests.support.crmsim import open311_url, running_crm_sim  # noqa: E402
from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.processes import jembatan_env, start_jembatan, stop  # noqa: E402

_ids = itertools.count(1)


def payload(run: str) -> dict[str, Any]:
    """One complaint as intake receives it (validated fields)."""
    number = next(_ids)
    return {
        "external_id": f"BENCH-{run}-{number}",
        "category": "sampah",
        "title": f"Sampah menumpuk di pinggir kali #{number}",
        "description": "Sudah seminggu tidak diangkut, bau dan mengundang lalat. " * 4,
        "occurred_at": None,
        "location": {"kelurahan_code": "31.71.01.1001", "address": "Jl. Kali Pasir No. 3",
                     "lat": -6.1754, "lon": 106.8272},
        "reporter": {"name": "Pelapor", "phone": "081234567890"},
        "visibility": "anonymous",
        "attachments": [{"url": "https://posko.example.org/foto.jpg",
                         "content_type": "image/jpeg"}],
    }


def empty(db: Database) -> None:
    """Every table emptied (the schema stays)."""
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


def fill(app: Flask, db: Database, count: int, run: str) -> list[str]:
    """`count` complaints through intake in ONE transaction; their tracking codes."""
    from app.wiring import categories_of

    categories = categories_of(app.extensions["settings"])
    with app.app_context(), db.transaction() as session:
        seed_factions(session)
        faction = find_faction(session, "PSI")
        assert faction is not None
        return [
            submit_complaint(session, faction, payload(run), categories=categories)
            .complaint.tracking_code
            for _ in range(count)
        ]


def forwarded_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(
            select(func.count()).where(Complaint.crm_ticket_id.is_not(None))
        ) or 0


def wait_forwarded(db: Database, count: int, timeout: float) -> None:
    """Wait for `count` tickets; rates come from the stored times, not from this loop.

    Looking four times a second is often enough: each look is a count over the complaints
    that costs the database (which the workers share) a little more as the tickets grow.
    """
    deadline = time.monotonic() + timeout
    while forwarded_count(db) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {forwarded_count(db)} of {count} forwarded in {timeout}s")
        time.sleep(0.25)


@contextmanager
def workers(tmp: Path, database_url: str, crm_url: str, count: int,
            **settings: Any) -> Iterator[None]:
    env = jembatan_env(database_url, CRM_URL=open311_url(crm_url), LOG_LEVEL="WARNING",
                       **settings)
    processes = [
        start_jembatan(["worker"], env, tmp / f"worker-{time.monotonic_ns()}-{i}.log")
        for i in range(count)
    ]
    try:
        time.sleep(2.5)  # imported, connected, scheduler ticking
        yield
    finally:
        for process in processes:
            stop(process)


def engine_run(app: Flask, db: Database, tmp: Path, database_url: str, crm_url: str,
               count: int, concurrency: int, cpu: CpuSplit) -> float:
    """Complaints per second forwarded by `concurrency` worker processes."""
    empty(db)
    # A short tick, so the filled outbox is found at once; not shorter, so that idle polling
    # costs the machine (which the simulator shares) next to nothing.
    # Forwarding alone is measured: the status poller (which would apply the simulator's
    # first updates to the new tickets) and the other periodic jobs tick once at start only.
    with workers(tmp, database_url, crm_url, concurrency, FORWARD_INTERVAL_S=0.25,
                 POLL_INTERVAL_S=3600, MIRROR_INTERVAL_S=3600, SWEEP_INTERVAL_S=3600):
        # A few complaints first, so that what is measured is a worker in its stride.
        fill(app, db, 10 * concurrency, f"warm{concurrency}")
        wait_forwarded(db, 10 * concurrency, timeout=60)
        mark = utcnow()
        fill(app, db, count, f"engine{concurrency}")
        before = cpu_by_role()
        wait_forwarded(db, 10 * concurrency + count, timeout=240)
        cpu.add(cpu_by_role(), before, count)
    with db.session() as session:
        measured = Complaint.created_at > mark
        last = session.scalar(select(func.max(Complaint.forwarded_at)).where(measured))
        # Every row of the filling transaction becomes visible at its commit, just after
        # the last row was written.
        filled = session.scalar(select(func.max(Complaint.created_at)).where(measured))
    return count / (last - filled).total_seconds()


DEGRADED = {"error_rate": 0.2, "timeout_rate": 0.05, "lost_response_rate": 0.1}


def set_faults(crm_url: str, **faults: Any) -> dict[str, Any]:
    """Switch the simulator's faults on (or, with none given, off); its counters."""
    answer = requests.post(f"{crm_url}/_sim/faults", json=faults, timeout=5)
    answer.raise_for_status()
    return answer.json()


def degraded_run(app: Flask, db: Database, tmp: Path, database_url: str, crm_url: str,
                 count: int, concurrency: int, read_timeout: float,
                 faults: dict[str, Any] | None, **settings: Any) -> tuple[float, float]:
    """Complaints per second forwarded by `concurrency` workers, under `faults` (or none):
    (the steady rate, from the 10th to the 90th percentile ticket; the rate to the last)."""
    empty(db)
    with workers(tmp, database_url, crm_url, concurrency, FORWARD_INTERVAL_S=0.25,
                 POLL_INTERVAL_S=3600, MIRROR_INTERVAL_S=3600, SWEEP_INTERVAL_S=3600,
                 CRM_TIMEOUT_READ_S=read_timeout, **settings):
        fill(app, db, 10 * concurrency, f"dwarm{concurrency}")
        wait_forwarded(db, 10 * concurrency, timeout=60)
        if faults:
            set_faults(crm_url, **faults, timeout_s=read_timeout + 1)
        mark = utcnow()
        fill(app, db, count, f"degraded{concurrency}-{bool(faults)}")
        wait_forwarded(db, 10 * concurrency + count, timeout=600)
    with db.session() as session:
        measured = Complaint.created_at > mark
        times = sorted(session.scalars(select(Complaint.forwarded_at).where(measured)))
        filled = session.scalar(select(func.max(Complaint.created_at)).where(measured))
    # The steady rate leaves out the start and the tail: the last few tickets are those
    # whose calls failed several times, each retry waiting its (jittered, doubling) backoff.
    low, high = times[len(times) // 10], times[(9 * len(times)) // 10]
    steady = (0.8 * len(times)) / max((high - low).total_seconds(), 1e-3)
    return steady, count / (times[-1] - filled).total_seconds()


def drain_run(app: Flask, db: Database, tmp: Path, database_url: str, crm_url: str,
              count: int, concurrency: int, read_timeout: float,
              **settings: Any) -> tuple[float, int]:
    """(seconds from the faults stopping to the last ticket, complaints left at that moment)."""
    empty(db)
    with workers(tmp, database_url, crm_url, concurrency, FORWARD_INTERVAL_S=0.25,
                 POLL_INTERVAL_S=3600, MIRROR_INTERVAL_S=3600, SWEEP_INTERVAL_S=3600,
                 CRM_TIMEOUT_READ_S=read_timeout, **settings):
        set_faults(crm_url, **DEGRADED, timeout_s=read_timeout + 1)
        fill(app, db, count, f"drain{concurrency}")
        wait_forwarded(db, count // 2, timeout=600)
        set_faults(crm_url)
        stopped = time.monotonic()
        left = count - forwarded_count(db)
        wait_forwarded(db, count, timeout=600)
        return time.monotonic() - stopped, left


def bare_run(settings: Settings, crm_url: str, count: int, concurrency: int,
             run: str, cpu: CpuSplit) -> float:
    """Complaints per second POSTed straight to the simulator, same payloads, no database."""
    client = CrmClient.from_settings(settings)
    forms = []
    for index in range(count):
        fields = payload(run)
        submission = CrmSubmission(
            tracking_code=f"BARE-{run}-{index}", service_code="JSC-101",
            title=fields["title"], text=fields["description"], faction_code="PSI",
            faction_name="Fraksi Partai Solidaritas Indonesia",
            kelurahan_code="31.71.01.1001", kelurahan_name="Gambir",
            address=fields["location"]["address"], lat=fields["location"]["lat"],
            lon=fields["location"]["lon"], media_url=fields["attachments"][0]["url"],
        )
        forms.append((client.submission_form(submission), submission.tracking_code))
    url = open311_url(crm_url) + "requests.xml"
    shares = [forms[i::concurrency] for i in range(concurrency)]

    def post_all(share: list[tuple[list[tuple[str, str]], str]]) -> None:
        with requests.Session() as session:
            for form, ref in share:
                answer = session.post(url, data=form, headers={"Idempotency-Key": ref},
                                      timeout=(3.05, 10))
                answer.raise_for_status()

    threads = [threading.Thread(target=post_all, args=(share,)) for share in shares]
    before = cpu_by_role()
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    cpu.add(cpu_by_role(), before, count)
    return count / elapsed


ROLES = ("workers", "postgres", "simulator", "bench")


def cpu_by_role() -> dict[str, float]:
    """CPU seconds used so far by the processes of each role on this machine (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = dict.fromkeys(ROLES, 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue  # gone meanwhile
        if "-m crmsim" in command:
            role = "simulator"
        elif "-m app worker" in command:
            role = "workers"
        elif command.startswith("postgres"):
            role = "postgres"
        elif stat.parent.name == str(os.getpid()):
            role = "bench"  # the bare loop's client threads (and the engine run's polling)
        else:
            continue
        totals[role] += (int(fields[11]) + int(fields[12])) / tick
    return totals


class CpuSplit:
    """CPU per complaint by role, summed over the rounds of one setting."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(ROLES, 0.0)
        self.complaints = 0

    def add(self, after: dict[str, float], before: dict[str, float], complaints: int) -> None:
        for role in ROLES:
            self.seconds[role] += after[role] - before[role]
        self.complaints += complaints

    def ms(self, role: str) -> float:
        return 1000 * self.seconds[role] / max(1, self.complaints)


def latency_run(app: Flask, db: Database, tmp: Path, database_url: str, crm_url: str,
                count: int, rate: float) -> tuple[float, float, float]:
    """(p50, p95, tick) seconds from intake to ticket, one worker at the default tick."""
    empty(db)
    tick = Settings.FORWARD_INTERVAL_S
    with workers(tmp, database_url, crm_url, 1):
        for _ in range(count):
            fill(app, db, 1, "latency")
            time.sleep(1 / rate)
        wait_forwarded(db, count, timeout=60)
    with db.session() as session:
        rows = session.execute(select(Complaint.created_at, Complaint.forwarded_at)).all()
    delays = sorted((forwarded - created).total_seconds() for created, forwarded in rows)
    p95 = delays[min(len(delays) - 1, int(round(0.95 * (len(delays) - 1))))]
    return statistics.median(delays), p95, tick


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=1000, help="per throughput run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs per setting")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--latency-complaints", type=int, default=60)
    parser.add_argument("--latency-rate", type=float, default=4.0, help="complaints per second")
    parser.add_argument("--database-url", default=None, help="default: a throwaway PostgreSQL")
    parser.add_argument("--degraded", action="store_true",
                        help="clean against degraded CRM throughput, and the drain after")
    parser.add_argument("--read-timeout", type=float, default=2.0,
                        help="the workers' CRM read timeout in --degraded (seconds)")
    parser.add_argument("--calls-in-flight", type=int, default=Settings.OUTBOX_CONCURRENCY,
                        help="JEMBATAN_OUTBOX_CONCURRENCY of the workers in --degraded")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jembatan-bench-forward-") as tmp_name:
        tmp = Path(tmp_name)
        pg = TempPostgres() if args.database_url is None else None
        with nullcontext() if pg is None else _started(pg) as _:
            database_url = args.database_url or pg.url("bench")  # type: ignore[union-attr]
            upgrade(database_url)
            settings = Settings.from_env(environ={}, ENV="test", DATABASE_URL=database_url,
                                         RATELIMIT_ENABLED=False, LOG_JSON=False)
            app = create_app(settings)
            db: Database = app.extensions["db"]
            print(f"forwarding {args.complaints} complaints per run to the CRM simulator, "
                  f"{db.dialect}", flush=True)
            print(f"{'workers':>7} {'bare loop/s':>12} {'engine/s':>10} {'ratio':>7}"
                  f"   (medians of {args.rounds} alternating rounds)")
            runs = itertools.count()
            if args.degraded:
                degraded(args, app, db, tmp, database_url, runs)
                db.dispose()
                return 0
            for concurrency in args.workers:
                bare_rates: list[float] = []
                engine_rates: list[float] = []
                bare_cpu, engine_cpu = CpuSplit(), CpuSplit()
                for round_number in range(args.rounds):
                    # Alternate which goes first, so a machine that gets busier or quieter
                    # during the run favours neither.
                    order = ("bare", "engine") if round_number % 2 == 0 else ("engine", "bare")
                    for step in order:
                        # Each measurement gets a fresh simulator: tickets and updates left
                        # by earlier runs would otherwise cost it (and the poller's first
                        # tick) more and more as the rounds go on.
                        with running_crm_sim(tmp / f"crm-{next(runs)}", speed=1.0) as crm_url:
                            if step == "bare":
                                bare_rates.append(bare_run(
                                    _crm_settings(crm_url), crm_url, args.complaints,
                                    concurrency, f"bare{concurrency}-{round_number}",
                                    bare_cpu))
                            else:
                                engine_rates.append(engine_run(
                                    app, db, tmp, database_url, crm_url, args.complaints,
                                    concurrency, engine_cpu))
                bare_rate = statistics.median(bare_rates)
                engine_rate = statistics.median(engine_rates)
                print(f"{concurrency:>7} {bare_rate:>12.0f} {engine_rate:>10.0f} "
                      f"{engine_rate / bare_rate:>7.2f}   bare {_rates(bare_rates)}, "
                      f"engine {_rates(engine_rates)}", flush=True)
                print(f"{'':>7} CPU ms per complaint: engine: workers "
                      f"{engine_cpu.ms('workers'):.2f}, postgres {engine_cpu.ms('postgres'):.2f}, "
                      f"simulator {engine_cpu.ms('simulator'):.2f} | bare loop: client "
                      f"{bare_cpu.ms('bench'):.2f}, simulator {bare_cpu.ms('simulator'):.2f}",
                      flush=True)
            with running_crm_sim(tmp / "crm-latency", speed=1.0) as crm_url:
                p50, p95, tick = latency_run(app, db, tmp, database_url, crm_url,
                                             args.latency_complaints, args.latency_rate)
            print(f"intake-to-ticket latency at the default tick ({tick:g} s), "
                  f"{args.latency_complaints} complaints at {args.latency_rate:g}/s: "
                  f"p50 {p50:.2f} s, p95 {p95:.2f} s")
            db.dispose()
    return 0


def degraded(args: argparse.Namespace, app: Flask, db: Database, tmp: Path,
             database_url: str, runs: Iterator[int]) -> None:
    """The --degraded table: clean and degraded throughput side by side, then the drain."""
    defaults = Settings()
    in_flight = {"OUTBOX_CONCURRENCY": args.calls_in_flight}
    print(f"degraded mix {DEGRADED}, hangs {args.read_timeout + 1:g} s against a read timeout "
          f"of {args.read_timeout:g} s; breaker defaults (window "
          f"{defaults.CRM_BREAKER_WINDOW_S:g} s, rate {defaults.CRM_BREAKER_FAILURE_RATE:g}, "
          f"min calls {defaults.CRM_BREAKER_MIN_CALLS}, cool-down "
          f"{defaults.CRM_BREAKER_COOLDOWN_S:g}–{defaults.CRM_BREAKER_MAX_COOLDOWN_S:g} s), "
          f"{args.calls_in_flight} calls in flight per worker", flush=True)
    print(f"{'workers':>7} {'clean/s':>9} {'degraded/s':>11} {'ratio':>7}   steady rate, "
          f"10th to 90th percentile ticket (target ≥ 0.5); medians of {args.rounds} "
          f"alternating rounds")
    for concurrency in args.workers:
        rates: dict[str, list[tuple[float, float]]] = {"clean": [], "degraded": []}
        for round_number in range(args.rounds):
            order = ("clean", "degraded") if round_number % 2 == 0 else ("degraded", "clean")
            for step in order:
                with running_crm_sim(tmp / f"crm-{next(runs)}", speed=1.0) as crm_url:
                    rates[step].append(degraded_run(
                        app, db, tmp, database_url, crm_url, args.complaints, concurrency,
                        args.read_timeout, DEGRADED if step == "degraded" else None,
                        **in_flight))
        clean = statistics.median(r[0] for r in rates["clean"])
        bad = statistics.median(r[0] for r in rates["degraded"])
        clean_all = statistics.median(r[1] for r in rates["clean"])
        bad_all = statistics.median(r[1] for r in rates["degraded"])
        print(f"{concurrency:>7} {clean:>9.0f} {bad:>11.0f} {bad / clean:>7.2f}   to the last "
              f"ticket: clean {clean_all:.0f}/s, degraded {bad_all:.0f}/s "
              f"({bad_all / clean_all:.2f}; the tail is the retries' backoff)", flush=True)
        with running_crm_sim(tmp / f"crm-{next(runs)}", speed=1.0) as crm_url:
            drained, left = drain_run(app, db, tmp, database_url, crm_url, args.complaints,
                                      concurrency, args.read_timeout, **in_flight)
        cooldown = defaults.CRM_BREAKER_MAX_COOLDOWN_S
        target = cooldown + left / clean
        print(f"{'':>7} drain: faults stopped with {left} complaints left; the last ticket "
              f"{drained:.1f} s later (target < one cool-down {cooldown:g} s + "
              f"{left / clean:.1f} s at the clean rate = {target:.1f} s)", flush=True)


def _crm_settings(crm_url: str) -> Settings:
    return Settings.from_env(environ={}, ENV="test", CRM_URL=open311_url(crm_url))


def _rates(rates: list[float]) -> str:
    return "/".join(f"{rate:.0f}" for rate in rates)


@contextmanager
def _started(pg: TempPostgres) -> Iterator[TempPostgres]:
    pg.start("bench")
    try:
        yield pg
    finally:
        pg.destroy()


if __name__ == "__main__":
    raise SystemExit(main())
