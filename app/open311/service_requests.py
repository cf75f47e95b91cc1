"""Open311 service requests: a posko submits a complaint (POST requests); anyone reads the
public ones, a faction its own, an admin every complaint's projection (GET requests)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import WIB
from app.database import request_session
from app.intake import DuplicateConflict, submit_complaint
from app.lifecycle import TERMINAL
from app.models import ApiKey, Complaint, Faction
from app.open311.blueprint import bp
from app.open311.convert import (
    ATTRIBUTE_CODES,
    InvalidSubmission,
    attachment,
    derived_external_id,
    normalise_text,
    public_request_document,
    request_document,
    title_of,
    validate_native,
)
from app.open311.envelope import fail, respond
from app.open311.params import (
    MAX_WINDOW,
    categories,
    check_format,
    check_jurisdiction,
    clean,
    coordinate,
    list_param,
    param,
    presented_key,
    require_form_body,
    window,
)
from app.projection import (
    duplicate_of_codes,
    projected_complaints,
    public_complaints,
    read_public,
)
from schemas.open311 import parse_attributes, render_request_created, render_requests

REQUESTS_LIMIT = 1000  # the spec's default page: "the most recent 1000 requests"
MAX_IDS = 200


def _single_attribute(attributes: dict[str, list[str]], code: str) -> str | None:
    given = (clean(value).strip() for value in attributes.get(code, []))
    values = list(dict.fromkeys(value for value in given if value))
    if len(values) > 1:
        raise fail(400, f"attribute[{code}] was given more than one value")
    return values[0] if values else None


def _submission(faction: Faction) -> dict[str, Any]:
    """The native-shape complaint a POST requests form describes (validated)."""
    service_code = param("service_code")
    if service_code is None:
        raise fail(400, "service_code is required (see GET services)")
    if service_code not in categories():
        raise fail(400, f"service_code '{service_code}' is not a known service")
    description = normalise_text(clean(request.values.get("description") or ""))
    if not description:
        raise fail(400, "description is required")
    lat, lon = coordinate("lat"), coordinate("long")
    if (lat is None) != (lon is None):
        raise fail(400, "lat and long must be given together")
    address = param("address_string")
    if lat is None and address is None:
        raise fail(400, "a location is required: lat and long, or address_string")
    attributes = parse_attributes(request.values)
    chosen = {code: _single_attribute(attributes, code) for code in ATTRIBUTE_CODES}
    media_urls = [
        url for url in (clean(u).strip() for u in request.values.getlist("media_url")) if url
    ]
    name = " ".join(part for part in (param("first_name"), param("last_name")) if part)
    given_reporter = (("name", name), ("email", param("email")), ("phone", param("phone")))
    reporter = {key: value for key, value in given_reporter if value}
    raw: dict[str, Any] = {
        "category": service_code,
        "title": title_of(description),
        "description": description,
        "location": {
            "kelurahan_code": chosen["kelurahan_code"],
            "address": address,
            "lat": lat,
            "lon": lon,
        },
        "visibility": chosen["visibility"] or "anonymous",
        "attachments": [attachment(url) for url in media_urls],
    }
    if reporter:
        raw["reporter"] = reporter
    if raw["location"]["kelurahan_code"] is None:
        del raw["location"]["kelurahan_code"]
    # Without the posko's own number, the request itself names the complaint: a replayed
    # POST (same faction, same content) finds the complaint the first one made.
    raw["external_id"] = chosen["external_id"] or derived_external_id(faction.code, raw)
    try:
        return validate_native(raw, categories())
    except InvalidSubmission as exc:
        raise fail(400, str(exc)) from None


def _service_notice(complaint: Complaint) -> str:
    due = complaint.due_at.astimezone(WIB).strftime("%d-%m-%Y")
    return (
        f"Diterima Jembatan dengan kode {complaint.tracking_code}; diteruskan ke CRM Jakarta. "
        f"Target selesai {due}."
    )


@bp.post("/requests.<fmt>")
def create_request(fmt: str) -> Response:
    """POST requests: submit a complaint; a replay answers with the same service_request_id."""
    check_format(fmt)
    require_form_body()
    session = request_session()
    api_key = presented_key(session, ("faction",))
    assert api_key is not None and api_key.faction is not None
    check_jurisdiction()
    faction = api_key.faction
    if not faction.active:
        # A disabled faction's intake stops; its complaints can still be read and followed.
        raise fail(403, f"api_key belongs to faction {faction.code}, which is disabled")
    fields = _submission(faction)
    try:
        result = submit_complaint(
            session, faction, fields, categories=categories(), source="open311",
            settings=current_app.extensions["settings"],
        )
    except DuplicateConflict:
        raise fail(
            409,
            f"attribute[external_id] '{fields['external_id']}' was already submitted "
            "with different content",
        ) from None
    session.commit()
    complaint = result.complaint
    answer = {
        "service_request_id": complaint.tracking_code,
        "service_notice": _service_notice(complaint),
        "account_id": None,
    }
    return respond(render_request_created([answer], fmt), fmt, 201 if result.created else 200)


def _visible(api_key: ApiKey | None) -> Any:
    """A complaint query in scope: the public projection without a key (app/projection.py),
    a faction's own complaints with its key, every complaint's projection for an admin."""
    if api_key is None:
        return public_complaints()
    if api_key.role == "faction":
        return select(Complaint).where(Complaint.faction_id == api_key.faction_id)
    return projected_complaints()


def _request_documents(session: Session, query: Any, api_key: ApiKey | None) -> list[dict]:
    known = categories()
    # The full record is the owning faction's; everyone else — the public, and an admin key
    # (operations, not identities) — reads the projection (app/projection.py).
    if api_key is None or api_key.role != "faction":
        return [
            public_request_document(c, known.get(c.category)) for c in read_public(session, query)
        ]
    complaints = list(session.scalars(query))
    primaries = duplicate_of_codes(session, complaints)
    return [request_document(c, known.get(c.category), primaries.get(c.id)) for c in complaints]


@bp.get("/requests.<fmt>")
def list_requests(fmt: str) -> Response:
    """GET requests: the public view without a key; a faction's own complaints with its key."""
    check_format(fmt)
    check_jurisdiction()
    session = request_session()
    api_key = presented_key(session, ("faction", "admin"), optional=True)
    query = _visible(api_key)
    ids = list_param("service_request_id")
    if ids:
        # The spec: service_request_id overrides every other filter.
        if len(ids) > MAX_IDS:
            raise fail(400, f"service_request_id lists at most {MAX_IDS} ids")
        query = query.where(Complaint.tracking_code.in_(ids))
    else:
        codes = list_param("service_code")
        unknown = [code for code in codes if code not in categories()]
        if unknown:
            raise fail(400, f"service_code '{unknown[0]}' is not a known service")
        if codes:
            query = query.where(Complaint.category.in_(codes))
        statuses = {status.lower() for status in list_param("status")}
        if not statuses <= {"open", "closed"}:
            raise fail(400, "status must be open, closed or both (comma-separated)")
        if statuses == {"open"}:
            query = query.where(Complaint.status.not_in(sorted(TERMINAL)))
        elif statuses == {"closed"}:
            query = query.where(Complaint.status.in_(sorted(TERMINAL)))
        start, end = window(MAX_WINDOW)
        query = query.where(Complaint.created_at >= start, Complaint.created_at <= end)
    query = query.order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(REQUESTS_LIMIT)
    return respond(render_requests(_request_documents(session, query, api_key), fmt), fmt)


@bp.get("/requests/<service_request_id>.<fmt>", merge_slashes=False)  # as services/{code}
def get_request(service_request_id: str, fmt: str) -> Response:
    """GET requests/{id}: one complaint, as a one-element list."""
    check_format(fmt)
    check_jurisdiction()
    session = request_session()
    api_key = presented_key(session, ("faction", "admin"), optional=True)
    query = _visible(api_key).where(Complaint.tracking_code == service_request_id).limit(1)
    documents = _request_documents(session, query, api_key)
    if not documents:
        raise fail(404, f"service_request_id '{service_request_id}' not found")
    return respond(render_requests(documents, fmt), fmt)
