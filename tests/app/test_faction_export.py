"""A faction's own export (app/faction_export.py): its complaints only, reporter data included,
filters as the console list, every text cell formula-safe by the open data's rule."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.faction_export import (
    HEADERS,
    ExportFilters,
    csv_chunks,
    export_records,
    xlsx_bytes,
)
from app.models import Complaint, Faction
from app.public.opendata import FORMULA_START, PLAIN_NUMBER, neutralise
from app.reference import REFERENCE_DIR, load_categories
from tests.support.complaints import store_complaint
from tests.test_imports import WEB, load_tree, matches_any

CATEGORIES = load_categories(str(REFERENCE_DIR / "categories.toml"))
HOSTILE = "=HYPERLINK(\"http://127.0.0.1/x\",\"klik\")"


def _records(app: Flask, code: str = "PSI", **filters: Any) -> list[dict[str, Any]]:
    with app.extensions["db"].session() as session:
        faction = session.scalars(select(Faction).where(Faction.code == code)).one()
        return list(export_records(session, faction.id, ExportFilters(**filters), CATEGORIES))


def _csv_rows(records: list[dict[str, Any]]) -> list[dict[str, str]]:
    text = "".join(csv_chunks(iter(records)))
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.fixture
def stored(app: Flask, keys: Any) -> dict[str, Complaint]:
    hostile = store_complaint(
        app, external_id="PSI-1", title=HOSTILE, description="@SUM(A1:A9)",
        reporter={"name": "-Siti+", "phone": "+6281234567890", "email": "siti@example.org",
                  "nik": "3171010101900001"},
    )
    road = store_complaint(app, external_id="PSI-2", category="jalan_rusak",
                           location={"kelurahan_code": "31.74.01.1001"})
    other = store_complaint(app, "PKS", external_id="PKS-1", title="Milik fraksi lain")
    return {"hostile": hostile, "road": road, "other": other}


def test_csv_cells_are_formula_safe_like_the_open_data_and_carry_the_reporter(
    app: Flask, stored: dict[str, Complaint]
) -> None:
    rows = _csv_rows(_records(app))
    assert [r["no_aduan"] for r in rows] == ["PSI-1", "PSI-2"]
    hostile = rows[0]
    assert list(hostile) == list(HEADERS)
    assert hostile["judul"] == "'" + HOSTILE == neutralise(HOSTILE)
    assert hostile["uraian"] == "'@SUM(A1:A9)"
    assert hostile["nama_pelapor"] == "'-Siti+"
    assert hostile["telepon"] == "+6281234567890"  # a plain number stays as typed
    assert hostile["nik"] == "3171010101900001"
    assert hostile["skpd"] == "Dinas Lingkungan Hidup"
    assert hostile["kelurahan_nama"] == "Gambir"
    assert hostile["terlambat"] == "tidak"
    assert hostile["diterima"].endswith("+07:00")


def test_xlsx_cells_are_strings_never_formulas(app: Flask, stored: dict[str, Complaint]) -> None:
    data = xlsx_bytes(iter(_records(app)))
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == list(HEADERS)
    assert all(c.data_type != "f" for row in rows for c in row)
    judul = HEADERS.index("judul")
    assert rows[1][judul].value == "'" + HOSTILE
    assert rows[1][HEADERS.index("nik")].value == "3171010101900001"
    assert rows[1][HEADERS.index("diterima")].is_date
    assert len(rows) == 3


def test_only_the_factions_own_complaints_and_the_filters_apply(
    app: Flask, stored: dict[str, Complaint]
) -> None:
    assert [r["no_aduan"] for r in _records(app, "PKS")] == ["PKS-1"]
    assert [r["no_aduan"] for r in _records(app, category="jalan_rusak")] == ["PSI-2"]
    assert [r["no_aduan"] for r in _records(app, kota="31.74")] == ["PSI-2"]
    assert [r["no_aduan"] for r in _records(app, kelurahan="31.71.01.1001")] == ["PSI-1"]
    assert [r["no_aduan"] for r in _records(app, agency="Dinas Bina Marga")] == ["PSI-2"]
    assert _records(app, status="resolved") == []
    assert [r["no_aduan"] for r in _records(app, search="HYPERLINK")] == ["PSI-1"]
    code = stored["road"].tracking_code
    assert [r["no_aduan"] for r in _records(app, search=code.lower())] == ["PSI-2"]
    assert _records(app, search="100%_") == []
    assert _records(app, since=date(2999, 1, 1)) == []
    assert len(_records(app, until=date(2999, 1, 1))) == 2
    with app.extensions["db"].transaction() as session:
        session.execute(update(Complaint).where(Complaint.external_id == "PSI-1")
                        .values(overdue=True))
        session.execute(update(Complaint).where(Complaint.external_id == "PSI-2")
                        .values(agency="Suku Dinas Bina Marga Jakarta Selatan"))
    assert [r["no_aduan"] for r in _records(app, overdue=True)] == ["PSI-1"]
    # The CRM's agency, once known, is the one that counts.
    assert _records(app, agency="Dinas Bina Marga") == []


def test_the_module_needs_no_web_framework() -> None:
    module = load_tree()["app.faction_export"]
    assert [str(i) for i in module.imports if matches_any(i.target, WEB)] == []


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=(
    [chr(c) for c in range(32) if chr(c) not in "\t\n\r"] + ["\x7f", "\ufffe", "\uffff"])),
    max_size=40)


@settings(max_examples=150, deadline=None)
@given(title=_TEXT, name=_TEXT)
def test_no_text_becomes_a_formula_in_either_format(title: str, name: str) -> None:
    record = dict.fromkeys(HEADERS)
    record |= {"judul": title, "nama_pelapor": name, "terlambat": False}
    (row,) = _csv_rows([record])
    for typed, written in ((title, row["judul"]), (name, row["nama_pelapor"])):
        assert written == neutralise(typed)
        assert not written.startswith(FORMULA_START) or PLAIN_NUMBER.fullmatch(written)
    sheet = load_workbook(io.BytesIO(xlsx_bytes(iter([record])))).active
    cells = list(sheet.iter_rows())[1]
    assert all(c.data_type != "f" for c in cells)
    judul = cells[HEADERS.index("judul")].value or ""
    # XML reads every line end as LF (CR and CRLF included): the line breaks stay breaks.
    expected = neutralise(title).replace("\r\n", "\n").replace("\r", "\n")
    assert judul == expected or not title
