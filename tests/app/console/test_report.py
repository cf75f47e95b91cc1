"""The monthly report page through HTTP (/posko/laporan), on the known data of
tests/app/test_monthly_report.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.app.test_monthly_report import november  # noqa: F401 - the known data

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
