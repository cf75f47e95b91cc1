"""`/api/v1/complaints`: submit a complaint, list, read one, read its status history."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request
from flask.views import MethodView
from sqlalchemy import Select, literal, select, tuple_
from sqlalchemy.orm import Session

from app.api.parsing import ApiBlueprint
from app.auth import authenticate, require
from app.config import Settings
from app.database import UTCDateTime, request_session
from app.errors import Problem
from app.factions import ensure_can_submit, find_faction
from app.idempotency import (
    StoredResponse,
    claim,
    fingerprint,
    remember,
    replay_headers,
    request_key,
)
from app.intake import DuplicateConflict, content_hash, submit_complaint
from app.models import Complaint, StatusEvent
from app.models.complaint import without_private
from app.pagination import (
    EVENT_SEQ,
    NEWEST_CREATED,
    OLDEST_UPDATED,
    decode_cursor,
    encode_cursor,
    moment_value,
    page_of,
    read_moment,
    read_row_id,
    read_uuid,
)
from app.projection import duplicate_of_codes
from app.status_link import status_link
from app.wiring import categories_of
from schemas.complaint import (
    ComplaintCreateSchema,
    ComplaintListSchema,
    ComplaintQueryArgsSchema,
    ComplaintSchema,
    ComplaintView,
    EventQueryArgsSchema,
    EventView,
    StatusEventListSchema,
)

blp = ApiBlueprint(
    "complaints",
    __name__,
    url_prefix="/api/v1/complaints",
    description="Complaints submitted by factions, their processing state and history.",
)

_complaint_schema = ComplaintSchema()
_IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (a UUID): the same key and body replays the first "
    "response for 24 h; the same key with another body is 422; while the first request "
    "is still running, 409.",
    "schema": {"type": "string", "maxLength": 255},
}


def submitting_faction(view: Callable[..., Any]) -> Callable[..., Any]:
    """Authenticate a faction key, and refuse a disabled faction (before reading the body)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        authenticate("faction")
        ensure_can_submit(g.faction)
        return view(*args, **kwargs)

    return wrapper


