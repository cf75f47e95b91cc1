"""Seeding public complaints through the one intake path, so listeners and counters run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from app.database import Database
from app.events import append_event, mark_overdue
from app.factions import find_faction
from app.intake import submit_complaint
from app.models import Complaint
from app.wiring import categories_of
from tests.conftest import Keys, complaint_payload
from tests.support.browser import CHROMIUM_ARGS, chromium_path, sync_api

Seeder = Callable[..., Complaint]


@pytest.fixture
def seed(app: Flask, db: Database, keys: Keys) -> Seeder:
    """Submit a complaint for a faction and walk it through `statuses` (with notes)."""
    counter = iter(range(1, 100_000))

    def make(
        faction: str = "PSI",
        statuses: tuple[str, ...] = (),
        notes: dict[str, str] | None = None,
        overdue: bool = False,
        resolve_after: timedelta | None = None,
        **overrides: Any,
    ) -> Complaint:
        overrides.setdefault("external_id", f"{faction}-{next(counter)}")
        with app.app_context(), db.transaction() as session:
            fields = complaint_payload(**overrides)
            # submit_complaint takes validated fields: the datetime, not its text.
            fields["occurred_at"] = datetime.fromisoformat(fields["occurred_at"])
            result = submit_complaint(session, find_faction(session, faction), fields,
                                      categories=categories_of(app.extensions["settings"]))
            complaint = result.complaint
            for status in statuses:
                occurred = None
                if status == "resolved" and resolve_after is not None:
                    occurred = complaint.created_at + resolve_after
                append_event(session, complaint, status, source="crm", occurred_at=occurred,
                             note=(notes or {}).get(status))
            if overdue:
                complaint.overdue = True
                mark_overdue(session, complaint)
            session.flush()
            session.expunge(complaint)
        return complaint

    return make


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium per test module (Playwright's downloads are not used)."""
    api = sync_api()
    executable = chromium_path()
    with api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
