"""The envelope of every Open311 answer: a GeoReport document in the format the path names
(`.xml` or `.json`), or an `<errors>` document (a JSON list in .json) whose description names
the parameter at fault. Render only through `schemas.open311`, the one implementation of the
format that the CRM simulator and the CRM connector share."""

from __future__ import annotations

from flask import Response, current_app, request

from app.errors import Problem
from schemas.open311 import content_type, render_errors


def _format_of_path(path: str) -> str:
    return "json" if path.endswith(".json") else "xml"


def render_open311_error(status: int, title: str, detail: str) -> Response:
    """An `<errors>` document (or JSON list) for any failure under /open311/."""
    fmt = _format_of_path(request.path)
    body = render_errors([(str(status), detail or title)], fmt)
    return current_app.response_class(body, status=status, content_type=content_type(fmt))


def respond(body: bytes, fmt: str, status: int = 200) -> Response:
    """A rendered GeoReport document as the response, in its format's content type."""
    return current_app.response_class(body, status=status, content_type=content_type(fmt))


def fail(status: int, detail: str) -> Problem:
    """The error to raise: rendered as `<errors>` naming what was wrong (render_open311_error)."""
    titles = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}
    return Problem(status, titles.get(status, "Error"), detail)