@blp.route("")
class Complaints(MethodView):
    @submitting_faction
    @blp.arguments(ComplaintCreateSchema(), description="The complaint, as the posko has it.")
    @blp.response(201, ComplaintSchema, description="Created and committed.")
    @blp.alt_response(200, schema=ComplaintSchema, description="Replay: already stored.")
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    @blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
    @blp.doc(parameters=[_IDEMPOTENCY_HEADER])
    def post(self, fields: dict[str, Any]) -> Response:
        """Submit one complaint (idempotent by external_id and by Idempotency-Key)."""
        session = request_session()
        faction = g.faction
        key = request_key()
        scope = f"faction:{faction.id}"
        request_hash = ""
        if key is not None:
            request_hash = fingerprint(request.method, request.path, content_hash(fields))
            stored = claim(session, scope, key, request_hash)
            if stored is not None:
                return _send(stored.status, stored.body, replay_headers(stored))
        try:
            result = submit_complaint(
                session, faction, fields, categories=categories_of(_settings()), source="api",
                settings=_settings(),
            )
        except DuplicateConflict as conflict:
            existing = conflict.complaint
            raise Problem(
                409,
                "External id already used",
                f"external_id {existing.external_id!r} was already submitted with other "
                f"content, as complaint {existing.id}; send a new external_id for a new "
                "complaint.",
                slug="external-id-conflict",
                extra={
                    "complaint_id": str(existing.id),
                    "tracking_code": existing.tracking_code,
                },
            ) from None
        status = 201 if result.created else 200
        body = json.dumps(
            _complaint_schema.dump(_view(result.complaint, session)), ensure_ascii=False
        )
        headers = {"Location": f"{blp.url_prefix}/{result.complaint.id}"}
        if key is not None:
            remember(session, scope, key, request_hash, StoredResponse(status, body, headers))
        session.commit()
        return _send(status, body, headers)

    @require("faction", "admin")
    @blp.arguments(ComplaintQueryArgsSchema(), location="query")
    @blp.response(200, ComplaintListSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List complaints (own faction; admin: all, without reporter data, address or
        status link), newest first or by updated_since."""
        session = request_session()
        query = select(Complaint).options(*_unread_columns())
        faction_id = _faction_filter(session, args.get("faction"))
        if faction_id is not None:
            query = query.where(Complaint.faction_id == faction_id)
        if "status" in args:
            query = query.where(Complaint.status == args["status"])
        if "category" in args:
            query = query.where(Complaint.category == args["category"])
        limit = args["limit"]
        if "updated_since" in args:
            # A sync pull: oldest change first, so a client can resume from the last one.
            query = query.where(Complaint.updated_at >= args["updated_since"])
            order = (Complaint.updated_at, Complaint.id)
            kind, descending = OLDEST_UPDATED, False
        else:
            order = (Complaint.created_at, Complaint.id)
            kind, descending = NEWEST_CREATED, True
        if args.get("cursor"):
            after = tuple_(*_cursor_values(args["cursor"], kind))
            query = query.where(tuple_(*order) < after if descending else tuple_(*order) > after)
        query = query.order_by(*(c.desc() for c in order) if descending else order)

        def cursor_of(last: Complaint) -> str:
            moment = last.created_at if kind == NEWEST_CREATED else last.updated_at
            return encode_cursor(kind, moment_value(moment), str(last.id))

        page = page_of(list(session.scalars(query.limit(limit + 1))), limit, cursor_of)
        primaries = duplicate_of_codes(session, page.items)
        return {"items": [_view(c, primaries=primaries) for c in page.items],
                "next_cursor": page.next_cursor}


@blp.route("/<complaint_id>")
class ComplaintById(MethodView):
    @require("faction", "admin")
    @blp.response(200, ComplaintSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, complaint_id: str) -> ComplaintView:
        """One complaint; its private fields (reporter, address, status link) for the
        submitting faction only — an admin key reads operations, not identities."""
        session = request_session()
        return _view(_visible_complaint(session, complaint_id), session)


@blp.route("/<complaint_id>/events")
class ComplaintEvents(MethodView):
    @require("faction", "admin")
    @blp.arguments(EventQueryArgsSchema(), location="query")
    @blp.response(200, StatusEventListSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args: dict[str, Any], complaint_id: str) -> dict[str, Any]:
        """A complaint's status history, oldest first."""
        session = request_session()
        complaint = _visible_complaint(session, complaint_id)
        query: Select[tuple[StatusEvent]] = select(StatusEvent).where(
            StatusEvent.complaint_id == complaint.id
        )
        if args.get("cursor"):
            (after_seq,) = decode_cursor(args["cursor"], EVENT_SEQ, 1)
            query = query.where(StatusEvent.seq > read_row_id(after_seq))
        limit = args["limit"]
        events = list(session.scalars(query.order_by(StatusEvent.seq).limit(limit + 1)))
        page = page_of(events, limit, lambda last: encode_cursor(EVENT_SEQ, last.seq))
        owner = g.get("faction") is not None and g.faction.id == complaint.faction_id
        return {"items": [EventView(e, owner) for e in page.items],
                "next_cursor": page.next_cursor}


# What only the submitting faction reads (and what each read would decrypt).
def _unread_columns() -> list[Any]:
    """Loader options that leave the private columns unloaded for a key that may not read
    them (an admin's): its reads never decrypt a reporter's data."""
    return [] if g.get("faction") is not None else without_private()


def _settings() -> Settings:
    return current_app.extensions["settings"]


def _view(
    complaint: Complaint, session: Session | None = None,
    primaries: dict[uuid.UUID, str] | None = None,
) -> ComplaintView:
    """The complaint as this request's key may read it: the submitting faction gets its
    private fields and the status link; anyone else (an admin key) does not. Its primary's
    tracking code comes from `primaries` (a page's, looked up at once) or from `session`."""
    if primaries is None:
        primaries = duplicate_of_codes(session, [complaint]) if session is not None else {}
    duplicate_of = primaries.get(complaint.id)
    if g.get("faction") is None or g.faction.id != complaint.faction_id:
        return ComplaintView(complaint, duplicate_of=duplicate_of)
    return ComplaintView(
        complaint, status_link(_settings().PUBLIC_URL, complaint), duplicate_of=duplicate_of
    )


def _send(status: int, body: str, headers: dict[str, str]) -> Response:
    return Response(body, status=status, headers=headers, mimetype="application/json")


def _faction_filter(session: Session, code: str | None) -> int | None:
    """The faction whose complaints a list shows: a faction key's own, or the admin's pick."""
    if g.faction is not None:
        if code is not None and code.upper() != g.faction.code:
            raise Problem(
                403, "Forbidden", "A faction key lists its own complaints only.",
                slug="forbidden",
            )
        return g.faction.id
    if code is None:
        return None
    faction = find_faction(session, code)
    if faction is None:
        raise Problem(
            422,
            "Validation failed",
            f"Unknown faction {code!r}.",
            slug="validation-error",
            errors={"faction": ["Unknown faction code."]},
        )
    return faction.id


def _cursor_values(cursor: str, kind: str) -> tuple[Any, Any]:
    moment, complaint_id = decode_cursor(cursor, kind, 2)
    return (
        literal(read_moment(moment), UTCDateTime()),
        literal(read_uuid(complaint_id), Complaint.id.type),
    )


def _visible_complaint(session: Session, complaint_id: str) -> Complaint:
    """The complaint, if the caller may see it; 404 alike for malformed, unknown and others'."""
    try:
        key = uuid.UUID(complaint_id)
    except ValueError:
        key = None
    complaint = (
        session.get(Complaint, key, options=_unread_columns()) if key is not None else None
    )
    if complaint is None or (g.faction is not None and complaint.faction_id != g.faction.id):
        raise Problem(
            404, "Not Found", f"No complaint {complaint_id!r} is visible to this key.",
            slug="not-found",
        )
    return complaint
