"""`make run` (`jembatan demo`): web, worker and CRM simulator together, forwarding at once."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import select

from app import create_app
from app.config import Settings
from app.database import Database
from app.factions import find_faction
from app.intake import submit_complaint
from app.models import StatusEvent
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

        # The complaint enters as the printed curl's does (intake is the one path).
        settings = Settings.from_env(environ={}, ENV="demo", DATABASE_URL=database_url)
        app = create_app(settings)
        db: Database = app.extensions["db"]
        with app.app_context(), db.transaction() as session:
            faction = find_faction(session, "PSI")
            assert faction is not None
            complaint = submit_complaint(session, faction, {
                "external_id": "DEMO-1", "category": "sampah",
                "title": "Sampah menumpuk di pinggir kali",
                "description": "Sudah seminggu tidak diangkut.",
                "location": {"kelurahan_code": "31.71.01.1001"},
            }).complaint
        submitted = time.monotonic()

        def statuses() -> list[str]:
            with db.session() as session:
                return list(session.scalars(
                    select(StatusEvent.status)
                    .where(StatusEvent.complaint_id == complaint.id)
                    .order_by(StatusEvent.seq)
                ))

        wait_until(lambda: "forwarded" in statuses(), timeout=15, what="forwarded")
        assert time.monotonic() - submitted < 10
        assert statuses()[:2] == ["received", "forwarded"]
        tickets = requests.get(f"http://127.0.0.1:{crm_port}/_sim/tickets", timeout=5).json()
        assert [t["gateway_ref"] for t in tickets] == [complaint.tracking_code]
        db.dispose()
        assert (tmp_path / "instance" / "crm-sim.db").exists()
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
