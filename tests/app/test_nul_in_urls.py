"""A NUL in a URL: an answer in the surface's own format, before any query sees it.

PostgreSQL text cannot hold NUL, so a lookup by a path or query value containing one used to
fail inside the database (a 500); on SQLite it simply matched nothing. Nothing is named with
a NUL (404); a query value with one is a 400, or on the API a 422 naming the parameter.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Keys


@pytest.mark.parametrize(("path", "status"), [
    ("/open311/v2/requests/%00.xml", 404),
    ("/open311/v2/services/JSC%00.xml", 404),
    ("/open311/v2/requests.xml?service_request_id=%00", 400),
    ("/open311/v2/requests.json?service_code=x%00", 400),
])
def test_open311_answers_with_its_errors_document(client: Any, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert "NUL" in body
    assert body.startswith("<?xml") if ".xml" in path else response.is_json


@pytest.mark.parametrize(("path", "status"), [
    ("/aduan/JBT-%00", 404), ("/lacak/%00/x", 404), ("/aduan?fraksi=%00", 400),
    ("/aduan?q=sampah%00kali", 400),
])
def test_public_site_answers_with_a_page(client: Any, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert client.get("/aduan?q=sampah").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/complaints/%00", "/api/v1/complaints/%00/events",
                                  "/api/v1/admin/factions/%00/disable"])
def test_api_paths_name_nothing(client: Any, keys: Keys, path: str) -> None:
    method = client.post if path.endswith("disable") else client.get
    response = method(path, headers=keys.headers("admin"))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/complaints?faction=PSI%00", "faction"),
    ("/api/v1/admin/dead-letters?topic=crm%00", "topic"),
    ("/api/v1/admin/complaints?status=x%00", "status"),
    ("/api/v1/admin/audit?actor=%00", "actor"),
])
def test_api_query_values_are_validation_errors(
    client: Any, keys: Keys, path: str, field: str
) -> None:
    response = client.get(path, headers=keys.headers("admin"))
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"]
