"""Every Prometheus metric Jembatan exposes, defined once here and imported where counted.

Counters and histograms live in the process that counts them (web or worker). Under gunicorn,
or whenever web and worker share a machine, set `PROMETHEUS_MULTIPROC_DIR` to one empty
directory for all of them: `/metrics` then aggregates every process. Queue depth, oldest age
and breaker state are not counted anywhere: `DatabaseCollector` reads them at scrape time with
cheap indexed queries, so every web process reports the same truth.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# --- counted by the web process --------------------------------------------------------

INTAKE_TOTAL = Counter(
    "jembatan_intake_total",
    "Complaint submissions by faction and outcome "
    "(created, replayed, conflict, invalid, forbidden).",
    ["faction", "outcome"],
)
INTAKE_OUTCOMES = ("created", "replayed", "conflict", "invalid", "forbidden")

# --- counted by the worker -------------------------------------------------------------

OUTBOX_ATTEMPTS = Counter(
    "jembatan_outbox_attempts_total",
    "Delivery attempts of outbox messages by topic and outcome (success, retry, dead).",
    ["topic", "outcome"],
)
OUTBOX_OUTCOMES = ("success", "retry", "dead")

# Latency buckets from a second to three days (webhooks retry for about three days).
_LATENCY_BUCKETS = (
    0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 86400,
    3 * 86400,
)

DELIVERY_LATENCY = Histogram(
    "jembatan_delivery_call_seconds",
    "Duration of one outgoing call (CRM or webhook) by topic.",
    ["topic"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
INTAKE_TO_TICKET_SECONDS = Histogram(
    "jembatan_intake_to_ticket_seconds",
    "From a complaint's intake to the CRM ticket id being known.",
    buckets=_LATENCY_BUCKETS,
)
CRM_UPDATE_TO_WEBHOOK_SECONDS = Histogram(
    "jembatan_crm_update_to_webhook_seconds",
    "From a CRM status update being recorded to its webhook being delivered.",
    buckets=_LATENCY_BUCKETS,
)
CRM_UPDATES_TOTAL = Counter(
    "jembatan_crm_updates_total",
    "Status updates read from or pushed by the CRM, by outcome "
    "(applied, stale, unmapped, unknown_ticket, invalid, duplicate).",
    ["outcome"],
)
POLL_LAG_SECONDS = Gauge(
    "jembatan_crm_poll_lag_seconds",
    "How far the CRM poller's window end lags behind now.",
    multiprocess_mode="mostrecent",
)
RETENTION_ERASED_TOTAL = Counter(
    "jembatan_retention_erased_total",
    "Complaints whose reporter data was erased, by reason (retention, request).",
    ["reason"],
)

# --- read from the database at scrape time ---------------------------------------------

# Depth is reported for the states work is waiting in; `done` grows with history.
REPORTED_STATES = ("pending", "dead")


class DatabaseCollector(Collector):
    """Outbox depth and oldest age per topic and state, and every breaker's state."""

    def __init__(self, database: Any, settings: Any | None = None) -> None:
        self.database = database
        # The breaker windows' lengths come from the settings (the defaults if none given).
        self.settings = settings

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from datetime import datetime

        from sqlalchemy import func, select

        from app.clock import as_utc, utcnow
        from app.models import OutboxMessage

        up = GaugeMetricFamily(
            "jembatan_database_up", "1 when the scrape could read the database."
        )
        depth = GaugeMetricFamily(
            "jembatan_outbox_depth", "Outbox messages by topic and state.",
            labels=["topic", "state"],
        )
        oldest = GaugeMetricFamily(
            "jembatan_outbox_oldest_age_seconds",
            "Age of the oldest outbox message by topic and state.",
            labels=["topic", "state"],
        )
        breaker = GaugeMetricFamily(
            "jembatan_circuit_breaker_state",
            "1 for each destination's current breaker state (closed, half_open, open).",
            labels=["destination", "state"],
        )
        window_calls = GaugeMetricFamily(
            "jembatan_circuit_breaker_window_calls",
            "Calls in each destination's breaker window.",
            labels=["destination"],
        )
        window_failures = GaugeMetricFamily(
            "jembatan_circuit_breaker_window_failures",
            "Failed calls in each destination's breaker window.",
            labels=["destination"],
        )
        paused = GaugeMetricFamily(
            "jembatan_circuit_breaker_paused_seconds",
            "Seconds left of a destination's Retry-After pause (0: not paused).",
            labels=["destination"],
        )
        now = utcnow()
        try:
            with self.database.session() as session:
                rows = session.execute(
                    select(
                        OutboxMessage.topic,
                        OutboxMessage.status,
                        func.count(),
                        func.min(OutboxMessage.created_at),
                    )
                    .where(OutboxMessage.status.in_(REPORTED_STATES))
                    .group_by(OutboxMessage.topic, OutboxMessage.status)
                ).all()
                from app.breaker import STATES as BREAKER_STATES
                from app.breaker import all_breakers
                from app.config import Settings

                breakers = all_breakers(session, now, self.settings or Settings())
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database did
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for topic, state, count, first in rows:
            depth.add_metric([topic, state], count)
            age = (now - as_utc(first)).total_seconds() if first is not None else 0.0
            oldest.add_metric([topic, state], max(age, 0.0))
        for entry in breakers:
            destination, state = entry["destination"], entry["state"]
            for candidate in BREAKER_STATES:
                breaker.add_metric([destination, candidate], 1 if state == candidate else 0)
            window_calls.add_metric([destination], entry["window"]["calls"])
            window_failures.add_metric([destination], entry["window"]["failures"])
            left = 0.0
            if entry["paused_until"]:
                left = max(0.0, (datetime.fromisoformat(entry["paused_until"]) - now)
                           .total_seconds())
            paused.add_metric([destination], left)
        yield up
        yield depth
        yield oldest
        yield breaker
        yield window_calls
        yield window_failures
        yield paused


class _DefaultRegistry(Collector):
    """This process's own metrics (single-process mode)."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


def multiprocess_dir() -> str | None:
    """The shared directory of multi-process mode, when it is on."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get(
        "prometheus_multiproc_dir"
    )


def scrape_registry(database: Any | None = None,
                    settings: Any | None = None) -> CollectorRegistry:
    """A registry for one scrape: every process's metrics plus the database's gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistry())
    if database is not None:
        registry.register(DatabaseCollector(database, settings))
    return registry


def render(database: Any | None = None, settings: Any | None = None) -> tuple[bytes, str]:
    """The Prometheus text exposition and its content type."""
    return generate_latest(scrape_registry(database, settings)), CONTENT_TYPE_LATEST


def serve_metrics(port: int, database: Any | None = None, addr: str = "127.0.0.1") -> Any:
    """Expose `/metrics` from a process without a web app (a worker on another machine)."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=addr, registry=scrape_registry(database))
    return server


def mark_process_dead(pid: int) -> None:
    """gunicorn `child_exit` hook: drop a dead worker's live gauges (multi-process mode)."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
