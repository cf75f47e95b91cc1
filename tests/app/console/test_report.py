"""The monthly report page through HTTP (/posko/laporan), on the known data of
tests/app/test_monthly_report.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.app.console.conftest import PASSWORD, add_member
from tests.app.test_bulk_import import csv_bytes, good_row
from tests.app.test_monthly_report import november  # noqa: F401 - the known data
from tests.support.browser import (
    Violation,
    assert_no_blocking,
    axe_context,
    axe_script,
    axe_violations,
)
from tests.support.processes import live_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

Member = Callable[..., FlaskClient]


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert found, name
    return found.group(1).strip()


def test_the_report_shows_the_months_figures_for_the_own_faction_only(
    app: Flask, member: Member, november: Any  # noqa: F811
) -> None:
    client = member("PSI")
    response = client.get("/posko/laporan?bulan=2026-11")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "November 2026" in html
    assert [figure(html, n) for n in ("received", "resolved", "open", "overdue",
                                      "median_days")] == ["5", "4", "2", "1", "10"]
    assert figure(html, "on_time_rate") == "25,0%"  # Indonesian number format
    assert 'id="per-skpd"' in html and "Dinas Lingkungan Hidup" in html
    assert 'id="per-kota"' in html and "Kota Administrasi Jakarta Selatan" in html
    assert 'class="stackbar"' in html and 'class="trendsvg"' in html
    # A clean A4 page: the print stylesheet is linked, and there is no inline script.
    assert "/posko/static/report.css" in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    css = client.get("/posko/static/report.css").get_data(as_text=True)
    assert "@page" in css and "A4" in css and "@media print" in css
    # PKS sees its own month: one complaint (G), nothing of PSI's.
    other = member("PKS", role="koordinator").get("/posko/laporan?bulan=2026-11")
    assert figure(other.get_data(as_text=True), "received") == "1"


def test_english_report(app: Flask, member: Member, november: Any) -> None:  # noqa: F811
    html = member("PSI").get("/posko/laporan?bulan=2026-11&lang=en").get_data(as_text=True)
    assert "Monthly complaints report" in html and "November 2026" in html


def test_a_bad_or_future_month_is_named_next_to_the_field(member: Member) -> None:
    client = member("PSI")
    for value in ("2026-13", "November", "2999-01", "1999-12"):
        response = client.get(f"/posko/laporan?bulan={value}")
        assert response.status_code == 400, value
        assert 'id="galat-bulan"' in response.get_data(as_text=True)
    assert client.get("/posko/laporan").status_code == 200  # this month by default


def test_the_import_export_and_report_pages_pass_axe(
    app: Flask, db: Any, november: Any, tmp_path: Path, browser: Any  # noqa: F811
) -> None:
    """WCAG 2.1 A/AA by axe-core in Chromium (as tests/app/console/test_accessibility.py):
    the import form, a preview with bad cells, the import result, the export form with a bad
    filter and the monthly report, in both languages; the preview and report on a phone."""
    axe_script()  # fail (CI) or skip here, before any page is opened
    app.config["CONSOLE_IMPORT_DIR"] = str(tmp_path / "pending")
    add_member(db, "PSI", "ketua@psi.example.org", role="koordinator")
    sheet = tmp_path / "reses.csv"
    sheet.write_bytes(csv_bytes([good_row(1), good_row(2, nik="12"), good_row(3, kelurahan="X")]))
    found: list[Violation] = []
    with live_server(app) as base:
        context = axe_context(browser, viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.goto(base + "/posko/masuk")
            page.locator("#email").fill("ketua@psi.example.org")
            page.locator("#password").fill(PASSWORD)
            page.locator("form.form button[type=submit]").click()
            page.wait_for_url(base + "/posko/aduan")
            for lang in ("id", "en"):
                suffix = "?lang=en" if lang == "en" else ""
                for name, path in (("import form", "/posko/impor"),
                                   ("export form", "/posko/ekspor"),
                                   ("monthly report", "/posko/laporan?bulan=2026-11"),
                                   ("bad month", "/posko/laporan?bulan=2026-13")):
                    url = path + (suffix if "?" not in path else suffix.replace("?", "&"))
                    page.goto(base + url)
                    assert page.locator("html").get_attribute("lang") == lang, url
                    found += axe_violations(page, f"{name} ({lang})")
                page.goto(base + "/posko/ekspor?format=csv&kota=99" + suffix.replace("?", "&"))
                found += axe_violations(page, f"export with a bad filter ({lang})")
                page.goto(base + "/posko/impor" + suffix)
                page.set_input_files("#berkas", str(sheet))
                page.locator("form.form button[type=submit]").click()
                page.wait_for_selector("#sel-salah")
                found += axe_violations(page, f"import preview ({lang})")
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"console-import-preview-{lang}.png"),
                                full_page=True)
                if lang == "id":
                    page.set_viewport_size({"width": 390, "height": 844})
                    found += axe_violations(page, "import preview on a phone")
                    page.set_viewport_size({"width": 1280, "height": 900})
                page.locator("form.form button[type=submit]").first.click()
                page.wait_for_selector("#ringkasan")
                found += axe_violations(page, f"import result ({lang})")
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(base + "/posko/laporan?bulan=2026-11")
            found += axe_violations(page, "monthly report on a phone")
            ARTIFACTS.mkdir(exist_ok=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            page.emulate_media(media="print")
            page.screenshot(path=str(ARTIFACTS / "console-monthly-report-print.png"),
                            full_page=True)
        finally:
            context.close()
    assert_no_blocking(found, ARTIFACTS / "axe-console-bulk.json")
