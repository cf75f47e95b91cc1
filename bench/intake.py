"""Intake throughput: the API against the stack's and the database's ceilings, in one run.

Measures, at each concurrency (default 8 and 32), for --duration seconds each:
  (a) accepted complaints/s: POST /api/v1/complaints through gunicorn, driven by wrk with a
      Lua script that gives every request a fresh external_id;
  (b) the same server's cheapest endpoint, GET /healthz (the web stack's ceiling);
  (c) raw psycopg writing the same rows (complaint + status event + outbox message + the
      public dashboard's counters) in one transaction each, from as many concurrent
      connections (the database's ceiling).
Prints a/b and a/c (targets: a/b >= 0.25, a/c >= 0.5) and p50/p99 latencies.

    /work/venv/bin/python bench/intake.py                     # own PostgreSQL, 10 s each
    /work/venv/bin/python bench/intake.py --database-url postgresql://…  --duration 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from multiprocessing import Pool
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.crypto import Keyring  # noqa: E402
from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.processes import free_port, stop, wait_until  # noqa: E402

# wrk's `done` hook, shared by both scripts: the figures as one JSON line.
WRKJSON_DONE = r"""
function done(summary, latency, requests)
  io.write(string.format(
    "WRKJSON {\"requests\": %d, \"duration_us\": %d, \"non2xx\": %d, \"socket_errors\": %d, " ..
    "\"p50_us\": %d, \"p99_us\": %d}\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""

WRK_SCRIPT = r"""
local counter = 0
local prefix = ""
local threads = {}
local statuses = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1] .. "-" .. tid .. "-"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
end

local template = [[{"external_id": "%s", "category": "sampah",
"title": "Sampah menumpuk di pinggir kali",
"description": "Sudah seminggu tidak diangkut, baunya sampai ke rumah warga.",
"occurred_at": "2026-11-20T08:00:00+07:00",
"location": {"kelurahan_code": "31.71.01.1001", "address": "Jl. Kali Pasir No. 3",
 "lat": -6.1754, "lon": 106.8272},
"reporter": {"name": "Siti Aminah", "phone": "081234567890", "email": "siti@example.org",
 "nik": "3171010101900001"},
"visibility": "anonymous",
"attachments": [{"url": "https://posko.example.org/foto.jpg", "content_type": "image/jpeg"}]}]]

function request()
  counter = counter + 1
  return wrk.format(nil, "/api/v1/complaints", nil, string.format(template, prefix .. counter))
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
""" + WRKJSON_DONE

HEALTH_SCRIPT = WRKJSON_DONE


@contextmanager
def own_database(given: str | None, fast: bool) -> Iterator[str]:
    """The given PostgreSQL, or a throwaway one on loopback that fsyncs like production."""
    if given:
        yield given
        return
    with TempPostgres(durable=True, fast_commit=fast) as server:
        yield server.start("jembatan_bench").url("jembatan_bench")


def prepare(database_url: str) -> tuple[str, int]:
    """Migrate, seed one faction; its API key and its id."""
    from app.auth import issue_key
    from app.database import Database
    from app.factions import find_faction
    from app.migrate import upgrade
    from app.models import Faction

    upgrade(database_url)
    database = Database(database_url)
    with database.transaction() as session:
        faction = find_faction(session, "BENCH")
        if faction is None:
            faction = Faction(code="BENCH", name="Fraksi Bench", active=True)
            session.add(faction)
            session.flush()
        key = issue_key(session, "faction", faction, label="bench").key
        faction_id = faction.id
    database.dispose()
    return key, faction_id


# --- the web server and wrk ------------------------------------------------------------


@contextmanager
def gunicorn(database_url: str, workers: int, threads: int, log: Path) -> Iterator[str]:
    """`gunicorn wsgi:app` configured through the environment, as in production."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JEMBATAN_")}
    env.update(
        PYTHONPATH=str(REPO),
        JEMBATAN_ENV="production",
        JEMBATAN_DATABASE_URL=database_url,
        # Production refuses secret keys under 32 bytes.
        JEMBATAN_SECRET_KEY="bench-secret-key-bench-secret-key",
        JEMBATAN_DATA_KEYS=BENCH_DATA_KEY,
        JEMBATAN_RATELIMIT_ENABLED="0",
        JEMBATAN_LOG_LEVEL="WARNING",
    )
    command = [
        sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--log-level", "warning", "--backlog", "2048",
    ]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        def up() -> bool:
            with suppress(requests.RequestException):
                return requests.get(base + "/healthz", timeout=1).status_code == 200
            return False

        wait_until(up, timeout=30, what="gunicorn")
        yield base
    finally:
        stop(process)


def run_wrk(base: str, path: str, script: str, args: list[str], concurrency: int,
            duration: float) -> dict[str, float]:
    """Run wrk and read the figures its `done` hook prints."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        threads = max(1, min(2, concurrency))
        result = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{max(1, round(duration))}s",
             "--timeout", "10s", "-s", fh.name, base + path, "--", *args],
            check=True, capture_output=True, text=True,
        )
    finally:
        os.unlink(fh.name)
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRKJSON "))
    figures = json.loads(line[len("WRKJSON "):])
    seconds = figures["duration_us"] / 1e6
    ok = figures["requests"] - figures["non2xx"]
    return {
        "rate": ok / seconds,
        "requests": figures["requests"],
        "failed": figures["non2xx"] + figures["socket_errors"],
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
    }


