"""Reses in bulk (app/bulk_import.py): the sheet read as posko staff write it, every bad cell
named, nothing but ImportRefused for a bad file, and re-importing harmless."""

from __future__ import annotations

import csv
import io
import string
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from app.bulk_import import (
    COLUMNS,
    ImportRefused,
    Preview,
    import_rows,
    parse_upload,
)
from app.clock import WIB
from app.models import AuditEntry, Complaint, Faction
from app.reference import REFERENCE_DIR, areas, load_categories
from tests.test_imports import WEB, load_tree, matches_any

CATEGORIES = load_categories(str(REFERENCE_DIR / "categories.toml"))
HEADER = [c.header for c in COLUMNS]
LIMITS = {"max_bytes": 1_000_000, "max_rows": 500}


def good_row(number: int = 1, **overrides: Any) -> dict[str, Any]:
    row = {
        "no_aduan": f"RESES-{number}",
        "kategori": "sampah",
        "judul": "Sampah menumpuk di pinggir kali",
        "uraian": "Sudah seminggu tidak diangkut.",
        "kelurahan": "Gambir",
        "alamat": "Jl. Kali Pasir No. 3",
        "lat": "-6.1754",
        "lon": "106.8272",
        "nama_pelapor": "Siti Aminah",
        "telepon": "081234567890",
        "email": "siti@example.org",
        "nik": "3171010101900001",
        "visibilitas": "anonim",
        "tanggal_kejadian": "2026-11-20",
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict[str, Any]], delimiter: str = ",", bom: bool = False,
              header: list[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    columns = header or HEADER
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(name, "") for name in columns])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


