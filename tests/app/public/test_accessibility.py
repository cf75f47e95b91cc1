"""WCAG 2.1 A/AA on every public page, checked by axe-core in Chromium, and a keyboard walk.

axe finds the mechanical failures (names, roles, contrast, structure, language); the keyboard
tests add what it cannot see: focus order, visible focus, the skip link, errors tied to their
field, charts with a text equivalent. The public accessibility statement (/aksesibilitas) says
what these tests cover, so a change there belongs with a change here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask, render_template

from app.lifecycle import STATUSES
from app.models import Complaint
from tests.support.browser import (
    Violation,
    assert_no_blocking,
    axe_context,
    axe_script,
    axe_violations,
    sync_api,
)
from tests.support.processes import live_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
LANGUAGES = ("id", "en")
PLANTED = Path(__file__).parent / "templates"

# What a keyboard user can land on, in the order the browser would visit it.
FOCUSABLE = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    "[tabindex]:not([tabindex='-1'])"
)


@pytest.fixture
def site(app: Flask, seed, db) -> Iterator[dict[str, Any]]:
    """A live site with every kind of complaint the pages show, and the pages to visit."""
    followed = seed(
        title="Lampu jalan padam di depan sekolah",
        statuses=("forwarded", "dispatched", "in_progress"),
        notes={"in_progress": "Petugas Dinas Bina Marga sudah meninjau lokasi."},
    )
    seed(faction="PKS", category="jalan_rusak", statuses=("forwarded", "resolved"))
    seed(faction="GERINDRA", category="pohon", statuses=("forwarded", "rejected"))
    seed(faction="PDIP", category="banjir_saluran", overdue=True,
         title="Saluran air tersumbat, banjir setiap hujan")
    hidden = seed(faction="PSI", visibility="confidential", statuses=("forwarded",),
                  title="Rahasia")
    # Another faction's report of the same problem: both pages list the other one.
    again = seed(faction="PKB", title="Lampu jalan mati depan sekolah", visibility="public")
    with db.transaction() as session:
        row = session.get(Complaint, again.id)
        row.duplicate_of_id, row.duplicate_state = followed.id, "linked"
    pages = {
        "dashboard": "/",
        "list": "/aduan",
        "list filtered": "/aduan?fraksi=PSI&kecamatan=31.71.01&status=in_progress&terlambat=1",
        "list empty": "/aduan?fraksi=NASDEM",
        "complaint": f"/aduan/{followed.tracking_code}",
        "complaint linked": f"/aduan/{again.tracking_code}",
        "faction": "/fraksi/PSI",
        "open data": "/data",
        "methodology": "/metodologi",
        "accessibility": "/aksesibilitas",
        "track": f"/lacak/{followed.tracking_code}/{followed.status_secret}",
        "track confidential": f"/lacak/{hidden.tracking_code}/{hidden.status_secret}",
        "404": "/aduan/JBT-00000000",
        "search not found": "/aduan/cari?kode=zz99",
        "400": "/aduan?status=lost",
    }
    with live_server(app) as base:
        yield {"base": base, "pages": pages, "code": followed.tracking_code}


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop-sized page with the site's CSP enforced (keyboard tests inject nothing)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def with_lang(path: str, lang: str) -> str:
    if lang == "id":
        return path
    return path + ("&" if "?" in path else "?") + "lang=en"


# axe-core ---------------------------------------------------------------------------------


def test_every_public_page_passes_axe_in_both_languages(site: dict[str, Any],
                                                        browser: Any) -> None:
    """No critical or serious WCAG 2.0/2.1 A/AA violation anywhere; the rest are reported."""
    axe_script()  # fail (CI) or skip here, before any page is opened
    context = axe_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found: list[Violation] = []
    try:
        for name, path in site["pages"].items():
            for lang in LANGUAGES:
                url = with_lang(path, lang)
                page.goto(site["base"] + url)
                assert page.locator("html").get_attribute("lang") == lang, url
                found += axe_violations(page, f"{name} ({lang}) {url}")
        # On a phone the layout changes (filters after the results, the label of the search
        # box hidden visually): contrast and names are checked again there.
        page.set_viewport_size({"width": 390, "height": 844})
        for name in ("dashboard", "list", "complaint"):
            for lang in LANGUAGES:
                url = with_lang(site["pages"][name], lang)
                page.goto(site["base"] + url)
                found += axe_violations(page, f"{name} on a phone ({lang}) {url}")
    finally:
        context.close()
    assert_no_blocking(found, ARTIFACTS / "axe-public.json")


def test_a_planted_unlabelled_input_fails_the_axe_check(app: Flask, seed,
                                                         browser: Any) -> None:
    """The check bites: a page with an input that has no label is a critical violation."""
    axe_script()
    planted = Blueprint("planted", __name__, template_folder=str(PLANTED))
    planted.add_url_rule("/uji/tanpa-label", "unlabelled",
                         lambda: render_template("planted/unlabelled.html"))
    app.register_blueprint(planted)
    context = axe_context(browser)
    try:
        with live_server(app) as base:
            page = context.new_page()
            page.goto(base + "/uji/tanpa-label")
            found = axe_violations(page, "planted")
    finally:
        context.close()
    labels = [v for v in found if v.rule == "label"]
    assert labels and labels[0].blocking and labels[0].targets == ("#nama",), found
    with pytest.raises(AssertionError, match=r"\[critical\] label"):
        assert_no_blocking(found)


# Keyboard and screen reader ---------------------------------------------------------------


def tab_through(page: Any) -> list[dict[str, Any]]:
    """Press Tab from the top of the page until focus leaves it; what got focus, in order.

    Every element that can take focus is numbered in document order first, so the walk can
    be compared with the order a reader meets them in.
    """
    expected = page.evaluate(
        """selector => {
            // Rendered ones only: not display:none, not inside a closed <details>.
            const found = [...document.querySelectorAll(selector)]
              .filter(e => e.getClientRects().length);
            found.forEach((e, i) => e.dataset.walk = i);
            return found.length;
        }""",
        FOCUSABLE,
    )
    page.evaluate("document.activeElement && document.activeElement.blur()")
    visited: list[dict[str, Any]] = []
    for _ in range(3 * expected + 3):
        page.keyboard.press("Tab")
        step = page.evaluate(
            """() => {
                const e = document.activeElement;
                if (!e || e === document.body) return null;
                const style = getComputedStyle(e);
                const box = e.getBoundingClientRect();
                return {
                    walk: e.dataset.walk === undefined ? null : Number(e.dataset.walk),
                    what: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' '
                          + (e.innerText || e.value || '').trim().slice(0, 30),
                    focus_visible: e.matches(':focus-visible'),
                    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
                    shadow: style.boxShadow !== 'none',
                    on_screen: box.right > 0 && box.bottom > 0 && box.width > 0,
                };
            }"""
        )
        if step is None or (visited and step["walk"] == visited[0]["walk"]):
            break
        if visited and step["walk"] == visited[-1]["walk"]:
            continue  # a date field's day, month and year are one control with three stops
        visited.append(step)
    assert [s["walk"] for s in visited] == list(range(expected)), [s["what"] for s in visited]
    return visited


@pytest.mark.parametrize("name", ["dashboard", "list filtered", "complaint", "accessibility"])
def test_keyboard_reaches_everything_in_order_with_visible_focus(site: dict[str, Any],
                                                                 page: Any, name: str) -> None:
    """Tab visits every link, button and field in document order, each visibly focused."""
    for lang in LANGUAGES:
        page.goto(site["base"] + with_lang(site["pages"][name], lang))
        assert page.locator("[tabindex]:not([tabindex='-1']):not([tabindex='0'])").count() == 0
        visited = tab_through(page)
        # The skip link comes first, and shows itself when focused.
        assert visited[0]["what"].startswith("a "), visited[0]
        assert page.locator("a.skip").get_attribute("href") == "#isi"
        unseen = [s["what"] for s in visited
                  if not (s["focus_visible"] and (s["outline"] or s["shadow"])
                          and s["on_screen"])]
        assert not unseen, unseen


def test_skip_link_moves_focus_to_the_main_content(site: dict[str, Any], page: Any) -> None:
    page.goto(site["base"] + "/aduan")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert skip.evaluate("e => e === document.activeElement")
    assert skip.inner_text() == "Langsung ke isi"
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0  # on screen once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "isi"
    assert page.evaluate("document.activeElement.tagName") == "MAIN"
    # The next Tab lands inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")


def press_tab_until(page: Any, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_filters_and_search_work_from_the_keyboard(site: dict[str, Any], page: Any) -> None:
    """Choose a status, tick "only overdue", apply, then look a code up: keys only."""
    base = site["base"]
    page.goto(base + "/aduan?lang=en")
    press_tab_until(page, "#f-status")
    page.keyboard.press("ArrowDown")
    first_status = next(iter(STATUSES))
    assert page.locator("#f-status").input_value() == first_status
    press_tab_until(page, "#f-terlambat")
    page.keyboard.press("Space")
    press_tab_until(page, ".filters button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"terlambat=1"))
    assert f"status={first_status}" in page.url and "terlambat=1" in page.url
    assert "lang=en" in page.url
    assert page.locator("#f-terlambat").is_checked()

    press_tab_until(page, "#kode")
    page.keyboard.type(site["code"][4:].lower())
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/aduan/{site['code']}?lang=en")


@pytest.mark.parametrize(("lang", "label"), [("id", "Kode lacak"), ("en", "Tracking code")])
def test_search_error_is_announced_and_tied_to_the_field(site: dict[str, Any], page: Any,
                                                          lang: str, label: str) -> None:
    """An unknown code: the box keeps it, is marked invalid, has focus and the message."""
    expect = sync_api().expect
    page.goto(site["base"] + with_lang("/", lang))
    press_tab_until(page, "#kode")
    page.keyboard.type("zz99")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/aduan/cari\?"))
    field = page.get_by_role("searchbox", name=label)
    expect(field).to_be_focused()  # a screen reader reads its name, state and error now
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("ZZ99")
    expect(field).to_have_accessible_description(re.compile(r"\bZZ99\b"))
    message = page.locator("#" + (field.get_attribute("aria-describedby") or "missing"))
    expect(message).to_be_visible()
    assert page.title().startswith("404 ")
    assert page.locator("html").get_attribute("lang") == lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_charts_have_text_equivalents(site: dict[str, Any], page: Any, lang: str) -> None:
    """Each chart is a named image; its numbers are in a legend or a table beside it."""
    expect = sync_api().expect
    page.goto(site["base"] + with_lang("/", lang))
    status, trend = page.locator("figure.chart").all()

    image = status.get_by_role("img")
    expect(image).to_have_accessible_name(re.compile(r"\w"))
    segments = status.locator("svg.stackbar rect").count()
    legend = status.locator("figcaption li")
    assert segments and legend.count() == segments
    for item in legend.all():
        assert re.search(r"\d", item.inner_text())

    image = trend.get_by_role("img")
    name = image.evaluate("e => document.getElementById(e.getAttribute('aria-labelledby'))"
                          ".textContent")
    expect(image).to_have_accessible_name(name)
    summary = trend.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")  # details open from the keyboard
    table = trend.get_by_role("table", name=name)  # the same name: the same figures
    expect(table).to_be_visible()
    weeks = trend.locator("svg.trendsvg rect.bar-received").count()
    assert table.locator("tbody tr").count() == weeks > 0


def test_language_attributes_on_both_languages(site: dict[str, Any], page: Any) -> None:
    """`lang` on the page, on the other language's link, and on Indonesian complaint text."""
    complaint = site["pages"]["complaint"]
    page.goto(site["base"] + complaint)
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.get_by_role("link", name="English").get_attribute("lang") == "en"
    assert page.locator("h1").evaluate("e => e.closest('[lang]').lang") == "id"
    page.goto(site["base"] + with_lang(complaint, "en"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Bahasa Indonesia").get_attribute("lang") == "id"
    # The complaint was written in Indonesian: a screen reader should read it so.
    assert page.locator("h1").get_attribute("lang") == "id"
    assert page.locator(".prose").get_attribute("lang") == "id"
    assert page.locator(".timeline p").first.get_attribute("lang") == "id"
    assert page.locator("h2").first.evaluate("e => e.closest('[lang]').lang") == "en"
