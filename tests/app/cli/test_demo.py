"""`make run` (`jembatan demo`): web, worker and CRM simulator together, forwarding at once."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from app.cli.demo import demo_environment
from tests.support.processes import free_port, jembatan_env, stop, wait_until


def test_demo_forwards_a_new_complaint_within_seconds(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'demo.db'}"
    port, crm_port = free_port(), free_port()
    env = jembatan_env(database_url, ENV="demo")
    log = tmp_path / "demo.log"
    # Run where a newcomer would: its own directory, where `instance/` gets created.
    with log.open("wb") as output:
        demo = subprocess.Popen(
            [sys.executable, "-m", "app", "demo", "--port", str(port), "--crm-port",
             str(crm_port)],
            cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        printed = wait_until(
            lambda: "curl" in log.read_text() and log.read_text(), timeout=30, what="the demo"
        )
        assert re.search(r"PSI\s+jbt_\w+_\S+", printed)  # each faction's key, shown once
        assert f"http://127.0.0.1:{port}/api/v1/complaints" in printed
        assert requests.get(f"http://127.0.0.1:{crm_port}/_sim/health", timeout=5).ok

        # What a newcomer does: paste the printed curl, then read the complaint's events.
        key = re.search(r"Bearer (jbt_\S+)'", printed).group(1)  # type: ignore[union-attr]
        body = json.loads(re.search(r"-d '(\{.*\})'", printed).group(1))  # type: ignore[union-attr]
        headers = {"Authorization": f"Bearer {key}"}
        answer = requests.post(f"http://127.0.0.1:{port}/api/v1/complaints", json=body,
                               headers=headers, timeout=10)
        assert answer.status_code == 201, answer.text
        complaint = answer.json()
        submitted = time.monotonic()

        def statuses() -> list[str]:
            events = requests.get(
                f"http://127.0.0.1:{port}/api/v1/complaints/{complaint['id']}/events",
                headers=headers, timeout=10,
            ).json()
            return [event["status"] for event in events["items"]]

        wait_until(lambda: "forwarded" in statuses(), timeout=15, what="forwarded")
        assert time.monotonic() - submitted < 10
        assert statuses()[:2] == ["received", "forwarded"]
        tickets = requests.get(f"http://127.0.0.1:{crm_port}/_sim/tickets", timeout=5).json()
        assert [t["gateway_ref"] for t in tickets] == [complaint["tracking_code"]]
        assert (tmp_path / "instance" / "crm-sim.db").exists()

        # The posko console: one demo koordinator per faction, signing in as printed.
        printed = wait_until(lambda: "posko.example" in log.read_text() and log.read_text(),
                             timeout=10, what="the console's sign-in")
        email = re.search(r"koordinator\.psi@posko\.example", printed).group(0)  # type: ignore[union-attr]
        password = re.search(r"password (\S+):", printed).group(1)  # type: ignore[union-attr]
        browser = requests.Session()
        page = browser.get(f"http://127.0.0.1:{port}/posko/masuk", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        signed = browser.post(f"http://127.0.0.1:{port}/posko/masuk", timeout=10,
                              data={"csrf_token": token, "email": email, "password": password})
        assert signed.ok and signed.url.endswith("/posko/aduan")
        assert complaint["tracking_code"] in signed.text
    finally:
        assert stop(demo, signal.SIGTERM, timeout=20) == 0
    # Stopping the demo stops its three children too.
    for url in (f"http://127.0.0.1:{crm_port}/_sim/health", f"http://127.0.0.1:{port}/healthz"):
        wait_until(lambda url=url: not _answers(url), timeout=10, what=f"{url} down")


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=0.5)
        return True
    except requests.RequestException:
        return False


def test_the_real_environment_wins_then_the_demo_defaults_then_dotenv() -> None:
    dotenv = {"JEMBATAN_ENV": "production", "JEMBATAN_POLL_INTERVAL_S": "60",
              "JEMBATAN_SECRET_KEY": "from-dotenv", "EMPTY": None}
    environ = {"JEMBATAN_FORWARD_INTERVAL_S": "5", "PATH": "/usr/bin"}
    env = demo_environment(environ, dotenv, crm_port=5999)
    # `make run` with a production `.env` still runs the demo, against the local simulator.
    assert env["JEMBATAN_ENV"] == "demo"
    assert env["JEMBATAN_CRM_URL"] == "http://127.0.0.1:5999/open311/v2/"
    assert env["JEMBATAN_POLL_INTERVAL_S"] == "2"
    # What the operator exported wins; what only `.env` says still reaches the children.
    assert env["JEMBATAN_FORWARD_INTERVAL_S"] == "5" and env["PATH"] == "/usr/bin"
    assert env["JEMBATAN_SECRET_KEY"] == "from-dotenv" and "EMPTY" not in env
