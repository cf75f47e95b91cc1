"""Long commands show a progress bar to a person at a terminal, and only their summary line to
a script or a cron mail."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.clock import utcnow
from app.models import Complaint
from tests.support.complaints import store_complaint
from tests.support.processes import REPO_ROOT, jembatan_env

COMMANDS = [
    (["keys", "rotate-data", "--batch-size", "5"], "re-encrypting", "re-encrypted 0 rows"),
    (["db", "fill-projection", "--batch-size", "5"], "projecting",
     "stored the public projection of 12 complaints"),
    (["retention", "run", "--days", "1"], "erasing", "erased reporter data of 12 complaints"),
]


@pytest.fixture
def twelve_complaints(app, db, keys, database_url) -> str:
    """Twelve resolved complaints, two days old, stored before the public projection."""
    for number in range(12):
        store_complaint(app, "PSI", external_id=f"P-{number}")
    with db.transaction() as session:
        session.execute(update(Complaint).values(
            status="resolved", updated_at=utcnow() - timedelta(days=2), redaction_version=None))
    return database_url


def _run(args: list[str], database_url: str, terminal: bool) -> tuple[str, str]:
    """Run `jembatan ARGS`; stderr on a pseudo-terminal when `terminal`. (stdout, stderr)"""
    env = jembatan_env(database_url)
    if not terminal:
        done = subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=60, check=True)
        return done.stdout, done.stderr
    master, slave = pty.openpty()
    # A terminal of the usual size (a new pseudo-terminal has none: no room for a bar).
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=REPO_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the command ended and closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    stdout, _ = process.communicate(timeout=60)
    os.close(master)
    assert process.returncode == 0, stdout
    return stdout, b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize(("args", "label", "summary"), COMMANDS)
def test_a_terminal_sees_a_bar_then_the_summary(twelve_complaints, args, label,
                                                summary) -> None:
    stdout, terminal = _run(args, twelve_complaints, terminal=True)
    assert stdout.startswith(summary) and len(stdout.splitlines()) == 1
    assert f"{label}:" in terminal and "|" in terminal


@pytest.mark.parametrize(("args", "label", "summary"), COMMANDS)
def test_a_script_sees_only_the_summary(twelve_complaints, args, label, summary) -> None:
    stdout, stderr = _run(args, twelve_complaints, terminal=False)
    assert stdout.startswith(summary) and len(stdout.splitlines()) == 1
    assert stderr == ""
