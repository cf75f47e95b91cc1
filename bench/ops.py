"""What protection and observability cost, measured side by side in one run.

    python bench/ops.py                    # 400 complaints, 20,000 log lines, 20,000 outbox rows
    python bench/ops.py --complaints 2000 --lines 100000 --outbox 200000

1. Intake and read-back of complaints with reporter data encrypted (the real keyring) versus a
   pass-through keyring: the price of encryption at rest.
2. A log line through the JSON handler with context and redaction versus a plain handler.
3. A `/metrics` scrape with a small and a large outbox backlog (the database collector).
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from app import create_app, crypto  # noqa: E402
from app.config import Settings  # noqa: E402
from app.migrate import upgrade  # noqa: E402


class PassThrough(crypto.Keyring):
    """A keyring that stores text as it is: the baseline."""

    def __init__(self) -> None:  # noqa: D107 - no keys
        pass

    def encrypt(self, plaintext: str) -> str:
        return plaintext

    def decrypt(self, stored: str) -> str:
        return stored


def fresh_app(directory: Path, name: str):
    url = f"sqlite:///{directory / name}.db"
    upgrade(url)
    settings = Settings.from_env(environ={}, ENV="test", DATABASE_URL=url, LOG_JSON=False,
                                 RATELIMIT_ENABLED=False, LOG_LEVEL="WARNING")
    app = create_app(settings)
    from app.auth import issue_key
    from app.factions import seed_factions

    with app.extensions["db"].transaction() as session:
        faction = seed_factions(session)[0]
        issue_key(session, "faction", faction)
    return app


def intake_and_read(app, complaints: int, keyring: crypto.Keyring, offset: int = 0) -> float:
    from app.intake import submit_complaint
    from app.models import Complaint, Faction
    from app.wiring import categories_of

    db = app.extensions["db"]
    categories = categories_of(app.extensions["settings"])
    crypto._keyring = keyring
    started = time.perf_counter()
    with app.app_context():
        for n in range(offset, offset + complaints):
            with db.transaction() as session:
                faction = session.scalars(select(Faction)).first()
                submit_complaint(session, faction, {
                    "external_id": f"B-{n}", "category": "sampah", "title": "Sampah",
                    "description": "Sudah seminggu tidak diangkut.",
                    "occurred_at": datetime.fromisoformat("2026-11-20T08:00:00+07:00"),
                    "location": {"kelurahan_code": "31.71.01.1001",
                                 "address": f"Jl. Kali Pasir No. {n}"},
                    "reporter": {"name": "Siti Aminah", "phone": "081234567890",
                                 "email": "siti@example.org", "nik": "3171010101900001"},
                    "visibility": "anonymous", "attachments": [],
                }, categories=categories)
        with db.session() as session:
            names = session.scalars(select(Complaint.reporter_name)).all()
    assert len(names) == offset + complaints and names[0] == "Siti Aminah"
    return time.perf_counter() - started


def log_lines(lines: int, structured: bool) -> float:
    from app.logging import configure_logging, log_context

    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_factory = logging.getLogRecordFactory()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    sink = io.StringIO()
    if structured:
        configure_logging(Settings(ENV="test", LOG_JSON=True, DATA_KEYS="x" * 44,
                                   SECRET_KEY="bench-secret-key"), "worker", stream=sink)
    else:
        logging.setLogRecordFactory(logging.LogRecord)
        handler = logging.StreamHandler(sink)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    log = logging.getLogger("sync.forward")
    started = time.perf_counter()
    with log_context(job="forward", run_id="0123456789abcdef"):
        for n in range(lines):
            log.info("forwarded complaint %s to the CRM as ticket %s in %.3f s",
                     "JBT-7K3M9Q2D", 100000 + n, 0.0123)
    elapsed = time.perf_counter() - started
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)
    logging.setLogRecordFactory(saved_factory)
    return elapsed


def scrape_seconds(app, backlog: int, repeats: int = 5) -> float:
    from app.clock import utcnow
    from app.models import OutboxMessage

    db = app.extensions["db"]
    with db.transaction() as session:
        existing = len(session.scalars(select(OutboxMessage.id)).all())
        rows = [
            {"topic": "webhook.deliver" if n % 3 else "crm.submit", "destination": "crm",
             "payload": {}, "status": "pending" if n % 10 else "dead", "attempts": 0,
             "next_attempt_at": utcnow(), "created_at": utcnow(), "updated_at": utcnow()}
            for n in range(max(0, backlog - existing))
        ]
        if rows:
            session.execute(insert(OutboxMessage), rows)
    client = app.test_client()
    client.get("/metrics")
    started = time.perf_counter()
    for _ in range(repeats):
        assert client.get("/metrics").status_code == 200
    return (time.perf_counter() - started) / repeats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=400)
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--outbox", type=int, default=20000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        real = crypto.Keyring([crypto.generate_key(), crypto.generate_key()])
        encrypted_app = fresh_app(directory, "encrypted")
        plain_app = fresh_app(directory, "plain")
        # Alternating halves, after a warm-up, so that neither side gets the cold start.
        half = max(1, args.complaints // 2)
        intake_and_read(fresh_app(directory, "warmup"), 20, real)
        plain = encrypted = 0.0
        for round_ in range(2):
            plain += intake_and_read(plain_app, half, PassThrough(), offset=round_ * half)
            encrypted += intake_and_read(encrypted_app, half, real, offset=round_ * half)
        print(f"intake + read of {2 * half} complaints: plain {plain:.2f} s, "
              f"encrypted {encrypted:.2f} s; ratio encrypted/plain = {encrypted / plain:.2f}")
        values = ["Siti Aminah", "081234567890", "siti@example.org", "3171010101900001",
                  "Jl. Kali Pasir No. 3"]
        started = time.perf_counter()
        for _ in range(1000):
            for value in values:
                real.decrypt(real.encrypt(value))
        per_complaint = (time.perf_counter() - started) / 1000
        print(f"encrypting and decrypting one complaint's 5 fields: {per_complaint * 1e6:.0f} µs "
              f"= {per_complaint / (plain / (2 * half)):.3f} of one plain intake + read")

        baseline = log_lines(args.lines, structured=False)
        structured = log_lines(args.lines, structured=True)
        print(f"{args.lines} log lines: plain {baseline * 1e6 / args.lines:.1f} µs/line, "
              f"JSON+context+redaction {structured * 1e6 / args.lines:.1f} µs/line; "
              f"ratio = {structured / baseline:.2f}")

        small = scrape_seconds(plain_app, 100)
        large = scrape_seconds(plain_app, args.outbox)
        print(f"/metrics scrape: {small * 1000:.1f} ms with 100 outbox rows, "
              f"{large * 1000:.1f} ms with {args.outbox}; ratio = {large / small:.2f}")
        for app in (encrypted_app, plain_app):
            app.extensions["db"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
