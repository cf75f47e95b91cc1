"""Open311 discovery and services: where this endpoint is, what it speaks, and our complaint
categories as services with the attributes a request carries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app

from app.open311.blueprint import bp
from app.open311.envelope import fail, respond
from app.open311.params import categories, check_format, check_jurisdiction
from app.reference import areas
from schemas.open311 import (
    GEOREPORT_V2_SPECIFICATION,
    render_discovery,
    render_service_definition,
    render_services,
)

CHANGESET = datetime(2026, 11, 1, tzinfo=UTC)  # when the service list last changed shape

VISIBILITY_NAMES = {
    "public": "Publik (ditampilkan dengan isi)",
    "anonymous": "Anonim (ditampilkan tanpa nama pelapor)",
    "confidential": "Rahasia (tidak ditampilkan, hanya dihitung)",
}


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    """Service discovery: where this GeoReport v2 endpoint is and what it speaks."""
    check_format(fmt)
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
    return respond(render_discovery(document, fmt), fmt)


@bp.get("/services.<fmt>")
def services(fmt: str) -> Response:
    """GET services: our complaint categories as Open311 services."""
    check_format(fmt)
    check_jurisdiction()
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
    return respond(render_services(listed, fmt), fmt)


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


# An id holding an encoded "/" ("%2F") is that id, not a path to tidy: no 308 to another one.
@bp.get("/services/<service_code>.<fmt>", merge_slashes=False)
def service_definition(service_code: str, fmt: str) -> Response:
    """GET services/{code}: the attributes a request of this service carries."""
    check_format(fmt)
    check_jurisdiction()
    if service_code not in categories():
        raise fail(404, f"service_code '{service_code}' is not a known service")
    definition = {"service_code": service_code, "attributes": _attributes()}
    return respond(render_service_definition(definition, fmt), fmt)