# --- raw psycopg ----------------------------------------------------------------------

BENCH_DATA_KEY = "YmVuY2gtZGF0YS1rZXktYmVuY2gtZGF0YS1rZXkxMjM="

COMPLAINT_SQL = """
INSERT INTO complaints (id, tracking_code, faction_id, external_id, source, category, title,
  description, occurred_at, kelurahan_code, kecamatan_code, kota_code, address, lat, lon,
  reporter_name, reporter_phone, reporter_email, reporter_nik, visibility, attachments,
  content_hash, status_secret, status, seq, due_at, overdue, created_at, updated_at,
  public_title, public_description, redaction_version)
VALUES (%s, %s, %s, %s, 'api', 'sampah', 'Sampah menumpuk di pinggir kali',
  'Sudah seminggu tidak diangkut, baunya sampai ke rumah warga.', %s, '31.71.01.1001',
  '31.71.01', '31.71', 'Jl. Kali Pasir No. 3', -6.1754, 106.8272, 'Siti Aminah',
  '081234567890', 'siti@example.org', '3171010101900001', 'anonymous', %s, %s, %s,
  'received', 1, %s, false, %s, %s, 'Sampah menumpuk di pinggir kali',
  'Sudah seminggu tidak diangkut, baunya sampai ke rumah warga.', 1)
"""
EVENT_SQL = """
INSERT INTO status_events (complaint_id, seq, status, previous_status, source, occurred_at,
  recorded_at, note, public_note) VALUES (%s, 1, 'received', NULL, 'gateway', %s, %s,
  'Aduan diterima oleh Jembatan.', 'Aduan diterima oleh Jembatan.') RETURNING id
"""
OUTBOX_SQL = """
INSERT INTO outbox (topic, destination, payload, complaint_id, status, attempts,
  next_attempt_at, created_at, updated_at)
VALUES ('crm.submit', 'crm', %s, %s, 'pending', 0, %s, %s, %s) RETURNING id
"""
# The public dashboard's counters, which the app's intake transaction upserts too (one
# statement, as app.public.stats does it on PostgreSQL).
COUNTERS_SQL = """
INSERT INTO public_stats (dimension, metric, value, bucket, count)
SELECT * FROM unnest(%(dimension)s::varchar[], %(metric)s::varchar[], %(value)s::varchar[],
                     %(bucket)s::varchar[], %(count)s::bigint[])
ON CONFLICT (dimension, metric, value, bucket)
DO UPDATE SET count = public_stats.count + excluded.count
"""
ATTACHMENTS = json.dumps(
    [{"url": "https://posko.example.org/foto.jpg", "content_type": "image/jpeg"}]
)


