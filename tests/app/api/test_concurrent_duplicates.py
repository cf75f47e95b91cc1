"""The same problem reported by three factions at the same instant: one ticket, two linked.

Over real HTTP, three threads released together. Without serialising the candidate search,
two intakes committing at once would each find no primary and open two tickets; PostgreSQL
takes advisory locks on the search area (app/duplicates.py), SQLite's BEGIN IMMEDIATE
serialises writers already. Several rounds, each at its own spot, so the race is real.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from sqlalchemy import select

from app.models import Complaint, OutboxMessage
from tests.app.test_duplicates import FLOOD, FLOOD_AGAIN
from tests.conftest import complaint_payload
from tests.support.processes import live_server

FACTIONS = ("PKS", "PSI", "PAN")
ROUNDS = 6


def at(fields: dict[str, Any], round_no: int) -> dict[str, Any]:
    """The report moved ~1 km north per round: each round is a problem of its own."""
    location = fields["location"]
    return fields | {"location": location | {"lat": location["lat"] + 0.01 * round_no}}


def test_three_factions_at_once_make_one_primary_and_two_linked(app: Any, keys: Any,
                                                                 db: Any) -> None:
    results: list[tuple[int, int, dict[str, Any]]] = []
    lock = threading.Lock()
    with live_server(app) as base:
        for round_no in range(ROUNDS):
            barrier = threading.Barrier(len(FACTIONS))

            def submit(code: str, fields: dict[str, Any], round_no: int = round_no,
                       barrier: threading.Barrier = barrier) -> None:
                payload = complaint_payload(external_id=f"{code}-R{round_no}",
                                            **at(fields, round_no))
                with requests.Session() as http:
                    barrier.wait(timeout=10)
                    response = http.post(f"{base}/api/v1/complaints", json=payload,
                                         headers=keys.headers(code), timeout=60)
                with lock:
                    results.append((round_no, response.status_code, response.json()))

            threads = [threading.Thread(target=submit, args=(code, FLOOD if i == 0 else
                                                              FLOOD_AGAIN))
                       for i, code in enumerate(FACTIONS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=90)
    assert len(results) == ROUNDS * len(FACTIONS)
    assert {status for _, status, _ in results} == {201}, results
    with db.session() as session:
        complaints = session.scalars(select(Complaint)).all()
        submits = session.scalars(select(OutboxMessage.complaint_id).where(
            OutboxMessage.topic == "crm.submit")).all()
    by_id = {str(c.id): c for c in complaints}
    for round_no in range(ROUNDS):
        reports = [by_id[body["id"]] for r, _, body in results if r == round_no]
        primaries = [c for c in reports if c.duplicate_state is None]
        assert len(primaries) == 1, [(c.tracking_code, c.duplicate_state) for c in reports]
        [primary] = primaries
        linked = [c for c in reports if c is not primary]
        assert [(c.duplicate_state, c.duplicate_of_id) for c in linked] == [
            ("linked", primary.id)] * 2
        # Exactly one ticket will be opened for the round's problem.
        assert [cid for cid in submits if cid in {c.id for c in reports}] == [primary.id]

