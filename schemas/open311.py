"""The Open311 GeoReport v2 wire format, with mySociety's servicerequestupdates extension.

One implementation shared by the CRM simulator, the CRM connector and Jembatan's own
/open311/v2 facade, so that all three agree byte for byte on what the wire looks like.

Each document kind is described once, as a marshmallow schema whose fields are the spec's
element names in the spec's order. Rendering dumps items through the schema and writes XML or
JSON; parsing reads XML (through defusedxml) or JSON into plain dicts and loads them through
the same schema, so a client gets typed values (aware datetimes, floats, booleans) or an
`Open311FormatError`.

Conventions, per the spec:
- XML starts with `<?xml version="1.0" encoding="utf-8"?>`; JSON lists are bare arrays.
- A value that is None is an empty element in XML and null in JSON. XML cannot tell an empty
  string from a missing value, so parsing turns "" into None in both formats.
- Identifiers and codes are strings on the wire (a numeric JSON id is accepted when parsing).
- Datetimes are W3C/RFC 3339 with an offset; a datetime without one is refused both ways.
- Characters that XML 1.0 cannot carry at all (most C0 controls, U+FFFE, U+FFFF) are dropped
  from XML output; a carriage return is written as `&#13;` so it survives parsing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validates_schema,
)

from schemas.xmlchars import XML_INVALID

FORMATS = ("xml", "json")

_CONTENT_TYPES = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'

# The only specification URL GeoReport v2 discovery documents use.
GEOREPORT_V2_SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


class Open311FormatError(ValueError):
    """A body that is not the Open311 document it should be (fatal for a client)."""


def content_type(fmt: str) -> str:
    """The Content-Type header value for an Open311 format."""
    return _CONTENT_TYPES[_check_format(fmt)]


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown Open311 format {fmt!r}; expected one of {FORMATS}")
    return fmt


# --- datetimes -----------------------------------------------------------------------------

# A '+' in a query string decodes to a space; clients that forget to encode the offset of
# start_date/end_date send "…T10:00:00 07:00". Restoring it is unambiguous, so we do.
_SPACE_FOR_PLUS = re.compile(r"^(.*T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def format_datetime(dt: datetime) -> str:
    """W3C/RFC 3339 text of an aware datetime, keeping its offset (naive is refused)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"datetime {dt.isoformat()} has no timezone; Open311 needs an offset")
    return dt.isoformat()


def parse_datetime(text: str) -> datetime:
    """Aware datetime from W3C/RFC 3339 text; ValueError if malformed or without an offset."""
    if not isinstance(text, str):
        raise ValueError(f"datetime must be text, not {type(text).__name__}")
    value = text.strip()
    if not value:
        raise ValueError("datetime is empty")
    repaired = _SPACE_FOR_PLUS.match(value)
    if repaired:
        value = f"{repaired.group(1)}+{repaired.group(2)}"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        problem = f"datetime {text!r} is not W3C/RFC 3339 (e.g. 2026-11-29T08:15:30+07:00)"
        raise ValueError(problem) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"datetime {text!r} has no timezone offset (add Z or +07:00)")
    return parsed


# --- fields --------------------------------------------------------------------------------


class W3CDateTime(fields.Field):
    """An aware datetime as W3C/RFC 3339 text with an offset."""

    default_error_messages = {"invalid": "{problem}"}

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            # Already wire text (e.g. relayed from another system): check it, keep it.
            parse_datetime(value)
            return value
        return format_datetime(value)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> datetime:
        try:
            return parse_datetime(value)
        except ValueError as exc:
            raise self.make_error("invalid", problem=str(exc)) from exc


class Identifier(fields.Field):
    """An id or code: always a string on the wire; a JSON integer is accepted on input."""

    default_error_messages = {"invalid": "Not a valid identifier."}

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.make_error("invalid")
        return str(value)


class Keywords(fields.Field):
    """The spec's comma-separated keyword list, as a list of strings in Python."""

    default_error_messages = {"invalid": "Not a valid keyword list."}

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            return value
        return ", ".join(str(keyword) for keyword in value)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> list[str]:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return [keyword.strip() for keyword in value.split(",") if keyword.strip()]


def _text(**kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, **kwargs)


def _xml_list(inner: fields.Field, item_tag: str, **kwargs: Any) -> fields.List:
    """A list that XML writes as <name><item_tag/>…</name>."""
    return fields.List(inner, allow_none=True, metadata={"xml_item": item_tag}, **kwargs)


# Fields that are extensions or alternatives are written only when they carry a value;
# every other field is always written (None as an empty element), as the spec's examples do.
_OPTIONAL = {"optional": True}