def _counter_rows() -> dict[str, list[object]]:
    """The 15 counter rows one intake of the bench complaint moves, in the app's order."""
    from app.config import Settings
    from app.statistics import week_of
    from app.wiring import categories_of

    agency = categories_of(Settings())["sampah"].agency
    values = {"all": "", "faction": "BENCH", "category": "sampah", "kota": "31.71",
              "agency": agency}
    metrics = [("total", ""), ("received_week", week_of(datetime.now(UTC))),
               ("status", "received")]
    rows = sorted((d, m, v, b) for d, v in values.items() for m, b in metrics)
    return {
        "dimension": [r[0] for r in rows], "metric": [r[1] for r in rows],
        "value": [r[2] for r in rows], "bucket": [r[3] for r in rows],
        "count": [1] * len(rows),
    }


def _raw_worker(database_url: str, faction_id: int, threads: int, duration: float,
                label: str) -> tuple[int, list[float]]:
    """One process: `threads` connections inserting complaints until time is up."""
    import secrets

    import psycopg

    counters = _counter_rows()
    # The status link's secret is stored encrypted, as the app stores it.
    ring = Keyring.from_setting(BENCH_DATA_KEY)
    deadline = time.monotonic() + duration
    latencies: list[float] = []
    lock = threading.Lock()
    counts = [0]

    def loop(n: int) -> None:
        mine: list[float] = []
        with psycopg.connect(database_url) as connection:
            i = 0
            while time.monotonic() < deadline:
                i += 1
                started = time.perf_counter()
                now = datetime.now(UTC)
                complaint_id = uuid.uuid4()
                with connection.transaction(), connection.cursor() as cursor:
                    cursor.execute(COMPLAINT_SQL, (
                        complaint_id, "JBT-" + secrets.token_hex(4).upper(), faction_id,
                        f"{label}-{n}-{i}", now - timedelta(days=1), ATTACHMENTS,
                        secrets.token_hex(32), ring.encrypt(secrets.token_urlsafe(18)),
                        now + timedelta(days=3), now, now,
                    ))
                    cursor.execute(EVENT_SQL, (complaint_id, now, now))
                    cursor.execute(OUTBOX_SQL, (
                        json.dumps({"complaint_id": str(complaint_id)}), complaint_id, now,
                        now, now,
                    ))
                    cursor.execute(COUNTERS_SQL, counters)
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            counts[0] += len(mine)

    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return counts[0], latencies


def run_raw(database_url: str, faction_id: int, concurrency: int, duration: float,
            label: str) -> dict[str, float]:
    """Raw psycopg at `concurrency` connections, over up to 4 processes (GIL-free enough)."""
    processes = min(4, concurrency)
    per_process = [concurrency // processes + (1 if i < concurrency % processes else 0)
                   for i in range(processes)]
    started = time.perf_counter()
    with Pool(processes) as pool:
        results = pool.starmap(
            _raw_worker,
            [(database_url, faction_id, n, duration, f"{label}-p{i}")
             for i, n in enumerate(per_process)],
        )
    elapsed = time.perf_counter() - started
    total = sum(count for count, _ in results)
    latencies = sorted(x for _, lat in results for x in lat)
    return {
        "rate": total / max(duration, min(elapsed, duration + 0.5)),
        "requests": total,
        "failed": 0,
        "p50_ms": 1000 * statistics.quantiles(latencies, n=100)[49],
        "p99_ms": 1000 * statistics.quantiles(latencies, n=100)[98],
    }


