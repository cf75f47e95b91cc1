"""The simulator's own SQLite file: tickets and their status updates.

Every request opens its own connection and closes it (the threaded server runs each request
on a fresh thread, so a per-thread connection would only leak). WAL lets readers run while a
writer commits; writes are BEGIN IMMEDIATE so two writers never deadlock on a lock upgrade.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    service_request_id TEXT NOT NULL UNIQUE,
    token TEXT UNIQUE,
    gateway_ref TEXT UNIQUE,
    post_count INTEGER NOT NULL DEFAULT 1,
    service_code TEXT NOT NULL,
    description TEXT,
    address_string TEXT,
    address_id TEXT,
    lat REAL,
    long REAL,
    media_url TEXT,
    attributes TEXT NOT NULL,
    status TEXT,
    external_status_code TEXT,
    status_note TEXT,
    created_us INTEGER NOT NULL,
    visible_us INTEGER NOT NULL,
    updated_us INTEGER,
    plan TEXT NOT NULL,
    next_step INTEGER NOT NULL DEFAULT 0,
    next_due_us INTEGER
);
CREATE INDEX IF NOT EXISTS tickets_next_due ON tickets (next_due_us)
    WHERE next_due_us IS NOT NULL;
CREATE INDEX IF NOT EXISTS tickets_visible ON tickets (visible_us);
CREATE TABLE IF NOT EXISTS updates (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    update_id TEXT NOT NULL UNIQUE,
    service_request_id TEXT NOT NULL,
    status TEXT NOT NULL,
    external_status_code TEXT NOT NULL,
    description TEXT,
    updated_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS updates_by_time ON updates (updated_us, number);
CREATE INDEX IF NOT EXISTS updates_by_ticket ON updates (service_request_id);
-- Updates a client POSTed on a ticket (mySociety's servicerequestupdates extension): notes
-- for the CRM's staff, never part of the CRM's own update feed.
CREATE TABLE IF NOT EXISTS client_updates (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    update_id TEXT NOT NULL UNIQUE,
    service_request_id TEXT NOT NULL,
    status TEXT NOT NULL,
    description TEXT NOT NULL,
    updated_us INTEGER NOT NULL,
    received_us INTEGER NOT NULL,
    post_count INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS client_updates_by_ticket ON client_updates (service_request_id);
"""


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact, no float rounding)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_us(us: int) -> datetime:
    """Aware UTC datetime from microseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=us)


def now_us() -> int:
    """Wall-clock now, in microseconds since the epoch."""
    return to_us(datetime.now(UTC))


class Store:
    """Opens connections to one SQLite file, creating its tables on first use."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A fresh autocommit connection, closed afterwards."""
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA synchronous=NORMAL")
            yield db
        finally:
            db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on error)."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
