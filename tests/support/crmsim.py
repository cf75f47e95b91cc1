"""Run the CRM simulator as a real subprocess on a free loopback port, for any test suite.

    with running_crm_sim(tmp_path, speed=86400 * 50, seed=3) as base_url:
        requests.post(open311_url(base_url) + "requests.xml", data={...}, timeout=5)
        requests.get(base_url + "/_sim/tickets", timeout=5).json()

`base_url` is the simulator's root (no trailing slash): the Open311 endpoint is
`open311_url(base_url)` (what JEMBATAN_CRM_URL should hold) and the control endpoints are
under `base_url + "/_sim/"`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.support.processes import free_port  # noqa: F401 - re-exported for callers

REPO_ROOT = Path(__file__).resolve().parents[2]
OPEN311_PATH = "/open311/v2/"
# A simulated day lasts 20 ms: a ticket's whole life (≤ ~15 days) fits in a third of a second.
FAST_SPEED = 86400 * 50


def open311_url(base_url: str) -> str:
    """The Open311 GeoReport v2 base URL of a simulator (ends with a slash)."""
    return base_url.rstrip("/") + OPEN311_PATH


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if requests.get(base_url + "/_sim/health", timeout=0.5).ok:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.05)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def running_crm_sim(
    tmp_path: Path,
    speed: float = 1440.0,
    seed: int = 0,
    api_key: str | None = None,
    extra_args: Sequence[str] = (),
    *,
    db_path: Path | None = None,
    startup_timeout_s: float = 15.0,
) -> Iterator[str]:
    """Start `python -m crmsim` on a free port, yield its base URL, stop it afterwards.

    The database defaults to tmp_path/"crmsim.db"; pass the same db_path twice to test a
    restart. The simulator's output goes to tmp_path/"crmsim-<port>.log", quoted in the error
    if it fails to start.
    """
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = db_path or tmp_path / "crmsim.db"
    last_log = ""
    # A port found free can be taken before the simulator binds it; try a few.
    for _attempt in range(3):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = tmp_path / f"crmsim-{port}.log"
        command = [
            sys.executable, "-m", "crmsim",
            "--host", "127.0.0.1", "--port", str(port), "--db", str(db),
            "--speed", str(speed), "--seed", str(seed),
            *(["--api-key", api_key] if api_key is not None else []),
            *extra_args,
        ]  # fmt: skip
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
            try:
                if _wait_until_up(process, base_url, time.monotonic() + startup_timeout_s):
                    yield base_url
                    return
            finally:
                _stop(process)
        last_log = log_path.read_text(errors="replace")
    raise RuntimeError(f"CRM simulator did not start: {' '.join(command)}\n{last_log}")
