"""The GeoReport v2 endpoints (and mySociety's servicerequestupdates), in .xml and .json.

Render and parse only through `schemas.open311`, the one implementation of the format that the
CRM simulator and the CRM connector share. Every failure is an `<errors>` document (a JSON
list in .json) whose description names the parameter at fault.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import verified_key
from app.clock import WIB, utcnow
from app.database import request_session
from app.errors import ERROR_RENDERERS, Problem
from app.events import append_event
from app.factions import ensure_can_write
from app.intake import DuplicateConflict, submit_complaint
from app.models import ApiKey, Complaint, Faction, IdempotencyRecord, StatusEvent
from app.open311.convert import (
    ATTRIBUTE_CODES,
    InvalidSubmission,
    attachment,
    derived_external_id,
    normalise_text,
    public_request_document,
    request_document,
    title_of,
    update_document,
    validate_native,
)
from app.projection import projected_complaints, public_complaints, read_public
from app.reference import Category, areas, load_categories
from app.status_updates import apply_crm_update
from schemas.open311 import (
    FORMATS,
    GEOREPORT_V2_SPECIFICATION,
    content_type,
    parse_attributes,
    parse_datetime,
    render_discovery,
    render_errors,
    render_request_created,
    render_requests,
    render_service_definition,
    render_services,
    render_updates,
)

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

PREFIX = "/open311/"
JURISDICTION_ID = "jakarta"
CHANGESET = datetime(2026, 11, 1, tzinfo=UTC)  # when the service list last changed shape
MAX_WINDOW = timedelta(days=90)  # the spec's own bound for start_date/end_date
REQUESTS_LIMIT = 1000  # the spec's default page: "the most recent 1000 requests"
UPDATES_LIMIT = 1000
DEFAULT_UPDATES_WINDOW = timedelta(days=1)
MAX_IDS = 200
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NOTE_REPLAY_DAYS = 30

VISIBILITY_NAMES = {
    "public": "Publik (ditampilkan dengan isi)",
    "anonymous": "Anonim (ditampilkan tanpa nama pelapor)",
    "confidential": "Rahasia (tidak ditampilkan, hanya dihitung)",
}


# --- envelope ------------------------------------------------------------------------------


def categories() -> dict[str, Category]:
    """The configured complaint categories: our Open311 services."""
    return load_categories(current_app.extensions["settings"].CATEGORIES_FILE)


def _format_of_path(path: str) -> str:
    return "json" if path.endswith(".json") else "xml"


def render_open311_error(status: int, title: str, detail: str) -> Response:
    """An `<errors>` document (or JSON list) for any failure under /open311/."""
    fmt = _format_of_path(request.path)
    body = render_errors([(str(status), detail or title)], fmt)
    return current_app.response_class(body, status=status, content_type=content_type(fmt))


@bp.record_once
def _install(_state: BlueprintSetupState) -> None:
    ERROR_RENDERERS[PREFIX] = render_open311_error


def _document(body: bytes, fmt: str, status: int = 200) -> Response:
    return current_app.response_class(body, status=status, content_type=content_type(fmt))


def _fail(status: int, detail: str) -> Problem:
    titles = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}
    return Problem(status, titles.get(status, "Error"), detail)


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise _fail(400, f"format '.{fmt}' is not supported; use .xml or .json")
    return fmt


# --- parameters ----------------------------------------------------------------------------


def _clean(text: str) -> str:
    # NUL cannot be stored (PostgreSQL text) nor written (XML): no client means it.
    return text.replace("\x00", "")


def _param(name: str) -> str | None:
    """A parameter from the body or the query string (the spec allows both); "" is absent."""
    value = request.values.get(name)
    if value is None:
        return None
    value = _clean(value).strip()
    return value or None


def _check_jurisdiction() -> None:
    jurisdiction = _param("jurisdiction_id")
    if jurisdiction is not None and jurisdiction != JURISDICTION_ID:
        raise _fail(404, f"jurisdiction_id '{jurisdiction}' is not served here (use jakarta)")


def _require_form_body() -> None:
    """POST bodies are form-encoded or multipart, as every Open311 client sends them."""
    if not request.content_length and not request.mimetype:
        return  # everything in the query string
    if request.mimetype not in FORM_TYPES:
        raise _fail(
            400,
            f"request body must be application/x-www-form-urlencoded or multipart/form-data, "
            f"not {request.mimetype or 'unlabelled data'}",
        )


def _api_key(session: Session, roles: tuple[str, ...], *, optional: bool = False) -> ApiKey | None:
    presented = _param("api_key")
    if presented is None:
        if optional:
            return None
        raise _fail(403, "api_key is required (ask the gateway's operator for a key)")
    api_key = verified_key(presented)
    if api_key is None:
        raise _fail(403, "api_key is unknown, revoked or malformed")
    if api_key.role not in roles:
        raise _fail(403, f"api_key must be a {' or '.join(roles)} key, not a {api_key.role} key")
    return api_key


def _coordinate(name: str) -> float | None:
    raw = _param(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise _fail(400, f"{name} must be a decimal number (WGS84), not '{raw[:40]}'") from None
    if not math.isfinite(value):
        raise _fail(400, f"{name} must be a finite number")
    return value


def _date(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        return parse_datetime(_clean(raw))
    except ValueError as exc:
        raise _fail(400, f"{name}: {exc}") from None


def _window(default_span: timedelta) -> tuple[datetime, datetime]:
    start, end = _date("start_date"), _date("end_date")
    if end is None:
        end = start + default_span if start is not None else utcnow()
    if start is None:
        start = end - default_span
    if start > end:
        raise _fail(400, "start_date must not be later than end_date")
    if end - start > MAX_WINDOW:
        raise _fail(400, "start_date to end_date spans more than 90 days")
    return start, end


def _list(name: str) -> list[str]:
    raw = request.args.get(name)
    if raw is None:
        return []
    return [part.strip() for part in _clean(raw).split(",") if part.strip()]


# --- discovery and services ----------------------------------------------------------------


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    """Service discovery: where this GeoReport v2 endpoint is and what it speaks."""
    _check_format(fmt)
    document = {
        "changeset": CHANGESET,
        "contact": "Jakarta Smart City — Jembatan (gateway aduan fraksi DPRD DKI Jakarta)",
        "key_service": "Minta api_key fraksi kepada integrator JSC (jembatan keys issue).",
        "endpoints": [
            {
                "specification": GEOREPORT_V2_SPECIFICATION,
                # The configured address, never the Host header a client sent.
                "url": current_app.extensions["settings"].PUBLIC_URL.rstrip("/")
                + bp.url_prefix,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _document(render_discovery(document, fmt), fmt)


@bp.get("/services.<fmt>")
def services(fmt: str) -> Response:
    """GET services: our complaint categories as Open311 services."""
    _check_format(fmt)
    _check_jurisdiction()
    listed = [
        {
            "service_code": category.code,
            "service_name": category.label_id,
            "description": (
                f"{category.label_id} ({category.label_en}) — ditangani {category.agency}, "
                f"target {category.sla_days} hari kerja"
            ),
            "metadata": True,
            "type": "realtime",
            "keywords": list(category.keywords),
            "group": category.group or None,
        }
        for category in categories().values()
    ]
    return _document(render_services(listed, fmt), fmt)


def _attributes() -> list[dict[str, Any]]:
    kelurahan = sorted(areas().of_level("kelurahan"), key=lambda area: area.code)
    return [
        {
            "variable": True,
            "code": "kelurahan_code",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": "Kode kelurahan Kemendagri, mis. 31.71.01.1001",
            "order": 1,
            "description": "Kelurahan tempat kejadian",
            "values": [{"key": area.code, "name": area.name} for area in kelurahan],
        },
        {
            "variable": True,
            "code": "external_id",
            "datatype": "string",
            "required": False,
            "datatype_description": "1–64 karakter; nomor aduan di sistem posko",
            "order": 2,
            "description": (
                "Nomor aduan di posko: mengirim ulang nomor yang sama tidak membuat aduan baru"
            ),
            "values": [],
        },
        {
            "variable": True,
            "code": "visibility",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "public, anonymous (bawaan) atau confidential",
            "order": 3,
            "description": "Apakah aduan ditampilkan di situs publik",
            "values": [{"key": key, "name": name} for key, name in VISIBILITY_NAMES.items()],
        },
    ]


@bp.get("/services/<service_code>.<fmt>")
def service_definition(service_code: str, fmt: str) -> Response:
    """GET services/{code}: the attributes a request of this service carries."""
    _check_format(fmt)
    _check_jurisdiction()
    if service_code not in categories():
        raise _fail(404, f"service_code '{service_code}' is not a known service")
    definition = {"service_code": service_code, "attributes": _attributes()}
    return _document(render_service_definition(definition, fmt), fmt)


# --- POST requests -------------------------------------------------------------------------


def _single_attribute(attributes: dict[str, list[str]], code: str) -> str | None:
    given = (_clean(value).strip() for value in attributes.get(code, []))
    values = list(dict.fromkeys(value for value in given if value))
    if len(values) > 1:
        raise _fail(400, f"attribute[{code}] was given more than one value")
    return values[0] if values else None


def _submission(faction: Faction) -> dict[str, Any]:
    """The native-shape complaint a POST requests form describes (validated)."""
    service_code = _param("service_code")
    if service_code is None:
        raise _fail(400, "service_code is required (see GET services)")
    if service_code not in categories():
        raise _fail(400, f"service_code '{service_code}' is not a known service")
    description = normalise_text(_clean(request.values.get("description") or ""))
    if not description:
        raise _fail(400, "description is required")
    lat, lon = _coordinate("lat"), _coordinate("long")
    if (lat is None) != (lon is None):
        raise _fail(400, "lat and long must be given together")
    address = _param("address_string")
    if lat is None and address is None:
        raise _fail(400, "a location is required: lat and long, or address_string")
    attributes = parse_attributes(request.values)
    chosen = {code: _single_attribute(attributes, code) for code in ATTRIBUTE_CODES}
    media_urls = [
        url for url in (_clean(u).strip() for u in request.values.getlist("media_url")) if url
    ]
    name = " ".join(part for part in (_param("first_name"), _param("last_name")) if part)
    given_reporter = (("name", name), ("email", _param("email")), ("phone", _param("phone")))
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
        raise _fail(400, str(exc)) from None


def _service_notice(complaint: Complaint) -> str:
    due = complaint.due_at.astimezone(WIB).strftime("%d-%m-%Y")
    return (
        f"Diterima Jembatan dengan kode {complaint.tracking_code}; diteruskan ke CRM Jakarta. "
        f"Target selesai {due}."
    )


@bp.post("/requests.<fmt>")
def create_request(fmt: str) -> Response:
    """POST requests: submit a complaint; a replay answers with the same service_request_id."""
    _check_format(fmt)
    _require_form_body()
    session = request_session()
    api_key = _api_key(session, ("faction",))
    assert api_key is not None and api_key.faction is not None
    _check_jurisdiction()
    faction = api_key.faction
    if not faction.active:
        # A disabled faction's intake stops; its complaints can still be read and followed.
        raise _fail(403, f"api_key belongs to faction {faction.code}, which is disabled")
    fields = _submission(faction)
    try:
        result = submit_complaint(
            session, faction, fields, categories=categories(), source="open311"
        )
    except DuplicateConflict:
        raise _fail(
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
    return _document(render_request_created([answer], fmt), fmt, 201 if result.created else 200)


# --- GET requests --------------------------------------------------------------------------


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
    return [request_document(c, known.get(c.category)) for c in session.scalars(query)]


@bp.get("/requests.<fmt>")
def list_requests(fmt: str) -> Response:
    """GET requests: the public view without a key; a faction's own complaints with its key."""
    _check_format(fmt)
    _check_jurisdiction()
    session = request_session()
    api_key = _api_key(session, ("faction", "admin"), optional=True)
    query = _visible(api_key)
    ids = _list("service_request_id")
    if ids:
        # The spec: service_request_id overrides every other filter.
        if len(ids) > MAX_IDS:
            raise _fail(400, f"service_request_id lists at most {MAX_IDS} ids")
        query = query.where(Complaint.tracking_code.in_(ids))
    else:
        codes = _list("service_code")
        unknown = [code for code in codes if code not in categories()]
        if unknown:
            raise _fail(400, f"service_code '{unknown[0]}' is not a known service")
        if codes:
            query = query.where(Complaint.category.in_(codes))
        statuses = {status.lower() for status in _list("status")}
        if not statuses <= {"open", "closed"}:
            raise _fail(400, "status must be open, closed or both (comma-separated)")
        if statuses == {"open"}:
            query = query.where(Complaint.status.not_in(("resolved", "rejected", "closed")))
        elif statuses == {"closed"}:
            query = query.where(Complaint.status.in_(("resolved", "rejected", "closed")))
        start, end = _window(MAX_WINDOW)
        query = query.where(Complaint.created_at >= start, Complaint.created_at <= end)
    query = query.order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(REQUESTS_LIMIT)
    return _document(render_requests(_request_documents(session, query, api_key), fmt), fmt)


