"""Complaints as the native API takes and returns them (docs/API.md#audiences).

No application module but the leaf data ones (models, lifecycle, clock, reference) and no
Flask: what varies with the running process reaches the schemas as arguments. The configured
categories come through marshmallow's context (`categories_context`, entered by the API's
parser and by the Open311 converter); who reads a complaint, and its status link, come in a
`ComplaintView` the view builds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_dump,
    validate,
    validates,
    validates_schema,
)
from marshmallow.experimental.context import Context

from app.clock import utcnow
from app.lifecycle import STATUSES, status_label
from app.models import VISIBILITIES, Complaint, StatusEvent
from app.models.complaint import DUPLICATE_STATES
from app.reference import areas
from schemas.xmlchars import XML_INVALID

# In or near Jakarta: the mainland (about -6.37..-6.09, 106.68..106.98) and Kepulauan Seribu
# (north to about -5.19, west to about 106.33), with a margin for GPS noise and the coast.
JAKARTA_LAT = (-6.50, -5.00)
JAKARTA_LON = (106.30, 107.10)
# A client's clock may run a little ahead of ours.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Nothing before this is a plausible complaint time (and far-past values break arithmetic).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_YEAR = 2999

# NUL cannot be stored in PostgreSQL text, and lone surrogates cannot be encoded at all.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NIK = re.compile(r"^\d{16}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{4,30}$")
MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*$")


class Text(fields.String):
    """A string every surface can store and show; `single_line` also refuses line breaks.

    Refused: NUL and lone surrogates (no database stores them), other C0 controls but tab,
    LF and CR, DEL, and U+FFFE/U+FFFF — together everything XML 1.0 cannot carry
    (schemas.xmlchars), so a title accepted here never breaks the Atom feed or Open311 XML.
    """

    def __init__(self, *args: Any, single_line: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.single_line = single_line

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _UNSTORABLE.search(text):
            raise ValidationError("Contains a NUL character or an invalid code point.")
        if _CONTROL.search(text) or (self.single_line and ("\n" in text or "\r" in text)):
            raise ValidationError("Contains control characters.")
        if XML_INVALID.search(text):
            # U+FFFE, U+FFFF: storable, but no XML document (Atom, Open311) can carry them,
            # so text that could not be shown on every surface is refused, not altered.
            raise ValidationError("Contains U+FFFE or U+FFFF, which XML cannot carry.")
        return text


class Coordinate(fields.Float):
    """A JSON number (a string or a boolean is a wrong type, not a coordinate)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Timestamp(fields.AwareDateTime):
    """An RFC 3339 datetime with an offset, from 2000 on; dumped with its UTC offset."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        # Check the year before converting: years 1 and 9999 with an offset overflow.
        if parsed.year < EARLIEST.year or parsed < EARLIEST:
            raise ValidationError("Must not be before 2000-01-01.")
        if parsed.year > LATEST_YEAR:
            raise ValidationError(f"Must be before {LATEST_YEAR + 1}.")
        return parsed.astimezone(UTC)


_CATEGORIES = "categories"


def categories_context(categories: Mapping[str, Any]) -> Context[dict[str, Any]]:
    """The context complaint schemas load in: the configured categories, by code."""
    return Context({_CATEGORIES: categories})


def _categories() -> Mapping[str, Any]:
    found = Context.get({}).get(_CATEGORIES)
    if found is None:
        raise RuntimeError("load complaint schemas inside categories_context(categories)")
    return found


def _known_category(code: str) -> None:
    categories = _categories()
    if code not in categories:
        known = ", ".join(sorted(categories))
        raise ValidationError(f"Unknown category. Known categories: {known}.")


def _jakarta_kelurahan(code: str) -> None:
    if areas().kelurahan(code) is None:
        raise ValidationError("Not a Jakarta kelurahan code (e.g. 31.71.01.1001).")


class ApiSchema(Schema):
    """Our API refuses what it does not know."""

    class Meta:
        unknown = RAISE


class LocationSchema(ApiSchema):
    """Where: the kelurahan (required), and optionally an address and coordinates."""

    kelurahan_code = Text(
        required=True,
        validate=[validate.Length(max=16), _jakarta_kelurahan],
        metadata={"example": "31.71.01.1001", "description": "Kemendagri kelurahan code"},
    )
    address = Text(validate=validate.Length(max=500), allow_none=True)
    lat = Coordinate(allow_nan=False, allow_none=True, metadata={"example": -6.1754})
    lon = Coordinate(allow_nan=False, allow_none=True, metadata={"example": 106.8272})

    @validates_schema(skip_on_field_errors=False)
    def _coordinates(self, data: dict[str, Any], **_kwargs: Any) -> None:
        lat, lon = data.get("lat"), data.get("lon")
        if "lat" not in data and "lon" not in data:
            return
        if (lat is None) != (lon is None):
            missing = "lon" if lon is None else "lat"
            raise ValidationError("Give lat and lon together, or neither.", missing)
        if lat is None:
            return
        errors = {}
        if not JAKARTA_LAT[0] <= lat <= JAKARTA_LAT[1]:
            errors["lat"] = [f"Not in or near Jakarta (between {JAKARTA_LAT[0]} and "
                             f"{JAKARTA_LAT[1]})."]
        if not JAKARTA_LON[0] <= lon <= JAKARTA_LON[1]:
            errors["lon"] = [f"Not in or near Jakarta (between {JAKARTA_LON[0]} and "
                             f"{JAKARTA_LON[1]})."]
        if errors:
            raise ValidationError(errors)


class ReporterSchema(ApiSchema):
    """Who reported it: personal data, shown to the submitting faction only."""

    name = Text(validate=validate.Length(max=200), allow_none=True, single_line=True)
    phone = Text(
        validate=[validate.Length(max=32), validate.Regexp(PHONE, error="Not a phone number.")],
        allow_none=True,
    )
    email = fields.Email(validate=validate.Length(max=254), allow_none=True)
    nik = Text(
        validate=validate.Regexp(NIK, error="A NIK is exactly 16 digits."),
        allow_none=True,
        metadata={"description": "Nomor Induk Kependudukan, 16 digits"},
    )


class AttachmentSchema(ApiSchema):
    """A photo or document the posko holds, by URL."""

    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=2000),
    )
    content_type = Text(
        required=True,
        validate=[
            validate.Length(max=100),
            validate.Regexp(MEDIA_TYPE, error="Not a media type such as image/jpeg."),
        ],
    )


class ComplaintCreateSchema(ApiSchema):
    """A complaint as a faction's posko submits it."""

    external_id = Text(
        required=True,
        single_line=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "The posko's own id, unique per faction", "example": "PSI-1"},
    )
    category = Text(required=True, validate=[validate.Length(max=32), _known_category])
    title = Text(required=True, single_line=True, validate=validate.Length(min=1, max=200))
    description = Text(required=True, validate=validate.Length(min=1, max=4000))
    occurred_at = Timestamp(allow_none=True)
    location = fields.Nested(LocationSchema, required=True)
    reporter = fields.Nested(ReporterSchema, allow_none=True)
    visibility = Text(
        load_default="anonymous", validate=validate.OneOf(VISIBILITIES)
    )
    attachments = fields.List(
        fields.Nested(AttachmentSchema), validate=validate.Length(max=10), load_default=list
    )

    @validates("occurred_at")
    def _not_in_future(self, value: datetime | None, **_kwargs: Any) -> None:
        if value is not None and value > utcnow() + FUTURE_TOLERANCE:
            raise ValidationError("Must not be in the future.")

    @post_load
    def _drop_empty_reporter(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        reporter = data.get("reporter")
        if reporter is not None and not any(reporter.values()):
            data["reporter"] = None
        return data


# --- output --------------------------------------------------------------------------


class LocationOutSchema(Schema):
    kelurahan_code = fields.String()
    address = fields.String(
        allow_none=True,
        metadata={"description": "The submitting faction's key only (it may be the reporter's "
                  "home); absent for an admin key"},
    )
    lat = fields.Float(
        allow_none=True,
        metadata={"description": "Exact for the submitting faction; rounded to 3 decimals "
                  "(≈100 m, as published) for an admin key"},
    )
    lon = fields.Float(allow_none=True, metadata={"description": "As lat"})


class ReporterOutSchema(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    nik = fields.String(allow_none=True)


class AttachmentOutSchema(Schema):
    url = fields.String()
    content_type = fields.String()


# What `overdue` means wherever a complaint is shown (docs/API.md#overdue).
OVERDUE_DESCRIPTION = (
    "True when the SLA sweep has marked the complaint past its deadline (due_at, in working "
    "days) and its status is not terminal (resolved, rejected, closed): a complaint resolved "
    "late is not overdue; reopened, it is again."
)


# What the duplicate fields mean wherever a complaint is shown (docs/API.md#duplicates).
DUPLICATE_OF_DESCRIPTION = (
    "The tracking code of the complaint this one reports the same problem as (its primary), "
    "while it is linked to it or suggested as its duplicate; null otherwise"
)
DUPLICATE_STATE_DESCRIPTION = (
    "null: no duplicate found; suggested: a person decides (GET /api/v1/duplicates); "
    "linked: follows the primary's CRM ticket; rejected: not a duplicate, its own ticket"
)


@dataclass(frozen=True)
class ComplaintView:
    """A complaint as one caller may read it: what ComplaintSchema dumps.

    `status_link` is given only when the caller is the faction that submitted the complaint
    (app.status_link builds it), and then the private fields are shown too. Least privilege
    (docs/SECURITY.md): an admin key manages the gateway and sees operations, not identities.
    A legal request for one reporter's data goes through the audited `jembatan reporter show`.
    """

    complaint: Complaint
    status_link: str | None = None
    # The tracking code of the complaint's primary (`Complaint.duplicate_of_id`), looked up
    # by the view (a schema reads no database); None when it duplicates nothing.
    duplicate_of: str | None = None

    @property
    def owner(self) -> bool:
        return self.status_link is not None


class ComplaintSchema(Schema):
    """A complaint with its processing state; its private fields for the submitting faction.

    Private fields — `reporter`, `location.address` and `status_link` — are absent when an
    admin key reads, the coordinates are rounded and title and description are the redacted
    text, as on the public site.
    """

    id = fields.UUID()
    tracking_code = fields.String(metadata={"example": "JBT-7K3M9Q2D"})
    external_id = fields.String()
    faction = fields.String(metadata={"example": "PSI", "description": "Faction code"})
    category = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    status_label = fields.String()
    seq = fields.Integer(metadata={"description": "seq of the latest status event"})
    crm_ticket_id = fields.String(allow_none=True)
    agency = fields.String(allow_none=True, metadata={"description": "Responsible SKPD"})
    due_at = fields.AwareDateTime()
    overdue = fields.Boolean(metadata={"description": OVERDUE_DESCRIPTION})
    resolved_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    title = fields.String(metadata={"description": "As submitted for the submitting faction; "
                                    "for an admin key, redacted as on the public site"})
    description = fields.String(metadata={"description": "As title"})
    occurred_at = fields.AwareDateTime(allow_none=True)
    location = fields.Nested(LocationOutSchema)
    reporter = fields.Nested(
        ReporterOutSchema, allow_none=True,
        metadata={"description": "Name, phone, e-mail, NIK: the submitting faction's key only; "
                  "absent for an admin key"},
    )
    visibility = fields.String(metadata={"enum": list(VISIBILITIES)})
    attachments = fields.List(fields.Nested(AttachmentOutSchema))
    status_link = fields.String(
        metadata={"description": "The reporter's private status page: the submitting "
                  "faction's key only; absent for an admin key"}
    )
    duplicate_of = fields.String(
        allow_none=True,
        metadata={"example": "JBT-4H8N2W6P", "description": DUPLICATE_OF_DESCRIPTION},
    )
    duplicate_state = fields.String(
        allow_none=True,
        metadata={"enum": [*DUPLICATE_STATES, None], "description": DUPLICATE_STATE_DESCRIPTION},
    )

    @pre_dump
    def _from_model(self, view: ComplaintView, **_kwargs: Any) -> dict[str, Any]:
        complaint, owner = view.complaint, view.owner
        location: dict[str, Any] = {
            "kelurahan_code": complaint.kelurahan_code,
            "lat": complaint.lat,
            "lon": complaint.lon,
        }
        if owner:
            location["address"] = complaint.address  # read (and decrypted) for the owner only
        else:
            if complaint.lat is not None and complaint.lon is not None:
                location["lat"], location["lon"] = round(complaint.lat, 3), round(complaint.lon, 3)
        dumped = {
            "id": complaint.id,
            "tracking_code": complaint.tracking_code,
            "external_id": complaint.external_id,
            "faction": complaint.faction.code,
            "category": complaint.category,
            "status": complaint.status,
            "status_label": status_label(complaint.status),
            "seq": complaint.seq,
            "crm_ticket_id": complaint.crm_ticket_id,
            "agency": complaint.agency,
            "due_at": complaint.due_at,
            "overdue": complaint.is_overdue,
            "resolved_at": complaint.resolved_at,
            "created_at": complaint.created_at,
            "updated_at": complaint.updated_at,
            # Anyone but the owner reads the text as the public does: redacted at intake.
            "title": complaint.title if owner else complaint.public_title or "",
            "description": complaint.description if owner else complaint.public_description or "",
            "occurred_at": complaint.occurred_at,
            "location": location,
            "visibility": complaint.visibility,
            "attachments": complaint.attachments or [],
            "duplicate_of": view.duplicate_of,
            "duplicate_state": complaint.duplicate_state,
        }
        if owner:
            # Read (and decrypted) only for the owner: an admin's request never touches them.
            reporter = {
                "name": complaint.reporter_name,
                "phone": complaint.reporter_phone,
                "email": complaint.reporter_email,
                "nik": complaint.reporter_nik,
            }
            dumped["reporter"] = reporter if any(reporter.values()) else None
            dumped["status_link"] = view.status_link
        return dumped


@dataclass(frozen=True)
class EventView:
    """A status event as one caller may read it: the submitting faction reads the note as
    recorded; anyone else (an admin key) the note as the public reads it."""

    event: StatusEvent
    owner: bool


class StatusEventSchema(Schema):
    """One status change of a complaint (dumps an EventView, or a StatusEvent its owner reads)."""

    seq = fields.Integer()
    status = fields.String(metadata={"enum": list(STATUSES)})
    status_label = fields.String()
    previous_status = fields.String(allow_none=True)
    occurred_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()
    source = fields.String(metadata={"enum": ["gateway", "crm", "admin"]})
    note = fields.String(
        allow_none=True,
        metadata={"description": "As recorded for the submitting faction; for an admin key, "
                  "redacted as on the public site"},
    )

    @pre_dump
    def _from_model(self, item: StatusEvent | EventView, **_kwargs: Any) -> dict[str, Any]:
        event, owner = (item.event, item.owner) if isinstance(item, EventView) else (item, True)
        return {
            "seq": event.seq,
            "status": event.status,
            "status_label": status_label(event.status),
            "previous_status": event.previous_status,
            "occurred_at": event.occurred_at,
            "recorded_at": event.recorded_at,
            "source": event.source,
            "note": event.note if owner else event.public_note,
        }


class ComplaintListSchema(Schema):
    items = fields.List(fields.Nested(ComplaintSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class StatusEventListSchema(Schema):
    items = fields.List(fields.Nested(StatusEventSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ComplaintQueryArgsSchema(ApiSchema):
    """Filters and keyset pagination of the complaint list."""

    status = Text(validate=validate.OneOf(STATUSES))
    category = Text(validate=[validate.Length(max=32), _known_category])
    updated_since = Timestamp(
        metadata={"description": "Complaints changed at or after this instant, oldest first"}
    )
    faction = Text(
        validate=validate.Length(min=1, max=32), metadata={"description": "admin only"}
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = Text(validate=validate.Length(max=512))


class EventQueryArgsSchema(ApiSchema):
    """Pagination of a complaint's status history."""

    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=200))
    cursor = Text(validate=validate.Length(max=512))
