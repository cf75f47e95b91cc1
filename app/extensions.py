"""Extension classes, configured here; `create_app` makes one of each per application."""

from __future__ import annotations

import http
from typing import Any

from flask_smorest import Api as _SmorestApi
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from app.errors import PROBLEM_CONTENT_TYPE, render_http_error
from schemas.problem import ProblemSchema


def _document_key_errors(doc: dict[str, Any], doc_info: Any, **kwargs: Any) -> dict[str, Any]:
    """Every operation needs a key (global `security`): document its 401 and 403 answers."""
    responses = doc.setdefault("responses", {})
    for status, name in ((401, "UNAUTHORIZED"), (403, "FORBIDDEN")):
        if status not in responses and str(status) not in responses:
            responses[status] = name
    return doc


class Api(_SmorestApi):
    """flask-smorest, with every HTTP error rendered in its surface's envelope."""

    ERROR_SCHEMA = ProblemSchema

    def register_blueprint(self, blp: Any, **options: Any) -> None:
        # Blueprints are module-level objects shared by every app: add the callback once.
        if _document_key_errors not in blp._prepare_doc_cbks:
            blp._prepare_doc_cbks.append(_document_key_errors)
        super().register_blueprint(blp, **options)

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
