"""Complaints that are (and are not) the same problem, submitted through the native API."""

from __future__ import annotations

import uuid
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Keys, complaint_payload

FLOOD = {
    "category": "banjir_saluran",
    "title": "Got mampet, air meluap ke jalan",
    "description": "Saluran air di depan masjid tersumbat sampah, jalan tergenang setiap hujan.",
    "location": {"kelurahan_code": "31.71.01.1001", "address": "Jl. Kali Pasir No. 10",
                 "lat": -6.17540, "lon": 106.82720},
}
# The same flood in other words, about twenty metres away.
FLOOD_AGAIN = {
    "category": "banjir_saluran",
    "title": "Saluran mampet depan masjid, jalan tergenang",
    "description": "Got tersumbat sampah di depan masjid, air meluap ke jalan tiap hujan.",
    "location": {"kelurahan_code": "31.71.01.1001", "address": "Jalan Kali Pasir No. 10",
                 "lat": -6.17550, "lon": 106.82735},
}


def submit(client: FlaskClient, keys: Keys, faction: str, fields: dict[str, Any],
           **overrides: Any) -> dict[str, Any]:
    """Submit `fields` for `faction` (a fresh external_id) and return the 201's body."""
    payload = complaint_payload(external_id=f"{faction}-{uuid.uuid4().hex[:8]}", **fields)
    payload.update(overrides)
    response = client.post("/api/v1/complaints", json=payload, headers=keys.headers(faction))
    assert response.status_code == 201, response.json
    return response.json


def other_problem(client: FlaskClient, keys: Keys, faction: str, category: str,
                  title: str) -> str:
    """A complaint no other one matches (its own category, its own text)."""
    return submit(client, keys, faction, FLOOD | {"category": category, "title": title,
                                                  "description": f"{title}, sudah lama."}
                  )["tracking_code"]
