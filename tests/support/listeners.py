"""Listening to status events in a test: one more listener on a Database, for a while."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from app.database import LISTENERS_KEY, Database
from app.events import EventListener


class CallOnEvent(EventListener):
    """A listener that calls `function(session, complaint, event)` for each status event."""

    def __init__(self, function: Callable[[Any, Any, Any], None]) -> None:
        self.function = function

    def status_changed(self, session: Any, complaint: Any, event: Any) -> None:
        self.function(session, complaint, event)


@contextmanager
def listening(db: Database, function: Callable[[Any, Any, Any], None]) -> Iterator[None]:
    """Sessions `db` makes meanwhile also call `function` after the installed listeners."""
    before = db.sessionmaker.kw["info"]
    listeners = (*before[LISTENERS_KEY], CallOnEvent(function))
    db.sessionmaker.configure(info={**before, LISTENERS_KEY: listeners})
    try:
        yield
    finally:
        db.sessionmaker.configure(info=before)
