"""discovery, services and services/{code}: golden documents in both formats."""

from __future__ import annotations

from typing import Any

from tests.app.open311 import spec
from tests.app.open311.conftest import BASE, error_of, read

GOLDEN_SAMPAH = {
    "service_code": "sampah",
    "service_name": "Sampah",
    "description": "Sampah (Garbage) — ditangani Dinas Lingkungan Hidup, target 3 hari kerja",
    "metadata": True,
    "type": "realtime",
    "keywords": "sampah, kebersihan, TPS, bau",
    "group": "Kebersihan",
}


def _body(client: Any, path: str, fmt: str, schema: dict) -> Any:
    response = client.get(f"{BASE}/{path}.{fmt}")
    assert response.status_code == 200, response.data
    document = read(response, fmt, schema)
    return document


def test_discovery_golden(client: Any, fmt: str) -> None:
    document = _body(client, "discovery", fmt, spec.DISCOVERY)
    expected = {
        "changeset": "2026-11-01T00:00:00+00:00",
        "contact": "Jakarta Smart City — Jembatan (gateway aduan fraksi DPRD DKI Jakarta)",
        "key_service": "Minta api_key fraksi kepada integrator JSC (jembatan keys issue).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                # JEMBATAN_PUBLIC_URL (the default), not the test client's Host header.
                "url": "http://127.0.0.1:5000/open311/v2",
                "changeset": "2026-11-01T00:00:00+00:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    if fmt == "json":
        assert document == expected
    else:
        assert document == ("discovery", spec.as_xml_values(expected))


def test_services_golden(client: Any, fmt: str) -> None:
    document = _body(client, "services", fmt, spec.SERVICES)
    services = document if fmt == "json" else document[1]
    if fmt == "xml":
        assert document[0] == "services"
        expected = spec.as_xml_values(GOLDEN_SAMPAH)
    else:
        expected = GOLDEN_SAMPAH
    by_code = {service["service_code"]: service for service in services}
    assert by_code["sampah"] == expected
    # Every configured category is a service, with its group.
    assert {"sampah", "parkir_liar", "pkl"} <= set(by_code)
    assert by_code["parkir_liar"]["group"] == "Ketertiban"


def test_service_definition_golden(client: Any, fmt: str) -> None:
    document = _body(client, "services/sampah", fmt, spec.SERVICE_DEFINITION)
    if fmt == "xml":
        tag, definition = document
        assert tag == "service_definition"
    else:
        definition = document
    assert definition["service_code"] == "sampah"
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert list(attributes) == ["kelurahan_code", "external_id", "visibility"]
    kelurahan = attributes["kelurahan_code"]
    truthy = "true" if fmt == "xml" else True
    falsy = "false" if fmt == "xml" else False
    assert kelurahan["datatype"] == "singlevaluelist"
    assert kelurahan["required"] == truthy and kelurahan["variable"] == truthy
    assert kelurahan["order"] in (1, "1")
    assert kelurahan["datatype_description"]
    assert len(kelurahan["values"]) == 267
    assert {"key": "31.71.01.1001", "name": "Gambir"} in kelurahan["values"]
    external = attributes["external_id"]
    assert external["datatype"] == "string" and external["required"] == falsy
    assert external["values"] == []
    visibility = attributes["visibility"]
    assert [v["key"] for v in visibility["values"]] == ["public", "anonymous", "confidential"]
    assert [a["order"] for a in attributes.values()] == (
        ["1", "2", "3"] if fmt == "xml" else [1, 2, 3]
    )


def test_unknown_service_is_404(client: Any, fmt: str) -> None:
    response = client.get(f"{BASE}/services/banjir_bandang.{fmt}")
    assert "service_code 'banjir_bandang'" in error_of(response, fmt, 404)


def test_unknown_format_extension_is_refused(client: Any) -> None:
    for path in ("services.yaml", "discovery.html", "services/sampah.csv", "requests.txt"):
        response = client.get(f"{BASE}/{path}")
        assert "format" in error_of(response, "xml", 400)


def test_unknown_route_and_method_answer_errors_bodies(client: Any, fmt: str) -> None:
    assert error_of(client.get(f"{BASE}/nothing-here.{fmt}"), fmt, 404)
    response = client.delete(f"{BASE}/services.{fmt}")
    error_of(response, fmt, 405)
    assert "GET" in response.headers["Allow"]


def test_foreign_jurisdiction_is_404(client: Any, fmt: str) -> None:
    response = client.get(f"{BASE}/services.{fmt}?jurisdiction_id=bandung")
    assert "jurisdiction_id 'bandung'" in error_of(response, fmt, 404)
    assert client.get(f"{BASE}/services.{fmt}?jurisdiction_id=jakarta").status_code == 200