# --- schemas -------------------------------------------------------------------------------


class Open311Schema(Schema):
    """Base: ignore what we do not know (payloads from outside), read "" as None."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _empty_is_none(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping):
            return {key: (None if value == "" else value) for key, value in data.items()}
        return data


class Open311ServiceSchema(Open311Schema):
    """One service (request type) of GET services."""

    service_code = Identifier(required=True)
    service_name = _text()
    description = _text()
    metadata = fields.Boolean(allow_none=True)
    type = _text()
    keywords = Keywords(allow_none=True)
    group = _text()


class Open311AttributeValueSchema(Open311Schema):
    """One allowed value of a singlevaluelist/multivaluelist attribute."""

    key = Identifier(required=True)
    name = _text()


class Open311AttributeSchema(Open311Schema):
    """One attribute of a service definition."""

    variable = fields.Boolean(allow_none=True)
    code = Identifier(required=True)
    datatype = _text()
    required = fields.Boolean(allow_none=True)
    datatype_description = _text()
    order = fields.Integer(allow_none=True)
    description = _text()
    values = _xml_list(fields.Nested(Open311AttributeValueSchema), "value")
    # mySociety: "server_set" or "hidden_field" attributes a client must not ask users for.
    automated = _text(metadata=_OPTIONAL)


class Open311ServiceDefinitionSchema(Open311Schema):
    """GET services/{service_code}."""

    service_code = Identifier(required=True)
    attributes = _xml_list(fields.Nested(Open311AttributeSchema), "attribute")


class Open311RequestSchema(Open311Schema):
    """One service request of GET requests and GET requests/{id}."""

    service_request_id = Identifier(required=True)
    status = _text()
    status_notes = _text()
    service_name = _text()
    service_code = Identifier(allow_none=True)
    description = _text()
    agency_responsible = _text()
    service_notice = _text()
    requested_datetime = W3CDateTime(allow_none=True)
    updated_datetime = W3CDateTime(allow_none=True)
    expected_datetime = W3CDateTime(allow_none=True)
    address = _text()
    address_id = Identifier(allow_none=True)
    zipcode = _text()
    lat = fields.Float(allow_none=True)
    long = fields.Float(allow_none=True)
    media_url = _text()
    # Jembatan's extension, after the spec's elements (docs/OPEN311.md#duplicates): the
    # primary's service_request_id when this request reports the same problem, and the
    # decision's state. Written only with a value, so other clients see the spec unchanged.
    duplicate_of = Identifier(allow_none=True, metadata=_OPTIONAL)
    duplicate_state = _text(metadata=_OPTIONAL)


class Open311RequestCreatedSchema(Open311Schema):
    """The answer to POST requests: an id (realtime) or a token (batch)."""

    service_request_id = Identifier(allow_none=True, metadata=_OPTIONAL)
    token = Identifier(allow_none=True, metadata=_OPTIONAL)
    service_notice = _text()
    account_id = Identifier(allow_none=True)

    @validates_schema
    def _id_or_token(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if not data.get("service_request_id") and not data.get("token"):
            raise ValidationError("carries neither service_request_id nor token")


class Open311TokenSchema(Open311Schema):
    """One answer of GET tokens/{token}."""

    service_request_id = Identifier(allow_none=True)
    token = Identifier(required=True)


class Open311UpdateSchema(Open311Schema):
    """One request_update of mySociety's GET servicerequestupdates."""

    update_id = Identifier(required=True)
    service_request_id = Identifier(required=True)
    status = fields.String(required=True)
    updated_datetime = W3CDateTime(required=True)
    description = _text()
    media_url = _text()
    external_status_code = Identifier(allow_none=True)


class Open311ErrorSchema(Open311Schema):
    """One error of an <errors> document."""

    code = Identifier(required=True)
    description = _text()


class Open311EndpointSchema(Open311Schema):
    """One endpoint of a discovery document."""

    specification = _text()
    url = _text()
    changeset = W3CDateTime(allow_none=True)
    type = _text()
    formats = _xml_list(fields.String(), "format")


class Open311DiscoverySchema(Open311Schema):
    """The service discovery document."""

    changeset = W3CDateTime(allow_none=True)
    contact = _text()
    key_service = _text()
    endpoints = _xml_list(fields.Nested(Open311EndpointSchema), "endpoint")


# --- XML writing ---------------------------------------------------------------------------

# Characters XML 1.0 allows (production [2] Char); anything else cannot be written at all.
_XML_INVALID = XML_INVALID
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value)).translate(_XML_ESCAPES)


