"""`/api/v1/duplicates`: review duplicate complaints across factions (roles admin and crm).

One problem reported by several factions should be one CRM ticket (docs/API.md#duplicates).
The matcher links what it is sure of and suggests what a person must decide; here that person
lists the suggestions, confirms or rejects them, links two complaints by hand or splits one
out. Every decision is audited with the key as actor; a refusal is a problem naming why.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from app.admin.duplicates import decide, describe, list_duplicates
from app.api.parsing import ApiBlueprint
from app.auth import authenticate
from app.database import request_session
from schemas.duplicates import (
    DuplicateLinkSchema,
    DuplicatePageSchema,
    DuplicateQueryArgsSchema,
    DuplicateSchema,
)

blp = ApiBlueprint(
    "duplicates",
    __name__,
    url_prefix="/api/v1/duplicates",
    description="Duplicate complaints across factions: suggestions to review, links, splits "
    "(admin and crm keys).",
)


@blp.before_request
def _reviewers_only() -> None:
    # A faction key reviews nothing: the complaints of a pair belong to two factions.
    authenticate("admin", "crm")


def _decided(action: str, tracking_code: str, primary: str | None = None) -> dict[str, Any]:
    session = request_session()
    complaint = decide(session, g.actor, action, tracking_code, primary)
    (pair,) = describe(session, [complaint])
    session.commit()
    return pair


@blp.route("")
class Duplicates(MethodView):
    @blp.arguments(DuplicateQueryArgsSchema, location="query")
    @blp.response(200, DuplicatePageSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    def get(self, args: dict[str, Any]) -> Any:
        """List complaints by duplicate state (default `suggested`), each beside its primary,
        oldest first."""
        session = request_session()
        page = list_duplicates(session, **args)
        return {"items": describe(session, page.items), "next_cursor": page.next_cursor}


@blp.route("/<tracking_code>/confirm")
class Confirm(MethodView):
    @blp.response(200, DuplicateSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, tracking_code: str) -> Any:
        """Confirm a suggestion: the complaint is linked and follows its primary's ticket."""
        return _decided("confirm", tracking_code)


@blp.route("/<tracking_code>/reject")
class Reject(MethodView):
    @blp.response(200, DuplicateSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, tracking_code: str) -> Any:
        """Reject a suggestion: the complaint goes to the CRM as its own ticket."""
        return _decided("reject", tracking_code)


@blp.route("/<tracking_code>/link")
class Link(MethodView):
    @blp.arguments(DuplicateLinkSchema)
    @blp.response(200, DuplicateSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
    def post(self, body: dict[str, Any], tracking_code: str) -> Any:
        """Link a complaint by hand to `primary`: the same problem, one ticket."""
        return _decided("link", tracking_code, body["primary"])


@blp.route("/<tracking_code>/split")
class Split(MethodView):
    @blp.response(200, DuplicateSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, tracking_code: str) -> Any:
        """Split a linked complaint out: its own CRM ticket from then on."""
        return _decided("split", tracking_code)
