"""The public transparency site: dashboard, complaints, open data, feed (no login)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from flask_babel import Babel, format_date, format_datetime, format_decimal, format_percent

from app.clock import WIB, as_utc
from app.public.blueprint import bp, current_locale

# Paths whose errors render as this site's HTML page (create_app gives them render_error).
PUBLIC_PREFIXES = (
    "/aduan", "/lacak", "/data", "/fraksi", "/metodologi", "/aksesibilitas", "/feed.atom",
)

# No script at all, no inline style, nothing from another origin, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)



@bp.record_once
def _setup(state: Any) -> None:
    app: Flask = state.app
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "id")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=current_locale, timezone_selector=lambda: "Asia/Jakarta")
    app.jinja_env.filters.update(num=number, pct=percent, wib=wib, wibdate=wib_date)
    # Asset URLs carry a hash of their content, so browsers may keep them for a long time.
    app.jinja_env.globals["asset_version"] = _asset_version()
    app.after_request(_security_headers)


def _asset_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(bp.static_folder or "").glob("*")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@bp.after_app_request
def _static_cache(response: Response) -> Response:
    if request.endpoint == "public.static" and response.status_code in (200, 304):
        response.headers["Cache-Control"] = "public, max-age=604800"
    return response


def number(value: int | float | None) -> str:
    """A number in the page's locale (Indonesian: 1.234.567)."""
    return "–" if value is None else format_decimal(value)


def percent(value: float | None) -> str:
    """A share as a percentage with one decimal (Indonesian: 87,5%)."""
    return "–" if value is None else format_percent(value, "#,##0.0%")


def wib(value: Any) -> str:
    """A moment in Jakarta time, e.g. `29 Nov 2026 19.05 WIB`."""
    if value is None:
        return "–"
    return format_datetime(as_utc(value).astimezone(WIB), "d MMM yyyy HH.mm") + " WIB"


def wib_date(value: Any) -> str:
    """A day on the Jakarta calendar, e.g. `29 Nov 2026`."""
    if value is None:
        return "–"
    if not isinstance(value, datetime):
        return format_date(value, "d MMM yyyy")
    return format_datetime(as_utc(value).astimezone(WIB), "d MMM yyyy")


def _security_headers(response: Response) -> Response:
    if request.blueprint == "public" or not request.path.startswith(("/api/", "/open311")):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    return response


from app.public import exports, feed, pages, responses  # noqa: E402,F401 - the routes on bp
