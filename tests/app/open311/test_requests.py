"""POST requests, GET requests and GET requests/{id}."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.database import Database
from app.events import append_event
from app.models import Complaint, OutboxMessage
from tests.app.open311 import spec
from tests.app.open311.conftest import BASE, error_of, read, request_form


def _stored(db: Database, tracking_code: str) -> Complaint:
    with db.session() as session:
        complaint = session.scalars(
            select(Complaint).where(Complaint.tracking_code == tracking_code)
        ).one()
        session.expunge_all()
        return complaint


def _items(document: Any, fmt: str, root: str = "service_requests") -> list[dict]:
    if fmt == "json":
        return document
    tag, items = document
    assert tag == root
    return items


# --- POST requests -------------------------------------------------------------------------


def test_post_creates_a_complaint_through_intake(client: Any, db: Database, psi: str, fmt: str):
    response = client.post(f"{BASE}/requests.{fmt}", data=request_form(psi))
    assert response.status_code == 201
    created = _items(read(response, fmt, spec.REQUEST_CREATED), fmt)
    assert isinstance(created, list) and len(created) == 1
    tracking_code = created[0]["service_request_id"]
    assert tracking_code.startswith("JBT-")
    assert tracking_code in created[0]["service_notice"]
    assert created[0]["account_id"] in ("", None)

    complaint = _stored(db, tracking_code)
    assert complaint.source == "open311"
    assert complaint.faction.code == "PSI"
    assert complaint.category == "sampah"
    # CRLF normalised; the title is the description's first line.
    assert complaint.description == (
        "Sampah menumpuk di pinggir kali\nSudah seminggu tidak diangkut."
    )
    assert complaint.title == "Sampah menumpuk di pinggir kali"
    assert complaint.kelurahan_code == "31.71.01.1001"
    assert complaint.kecamatan_code == "31.71.01"
    assert (complaint.lat, complaint.lon) == (-6.1754, 106.8272)
    assert complaint.reporter_name == "Siti Aminah"
    assert complaint.reporter_email == "siti@example.org"
    assert complaint.reporter_phone == "081234567890"
    assert complaint.visibility == "anonymous"
    assert complaint.external_id.startswith("o311-")
    with db.session() as session:
        topics = session.scalars(
            select(OutboxMessage.topic).where(OutboxMessage.complaint_id == complaint.id)
        ).all()
    assert topics == ["crm.submit"]


def test_replayed_post_returns_the_same_id(client: Any, db: Database, psi: str) -> None:
    first = client.post(f"{BASE}/requests.xml", data=request_form(psi))
    again = client.post(f"{BASE}/requests.xml", data=request_form(psi))
    assert (first.status_code, again.status_code) == (201, 200)
    first_id = spec.xml_document(first.data)[1][0]["service_request_id"]
    assert spec.xml_document(again.data)[1][0]["service_request_id"] == first_id
    # Another report (other text) is another complaint.
    other = client.post(
        f"{BASE}/requests.xml", data=request_form(psi, description="Lampu jalan mati")
    )
    assert other.status_code == 201
    assert spec.xml_document(other.data)[1][0]["service_request_id"] != first_id


def test_explicit_external_id_replays_and_conflicts(client: Any, psi: str) -> None:
    form = request_form(psi, **{"attribute[external_id]": "FMS-42"})
    first = client.post(f"{BASE}/requests.json", data=form)
    again = client.post(f"{BASE}/requests.json", data=form)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json[0]["service_request_id"] == again.json[0]["service_request_id"]
    changed = dict(form, description="Isi lain sama sekali")
    assert "attribute[external_id] 'FMS-42'" in error_of(
        client.post(f"{BASE}/requests.json", data=changed), "json", 409
    )


@pytest.mark.parametrize(
    "pairs",
    [
        [("attribute[kelurahan_code]", "31.71.01.1002")],
        [("attribute[kelurahan_code][]", "31.71.01.1002")],
        [("attribute[kelurahan_code]", "31.71.01.1002")] * 2,
    ],
    ids=["plain", "brackets", "repeated"],
)
def test_attribute_spellings(client: Any, db: Database, psi: str, pairs: list) -> None:
    form = list(request_form(psi, **{"attribute[kelurahan_code]": None}).items()) + pairs
    form += [("attribute[visibility][]", "public"), ("attribute[unknown_thing]", "x")]
    response = client.post(f"{BASE}/requests.xml", data=MultiDict(form))
    assert response.status_code == 201, response.data
    complaint = _stored(db, spec.xml_document(response.data)[1][0]["service_request_id"])
    assert complaint.kelurahan_code == "31.71.01.1002"
    assert complaint.visibility == "public"


def test_conflicting_attribute_values_are_refused(client: Any, psi: str) -> None:
    form = list(request_form(psi).items()) + [("attribute[kelurahan_code]", "31.71.01.1002")]
    response = client.post(f"{BASE}/requests.xml", data=MultiDict(form))
    description = error_of(response, "xml", 400)
    assert "attribute[kelurahan_code]" in description


def test_repeated_media_url_become_attachments(client: Any, db: Database, psi: str) -> None:
    form = list(request_form(psi).items()) + [
        ("media_url", "https://posko.example.org/a.jpg"),
        ("media_url", "https://posko.example.org/b.jpg"),
    ]
    response = client.post(f"{BASE}/requests.xml", data=MultiDict(form))
    complaint = _stored(db, spec.xml_document(response.data)[1][0]["service_request_id"])
    assert [a["url"] for a in complaint.attachments] == [
        "https://posko.example.org/a.jpg",
        "https://posko.example.org/b.jpg",
    ]


def test_multipart_and_query_string_parameters(client: Any, db: Database, psi: str) -> None:
    form = request_form(psi, api_key=None, jurisdiction_id=None)
    response = client.post(
        f"{BASE}/requests.xml?api_key={psi}&jurisdiction_id=jakarta",
        data=form,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.data


def test_address_string_instead_of_coordinates(client: Any, db: Database, psi: str) -> None:
    form = request_form(psi, lat=None, long=None, address_string="Jl. Kali Pasir No. 3")
    response = client.post(f"{BASE}/requests.json", data=form)
    assert response.status_code == 201
    complaint = _stored(db, response.json[0]["service_request_id"])
    assert complaint.address == "Jl. Kali Pasir No. 3" and complaint.lat is None


def test_json_body_is_refused(client: Any, psi: str, fmt: str) -> None:
    response = client.post(f"{BASE}/requests.{fmt}", json=request_form(psi))
    assert "application/json" in error_of(response, fmt, 400)


# --- GET requests --------------------------------------------------------------------------


def _documents(client: Any, query: str, fmt: str, schema: dict = spec.REQUESTS) -> list[dict]:
    response = client.get(f"{BASE}/requests.{fmt}?{query}")
    assert response.status_code == 200, response.data
    return _items(read(response, fmt, schema), fmt)


def test_get_requests_golden_for_the_owner(client: Any, db: Database, psi: str, submit: Any,
                                           fmt: str) -> None:
    tracking_code = submit(**{"media_url": "https://posko.example.org/foto.jpg"})
    complaint = _stored(db, tracking_code)
    listed = _documents(client, f"api_key={psi}", fmt)
    assert isinstance(listed, list) and len(listed) == 1
    document = listed[0]
    expected = {
        "service_request_id": tracking_code,
        "status": "open",
        "status_notes": "Diterima",
        "service_name": "Sampah",
        "service_code": "sampah",
        "description": "Sampah menumpuk di pinggir kali\nSudah seminggu tidak diangkut.",
        "agency_responsible": "Dinas Lingkungan Hidup",
        "service_notice": None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": -6.1754,
        "long": 106.8272,
        "media_url": "https://posko.example.org/foto.jpg",
    }
    times = {k: document.pop(k) for k in ("requested_datetime", "updated_datetime",
                                          "expected_datetime")}
    assert document == (expected if fmt == "json" else spec.as_xml_values(expected))
    assert spec.w3c(times["requested_datetime"]) == complaint.created_at.replace(microsecond=0)
    assert spec.w3c(times["expected_datetime"]) == complaint.due_at.replace(microsecond=0)
    assert times["requested_datetime"].endswith("+07:00")


def test_public_view_hides_people_and_confidential(client: Any, submit: Any, fmt: str) -> None:
    secret = submit(**{"attribute[visibility]": "confidential", "description": "Rahasia"})
    shown = submit(
        **{
            "attribute[visibility]": "public",
            "description": "Hubungi 081234567890 atau siti@example.org, NIK 3171010101900001",
            "media_url": "https://posko.example.org/foto.jpg",
            "address_string": "Jl. Kali Pasir No. 3 rumah Bu Siti",
        }
    )
    anonymous = submit()
    listed = {d["service_request_id"]: d for d in _documents(client, "", fmt)}
    assert secret not in listed
    assert set(listed) == {shown, anonymous}
    public = listed[shown]
    for personal in ("081234567890", "siti@example.org", "3171010101900001", "Bu Siti"):
        assert personal not in str(public)
    assert public["description"] == "Hubungi [nomor telepon] atau [email], NIK [NIK]"
    assert public["address"] == "Gambir"
    assert float(public["lat"]) == -6.175 and float(public["long"]) == 106.827
    assert public["media_url"] == "https://posko.example.org/foto.jpg"
    assert listed[anonymous]["media_url"] in ("", None)
    # requests/{id}: the confidential one does not exist for the public.
    error_of(client.get(f"{BASE}/requests/{secret}.{fmt}"), fmt, 404)


def test_a_faction_sees_only_its_own(client: Any, keys: Any, submit: Any, fmt: str) -> None:
    own = submit(**{"attribute[visibility]": "confidential"})
    pks = keys.faction["PKS"]
    assert _documents(client, f"api_key={pks}", fmt) == []
    error_of(client.get(f"{BASE}/requests/{own}.{fmt}?api_key={pks}"), fmt, 404)
    mine = _documents(client, f"api_key={keys.faction['PSI']}", fmt)
    assert [d["service_request_id"] for d in mine] == [own]


def test_get_one_request_is_a_one_element_list(client: Any, psi: str, submit: Any,
                                                fmt: str) -> None:
    tracking_code = submit()
    response = client.get(f"{BASE}/requests/{tracking_code}.{fmt}?api_key={psi}")
    items = _items(read(response, fmt, spec.ONE_REQUEST), fmt)
    assert isinstance(items, list) and len(items) == 1
    assert items[0]["service_request_id"] == tracking_code
    assert items[0]["address"] in ("", None)  # no address was given: empty, never "None"
    assert "None" not in response.get_data(as_text=True)
    missing = client.get(f"{BASE}/requests/JBT-00000000.{fmt}")
    assert "service_request_id 'JBT-00000000'" in error_of(missing, fmt, 404)


def test_filters(client: Any, db: Database, psi: str, submit: Any, fmt: str) -> None:
    garbage = submit()
    parking = submit(service_code="parkir_liar", description="Parkir liar di trotoar")
    closed = submit(service_code="pkl", description="PKL di trotoar")
    with db.transaction() as session:
        complaint = session.scalars(
            select(Complaint).where(Complaint.tracking_code == closed)
        ).one()
        append_event(session, complaint, "resolved", source="crm", note="Sudah ditertibkan")

    def ids(query: str) -> set[str]:
        return {d["service_request_id"] for d in _documents(client, query, fmt)}

    assert ids(f"service_request_id={garbage},{closed}") == {garbage, closed}
    assert ids("service_code=parkir_liar,pkl") == {parking, closed}
    assert ids("status=open") == {garbage, parking}
    assert ids("status=closed") == {closed}
    assert ids("status=open,closed") == {garbage, parking, closed}
    now = datetime.now(UTC)
    window = (
        f"start_date={(now - timedelta(hours=1)).isoformat(timespec='seconds')}"
        f"&end_date={(now + timedelta(hours=1)).isoformat(timespec='seconds')}"
    )
    assert ids(window.replace("+", "%2B")) == {garbage, parking, closed}
    # '+' sent unencoded decodes to a space: still understood.
    assert ids(window) == {garbage, parking, closed}
    past = "start_date=2026-01-01T00:00:00%2B07:00&end_date=2026-02-01T00:00:00%2B07:00"
    assert ids(past) == set()


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("start_date=yesterday", "start_date"),
        ("end_date=2026-11-29T10:00:00", "end_date"),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z", "90 days"),
        ("start_date=2026-11-02T00:00:00Z&end_date=2026-11-01T00:00:00Z", "start_date"),
        ("status=pending", "status"),
        ("service_code=banjir", "service_code"),
        ("api_key=jbt_nope_nopenopenopenopenope", "api_key"),
    ],
)
def test_bad_query_parameters(client: Any, fmt: str, query: str, named: str) -> None:
    response = client.get(f"{BASE}/requests.{fmt}?{query}")
    status = 403 if named == "api_key" else 400
    assert named in error_of(response, fmt, status)
