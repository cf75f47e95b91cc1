"""Every Open311 endpoint of the simulator, in XML and JSON, through real HTTP."""

import tomllib
from datetime import timedelta

import pytest

from schemas.open311 import (
    FORMATS,
    format_datetime,
    parse_discovery,
    parse_errors,
    parse_request_created,
    parse_requests,
    parse_service_definition,
    parse_services,
    parse_updates,
)
from tests.support.crmsim import REPO_ROOT

CATEGORIES = tomllib.loads((REPO_ROOT / "app/reference/categories.toml").read_text())
AGENCY_BY_CODE = {c["crm_service_code"]: c["agency"] for c in CATEGORIES.values()}


def created_id(response, fmt):
    [created] = parse_request_created(response.content, fmt)
    return created["service_request_id"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(crm, fmt):
    response = crm.get(f"discovery.{fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == (
        "text/xml; charset=utf-8" if fmt == "xml" else "application/json; charset=utf-8"
    )
    [endpoint] = parse_discovery(response.content, fmt)["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == crm.open311.rstrip("/")
    assert endpoint["formats"] == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_come_from_categories_toml(crm, fmt):
    response = crm.get(f"services.{fmt}")
    assert response.status_code == 200
    services = {s["service_code"]: s for s in parse_services(response.content, fmt)}
    assert set(services) == set(AGENCY_BY_CODE)
    sampah = services["JSC-101"]
    assert sampah["service_name"] == "Sampah"
    assert sampah["group"] == "Kebersihan"
    assert "TPS" in sampah["keywords"]
    assert sampah["type"] == "realtime" and sampah["metadata"] is True


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_lists_gateway_attributes(crm, fmt):
    response = crm.get(f"services/JSC-104.{fmt}")
    assert response.status_code == 200
    definition = parse_service_definition(response.content, fmt)
    assert definition["service_code"] == "JSC-104"
    codes = [a["code"] for a in definition["attributes"]]
    assert codes == ["gateway_ref", "fraksi", "kelurahan_code"]
    assert not any(a["required"] for a in definition["attributes"])

    missing = crm.get(f"services/NOPE.{fmt}")
    assert missing.status_code == 404
    assert parse_errors(missing.content, fmt)[0]["code"] == "404"


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_then_get_request(crm, fmt):
    response = crm.post_request(
        fmt,
        service_code="JSC-106",
        description="Pohon tumbang <menghalangi> jalan & trotoar\r\nsejak pagi",
        media_url="https://posko.example/foto.jpg",
        jurisdiction_id="jakarta",
        **{"attribute[fraksi]": "PSI", "attribute[kelurahan_code]": "31.71.01.1001"},
    )
    assert response.status_code == 201, response.text
    service_request_id = created_id(response, fmt)
    assert service_request_id.isdigit()  # JSC-like numeric ticket ids

    fetched = crm.get(f"requests/{service_request_id}.{fmt}")
    assert fetched.status_code == 200
    [ticket] = parse_requests(fetched.content, fmt)
    assert ticket["service_request_id"] == service_request_id
    assert ticket["status"] == "open"
    assert ticket["status_notes"].startswith("MENUNGGU: ")
    assert ticket["service_code"] == "JSC-106"
    assert ticket["agency_responsible"] == AGENCY_BY_CODE["JSC-106"]
    assert ticket["description"] == "Pohon tumbang <menghalangi> jalan & trotoar\r\nsejak pagi"
    assert (ticket["lat"], ticket["long"]) == (-6.1754, 106.8272)
    assert ticket["media_url"] == "https://posko.example/foto.jpg"
    assert ticket["requested_datetime"].utcoffset() == timedelta(hours=7)  # WIB
    assert ticket["expected_datetime"] > ticket["requested_datetime"]
    assert crm.ticket(service_request_id)["attributes"] == {
        "fraksi": ["PSI"],
        "kelurahan_code": ["31.71.01.1001"],
    }


def test_post_with_address_string_only(crm):
    response = crm.post_request("xml", lat="", long="", address_string="Jl. Kebon Sirih 18")
    assert response.status_code == 201
    [ticket] = parse_requests(crm.get(f"requests/{created_id(response, 'xml')}.xml").content, "xml")
    assert ticket["address"] == "Jl. Kebon Sirih 18" and ticket["lat"] is None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("fields", "status", "fragment"),
    [
        ({"service_code": "JSC-999"}, 400, "service_code"),
        ({"service_code": ""}, 400, "service_code"),
        ({"lat": "", "long": ""}, 400, "lokasi"),
        ({"long": ""}, 400, "lat dan long"),
        ({"lat": "utara"}, 400, "lat"),
        ({"lat": "95"}, 400, "lat"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"jurisdiction_id": "bandung"}, 404, "jurisdiction_id"),
    ],
)
def test_post_refusals_are_errors_documents(crm, fmt, fields, status, fragment):
    before = len(crm.tickets())
    response = crm.post_request(fmt, **fields)
    assert response.status_code == status
    [error] = parse_errors(response.content, fmt)
    assert error["code"] == str(status)
    assert fragment in error["description"]
    assert len(crm.tickets()) == before


