"""Progress of long work over many rows, reported to whoever watches.

Domain functions that walk many rows (`reencrypt_all`, `run_retention`, `reconcile`,
`fill_missing`) take a `Progress`: they `reset(total)` once they know how many rows there are and
`update(n)` after each batch. The `jembatan` commands pass a tqdm bar on a terminal
(app/cli/progress.py); the worker passes nothing and pays for nothing.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """What a long job tells its watcher (tqdm's own interface)."""

    def reset(self, total: float | None = None) -> None: ...

    def update(self, n: float | None = 1) -> bool | None: ...


class NoProgress:
    """Nobody watches."""

    def reset(self, total: float | None = None) -> None:
        pass

    def update(self, n: float | None = 1) -> bool | None:
        return None


NO_PROGRESS = NoProgress()