def xlsx_bytes(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parse(filename: str, data: bytes, **limits: int) -> Preview:
    return parse_upload(filename, data, categories=CATEGORIES, **(LIMITS | limits))


def refused(filename: str, data: bytes, **limits: int) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        parse(filename, data, **limits)
    return caught.value


def test_a_semicolon_csv_with_bom_reads_as_excel_in_indonesia_writes_it() -> None:
    data = csv_bytes([good_row(1, lat="-6,1754", lon="106,8272")], delimiter=";", bom=True)
    preview = parse("reses.csv", data)
    (row,) = preview.rows
    assert row.valid, row.errors
    fields = row.fields
    assert fields is not None
    assert fields["external_id"] == "RESES-1"
    assert fields["location"] == {"kelurahan_code": "31.71.01.1001",
                                  "address": "Jl. Kali Pasir No. 3",
                                  "lat": -6.1754, "lon": 106.8272}
    assert fields["reporter"]["nik"] == "3171010101900001"
    assert fields["visibility"] == "anonymous"
    # A date without a time is midnight in Jakarta.
    assert fields["occurred_at"] == datetime(2026, 11, 19, 17, 0, tzinfo=UTC)


def test_english_headers_category_labels_and_kelurahan_codes_are_read_too() -> None:
    header = ["external_id", "category", "title", "description", "kelurahan_code", "visibility"]
    data = csv_bytes([{"external_id": "E-1", "category": "Damaged road", "title": "Hole",
                       "description": "Deep", "kelurahan_code": "31.71.01.1001",
                       "visibility": "public"}], header=header)
    (row,) = parse("en.csv", data).rows
    assert row.fields is not None
    assert row.fields["category"] == "jalan_rusak"
    assert row.fields["visibility"] == "public"
    assert "reporter" not in row.fields or row.fields["reporter"] is None


def test_each_bad_cell_is_named_by_letter_header_and_row_in_both_languages() -> None:
    rows = [
        good_row(1),
        good_row(2, kategori="banjir_besar", telepon="tanya RT"),
        good_row(3, kelurahan="Atlantis", nik="123", judul=""),
        good_row(4),
    ]
    preview = parse("reses.csv", csv_bytes(rows))
    assert [r.number for r in preview.valid_rows] == [2, 5]
    cells = {(e.cell, e.header): (e.message_id, e.message_en) for e in preview.errors}
    assert set(cells) == {("B3", "kategori"), ("J3", "telepon"), ("C4", "judul"),
                          ("E4", "kelurahan"), ("L4", "nik")}
    assert cells[("L4", "nik")] == ("NIK harus tepat 16 angka.", "A NIK is exactly 16 digits.")
    assert cells[("C4", "judul")][0] == "Wajib diisi."
    assert cells[("B3", "kategori")][0].startswith("Kategori tidak dikenal: banjir_besar.")
    assert "Atlantis" in cells[("E4", "kelurahan")][1]
    # The bad row keeps what was typed, for the preview to show it.
    assert preview.bad_rows[0].values["category"] == "banjir_besar"


def test_the_same_number_twice_in_one_file_is_a_bad_cell_of_the_second() -> None:
    preview = parse("dup.csv", csv_bytes([good_row(1), good_row(1, judul="Lain")]))
    assert preview.rows[0].valid
    (error,) = preview.rows[1].errors
    assert (error.cell, error.message_en) == ("A3", "The same complaint number is already "
                                                    "in row 2.")


def test_an_xlsx_with_numbers_and_dates_as_cells_reads_like_its_text() -> None:
    row = good_row(1)
    cells = [row[h] for h in HEADER]
    cells[HEADER.index("lat")] = -6.1754
    cells[HEADER.index("lon")] = 106.8272
    cells[HEADER.index("telepon")] = 81234567890  # a phone typed as a number lost its 0
    cells[HEADER.index("nik")] = 3171010101900001
    cells[HEADER.index("tanggal_kejadian")] = datetime(2026, 11, 20, 8, 30)
    cells[HEADER.index("no_aduan")] = 17
    (parsed,) = parse("reses.xlsx", xlsx_bytes([cells, [None] * len(HEADER)])).rows
    assert parsed.fields is not None, parsed.errors
    assert parsed.fields["external_id"] == "17"
    assert parsed.fields["reporter"]["phone"] == "081234567890"
    assert parsed.fields["reporter"]["nik"] == "3171010101900001"
    assert parsed.fields["occurred_at"] == datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("filename", "data", "words"),
    [
        ("reses.xlsm", b"PK\x03\x04anything", "macros"),
        ("reses.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("reses.ods", b"PK\x03\x04anything", ".ods"),
        ("reses.pdf", b"%PDF-1.4", ".pdf"),
        ("reses.xlsx", b"PK\x03\x04 not really a zip", "cannot be read"),
        ("reses.xlsx", b"just text", "not an intact .xlsx"),
        ("reses.csv", "no_aduan,judul\n1,é".encode("latin-1"), "not UTF-8"),
        ("reses.csv", b"", "empty"),
        ("reses.csv", b"no_aduan,kategori,judul\nA,sampah,x\n", "Required columns missing: "
                                                                "uraian, kelurahan"),
        ("reses.csv", b"no_aduan,kategori,judul,uraian,kelurahan,catatan\n", "Unknown column "
                                                                             "headers: F1"),
        ("reses.csv", b"no_aduan,no_aduan\n", "appears twice"),
        ("reses.csv", csv_bytes([]), "only the header row"),
    ],
)
def test_a_file_that_is_no_sheet_is_refused_with_a_clear_message(
    filename: str, data: bytes, words: str
) -> None:
    error = refused(filename, data)
    assert words in error.message_en
    assert error.message_id and error.message("id") != error.message("en")


def test_a_workbook_with_a_macro_project_inside_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/vbaProject.bin", b"\0" * 10)
    assert "macros" in refused("innocent.xlsx", buffer.getvalue()).message_en


def test_an_oversized_file_and_too_many_rows_are_refused() -> None:
    data = csv_bytes([good_row(n) for n in range(1, 12)])
    assert "too large" in refused("big.csv", data, max_bytes=len(data) - 1).message_en
    assert "Too many rows (at most 10)" in refused("long.csv", data, max_rows=10).message_en
    assert len(parse("ok.csv", data, max_rows=11).rows) == 11
    xlsx = xlsx_bytes([[good_row(n)[h] for h in HEADER] for n in range(1, 12)])
    assert "Too many rows" in refused("long.xlsx", xlsx, max_rows=10).message_en


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 5_000_000)
    data = buffer.getvalue()
    assert "contents too large" in refused("bomb.xlsx", data, max_bytes=len(data) + 10).message_en


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2000),
       filename=st.sampled_from(["x.csv", "x.xlsx", "x", "x.txt", "x.XLSX"]))
