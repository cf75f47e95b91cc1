"""What duplicate matching adds to an intake, at 10,000 and at 1,000,000 stored complaints.

    python bench/dedup_scale.py                          # 10k, then 1M (PostgreSQL)
    python bench/dedup_scale.py --sizes 10000,200000 --intakes 200

PostgreSQL from JEMBATAN_BENCH_DATABASE_URL (required); its schema is dropped and migrated.
The store is filled with COPY (secondary indexes
dropped and rebuilt around it) the way a real one grows: the open backlog and the complaints
closed in the last DEDUP_TERMINAL_DAYS stay the same size (--backlog, --recent), everything
else is terminal history, years of it. Then each intake (POST /api/v1/complaints in the Flask
test client: everything but the network) runs with matching on and off, alternately, on new
reports of the same kind; a fifth of them repeat an open complaint nearby (some are linked).

Prints per size: the median ms of an intake with matching off and on and their ratio (target:
on/off ≤ 1.10 at 1M), the median µs of the candidate search + scoring alone, and the ratio
1M/10k of both (target ≤ 1.5), with the plan of the candidate search at the largest size.
Wall time, medians: the machine is shared; alternating on/off gives both the same noise.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from app import create_app, crypto, duplicates, matching  # noqa: E402
from app.auth import issue_key  # noqa: E402
from app.clock import utcnow  # noqa: E402
from app.config import Settings  # noqa: E402
from app.factions import find_faction, seed_factions  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Complaint  # noqa: E402
from app.reference import areas  # noqa: E402
from app.wiring import categories_of  # noqa: E402

# Jakarta's extent, roughly.
LAT, LON = (-6.36, -6.09), (106.69, 106.97)
TEXTS = {
    "sampah": ("Sampah menumpuk di {p}", "Sudah {d} hari sampah tidak diangkut, bau menyengat."),
    "banjir_saluran": ("Got mampet di {p}", "Saluran tersumbat, air meluap ke jalan saat hujan."),
    "jalan_rusak": ("Jalan berlubang di {p}", "Lubang besar membahayakan pengendara motor."),
    "penerangan_jalan": ("Lampu jalan mati di {p}", "Sudah {d} malam gelap, rawan kejahatan."),
    "pohon": ("Pohon tumbang di {p}", "Dahan besar menutup sebagian jalan."),
    "pkl": ("PKL menutup trotoar di {p}", "Pejalan kaki terpaksa turun ke jalan."),
    "parkir_liar": ("Parkir liar di {p}", "Mobil parkir di bahu jalan, macet tiap sore."),
    "fasilitas_umum": ("Halte rusak di {p}", "Atap halte bocor dan bangku patah."),
    "ketertiban_umum": ("Keributan malam di {p}", "Warga terganggu suara keras tiap malam."),
    "lainnya": ("Masalah di {p}", "Mohon ditindaklanjuti oleh dinas terkait."),
}
PLACES = ("Jl. Kali Pasir", "Gg. Mawar", "Jl. Tanah Abang II", "Jl. Kramat Raya", "Gg. Melati",
          "Jl. Cikini Raya", "Jl. Pramuka", "Jl. Salemba", "Gg. Kenanga", "Jl. Matraman")
TERMINAL = ("resolved", "closed", "rejected")
NO_COORDINATES = 0.2
OPEN = ("received", "forwarded", "waiting", "dispatched", "in_progress")


def database_url() -> str:
    url = os.environ.get("JEMBATAN_BENCH_DATABASE_URL")
    if not url:
        sys.exit("set JEMBATAN_BENCH_DATABASE_URL to a PostgreSQL database whose schema may be "
                 "dropped (e.g. postgresql://postgres@127.0.0.1:5432/jembatan_bench)")
    return url


def reset(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    upgrade(url)


class Filler:
    """Rows for COPY: complaints (with their grid cell) and one event each."""

    def __init__(self, url: str, rng: random.Random, settings: Settings) -> None:
        self.url, self.rng = url, rng
        with psycopg.connect(url) as conn:
            self.faction_ids = [r[0] for r in conn.execute("SELECT id FROM factions")]
        self.categories = list(categories_of(settings))
        kelurahans = areas().of_level("kelurahan")
        self.lineage = [areas().lineage(k.code) for k in kelurahans]
        keys = crypto.keyring()
        self.secret = keys.encrypt("bench-status-secret")
        self.addresses = [(p, keys.encrypt(f"{p} No. {n}")) for p in PLACES for n in (3, 10, 27)]
        self.count = 0

    def row(self, status: str, created: datetime, changed: datetime,
            near: tuple[float, float] | None = None, category: str | None = None
            ) -> tuple[str, str]:
        rng = self.rng
        i = self.count
        self.count += 1
        ident = uuid.UUID(int=rng.getrandbits(128), version=4)
        category = category or rng.choice(self.categories)
        kel, kec, kota = rng.choice(self.lineage)
        lat, lon = near or (rng.uniform(*LAT), rng.uniform(*LON))
        # A fifth of the reports come without coordinates (found by kelurahan and address).
        located = near is not None or rng.random() >= NO_COORDINATES
        place, address = rng.choice(self.addresses)
        title, body = TEXTS.get(category, TEXTS["lainnya"])
        title = title.format(p=place)
        body = body.format(d=rng.randint(2, 9))
        resolved = changed if status == "resolved" else None
        complaint = "\t".join((
            str(ident), f"JBT-B{i:07d}", str(rng.choice(self.faction_ids)), f"B-{i}", "api",
            category, title, body, kel.code, kec.code, kota.code, address,
            f"{lat:.6f}" if located else "\\N", f"{lon:.6f}" if located else "\\N",
            matching.cell(lat, lon) if located else "\\N", "anonymous", "[]", "0" * 64,
            self.secret,
            status, "2" if status != "received" else "1",
            (created + timedelta(days=5)).isoformat(), "f",
            resolved.isoformat() if resolved else "\\N", created.isoformat(),
            changed.isoformat(), title, body, "1",
        )) + "\n"
        event = "\t".join((str(ident), "1", "received", "\\N", "gateway", created.isoformat(),
                           created.isoformat(), "Aduan diterima oleh Jembatan.",
                           "Aduan diterima oleh Jembatan.")) + "\n"
        return complaint, event

    def copy(self, rows: list[tuple[str, str]]) -> None:
        with psycopg.connect(self.url) as conn, conn.cursor() as cur:
            secondary = cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename IN"
                " ('complaints', 'status_events') AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                " WHERE c.conname = i.indexname)").fetchall()
            for name, _definition in secondary:
                cur.execute(f'DROP INDEX "{name}"')
            for start in range(0, len(rows), 100_000):
                chunk = rows[start:start + 100_000]
                with cur.copy(
                    "COPY complaints (id, tracking_code, faction_id, external_id, source,"
                    " category, title, description, kelurahan_code, kecamatan_code, kota_code,"
                    " address, lat, lon, geocell, visibility, attachments, content_hash,"
                    " status_secret, status, seq, due_at, overdue, resolved_at, created_at,"
                    " updated_at, public_title, public_description, redaction_version)"
                    " FROM STDIN") as copy:
                    copy.write("".join(c for c, _ in chunk))
                with cur.copy(
                    "COPY status_events (complaint_id, seq, status, previous_status, source,"
                    " occurred_at, recorded_at, note, public_note) FROM STDIN") as copy:
                    copy.write("".join(e for _, e in chunk))
            for _name, definition in secondary:
                cur.execute(definition)
            conn.commit()
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE complaints")
            conn.execute("VACUUM ANALYZE status_events")


def fill(filler: Filler, *, backlog: int, recent: int, history: int,
         terminal_days: int) -> list[tuple[str, float, float]]:
    """Add rows; returns (category, lat, lon) of the open ones (for repeats)."""
    rng, now = filler.rng, utcnow()
    rows, open_spots = [], []
    for _ in range(backlog):
        created = now - timedelta(days=rng.uniform(0, 60))
        status = rng.choice(OPEN)
        category = rng.choice(filler.categories)
        spot = (rng.uniform(*LAT), rng.uniform(*LON))
        rows.append(filler.row(status, created, created + timedelta(hours=2), spot, category))
        open_spots.append((category, *spot))
    for _ in range(recent):
        changed = now - timedelta(days=rng.uniform(0, terminal_days))
        rows.append(filler.row(rng.choice(TERMINAL), changed - timedelta(days=rng.uniform(1, 20)),
                               changed))
    for _ in range(history):
        changed = now - timedelta(days=rng.uniform(terminal_days + 1, 3 * 365))
        rows.append(filler.row(rng.choice(TERMINAL), changed - timedelta(days=rng.uniform(1, 30)),
                               changed))
    started = time.monotonic()
    filler.copy(rows)
    print(f"  filled {len(rows):,} rows in {time.monotonic() - started:.1f} s")
    return open_spots


def new_report(rng: random.Random, filler: Filler, open_spots: list[tuple[str, float, float]],
               n: int) -> dict[str, Any]:
    kel = rng.choice(filler.lineage)[0]
    if n % 5 == 0 and open_spots:
        category, lat, lon = rng.choice(open_spots)
        lat, lon = lat + rng.uniform(-1e-4, 1e-4), lon + rng.uniform(-1e-4, 1e-4)
    else:
        category, lat, lon = rng.choice(filler.categories), rng.uniform(*LAT), rng.uniform(*LON)
    place = rng.choice(PLACES)
    title, body = TEXTS.get(category, TEXTS["lainnya"])
    located = n % 5 == 0 or rng.random() >= NO_COORDINATES
    location: dict[str, Any] = {"kelurahan_code": kel.code, "address": f"{place} No. 10"}
    if located:
        location |= {"lat": round(lat, 6), "lon": round(lon, 6)}
    return {
        "external_id": f"N-{uuid.uuid4().hex[:12]}", "category": category,
        "title": title.format(p=place), "description": body.format(d=rng.randint(2, 9)),
        "location": location, "visibility": "anonymous",
    }


def measure(apps: dict[str, Any], filler: Filler,
            open_spots: list[tuple[str, float, float]], intakes: int,
            seed: int) -> dict[str, float]:
    """Median seconds of an API intake with matching on and off, and of the search alone."""
    app = apps["on"]
    db = app.extensions["db"]
    settings = app.extensions["settings"]
    policy = duplicates.policy_of(settings)
    rng = random.Random(seed)
    with db.transaction() as session:
        key = issue_key(session, "faction", find_faction(session, "PSI")).key
    headers = {"Authorization": f"Bearer {key}"}
    clients = {mode: application.test_client() for mode, application in apps.items()}
    times: dict[str, list[float]] = {"on": [], "off": [], "match": [], "cpu_on": [],
                                     "cpu_off": [], "cpu_on_unmatched": []}
    linked = 0
    for n in range(2 * intakes + 20):
        mode = ("on", "off")[n % 2]
        payload = new_report(rng, filler, open_spots, n // 2)
        started, cpu = time.perf_counter(), time.process_time()
        response = clients[mode].post("/api/v1/complaints", json=payload, headers=headers)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert response.status_code == 201, response.json
        if n < 20:
            continue  # warm-up
        times[mode].append(elapsed)
        times[f"cpu_{mode}"].append(cpu)
        if mode == "on":
            with app.app_context(), db.session() as session:
                complaint = session.get(Complaint, uuid.UUID(response.json["id"]))
                linked += complaint.duplicate_state == "linked"
                if complaint.duplicate_state is None:
                    # Matching's own cost, apart from what a link or a suggestion then does
                    # (an event, its webhook, the CRM notice: work that replaces a ticket).
                    times["cpu_on_unmatched"].append(cpu)
                # The search and the scoring alone, for the same report.
                started = time.perf_counter()
                found = duplicates.candidates(session, complaint, policy, utcnow())
                matching.best(duplicates.report_of(complaint), found, policy)
                times["match"].append(time.perf_counter() - started)
    figures = {k: statistics.median(v) for k, v in times.items() if not k.startswith("cpu")}
    # CPU of this process (the web side: views, intake, matcher), as a mean: robust to a
    # machine shared with others, which stretches wall time.
    figures |= {k: statistics.fmean(v) for k, v in times.items() if k.startswith("cpu")}
    figures["linked"] = linked
    return figures


def explain(app: Any, settings: Settings, located: bool) -> str:
    """The index scans of the newest intake's candidate search, and what they read."""
    db = app.extensions["db"]
    policy = duplicates.policy_of(settings)
    with db.session() as session:
        has_cell = Complaint.geocell.is_not(None) if located else Complaint.geocell.is_(None)
        complaint = session.scalars(select(Complaint).where(has_cell)
                                    .order_by(Complaint.created_at.desc()).limit(1)).one()
        statement = duplicates.candidates_statement(complaint, policy, utcnow())
        compiled = statement.compile(dialect=session.get_bind().dialect,
                                     compile_kwargs={"literal_binds": True})
        plan = session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).scalars().all()
    keep = ("Scan", "Buffers", "Execution Time")
    return "\n".join("    " + line.strip() for line in plan if any(k in line for k in keep))


