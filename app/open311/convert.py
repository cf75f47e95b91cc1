"""Between Open311 documents and complaints: the facade's and the feed mirror's mappings."""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from app.clock import WIB
from app.errors import flatten_messages
from app.lifecycle import mysociety_status, open311_status, status_label
from app.models import Complaint, StatusEvent
from app.projection import PublicComplaint
from app.reference import Category, areas
from schemas.open311_intake import load_complaint, open311_parameter

TITLE_LIMIT = 200
# Attributes of our service definitions (services/{code}); anything else is ignored.
ATTRIBUTE_CODES = ("kelurahan_code", "external_id", "visibility")

class InvalidSubmission(ValueError):
    """A submission that fails validation; `errors` maps Open311 parameters to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(describe_errors(errors))


def describe_errors(errors: Mapping[str, list[str]]) -> str:
    """One line naming every bad parameter: `attribute[kelurahan_code]: …; lat: …`."""
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in sorted(errors.items()))


def normalise_text(text: str) -> str:
    """CRLF and lone CR as LF, trailing spaces and blank edges removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def title_of(description: str) -> str:
    """The description's first non-empty line, cut to the title limit with an ellipsis."""
    first = next((line.strip() for line in description.split("\n") if line.strip()), "")
    if len(first) > TITLE_LIMIT:
        first = first[: TITLE_LIMIT - 1].rstrip() + "…"
    return first


def derived_external_id(faction_code: str, content: Mapping[str, Any]) -> str:
    """A stable external_id for a submission that brought none: replays map to one id."""
    encoded = json.dumps(
        {"faction": faction_code, **content}, sort_keys=True, default=str, ensure_ascii=False
    )
    return "o311-" + hashlib.sha256(encoded.encode()).hexdigest()[:40]


def attachment(url: str) -> dict[str, str]:
    """A native attachment for a media URL (the native API wants its media type)."""
    guessed, _ = mimetypes.guess_type(url.split("?", 1)[0])
    return {"url": url, "content_type": guessed or "application/octet-stream"}


def validate_native(raw: dict[str, Any], categories: Mapping[str, Category]) -> dict[str, Any]:
    """Validate native-shape fields against the configured `categories`; failures name the
    Open311 parameters."""
    try:
        return load_complaint(raw, categories)
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for path, messages in flatten_messages(exc.messages).items():
            errors.setdefault(open311_parameter(path), []).extend(messages)
        raise InvalidSubmission(errors) from None


# --- documents out -------------------------------------------------------------------------


def _wib(value: Any) -> Any:
    return value.astimezone(WIB).replace(microsecond=0) if value is not None else None


def request_document(
    complaint: Complaint, category: Category | None, duplicate_of: str | None = None
) -> dict:
    """One <request> with everything, for a key that may read the complaint; `duplicate_of`
    is its primary's tracking code (app.projection.duplicate_of_codes)."""
    attachments = complaint.attachments or []
    media_url = attachments[0].get("url") if attachments else None
    return _request(
        complaint, category, complaint.description, complaint.address, complaint.lat,
        complaint.lon, media_url,
    ) | {"duplicate_of": duplicate_of, "duplicate_state": complaint.duplicate_state}


def public_request_document(complaint: PublicComplaint, category: Category | None) -> dict:
    """One <request> for a keyless reader: the public projection (app/projection.py).

    Its stored public description, the kelurahan as the address, coordinates rounded to
    about 100 m, media only for `public` complaints, and its duplicate link only as the
    projection shows it (never to a confidential primary).
    """
    place = complaint.place
    return _request(
        complaint, category, complaint.description, place.kelurahan or None, place.lat,
        place.lon, complaint.media_url,
    ) | {"duplicate_of": complaint.duplicate_of, "duplicate_state": complaint.duplicate_state}


def _request(
    complaint: Complaint | PublicComplaint, category: Category | None, description: str,
    address: str | None, lat: float | None, lon: float | None, media_url: str | None,
) -> dict:
    return {
        "service_request_id": complaint.tracking_code,
        "status": open311_status(complaint.status),
        "status_notes": status_label(complaint.status),
        "service_name": category.label_id if category else None,
        "service_code": complaint.category,
        "description": description,
        "agency_responsible": complaint.agency or (category.agency if category else None),
        "service_notice": None,
        "requested_datetime": _wib(complaint.created_at),
        "updated_datetime": _wib(complaint.updated_at),
        "expected_datetime": _wib(complaint.due_at),
        "address": address,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": media_url,
    }


def update_id(complaint: Complaint, event: StatusEvent) -> str:
    """A stable update id: the tracking code and the event's seq (`JBT-7K3M9Q2D-3`)."""
    return f"{complaint.tracking_code}-{event.seq}"


def update_document(
    complaint: Complaint, event: StatusEvent, *, service_request_id: str | None = None,
    redacted: bool = False,
) -> dict[str, Any]:
    """One mySociety <request_update> for a status event (`redacted`: its public note, for a
    reader who is not the submitting faction)."""
    return {
        "update_id": update_id(complaint, event),
        "service_request_id": service_request_id or complaint.tracking_code,
        "status": mysociety_status(event.status),
        "updated_datetime": _wib(event.occurred_at),
        "description": event.public_note if redacted else event.note,
        "media_url": None,
        "external_status_code": event.status,
    }


# --- feed items in -------------------------------------------------------------------------

_KELURAHAN_CODE = re.compile(r"\b31\.\d{2}\.\d{2}\.\d{4}\b")


def kelurahan_in(text: str | None) -> str | None:
    """The kelurahan a free-text address names: by its code, else by a unique name."""
    if not text:
        return None
    known = areas()
    for code in _KELURAHAN_CODE.findall(text):
        if known.kelurahan(code) is not None:
            return code
    lowered = f" {re.sub(r'[^0-9a-z]+', ' ', text.lower())} "
    found: dict[str, set[str]] = {}
    for area in known.of_level("kelurahan"):
        name = re.sub(r"[^0-9a-z]+", " ", area.name.lower()).strip()
        if name and f" {name} " in lowered:
            found.setdefault(name, set()).add(area.code)
    if not found:
        return None
    # The longest name wins ("Kebon Jeruk" over "Jeruk"); a name two kelurahan share is no answer.
    longest = max(found, key=len)
    codes = found[longest]
    return next(iter(codes)) if len(codes) == 1 else None


def complaint_from_feed_item(
    item: Mapping[str, Any], categories: Mapping[str, Category]
) -> dict[str, Any]:
    """Native fields for one parsed feed <request>; raises InvalidSubmission."""
    service_request_id = item.get("service_request_id")
    description = normalise_text(item.get("description") or "")
    kelurahan_code = kelurahan_in(item.get("address")) or kelurahan_in(description)
    if kelurahan_code is None:
        raise InvalidSubmission(
            {"address": ["Names no Jakarta kelurahan (by code or unique name)."]}
        )
    occurred = item.get("requested_datetime")
    raw: dict[str, Any] = {
        "external_id": service_request_id,
        "category": item.get("service_code"),
        "title": title_of(description) or (item.get("service_name") or ""),
        "description": description,
        "occurred_at": occurred.isoformat() if occurred is not None else None,
        "location": {
            "kelurahan_code": kelurahan_code,
            "address": item.get("address"),
            "lat": item.get("lat"),
            "lon": item.get("long"),
        },
        "visibility": "anonymous",
        "attachments": [attachment(item["media_url"])] if item.get("media_url") else [],
    }
    return validate_native(raw, categories)