def test_arbitrary_bytes_give_a_preview_or_import_refused_nothing_else(
    data: bytes, filename: str
) -> None:
    try:
        parse(filename, data)
    except ImportRefused:
        pass


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=800))
def test_arbitrary_bytes_inside_a_real_zip_are_refused_or_read(data: bytes) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", data)
        archive.writestr("xl/workbook.xml", data)
    try:
        parse("x.xlsx", buffer.getvalue())
    except ImportRefused:
        pass


@settings(max_examples=100, deadline=None)
@given(header=st.lists(st.sampled_from([*HEADER, "external_id", "lintang"]), max_size=16),
       body=st.lists(st.lists(st.text(max_size=30), max_size=16), max_size=5))
def test_arbitrary_tables_give_a_preview_or_import_refused(
    header: list[str], body: list[list[str]]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(body)
    try:
        parse("x.csv", buffer.getvalue().encode("utf-8", "surrogatepass"))
    except ImportRefused:
        pass


# A valid sheet, generated: what is written is what the preview reads back.
_words = st.text(alphabet=string.ascii_letters + string.digits + " .,;:'\"()/-",
                 min_size=1, max_size=60).map(str.strip).filter(bool)
def _gps(value: float) -> float:
    return round(value, 6)


_kelurahan = st.sampled_from(sorted(a.code for a in areas().of_level("kelurahan")))
_row = st.fixed_dictionaries({
    "category": st.sampled_from(sorted(CATEGORIES)),
    "title": _words,
    "description": _words,
    "kelurahan": _kelurahan,
    # GPS gives 6 decimals; a spreadsheet keeps 15 significant digits.
    "lat": st.one_of(st.none(), st.floats(min_value=-6.4, max_value=-6.1).map(_gps)),
    "lon": st.floats(min_value=106.7, max_value=106.95).map(_gps),
    "phone": st.one_of(st.none(), st.from_regex(r"08[0-9]{8,11}", fullmatch=True)),
    "nik": st.one_of(st.none(), st.from_regex(r"31[0-9]{14}", fullmatch=True)),
    "visibility": st.sampled_from(["publik", "anonim", "rahasia"]),
    "occurred_at": st.one_of(st.none(), st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2025, 12, 31)
    ).map(lambda d: d.replace(second=0, microsecond=0))),
})


def _expected(number: int, row: dict[str, Any]) -> dict[str, Any]:
    location: dict[str, Any] = {"kelurahan_code": row["kelurahan"]}
    if row["lat"] is not None:
        location |= {"lat": row["lat"], "lon": row["lon"]}
    reporter = {k: v for k, v in (("phone", row["phone"]), ("nik", row["nik"])) if v}
    visibility = {"publik": "public", "anonim": "anonymous", "rahasia": "confidential"}
    expected: dict[str, Any] = {
        "external_id": f"G-{number}",
        "category": row["category"],
        "title": row["title"],
        "description": row["description"],
        "location": location,
        "visibility": visibility[row["visibility"]],
        "attachments": [],
    }
    if reporter:
        expected["reporter"] = reporter
    if row["occurred_at"] is not None:
        expected["occurred_at"] = row["occurred_at"].replace(tzinfo=WIB).astimezone(UTC)
    return expected


def _cells(number: int, row: dict[str, Any], as_text: bool) -> list[Any]:
    def cell(value: Any) -> Any:
        if value is None:
            return "" if as_text else None
        if as_text and isinstance(value, datetime):
            return value.strftime("%d/%m/%Y %H:%M")
        return str(value) if as_text else value

    values = {"no_aduan": f"G-{number}", "kategori": row["category"], "judul": row["title"],
              "uraian": row["description"], "kelurahan": row["kelurahan"],
              "lat": row["lat"], "lon": row["lon"] if row["lat"] is not None else None,
              "telepon": row["phone"], "nik": row["nik"], "visibilitas": row["visibility"],
              "tanggal_kejadian": row["occurred_at"]}
    return [cell(values.get(h)) for h in HEADER]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(_row, min_size=1, max_size=6), use_xlsx=st.booleans(),
       delimiter=st.sampled_from([",", ";"]))
