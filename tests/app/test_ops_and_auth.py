"""Health, readiness, the OpenAPI document, and bearer keys with roles."""

from __future__ import annotations

from sqlalchemy import select

from app.models import ApiKey


def test_healthz_and_readyz(client) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "migrations": "ok", "crm_breaker": "closed"}


def test_openapi_document_and_local_docs(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/categories" in spec["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    assert "//cdn" not in html and "unpkg" not in html
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


def test_missing_malformed_and_revoked_keys_are_401_problems(client, keys, db) -> None:
    missing = client.get("/api/v1/categories")
    assert missing.status_code == 401
    assert missing.content_type == "application/problem+json"
    assert missing.json["status"] == 401 and missing.json["instance"] == "/api/v1/categories"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    for bad in ("Bearer nonsense", "Bearer jbt_abcdefgh_" + "x" * 32, "Basic abc"):
        assert client.get("/api/v1/categories", headers={"Authorization": bad}).status_code == 401
    good = keys.headers("PSI")
    assert client.get("/api/v1/categories", headers=good).status_code == 200
    key_id = keys.faction["PSI"].split("_")[1]
    with db.transaction() as session:
        from app.clock import utcnow

        session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).one().revoked_at = utcnow()
    assert client.get("/api/v1/categories", headers=good).status_code == 401


def test_tampered_secret_is_refused(client, keys) -> None:
    key = keys.faction["PKS"]
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert client.get(
        "/api/v1/categories", headers={"Authorization": f"Bearer {tampered}"}
    ).status_code == 401


def test_categories_list(client, keys) -> None:
    body = client.get("/api/v1/categories", headers=keys.headers("admin")).json
    sampah = next(c for c in body["items"] if c["code"] == "sampah")
    assert sampah["label"] == "Sampah" and sampah["agency"] == "Dinas Lingkungan Hidup"
    assert sampah["sla_days"] == 3


def test_unknown_api_path_is_a_problem_and_other_paths_are_html(client) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.content_type.startswith("text/html")
