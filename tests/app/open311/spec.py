"""What the tests know of GeoReport v2, written from the specification (not from our code).

- JSON Schemas of every document (the spec's JSON examples: bare arrays for lists, strings
  for ids and codes, W3C datetimes with an offset, empty values as null);
- an XML reader that turns a document into plain values, so tests compare structure and not
  bytes (single-element lists stay lists);
- a client that talks like FixMyStreet's Open311 backend: `.xml` only, form-encoded POSTs with
  `api_key` and `jurisdiction_id` in the body, repeated attribute keys, CRLF in descriptions,
  start_date/end_date windows for updates.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import requests

W3C_DATETIME = (
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)
_string = {"type": "string"}
_id = {"type": "string", "minLength": 1}
_opt_string = {"type": ["string", "null"]}
_datetime = {"type": "string", "pattern": W3C_DATETIME}
_opt_datetime = {"type": ["string", "null"], "pattern": W3C_DATETIME}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


def _array(items: dict[str, Any], min_items: int = 0, max_items: int | None = None) -> dict:
    schema: dict[str, Any] = {"type": "array", "items": items, "minItems": min_items}
    if max_items is not None:
        schema["maxItems"] = max_items
    return schema


DISCOVERY = _object(
    {
        "changeset": _datetime,
        "contact": _string,
        "key_service": _string,
        "endpoints": _array(
            _object(
                {
                    "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "changeset": _datetime,
                    "type": {"enum": ["production", "test"]},
                    "formats": _array({"enum": ["text/xml", "application/json"]}, 1),
                },
                ["specification", "url", "changeset", "type", "formats"],
            ),
            1,
        ),
    },
    ["changeset", "contact", "key_service", "endpoints"],
)

SERVICE = _object(
    {
        "service_code": _id,
        "service_name": _string,
        "description": _opt_string,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": _opt_string,
        "group": _opt_string,
    },
    ["service_code", "service_name", "metadata", "type", "keywords", "group"],
)
SERVICES = _array(SERVICE, 1)

ATTRIBUTE = _object(
    {
        "variable": {"type": "boolean"},
        "code": _id,
        "datatype": {
            "enum": [
                "string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"
            ]
        },
        "required": {"type": "boolean"},
        "datatype_description": _opt_string,
        "order": {"type": "integer"},
        "description": _string,
        "values": _array(_object({"key": _id, "name": _string}, ["key", "name"])),
    },
    ["variable", "code", "datatype", "required", "order", "description"],
)
SERVICE_DEFINITION = _object(
    {"service_code": _id, "attributes": _array(ATTRIBUTE, 1)}, ["service_code", "attributes"]
)

REQUEST = _object(
    {
        "service_request_id": _id,
        "status": {"enum": ["open", "closed"]},
        "status_notes": _opt_string,
        "service_name": _opt_string,
        "service_code": _id,
        "description": _opt_string,
        "agency_responsible": _opt_string,
        "service_notice": _opt_string,
        "requested_datetime": _datetime,
        "updated_datetime": _opt_datetime,
        "expected_datetime": _opt_datetime,
        "address": _opt_string,
        "address_id": _opt_string,
        "zipcode": _opt_string,
        "lat": {"type": ["number", "null"]},
        "long": {"type": ["number", "null"]},
        "media_url": _opt_string,
    },
    ["service_request_id", "status", "service_code", "requested_datetime"],
)
REQUESTS = _array(REQUEST)
ONE_REQUEST = _array(REQUEST, 1, 1)

REQUEST_CREATED = _array(
    _object(
        {"service_request_id": _id, "service_notice": _opt_string, "account_id": _opt_string},
        ["service_request_id"],
    ),
    1,
    1,
)

MYSOCIETY_STATUSES = [
    "OPEN", "INVESTIGATING", "IN_PROGRESS", "ACTION_SCHEDULED", "FIXED", "CLOSED",
    "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "INTERNAL_REFERRAL",
    "FOR_TRIAGE", "REOPEN", "PLANNED", "CANCELLED",
]
UPDATE = _object(
    {
        "update_id": _id,
        "service_request_id": _id,
        "status": {"enum": MYSOCIETY_STATUSES},
        "updated_datetime": _datetime,
        "description": _opt_string,
        "media_url": _opt_string,
        "external_status_code": _opt_string,
    },
    ["update_id", "service_request_id", "status", "updated_datetime", "description"],
)
UPDATES = _array(UPDATE)

ERRORS = _array(
    _object({"code": {"type": "string", "pattern": r"^\d{3}$"}, "description": _string},
            ["code", "description"]),
    1,
)

# Elements whose children form a list, whatever their number.
LIST_ELEMENTS = {
    "services", "service_requests", "service_request_updates", "errors", "attributes",
    "values", "endpoints", "formats",
}


def xml_document(body: bytes) -> tuple[str, Any]:
    """(root tag, plain value): text leaves as strings ("" when empty), lists as lists."""
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:60]
    root = ET.fromstring(body)
    return root.tag, _plain(root)


def _plain(element: ET.Element) -> Any:
    children = list(element)
    if element.tag in LIST_ELEMENTS:
        return [_plain(child) for child in children]
    if not children:
        return element.text or ""
    value: dict[str, Any] = {}
    for child in children:
        assert child.tag not in value, f"<{child.tag}> repeated in <{element.tag}>"
        value[child.tag] = _plain(child)
    return value


def as_xml_values(value: Any) -> Any:
    """A JSON document's values as XML carries them (all text, empty for null)."""
    if isinstance(value, list):
        return [as_xml_values(v) for v in value]
    if isinstance(value, dict):
        return {k: as_xml_values(v) for k, v in value.items()}
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def w3c(text: str) -> datetime:
    """Parse a W3C datetime, insisting on an offset."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert parsed.utcoffset() is not None, text
    return parsed


class FixMyStreetClient:
    """Talks to an Open311 endpoint the way FixMyStreet's Open311 backend does."""

    def __init__(self, endpoint: str, api_key: str, jurisdiction_id: str = "jakarta") -> None:
        self.endpoint = endpoint.rstrip("/") + "/"
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        self.http = requests.Session()

    def _get(self, path: str, params: dict[str, str] | None = None) -> tuple[str, Any]:
        query = {"jurisdiction_id": self.jurisdiction_id, **(params or {})}
        response = self.http.get(self.endpoint + path, params=query, timeout=10)
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        assert response.status_code == 200, response.text
        return xml_document(response.content)

    def services(self) -> list[dict[str, Any]]:
        tag, services = self._get("services.xml")
        assert tag == "services"
        return services

    def service_definition(self, code: str) -> dict[str, Any]:
        tag, definition = self._get(f"services/{code}.xml")
        assert tag == "service_definition"
        return definition

    def send_service_request(
        self,
        service_code: str,
        title: str,
        detail: str,
        lat: float,
        lon: float,
        reporter: dict[str, str],
        attributes: list[tuple[str, str]],
        media_url: str | None = None,
    ) -> requests.Response:
        """FixMyStreet's POST: title and detail joined with CRLF, attributes as sent."""
        form: list[tuple[str, str]] = [
            ("api_key", self.api_key),
            ("jurisdiction_id", self.jurisdiction_id),
            ("service_code", service_code),
            ("description", f"{title}\r\n\r\n{detail}"),
            ("lat", str(lat)),
            ("long", str(lon)),
            ("email", reporter["email"]),
            ("first_name", reporter["first_name"]),
            ("last_name", reporter["last_name"]),
            ("phone", reporter.get("phone", "")),
        ]
        if media_url:
            form.append(("media_url", media_url))
        form.extend((f"attribute[{code}]", value) for code, value in attributes)
        return self.http.post(self.endpoint + "requests.xml", data=form, timeout=10)

    def service_request_id(self, response: requests.Response) -> str:
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        tag, created = xml_document(response.content)
        assert tag == "service_requests" and isinstance(created, list) and len(created) == 1
        return created[0]["service_request_id"]

    def get_service_request_updates(self, start: datetime, end: datetime) -> list[dict]:
        tag, updates = self._get(
            "servicerequestupdates.xml",
            {
                "api_key": self.api_key,
                "start_date": start.isoformat(timespec="seconds"),
                "end_date": end.isoformat(timespec="seconds"),
            },
        )
        assert tag == "service_request_updates"
        return updates

    def post_service_request_update(
        self, update_id: str, service_request_id: str, status: str, description: str,
        updated: datetime,
    ) -> requests.Response:
        form = {
            "api_key": self.api_key,
            "jurisdiction_id": self.jurisdiction_id,
            "update_id": update_id,
            "service_request_id": service_request_id,
            "status": status,
            "description": description,
            "updated_datetime": updated.isoformat(timespec="seconds"),
            "email": "warga@example.org",
            "first_name": "Warga",
            "last_name": "Jakarta",
        }
        return self.http.post(self.endpoint + "servicerequestupdates.xml", data=form, timeout=10)
