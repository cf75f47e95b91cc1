"""Open data safe to open, XML always well-formed: hostile text through intake and back out.

CSV: a cell that would start a formula gets OWASP's leading apostrophe (numbers stay numbers).
XML: intake refuses text XML 1.0 cannot carry (422 on the API, 400 <errors> on Open311, a
skipped item in a mirrored feed); a row stored before that rule still gives well-formed Atom
and Open311 XML.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from app.clock import utcnow
from app.database import Database
from app.public.opendata import FORMULA_START, PLAIN_NUMBER, neutralise
from tests.app.open311.conftest import request_form
from tests.conftest import Keys, complaint_payload

API = "/api/v1/complaints"
ATOM = "{http://www.w3.org/2005/Atom}"

HOSTILE_TITLES = [
    '=HYPERLINK("http://x.example/","klik")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1 lampu mati",
    "-6.175",  # a plain number: stays as it is
    "+62",  # also a plain number
    "Lampu jalan mati",  # ordinary text: unchanged
]


def _submit(client: FlaskClient, keys: Keys, n: int, **overrides: Any) -> Any:
    payload = complaint_payload(external_id=f"PSI-CSV-{n}", **overrides)
    return client.post(API, json=payload, headers=keys.headers("PSI"))


# --- CSV ----------------------------------------------------------------------------------


def test_hostile_titles_are_neutralised_in_the_csv(client: FlaskClient, keys: Keys) -> None:
    for n, title in enumerate(HOSTILE_TITLES):
        response = _submit(client, keys, n, title=title,
                           description=f"=cmd|' /C notepad'!A{n}\nbaris dua")
        assert response.status_code == 201, response.json
    exact = {r["tracking_code"]: r
             for r in json.loads(client.get("/data/aduan.json").get_data(as_text=True))["items"]}
    rows = list(csv.DictReader(io.StringIO(client.get("/data/aduan.csv").get_data(as_text=True))))
    assert len(rows) == len(HOSTILE_TITLES)
    for row in rows:
        title = exact[row["tracking_code"]]["title"]
        if title in ("-6.175", "+62", "Lampu jalan mati"):
            assert row["title"] == title
        else:
            assert row["title"] == "'" + title, row["title"]
        assert row["description"] == "'" + exact[row["tracking_code"]]["description"]
        # Coordinates are numbers, negative ones included.
        assert row["lat"] == "-6.175" and row["lon"] == "106.827"
        for name, cell in row.items():
            if cell.startswith(FORMULA_START):
                assert PLAIN_NUMBER.fullmatch(cell), (name, cell)


@given(st.text(max_size=40))
def test_neutralise_leaves_no_formula_and_loses_nothing(value: str) -> None:
    cell = neutralise(value)
    assert cell in (value, "'" + value)
    assert not cell.startswith(FORMULA_START) or PLAIN_NUMBER.fullmatch(cell)


@pytest.mark.parametrize("value", ["\tx", "\r=1", "=", "-", "+", "@", "-1e5x", "--1", "-.5.5"])
def test_each_formula_start_is_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["-6.175", "+62", "-1", "1e5", "-.5", "106.827", "0"])
def test_plain_numbers_stay_numbers(value: str) -> None:
    assert neutralise(value) == value


# --- XML: refused at intake -----------------------------------------------------------------

HOSTILE_CHARACTERS = ["\uffff", "\ufffe", "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b",
                      "\x1f", "\ud800", "\udfff"]


@pytest.mark.parametrize("bad", HOSTILE_CHARACTERS, ids=[f"U+{ord(c):04X}" for c in
                                                         HOSTILE_CHARACTERS])
@pytest.mark.parametrize("field", ["title", "description"])
def test_the_api_refuses_text_xml_cannot_carry(
    client: FlaskClient, keys: Keys, bad: str, field: str
) -> None:
    payload = complaint_payload(external_id="PSI-XML-1", **{field: f"Lampu {bad} mati"})
    # JSON escapes (\uffff, \ud800) reach the server as those very code points.
    response = client.post(API, data=json.dumps(payload, ensure_ascii=True),
                           content_type="application/json", headers=keys.headers("PSI"))
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    assert list(response.json["errors"]) == [field]
    assert client.get("/data/aduan.json").get_json()["items"] == []


@pytest.mark.parametrize("bad", ["\uffff", "\ufffe", "\x01", "\x1f"])
def test_open311_post_refuses_text_xml_cannot_carry(
    client: FlaskClient, keys: Keys, bad: str
) -> None:
    form = request_form(keys.faction["PSI"], description=f"Sampah {bad} menumpuk\r\nSeminggu.")
    response = client.post("/open311/v2/requests.xml", data=form)
    assert response.status_code == 400
    errors = fromstring(response.data)
    assert errors.tag == "errors"
    described = " ".join(e.findtext("description") or "" for e in errors)
    assert "description" in described
    assert fromstring(client.get("/open311/v2/requests.xml").data).findall("request") == []


def test_a_mirrored_feed_item_with_such_text_is_skipped(app: Flask, db: Database,
                                                         keys: Keys) -> None:
    from app.open311.convert import InvalidSubmission, complaint_from_feed_item
    from app.wiring import categories_of
    from sync.mirror import MirrorStats, _mirror_item

    item = {
        "service_request_id": "FEED-X", "status": "open", "service_code": "sampah",
        "description": "Sampah \uffff menumpuk", "address": "Jl. Tanah Abang II, Petojo Selatan",
        "lat": -6.1702, "long": 106.8157,
    }
    categories = categories_of(app.extensions["settings"])
    with app.app_context():
        with pytest.raises(InvalidSubmission) as refused:
            complaint_from_feed_item(item, categories)
        assert "description" in refused.value.errors
        with db.session() as session:
            faction_id = session.execute(
                text("SELECT id FROM factions WHERE code = 'PSI'")).scalar_one()
        stats = MirrorStats()
        _mirror_item(db, faction_id, "PSI", 1, item, stats, categories)
    assert (stats.skipped, stats.created) == (1, 0)


# --- XML: rows stored before the rule still give well-formed documents ----------------------


def test_a_row_stored_before_the_rule_gives_well_formed_xml(
    client: FlaskClient, db: Database, keys: Keys
) -> None:
    created = _submit(client, keys, 99, title="Lampu mati", description="Gelap sekali.")
    assert created.status_code == 201
    code = created.json["tracking_code"]
    hostile = "Judul \uffff\ufffe\x01\x08\x0b\x1f rusak"
    with db.transaction() as session:
        session.execute(
            text("UPDATE complaints SET title = :t, description = :d, public_title = :pt,"
                 " public_description = :pd"),
            {"t": hostile, "d": hostile + "\nbaris dua", "pt": hostile,
             "pd": hostile + "\nbaris dua"},
        )
        session.execute(text("UPDATE status_events SET note = :n, public_note = :pn"),
                        {"n": hostile, "pn": hostile})

    feed = fromstring(client.get("/feed.atom").data)
    summaries = [e.findtext(f"{ATOM}summary") for e in feed.iter(f"{ATOM}entry")]
    assert summaries and all("Judul  rusak" in (s or "") for s in summaries), summaries

    for url in ("/open311/v2/requests.xml", f"/open311/v2/requests/{code}.xml"):
        document = fromstring(client.get(url).data)
        descriptions = [r.findtext("description") or "" for r in document.findall("request")]
        assert descriptions and all("Judul  rusak" in d for d in descriptions), descriptions
    # The notes as the owning faction reads them, and redacted as an admin reads them.
    window = {"start_date": (utcnow() - timedelta(hours=1)).isoformat(),
              "end_date": (utcnow() + timedelta(minutes=1)).isoformat()}
    for key in (keys.faction[created.json["faction"]], keys.admin):
        updates = client.get("/open311/v2/servicerequestupdates.xml",
                             query_string={"api_key": key, **window})
        assert updates.status_code == 200, updates.data
        notes = [u.findtext("description") or ""
                 for u in fromstring(updates.data).findall("request_update")]
        assert notes and all("Judul  rusak" in n for n in notes), notes
