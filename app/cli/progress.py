"""A progress bar for commands that walk many rows: on a terminal only (stderr), so scripts,
cron mails and log collectors get the command's summary line and nothing else."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from app.progress import NO_PROGRESS, Progress


@contextmanager
def progress_bar(label: str, unit: str = "row") -> Iterator[Progress]:
    """A tqdm bar on stderr when it is a terminal (gone when done: the summary line stays),
    else a `Progress` that shows nothing."""
    stream = sys.stderr
    if not stream.isatty():
        yield NO_PROGRESS
        return
    from tqdm import tqdm

    with tqdm(desc=label, unit=unit, file=stream, leave=False, dynamic_ncols=True) as bar:
        yield bar
