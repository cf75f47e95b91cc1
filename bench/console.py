"""Benchmark: the posko console's pages beside the API calls that do the same work.

One faction holds `--count` complaints (stored through the intake, as every surface does);
in one process, alternating request by request, it times the console's list, a complaint's
page and entering a complaint against the API's list, read and submit for the same faction,
and prints p50/p95 of each and the console/API ratio. Sign-in's cost is argon2id's own:
it is timed apart (hash and verify), since it is paid once a session.

    python bench/console.py [--count 2000] [--requests 60] [--database sqlite|URL]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import accounts, create_app  # noqa: E402
from app.auth import issue_key  # noqa: E402
from app.config import Settings  # noqa: E402
from app.factions import find_faction, seed_factions  # noqa: E402
from app.intake import submit_complaint  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.wiring import categories_of  # noqa: E402

PASSWORD = "bench-password-long"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM = {
    "category": "sampah", "title": "Sampah menumpuk", "description": "Belum diangkut.",
    "kelurahan": "Gambir", "reporter_name": "Siti", "reporter_phone": "081234567890",
    "visibility": "anonymous",
}


def _payload(n: int) -> dict[str, Any]:
    return {
        "external_id": f"BENCH-{n}", "category": "sampah", "title": f"Sampah nomor {n}",
        "description": "Sudah seminggu tidak diangkut.",
        "location": {"kelurahan_code": "31.71.01.1001", "address": "Jl. Kali Pasir"},
        "reporter": {"name": "Siti", "phone": "081234567890"}, "visibility": "anonymous",
    }


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    url = args.database
    if url == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/bench-console.db"
    upgrade(url)
    settings = Settings.from_env(environ={}, ENV="test", DATABASE_URL=url,
                                 RATELIMIT_ENABLED=False, LOG_JSON=False, LOG_LEVEL="WARNING")
    app = create_app(settings)
    db = app.extensions["db"]
    with db.transaction() as session:
        seed_factions(session)
        faction = find_faction(session, "PSI")
        key = issue_key(session, "faction", faction).key
        invitation = accounts.add_account(session, faction, "bench@psi.example.org", "staf",
                                          created_by="bench", ttl=timedelta(hours=1))
        accounts.accept_invitation(session, invitation.token, PASSWORD)
    categories = categories_of(settings)
    started = time.perf_counter()
    for start in range(0, args.count, 500):
        with db.transaction() as session:
            faction = find_faction(session, "PSI")
            for n in range(start, min(start + 500, args.count)):
                submit_complaint(session, faction, _payload(n), categories=categories)
    elapsed = time.perf_counter() - started
    print(f"seeded {args.count} complaints in {elapsed:.1f} s ({url.split(':')[0]})")

    api = app.test_client()
    bearer = {"Authorization": f"Bearer {key}"}
    console = app.test_client()
    page = console.get("/posko/masuk").get_data(as_text=True)
    signed = console.post("/posko/masuk", data={"csrf_token": CSRF.search(page).group(1),
                                                "email": "bench@psi.example.org",
                                                "password": PASSWORD})
    assert signed.status_code == 302, signed.status_code
    sample = api.get("/api/v1/complaints?limit=1", headers=bearer).json["items"][0]

    def console_submit() -> int:
        form = console.get("/posko/aduan/baru").get_data(as_text=True)
        external = re.search(r'name="external_id" value="([^"]+)"', form).group(1)
        return console.post("/posko/aduan/baru", data={
            **FORM, "csrf_token": CSRF.search(form).group(1), "external_id": external,
        }).status_code

    counter = iter(range(10**9))
    pairs = {
        "list (50 newest)": (lambda: console.get("/posko/aduan").status_code,
                             lambda: api.get("/api/v1/complaints?limit=50",
                                             headers=bearer).status_code),
        "one complaint": (lambda: console.get(f"/posko/aduan/{sample['tracking_code']}")
                          .status_code,
                          lambda: api.get(f"/api/v1/complaints/{sample['id']}",
                                          headers=bearer).status_code),
        "enter a complaint (console: form + submit)": (
            console_submit,
            lambda: api.post("/api/v1/complaints", headers=bearer,
                             json=_payload(10**8 + next(counter))).status_code),
    }
    print(f"\n{'operation':<44} {'console p50/p95 ms':>20} {'API p50/p95 ms':>18} "
          f"{'ratio p50':>10}")
    for name, (by_console, by_api) in pairs.items():
        timings: dict[str, list[float]] = {"console": [], "api": []}
        for _ in range(args.requests):
            for side, call in (("console", by_console), ("api", by_api)):
                t0 = time.perf_counter()
                status = call()
                timings[side].append(time.perf_counter() - t0)
                assert status in (200, 201, 302), (name, side, status)
        c50, c95 = _ms(timings["console"])
        a50, a95 = _ms(timings["api"])
        print(f"{name:<44} {c50:>9.1f} / {c95:>7.1f} {a50:>8.1f} / {a95:>7.1f} {c50 / a50:>10.2f}")

    hashes, verifies = [], []
    for _ in range(10):
        t0 = time.perf_counter()
        stored = accounts.hash_password(PASSWORD)
        hashes.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        accounts._hasher().verify(stored, PASSWORD)
        verifies.append(time.perf_counter() - t0)
    print(f"\nargon2id (argon2-cffi defaults): hash p50 {_ms(hashes)[0]:.1f} ms, "
          f"verify p50 {_ms(verifies)[0]:.1f} ms — paid once per sign-in")
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
