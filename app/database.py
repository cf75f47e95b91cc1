"""Engine, session factory and declarative Base.

SQLite (the embedded default) runs in WAL mode, and every transaction starts with
`BEGIN IMMEDIATE`: writers queue on the busy timeout instead of failing when a read lock must
be upgraded, which is what makes several workers on one SQLite file safe. PostgreSQL is used as
it is; row claims there use `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine, make_url  # noqa: F401 - re-exported
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.clock import as_utc

# Session.info key of the session's event listeners (app.events reads it; kept here so the
# database module imports nothing of the domain).
LISTENERS_KEY = "jembatan.listeners"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite drops offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


def insert_row(session: Session, row: Base) -> None:
    """INSERT an append-only object's row now, through its table's Core statement.

    For rows that nothing changes again in the same transaction (status events, new outbox
    messages): no unit-of-work bookkeeping, which makes it about three times cheaper than
    `session.add` + flush, and the rows reach the table in the order they were appended.
    The object stays transient; it learns its database-assigned id; column defaults apply.
    """
    statement, _, key_column, columns = _insertable(type(row))
    result = session.execute(statement, _row_values(row, columns))
    if key_column is not None:
        setattr(row, key_column, result.scalar_one())


def insert_rows(session: Session, rows: list[Any]) -> None:
    """INSERT several append-only objects of one class in one statement (executemany).

    As `insert_row`, but the objects do not learn their ids (one row alone does): for rows
    nobody reads back in the same transaction. Rows whose columns differ (a default used by
    some, not others) are inserted one by one instead.
    """
    if not rows:
        return
    cls = type(rows[0])
    _, statement, _, columns = _insertable(cls)
    if any(type(row) is not cls for row in rows):
        raise TypeError("insert_rows takes objects of one class")
    batch = [_row_values(row, columns) for row in rows]
    if len(batch) == 1 or any(values.keys() != batch[0].keys() for values in batch):
        for row in rows:
            insert_row(session, row)
        return
    session.execute(statement, batch)


def _row_values(row: Base, columns: tuple[tuple[str, str, bool], ...]) -> dict[str, Any]:
    """The INSERT's values of `row`: a column with a default is left out while None."""
    values = {}
    for key, column_key, has_default in columns:
        value = getattr(row, key)
        if value is not None or not has_default:
            values[column_key] = value
    return values


@cache
def _insertable(
    cls: type[Base],
) -> tuple[Any, Any, str | None, tuple[tuple[str, str, bool], ...]]:
    """(one row's INSERT … RETURNING id, the INSERT for many rows, id attribute, columns)."""
    mapper = sa_inspect(cls)
    table = mapper.local_table
    numbered = table.autoincrement_column
    columns, key_column = [], None
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column is numbered:
            key_column = prop.key  # the database numbers it
        else:
            columns.append((prop.key, column.key, column.default is not None))
    statement = many = table.insert()
    if numbered is not None:
        statement = statement.returning(numbered)
    return statement, many, key_column, tuple(columns)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`, with the SQLite pragmas Jembatan relies on."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    if not kwargs["pool_pre_ping"]:
        _ping_when_idle(engine)
    return engine


# With pool_pre_ping=False (the web app): a connection used within this many seconds is taken
# as alive, since pinging on every checkout costs a round trip per request; one that died in
# between fails that request with a 503, and the pool drops all its connections.
PING_IF_IDLE_S = 10.0


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < PING_IF_IDLE_S:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as exc:  # noqa: BLE001 - any failure means a dead connection
            raise DisconnectionError("connection lost while idle") from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine and its session factory; `app.extensions["db"]` holds the app's.

    `listeners` (app.events.EventListener) ride on every session the factory makes, so a
    status change made through this database tells them, from a view, a job or the CLI
    alike; without them nothing follows a change (tests, scripts, migrations).
    """

    def __init__(self, url: str, *, listeners: Sequence[Any] = (), **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.listeners = tuple(listeners)
        self.sessionmaker = sessionmaker(
            self.engine, expire_on_commit=False, info={LISTENERS_KEY: self.listeners}
        )
        for listener in self.listeners:
            listener.install(self.sessionmaker)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        """A new plain session: one per request, one per job unit."""
        return self.sessionmaker()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def request_session() -> Session:
    """The current request's session (created on first use, closed at teardown)."""
    from flask import current_app, g

    session = g.get("db_session")
    if session is None:
        session = current_app.extensions["db"].session()
        g.db_session = session
    return session


def close_request_session(_exc: BaseException | None = None) -> None:
    """Teardown: roll back anything uncommitted and return the connection to the pool."""
    from flask import g

    session = g.pop("db_session", None)
    if session is not None:
        session.close()
