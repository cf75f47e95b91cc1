"""Starting Jembatan's own processes (web, worker) for tests that need real ones."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def jembatan_env(database_url: str, **settings: Any) -> dict[str, str]:
    """An environment for a child `python -m app …` process: test mode, this database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JEMBATAN_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["JEMBATAN_ENV"] = "test"
    env["JEMBATAN_DATABASE_URL"] = database_url
    for name, value in settings.items():
        env[f"JEMBATAN_{name}"] = str(value)
    return env


def start_jembatan(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """Start `python -m app ARGS` with its output in `log_path`."""
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
    """Signal a child and wait for it; SIGKILL if it does not go."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def wait_until(predicate: Any, timeout: float = 30, interval: float = 0.1, what: str = "") -> Any:
    """Poll `predicate` until it returns something truthy, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve a Flask app over real HTTP on 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        wait_until(lambda: _answers(base + "/healthz"), timeout=10, what="live server")
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code < 500
    except requests.RequestException:
        return False