@bp.get("/requests/<service_request_id>.<fmt>")
def get_request(service_request_id: str, fmt: str) -> Response:
    """GET requests/{id}: one complaint, as a one-element list."""
    _check_format(fmt)
    _check_jurisdiction()
    session = request_session()
    api_key = _api_key(session, ("faction", "admin"), optional=True)
    query = _visible(api_key).where(Complaint.tracking_code == service_request_id).limit(1)
    documents = _request_documents(session, query, api_key)
    if not documents:
        raise _fail(404, f"service_request_id '{service_request_id}' not found")
    return _document(render_requests(documents, fmt), fmt)


# --- servicerequestupdates -----------------------------------------------------------------


@bp.get("/servicerequestupdates.<fmt>")
def list_updates(fmt: str) -> Response:
    """GET servicerequestupdates: status events of the faction's own complaints in a window.

    The window selects by when Jembatan recorded each event, so an update that arrives late
    is still seen by a client that polls consecutive windows.
    """
    _check_format(fmt)
    _check_jurisdiction()
    session = request_session()
    api_key = _api_key(session, ("faction", "admin"))
    start, end = _window(DEFAULT_UPDATES_WINDOW)
    query = (
        select(StatusEvent, Complaint)
        .join(Complaint, StatusEvent.complaint_id == Complaint.id)
        .where(StatusEvent.recorded_at >= start, StatusEvent.recorded_at <= end)
        .order_by(StatusEvent.recorded_at, StatusEvent.id)
        .limit(UPDATES_LIMIT)
    )
    if api_key is not None and api_key.role == "faction":
        query = query.where(Complaint.faction_id == api_key.faction_id)
    updates = [update_document(complaint, event) for event, complaint in session.execute(query)]
    return _document(render_updates(updates, fmt), fmt)


