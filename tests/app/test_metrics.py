"""`/metrics`: Prometheus text, counters that move with traffic, gauges read from the database."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from app.clock import utcnow
from app.errors import Problem
from app.models import CircuitBreaker, OutboxMessage
from tests.support.complaints import store_complaint
from tests.support.processes import REPO_ROOT


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_every_metric_is_exposed(client) -> None:
    text = client.get("/metrics").get_data(as_text=True)
    for name in ("jembatan_intake_total", "jembatan_outbox_attempts_total",
                 "jembatan_intake_to_ticket_seconds", "jembatan_crm_update_to_webhook_seconds",
                 "jembatan_crm_updates_total", "jembatan_crm_poll_lag_seconds",
                 "jembatan_delivery_call_seconds", "jembatan_database_up",
                 "jembatan_outbox_depth", "jembatan_outbox_oldest_age_seconds",
                 "jembatan_circuit_breaker_state"):
        assert f"# TYPE {name}" in text, name


def test_intake_counters_change_with_traffic(app, client, keys) -> None:
    before = scrape(client)
    store_complaint(app, "PSI", external_id="M-1")
    store_complaint(app, "PSI", external_id="M-1")  # replay
    with pytest.raises(Exception):  # noqa: B017 - DuplicateConflict, counted as conflict
        store_complaint(app, "PSI", external_id="M-1", title="Lain")
    client.post("/api/v1/admin/factions/PSI/disable", headers=keys.headers("admin"))
    with pytest.raises(Problem):
        store_complaint(app, "PSI", external_id="M-2")
    after = scrape(client)
    for outcome in ("created", "replayed", "conflict", "forbidden"):
        delta = (value(after, "jembatan_intake_total", faction="PSI", outcome=outcome)
                 - value(before, "jembatan_intake_total", faction="PSI", outcome=outcome))
        assert delta == 1, outcome


def test_outbox_depth_age_and_breaker_state_come_from_the_database(app, client, db,
                                                                    keys) -> None:
    first = store_complaint(app, "PSI", external_id="Q-1")
    store_complaint(app, "PKS", external_id="Q-2")
    with db.transaction() as session:
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.complaint_id == first.id)).one()
        message.status = "dead"
        message.created_at = utcnow() - timedelta(minutes=10)
        session.add(CircuitBreaker(destination="crm", state="open", consecutive_failures=5,
                                   opened_at=utcnow()))
    samples = scrape(client)
    assert value(samples, "jembatan_database_up") == 1
    assert value(samples, "jembatan_outbox_depth", topic="crm.submit", state="pending") == 1
    assert value(samples, "jembatan_outbox_depth", topic="crm.submit", state="dead") == 1
    age = value(samples, "jembatan_outbox_oldest_age_seconds", topic="crm.submit",
                state="dead")
    assert 590 <= age <= 700
    assert value(samples, "jembatan_circuit_breaker_state", destination="crm",
                 state="open") == 1
    assert value(samples, "jembatan_circuit_breaker_state", destination="crm",
                 state="closed") == 0


def test_worker_metrics_are_importable_and_count(client) -> None:
    from app.metrics import OUTBOX_ATTEMPTS, POLL_LAG_SECONDS

    before = scrape(client)
    OUTBOX_ATTEMPTS.labels(topic="crm.submit", outcome="retry").inc()
    POLL_LAG_SECONDS.set(12.5)
    after = scrape(client)
    key = {"topic": "crm.submit", "outcome": "retry"}
    assert (value(after, "jembatan_outbox_attempts_total", **key)
            - value(before, "jembatan_outbox_attempts_total", **key)) == 1
    assert value(after, "jembatan_crm_poll_lag_seconds") == 12.5


def test_multiprocess_mode_adds_up_every_process(tmp_path) -> None:
    script = textwrap.dedent("""
        import sys
        from app.metrics import INTAKE_TOTAL, render
        INTAKE_TOTAL.labels(faction="PSI", outcome="created").inc(int(sys.argv[1]))
        print(render()[0].decode())
    """)
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    outputs = [
        subprocess.run([sys.executable, "-c", script, str(n)], env=env, cwd=REPO_ROOT,
                       capture_output=True, text=True, check=True, timeout=60).stdout
        for n in (2, 3)
    ]
    assert 'jembatan_intake_total{faction="PSI",outcome="created"} 5.0' in outputs[1]


def test_a_worker_can_serve_its_own_metrics(db) -> None:
    import requests

    from app.metrics import CRM_UPDATES_TOTAL, serve_metrics
    from tests.support.processes import free_port

    CRM_UPDATES_TOTAL.labels(outcome="applied").inc()
    port = free_port()
    server = serve_metrics(port, db)
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        server.shutdown()
        server.server_close()
    assert 'jembatan_crm_updates_total{outcome="applied"}' in text
    assert "jembatan_database_up 1.0" in text


def test_invalid_submissions_are_counted_per_faction(app, client, keys) -> None:
    """Whatever view answers POST /api/v1/complaints, a 422 for a faction counts as invalid."""
    from werkzeug.exceptions import HTTPException

    from app.auth import authenticate
    from app.errors import validation_problem

    def refuse():
        authenticate("faction")
        raise validation_problem({"title": ["Missing data for required field."]})

    try:
        app.url_map.bind("localhost").match("/api/v1/complaints", method="POST")
    except HTTPException:  # the intake view is not on this branch: stand in for it
        app.add_url_rule("/api/v1/complaints", "refuse", refuse, methods=["POST"])
    before = scrape(client)
    response = client.post("/api/v1/complaints", json={"external_id": "X"},
                           headers=keys.headers("PKS"))
    assert response.status_code == 422
    after = scrape(client)
    key = {"faction": "PKS", "outcome": "invalid"}
    assert (value(after, "jembatan_intake_total", **key)
            - value(before, "jembatan_intake_total", **key)) == 1
