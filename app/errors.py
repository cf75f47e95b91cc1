"""One error envelope per surface.

`/api` answers RFC 9457 problem+json; the surfaces with an envelope of their own (GeoReport
`<errors>` on `/open311`, the public site's HTML page) are given to `register_error_handlers`
by create_app, by path prefix; everything else gets a small HTML page. A 500 rolls the
request's session back and shows no trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, current_app, g, json, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    NotFound,
    ServiceUnavailable,
)

from app.pagination import BadCursor

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

# A surface's own error page: (status, title, detail) -> Response.
ErrorRenderer = Callable[[int, str, str], Response]


class Problem(Exception):
    """An error the client should see, with a stable type slug and an HTTP status."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        slug: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.slug = slug
        self.errors = dict(errors) if errors else None
        self.headers = dict(headers) if headers else {}
        self.extra = dict(extra) if extra else {}


def bad_cursor_problem() -> Problem:
    """What every `/api` list answers to a cursor it did not hand out (pagination.BadCursor)."""
    return Problem(
        400,
        "Bad cursor",
        "The cursor is not one this list returned (pass next_cursor unchanged, with the "
        "same filters).",
        slug="bad-cursor",
        errors={"cursor": ["Not a valid cursor."]},
    )


def problem_body(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The RFC 9457 document (`type` is `about:blank` for a plain HTTP status)."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if request:
        body["instance"] = request.path
    if errors:
        body["errors"] = dict(errors)
    if extra:
        body.update(extra)
    return body


def problem_response(problem: Problem) -> Response:
    """Render a Problem as problem+json."""
    body = problem_body(
        problem.status,
        problem.title,
        problem.detail,
        slug=problem.slug,
        errors=problem.errors,
        extra=problem.extra,
    )
    response = current_app.response_class(
        json.dumps(body), status=problem.status, mimetype=PROBLEM_CONTENT_TYPE
    )
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as `{"location.lat": ["…"]}` (dotted paths)."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            # A nested object's own error (wrong type, cross-field rule) belongs to its path.
            if key == "_schema" and prefix:
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, Mapping) or (
                isinstance(value, list) and value and not isinstance(value[0], str)
            ):
                flat.update(flatten_messages(value, path))
            elif isinstance(value, list):
                flat.setdefault(path, []).extend(str(v) for v in value)
            else:
                flat.setdefault(path, []).append(str(value))
    elif isinstance(messages, list):
        for value in messages:
            if isinstance(value, str):
                flat.setdefault(prefix or "_schema", []).append(value)
            else:
                flat.update(flatten_messages(value, prefix))
    else:
        flat.setdefault(prefix or "_schema", []).append(str(messages))
    return flat


def validation_problem(messages: Any, detail: str | None = None) -> Problem:
    """A 422 naming every bad field by its dotted path."""
    errors = flatten_messages(messages)
    fields = ", ".join(sorted(errors))
    return Problem(
        422,
        "Validation failed",
        detail or f"Invalid or missing fields: {fields}.",
        slug="validation-error",
        errors=errors,
    )


def _renderer_for(path: str) -> ErrorRenderer | None:
    renderers: Mapping[str, ErrorRenderer] = current_app.extensions["error_renderers"]
    for prefix, renderer in renderers.items():
        if path.startswith(prefix):
            return renderer
    return None


def render_http_error(exc: HTTPException) -> Response:
    """Render any HTTP error in the envelope of the surface that was asked."""
    status = exc.code or 500
    title = exc.name if exc.name else "Error"
    detail = exc.description if status != 500 else "An unexpected error occurred."
    renderer = _renderer_for(request.path)
    if renderer is not None:
        response = renderer(status, title, detail or title)
    elif request.path.startswith("/api/"):
        messages = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
        if status == 422 and messages is not None:
            problem = validation_problem(_strip_locations(messages))
        else:
            problem = Problem(status, title, detail)
        response = problem_response(problem)
    else:
        response = current_app.response_class(
            f"<!doctype html><html lang=en><meta charset=utf-8><title>{status} {title}</title>"
            f"<h1>{status} {title}</h1></html>",
            status=status,
            mimetype="text/html",
        )
    for name, value in (exc.get_headers() if status == 405 else []):
        if name.lower() == "allow":
            response.headers[name] = value
    return response


def _strip_locations(messages: Any) -> Any:
    """webargs nests messages under their location (`json`, `query`): drop that level."""
    if isinstance(messages, Mapping) and set(messages) <= {"json", "query", "headers", "form"}:
        merged: dict[str, Any] = {}
        for value in messages.values():
            if isinstance(value, Mapping):
                merged.update(value)
        return merged
    return messages


def register_error_handlers(app: Flask, renderers: Mapping[str, ErrorRenderer]) -> None:
    """Install the handlers that keep every error in its surface's envelope: `renderers`
    by path prefix (the first matching prefix wins), problem+json under /api/, else a page."""
    app.extensions["error_renderers"] = dict(renderers)

    @app.before_request
    def _refuse_nul() -> None:
        # PostgreSQL text cannot hold a NUL (a query comparing against one fails there), and
        # no client means one: nothing is named with it, and outside the API (whose schemas
        # answer 422 naming the field) a query value with it is refused here.
        if "\x00" in request.path:
            raise NotFound("Nothing here has a NUL character (%00) in its name.")
        if b"%00" in request.query_string and not request.path.startswith("/api/"):
            raise BadRequest("A query parameter may not contain a NUL character (%00).")

    @app.errorhandler(Problem)
    def _problem(problem: Problem) -> Response:
        renderer = _renderer_for(request.path)
        if renderer is not None:
            return renderer(problem.status, problem.title, problem.detail or problem.title)
        return problem_response(problem)

    @app.errorhandler(BadCursor)
    def _bad_cursor(exc: BadCursor) -> Response:
        # Every list pages the same way (app/pagination.py), so one answer for every list.
        return _problem(bad_cursor_problem())

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return render_http_error(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()
        if isinstance(exc, (OperationalError, InterfaceError)):
            # The database is unreachable: say so quickly; the client may retry.
            log.error("database unavailable on %s %s: %s", request.method, request.path,
                      type(exc.orig).__name__ if getattr(exc, "orig", None) else exc)
            unavailable = ServiceUnavailable("The database is unavailable; retry shortly.")
            response = render_http_error(unavailable)
            response.headers["Retry-After"] = "5"
            return response
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_http_error(InternalServerError())
