"""Benchmark: the public site with 10,000 vs 1,000,000 complaints on PostgreSQL.

Seeds two databases side by side (COPY), rebuilds their statistics counters, serves each with
gunicorn on 127.0.0.1, then measures p50/p95 of the dashboard, the list, a filtered list, a
complaint page and the CSV export's first byte, alternating between the two servers, and
prints the large/small ratio per page (target ≤ 1.5).

    python bench/public.py --pg postgresql://postgres@127.0.0.1:55433/ [--small 10000]
        [--large 1000000] [--requests 60]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app, crypto  # noqa: E402
from app.config import REFERENCE_DIR, Settings  # noqa: E402
from app.factions import seed_factions  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.reference import areas, load_categories  # noqa: E402
from app.statistics import agencies_of, rebuild  # noqa: E402
from tests.support.processes import free_port, jembatan_env, stop, wait_until  # noqa: E402

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
STATUS_MIX = (
    ("received", 3), ("forwarded", 5), ("waiting", 6), ("coordination", 4), ("dispatched", 6),
    ("in_progress", 10), ("validating", 3), ("resolved", 50), ("rejected", 8), ("closed", 5),
)
TERMINAL = {"resolved", "rejected", "closed"}


def code_for(n: int) -> str:
    digits = []
    for _ in range(8):
        n, r = divmod(n, 32)
        digits.append(ALPHABET[r])
    return "JBT-" + "".join(reversed(digits))


def recreate(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url + "postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url + name


def seed(url: str, count: int, rng: random.Random) -> str:
    """Migrate, add the factions and COPY `count` complaints (1–2 events each)."""
    upgrade(url)
    settings = Settings.from_env(environ={}, ENV="test", DATABASE_URL=url)
    app = create_app(settings)
    db = app.extensions["db"]
    with app.app_context(), db.transaction() as session:
        seed_factions(session)
    with psycopg.connect(url) as conn:
        faction_ids = [r[0] for r in conn.execute("SELECT id FROM factions ORDER BY id")]
    categories = load_categories(str(REFERENCE_DIR / "categories.toml"))
    category_codes = list(categories)
    kelurahans = areas().of_level("kelurahan")
    lineage = [areas().lineage(k.code) for k in kelurahans]
    statuses = [s for s, w in STATUS_MIX for _ in range(w)]
    now = datetime.now(UTC)
    sample_code = ""
    # Stored encrypted, as the app stores it (one value serves every row).
    status_secret = crypto.keyring().encrypt("bench-status-secret")
    started = time.monotonic()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        # Secondary indexes are built once after loading: far faster than row by row.
        secondary = cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename IN"
            " ('complaints', 'status_events') AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            " WHERE c.conname = i.indexname)"
        ).fetchall()
        for name, _definition in secondary:
            cur.execute(f'DROP INDEX "{name}"')
        complaints = io.StringIO()
        events = io.StringIO()

        def flush() -> None:
            with cur.copy(
                "COPY complaints (id, tracking_code, faction_id, external_id, source, category,"
                " title, description, kelurahan_code, kecamatan_code, kota_code, lat, lon,"
                " visibility, attachments, content_hash, status_secret, status, seq, due_at,"
                " overdue, resolved_at, created_at, updated_at, public_title,"
                " public_description, redaction_version) FROM STDIN"
            ) as copy:
                copy.write(complaints.getvalue())
            with cur.copy(
                "COPY status_events (complaint_id, seq, status, previous_status, source,"
                " occurred_at, recorded_at, note, public_note) FROM STDIN"
            ) as copy:
                copy.write(events.getvalue())
            complaints.seek(0)
            complaints.truncate()
            events.seek(0)
            events.truncate()

        for i in range(count):
            ident = uuid.UUID(int=rng.getrandbits(128), version=4)
            created = now - timedelta(seconds=rng.randrange(0, 730 * 86400))
            category = category_codes[i % len(category_codes)]
            kel, kec, kota = lineage[rng.randrange(len(lineage))]
            status = statuses[rng.randrange(len(statuses))]
            due = created + timedelta(days=categories[category].sla_days * 1.4)
            resolved = created + timedelta(hours=rng.randrange(2, 24 * 20)) \
                if status == "resolved" else None
            overdue = status not in TERMINAL and due < now
            visibility = ("anonymous", "anonymous", "public", "confidential")[(i // 20) % 4] \
                if i % 20 == 0 else "anonymous"
            code = code_for(i)
            if visibility != "confidential" and i == count // 2:
                sample_code = code
            changed = resolved or created + timedelta(hours=1)
            seq = 1 if status == "received" else 2
            complaints.write("\t".join((
                str(ident), code, str(faction_ids[i % len(faction_ids)]), f"B-{i}", "api",
                category, f"Aduan {category} nomor {i}", "Keterangan aduan untuk uji beban.",
                kel.code, kec.code, kota.code, f"{-6.2 + rng.random() / 10:.5f}",
                f"{106.8 + rng.random() / 10:.5f}", visibility, "[]", "0" * 64, status_secret,
                status, str(seq), due.isoformat(), "t" if overdue else "f",
                resolved.isoformat() if resolved else "\\N", created.isoformat(),
                changed.isoformat(),
                # The stored public projection, as intake computes it (this text holds no one).
                f"Aduan {category} nomor {i}", "Keterangan aduan untuk uji beban.", "1",
            )) + "\n")
            events.write(f"{ident}\t1\treceived\t\\N\tgateway\t{created.isoformat()}\t"
                         f"{created.isoformat()}\tAduan diterima oleh Jembatan."
                         "\tAduan diterima oleh Jembatan.\n")
            if seq == 2:
                events.write(f"{ident}\t2\t{status}\treceived\tcrm\t{changed.isoformat()}\t"
                             f"{changed.isoformat()}\t\\N\t\\N\n")
            if (i + 1) % 50_000 == 0:
                flush()
        flush()
        for _name, definition in secondary:
            cur.execute(definition)
        conn.commit()
    with app.app_context(), db.transaction() as session:
        rebuild(session, agencies_of(load_categories(app.config["JEMBATAN_CATEGORIES_FILE"])))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    db.dispose()
    print(f"  seeded {count:,} complaints in {time.monotonic() - started:.0f} s", flush=True)
    return sample_code


def serve(url: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = jembatan_env(url, RATELIMIT_ENABLED="0", PUBLIC_URL=f"http://127.0.0.1:{port}")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(base + "/healthz", timeout=1).ok
        except requests.RequestException:
            return False

    wait_until(up, timeout=30, what="gunicorn")
    return process, base


def timed(session: requests.Session, url: str, first_byte: bool) -> float:
    started = time.perf_counter()
    if first_byte:
        with session.get(url, stream=True, timeout=30) as response:
            response.raise_for_status()
            next(response.iter_content(1))
            elapsed = time.perf_counter() - started
        return elapsed * 1000
    response = session.get(url, timeout=30)
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("JEMBATAN_BENCH_PG"),
                        help="a PostgreSQL server URL (default: start a throwaway one)")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--db-prefix", default="jembatan_bench",
                        help="the two databases are PREFIX_small and PREFIX_large (recreated)")
    args = parser.parse_args()
    if args.pg is None:
        from tests.support.postgres import TempPostgres

        with TempPostgres() as pg:
            pg.start()
            run(args, f"postgresql://postgres@127.0.0.1:{pg.port}/")
        return
    run(args, args.pg.rstrip("/") + "/")


def run(args: argparse.Namespace, admin: str) -> None:
    """Seed both sizes, serve each, and measure every page side by side."""
    rng = random.Random(6)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)

    sizes = {"small": args.small, "large": args.large}
    servers = {}
    codes = {}
    try:
        for label, count in sizes.items():
            print(f"{label}: seeding {count:,} complaints", flush=True)
            url = recreate(admin, f"{args.db_prefix}_{label}")
            codes[label] = seed(url, count, rng)
            servers[label] = serve(url, out / f"public-{label}.log")
        pages = {
            "/ (dashboard)": ("/", False),
            "/aduan": ("/aduan", False),
            "/aduan?kategori=pohon&kota=31.74": ("/aduan?kategori=pohon&kota=31.74", False),
            "/aduan/<code>": ("/aduan/{code}", False),
            "/data/aduan.csv (first byte)": ("/data/aduan.csv", True),
        }
        sessions = {label: requests.Session() for label in sizes}
        results: dict[str, dict[str, list[float]]] = {p: {"small": [], "large": []}
                                                      for p in pages}
        for name, (path, first_byte) in pages.items():
            for label in sizes:  # warm-up
                for _ in range(3):
                    timed(sessions[label], servers[label][1] + path.format(code=codes[label]),
                          first_byte)
            for _ in range(args.requests):
                for label in sizes:  # alternate: both see the same machine noise
                    url = servers[label][1] + path.format(code=codes[label])
                    results[name][label].append(timed(sessions[label], url, first_byte))
                    if first_byte:
                        # The client hung up after one byte; let the server notice and stop
                        # that stream, or the next request measures the leftover work.
                        time.sleep(0.3)
        print()
        print(f"{'page':38} {'small p50':>9} {'p95':>7} {'big p50':>8} {'p95':>7} {'ratio':>6}")
        for name, by_size in results.items():
            s50, s95 = _p(by_size["small"], 50), _p(by_size["small"], 95)
            l50, l95 = _p(by_size["large"], 50), _p(by_size["large"], 95)
            print(f"{name:38} {s50:9.1f} {s95:7.1f} {l50:8.1f} {l95:7.1f} {l50 / s50:6.2f}")
        print(f"\nms; small = {args.small:,}, big = {args.large:,} complaints; "
              f"{args.requests} requests per page and size; ratio = big p50 / small p50")
    finally:
        for process, _base in servers.values():
            stop(process)


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


if __name__ == "__main__":
    main()