def reuse(url: str, intakes: int) -> int:
    """Measure again at the size an earlier run left, without filling."""
    settings = Settings.from_env(environ={}, ENV="test", DATABASE_URL=url,
                                 RATELIMIT_ENABLED=False, LOG_JSON=False)
    apps = {"on": create_app(settings),
            "off": create_app(dataclasses.replace(settings, DEDUP_ENABLED=False))}
    filler = Filler(url, random.Random(7), settings)
    with psycopg.connect(url) as conn:
        stored = conn.execute("SELECT count(*) FROM complaints").fetchone()[0]
        open_spots = conn.execute(
            "SELECT category, lat, lon FROM complaints WHERE status NOT IN"
            " ('resolved', 'rejected', 'closed') AND lat IS NOT NULL LIMIT 5000").fetchall()
    figures = measure(apps, filler, open_spots, intakes, seed=int(time.time()))
    print(f"{stored:,} stored: API intake off {figures['off'] * 1e3:.2f} ms, on "
          f"{figures['on'] * 1e3:.2f} ms: on/off {figures['on'] / figures['off']:.3f}; "
          f"web-side CPU off {figures['cpu_off'] * 1e3:.2f} ms, on "
          f"{figures['cpu_on'] * 1e3:.2f} ms: on/off {figures['cpu_on'] / figures['cpu_off']:.3f}"
          f" (no duplicate found: {figures['cpu_on_unmatched'] / figures['cpu_off']:.3f})"
          f"; search + scoring alone {figures['match'] * 1e6:.0f} µs")
    for application in apps.values():
        application.extensions["db"].dispose()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--intakes", type=int, default=300, help="intakes per mode and size")
    parser.add_argument("--backlog", type=int, default=5000, help="open complaints stored")
    parser.add_argument("--recent", type=int, default=3000,
                        help="complaints closed within DEDUP_TERMINAL_DAYS")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database as an earlier run left it (no fill)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    url = database_url()
    print(f"database: {url.rsplit('@', 1)[-1]}")
    if args.reuse:
        return reuse(url, args.intakes)
    reset(url)
    settings = Settings.from_env(environ={}, ENV="test", DATABASE_URL=url,
                                 RATELIMIT_ENABLED=False, LOG_JSON=False)
    apps = {"on": create_app(settings),
            "off": create_app(dataclasses.replace(settings, DEDUP_ENABLED=False))}
    app = apps["on"]
    with app.app_context(), app.extensions["db"].transaction() as session:
        seed_factions(session)
    rng = random.Random(7)
    filler = Filler(url, rng, settings)
    terminal_days = duplicates.policy_of(settings).terminal_days
    results: dict[int, dict[str, float]] = {}
    stored = 0
    open_spots: list[tuple[str, float, float]] = []
    for size in sizes:
        print(f"\n{size:,} stored:")
        if stored == 0:
            open_spots = fill(filler, backlog=args.backlog, recent=args.recent,
                              history=max(0, size - args.backlog - args.recent),
                              terminal_days=terminal_days)
        else:
            fill(filler, backlog=0, recent=0, history=size - stored,
                 terminal_days=terminal_days)
        stored = size
        figures = measure(apps, filler, open_spots, args.intakes, seed=size)
        results[size] = figures
        print(f"  API intake off {figures['off'] * 1e3:.2f} ms, on {figures['on'] * 1e3:.2f} ms: "
              f"on/off {figures['on'] / figures['off']:.3f} (target ≤ 1.10); "
              f"search + scoring alone {figures['match'] * 1e6:.0f} µs; "
              f"{int(figures['linked'])} of {args.intakes} linked")
        print(f"  web-side CPU per intake off {figures['cpu_off'] * 1e3:.2f} ms, "
              f"on {figures['cpu_on'] * 1e3:.2f} ms: on/off "
              f"{figures['cpu_on'] / figures['cpu_off']:.3f}; on, no duplicate found "
              f"{figures['cpu_on_unmatched'] * 1e3:.2f} ms: "
              f"{figures['cpu_on_unmatched'] / figures['cpu_off']:.3f}")
    first, last = results[sizes[0]], results[sizes[-1]]
    print(f"\n{sizes[-1]:,}/{sizes[0]:,}: intake with matching "
          f"{last['on'] / first['on']:.2f}, search + scoring "
          f"{last['match'] / first['match']:.2f} (target ≤ 1.5)")
    for located in (True, False):
        what = "with coordinates" if located else "without coordinates"
        print(f"\nplan of a candidate search {what}, at {sizes[-1]:,}:")
        print(explain(app, settings, located))
    for application in apps.values():
        application.extensions["db"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
