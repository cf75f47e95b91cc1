"""Scale and chaos run: the whole of Jembatan on one machine, then its invariants.

    python bench/scale.py                         # 20,000 complaints, no chaos
    python bench/scale.py --chaos --complaints 5000 --minutes 20

PostgreSQL (started here, as a non-root user), two gunicorn web processes, four workers, the
CRM simulator moving tickets through their lifecycle, and a webhook receiver per faction. With
--chaos: workers are SIGKILLed at random, the CRM injects 30% errors, 10% timeouts and 5% lost
responses, PostgreSQL is restarted mid-run, and receivers go down and up. Then everything must
be quiet and every invariant hold: it prints the counts and exits non-zero on a violation.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.cluster import CHAOS_FAULTS, Cluster  # noqa: E402
from tests.support.postgres import TempPostgres  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--chaos", action="store_true")
    parser.add_argument("--chaos-seconds", type=float, default=180,
                        help="chaos lasts at least this long, load included")
    parser.add_argument("--minutes", type=float, default=30, help="time allowed to get quiet")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jembatan-scale-") as tmp, TempPostgres() as pg:
        pg.start()
        cluster = Cluster(Path(tmp), pg, web_processes=args.web, workers=args.workers,
                          seed=args.seed, log=lambda m: print(m, flush=True))
        try:
            cluster.start()
            stop_chaos = threading.Event()
            if args.chaos:
                cluster.set_faults(CHAOS_FAULTS)
                cluster.chaos(stop_chaos, interval_s=3.0,
                              restart_postgres_at=args.complaints // 3)
            began = time.monotonic()
            cluster.submit(args.complaints, concurrency=args.concurrency)
            took = time.monotonic() - began
            print(f"submitted {args.complaints} in {took:.1f}s "
                  f"({args.complaints / took:.0f}/s offered load)", flush=True)
            if args.chaos:
                # Keep failing while the backlog drains, not only while load arrives.
                time.sleep(max(0.0, args.chaos_seconds - (time.monotonic() - began)))
            stop_chaos.set()
            if args.chaos:
                cluster.set_faults({"error_rate": 0, "timeout_rate": 0,
                                    "lost_response_rate": 0})
            cluster.wait_quiet(args.minutes * 60)
            report = cluster.check()
        finally:
            cluster.stop()
    print("\n".join(report.lines()))
    return 1 if report.violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
