"""Operations endpoints: liveness, readiness, metrics."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy import select, text

bp = Blueprint("ops", __name__)

CRM_DESTINATION = "crm"

# Submissions refused as invalid are counted here, whichever surface refused them; the
# other intake outcomes are counted where they are decided (app.intake, app.factions).
INTAKE_PATHS = ("/api/v1/complaints", "/open311/v2/requests")


@bp.after_app_request
def _count_invalid_intake(response: Response) -> Response:
    if (
        request.method == "POST"
        and response.status_code in (400, 422)
        and request.path.split(".")[0] in INTAKE_PATHS
        and g.get("faction") is not None
    ):
        from app.metrics import INTAKE_TOTAL

        INTAKE_TOTAL.labels(faction=g.faction.code, outcome="invalid").inc()
    return response


@bp.get("/healthz")
def healthz() -> Any:
    """The process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Any:
    """The database is reachable, its schema is current; the CRM breaker's state is reported.

    An open CRM breaker makes the gateway degraded, not unready: intake still works and the
    outbox catches up when the CRM returns, so a load balancer must keep sending traffic.
    """
    from app.clock import isoformat
    from app.migrate import current_revision, head_revision
    from app.models import CircuitBreaker

    checks: dict[str, Any] = {}
    ready = True
    degraded = False
    db = current_app.extensions["db"]
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = current_revision(connection)
        checks["database"] = "ok"
        head = head_revision()
        checks["migrations"] = "ok" if current == head else f"at {current}, head is {head}"
        ready = ready and current == head
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"unreachable: {type(exc).__name__}"
        ready = False
    if checks.get("database") == "ok":
        try:
            with db.session() as session:
                breaker = session.execute(
                    select(CircuitBreaker).where(CircuitBreaker.destination == CRM_DESTINATION)
                ).scalar_one_or_none()
                if breaker is None or breaker.state == "closed":
                    checks["crm_breaker"] = "closed"
                else:
                    degraded = True
                    checks["crm_breaker"] = {
                        "state": breaker.state,
                        "opened_at": isoformat(breaker.opened_at),
                        "next_probe_at": isoformat(breaker.next_probe_at),
                        "consecutive_failures": breaker.consecutive_failures,
                    }
        except Exception as exc:  # noqa: BLE001 - the schema check above reports why
            checks["crm_breaker"] = f"unknown: {type(exc).__name__}"
    status = "not ready" if not ready else ("degraded" if degraded else "ready")
    response = jsonify(status=status, checks=checks)
    response.status_code = 200 if ready else 503
    return response


@bp.get("/metrics")
def metrics() -> Any:
    """Prometheus text format: this process's (or every process's) metrics and queue gauges."""
    from app.metrics import render

    body, content_type = render(current_app.extensions["db"], current_app.extensions["settings"])
    return current_app.response_class(body, mimetype=None, content_type=content_type)