def test_description_of_exactly_4000_characters_is_accepted(crm):
    assert crm.post_request(description="x" * 4000).status_code == 201


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_request_is_404_errors(crm, fmt):
    response = crm.get(f"requests/999999999.{fmt}")
    assert response.status_code == 404
    assert parse_errors(response.content, fmt)[0]["code"] == "404"


def test_get_requests_filters(crm):
    first = created_id(crm.post_request(service_code="JSC-107"), "json")
    second = created_id(crm.post_request(service_code="JSC-108"), "json")
    third = created_id(crm.post_request(service_code="JSC-108"), "json")
    crm.sim("POST", f"tickets/{third}/status", json={"external_status_code": "SELESAI"})

    def ids(fmt="json", **params):
        response = crm.get(f"requests.{fmt}", **params)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in parse_requests(response.content, fmt)]

    # A list of ids overrides every other filter, as the spec says.
    assert ids(service_request_id=f"{first},{third}", service_code="JSC-101") == [first, third]
    assert ids("xml", service_request_id=second) == [second]
    assert set(ids(service_code="JSC-108")) >= {second, third}
    assert first not in ids(service_code="JSC-108")
    assert third in ids(status="closed") and third not in ids(status="open")
    assert second in ids(status="open")

    [ticket] = parse_requests(crm.get(f"requests/{second}.json").content, "json")
    at = ticket["requested_datetime"]
    exact = format_datetime(at)
    assert second in ids(start_date=exact, end_date=exact)  # bounds are inclusive
    later = format_datetime(at + timedelta(microseconds=1))
    assert second not in ids(start_date=later)
    assert ids(end_date=format_datetime(at - timedelta(days=1))) == []

    bad = crm.get("requests.xml", start_date="2026-11-29T08:00:00")  # no offset
    assert bad.status_code == 400
    assert "timezone" in parse_errors(bad.content, "xml")[0]["description"]
    assert crm.get("requests.json", status="pending").status_code == 400


@pytest.mark.parametrize("fmt", FORMATS)
def test_servicerequestupdates_window_is_inclusive_and_ordered(crm, fmt):
    service_request_id = created_id(crm.post_request(), "json")
    crm.sim("POST", f"tickets/{service_request_id}/status", json={"external_status_code": "PROSES"})
    everything = crm.get(f"servicerequestupdates.{fmt}")
    assert everything.status_code == 200
    updates = parse_updates(everything.content, fmt)
    keys = [(u["updated_datetime"], u["update_id"]) for u in updates]
    assert keys == sorted(keys)
    mine = [u for u in updates if u["service_request_id"] == service_request_id]
    assert [u["external_status_code"] for u in mine] == ["MENUNGGU", "PROSES"]
    assert [u["status"] for u in mine] == ["OPEN", "IN_PROGRESS"]
    assert all(u["description"] for u in mine)

    opened, progressed = mine
    exact = format_datetime(opened["updated_datetime"])
    window = crm.get(f"servicerequestupdates.{fmt}", start_date=exact, end_date=exact)
    assert [u["update_id"] for u in parse_updates(window.content, fmt)] == [opened["update_id"]]
    tail = crm.get(
        f"servicerequestupdates.{fmt}",
        start_date=format_datetime(opened["updated_datetime"] + timedelta(microseconds=1)),
        end_date=format_datetime(progressed["updated_datetime"]),
    )
    assert [u["update_id"] for u in parse_updates(tail.content, fmt)] == [progressed["update_id"]]


def test_servicerequestupdates_json_is_a_bare_array(crm):
    crm.post_request()
    body = crm.get("servicerequestupdates.json").json()
    assert isinstance(body, list) and body
    assert set(body[0]) == {
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
        "external_status_code",
    }


def test_unknown_paths_answer_open311_errors(crm):
    response = crm.get("nothing.xml")
    assert response.status_code == 404
    assert parse_errors(response.content, "xml")[0]["code"] == "404"
    assert crm.get("services.html").status_code == 404
