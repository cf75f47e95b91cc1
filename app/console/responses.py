"""What every console page shares: links that keep the language, the error page, the
sign-in page (also shown in place of a form sent after the session expired)."""

from __future__ import annotations

from typing import Any

from flask import Response, g, render_template, request, url_for
from flask_babel import gettext as _

from app.public.blueprint import current_locale


def console_url(endpoint: str, **values: Any) -> str:
    """`url_for` that keeps the member's language choice."""
    if current_locale() == "en":
        values.setdefault("lang", "en")
    return url_for(endpoint, **values)


def render_console_error(status: int, title: str, detail: str) -> Response:
    """The console's own error page (app/__init__.py gives it every error under /posko)."""
    if status >= 500:
        g.console_without_database = True
    titles = {
        400: _("The request could not be understood"),
        401: _("Please sign in"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        413: _("Too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong"),
        503: _("Temporarily unavailable"),
    }
    detail = g.pop("console_error_detail", None) or (
        _("There is no complaint or page of your faction at this address.")
        if status == 404 else ""
    )
    body = render_template("console/error.html", status=status,
                           title=titles.get(status, title), detail=detail)
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def client_address() -> str:
    """The client's address (behind JEMBATAN_TRUSTED_PROXIES, ProxyFix made it the real one)."""
    return request.remote_addr or "unknown"


def sign_in_page(*, next_url: str | None = None, draft: dict[str, str] | None = None,
                 status: int = 200, message: str | None = None, error: str | None = None,
                 email: str = "") -> Response:
    """The sign-in form (also shown in place of a form sent after the session expired, with
    what was typed kept in hidden fields)."""
    body = render_template("console/login.html", next_url=next_url or request.args.get("next"),
                           draft=draft or {}, message=message, error=error, email=email)
    return Response(body, status=status, mimetype="text/html")
