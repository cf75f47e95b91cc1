"""The Open311 wire format: what renders must parse back, in both formats, byte-safe."""

import json
from datetime import UTC, datetime, timedelta, timezone
from xml.sax.saxutils import escape

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from schemas.open311 import (
    FORMATS,
    Open311FormatError,
    Open311UpdateSchema,
    content_type,
    format_datetime,
    parse_attributes,
    parse_datetime,
    parse_discovery,
    parse_errors,
    parse_request_created,
    parse_requests,
    parse_service_definition,
    parse_services,
    parse_tokens,
    parse_updates,
    parse_updates_each,
    render_discovery,
    render_errors,
    render_request_created,
    render_requests,
    render_service_definition,
    render_services,
    render_tokens,
    render_updates,
)

WIB = timezone(timedelta(hours=7))
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'

# Text XML 1.0 can carry: no C0 controls besides tab/newline/CR, no U+FFFE/U+FFFF. Empty text
# is excluded because the wire reads "" as None (XML cannot tell the two apart).
xml_safe_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters=[chr(c) for c in range(0x20) if c not in (9, 10, 13)]
        + ["\ufffe", "\uffff"],
    ),
    min_size=1,
)
aware_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


def update(**overrides):
    base = {
        "update_id": "U-1",
        "service_request_id": "3100001",
        "status": "IN_PROGRESS",
        "updated_datetime": datetime(2026, 11, 29, 8, 15, 30, tzinfo=WIB),
        "description": "Petugas sedang menangani laporan",
        "media_url": None,
        "external_status_code": "PROSES",
    }
    return base | overrides


def test_content_types():
    assert content_type("xml") == "text/xml; charset=utf-8"
    assert content_type("json") == "application/json; charset=utf-8"
    with pytest.raises(ValueError):
        content_type("html")


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_round_trip(fmt):
    updates = [update(), update(update_id="U-2", status="FIXED", external_status_code="SELESAI")]
    parsed = parse_updates(render_updates(updates, fmt), fmt)
    assert parsed == updates
    assert parsed[0]["updated_datetime"].utcoffset() == timedelta(hours=7)


def test_xml_shape_follows_the_spec():
    body = render_updates([update()], "xml")
    assert body.startswith(XML_DECLARATION)
    assert b"<service_request_updates><request_update><update_id>U-1</update_id>" in body
    assert b"<updated_datetime>2026-11-29T08:15:30+07:00</updated_datetime>" in body
    # None is an empty element, never the text "None".
    assert b"<media_url/>" in body
    assert b"None" not in body


