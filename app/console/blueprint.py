"""The console's blueprint and its URL prefix: what every console module needs.

Kept apart from the package's __init__ (which configures the session cookie and CSRF, then
imports the route modules) so that no route module imports the package that imports it.
Route modules: `from app.console.blueprint import bp`.
"""

from __future__ import annotations

from flask import Blueprint

PREFIX = "/posko"

bp = Blueprint(
    "console",
    "app.console",
    url_prefix=PREFIX,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
