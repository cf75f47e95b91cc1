"""Counters stay exact when many transactions change them at once (PostgreSQL)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from flask import Flask

from app.database import Database
from app.events import append_event
from app.factions import find_faction
from app.intake import submit_complaint
from app.models import Complaint
from app.statistics import read_breakdown, read_figures
from app.wiring import categories_of
from tests.conftest import complaint_payload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("JEMBATAN_TEST_DATABASE_URL"),
                       reason="needs JEMBATAN_TEST_DATABASE_URL (PostgreSQL)"),
]


def test_concurrent_intake_and_updates_keep_exact_counts(app: Flask, db: Database, keys) -> None:
    factions = ["PSI", "PKS", "PDIP", "GOLKAR"]
    categories = categories_of(app.extensions["settings"])

    def work(n: int) -> None:
        code = factions[n % len(factions)]
        with app.app_context():
            with db.transaction() as session:
                fields = complaint_payload(external_id=f"C-{n}",
                                           category=("sampah", "pohon")[n % 2])
                fields["occurred_at"] = datetime.fromisoformat(fields["occurred_at"])
                complaint = submit_complaint(session, find_faction(session, code), fields,
                                             categories=categories)
                complaint_id = complaint.complaint.id
            with db.transaction() as session:
                stored = session.get(Complaint, complaint_id)
                append_event(session, stored, "forwarded", source="gateway")
                append_event(session, stored, "resolved" if n % 3 else "rejected", source="crm")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(80)))

    with app.app_context(), db.session() as session:
        figures = read_figures(session)
        by_faction = read_breakdown(session, "faction")
    assert figures.total == 80
    assert figures.by_status.get("resolved") == 53 and figures.by_status.get("rejected") == 27
    assert figures.by_status.get("received", 0) == 0 == figures.by_status.get("forwarded", 0)
    assert figures.resolved == 53
    assert {code: f.total for code, f in by_faction.items()} == {c: 20 for c in factions}
