"""`make run` on a terminal: after the URLs, keys and curl, one line per event of a complaint
and nothing else; the processes' own logs in files; Ctrl-C ends everything."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import requests

from tests.support.processes import free_port, jembatan_env, wait_until

NARRATION = re.compile(
    r"^\d\d:\d\d:\d\d  (?P<faction>\S+)\s+(?P<code>JBT-\w+)\s+(?P<what>\w+)\s+(?P<detail>.*)$"
)


class Terminal:
    """A pseudo-terminal the demo writes to, read on a thread into `text`."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        self._data = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the demo and its children closed the terminal
                return
            if not chunk:
                return
            self._data.extend(chunk)

    @property
    def text(self) -> str:
        return self._data.decode(errors="replace").replace("\r\n", "\n")


def test_the_demo_tells_one_complaints_story_and_nothing_else(tmp_path: Path) -> None:
    port, crm_port = free_port(), free_port()
    env = jembatan_env(f"sqlite:///{tmp_path / 'demo.db'}", ENV="demo")
    terminal = Terminal()
    demo = subprocess.Popen(
        [sys.executable, "-m", "app", "demo", "--port", str(port), "--crm-port", str(crm_port)],
        cwd=tmp_path, env=env, stdin=terminal.slave, stdout=terminal.slave,
        stderr=terminal.slave, start_new_session=True,
    )
    os.close(terminal.slave)
    try:
        wait_until(lambda: "What happens" in terminal.text, timeout=40, what="the demo's intro")
        intro = terminal.text
        key = re.search(r"Bearer (jbt_\S+)'", intro).group(1)  # type: ignore[union-attr]
        body = json.loads(re.search(r"-d '(\{.*\})'", intro).group(1))  # type: ignore[union-attr]
        answer = requests.post(f"http://127.0.0.1:{port}/api/v1/complaints", json=body,
                               headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert answer.status_code == 201, answer.text
        code = answer.json()["tracking_code"]

        def story() -> list[re.Match[str]]:
            after = terminal.text.split("What happens, as it happens", 1)[1]
            return [NARRATION.match(line) or line  # type: ignore[misc]
                    for line in after.splitlines()[1:] if line.strip()]

        def dispatched_and_notified() -> bool:
            told = [(m["what"], m["detail"]) for m in story() if isinstance(m, re.Match)]
            return ("dispatched", "agency: Dinas Lingkungan Hidup") in told and (
                "webhook", "delivered: dispatched") in told
        wait_until(dispatched_and_notified, timeout=40, what="dispatched and notified")
    finally:
        os.killpg(demo.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
        returncode = demo.wait(timeout=20)
    assert returncode == 0

    lines = story()
    # Nothing but narration after the intro: no access line, no JSON, no warning.
    assert all(isinstance(line, re.Match) for line in lines), lines
    assert {(m["faction"], m["code"]) for m in lines} == {("PSI", code)}
    told = [(m["what"], m["detail"]) for m in lines]
    assert told[0] == ("received", "“Sampah menumpuk di pinggir kali” (sampah)")
    assert told[1][0] == "forwarded" and re.fullmatch(r"to the CRM, ticket \w+", told[1][1])
    statuses = [what for what, _ in told if what != "webhook"]
    assert statuses[:2] == ["received", "forwarded"] and "dispatched" in statuses
    assert ("webhook", "delivered: received") in told

    # The processes' logs went to files, JSON (not a terminal), access lines included.
    logs = tmp_path / "instance" / "logs"
    assert f"logs             {Path('instance/logs/crm-sim.log')}" in terminal.text
    web = (logs / "web.log").read_text()
    access = [json.loads(line) for line in web.splitlines()
              if line.startswith("{") and "POST /api/v1/complaints" in line]
    assert access and access[0]["logger"] == "werkzeug" and access[0]["request_id"]
    assert "GET /open311/v2/servicerequestupdates" in (logs / "crm-sim.log").read_text()
    assert (logs / "worker.log").read_text().strip()
    assert key not in web
