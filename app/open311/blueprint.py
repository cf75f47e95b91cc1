"""The Open311 facade's blueprint: what every route module registers on.

Kept apart from the package's __init__ (which imports the route modules) so that no route
module imports the package that imports it.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("open311", "app.open311", url_prefix="/open311/v2")

# Paths whose errors render as `<errors>` (create_app gives them envelope.render_open311_error).
PREFIX = "/open311/"