_UPDATE_FIELDS = (
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
    "external_status_code",
)


def _update_form() -> dict[str, Any]:
    form: dict[str, Any] = {name: _param(name) for name in _UPDATE_FIELDS}
    if form["updated_datetime"] is not None:
        try:
            form["updated_datetime"] = parse_datetime(form["updated_datetime"])
        except ValueError as exc:
            raise _fail(400, f"updated_datetime: {exc}") from None
    return form


@bp.post("/servicerequestupdates.<fmt>")
def post_update(fmt: str) -> Response:
    """POST servicerequestupdates: the CRM pushes a status update; a posko adds a note."""
    _check_format(fmt)
    _require_form_body()
    session = request_session()
    api_key = _api_key(session, ("crm", "faction"))
    assert api_key is not None
    _check_jurisdiction()
    form = _update_form()
    if api_key.role == "crm":
        return _crm_update(session, form, fmt)
    assert api_key.faction is not None
    ensure_can_write(api_key.faction, "post notes")
    return _posko_note(session, api_key, form, fmt)


def _crm_update(session: Session, form: dict[str, Any], fmt: str) -> Response:
    for name in ("update_id", "service_request_id", "status", "updated_datetime"):
        if form[name] is None:
            raise _fail(400, f"{name} is required")
    outcome = apply_crm_update(session, form, current_app.extensions["settings"])
    session.commit()  # every update is kept, even one that could not be applied
    if outcome == "invalid":
        raise _fail(400, f"update_id '{form['update_id']}' is not a valid update (recorded)")
    return _document(render_updates([form], fmt), fmt)


