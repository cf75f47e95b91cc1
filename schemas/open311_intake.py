"""Validating a complaint that arrives through Open311 (the facade or a mirrored feed).

Both build the native API's shape (docs/API.md#open311) and validate it with the native
`schemas.complaint.ComplaintCreateSchema`, the same rules as `POST /api/v1/complaints`.
Error keys are native dotted paths; `OPEN311_PARAMETER` names the Open311 parameter behind each.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.complaint import ComplaintCreateSchema, categories_context

# Native field path → the Open311 parameter a client sent it as.
OPEN311_PARAMETER: dict[str, str] = {
    "external_id": "attribute[external_id]",
    "category": "service_code",
    "title": "description",
    "description": "description",
    "occurred_at": "requested_datetime",
    "location": "lat/long or address_string",
    "location.kelurahan_code": "attribute[kelurahan_code]",
    "location.address": "address_string",
    "location.lat": "lat",
    "location.lon": "long",
    "reporter": "email/first_name/last_name/phone",
    "reporter.name": "first_name/last_name",
    "reporter.phone": "phone",
    "reporter.email": "email",
    "visibility": "attribute[visibility]",
    "attachments": "media_url",
}

_SCHEMA = ComplaintCreateSchema()


def open311_parameter(path: str) -> str:
    """The Open311 parameter behind a native field path (`attachments.0.url` → media_url)."""
    if path in OPEN311_PARAMETER:
        return OPEN311_PARAMETER[path]
    head = path.split(".", 1)[0]
    return OPEN311_PARAMETER.get(head, path)


def load_complaint(raw: dict[str, Any], categories: Mapping[str, Any]) -> dict[str, Any]:
    """Validate native-shape `raw` (JSON-like values) against the configured `categories`;
    raises marshmallow ValidationError."""
    with categories_context(categories):
        loaded = _SCHEMA.load(raw)
    if isinstance(loaded.get("occurred_at"), str):
        loaded["occurred_at"] = datetime.fromisoformat(loaded["occurred_at"])
    return loaded
