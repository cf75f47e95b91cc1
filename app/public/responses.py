"""What every page of the transparency site shares: its responses, links and template helpers.

A page is cached briefly by anyone (`cached_page`: an ETag and a short public lifetime); an
error is this site's own HTML page (`bad_request`, `not_found`, `render_error`) in the
visitor's language; links keep the visitor's language (`lang_url`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.lifecycle import STATUSES, TERMINAL, status_label
from app.models import Faction
from app.public.blueprint import bp, current_locale
from app.reference import areas
from app.wiring import categories_of

PAGE_MAX_AGE = 60


def categories() -> dict[str, Any]:
    """The configured categories (app.wiring.categories_of, for this request's app)."""
    return categories_of(current_app.extensions["settings"])


def lang_url(endpoint: str, **values: Any) -> str:
    """`url_for` that keeps the visitor's language."""
    if current_locale() == "en":
        values.setdefault("lang", "en")
    return url_for(endpoint, **values)


def switch_lang_url(lang: str) -> str:
    """This page in another language."""
    args = request.args.to_dict()
    args.pop("lang", None)
    if lang == "en":
        args["lang"] = "en"
    endpoint = request.endpoint or "public.dashboard"
    return url_for(endpoint, **(request.view_args or {}), **args)


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    lang = current_locale() if request else "id"
    return {
        "lang": lang,
        "lang_url": lang_url,
        "switch_lang_url": switch_lang_url,
        "status_label": lambda s: status_label(s, lang),
        "category_label": lambda c: (categories()[c].label(lang) if c in categories() else c),
        "area_name": lambda code: areas().name(code),
        "short_area_name": short_area_name,
        "STATUSES": STATUSES,
        "TERMINAL": TERMINAL,
    }


def short_area_name(name: str) -> str:
    """`Jakarta Selatan` for `Kota Administrasi Jakarta Selatan` (lists and tables)."""
    return name.removeprefix("Kota Administrasi ").removeprefix("Kabupaten Administrasi ")


def bad_request(message: str) -> None:
    """Stop with a 400 that names what was wrong, in the site's own page."""
    g.public_error_detail = message
    abort(400)


def not_found(message: str | None = None) -> None:
    g.public_error_detail = message or _("There is no public complaint or page at this address.")
    abort(404)


def cached_page(body: str, max_age: int = PAGE_MAX_AGE) -> Response:
    """An HTML response with an ETag (304 on a match) and a short shared cache lifetime."""
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.add_etag()
    return response.make_conditional(request)


def faction_codes(session: Session) -> dict[int, Faction]:
    """Factions by id (a small table)."""
    return {f.id: f for f in session.scalars(select(Faction).order_by(Faction.code))}


def render_error(status: int, title: str, detail: str) -> Response:
    """This site's error page, in the visitor's language."""
    titles = {
        400: _("The request could not be understood"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        500: _("Something went wrong"),
        503: _("Temporarily unavailable"),
    }
    body = render_template(
        "public/error.html",
        status=status,
        title=titles.get(status, title),
        detail=g.pop("public_error_detail", None) or "",
    )
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store" if status >= 500 else "public, max-age=60"
    return response
