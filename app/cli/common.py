"""What every `jembatan` command shares: its settings, its database, an admin transaction and
JSON output.

Commands import lazily (inside their bodies) what they need beyond this, so `jembatan --help`
and the light commands start without loading Flask, the models or the worker.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import wraps
from typing import Any

import click

from app.config import ConfigError, Settings, load_dotenv_if_present


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of this command (from `environ`, else `.env` under the real environment);
    a bad value exits 1 with its message, not a traceback."""
    if environ is None:
        load_dotenv_if_present()
    try:
        return Settings.from_env(environ)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def with_db(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command a Database for the configured URL (and dispose of it after)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from app import crypto
        from app.database import Database
        from app.wiring import core_listeners

        settings = load_settings()
        crypto.configure(settings)
        db = Database(settings.DATABASE_URL, listeners=core_listeners(settings))
        try:
            return fn(db, settings, *args, **kwargs)
        finally:
            db.dispose()

    return wrapper


@contextmanager
def admin_transaction(db: Any) -> Iterator[Any]:
    """A transaction for an admin action; a refused action changes nothing and exits 1."""
    from app.errors import Problem

    try:
        with db.transaction() as session:
            yield session
    except Problem as problem:
        raise click.ClickException(problem.detail or problem.title) from problem


def echo_json(value: Any) -> None:
    """Print `value` as one line of JSON (datetimes as ISO 8601, anything else as text)."""
    click.echo(json.dumps(value, ensure_ascii=False, default=json_default))


def json_default(value: Any) -> Any:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
