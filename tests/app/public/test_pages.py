"""The transparency site through the test client: pages, filters, data, feed, headers."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from xml.etree import ElementTree

import html5lib
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.events import append_event
from app.models import Complaint
from app.public.opendata import FIELDS
from app.statistics import agencies_of, read_figures, rebuild
from app.wiring import categories_of

ATOM = "{http://www.w3.org/2005/Atom}"


def text_of(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_dashboard_figures_follow_status_events(client: FlaskClient, seed) -> None:
    seed(faction="PSI", statuses=("forwarded", "resolved"), resolve_after=timedelta(days=1))
    seed(faction="PSI", statuses=("forwarded", "resolved"), resolve_after=timedelta(days=9))
    seed(faction="PKS", category="jalan_rusak", statuses=("forwarded", "in_progress"),
         overdue=True)
    seed(faction="PKS", statuses=("forwarded", "rejected"))
    seed(faction="PDIP", visibility="confidential")
    body = text_of(client, "/?lang=en")
    kpi = dict(re.findall(r"<dt>([^<]+)</dt>\s*<dd>([^<]+)", body))
    assert kpi["Complaints"] == "5"
    assert kpi["Being handled"] == "2"
    assert kpi["Resolved"] == "2"
    assert kpi["Resolved on time"] == "50.0%"  # sampah's SLA is 3 working days
    assert kpi["Days to resolve"] == "1"  # median; the 90th percentile follows
    assert "/ 9</span>" in body
    assert "1 past their deadline" in body
    assert "Jalan Rusak" not in body or "Damaged road" in body
    per_faction = body[body.index('id="per-fraksi"'):body.index('id="per-skpd"')]
    assert re.search(r'href="/fraksi/PSI\?lang=en">PSI</a>', per_faction)
    assert "Dinas Bina Marga" in body
    assert "Figures as of" in body and "WIB" in body


def test_reopening_and_rebuild_agree(app: Flask, db, seed) -> None:
    complaint = seed(statuses=("forwarded", "resolved"), resolve_after=timedelta(days=2))
    seed(statuses=("forwarded",), overdue=True)
    with app.app_context(), db.transaction() as session:
        stored = session.get(Complaint, complaint.id)
        append_event(session, stored, "in_progress", source="crm", note="Dibuka kembali")
    with app.app_context(), db.session() as session:
        live = read_figures(session)
        assert (live.resolved, live.open, live.overdue) == (0, 2, 1)
        assert live.days == {2: 0} or sum(live.days.values()) == 0
    with app.app_context(), db.transaction() as session:
        assert rebuild(session, agencies_of(categories_of(app.extensions["settings"]))) == 2
    with app.app_context(), db.session() as session:
        rebuilt = read_figures(session)
    assert (rebuilt.total, rebuilt.open, rebuilt.overdue, rebuilt.by_status) == (
        live.total, live.open, live.overdue, {k: v for k, v in live.by_status.items() if v}
    )


def test_list_filters_and_keyset_pagination(client: FlaskClient, seed) -> None:
    made = [seed(faction="PSI" if i % 2 else "PKS", title=f"Aduan nomor {i}") for i in range(30)]
    seed(faction="GERINDRA", category="pohon", title="Pohon tumbang",
         location={"kelurahan_code": "31.74.01.1001"}, statuses=("forwarded",), overdue=True)
    first = text_of(client, "/aduan")
    assert first.count('<li class="card') == 25
    assert "Aduan nomor 29" in first or "Pohon tumbang" in first
    next_href = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = text_of(client, next_href)
    assert second.count('<li class="card') == 6
    codes_1 = set(re.findall(r'class="code" href="/aduan/(JBT-[0-9A-Z]{8})', first))
    codes_2 = set(re.findall(r'class="code" href="/aduan/(JBT-[0-9A-Z]{8})', second))
    assert not codes_1 & codes_2
    assert {c.tracking_code for c in made} <= codes_1 | codes_2
    assert 'rel="next"' not in second

    assert text_of(client, "/aduan?fraksi=GERINDRA").count('<li class="card') == 1
    assert text_of(client, "/aduan?kategori=pohon").count('<li class="card') == 1
    assert text_of(client, "/aduan?status=forwarded").count('<li class="card') == 1
    assert text_of(client, "/aduan?kota=31.74").count('<li class="card') == 1
    assert text_of(client, "/aduan?kecamatan=31.74.01").count('<li class="card') == 1
    assert text_of(client, "/aduan?kelurahan=31.74.01.1001").count('<li class="card') == 1
    assert text_of(client, "/aduan?terlambat=1").count('<li class="card') == 1
    assert text_of(client, "/aduan?fraksi=psi").count('<li class="card') == 15
    assert text_of(client, "/aduan?dari=2000-01-01&sampai=2000-01-02").count(
        '<li class="card') == 0
    assert "Pohon tumbang" in text_of(client, "/aduan?dari=2000-01-01")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=lost", "Status tidak dikenal: lost."),
        ("fraksi=XYZ", "Fraksi tidak dikenal: XYZ."),
        ("kategori=nope", "Kategori tidak dikenal: nope."),
        ("kota=99", "Kode wilayah kota tidak dikenal: 99."),
        ("dari=kemarin", "dari harus berupa tanggal"),
        ("terlambat=ya", "terlambat harus 1 atau 0."),
        ("sebelum=%%%", "Tautan halaman rusak"),
    ],
)
def test_bad_filters_are_a_clear_400(client: FlaskClient, keys, query: str, message: str) -> None:
    response = client.get(f"/aduan?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)
    assert client.get(f"/data/aduan.csv?{query}").status_code == 400


def test_complaint_page_search_faction_page_and_404s(client: FlaskClient, seed) -> None:
    complaint = seed(title="Got mampet", statuses=("forwarded", "dispatched"),
                     notes={"dispatched": "Diteruskan ke Sudin SDA"})
    body = text_of(client, f"/aduan/{complaint.tracking_code}")
    for expected in ("Got mampet", "Sudah seminggu tidak diangkut.", "Diteruskan ke Sudin SDA",
                     "Gambir", "Fraksi Partai Solidaritas Indonesia", "Dinas Lingkungan Hidup",
                     "Tenggat", "Disposisi", "3 hari kerja"):
        assert expected in body
    search = client.get(f"/aduan/cari?kode={complaint.tracking_code[4:].lower()}&lang=en")
    assert search.status_code == 302
    assert search.location.endswith(f"/aduan/{complaint.tracking_code}?lang=en")
    assert client.get("/aduan/cari?kode=JBT-00000000").status_code == 404
    assert client.get("/aduan/JBT-00000000").status_code == 404
    assert client.get("/fraksi/NOPE").status_code == 404
    faction = text_of(client, "/fraksi/psi")
    assert "Fraksi Partai Solidaritas Indonesia" in faction and complaint.tracking_code in faction
    assert "Halaman tidak ditemukan" in client.get("/aduan/JBT-00000000").get_data(as_text=True)
    # Outside the site's paths the bare error page is in English, and says so (WCAG 3.1.1).
    bare = client.get("/tidak-ada")
    assert bare.status_code == 404 and "<html lang=en>" in bare.get_data(as_text=True)


def test_private_status_link(client: FlaskClient, seed) -> None:
    secret_one = seed(visibility="confidential", title="Judul rahasia",
                      description="Isi rahasia", statuses=("forwarded", "in_progress"))
    good = client.get(f"/lacak/{secret_one.tracking_code}/{secret_one.status_secret}")
    assert good.status_code == 200
    body = good.get_data(as_text=True)
    assert "Proses" in body and "Tenggat" in body
    assert "Judul rahasia" not in body and "Isi rahasia" not in body
    assert good.headers["Cache-Control"] == "private, no-store"
    assert good.headers["Referrer-Policy"] == "no-referrer"
    secret = secret_one.status_secret
    tampered = secret[:-1] + ("y" if secret.endswith("x") else "x")  # always a different one
    wrong = client.get(f"/lacak/{secret_one.tracking_code}/{tampered}")
    assert wrong.status_code == 404
    assert client.get(f"/lacak/JBT-00000000/{secret_one.status_secret}").status_code == 404
    assert client.get(f"/aduan/{secret_one.tracking_code}").status_code == 404


def test_language_switch_numbers_and_dates(client: FlaskClient, seed) -> None:
    for i in range(3):
        seed(statuses=("forwarded", "resolved"), resolve_after=timedelta(days=i))
    seed(statuses=("forwarded", "resolved"), resolve_after=timedelta(days=30))
    indonesian = text_of(client, "/")
    english = text_of(client, "/?lang=en")
    assert '<html lang="id">' in indonesian and '<html lang="en">' in english
    assert "Dasbor" in indonesian and "Dashboard" in english
    assert "75,0%" in indonesian and "75.0%" in english
    assert 'href="/?lang=en"' in indonesian and 'href="/"' in english
    assert 'href="/aduan?lang=en"' in english  # links keep the language
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}\.\d{2} WIB", indonesian)


def test_security_and_cache_headers(client: FlaskClient, seed) -> None:
    complaint = seed()
    for url in ("/", "/aduan", f"/aduan/{complaint.tracking_code}", "/data/aduan.csv",
                "/feed.atom", "/aduan/JBT-00000000", "/metodologi"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
        assert "max-age=" in response.headers["Cache-Control"]
    first = client.get("/aduan")
    assert first.headers["ETag"]
    again = client.get("/aduan", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    for url in ("/", "/aduan", f"/aduan/{complaint.tracking_code}"):
        assert "<script" not in text_of(client, url)
        assert "style=" not in text_of(client, url)


def test_main_pages_are_valid_html(client: FlaskClient, seed) -> None:
    complaint = seed(statuses=("forwarded", "resolved"))
    parser = html5lib.HTMLParser(strict=True)
    for url in ("/", "/?lang=en", "/aduan", "/aduan?kecamatan=31.71.01",
                f"/aduan/{complaint.tracking_code}", "/fraksi/PSI", "/metodologi", "/data",
                "/aksesibilitas", "/aduan/cari?kode=zz99",
                f"/lacak/{complaint.tracking_code}/{complaint.status_secret}",
                "/aduan/JBT-00000000"):
        body = client.get(url).get_data(as_text=True)
        parser.parse(body)  # raises on any parse error
        assert "<main" in body and "<nav" in body and "<h1" in body
        assert re.search(r'<html lang="(id|en)">', body)
        for control in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', body):
            assert f'for="{control}"' in body, (url, control)


def test_accessibility_statement_in_both_languages_linked_from_every_page(
        app: Flask, client: FlaskClient, seed) -> None:
    complaint = seed()
    indonesian = text_of(client, "/aksesibilitas")
    english = text_of(client, "/aksesibilitas?lang=en")
    assert "Pernyataan aksesibilitas" in indonesian and "WCAG" in indonesian
    assert "Accessibility statement" in english and "Known gaps" in english
    # No contact configured: the page says so instead of inventing one.
    assert "belum menerbitkan alamat kontak" in indonesian
    assert "max-age=3600" in client.get("/aksesibilitas").headers["Cache-Control"]
    for url in ("/", "/aduan?lang=en", f"/aduan/{complaint.tracking_code}", "/data",
                "/aduan/JBT-00000000"):
        body = client.get(url).get_data(as_text=True)
        link = "/aksesibilitas?lang=en" if "lang=en" in url else "/aksesibilitas"
        assert f'href="{link}"' in body, url
    app.config["JEMBATAN_PUBLIC_CONTACT"] = "aksesibilitas@example.go.id"
    assert 'href="mailto:aksesibilitas@example.go.id"' in text_of(client, "/aksesibilitas")
    app.config["JEMBATAN_PUBLIC_CONTACT"] = "https://example.go.id/lapor"
    assert 'href="https://example.go.id/lapor"' in text_of(client, "/aksesibilitas?lang=en")


def test_open_data_fields_are_documented_and_consistent(client: FlaskClient, seed) -> None:
    seed(title="Satu", statuses=("forwarded", "resolved"))
    seed(title="Dua, dengan koma", description='Baris "kutip"\nbaris dua')
    seed(visibility="confidential", title="Tiga rahasia")
    names = [f.name for f in FIELDS]
    response = client.get("/data/aduan.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == names
    assert {r["title"] for r in rows} == {"Satu", "Dua, dengan koma"}
    assert rows[0]["description"] == 'Baris "kutip"\nbaris dua'
    document = json.loads(client.get("/data/aduan.json").get_data(as_text=True))
    assert document["fields"] == names
    assert [list(item) for item in document["items"]] == [names, names]
    assert [i["tracking_code"] for i in document["items"]] == [r["tracking_code"] for r in rows]
    assert document["items"][1]["lat"] == -6.175 and document["items"][1]["overdue"] is False
    docs = text_of(client, "/data")
    for name in names:
        assert f"<code>{name}</code>" in docs
    forbidden = {"reporter", "name", "phone", "email", "nik", "address", "status_secret"}
    assert not forbidden & set(names)


def test_atom_feed_parses_and_lists_status_changes(client: FlaskClient, seed) -> None:
    complaint = seed(statuses=("forwarded", "in_progress"), notes={"in_progress": "Dikerjakan"})
    seed(visibility="confidential", statuses=("forwarded",))
    response = client.get("/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 3  # received, forwarded, in_progress of the public one only
    assert entries[0].find(f"{ATOM}title").text == f"{complaint.tracking_code}: Proses"
    assert "Dikerjakan" in entries[0].find(f"{ATOM}summary").text
    assert feed.find(f"{ATOM}updated").text.endswith("+00:00")


def test_stylesheet_is_local_versioned_and_cached(client: FlaskClient) -> None:
    body = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', body).group(1)
    assert href.startswith("/static/public/site.css?v=")
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=604800"
    assert "http" not in re.sub(r"https?://www\.w3\.org", "", body.split("<body>")[0])


def test_pages_never_scan_or_aggregate_the_complaints(app: Flask, client: FlaskClient,
                                                      seed) -> None:
    """Item 9's shape: every complaints query is a keyed lookup or a LIMITed index walk."""
    from sqlalchemy import event

    complaint = seed(statuses=("forwarded",), overdue=True)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()))

    engine = app.extensions["db"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for url in ("/", "/aduan", "/aduan?kategori=sampah&kota=31.71&terlambat=1",
                    f"/aduan/{complaint.tracking_code}", "/fraksi/PSI", "/feed.atom",
                    f"/lacak/{complaint.tracking_code}/{complaint.status_secret}"):
            assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    touching = [s for s in statements if re.search(r"\bFROM complaints\b|JOIN complaints\b", s)]
    assert touching
    for statement in touching:
        upper = statement.upper()
        assert "COUNT(" not in upper and "GROUP BY" not in upper, statement
        assert " LIMIT " in upper or "COMPLAINTS.TRACKING_CODE =" in upper, statement


def test_indonesian_catalogue_is_complete_and_compiled() -> None:
    """Every message the site uses is translated, and the committed .mo matches the .po."""
    from tests.support.catalogue import assert_catalogue_complete

    assert_catalogue_complete(
        "app/translations", "app/public", templates=("templates/**.html", "templates/**.xml"),
        keywords=("_", "gettext"), at_least=100)


def test_statistics_json_equals_the_database(client: FlaskClient, db, seed) -> None:
    from sqlalchemy import func, select

    seed(faction="PSI", statuses=("forwarded", "resolved"), resolve_after=timedelta(days=1))
    seed(faction="PKS", statuses=("forwarded", "in_progress"), overdue=True)
    seed(faction="PDIP", visibility="confidential")
    body = client.get("/data/statistik.json").json
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(Complaint))
        statuses = dict(
            session.execute(select(Complaint.status, func.count()).group_by(Complaint.status)).all()
        )
    assert body["total"] == total == 3
    assert body["confidential"] == 1
    assert body["by_status"] == statuses
    assert body["overdue"] == 1 and body["resolved"] == 1
    assert body["breakdowns"]["faction"]["PSI"]["total"] == 1
    assert "reporter" not in json.dumps(body)
