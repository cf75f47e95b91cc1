"""Fixtures for the worker tests: a real CRM simulator, complaints made through intake."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from app.config import Settings
from app.database import Database
from app.factions import find_faction, seed_factions
from app.intake import submit_complaint
from app.models import Complaint, OutboxMessage
from app.wiring import categories_of
from sync.context import TopicRegistration, WorkerContext, build_context
from tests.conftest import complaint_payload
from tests.support.crmsim import open311_url, running_crm_sim

_external_ids = itertools.count(1)


@pytest.fixture
def crm_sim(tmp_path: Path) -> Iterator[str]:
    """A CRM simulator process on a free port (its base URL, no trailing slash)."""
    with running_crm_sim(tmp_path / "crm", speed=1.0, seed=7) as base_url:
        yield base_url


def sim_settings(settings: Settings, base_url: str, **overrides: Any) -> Settings:
    """The test settings pointed at a simulator, with short timeouts and retries."""
    values: dict[str, Any] = {
        "CRM_URL": open311_url(base_url),
        "CRM_TIMEOUT_CONNECT_S": 1.0,
        "CRM_TIMEOUT_READ_S": 2.0,
        "CRM_RETRY_BASE_S": 0.05,
        "LEASE_S": 10.0,
    }
    values.update(overrides)
    changed = dataclasses.replace(settings, **values)
    changed.validate()
    return changed


def set_faults(base_url: str, **faults: Any) -> dict[str, Any]:
    """Switch simulator faults on (or off)."""
    response = requests.post(f"{base_url}/_sim/faults", json=faults, timeout=5)
    response.raise_for_status()
    return response.json()


def sim_tickets(base_url: str) -> list[dict[str, Any]]:
    """Every ticket the simulator holds."""
    response = requests.get(f"{base_url}/_sim/tickets", timeout=30)
    response.raise_for_status()
    return response.json()


def make_complaints(app: Flask, db: Database, count: int, **overrides: Any) -> list[str]:
    """`count` complaints through intake (one transaction); their tracking codes."""
    codes = []
    categories = categories_of(app.extensions["settings"])
    with app.app_context(), db.transaction() as session:
        seed_factions(session)
        faction = find_faction(session, "PSI")
        assert faction is not None
        for _ in range(count):
            # Intake takes validated fields: occurred_at is already a datetime there.
            fields = {"occurred_at": datetime(2026, 11, 20, 1, 0, tzinfo=UTC)} | overrides
            payload = complaint_payload(external_id=f"PSI-T-{next(_external_ids)}", **fields)
            result = submit_complaint(session, faction, payload, categories=categories)
            codes.append(result.complaint.tracking_code)
    return codes


def worker_context(
    db: Database, settings: Settings, *topics: TopicRegistration,
    worker_id: str = "test-worker", lease_s: float | None = None,
) -> WorkerContext:
    """A worker's context on the test's own engine, with only the given topics registered."""
    if lease_s is not None:
        settings = dataclasses.replace(settings, LEASE_S=lease_s)
    return build_context(settings, topics, worker_id, db=db)


def outbox_counts(db: Database) -> dict[str, int]:
    """Outbox messages by status."""
    with db.session() as session:
        rows = session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    return {status: count for status, count in rows}


def forwarded(db: Database) -> dict[str, str]:
    """tracking_code → crm_ticket_id of every forwarded complaint."""
    with db.session() as session:
        rows = session.execute(
            select(Complaint.tracking_code, Complaint.crm_ticket_id).where(
                Complaint.crm_ticket_id.is_not(None)
            )
        ).all()
    return dict(rows)
