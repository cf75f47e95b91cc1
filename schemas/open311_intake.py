"""Validating a complaint that arrives through Open311 (the facade or a mirrored feed).

Both build the native API's shape (CONTRACT.md "Complaint submitted") and validate it with the
same rules as `POST /api/v1/complaints`: the native `schemas.complaint.ComplaintCreateSchema`
when it is installed, otherwise `ComplaintFieldsSchema` below, which states the same rules.
Error keys are native dotted paths; `OPEN311_PARAMETER` names the Open311 parameter behind each.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from app.models.complaint import VISIBILITIES

# Jakarta, Kepulauan Seribu included, with a margin: "in or near Jakarta".
LAT_RANGE = (-6.5, -5.0)
LON_RANGE = (106.3, 107.1)

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

_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,30}$")


def open311_parameter(path: str) -> str:
    """The Open311 parameter behind a native field path (`attachments.0.url` → media_url)."""
    if path in OPEN311_PARAMETER:
        return OPEN311_PARAMETER[path]
    head = path.split(".", 1)[0]
    return OPEN311_PARAMETER.get(head, path)


def _known_category(code: str) -> None:
    from app.intake import categories

    if code not in categories():
        raise ValidationError(f"Unknown category {code!r}.")


def _jakarta_kelurahan(code: str) -> None:
    from app.reference import areas

    if areas().kelurahan(code) is None:
        raise ValidationError(f"{code!r} is not a Jakarta kelurahan code.")


class _Fields(Schema):
    class Meta:
        unknown = RAISE


class LocationFieldsSchema(_Fields):
    """Where: a real kelurahan, and optionally an address and coordinates in Jakarta."""

    kelurahan_code = fields.String(required=True, validate=_jakarta_kelurahan)
    address = fields.String(allow_none=True, validate=validate.Length(max=500))
    lat = fields.Float(allow_none=True, validate=validate.Range(*LAT_RANGE))
    lon = fields.Float(allow_none=True, validate=validate.Range(*LON_RANGE))

    @validates_schema
    def _both_coordinates(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError("Give lat and lon together.", "lat")


class ReporterFieldsSchema(_Fields):
    """Who reported it (personal data: never shown publicly)."""

    name = fields.String(allow_none=True, validate=validate.Length(max=200))
    phone = fields.String(
        allow_none=True,
        validate=[validate.Length(max=32), validate.Regexp(_PHONE, error="Not a phone number.")],
    )
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    nik = fields.String(
        allow_none=True, validate=validate.Regexp(r"^\d{16}$", error="A NIK is 16 digits.")
    )


class AttachmentFieldsSchema(_Fields):
    """A photo or document the posko holds."""

    url = fields.Url(required=True, schemes={"http", "https"}, validate=validate.Length(max=2000))
    content_type = fields.String(
        required=True,
        validate=[validate.Length(max=100), validate.Regexp(r"^[\w.+\-!#$&^]+/[\w.+\-!#$&^]+$")],
    )


class ComplaintFieldsSchema(_Fields):
    """A complaint in the native API's shape, with the native API's rules."""

    external_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    category = fields.String(required=True, validate=_known_category)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    occurred_at = fields.AwareDateTime(allow_none=True)
    location = fields.Nested(LocationFieldsSchema, required=True)
    reporter = fields.Nested(ReporterFieldsSchema, allow_none=True)
    visibility = fields.String(load_default="anonymous", validate=validate.OneOf(VISIBILITIES))
    attachments = fields.List(
        fields.Nested(AttachmentFieldsSchema), load_default=list, validate=validate.Length(max=10)
    )


def complaint_schema() -> Schema:
    """The native API's ComplaintCreateSchema when present, else ComplaintFieldsSchema."""
    try:
        from schemas.complaint import ComplaintCreateSchema  # type: ignore[import-not-found]
    except ImportError:
        return ComplaintFieldsSchema()
    return ComplaintCreateSchema()


def load_complaint(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate native-shape `raw` (JSON-like values); raises marshmallow ValidationError."""
    loaded = complaint_schema().load(raw)
    if isinstance(loaded.get("occurred_at"), str):
        loaded["occurred_at"] = datetime.fromisoformat(loaded["occurred_at"])
    return loaded
