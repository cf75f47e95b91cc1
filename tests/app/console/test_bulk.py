"""Reses import and the export through HTTP (/posko/impor, /posko/ekspor)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.models import AuditEntry, Complaint, Faction
from tests.app.console.conftest import csrf_of
from tests.app.test_bulk_import import csv_bytes, good_row
from tests.support.complaints import store_complaint

Member = Callable[..., FlaskClient]


@pytest.fixture(autouse=True)
def _import_dir(app: Flask, tmp_path: Path) -> Path:
    folder = tmp_path / "pending"
    app.config["CONSOLE_IMPORT_DIR"] = str(folder)
    return folder


def upload(client: FlaskClient, data: bytes, filename: str = "reses.csv") -> Any:
    page = client.get("/posko/impor")
    assert page.status_code == 200
    return client.post("/posko/impor", data={
        "csrf_token": csrf_of(page.get_data(as_text=True)),
        "berkas": (io.BytesIO(data), filename),
    }, content_type="multipart/form-data")


def confirm(client: FlaskClient, preview_html: str) -> Any:
    token = re.search(r'name="token" value="([^"]+)"', preview_html)
    assert token, "no confirmation form on the preview"
    return client.post("/posko/impor/konfirmasi", data={
        "csrf_token": csrf_of(preview_html), "token": token.group(1)})


def count(app: Flask, code: str | None = None) -> int:
    with app.extensions["db"].session() as session:
        query = select(func.count()).select_from(Complaint)
        if code:
            query = query.join(Faction).where(Faction.code == code)
        return session.scalar(query) or 0


FILE = csv_bytes([
    good_row(1),
    good_row(2, kategori="banjir_besar"),
    good_row(3),
    good_row(4, nik="123", kelurahan="Atlantis"),
    good_row(5),
], delimiter=";", bom=True)


@pytest.mark.parametrize("role", ["staf", "koordinator"])
def test_an_import_with_two_bad_rows_stores_the_valid_ones_and_names_the_bad_cells(
    app: Flask, member: Member, role: str
) -> None:
    client = member("PSI", role=role)
    preview = upload(client, FILE)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "5 baris: 3 sah, 2 perlu diperbaiki." in html
    assert "<code>B3</code>" in html and "banjir_besar" in html
    assert "<code>E5</code>" in html and "<code>L5</code>" in html
    assert "NIK harus tepat 16 angka." in html
    assert count(app) == 0  # a preview stores nothing
    done = confirm(client, html)
    assert done.status_code == 200
    report = done.get_data(as_text=True)
    assert "3 aduan baru disimpan, 0 sudah ada sebelumnya (tidak berubah), 2 tidak diimpor." \
        in report
    assert "<code>L5</code> (nik): NIK harus tepat 16 angka." in report
    assert count(app, "PSI") == 3
    with app.extensions["db"].session() as session:
        audit = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "complaints.import")).one()
        assert audit.actor.startswith("posko:") and audit.detail["created"] == 3


def test_reimporting_the_same_file_is_harmless(
    app: Flask, member: Member, _import_dir: Path
) -> None:
    client = member("PSI")
    html = upload(client, FILE).get_data(as_text=True)
    (held,) = _import_dir.glob("*.upload")
    assert held.stat().st_mode & 0o777 == 0o600 and held.read_bytes() == FILE
    assert _import_dir.stat().st_mode & 0o077 == 0
    confirm(client, html)
    assert not list(_import_dir.glob("*"))  # the held file is gone once imported
    # A second upload replaces the first preview (its file removed, its form stale).
    first = upload(client, FILE).get_data(as_text=True)
    second = upload(client, FILE).get_data(as_text=True)
    assert len(list(_import_dir.glob("*.upload"))) == 1
    assert confirm(client, first).status_code == 409
    again = confirm(client, second)
    assert "0 aduan baru disimpan, 3 sudah ada sebelumnya (tidak berubah), 2 tidak diimpor." \
        in again.get_data(as_text=True)
    assert count(app) == 3


def test_the_english_pages_say_it_in_english(app: Flask, member: Member) -> None:
    client = member("PSI")
    page = client.get("/posko/impor?lang=en")
    response = client.post("/posko/impor?lang=en", data={
        "csrf_token": csrf_of(page.get_data(as_text=True)),
        "berkas": (io.BytesIO(FILE), "reses.csv"),
    }, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "5 rows: 3 valid, 2 to correct." in html
    assert "A NIK is exactly 16 digits." in html


def test_a_changed_row_for_a_stored_number_is_reported_as_a_conflict(
    app: Flask, member: Member
) -> None:
    client = member("PSI")
    confirm(client, upload(client, csv_bytes([good_row(1)])).get_data(as_text=True))
    changed = csv_bytes([good_row(1, judul="Judul yang diubah"), good_row(2)])
    report = confirm(client, upload(client, changed).get_data(as_text=True))
    assert report.status_code == 200
    html = report.get_data(as_text=True)
    assert "1 aduan baru disimpan, 0 sudah ada sebelumnya (tidak berubah), 1 tidak diimpor." \
        in html
    assert "sudah tersimpan dengan isi lain" in html
    assert count(app) == 2


@pytest.mark.parametrize(
    ("filename", "data", "status", "words"),
    [
        ("reses.xlsx", b"PK\x03\x04 damaged", 400, "tidak dapat dibaca"),
        ("reses.xlsm", b"PK\x03\x04", 400, "makro"),
        ("reses.csv", "no_aduan;judul\nA;é".encode("latin-1"), 400, "bukan UTF-8"),
        ("reses.csv", b"x" * 5000, 413, "terlalu besar"),
        ("reses.csv", FILE + b"R-9;sampah;x;y;Gambir\n" * 4000, 413, "terlalu besar"),
    ],
)
def test_a_malformed_or_oversized_file_is_refused_and_nothing_is_imported(
    app: Flask, member: Member, _import_dir: Path, filename: str, data: bytes, status: int,
    words: str
) -> None:
    app.config["CONSOLE_IMPORT_MAX_BYTES"] = 4000
    client = member("PSI")
    response = upload(client, data, filename)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert words in html
    assert 'id="galat-berkas"' in html
    assert count(app) == 0
    assert not list(_import_dir.glob("*.upload"))


def test_a_preview_token_of_another_session_imports_nothing(app: Flask, member: Member) -> None:
    owner = member("PSI")
    html = upload(owner, FILE).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', html)
    assert token
    other = member("PSI")
    page = other.get("/posko/impor")
    response = other.post("/posko/impor/konfirmasi", data={
        "csrf_token": csrf_of(page.get_data(as_text=True)), "token": token.group(1)})
    assert response.status_code == 409
    assert count(app) == 0
    # A confirmation is used once.
    assert confirm(owner, html).status_code == 200
    assert confirm(owner, html).status_code == 409
    assert count(app) == 3


def test_a_waiting_room_others_may_read_is_never_used(
    app: Flask, member: Member, _import_dir: Path
) -> None:
    client = member("PSI")
    _import_dir.mkdir(mode=0o755)
    _import_dir.chmod(0o755)
    response = upload(client, FILE)
    assert response.status_code == 503
    assert "tidak ada yang diimpor" in response.get_data(as_text=True)
    assert not list(_import_dir.glob("*"))


def test_without_the_csrf_token_nothing_is_read_or_imported(app: Flask, member: Member) -> None:
    client = member("PSI")
    response = client.post("/posko/impor", data={"berkas": (io.BytesIO(FILE), "reses.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert count(app) == 0


def test_a_disabled_faction_reads_but_cannot_import(app: Flask, member: Member) -> None:
    client = member("PSI")
    with app.extensions["db"].transaction() as session:
        session.scalars(select(Faction).where(Faction.code == "PSI")).one().active = False
    page = client.get("/posko/impor")
    assert page.status_code == 200
    assert 'name="berkas"' not in page.get_data(as_text=True)
    response = client.post("/posko/impor", data={
        "csrf_token": csrf_of(page.get_data(as_text=True)),
        "berkas": (io.BytesIO(FILE), "reses.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 403
    assert count(app) == 0


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, keys: Any) -> None:
    for path in ("/posko/impor", "/posko/ekspor?format=csv", "/posko/laporan"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/posko/masuk")


# --- export -------------------------------------------------------------------------------


HOSTILE = '=HYPERLINK("http://127.0.0.1/x","klik")'


@pytest.fixture
def stored(app: Flask, keys: Any) -> None:
    store_complaint(app, external_id="PSI-1", title=HOSTILE, description="+SUM(1,2)",
                    reporter={"name": "@Siti", "nik": "3171010101900001"})
    store_complaint(app, external_id="PSI-2", category="jalan_rusak")
    store_complaint(app, "PKS", external_id="PKS-1", title="Rahasia fraksi lain",
                    reporter={"name": "Budi Lain"})


def test_the_csv_export_holds_only_the_factions_own_complaints_formula_safe(
    app: Flask, member: Member, stored: None
) -> None:
    client = member("PSI")
    response = client.get("/posko/ekspor?format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"].startswith("no-store") or \
        "no-store" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["no_aduan"] for r in rows] == ["PSI-1", "PSI-2"]
    assert rows[0]["judul"] == "'" + HOSTILE
    assert rows[0]["uraian"] == "'+SUM(1,2)"
    assert rows[0]["nama_pelapor"] == "'@Siti"
    assert rows[0]["nik"] == "3171010101900001"
    assert "Budi Lain" not in text and "Rahasia fraksi lain" not in text
    filtered = client.get("/posko/ekspor?format=csv&kategori=jalan_rusak")
    assert "PSI-1" not in filtered.get_data(as_text=True)
    assert "PSI-2" in filtered.get_data(as_text=True)
    # The list's own arguments: a kelurahan by name, a search.
    by_name = client.get("/posko/ekspor?format=csv&kelurahan=Gambir&q=HYPERLINK")
    assert [r["no_aduan"] for r in csv.DictReader(
        io.StringIO(by_name.get_data(as_text=True).lstrip("\ufeff")))] == ["PSI-1"]
    with app.extensions["db"].session() as session:
        audit = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "complaints.export")).all()
        assert [a.detail["format"] for a in audit] == ["csv", "csv", "csv"]


def test_the_xlsx_export_has_no_formula_cells(app: Flask, member: Member, stored: None) -> None:
    client = member("PKS", role="koordinator")
    response = client.get("/posko/ekspor?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c for c in row] for row in sheet.iter_rows()]
    assert all(c.data_type != "f" for row in rows for c in row)
    assert [r[1].value for r in rows[1:]] == ["PKS-1"]
    assert rows[1][0].value.startswith("JBT-")


def test_a_bad_export_filter_is_named_next_to_its_field(
    app: Flask, member: Member, stored: None
) -> None:
    client = member("PSI")
    response = client.get("/posko/ekspor?format=csv&kota=99")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="galat-kota"' in html
    assert client.get("/posko/ekspor?format=csv&dari=kemarin").status_code == 400
    assert client.get("/posko/ekspor?format=pdf").status_code == 400
    page = client.get("/posko/ekspor")
    assert page.status_code == 200 and 'name="format"' in page.get_data(as_text=True)


def test_console_pages_carry_no_inline_script(member: Member) -> None:
    client = member("PSI")
    for path in ("/posko/impor", "/posko/ekspor", "/posko/laporan"):
        html = client.get(path).get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], path
        assert " on" + "click=" not in html
