"""HTTP surface of the CRM simulator: Open311 GeoReport v2 plus /_sim control endpoints."""

from __future__ import annotations

import math
import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from crmsim.faults import FaultSettingsError
from crmsim.progression import MYSOCIETY_STATUS
from crmsim.services import Service, load_services
from crmsim.simulator import SERVICE_NOTICE, CrmSimulator, NewTicket
from crmsim.store import to_us
from schemas.open311 import (
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
    render_tokens,
    render_updates,
)

DEFAULT_SPEED = 1440.0  # a simulated day per real minute: visible progress in a demo
DESCRIPTION_LIMIT = 4000  # GeoReport v2: description is "limited to 4,000 characters"
DEFAULT_REQUESTS_WINDOW = timedelta(days=90)
CHANGESET = datetime(2026, 11, 1, tzinfo=UTC)  # when this service list last changed

open311 = Blueprint("open311", __name__, url_prefix="/open311/v2")
control = Blueprint("control", __name__, url_prefix="/_sim")

FMT = "<any(xml, json):fmt>"


class Open311Error(Exception):
    """An Open311 error answer: status and (code, description) pairs."""

    def __init__(
        self, status: int, description: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = headers or {}


def sim() -> CrmSimulator:
    """The simulator behind this app."""
    return current_app.extensions["crmsim"]


def open311_response(body: bytes, fmt: str, status: int = 200) -> Response:
    """A rendered Open311 document with the right content type."""
    return Response(body, status=status, content_type=content_type(fmt))


def _fmt_of_path() -> str:
    return "json" if request.path.endswith(".json") else "xml"


def _errors_response(
    status: int, description: str, headers: dict[str, str] | None = None
) -> Response:
    fmt = _fmt_of_path()
    response = open311_response(render_errors([(str(status), description)], fmt), fmt, status)
    response.headers.update(headers or {})
    return response


# --- faults --------------------------------------------------------------------------------


@open311.before_request
def inject_faults() -> Response | None:
    """Play the fault drawn for this request, before the CRM looks at it."""
    is_write = request.method == "POST"
    decision = sim().faults.decide(is_write)
    if decision.latency_s:
        time.sleep(decision.latency_s)
    if decision.kind == "down":
        return _errors_response(503, "CRM sedang tidak tersedia (simulated outage)")
    if decision.kind == "rate_limit":
        return _errors_response(
            429,
            "Terlalu banyak permintaan (simulated)",
            {"Retry-After": str(decision.retry_after_s)},
        )
    if decision.kind == "error":
        return _errors_response(decision.status or 500, "Kesalahan server (simulated)")
    if decision.kind == "timeout":
        time.sleep(decision.hold_s)
        return _errors_response(504, "Waktu habis (simulated)")
    # A lost answer: the request is processed in full, then the answer is thrown away.
    if decision.kind == "lost_response":
        g.lose_response_after_s = decision.hold_s
    return None


@open311.after_request
def lose_response(response: Response) -> Response:
    """Drop the connection instead of answering, when the fault says so."""
    delay = g.get("lose_response_after_s")
    if delay is not None:
        time.sleep(delay)
        connection = request.environ.get("werkzeug.socket")
        if connection is not None:
            # Shut the socket before werkzeug writes a byte: the client sees the connection
            # closed without a response, exactly as when a proxy or the network drops it.
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    return response


# --- Open311 -------------------------------------------------------------------------------


@open311.get(f"/discovery.{FMT}")
def discovery(fmt: str) -> Response:
    """Service discovery: where the GeoReport v2 endpoint is and what it speaks."""
    endpoint = {
        "specification": GEOREPORT_V2_SPECIFICATION,
        "url": request.url_root.rstrip("/") + "/open311/v2",
        "changeset": CHANGESET,
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    document = {
        "changeset": CHANGESET,
        "contact": "Simulator CRM Jakarta Smart City (bukan sistem produksi)",
        "key_service": "Minta api_key kepada operator simulator (--api-key).",
        "endpoints": [endpoint],
    }
    return open311_response(render_discovery(document, fmt), fmt)


def _service_view(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.service_code,
        "service_name": service.service_name,
        "description": f"{service.service_name} — ditangani {service.agency}",
        "metadata": True,
        "type": "batch" if sim().tokens else "realtime",
        "keywords": list(service.keywords),
        "group": service.group,
    }


@open311.get(f"/services.{FMT}")
def services(fmt: str) -> Response:
    """GET services: the CRM's request types."""
    listed = [_service_view(service) for service in sim().services.values()]
    return open311_response(render_services(listed, fmt), fmt)


# The attributes the gateway sends (docs/API.md#crm); none is required, so a
# plain Open311 client can still post.
_ATTRIBUTES = (
    ("gateway_ref", "Kode pelacakan dari gateway (idempotensi)"),
    ("fraksi", "Kode fraksi DPRD yang mengumpulkan aduan"),
    ("kelurahan_code", "Kode kelurahan Kemendagri"),
)


@open311.get(f"/services/<service_code>.{FMT}")
def service_definition(service_code: str, fmt: str) -> Response:
    """GET services/{code}: the attributes a request of this service may carry."""
    if service_code not in sim().services:
        raise Open311Error(404, f"service_code {service_code} tidak dikenal")
    attributes = [
        {
            "variable": True,
            "code": code,
            "datatype": "string",
            "required": False,
            "datatype_description": None,
            "order": order,
            "description": description,
            "values": [],
        }
        for order, (code, description) in enumerate(_ATTRIBUTES, start=1)
    ]
    definition = {"service_code": service_code, "attributes": attributes}
    return open311_response(render_service_definition(definition, fmt), fmt)


def _param(name: str) -> str | None:
    # api_key and the rest may come in the body or the query string (docs/API.md#crm).
    value = request.values.get(name)
    return value if value not in (None, "") else None


def _coordinate(name: str, low: float, high: float) -> float | None:
    raw = _param(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} harus berupa angka") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise Open311Error(400, f"{name} di luar rentang {low}..{high}")
    return value


def _check_api_key() -> None:
    expected = current_app.config["CRMSIM_API_KEY"]
    if expected is not None and _param("api_key") != expected:
        raise Open311Error(403, "api_key tidak valid")


@open311.post(f"/requests.{FMT}")
def create_request(fmt: str) -> Response:
    """POST requests: create a ticket, or return the one this gateway_ref already made."""
    _check_api_key()
    jurisdiction = _param("jurisdiction_id")
    if jurisdiction is not None and jurisdiction != current_app.config["CRMSIM_JURISDICTION"]:
        raise Open311Error(404, f"jurisdiction_id {jurisdiction} tidak dilayani")
    service_code = _param("service_code")
    if service_code is None:
        raise Open311Error(400, "service_code wajib diisi")
    if service_code not in sim().services:
        raise Open311Error(400, f"service_code {service_code} tidak dikenal")
    lat, long = _coordinate("lat", -90, 90), _coordinate("long", -180, 180)
    if (lat is None) != (long is None):
        raise Open311Error(400, "lat dan long harus diisi bersama")
    address_string, address_id = _param("address_string"), _param("address_id")
    if lat is None and address_string is None and address_id is None:
        raise Open311Error(400, "lokasi wajib: lat/long, address_string atau address_id")
    description = _param("description")
    if description is not None and len(description) > DESCRIPTION_LIMIT:
        raise Open311Error(400, f"description melebihi {DESCRIPTION_LIMIT} karakter")
    attributes = parse_attributes(request.values)
    ref = (attributes.get("gateway_ref") or [None])[0] or request.headers.get("Idempotency-Key")
    created = sim().create_ticket(
        NewTicket(
            service_code=service_code,
            ref=ref or None,
            description=description,
            address_string=address_string,
            address_id=address_id,
            lat=lat,
            long=long,
            media_url=_param("media_url"),
            attributes=attributes,
        )
    )
    answer: dict[str, Any] = {"service_notice": SERVICE_NOTICE, "account_id": None}
    if sim().tokens:
        answer["token"] = created.token
    else:
        answer["service_request_id"] = created.service_request_id
    # 201 when this POST made the ticket, 200 when it replays an earlier one.
    status = 201 if created.created else 200
    return open311_response(render_request_created([answer], fmt), fmt, status)


def _date_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return to_us(parse_datetime(raw))
    except ValueError as exc:
        raise Open311Error(400, f"{name}: {exc}") from None


def _list_arg(name: str) -> list[str] | None:
    raw = request.args.get(name)
    if not raw:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


@open311.get(f"/requests.{FMT}")
def list_requests(fmt: str) -> Response:
    """GET requests with the spec's filters (service_request_id overrides the rest)."""
    statuses = _list_arg("status")
    if statuses and not set(statuses) <= {"open", "closed"}:
        raise Open311Error(400, "status harus open atau closed")
    start_us, end_us = _date_arg("start_date"), _date_arg("end_date")
    if start_us is None and end_us is None:
        # The spec's default window: the last 90 days (and at most 1000 requests).
        start_us = to_us(datetime.now(UTC) - DEFAULT_REQUESTS_WINDOW)
    found = sim().requests(
        ids=_list_arg("service_request_id"),
        service_codes=_list_arg("service_code"),
        start_us=start_us,
        end_us=end_us,
        statuses=statuses,
    )
    return open311_response(render_requests(found, fmt), fmt)


@open311.get(f"/requests/<service_request_id>.{FMT}")
def get_request(service_request_id: str, fmt: str) -> Response:
    """GET requests/{id}: one ticket, still as a one-element list."""
    found = sim().requests(ids=[service_request_id])
    if not found:
        raise Open311Error(404, f"service_request_id {service_request_id} tidak ditemukan")
    return open311_response(render_requests(found, fmt), fmt)


@open311.get(f"/tokens/<token>.{FMT}")
def get_token(token: str, fmt: str) -> Response:
    """GET tokens/{token}: the ticket id once the ticket exists, 404 until then."""
    service_request_id = sim().token(token)
    if service_request_id is None:
        raise Open311Error(404, f"token {token} belum diproses atau tidak dikenal")
    answer = [{"service_request_id": service_request_id, "token": token}]
    return open311_response(render_tokens(answer, fmt), fmt)


@open311.get(f"/servicerequestupdates.{FMT}")
def service_request_updates(fmt: str) -> Response:
    """mySociety GET servicerequestupdates: start_date ≤ updated_datetime ≤ end_date."""
    found = sim().updates(_date_arg("start_date"), _date_arg("end_date"))
    return open311_response(render_updates(found, fmt), fmt)


@open311.post(f"/servicerequestupdates.{FMT}")
def post_service_request_update(fmt: str) -> Response:
    """mySociety POST servicerequestupdates: a client's update on a ticket, kept once per
    update_id (201 when this POST made it, 200 when it repeats one); 404 for no such ticket.
    Shown by GET /_sim/tickets/{id}/updates, never in GET servicerequestupdates."""
    _check_api_key()
    jurisdiction = _param("jurisdiction_id")
    if jurisdiction is not None and jurisdiction != current_app.config["CRMSIM_JURISDICTION"]:
        raise Open311Error(404, f"jurisdiction_id {jurisdiction} tidak dilayani")
    values = {}
    for name in ("service_request_id", "update_id", "updated_datetime", "status",
                 "description"):
        value = _param(name)
        if value is None:
            raise Open311Error(400, f"{name} wajib diisi")
        values[name] = value
    if len(values["description"]) > DESCRIPTION_LIMIT:
        raise Open311Error(400, f"description melebihi {DESCRIPTION_LIMIT} karakter")
    if len(values["update_id"]) > 128:
        raise Open311Error(400, "update_id melebihi 128 karakter")
    try:
        updated_us = to_us(parse_datetime(values["updated_datetime"]))
    except ValueError as exc:
        raise Open311Error(400, f"updated_datetime: {exc}") from None
    kept = sim().post_update(values["service_request_id"], values["update_id"], updated_us,
                             values["status"], values["description"])
    if kept is None:
        raise Open311Error(
            404, f"service_request_id {values['service_request_id']} tidak ditemukan")
    update, created = kept
    return open311_response(render_updates([update], fmt), fmt, 201 if created else 200)


# --- control -------------------------------------------------------------------------------


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise _ControlError("body must be a JSON object")
    return body


class _ControlError(Exception):
    """A 400 from a control endpoint."""


@control.get("/health")
def health() -> Response:
    """Liveness for the test helper and the demo launcher."""
    return jsonify(ok=True, paused=sim().paused, speed=sim().speed, tokens=sim().tokens)


@control.get("/faults")
def get_faults() -> Response:
    """Current fault settings and how many of each were injected."""
    return jsonify(sim().faults.describe())


@control.post("/faults")
def set_faults() -> Response:
    """Change some fault settings (the others keep their value)."""
    try:
        sim().faults.update(_json_body())
    except FaultSettingsError as exc:
        raise _ControlError(str(exc)) from None
    return jsonify(sim().faults.describe())


@control.delete("/faults")
def reset_faults() -> Response:
    """No faults any more; counters back to zero."""
    sim().faults.reset()
    return jsonify(sim().faults.describe())


@control.post("/webhooks")
def webhook_sink() -> Response:
    """A faction's webhook receiver for the demo: takes every delivery, keeps nothing (the
    demo shows each delivery from the gateway's side)."""
    return Response(status=204)


@control.get("/tickets")
def list_tickets() -> Response:
    """Every ticket with gateway_ref, post_count and status."""
    return jsonify(sim().tickets())


@control.get("/tickets/<service_request_id>/updates")
def ticket_client_updates(service_request_id: str) -> Response:
    """The updates clients POSTed on a ticket (servicerequestupdates), oldest first."""
    found = sim().client_updates(service_request_id)
    if found is None:
        return jsonify(error="no such ticket"), 404
    return jsonify([u | {"updated_datetime": u["updated_datetime"].isoformat()}
                    for u in found])


@control.post("/tickets/<service_request_id>/status")
def force_status(service_request_id: str) -> Response:
    """Force a status change now (an update is written); the ticket stops progressing."""
    body = _json_body()
    code = body.get("external_status_code")
    if code not in MYSOCIETY_STATUS:
        raise _ControlError(f"external_status_code must be one of {sorted(MYSOCIETY_STATUS)}")
    note = body.get("description") or f"Status diubah menjadi {code}."
    status = body.get("status")
    if status is not None and not isinstance(status, str):
        raise _ControlError("status must be a string")
    update = sim().force_status(service_request_id, code, str(note), status)
    if update is None:
        return jsonify(error="no such ticket"), 404
    update["updated_datetime"] = update["updated_datetime"].isoformat()
    return jsonify(update), 201


@control.delete("/tickets/<service_request_id>")
def delete_ticket(service_request_id: str) -> Response:
    """The CRM loses a ticket (for reconciliation tests)."""
    if not sim().delete_ticket(service_request_id):
        return jsonify(error="no such ticket"), 404
    return Response(status=204)


@control.post("/pause")
def pause() -> Response:
    """Stop progression."""
    sim().pause()
    return jsonify(paused=True)


@control.post("/resume")
def resume() -> Response:
    """Restart progression."""
    sim().resume()
    return jsonify(paused=False)


@control.post("/advance")
def advance() -> Response:
    """Apply every due step now (the ticker does this on its own)."""
    return jsonify(updates_written=sim().advance())


# --- factory -------------------------------------------------------------------------------


def create_app(
    db_path: str,
    speed: float = DEFAULT_SPEED,
    seed: int = 0,
    api_key: str | None = None,
    *,
    tokens: bool = False,
    token_delay_s: float = 1.0,
    jurisdiction: str = "jakarta",
    categories_path: str | None = None,
) -> Flask:
    """The simulator's Flask app over its own SQLite file (no background thread started)."""
    app = Flask(__name__)
    app.config.update(CRMSIM_API_KEY=api_key, CRMSIM_JURISDICTION=jurisdiction)
    app.extensions["crmsim"] = CrmSimulator(
        db_path,
        load_services(categories_path),
        speed=speed,
        seed=seed,
        tokens=tokens,
        token_delay_s=token_delay_s,
    )
    app.register_blueprint(open311)
    app.register_blueprint(control)
    app.register_error_handler(Open311Error, _open311_error)
    app.register_error_handler(_ControlError, _control_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def _open311_error(error: Open311Error) -> Response:
    return _errors_response(error.status, error.description, error.headers)


def _control_error(error: _ControlError) -> Response:
    response = jsonify(error=str(error))
    response.status_code = 400
    return response


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if request.path.startswith("/open311/"):
        return _errors_response(status, error.description or error.name)
    response = jsonify(error=error.description or error.name)
    response.status_code = status
    return response


def _unexpected_error(error: Exception) -> Response:
    current_app.logger.exception("crmsim: unexpected error", exc_info=error)
    if request.path.startswith("/open311/"):
        return _errors_response(500, "Kesalahan internal simulator")
    response = jsonify(error="internal error")
    response.status_code = 500
    return response
