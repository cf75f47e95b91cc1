"""Property: any valid complaint is accepted over HTTP and reads back as it was submitted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings

from tests.schemas.test_complaint import payloads


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=payloads())
def test_any_valid_complaint_round_trips(client, keys, payload: dict[str, Any]) -> None:
    payload["external_id"] = f"{payload['external_id'][:27]}-{uuid.uuid4()}"
    created = client.post("/api/v1/complaints", json=payload, headers=keys.headers("PSI"))
    assert created.status_code == 201, created.json
    again = client.post("/api/v1/complaints", json=payload, headers=keys.headers("PSI"))
    assert again.status_code == 200 and again.json["id"] == created.json["id"]
    body = client.get(f"/api/v1/complaints/{created.json['id']}",
                      headers=keys.headers("PSI")).json
    for name in ("external_id", "category", "title", "description", "visibility",
                 "attachments"):
        assert body[name] == payload[name]
    location = {"address": None, "lat": None, "lon": None, **payload["location"]}
    assert body["location"] == location
    assert body["reporter"] == (
        {"email": None, **payload["reporter"]} if "reporter" in payload else None
    )
    if "occurred_at" in payload:
        assert datetime.fromisoformat(body["occurred_at"]) == datetime.fromisoformat(
            payload["occurred_at"]
        )