def test_json_lists_are_bare_arrays_with_string_ids():
    body = render_requests([{"service_request_id": 3100001, "lat": -6.2, "long": 106.8}], "json")
    assert body.startswith(b"[{")
    parsed = parse_requests(body, "json")
    assert parsed[0]["service_request_id"] == "3100001"
    assert (parsed[0]["lat"], parsed[0]["long"]) == (-6.2, 106.8)
    assert b'"service_request_id":"3100001"' in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_element_list_stays_a_list(fmt):
    parsed = parse_requests(render_requests([{"service_request_id": "1"}], fmt), fmt)
    assert isinstance(parsed, list)
    assert [r["service_request_id"] for r in parsed] == ["1"]
    assert parse_requests(render_requests([], fmt), fmt) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_round_trip_keywords_and_metadata(fmt):
    services = [
        {
            "service_code": "JSC-101",
            "service_name": "Sampah",
            "description": "Sampah menumpuk",
            "metadata": True,
            "type": "realtime",
            "keywords": ["sampah", "TPS"],
            "group": "Kebersihan",
        }
    ]
    body = render_services(services, fmt)
    assert parse_services(body, fmt) == services
    if fmt == "xml":
        assert b"<keywords>sampah, TPS</keywords><group>Kebersihan</group>" in body
        assert b"<metadata>true</metadata>" in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_round_trip(fmt):
    definition = {
        "service_code": "JSC-101",
        "attributes": [
            {
                "variable": True,
                "code": "gateway_ref",
                "datatype": "string",
                "required": False,
                "datatype_description": None,
                "order": 1,
                "description": "Rujukan gateway",
                "values": [],
            },
            {
                "variable": True,
                "code": "fraksi",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 2,
                "description": "Fraksi",
                "values": [{"key": "PSI", "name": "F-PSI"}],
            },
        ],
    }
    assert parse_service_definition(render_service_definition(definition, fmt), fmt) == definition


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_created_with_id_or_token(fmt):
    by_id = render_request_created([{"service_request_id": "31", "service_notice": "ok"}], fmt)
    assert parse_request_created(by_id, fmt) == [
        {"service_request_id": "31", "service_notice": "ok", "account_id": None}
    ]
    by_token = render_request_created([{"token": "t-9"}], fmt)
    assert parse_request_created(by_token, fmt) == [
        {"token": "t-9", "service_notice": None, "account_id": None}
    ]
    # An answer with neither is unusable: the connector must treat it as fatal.
    with pytest.raises(Open311FormatError):
        parse_request_created(render_request_created([{"service_notice": "?"}], fmt), fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens_round_trip(fmt):
    tokens = [{"service_request_id": None, "token": "t-1"}]
    assert parse_tokens(render_tokens(tokens, fmt), fmt) == tokens


@pytest.mark.parametrize("fmt", FORMATS)
def test_errors_round_trip(fmt):
    body = render_errors([("403", "api_key tidak valid"), ("400", "service_code unknown")], fmt)
    assert parse_errors(body, fmt) == [
        {"code": "403", "description": "api_key tidak valid"},
        {"code": "400", "description": "service_code unknown"},
    ]
    if fmt == "xml":
        assert b"<errors><error><code>403</code><description>api_key" in body


def test_errors_accept_numeric_json_codes_as_the_spec_examples_use():
    assert parse_errors(b'[{"code":403,"description":"x"}]', "json") == [
        {"code": "403", "description": "x"}
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_round_trip(fmt):
    discovery = {
        "changeset": datetime(2026, 11, 1, tzinfo=UTC),
        "contact": "crm@jakarta.go.id",
        "key_service": "http://127.0.0.1/keys",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": "http://127.0.0.1:5011/open311/v2",
                "changeset": datetime(2026, 11, 1, tzinfo=UTC),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    body = render_discovery(discovery, fmt)
    assert parse_discovery(body, fmt) == discovery
    if fmt == "json":
        assert body.startswith(b"{")


def test_unknown_elements_are_ignored_and_namespaces_tolerated():
    body = (
        b'<?xml version="1.0" encoding="utf-8"?>'
        b'<service_request_updates xmlns="urn:x"><request_update><update_id>9</update_id>'
        b"<service_request_id>31</service_request_id><status>FIXED</status>"
        b"<extras><x>1</x></extras><updated_datetime>2026-11-29T01:00:00Z</updated_datetime>"
        b"</request_update></service_request_updates>"
    )
    [parsed] = parse_updates(body, "xml")
    assert parsed["update_id"] == "9" and "extras" not in parsed
    assert parsed["updated_datetime"] == datetime(2026, 11, 29, 1, tzinfo=UTC)
    json_body = (
        b'[{"update_id":"9","service_request_id":"31","status":"FIXED",'
        b'"updated_datetime":"2026-11-29T01:00:00Z","surprise":[1]}]'
    )
    assert "surprise" not in parse_updates(json_body, "json")[0]


@pytest.mark.parametrize(
    ("body", "fmt"),
    [
        (b"<service_request_updates><request_update>", "xml"),
        (b"not xml at all", "xml"),
        (b'<?xml version="1.0"?><errors><error><code>500</code></error></errors>', "xml"),
        (b"{not json", "json"),
        (b'{"update_id": "1"}', "json"),
        (b"[1, 2]", "json"),
        (b"\xff\xfe", "json"),
        # Missing required fields, a naive datetime, a datetime that is not one.
        (b'[{"update_id":"1","status":"OPEN","updated_datetime":"2026-11-29T01:00:00Z"}]', "json"),
        (
            b'[{"update_id":"1","service_request_id":"2","status":"OPEN",'
            b'"updated_datetime":"2026-11-29T01:00:00"}]',
            "json",
        ),
        (
            b'[{"update_id":"1","service_request_id":"2","status":"OPEN",'
            b'"updated_datetime":"kemarin"}]',
            "json",
        ),
        (
            b'[{"update_id":true,"service_request_id":"2","status":"OPEN",'
            b'"updated_datetime":"2026-11-29T01:00:00Z"}]',
            "json",
        ),
    ],
)
def test_malformed_updates_raise_open311_format_error(body, fmt):
    with pytest.raises(Open311FormatError):
        parse_updates(body, fmt)


def test_entity_expansion_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;">]><errors><error><code>&b;</code></error></errors>'
    )
    with pytest.raises(Open311FormatError):
        parse_errors(bomb, "xml")


def test_control_characters_are_dropped_from_xml_not_fatal():
    body = render_errors([("400", "a\x00b\x1bc\ufffe")], "xml")
    assert parse_errors(body, "xml") == [{"code": "400", "description": "abc"}]


def test_format_datetime_keeps_the_offset_and_refuses_naive():
    assert format_datetime(datetime(2026, 11, 29, 8, 0, tzinfo=WIB)) == "2026-11-29T08:00:00+07:00"
    with pytest.raises(ValueError, match="timezone"):
        format_datetime(datetime(2026, 11, 29, 8, 0))
    with pytest.raises(ValueError):
        render_updates([update(updated_datetime=datetime(2026, 11, 29))], "xml")


def test_parse_datetime_requires_an_offset():
    assert parse_datetime("2026-11-29T01:00:00Z") == datetime(2026, 11, 29, 1, tzinfo=UTC)
    assert parse_datetime("2026-11-29T08:00:00.5+07:00").utcoffset() == timedelta(hours=7)
    with pytest.raises(ValueError, match="no timezone offset"):
        parse_datetime("2026-11-29T08:00:00")
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_datetime("29/11/2026")
    with pytest.raises(ValueError, match="empty"):
        parse_datetime(" ")


def test_parse_datetime_repairs_a_plus_decoded_to_space_by_a_query_string():
    assert parse_datetime("2026-11-29T08:00:00 07:00") == datetime(2026, 11, 29, 1, tzinfo=UTC)


def test_update_schema_requires_aware_datetime():
    schema = Open311UpdateSchema()
    errors = schema.validate(
        {
            "update_id": "1",
            "service_request_id": "2",
            "status": "OPEN",
            "updated_datetime": "2026-11-29T01:00:00",
        }
    )
    assert "updated_datetime" in errors
    assert "service_request_id" in schema.validate({"update_id": "1"})


def test_parse_attributes_all_three_spellings():
    form = MultiDict(
        [
            ("attribute[gateway_ref]", "JBT-7K3M9Q2D"),
            ("attribute[tags][]", "banjir"),
            ("attribute[tags][]", "kali"),
            ("attribute[fraksi]", "PSI"),
            ("attribute[fraksi]", "PKS"),
            ("description", "not an attribute"),
            ("attribute[]", "no code"),
        ]
    )
    assert parse_attributes(form) == {
        "gateway_ref": ["JBT-7K3M9Q2D"],
        "tags": ["banjir", "kali"],
        "fraksi": ["PSI", "PKS"],
    }
    assert parse_attributes({"attribute[a]": ["1", "2"], "attribute[b]": "3"}) == {
        "a": ["1", "2"],
        "b": ["3"],
    }


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    fmt=st.sampled_from(FORMATS),
    texts=st.lists(xml_safe_text, min_size=4, max_size=4),
    when=aware_datetimes,
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
)
@example(
    fmt="xml",
    texts=["0", "baris satu\r\nbaris dua\r", "<a href='x'>&amp; ]]> é 🚧", " \t "],
    when=datetime(2026, 11, 29, 1, 2, 3, 456789, tzinfo=UTC),
    lat=-6.1754,
)
def test_requests_render_parse_is_identity(fmt, texts, when, lat):
    request = {
        "service_request_id": texts[0],
        "status": "open",
        "status_notes": texts[1],
        "description": texts[2],
        "address": texts[3],
        "requested_datetime": when,
        "lat": lat,
    }
    [parsed] = parse_requests(render_requests([request], fmt), fmt)
    assert {key: parsed[key] for key in request} == request


@settings(max_examples=60, deadline=None)
@given(
    fmt=st.sampled_from(FORMATS),
    descriptions=st.lists(st.one_of(st.none(), xml_safe_text), max_size=5),
    when=aware_datetimes,
)
def test_updates_render_parse_is_identity(fmt, descriptions, when):
    updates = [
        update(update_id=str(i), description=text, updated_datetime=when)
        for i, text in enumerate(descriptions)
    ]
    assert parse_updates(render_updates(updates, fmt), fmt) == updates


@settings(max_examples=40, deadline=None)
@given(
    fmt=st.sampled_from(FORMATS),
    errors=st.lists(st.tuples(xml_safe_text, xml_safe_text), max_size=4),
)
def test_errors_render_parse_is_identity(fmt, errors):
    parsed = parse_errors(render_errors(errors, fmt), fmt)
    assert [(e["code"], e["description"]) for e in parsed] == errors


# --- parse_updates_each: the poller's reader, item by item ---------------------------------

UPDATE_FIELDS = tuple(Open311UpdateSchema().fields)


def updates_body(items, fmt, noise=False):
    """A servicerequestupdates document holding `items` exactly as given (valid or not)."""
    if fmt == "json":
        return json.dumps(items).encode("utf-8")
    parts = ['<?xml version="1.0" encoding="utf-8"?><service_request_updates>']
    for item in items:
        parts.append("<request_update>")
        if noise:
            parts.append("<extra>x</extra>")
        for name, value in item.items():
            text = "" if value is None else escape(str(value), {"\r": "&#13;"})
            parts.append(f"<{name}>{text}</{name}>")
        parts.append("</request_update>")
    parts.append("</service_request_updates>")
    return "".join(parts).encode("utf-8")


valid_updates = st.fixed_dictionaries({
    "update_id": xml_safe_text,
    "service_request_id": xml_safe_text,
    "status": st.sampled_from(["open", "closed"]),
    "updated_datetime": aware_datetimes.map(format_datetime),
    "description": st.none() | xml_safe_text,
    "external_status_code": st.none() | xml_safe_text,
})
# What a CRM gets wrong: a missing id or ticket, a date that is not one, a date without offset.
malformed_updates = st.one_of(
    valid_updates.map(lambda u: {k: v for k, v in u.items() if k != "update_id"}),
    valid_updates.map(lambda u: {k: v for k, v in u.items() if k != "service_request_id"}),
    st.tuples(valid_updates, xml_safe_text).map(
        lambda pair: pair[0] | {"updated_datetime": "kemarin " + pair[1]}),
    valid_updates.map(lambda u: u | {"updated_datetime": "2026-11-20T10:00:00"}),
)


@settings(max_examples=60, deadline=None)
@given(
    fmt=st.sampled_from(FORMATS),
    items=st.lists(st.tuples(st.booleans(), valid_updates, malformed_updates), max_size=6),
    noise=st.booleans(),
)
def test_parse_updates_each_returns_every_item_and_a_bad_one_spoils_no_other(fmt, items, noise):
    sent = [good if ok else bad for ok, good, bad in items]
    parsed = parse_updates_each(updates_body(sent, fmt, noise), fmt)
    # Every item, in order, as its wire text ("" read as None, unknown elements ignored).
    assert parsed == [{k: (None if v == "" else v) for k, v in item.items()} for item in sent]
    schema = Open311UpdateSchema()
    for (ok, _good, _bad), item in zip(items, parsed, strict=True):
        errors = schema.validate(item)
        # Each item is judged on its own: the valid ones load whatever surrounds them.
        assert (errors == {}) is ok, (item, errors)
        if ok:
            loaded = schema.load(item)
            assert loaded["update_id"] == item["update_id"]
            assert loaded["updated_datetime"] == parse_datetime(item["updated_datetime"])


def test_parse_updates_each_reads_xml_items_one_by_one():
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><service_request_updates>'
        b"<request_update><update_id>A</update_id><service_request_id>1</service_request_id>"
        b"<status>open</status><updated_datetime>bad</updated_datetime></request_update>"
        b"<request_update><update_id>B</update_id><service_request_id>1</service_request_id>"
        b"<status>open</status><updated_datetime>2026-11-20T10:00:00+07:00</updated_datetime>"
        b"<external_status_code>PROSES</external_status_code><extra>x</extra></request_update>"
        b"</service_request_updates>"
    )
    items = parse_updates_each(body, "xml")
    assert [i["update_id"] for i in items] == ["A", "B"]
    assert items[1]["external_status_code"] == "PROSES" and "extra" not in items[1]


