"""`make bench`: run every benchmark in bench/ and write docs/PERFORMANCE.md.

Each benchmark measures its ratios side by side in one run and prints them; this runner adds
the machine it ran on and the exact command, so every figure in the report can be reproduced.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ["intake.py", "forward.py", "poll.py", "latency.py", "public.py", "redact.py", "ops.py",
           "console.py", "console_bulk.py", "dedup.py"]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs ({cpu}){mem}, "
        f"Python {platform.python_version()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="benchmark file names to run")
    parser.add_argument("--output", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    parser.add_argument("extra", nargs=argparse.REMAINDER,
                        help="arguments after -- go to every benchmark")
    args = parser.parse_args()
    extra = [a for a in args.extra if a != "--"]
    names = args.only or BENCHES
    sections = []
    failed = 0
    for name in names:
        path = ROOT / "bench" / name
        if not path.exists():
            sections.append(f"## {name}\n\nnot present in this checkout.\n")
            continue
        command = [sys.executable, str(path.relative_to(ROOT)), *extra]
        print(f"== {' '.join(command)}", flush=True)
        started = time.monotonic()
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        took = time.monotonic() - started
        output = (run.stdout + ("\n" + run.stderr if run.returncode else "")).strip()
        print(output, flush=True)
        failed += run.returncode != 0
        status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
        sections.append(
            f"## {name}\n\nCommand: `{' '.join(['python', *command[1:]])}` — {status}, "
            f"{took:.0f} s wall time for the whole script.\n\n```\n{output}\n```\n"
        )
    skipped = [name for name in BENCHES if name not in names]
    if skipped:
        sections.append(
            "## Not run in this report\n\n" + ", ".join(skipped)
            + " (run `make bench` for all of them).\n"
        )
    report = (
        "# Performance\n\n"
        "Written by `make bench` (bench/run_all.py). Every figure is a ratio of two things "
        "measured side by side in the same run on the same machine; absolute times are shown "
        "for context only, since this machine is shared and noisy.\n\n"
        f"- Run: {datetime.now(UTC).isoformat(timespec='seconds')}\n"
        f"- Machine: {machine()}\n\n" + "\n".join(sections)
    )
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(report)
    print(f"report written to {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