def combine(slices: list[dict[str, float]]) -> dict[str, float]:
    """One figure from interleaved slices: total rate, median latencies, summed failures."""
    return {
        "rate": statistics.fmean(x["rate"] for x in slices),
        "requests": sum(x["requests"] for x in slices),
        "failed": sum(x["failed"] for x in slices),
        "p50_ms": statistics.median(x["p50_ms"] for x in slices),
        "p99_ms": statistics.median(x["p99_ms"] for x in slices),
    }


# --- main ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="use this PostgreSQL (default: start one)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--concurrency", default="8,32", help="comma-separated")
    parser.add_argument("--slices", type=int, default=5,
                        help="interleaved slices per measurement (each >= 1 s)")
    # Two cores: one process per core, threads to overlap the database round trips.
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8,
                        help="threads per gunicorn worker (>1: gthread, else sync)")
    parser.add_argument("--fast-pg", action="store_true",
                        help="own PostgreSQL with fsync and synchronous_commit off")
    options = parser.parse_args()
    concurrencies = [int(c) for c in options.concurrency.split(",")]
    options.slices = max(1, min(options.slices, int(options.duration)))
    if shutil.which("wrk") is None:
        print("wrk is not installed", file=sys.stderr)
        return 2

    with own_database(options.database_url, fast=options.fast_pg) as database_url:
        key, faction_id = prepare(database_url)
        log = Path(tempfile.gettempdir()) / "bench-intake-gunicorn.log"
        run = uuid.uuid4().hex[:8]
        print(f"gunicorn: {options.workers} workers x {options.threads} threads; "
              f"{options.duration:g} s per measurement; PostgreSQL "
              f"{'given' if options.database_url else ('fast' if options.fast_pg else 'durable')}"
              f"; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
        rows = []
        with gunicorn(database_url, options.workers, options.threads, log) as base:
            # Warm every worker (imports, connection pools) before measuring.
            run_wrk(base, "/api/v1/complaints", WRK_SCRIPT, [f"warm{run}", key], 8, 2)
            for concurrency in concurrencies:
                # The three measurements take turns in short slices, so that a change in
                # the machine's other load hits all three alike and the ratios stay fair.
                slices: dict[str, list[dict[str, float]]] = {"a": [], "b": [], "c": []}
                seconds = options.duration / options.slices
                for number in range(options.slices):
                    slices["a"].append(run_wrk(
                        base, "/api/v1/complaints", WRK_SCRIPT,
                        [f"c{concurrency}s{number}{run}", key], concurrency, seconds))
                    slices["b"].append(run_wrk(base, "/healthz", HEALTH_SCRIPT, [],
                                               concurrency, seconds))
                    slices["c"].append(run_raw(database_url, faction_id, concurrency, seconds,
                                               f"raw{concurrency}s{number}{run}"))
                rows.append((concurrency, *(combine(slices[k]) for k in "abc")))
        print()
        print(f"{'conc':>4} {'(a) intake/s':>12} {'p50':>7} {'p99':>7} {'fail':>5} "
              f"{'(b) healthz/s':>13} {'p50':>7} {'(c) raw/s':>9} {'p50':>7} "
              f"{'a/b':>5} {'a/c':>5}")
        for concurrency, intake, health, raw in rows:
            print(
                f"{concurrency:>4} {intake['rate']:>12.0f} {intake['p50_ms']:>6.1f}ms "
                f"{intake['p99_ms']:>6.1f}ms {intake['failed']:>5.0f} {health['rate']:>13.0f} "
                f"{health['p50_ms']:>6.1f}ms {raw['rate']:>9.0f} {raw['p50_ms']:>6.1f}ms "
                f"{intake['rate'] / health['rate']:>5.2f} {intake['rate'] / raw['rate']:>5.2f}"
            )
        print("targets: a/b >= 0.25, a/c >= 0.5; "
              f"load average at the end {os.getloadavg()[0]:.1f} (other processes skew a/b)")
        failed = sum(intake["failed"] for _, intake, _, _ in rows)
        if failed:
            print(f"{failed:.0f} intake requests failed; see {log}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
