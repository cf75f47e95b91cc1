"""mySociety's servicerequestupdates: reading a faction's updates, posting notes and CRM pushes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.database import Database
from app.events import append_event
from app.models import Complaint, StatusEvent
from tests.app.open311 import spec
from tests.app.open311.conftest import BASE, error_of, read

# The canonical → mySociety table, restated from docs/API.md#lifecycle (not imported from the code).
EXPECTED_STATUS = {
    "received": "OPEN",
    "forwarded": "OPEN",
    "waiting": "OPEN",
    "coordination": "INVESTIGATING",
    "dispatched": "ACTION_SCHEDULED",
    "in_progress": "IN_PROGRESS",
    "validating": "FOR_TRIAGE",
    "resolved": "FIXED",
    "rejected": "NOT_COUNCILS_RESPONSIBILITY",
    "closed": "CLOSED",
}


def _window(minutes: int = 30) -> str:
    now = datetime.now(UTC)
    start = (now - timedelta(minutes=minutes)).isoformat(timespec="seconds")
    end = (now + timedelta(minutes=minutes)).isoformat(timespec="seconds")
    return f"start_date={start.replace('+', '%2B')}&end_date={end.replace('+', '%2B')}"


def _updates(client: Any, key: str, fmt: str, query: str = "") -> list[dict]:
    response = client.get(f"{BASE}/servicerequestupdates.{fmt}?api_key={key}&{query}")
    assert response.status_code == 200, response.data
    document = read(response, fmt, spec.UPDATES)
    if fmt == "json":
        return document
    tag, updates = document
    assert tag == "service_request_updates"
    return updates


def _walk_lifecycle(db: Database, tracking_code: str) -> None:
    with db.transaction() as session:
        complaint = session.scalars(
            select(Complaint).where(Complaint.tracking_code == tracking_code)
        ).one()
        for status in list(EXPECTED_STATUS)[1:]:
            append_event(session, complaint, status, source="crm", note=f"ke {status}")


def test_every_event_is_an_update_with_mysociety_status(
    client: Any, db: Database, psi: str, submit: Any, fmt: str
) -> None:
    tracking_code = submit()
    _walk_lifecycle(db, tracking_code)
    updates = _updates(client, psi, fmt, _window())
    assert [u["update_id"] for u in updates] == [f"{tracking_code}-{n}" for n in range(1, 11)]
    assert [u["external_status_code"] for u in updates] == list(EXPECTED_STATUS)
    assert [u["status"] for u in updates] == list(EXPECTED_STATUS.values())
    assert {u["service_request_id"] for u in updates} == {tracking_code}
    assert updates[0]["description"] == "Aduan diterima oleh Jembatan."
    assert updates[3]["description"] == "ke coordination"
    with db.session() as session:
        first = session.scalars(
            select(StatusEvent).join(Complaint).where(
                Complaint.tracking_code == tracking_code, StatusEvent.seq == 1
            )
        ).one()
    assert spec.w3c(updates[0]["updated_datetime"]) == first.occurred_at.replace(microsecond=0)
    assert updates[0]["media_url"] in ("", None)
    # Stable: asking again gives the same ids.
    assert [u["update_id"] for u in _updates(client, psi, fmt, _window())] == [
        u["update_id"] for u in updates
    ]


def test_updates_golden_single(client: Any, psi: str, submit: Any, fmt: str) -> None:
    tracking_code = submit()
    updates = _updates(client, psi, fmt, _window())
    assert isinstance(updates, list) and len(updates) == 1
    update = dict(updates[0])
    assert spec.w3c(update.pop("updated_datetime"))
    expected = {
        "update_id": f"{tracking_code}-1",
        "service_request_id": tracking_code,
        "status": "OPEN",
        "description": "Aduan diterima oleh Jembatan.",
        "media_url": None,
        "external_status_code": "received",
    }
    assert update == (expected if fmt == "json" else spec.as_xml_values(expected))


def test_updates_are_windowed_and_own_only(client: Any, keys: Any, submit: Any) -> None:
    submit()
    assert len(_updates(client, keys.faction["PSI"], "xml", _window())) == 1
    assert _updates(client, keys.faction["PKS"], "xml", _window()) == []
    past = "start_date=2026-01-01T00:00:00%2B07:00&end_date=2026-01-02T00:00:00%2B07:00"
    assert _updates(client, keys.faction["PSI"], "xml", past) == []
    # Default window (the last day) sees it too.
    assert len(_updates(client, keys.faction["PSI"], "json")) == 1


@pytest.mark.parametrize(
    ("query", "status", "named"),
    [
        ("", 403, "api_key"),
        ("api_key=jbt_abcdefghij_0123456789abcdefghij", 403, "api_key"),
        ("start_date=2026-11-01", 400, "start_date"),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400, "90 days"),
    ],
)
def test_bad_update_queries(client: Any, fmt: str, query: str, status: int, named: str,
                            keys: Any) -> None:
    if query.startswith("start"):
        query = f"api_key={keys.faction['PSI']}&{query}"
    response = client.get(f"{BASE}/servicerequestupdates.{fmt}?{query}")
    assert named in error_of(response, fmt, status)


def test_crm_key_may_not_read_faction_updates(client: Any, keys: Any, fmt: str) -> None:
    response = client.get(f"{BASE}/servicerequestupdates.{fmt}?api_key={keys.crm}")
    assert "api_key" in error_of(response, fmt, 403)


# --- POST servicerequestupdates ------------------------------------------------------------


def _note_form(key: str, tracking_code: str, **overrides: Any) -> dict[str, Any]:
    form = {
        "api_key": key,
        "jurisdiction_id": "jakarta",
        "update_id": "fms-comment-7",
        "service_request_id": tracking_code,
        "status": "OPEN",
        "description": "Warga menambahkan:\r\nsampah makin banyak",
        "updated_datetime": "2026-11-29T09:00:00+07:00",
        "email": "warga@example.org",
    }
    form.update(overrides)
    return form


def test_posko_note_is_recorded_as_an_event(client: Any, db: Database, psi: str, submit: Any,
                                            fmt: str) -> None:
    tracking_code = submit()
    response = client.post(
        f"{BASE}/servicerequestupdates.{fmt}", data=_note_form(psi, tracking_code)
    )
    assert response.status_code == 200, response.data
    document = read(response, fmt, spec.UPDATES)
    updates = document if fmt == "json" else document[1]
    assert len(updates) == 1
    assert updates[0]["update_id"] == f"{tracking_code}-2"
    assert updates[0]["status"] == "OPEN" and updates[0]["external_status_code"] == "received"
    with db.session() as session:
        complaint = session.scalars(
            select(Complaint).where(Complaint.tracking_code == tracking_code)
        ).one()
        event = session.scalars(
            select(StatusEvent).where(StatusEvent.complaint_id == complaint.id,
                                      StatusEvent.seq == 2)
        ).one()
        assert complaint.status == "received" and complaint.seq == 2
        assert event.status == "received" and event.source == "gateway"
        assert event.note == "Catatan posko: Warga menambahkan:\nsampah makin banyak"
        assert event.occurred_at == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    # The same update again changes nothing and answers the same.
    again = client.post(
        f"{BASE}/servicerequestupdates.{fmt}", data=_note_form(psi, tracking_code)
    )
    assert again.status_code == 200 and again.data == response.data
    with db.session() as session:
        assert session.scalars(
            select(Complaint.seq).where(Complaint.tracking_code == tracking_code)
        ).one() == 2
    reused = _note_form(psi, tracking_code, description="lain")
    assert "update_id" in error_of(
        client.post(f"{BASE}/servicerequestupdates.{fmt}", data=reused), fmt, 409
    )


@pytest.mark.parametrize(
    ("change", "status", "named"),
    [
        ({"service_request_id": "JBT-00000000"}, 404, "service_request_id"),
        ({"service_request_id": ""}, 400, "service_request_id"),
        ({"description": "  "}, 400, "description"),
        ({"updated_datetime": "kemarin"}, 400, "updated_datetime"),
        ({"api_key": ""}, 403, "api_key"),
        ({"jurisdiction_id": "surabaya"}, 404, "jurisdiction_id"),
    ],
)
def test_bad_notes(client: Any, psi: str, submit: Any, fmt: str, change: dict, status: int,
                   named: str) -> None:
    form = _note_form(psi, submit(), **change)
    response = client.post(f"{BASE}/servicerequestupdates.{fmt}", data=form)
    assert named in error_of(response, fmt, status)


def test_note_on_another_factions_complaint_is_404(client: Any, keys: Any, submit: Any) -> None:
    form = _note_form(keys.faction["PKS"], submit())
    error_of(client.post(f"{BASE}/servicerequestupdates.xml", data=form), "xml", 404)


def test_admin_key_cannot_post_updates(client: Any, keys: Any, submit: Any) -> None:
    form = _note_form(keys.admin, submit())
    error_of(client.post(f"{BASE}/servicerequestupdates.xml", data=form), "xml", 403)


def test_json_update_body_is_refused(client: Any, psi: str, submit: Any) -> None:
    response = client.post(
        f"{BASE}/servicerequestupdates.json", json=_note_form(psi, submit())
    )
    assert "form" in error_of(response, "json", 400)


def test_crm_push_requires_the_update_fields(client: Any, keys: Any, fmt: str) -> None:
    form = {"api_key": keys.crm, "service_request_id": "JBT-00000000", "status": "FIXED"}
    response = client.post(f"{BASE}/servicerequestupdates.{fmt}", data=form)
    assert "update_id" in error_of(response, fmt, 400)


def test_crm_push_applies_the_update(client: Any, db: Database, keys: Any, submit: Any) -> None:
    tracking_code = submit()
    with db.transaction() as session:
        complaint = session.scalars(
            select(Complaint).where(Complaint.tracking_code == tracking_code)
        ).one()
        complaint.crm_ticket_id = "CRM-1"
        append_event(session, complaint, "forwarded", source="gateway")
    form = {
        "api_key": keys.crm,
        "jurisdiction_id": "jakarta",
        "update_id": "crm-upd-1",
        "service_request_id": "CRM-1",
        "status": "IN_PROGRESS",
        "external_status_code": "PROSES",
        "description": "Petugas menuju lokasi",
        "updated_datetime": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    response = client.post(f"{BASE}/servicerequestupdates.xml", data=form)
    assert response.status_code == 200, response.data
    with db.session() as session:
        status = session.scalars(
            select(Complaint.status).where(Complaint.tracking_code == tracking_code)
        ).one()
    assert status == "in_progress"
