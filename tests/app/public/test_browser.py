"""A real headless Chromium against a live server: dashboard, language switch, search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from tests.support.processes import live_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def test_dashboard_language_and_tracking_code_search(app: Flask, seed, browser: Any) -> None:
    followed = seed(
        title="Lampu jalan padam di depan sekolah",
        statuses=("forwarded", "dispatched", "in_progress"),
        notes={"in_progress": "Petugas Dinas Bina Marga sudah meninjau lokasi."},
    )
    seed(faction="PKS", category="jalan_rusak", statuses=("forwarded", "resolved"))
    seed(faction="GERINDRA", category="pohon", statuses=("forwarded", "rejected"))
    seed(faction="PDIP", category="banjir_saluran", overdue=True,
         title="Saluran air tersumbat, banjir setiap hujan")
    seed(faction="PSI", visibility="confidential", title="RAHASIA-TIDAK-BOLEH-TAMPIL")
    ARTIFACTS.mkdir(exist_ok=True)

    with live_server(app) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            console_errors: list[str] = []
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error"
                    else None)
            page.goto(base + "/")
            assert page.locator("h1").inner_text().startswith("Setiap aduan fraksi")
            assert page.locator("html").get_attribute("lang") == "id"
            assert "RAHASIA-TIDAK-BOLEH-TAMPIL" not in page.content()
            page.screenshot(path=str(ARTIFACTS / "dashboard-id.png"), full_page=True)

            page.get_by_role("link", name="English").click()
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == "en"
            assert page.locator("h1").inner_text().startswith("Every faction complaint")
            page.screenshot(path=str(ARTIFACTS / "dashboard-en.png"), full_page=True)

            # A reporter types the code as read over the phone: lower case, no prefix.
            page.get_by_label("Tracking code").fill(followed.tracking_code[4:].lower())
            page.get_by_role("button", name="Find").click()
            page.wait_for_load_state()
            assert page.url.startswith(f"{base}/aduan/{followed.tracking_code}")
            assert "lang=en" in page.url
            assert page.locator("h1").inner_text() == "Lampu jalan padam di depan sekolah"
            assert "Petugas Dinas Bina Marga" in page.locator(".timeline").inner_text()
            page.screenshot(path=str(ARTIFACTS / "complaint-en.png"), full_page=True)

            phone = context.new_page()
            phone.set_viewport_size({"width": 390, "height": 844})
            phone.goto(base + "/aduan")
            assert phone.locator(".card").count() == 4
            phone.screenshot(path=str(ARTIFACTS / "list-phone-id.png"), full_page=True)
            for path in ("/", "/fraksi/PSI", f"/aduan/{followed.tracking_code}"):
                phone.goto(base + path)
                # Responsive: nothing wider than the phone's screen.
                assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
            phone.goto(base + "/fraksi/PSI")
            phone.screenshot(path=str(ARTIFACTS / "faction-phone-id.png"), full_page=True)
            assert console_errors == []  # no CSP violation, nothing failed to load
        finally:
            context.close()
