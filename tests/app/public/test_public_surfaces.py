"""Every surface a person reads without a key shows no reporter: the URL map, crawled.

Canary complaints carry their reporter's name, phone, e-mail, NIK and home address in the
title, the description and the CRM notes. Every GET route of the application is one of three
kinds: crawled here with those canaries, listed as carrying no complaint data, or keyed
(refuses a request without a key). A new keyless route that is in neither list fails
`test_every_keyless_route_is_crawled_or_listed` until someone decides which it is.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cli import main
from app.events import append_event
from app.models import Complaint, StatusEvent
from tests.support.complaints import cli_env

REPORTER = {
    "name": "Canaryname Zulkarnaen",
    "phone": "081299887766",
    "email": "canary.reporter@posko.example.org",
    "nik": "3174059912880007",
}
ADDRESS = "Jl. Canary Alamat Rumah No. 77"
# What must never appear: the reporter's values (and each part of the name, which the text
# only ever holds whole), a number the patterns catch, and a confidential complaint's text.
OTHER_PHONE = "0813-5555-4444"
CONFIDENTIAL = "CANARY-RAHASIA"
CANARIES = (*REPORTER.values(), *REPORTER["name"].split(), ADDRESS, OTHER_PHONE, CONFIDENTIAL)

# Routes crawled below with canary complaints (every format, both languages).
CRAWLED = {
    "/",
    "/aduan",
    "/aduan/<tracking_code>",
    "/aduan/cari",
    "/fraksi/<code>",
    "/data",
    "/metodologi",
    "/data/aduan.csv",
    "/data/aduan.json",
    "/data/statistik.json",
    "/feed.atom",
    "/lacak/<tracking_code>/<secret>",
    "/open311/v2/discovery.<fmt>",
    "/open311/v2/services.<fmt>",
    "/open311/v2/services/<service_code>.<fmt>",
    "/open311/v2/requests.<fmt>",
    "/open311/v2/requests/<service_request_id>.<fmt>",
}
# Keyless routes that carry no complaint data at all.
NO_COMPLAINT_DATA = {
    "/healthz",
    "/readyz",
    "/aksesibilitas",
    "/metrics",
    "/static/<path:filename>",
    "/static/public/<path:filename>",
    "/api/v1/docs",
    "/api/v1/docs/assets/<path:filename>",
    "/api/v1/openapi.json",
    # The posko console's sign-in and invitation pages and its assets (docs/CONSOLE.md).
    "/posko/masuk",
    "/posko/undangan/<token>",
    "/posko/static/<path:filename>",
}
# Where a console page sends a request without a session: its sign-in page (a refusal).
CONSOLE_SIGN_IN = "/posko/masuk"
FORMATS = ("xml", "json")


@dataclass(frozen=True)
class Seeded:
    id: object
    tracking_code: str
    status_secret: str
    visibility: str


def _identity_text(i: int) -> dict[str, object]:
    """A complaint whose reporter wrote themself into every text field."""
    return {
        "title": f"Jalan berlubang {i}, lapor {REPORTER['name']} {REPORTER['phone']}",
        "description": (
            f"Saya {REPORTER['name']}, rumah di {ADDRESS}. Hubungi {REPORTER['phone']} atau "
            f"{OTHER_PHONE}, surel {REPORTER['email']}, NIK {REPORTER['nik']}."
        ),
        "reporter": REPORTER,
        "location": {"kelurahan_code": "31.71.01.1001", "address": ADDRESS,
                     "lat": -6.175432, "lon": 106.827198},
        "attachments": [{"url": "https://posko.example.org/foto.jpg",
                         "content_type": "image/jpeg"}],
    }


NOTES = {
    "forwarded": f"Pelapor {REPORTER['name']} ({REPORTER['email']}) dihubungi.",
    "in_progress": f"Petugas ke {ADDRESS}, telepon {REPORTER['phone']}, NIK {REPORTER['nik']}.",
    "resolved": f"Selesai; dikonfirmasi {REPORTER['name']} di {OTHER_PHONE}.",
}


def _seed_canaries(seed, db) -> list[Seeded]:
    plan = [
        ("PSI", "public", ("forwarded", "in_progress")),
        ("PKS", "anonymous", ("forwarded", "in_progress", "resolved")),
        ("PSI", "anonymous", ()),
        ("PDIP", "public", ("forwarded", "resolved")),
        ("PSI", "confidential", ("forwarded", "in_progress")),
    ]
    seeded = []
    for i, (faction, visibility, statuses) in enumerate(plan):
        fields = _identity_text(i)
        if visibility == "confidential":
            fields["title"] = f"{CONFIDENTIAL}-JUDUL {fields['title']}"
            fields["description"] = f"{CONFIDENTIAL}-ISI {fields['description']}"
        complaint = seed(faction=faction, visibility=visibility, statuses=statuses,
                         notes=NOTES, overdue=i == 0, **fields)
        seeded.append(Seeded(complaint.id, complaint.tracking_code, complaint.status_secret,
                             visibility))
    # Duplicates: PDIP's report linked to PKS's (the pages list each other), and PSI's public
    # report linked to the confidential one (which must show nowhere, nor the link).
    with db.transaction() as session:
        for duplicate, primary in ((3, 1), (0, 4)):
            row = session.get(Complaint, seeded[duplicate].id)
            row.duplicate_of_id, row.duplicate_state = seeded[primary].id, "linked"
    return seeded


def _readable(body: str) -> str:
    """The body as a reader sees it: HTML entities and JSON \\u escapes decoded."""
    body = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), body)
    return html.unescape(html.unescape(body)).replace("\\/", "/")


def _leaks(body: str) -> list[str]:
    readable = _readable(body).casefold()
    return [canary for canary in CANARIES if canary.casefold() in readable]


def _rule_of(app: Flask, url: str) -> str:
    parts = urlsplit(url)
    rule, _args = app.url_map.bind("localhost").match(parts.path, "GET", return_rule=True)
    return rule.rule


def _start_urls(seeded: list[Seeded]) -> list[str]:
    pages = ["/", "/aduan", "/aduan?terlambat=1", "/aduan?status=in_progress",
             "/aduan?kelurahan=31.71.01.1001", "/fraksi/PSI", "/fraksi/PKS", "/data",
             "/metodologi"]
    urls = [*pages, *(p + ("&" if "?" in p else "?") + "lang=en" for p in pages)]
    urls += ["/data/aduan.csv", "/data/aduan.json", "/data/aduan.csv?fraksi=PSI",
             "/data/aduan.json?terlambat=1", "/data/statistik.json", "/feed.atom",
             "/feed.atom?lang=en"]
    codes = ",".join(s.tracking_code for s in seeded)
    for fmt in FORMATS:
        urls += [f"/open311/v2/discovery.{fmt}", f"/open311/v2/services.{fmt}",
                 f"/open311/v2/services/sampah.{fmt}", f"/open311/v2/requests.{fmt}",
                 f"/open311/v2/requests.{fmt}?status=open",
                 f"/open311/v2/requests.{fmt}?service_request_id={codes}"]
    for s in seeded:
        for lang in ("", "?lang=en"):
            urls += [f"/aduan/{s.tracking_code}{lang}",
                     f"/lacak/{s.tracking_code}/{s.status_secret}{lang}"]
        urls.append(f"/aduan/cari?kode={s.tracking_code}")
        urls += [f"/open311/v2/requests/{s.tracking_code}.{fmt}" for fmt in FORMATS]
    urls += ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"]  # cheap to check too
    return urls


def _orm_complaints(context: dict[str, object]) -> list[str]:
    """Names of template variables that hold a Complaint row (alone or in a collection)."""
    found = []
    for name, value in context.items():
        values = value if isinstance(value, list | tuple) else (
            value.values() if isinstance(value, dict) else (value,))
        if any(isinstance(v, Complaint | StatusEvent) for v in values):
            found.append(name)
    return found


def crawl(app: Flask, client: FlaskClient, seeded: list[Seeded]) -> dict[str, int]:
    """Fetch every keyless surface (and the links of its pages) without a key.

    Asserts no canary in any body and that no template was given a Complaint or StatusEvent
    (only the projection); returns, per route, how many answers were a 200 or 302.
    """
    given_rows: list[tuple[str | None, list[str]]] = []

    def rendered(_sender: Flask, template, context: dict[str, object], **_extra) -> None:
        if names := _orm_complaints(context):
            given_rows.append((template.name, names))

    with template_rendered.connected_to(rendered, app):
        answered = _crawl(app, client, seeded)
    assert given_rows == []
    return answered


def _crawl(app: Flask, client: FlaskClient, seeded: list[Seeded]) -> dict[str, int]:
    answered: dict[str, int] = {}
    seen: set[str] = set()
    queue = _start_urls(seeded)
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 302, 404), (url, response.status_code)
        body = response.get_data(as_text=True)
        assert _leaks(body) == [], url
        rule = _rule_of(app, url)
        answered[rule] = answered.get(rule, 0) + (response.status_code in (200, 302))
        for href in re.findall(r'href="([^"]+)"', body):
            href = html.unescape(href)
            if href.startswith("/") and not href.startswith("/static"):
                queue.append(href)
    assert len(seen) > 60  # the pages' links were followed too
    # The crawl saw the complaints (not a crawl of empty pages).
    public = [s for s in seeded if s.visibility != "confidential"]
    for s in public:
        page = client.get(f"/aduan/{s.tracking_code}").get_data(as_text=True)
        assert "Jalan berlubang" in page, s
    listing = client.get("/open311/v2/requests.json").json
    assert {item["service_request_id"] for item in listing} == {s.tracking_code for s in public}
    return answered


def unlisted_keyless_routes(app: Flask, client: FlaskClient) -> list[tuple[str, int]]:
    """GET routes in neither list that answer a request without a key (with its status)."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.rule in CRAWLED | NO_COMPLAINT_DATA:
            continue
        values = {arg: "json" if arg == "fmt" else "x" for arg in rule.arguments}
        response = client.get(adapter.build(rule.endpoint, values))
        status = response.status_code
        if status == 302 and response.headers["Location"].startswith(CONSOLE_SIGN_IN):
            continue
        if status not in (401, 403):
            found.append((rule.rule, status))
    return found


