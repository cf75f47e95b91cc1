"""`/readyz`: the database decides readiness; an open CRM breaker only degrades."""

from __future__ import annotations

from app import create_app
from app.clock import utcnow
from app.config import Settings
from app.models import CircuitBreaker


def test_open_crm_breaker_is_degraded_but_ready(client, db) -> None:
    with db.transaction() as session:
        session.add(CircuitBreaker(destination="crm", state="open", consecutive_failures=7,
                                   opened_at=utcnow(), next_probe_at=utcnow()))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    breaker = response.json["checks"]["crm_breaker"]
    assert breaker["state"] == "open" and breaker["consecutive_failures"] == 7
    assert breaker["opened_at"].endswith("+00:00")

    with db.transaction() as session:
        session.get(CircuitBreaker, "crm").state = "closed"
    response = client.get("/readyz")
    assert response.json["status"] == "ready" and response.json["checks"]["crm_breaker"] == "closed"


def test_unreachable_database_is_503(tmp_path) -> None:
    settings = Settings.from_env(
        environ={}, ENV="test", LOG_JSON=False, RATELIMIT_ENABLED=False,
        DATABASE_URL="postgresql://nobody@127.0.0.1:9/none?connect_timeout=2",
    )
    app = create_app(settings)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "not ready"
    assert response.json["checks"]["database"].startswith("unreachable")
    assert "crm_breaker" not in response.json["checks"]
    metrics = app.test_client().get("/metrics")
    assert metrics.status_code == 200 and "jembatan_database_up 0.0" in metrics.get_data(
        as_text=True)
    app.extensions["db"].dispose()