def _note_scope(api_key: ApiKey) -> str:
    # Apart from the native API's Idempotency-Key records, which share the table.
    return f"open311-note:faction:{api_key.faction_id}"


def _posko_note(session: Session, api_key: ApiKey, form: dict[str, Any], fmt: str) -> Response:
    """A note from the posko on its own complaint, recorded as a note event (same status).

    Replays with the same update_id answer the first result. The CRM simulator has no
    servicerequestupdates intake, so the note is not passed on to the CRM (yet).
    """
    if form["service_request_id"] is None:
        raise _fail(400, "service_request_id is required")
    note = normalise_text(form["description"] or "")
    if not note:
        raise _fail(400, "description is required (the note to add)")
    if len(note) > 4000:
        raise _fail(400, "description is longer than 4,000 characters")
    complaint = session.scalars(
        select(Complaint).where(
            Complaint.tracking_code == form["service_request_id"],
            Complaint.faction_id == api_key.faction_id,
        )
    ).first()
    if complaint is None:
        raise _fail(404, f"service_request_id '{form['service_request_id']}' not found")
    record = None
    if form["update_id"] is not None:
        fingerprint = hashlib.sha256(
            json.dumps([complaint.tracking_code, note], ensure_ascii=False).encode()
        ).hexdigest()
        record = session.scalars(
            select(IdempotencyRecord).where(
                IdempotencyRecord.scope == _note_scope(api_key),
                IdempotencyRecord.key == f"open311-update:{form['update_id'][:200]}",
            )
        ).first()
        if record is not None:
            if record.request_hash != fingerprint:
                raise _fail(409, f"update_id '{form['update_id']}' was used for another note")
            event = session.scalars(
                select(StatusEvent).where(
                    StatusEvent.complaint_id == complaint.id,
                    StatusEvent.seq == int(record.response_body or 0),
                )
            ).first()
            if event is not None:
                return _document(render_updates([update_document(complaint, event)], fmt), fmt)
    event = append_event(
        session,
        complaint,
        complaint.status,
        source="gateway",
        occurred_at=form["updated_datetime"] or utcnow(),
        note=f"Catatan posko: {note}",
    )
    if form["update_id"] is not None:
        session.add(
            IdempotencyRecord(
                scope=_note_scope(api_key),
                key=f"open311-update:{form['update_id'][:200]}",
                method="POST",
                path=request.path[:255],
                request_hash=fingerprint,
                state="completed",
                response_status=200,
                response_body=str(event.seq),
                expires_at=utcnow() + timedelta(days=NOTE_REPLAY_DAYS),
            )
        )
    session.commit()
    return _document(render_updates([update_document(complaint, event)], fmt), fmt)
