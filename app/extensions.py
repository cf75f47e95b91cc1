"""Extension classes, configured here; `create_app` makes one of each per application."""

from __future__ import annotations

import http
from typing import Any

from flask_smorest import Api as _SmorestApi
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from app.errors import PROBLEM_CONTENT_TYPE, render_http_error
from schemas.problem import ProblemSchema


class Api(_SmorestApi):
    """flask-smorest, with every HTTP error rendered in its surface's envelope."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        return render_http_error(error)

    def _register_responses(self) -> None:
        # The documented error responses are what the API sends: problem+json.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "An error (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)
