"""Alembic environment: the URL comes from the caller's config (app.migrate)."""

from __future__ import annotations

from typing import Any

from alembic import context

import app.models  # noqa: F401 - registers every table on Base.metadata
from app.database import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode copies a table and drops the old one, which foreign keys pointing
            # at it forbid once rows exist: they are off while migrating (a PRAGMA that only
            # works outside a transaction, so on the driver's connection, before BEGIN) and
            # checked afterwards.
            _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite alters tables by copying them: batch mode does that.
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        if sqlite:
            _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")
    engine.dispose()


def _sqlite_pragma(connection: Any, pragma: str) -> None:
    cursor = connection.connection.dbapi_connection.cursor()
    cursor.execute(pragma)
    cursor.close()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
