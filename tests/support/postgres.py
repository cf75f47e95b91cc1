"""A throwaway PostgreSQL server on 127.0.0.1, run as a non-root user, for scripts and tests
that must own the server (restart it mid-run, or fill it with a million rows)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.processes import free_port


def _pg_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not candidates:
        found = shutil.which("pg_ctl")
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        return Path(found).parent
    return Path(candidates[-1])


class TempPostgres:
    """initdb + pg_ctl in a temporary directory; `url(name)` for each database created."""

    def __init__(self, port: int | None = None, os_user: str = "nobody", *,
                 durable: bool = False, fast_commit: bool = False) -> None:
        """`durable`: fsync as in production (benchmarks); `fast_commit`: also
        synchronous_commit off (a benchmark of the Python side alone)."""
        self.durable = durable
        self.fast_commit = fast_commit
        self.bin = _pg_bin()
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="jembatan-pg-"))
        self.data = self.root / "data"
        self.os_user = os_user if os.geteuid() == 0 else None
        if self.os_user:
            shutil.chown(self.root, user=self.os_user)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.os_user:
            command = ["runuser", "-u", self.os_user, "--", *command]
        return subprocess.run(command, check=check, capture_output=True)

    def start(self, *databases: str) -> TempPostgres:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8")
        self._pg_ctl_start()
        for name in databases:
            self.create_database(name)
        return self

    def _pg_ctl_start(self) -> None:
        # fsync off is safe for tests: the chaos runs crash PostgreSQL, never the machine.
        # Commits stay synchronous, or a crash would take back what a 201 already promised.
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} -c max_connections=400 "
            "-c shared_buffers=256MB"
        )
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off"
        if self.fast_commit:
            options += " -c synchronous_commit=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w",
                  "start", "-o", options)

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self, down_s: float = 0.0) -> None:
        """Stop the server (immediate: like a crash), stay down `down_s`, start again."""
        import time

        self.stop("immediate")
        time.sleep(down_s)
        self._pg_ctl_start()

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TempPostgres:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.destroy()
