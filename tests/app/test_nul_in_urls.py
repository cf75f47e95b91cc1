"""A NUL in a URL: a 400 in the surface's own format, before any query sees it.

PostgreSQL text cannot hold NUL, so a lookup by a path or query value containing one used to
fail inside the database (a 500); on SQLite it simply matched nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Keys


@pytest.mark.parametrize("path", [
    "/open311/v2/requests/%00.xml",
    "/open311/v2/requests.json?service_request_id=%00",
    "/open311/v2/services/JSC%00.xml",
])
def test_open311_answers_with_its_errors_document(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "NUL" in body
    assert body.startswith("<?xml") if ".xml" in path else response.is_json


@pytest.mark.parametrize("path", ["/aduan/JBT-%00", "/lacak/%00/x", "/aduan?fraksi=%00"])
def test_public_site_answers_with_a_page(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("path", ["/api/v1/complaints/%00", "/api/v1/complaints?status=%00"])
def test_api_answers_with_a_problem(client: Any, keys: Keys, path: str) -> None:
    response = client.get(path, headers=keys.headers("PSI"))
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "NUL" in response.json["detail"]


def test_nul_elsewhere_in_a_query_value_is_still_refused(client: Any) -> None:
    assert client.get("/aduan?q=sampah%00kali").status_code == 400
    assert client.get("/aduan?q=sampah").status_code == 200
