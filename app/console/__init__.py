"""The posko console `/posko` (docs/CONSOLE.md): faction staff sign in to enter, follow,
import, export and report on their own faction's complaints, in the same web process.

`bp` is the console's blueprint (app/console/blueprint.py); every route module adds its
views to it. Signing in, the current member and the write check live in
app.console.session; the pages share templates/console/base.html (block `content`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from app.console.blueprint import PREFIX, bp

__all__ = ["PREFIX", "bp"]


@bp.record_once
def _setup(state: Any) -> None:
    """Session cookie, CSRF and error pages for the console (the API and Open311 untouched)."""
    app: Flask = state.app
    settings = app.extensions["settings"]
    app.config.update(
        # Served over https (decided by the configured URL, like HSTS in app/__init__.py):
        # the cookie never travels in the clear. The demo and tests run over http.
        SESSION_COOKIE_SECURE=settings.PUBLIC_URL.lower().startswith("https://"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Only the console has a session: the cookie is never sent to /api, /open311 or the
        # public site.
        SESSION_COOKIE_PATH=PREFIX,
        SESSION_COOKIE_NAME="jembatan_posko",
        # CSRFProtect checks only what the console asks it to (app.console.session).
        WTF_CSRF_CHECK_DEFAULT=False,
        # A token lives as long as its session (JEMBATAN_CONSOLE_IDLE_TIMEOUT_S bounds that).
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf = CSRFProtect()
    csrf.init_app(app)
    app.extensions["console_csrf"] = csrf


# The hooks and routes on bp (importing them registers nothing anywhere but on bp).
from app.console import (  # noqa: E402,F401
    account_pages,
    bulk,
    complaints,
    report,
    session,
    team,
    views,
)