def test_every_keyless_route_is_crawled_or_listed(app: Flask, client: FlaskClient, seed,
                                                  keys, db) -> None:
    seeded = _seed_canaries(seed, db)
    answered = crawl(app, client, seeded)
    # The crawl went through the duplicate links: PDIP's page lists PKS's report.
    linked = client.get(f"/aduan/{seeded[3].tracking_code}").get_data(as_text=True)
    assert seeded[1].tracking_code in linked.split("Masalah yang sama, juga dilaporkan")[1]

    get_rules = {r.rule for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    assert not CRAWLED & NO_COMPLAINT_DATA
    assert (CRAWLED | NO_COMPLAINT_DATA) - get_rules == set(), "a listed route does not exist"
    # Every crawled route was really read (a 200, or the search's redirect) in the crawl.
    assert {rule for rule, ok in answered.items() if ok} >= CRAWLED
    # Every other route refuses a request without a key.
    assert unlisted_keyless_routes(app, client) == [], (
        "keyless routes neither crawled with canaries nor listed as carrying no complaint data"
    )


def test_a_new_keyless_route_fails_the_walk(app: Flask, keys) -> None:
    """A public route added later, in neither list, is what the walk reports."""

    @app.get("/aduan-baru/<code>")
    def added(code: str) -> str:
        return code

    assert unlisted_keyless_routes(app, app.test_client()) == [("/aduan-baru/<code>", 200)]


def _projection(db, ids) -> dict:
    with db.session() as session:
        complaints = {
            c.id: (c.public_title, c.public_description, c.redaction_version)
            for c in session.scalars(select(Complaint).where(Complaint.id.in_(ids)))
        }
        notes = sorted(
            (e.complaint_id.hex, e.seq, e.public_note)
            for e in session.scalars(select(StatusEvent).where(StatusEvent.complaint_id.in_(ids)))
        )
    return {"complaints": complaints, "notes": notes}


def test_erase_then_crawl_every_public_surface(app: Flask, client: FlaskClient, db, seed,
                                               keys, database_url: str) -> None:
    seeded = _seed_canaries(seed, db)
    ids = [s.id for s in seeded]
    before = _projection(db, ids)
    by_cli, by_api, by_retention, confidential = seeded[0], seeded[2], seeded[1], seeded[4]

    runner = CliRunner()
    result = runner.invoke(main, ["reporter", "erase", by_cli.tracking_code],
                           env=cli_env(database_url))
    assert result.exit_code == 0, result.output
    for target in (by_api, confidential):
        response = client.delete(f"/api/v1/complaints/{target.id}/reporter",
                                 headers=keys.headers("PSI"))
        assert response.status_code == 204, response.get_data(as_text=True)
    # Retention erases what is terminal (by_retention and seeded[3] are resolved).
    result = runner.invoke(main, ["retention", "run", "--days", "0"], env=cli_env(database_url))
    assert result.exit_code == 0, result.output
    assert "of 2 complaints" in result.output

    with db.session() as session:
        for s in (by_cli, by_api, by_retention, confidential, seeded[3]):
            complaint = session.get(Complaint, s.id)
            assert complaint.reporter_erased_at is not None, s
            assert (complaint.reporter_name, complaint.address) == (None, None)
    # Erasure recomputed nothing from less knowledge: the stored projection is unchanged.
    assert _projection(db, ids) == before

    # Life goes on after erasure: a CRM note without identity is shown as written.
    with app.app_context(), db.transaction() as session:
        complaint = session.get(Complaint, by_cli.id)
        append_event(session, complaint, "resolved", source="crm", note="Sudah ditambal.")
    crawl(app, client, seeded)
    assert "Sudah ditambal." in client.get(f"/aduan/{by_cli.tracking_code}").get_data(
        as_text=True)


def test_crawl_helper_catches_a_leak(app: Flask, client: FlaskClient, seed, keys, db) -> None:
    """The crawl is not blind: a projection holding a canary is reported."""
    seeded = _seed_canaries(seed, db)
    with db.transaction() as session:
        complaint = session.get(Complaint, seeded[0].id)
        complaint.public_description = f"bocor {REPORTER['email']}"
    with pytest.raises(AssertionError, match="aduan"):
        crawl(app, client, seeded)
