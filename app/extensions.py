"""Extension classes, configured here; `create_app` makes one of each per application."""

from __future__ import annotations

from typing import Any

from flask_smorest import Api as _SmorestApi
from werkzeug.exceptions import HTTPException

from app.errors import render_http_error


class Api(_SmorestApi):
    """flask-smorest, with every HTTP error rendered in its surface's envelope."""

    def handle_http_exception(self, error: HTTPException) -> Any:
        return render_http_error(error)

