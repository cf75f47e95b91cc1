"""WCAG 2.1 A/AA on the console's pages, checked by axe-core in Chromium (the public site's
check, tests/app/public/test_accessibility.py, with the console's pages): the sign-in page,
the empty complaint form, the form with errors, the list, a complaint, the team page, the
invitation and TOTP pages — in both languages, and the form and list again on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from tests.app.console.conftest import PASSWORD, add_member
from tests.conftest import complaint_payload
from tests.support.browser import (
    Violation,
    assert_no_blocking,
    axe_context,
    axe_script,
    axe_violations,
)
from tests.support.processes import live_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
LANGUAGES = ("id", "en")


def with_lang(path: str, lang: str) -> str:
    if lang == "id":
        return path
    return path + ("&" if "?" in path else "?") + "lang=en"


def test_every_console_page_passes_axe_in_both_languages(app: Flask, db, keys, client,
                                                         browser: Any) -> None:
    axe_script()  # fail (CI) or skip here, before any page is opened
    created = client.post("/api/v1/complaints", json=complaint_payload(),
                          headers=keys.headers("PSI")).json
    add_member(db, "PSI", "ketua@psi.example.org", role="koordinator")
    invitation = add_member(db, "PSI", "baru@psi.example.org", password=None)
    pages = {
        "list": "/posko/aduan",
        "list filtered": "/posko/aduan?status=received&kategori=sampah&kota=31.71",
        "list with a bad filter": "/posko/aduan?status=lost",
        "complaint": f"/posko/aduan/{created['tracking_code']}",
        "empty form": "/posko/aduan/baru",
        "team": "/posko/tim",
        "my account": "/posko/akun",
        "totp enrolment": "/posko/akun/totp",
        "404": "/posko/aduan/JBT-00000000",
    }
    found: list[Violation] = []
    with live_server(app) as base:
        context = axe_context(browser, viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            for lang in LANGUAGES:
                page.goto(base + with_lang("/posko/masuk", lang))
                found += axe_violations(page, f"sign-in ({lang})")
                page.goto(base + with_lang(f"/posko/undangan/{invitation}", lang))
                found += axe_violations(page, f"invitation ({lang})")
            page.goto(base + "/posko/masuk")
            page.locator("#email").fill("ketua@psi.example.org")
            page.locator("#password").fill(PASSWORD)
            page.locator("form.form button[type=submit]").click()
            page.wait_for_url(base + "/posko/aduan")
            for name, path in pages.items():
                for lang in LANGUAGES:
                    url = with_lang(path, lang)
                    page.goto(base + url)
                    assert page.locator("html").get_attribute("lang") == lang, url
                    found += axe_violations(page, f"{name} ({lang}) {url}")
            for lang in LANGUAGES:
                page.goto(base + with_lang("/posko/aduan/baru", lang))
                page.locator("#f-reporter_nik").fill("123")
                page.locator("#f-lat").fill("utara")
                # As from a browser that does not check fields itself: the server's errors.
                page.evaluate("document.querySelector('form.form').noValidate = true")
                page.locator("form.form button[type=submit]").click()
                page.wait_for_load_state()
                assert page.locator(".field-error").count() >= 5
                found += axe_violations(page, f"form with errors ({lang})")
            page.set_viewport_size({"width": 390, "height": 844})
            for name in ("empty form", "list", "complaint"):
                page.goto(base + pages[name])
                found += axe_violations(page, f"{name} on a phone")
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        finally:
            context.close()
    assert_no_blocking(found, ARTIFACTS / "axe-console.json")
