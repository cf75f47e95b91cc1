"""Request parsing for `/api/v1`: JSON bodies only, refused specifically when they are not."""

from __future__ import annotations

import json
from typing import Any

import flask
from flask_smorest import Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser

from app.errors import Problem
from app.wiring import categories_of
from schemas.complaint import categories_context


class ApiParser(FlaskParser):
    """webargs, with problem+json for a wrong media type, bad JSON, or a non-object body.

    The one parser of `/api/v1`: it loads every schema inside the configured categories'
    context, which is how the complaint schemas learn them without importing the app.
    """

    # Let each schema's own `unknown` (RAISE in our API) apply in every location.
    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = dict.fromkeys(
        FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION
    )

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        with categories_context(categories_of(flask.current_app.extensions["settings"])):
            return super().parse(*args, **kwargs)

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not core.is_json(req.mimetype):
            raise Problem(
                415,
                "Unsupported Media Type",
                f"Send the body as application/json, not {req.mimetype or 'no Content-Type'}.",
                slug="unsupported-media-type",
                headers={"Accept-Post": "application/json"},
            )
        try:
            body = core.parse_json(req.get_data(cache=True))
        except RecursionError:
            raise Problem(
                400, "Malformed JSON", "The body is nested too deeply.", slug="malformed-json"
            ) from None
        if not isinstance(body, dict):
            raise Problem(
                400,
                "Body is not a JSON object",
                f"The body must be a JSON object ({{…}}), not {_json_kind(body)}.",
                slug="not-an-object",
            )
        return body

    def _handle_invalid_json_error(self, error: Any, req: flask.Request, *args: Any,
                                   **kwargs: Any) -> Any:
        where = f" (at character {error.pos})" if isinstance(error, json.JSONDecodeError) else ""
        raise Problem(
            400,
            "Malformed JSON",
            f"The body is not valid JSON{where}: {getattr(error, 'msg', error)}.",
            slug="malformed-json",
        )


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint parsing with ApiParser."""

    ARGUMENTS_PARSER = ApiParser()

