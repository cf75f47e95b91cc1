"""Reses import and the monthly report: what the console's batch work costs, side by side.

    python bench/console_bulk.py                  # 1,000 rows, 5,000 complaints, SQLite in /tmp
    python bench/console_bulk.py --rows 500 --complaints 20000
    python bench/console_bulk.py --database-url postgresql://…   # a scratch db: tables emptied

Three ratios, each against the floor the same work cannot go below:
  (a) parse: app.bulk_import.parse_upload on an N-row CSV and XLSX, against loading the very
      same N request bodies with the API's schema alone (what every row must pass anyway);
  (b) import: import_rows of the parsed sheet, against a bare loop of
      app.intake.submit_complaint with the same fields in one transaction (target ≈ 1);
  (c) report: app.monthly_report.monthly_report over a faction of M complaints (with their
      status events), against one `SELECT count(*)` of the faction's complaints of the month.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def best_of(rounds: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def sheet_rows(count: int, prefix: str) -> list[dict[str, str]]:
    return [{
        "no_aduan": f"{prefix}-{n}", "kategori": "sampah", "judul": f"Sampah menumpuk {n}",
        "uraian": "Sudah seminggu tidak diangkut, bau menyengat sampai ke rumah warga.",
        "kelurahan": "Gambir", "alamat": f"Jl. Kali Pasir No. {n}", "lat": "-6.1754",
        "lon": "106.8272", "nama_pelapor": "Siti Aminah", "telepon": "081234567890",
        "email": "siti@example.org", "nik": "3171010101900001", "visibilitas": "anonim",
        "tanggal_kejadian": "2026-11-20 08:00",
    } for n in range(count)]


def as_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def as_xlsx(rows: list[dict[str, str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--complaints", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from app import crypto
    from app.bulk_import import import_rows, parse_upload
    from app.clock import WIB
    from app.config import Settings
    from app.database import Base, Database
    from app.events import append_event
    from app.factions import seed_factions
    from app.intake import submit_complaint
    from app.migrate import upgrade
    from app.models import Complaint, Faction
    from app.monthly_report import month_bounds, monthly_report
    from app.wiring import categories_of, core_listeners
    from schemas.complaint import ComplaintCreateSchema, categories_context

    settings = Settings.from_env(environ={}, ENV="test", DATABASE_URL="sqlite://",
                                 CRM_URL="http://127.0.0.1:9/", LOG_JSON=False)
    crypto.configure(settings)  # the reporter's fields are encrypted at rest
    categories = categories_of(settings)
    limits = {"max_bytes": 50_000_000, "max_rows": args.rows}

    # (a) parse against the schema alone --------------------------------------------------
    rows = sheet_rows(args.rows, "R")
    csv_data, xlsx_data = as_csv(rows), as_xlsx(rows)
    preview = parse_upload("b.csv", csv_data, categories=categories, **limits)
    assert len(preview.valid_rows) == args.rows, preview.errors[:3]
    bodies = [{k: v for k, v in r.fields.items() if k != "attachments"}
              for r in preview.valid_rows if r.fields]
    for body in bodies:
        body["occurred_at"] = body["occurred_at"].isoformat() if body.get("occurred_at") else None

    def schema_only() -> None:
        with categories_context(categories):
            schema = ComplaintCreateSchema()
            for body in bodies:
                schema.load(body)

    floor = best_of(args.rounds, schema_only)
    parsed_csv = best_of(args.rounds, lambda: parse_upload(
        "b.csv", csv_data, categories=categories, **limits))
    parsed_xlsx = best_of(args.rounds, lambda: parse_upload(
        "b.xlsx", xlsx_data, categories=categories, **limits))
    print(f"(a) parse {args.rows} rows: schema alone {floor * 1000:.0f} ms · CSV "
          f"{parsed_csv * 1000:.0f} ms (×{parsed_csv / floor:.2f}) · XLSX "
          f"{parsed_xlsx * 1000:.0f} ms (×{parsed_xlsx / floor:.2f}; {len(xlsx_data):,} bytes)")

    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{scratch}/bench.db"
        upgrade(url)
        db = Database(url, listeners=core_listeners(settings))
        with db.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
        with db.transaction() as session:
            seed_factions(session)

        def faction(session: Any, code: str) -> Faction:
            return session.scalars(select(Faction).where(Faction.code == code)).one()

        # (b) import against bare intake ------------------------------------------------
        imports, bare = [], []
        for round_ in range(args.rounds):
            sheet = parse_upload("b.csv", as_csv(sheet_rows(args.rows, f"I{round_}")),
                                 categories=categories, **limits)
            started = time.perf_counter()
            with db.transaction() as session:
                import_rows(session, faction(session, "PSI"), sheet, categories=categories,
                            actor="bench")
            imports.append(time.perf_counter() - started)
            same = parse_upload("b.csv", as_csv(sheet_rows(args.rows, f"B{round_}")),
                                categories=categories, **limits)
            started = time.perf_counter()
            with db.transaction() as session:
                psi = faction(session, "PSI")
                for row in same.valid_rows:
                    submit_complaint(session, psi, row.fields or {}, categories=categories,
                                     source="bench")
            bare.append(time.perf_counter() - started)
        print(f"(b) import {args.rows} rows: bare intake loop {min(bare):.2f} s · import_rows "
              f"{min(imports):.2f} s (×{min(imports) / min(bare):.2f})")

        # (c) the monthly report against one count ------------------------------------
        start, end = month_bounds(2026, 11)
        with db.transaction() as session:
            pks = faction(session, "PKS")
            fields = parse_upload("b.csv", as_csv(sheet_rows(1, "X")), categories=categories,
                                  **limits).rows[0].fields or {}
            span = (end - start).total_seconds()
            for n in range(args.complaints):
                result = submit_complaint(session, pks, {**fields, "external_id": f"M-{n}"},
                                          categories=categories, source="bench")
                complaint = result.complaint
                complaint.created_at = start + timedelta(seconds=span * n / args.complaints
                                                         - span / 2)
                if n % 2:
                    append_event(session, complaint, "in_progress", source="crm",
                                 occurred_at=complaint.created_at + timedelta(days=1))
                if n % 3 == 0:
                    append_event(session, complaint, "resolved", source="crm",
                                 occurred_at=complaint.created_at + timedelta(days=4))
                if n % 500 == 499:
                    session.flush()
            pks_id = pks.id
        now = datetime(2026, 12, 10, tzinfo=WIB).astimezone(UTC)

        def report() -> None:
            with db.session() as session:
                monthly_report(session, pks_id, 2026, 11, categories, now=now)

        def count() -> None:
            with db.session() as session:
                session.scalar(select(func.count()).select_from(Complaint).where(
                    Complaint.faction_id == pks_id, Complaint.created_at >= start,
                    Complaint.created_at < end))

        timed_report = best_of(args.rounds, report)
        timed_count = best_of(args.rounds, count)
        print(f"(c) report over {args.complaints} complaints: one count "
              f"{timed_count * 1000:.1f} ms · monthly_report {timed_report * 1000:.0f} ms "
              f"(×{timed_report / timed_count:.0f})")
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