def test_a_generated_valid_sheet_round_trips(
    rows: list[dict[str, Any]], use_xlsx: bool, delimiter: str
) -> None:
    if use_xlsx:
        data = xlsx_bytes([_cells(n, r, as_text=False) for n, r in enumerate(rows, 1)])
        name = "gen.xlsx"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        writer.writerow(HEADER)
        writer.writerows(_cells(n, r, as_text=True) for n, r in enumerate(rows, 1))
        data, name = buffer.getvalue().encode(), "gen.csv"
    preview = parse(name, data)
    assert preview.errors == []
    assert [r.fields for r in preview.rows] == [_expected(n, r) for n, r in enumerate(rows, 1)]


# --- import_rows ---------------------------------------------------------------------------


def _import(app: Flask, data: bytes, code: str = "PSI") -> Any:
    db = app.extensions["db"]
    preview = parse("reses.csv", data)
    with db.transaction() as session:
        faction = session.scalars(select(Faction).where(Faction.code == code)).one()
        return import_rows(session, faction, preview, categories=CATEGORIES, actor="test:siti")


def _count(app: Flask) -> int:
    with app.extensions["db"].session() as session:
        return session.scalar(select(func.count()).select_from(Complaint)) or 0


def test_valid_rows_are_stored_bad_ones_listed_and_reimport_is_harmless(
    app: Flask, keys: Any
) -> None:
    data = csv_bytes([good_row(1), good_row(2, nik="12"), good_row(3)])
    report = _import(app, data)
    assert [r.external_id for r in report.created] == ["RESES-1", "RESES-3"]
    assert [(r.row, r.errors[0].cell) for r in report.refused] == [(3, "L3")]
    assert _count(app) == 2
    again = _import(app, data)
    assert again.created == []
    assert [r.tracking_code for r in again.unchanged] == [r.tracking_code for r in report.created]
    assert _count(app) == 2
    with app.extensions["db"].session() as session:
        stored = session.scalars(select(Complaint).order_by(Complaint.external_id)).all()
        assert [c.source for c in stored] == ["import", "import"]
        assert stored[0].reporter_nik == "3171010101900001"
        audit = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "complaints.import")).all()
        assert [a.detail["created"] for a in audit] == [2, 0]
        assert audit[0].actor == "test:siti"


def test_imported_rows_are_matched_like_any_intake(app: Flask, keys: Any) -> None:
    """A reses file often holds the same problem twice: with the settings, the second row is
    linked to the first (one CRM ticket), as through the API."""
    data = csv_bytes([good_row(1), good_row(2)])
    preview = parse("reses.csv", data)
    db = app.extensions["db"]
    with db.transaction() as session:
        faction = session.scalars(select(Faction).where(Faction.code == "PSI")).one()
        report = import_rows(session, faction, preview, categories=CATEGORIES, actor="test",
                             settings=app.extensions["settings"])
    assert len(report.created) == 2
    with db.session() as session:
        first, second = session.scalars(select(Complaint).order_by(Complaint.external_id))
        assert first.duplicate_state is None
        assert (second.duplicate_state, second.duplicate_of_id) == ("linked", first.id)


def test_changed_content_for_a_stored_number_is_a_conflict_not_an_error(
    app: Flask, keys: Any
) -> None:
    first = _import(app, csv_bytes([good_row(1)]))
    report = _import(app, csv_bytes([good_row(1, judul="Judul lain"), good_row(2)]))
    (conflict,) = report.refused
    assert conflict.external_id == "RESES-1"
    assert conflict.conflict_tracking_code == first.created[0].tracking_code
    assert [r.external_id for r in report.created] == ["RESES-2"]


def test_a_disabled_faction_imports_nothing(app: Flask, keys: Any) -> None:
    with app.extensions["db"].transaction() as session:
        faction = session.scalars(select(Faction).where(Faction.code == "PSI")).one()
        faction.active = False
    with pytest.raises(ImportRefused) as caught:
        _import(app, csv_bytes([good_row(1)]))
    assert "disabled" in caught.value.message_en
    assert _count(app) == 0


def test_the_module_needs_no_web_framework() -> None:
    module = load_tree()["app.bulk_import"]
    assert [str(i) for i in module.imports if matches_any(i.target, WEB)] == []