def test_parse_updates_each_keeps_a_json_item_that_is_not_an_object():
    body = b'[{"update_id":"1","service_request_id":"2"}, "not even an object", 7]'
    assert parse_updates_each(body, "json") == [
        {"update_id": "1", "service_request_id": "2"}, {"_item": "not even an object"},
        {"_item": "7"},
    ]


@pytest.mark.parametrize(
    ("body", "fmt"),
    [
        (b"<service_request_updates><request_update>", "xml"),
        (b"not xml at all", "xml"),
        (b'<?xml version="1.0"?><errors><error><code>500</code></error></errors>', "xml"),
        (b"{not json", "json"),
        (b'{"update_id": "1"}', "json"),
        (b"\xff\xfe", "json"),
    ],
)
def test_parse_updates_each_refuses_an_unreadable_document(body, fmt):
    with pytest.raises(Open311FormatError):
        parse_updates_each(body, fmt)


attribute_codes = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="[]"), min_size=1
)


@settings(max_examples=80, deadline=None)
@given(
    entries=st.lists(
        st.tuples(attribute_codes, st.sampled_from(["plain", "brackets"]), st.text()),
        max_size=8,
    ),
    noise=st.lists(st.tuples(st.text(), st.text()), max_size=3),
)
def test_parse_attributes_groups_values_by_code_in_order(entries, noise):
    spellings = {"plain": "attribute[{}]", "brackets": "attribute[{}][]"}
    pairs = [(spellings[style].format(code), value) for code, style, value in entries]
    pairs += [(key, value) for key, value in noise if not key.startswith("attribute[")]
    expected: dict[str, list[str]] = {}
    for code, _, value in entries:
        expected.setdefault(code, []).append(value)
    # Pairs keep the order they came in; a werkzeug MultiDict (what request.form is) groups
    # the values of one key together, so across spellings only the multiset is kept.
    assert parse_attributes(pairs) == expected
    from_form = parse_attributes(MultiDict(pairs))
    assert {code: sorted(values) for code, values in from_form.items()} == {
        code: sorted(values) for code, values in expected.items()
    }
