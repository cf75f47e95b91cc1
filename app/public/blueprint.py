"""The public site's blueprint and its language choice: what every route module needs.

Kept apart from the package's __init__ (which wires Babel, filters and headers, then imports
the route modules) so that no route module imports the package that imports it.
"""

from __future__ import annotations

from flask import Blueprint, request

LOCALES = ("id", "en")

bp = Blueprint(
    "public",
    "app.public",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/public",
)


def current_locale() -> str:
    """`?lang=en` for English; Indonesian otherwise (links carry the choice, not a cookie)."""
    lang = request.args.get("lang", "") if request else ""
    return lang if lang in LOCALES else "id"