def _xml_value(tag: str, value: Any, field: fields.Field | None, out: list[str]) -> None:
    if value is None:
        out.append(f"<{tag}/>")
        return
    out.append(f"<{tag}>")
    if isinstance(field, fields.List):
        item_tag = field.metadata["xml_item"]
        for item in value:
            _xml_value(item_tag, item, field.inner, out)
    elif isinstance(field, fields.Nested):
        _xml_fields(value, field.schema, out)
    else:
        out.append(_xml_text(value))
    out.append(f"</{tag}>")


def _xml_fields(dumped: Mapping[str, Any], schema: Schema, out: list[str]) -> None:
    for name, field in schema.fields.items():
        if name in dumped:
            _xml_value(name, dumped[name], field, out)


def _complete(schema: Schema, item: Mapping[str, Any]) -> dict[str, Any]:
    """Every non-optional field present (None if the caller left it out), nested ones too."""
    complete: dict[str, Any] = {}
    for name, field in schema.fields.items():
        value = item.get(name)
        if value is None:
            if not field.metadata.get("optional"):
                complete[name] = None
            continue
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested) and isinstance(field, fields.List):
            value = [_complete(inner.schema, one) for one in value]
        elif isinstance(inner, fields.Nested):
            value = _complete(inner.schema, value)
        complete[name] = value
    return complete


def _dump(schema: Schema, item: Mapping[str, Any]) -> dict[str, Any]:
    """Dump one item, writing every non-optional field even when the caller left it out."""
    return schema.dump(_complete(schema, item))


def _render_list(
    schema: Schema, root: str, item_tag: str, items: Iterable[Mapping[str, Any]], fmt: str
) -> bytes:
    dumped = [_dump(schema, item) for item in items]
    if _check_format(fmt) == "json":
        return _json_bytes(dumped)
    out = [XML_DECLARATION, f"<{root}>"]
    for item in dumped:
        out.append(f"<{item_tag}>")
        _xml_fields(item, schema, out)
        out.append(f"</{item_tag}>")
    out.append(f"</{root}>")
    return "".join(out).encode("utf-8")


def _render_object(schema: Schema, root: str, document: Mapping[str, Any], fmt: str) -> bytes:
    dumped = _dump(schema, document)
    if _check_format(fmt) == "json":
        return _json_bytes(dumped)
    out = [XML_DECLARATION, f"<{root}>"]
    _xml_fields(dumped, schema, out)
    out.append(f"</{root}>")
    return "".join(out).encode("utf-8")


def _json_bytes(document: Any) -> bytes:
    # ensure_ascii=False: the spec wants UTF-8 text, and Indonesian notes stay readable.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- reading -------------------------------------------------------------------------------


def _xml_root(body: bytes, root: str) -> Element:
    try:
        element = fromstring(body)
    except (ParseError, DefusedXmlException) as exc:
        raise Open311FormatError(f"unreadable XML: {exc}") from exc
    tag = _local_name(element.tag)
    if tag != root:
        raise Open311FormatError(f"expected <{root}>, got <{tag}>")
    return element


def _local_name(tag: str) -> str:
    # A CRM that puts its documents in a namespace still names elements as the spec does.
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, tag: str) -> list[Element]:
    return [child for child in element if _local_name(child.tag) == tag]


def _xml_read_value(element: Element, field: fields.Field) -> Any:
    if isinstance(field, fields.List):
        item_tag = field.metadata["xml_item"]
        return [_xml_read_value(child, field.inner) for child in _children(element, item_tag)]
    if isinstance(field, fields.Nested):
        return _xml_read_fields(element, field.schema)
    if len(element):
        raise Open311FormatError(f"<{_local_name(element.tag)}> should hold text, not elements")
    return element.text or None


def _xml_read_fields(element: Element, schema: Schema) -> dict[str, Any]:
    read: dict[str, Any] = {}
    for name, field in schema.fields.items():
        found = _children(element, name)
        if found:
            read[name] = _xml_read_value(found[0], field)
    return read


def _xml_read_texts(element: Element, schema: Schema) -> dict[str, Any]:
    """The text of each of the schema's elements present (the first of a name), unvalidated."""
    read: dict[str, Any] = {}
    for name in schema.fields:
        found = _children(element, name)
        if found:
            read[name] = found[0].text or None
    return read


def _json_document(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Open311FormatError(f"unreadable JSON: {exc}") from exc


def _load(schema: Schema, raw: Any, what: str) -> Any:
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise Open311FormatError(f"invalid {what}: {exc.messages}") from exc


def _parse_list(
    schema: Schema, root: str, item_tag: str, body: bytes, fmt: str
) -> list[dict[str, Any]]:
    if _check_format(fmt) == "json":
        document = _json_document(body)
        if not isinstance(document, list) or not all(isinstance(i, dict) for i in document):
            raise Open311FormatError(f"expected a JSON array of {item_tag} objects")
        raw = document
    else:
        element = _xml_root(body, root)
        raw = [_xml_read_fields(child, schema) for child in _children(element, item_tag)]
    return [_load(schema, item, f"{item_tag} #{index + 1}") for index, item in enumerate(raw)]


def _parse_object(schema: Schema, root: str, body: bytes, fmt: str) -> dict[str, Any]:
    if _check_format(fmt) == "json":
        raw = _json_document(body)
        if not isinstance(raw, dict):
            raise Open311FormatError(f"expected a JSON object for {root}")
    else:
        raw = _xml_read_fields(_xml_root(body, root), schema)
    return _load(schema, raw, root)


_SERVICE = Open311ServiceSchema()
_SERVICE_DEFINITION = Open311ServiceDefinitionSchema()
_REQUEST = Open311RequestSchema()
_REQUEST_CREATED = Open311RequestCreatedSchema()
_TOKEN = Open311TokenSchema()
_UPDATE = Open311UpdateSchema()
_ERROR = Open311ErrorSchema()
_DISCOVERY = Open311DiscoverySchema()


# --- public rendering ----------------------------------------------------------------------


def render_services(services: list[dict[str, Any]], fmt: str) -> bytes:
    """GET services: <services><service>…</service></services> or a JSON array."""
    return _render_list(_SERVICE, "services", "service", services, fmt)


def render_service_definition(definition: dict[str, Any], fmt: str) -> bytes:
    """GET services/{code}: <service_definition> with its attributes."""
    return _render_object(_SERVICE_DEFINITION, "service_definition", definition, fmt)


def render_requests(requests: list[dict[str, Any]], fmt: str) -> bytes:
    """GET requests and requests/{id}: <service_requests><request>… (always a list)."""
    return _render_list(_REQUEST, "service_requests", "request", requests, fmt)


def render_request_created(created: list[dict[str, Any]], fmt: str) -> bytes:
    """POST requests answer: service_request_id or token, service_notice, account_id."""
    return _render_list(_REQUEST_CREATED, "service_requests", "request", created, fmt)


def render_tokens(tokens: list[dict[str, Any]], fmt: str) -> bytes:
    """GET tokens/{token} answer: service_request_id and token."""
    return _render_list(_TOKEN, "service_requests", "request", tokens, fmt)


def render_updates(updates: list[dict[str, Any]], fmt: str) -> bytes:
    """GET servicerequestupdates: <service_request_updates><request_update>…"""
    return _render_list(_UPDATE, "service_request_updates", "request_update", updates, fmt)


def render_errors(errors: list[tuple[str, str]], fmt: str) -> bytes:
    """<errors><error><code/><description/></error></errors>, or a JSON array of them."""
    items = [{"code": code, "description": description} for code, description in errors]
    return _render_list(_ERROR, "errors", "error", items, fmt)


def render_discovery(discovery: dict[str, Any], fmt: str) -> bytes:
    """The service discovery document (a JSON object, not a list)."""
    return _render_object(_DISCOVERY, "discovery", discovery, fmt)


# --- public parsing ------------------------------------------------------------------------


def parse_services(body: bytes, fmt: str) -> list[dict[str, Any]]:
    """Services of a GET services answer."""
    return _parse_list(_SERVICE, "services", "service", body, fmt)


def parse_service_definition(body: bytes, fmt: str) -> dict[str, Any]:
    """A GET services/{code} answer."""
    return _parse_object(_SERVICE_DEFINITION, "service_definition", body, fmt)


def parse_requests(body: bytes, fmt: str) -> list[dict[str, Any]]:
    """Service requests of a GET requests answer (datetimes aware, lat/long floats)."""
    return _parse_list(_REQUEST, "service_requests", "request", body, fmt)


def parse_requests_each(body: bytes, fmt: str) -> list[dict[str, Any] | Open311FormatError]:
    """Each service request of a GET requests answer, or the error that one item raised.

    For readers of untrusted feeds: a malformed item is reported in its place instead of
    failing the whole document (an unreadable document still raises Open311FormatError).
    """
    if _check_format(fmt) == "json":
        document = _json_document(body)
        if not isinstance(document, list):
            raise Open311FormatError("expected a JSON array of request objects")
        raw: list[Any] = document
    else:
        element = _xml_root(body, "service_requests")
        raw = []
        for child in _children(element, "request"):
            try:
                raw.append(_xml_read_fields(child, _REQUEST))
            except Open311FormatError as exc:
                raw.append(exc)
    items: list[dict[str, Any] | Open311FormatError] = []
    for index, item in enumerate(raw):
        if isinstance(item, Open311FormatError):
            items.append(Open311FormatError(f"request #{index + 1}: {item}"))
        elif not isinstance(item, dict):
            items.append(Open311FormatError(f"request #{index + 1} is not an object"))
        else:
            try:
                items.append(_load(_REQUEST, item, f"request #{index + 1}"))
            except Open311FormatError as exc:
                items.append(exc)
    return items


def parse_request_created(body: bytes, fmt: str) -> list[dict[str, Any]]:
    """A POST requests answer; each item has a service_request_id or a token."""
    return _parse_list(_REQUEST_CREATED, "service_requests", "request", body, fmt)


def parse_tokens(body: bytes, fmt: str) -> list[dict[str, Any]]:
    """A GET tokens/{token} answer."""
    return _parse_list(_TOKEN, "service_requests", "request", body, fmt)


def parse_updates(body: bytes, fmt: str) -> list[dict[str, Any]]:
    """Updates of a GET servicerequestupdates answer (updated_datetime aware)."""
    return _parse_list(_UPDATE, "service_request_updates", "request_update", body, fmt)


def parse_updates_each(body: bytes, fmt: str) -> list[dict[str, Any]]:
    """Each request_update of a GET servicerequestupdates answer, as the wire text it was sent.

    For the CRM poller, where one malformed update must spoil nothing else: items are not
    validated here but one by one where they are applied (app.status_updates, through
    Open311UpdateSchema), so a bad one is recorded with its own reason and its update_id, and
    the rest go on. XML items hold the schema's elements as text ("" read as None; unknown
    elements ignored); a JSON item is the object as sent, and an item that is not an object
    becomes `{"_item": its text}`. An unreadable document still raises Open311FormatError.
    """
    if _check_format(fmt) == "json":
        document = _json_document(body)
        if not isinstance(document, list):
            raise Open311FormatError("expected a JSON array of request_update objects")
        return [item if isinstance(item, dict) else {"_item": str(item)} for item in document]
    element = _xml_root(body, "service_request_updates")
    return [_xml_read_texts(child, _UPDATE) for child in _children(element, "request_update")]


def parse_errors(body: bytes, fmt: str) -> list[dict[str, Any]]:
    """Errors of an <errors> document (code as a string)."""
    return _parse_list(_ERROR, "errors", "error", body, fmt)


def parse_discovery(body: bytes, fmt: str) -> dict[str, Any]:
    """A discovery document."""
    return _parse_object(_DISCOVERY, "discovery", body, fmt)


# --- form helpers (a server reading a POST) ------------------------------------------------

_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def _form_pairs(form: Any) -> Iterable[tuple[str, Any]]:
    if hasattr(form, "items"):
        try:
            # werkzeug MultiDict: every value of a repeated key, in order.
            yield from form.items(multi=True)
            return
        except TypeError:
            pass
        for key, value in form.items():
            if isinstance(value, list | tuple):
                for one in value:
                    yield key, one
            else:
                yield key, value
        return
    yield from form


def parse_attributes(form: Any) -> dict[str, list[str]]:
    """Collect attribute[code], attribute[code][] and repeated keys as {code: [values]}."""
    attributes: dict[str, list[str]] = {}
    for key, value in _form_pairs(form):
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            attributes.setdefault(match.group(1), []).append(str(value))
    return attributes


__all__ = [
    "FORMATS",
    "GEOREPORT_V2_SPECIFICATION",
    "Open311AttributeSchema",
    "Open311AttributeValueSchema",
    "Open311DiscoverySchema",
    "Open311EndpointSchema",
    "Open311ErrorSchema",
    "Open311FormatError",
    "Open311RequestCreatedSchema",
    "Open311RequestSchema",
    "Open311ServiceDefinitionSchema",
    "Open311ServiceSchema",
    "Open311TokenSchema",
    "Open311UpdateSchema",
    "content_type",
    "format_datetime",
    "parse_attributes",
    "parse_datetime",
    "parse_discovery",
    "parse_errors",
    "parse_request_created",
    "parse_requests",
    "parse_requests_each",
    "parse_service_definition",
    "parse_services",
    "parse_tokens",
    "parse_updates",
    "parse_updates_each",
    "render_discovery",
    "render_errors",
    "render_request_created",
    "render_requests",
    "render_service_definition",
    "render_services",
    "render_tokens",
    "render_updates",
]
