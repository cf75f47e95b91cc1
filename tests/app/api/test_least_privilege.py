"""Least privilege: an admin key reads operations, not identities.

No route an admin key can read shows a reporter's name, phone, e-mail, NIK, the complaint's
address or exact coordinates, or the private status link; the submitting faction keeps its
own; a legal request goes through the audited `jembatan reporter show`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cli import main
from app.database import Database
from app.models import AuditEntry
from tests.conftest import Keys, complaint_payload
from tests.support.complaints import cli_env

URL = "/api/v1/complaints"
REPORTER = {"name": "Wahyuningsih Pratiwi", "phone": "081398765432",
            "email": "wahyu.pratiwi@example.org", "nik": "3171014405880007"}
ADDRESS = "Gg. Anggrek Jingga XIV No. 27"
LAT, LON = -6.17731, 106.86412


@pytest.fixture
def created(client: FlaskClient, keys: Keys) -> dict[str, Any]:
    payload = complaint_payload(
        external_id="PSI-LP-1", reporter=REPORTER,
        # The reporter names themself in the text: an admin reads it redacted, as the public.
        title="Wahyuningsih minta lampu jalan diperbaiki",
        description="Saya Wahyuningsih Pratiwi, HP 0813.9876.5432, rumah di "
                    "Gg. Anggrek Jingga XIV No. 27. Lampu mati sejak Senin.",
        location={"kelurahan_code": "31.71.01.1001", "address": ADDRESS, "lat": LAT, "lon": LON},
    )
    response = client.post(URL, json=payload, headers=keys.headers("PSI"))
    assert response.status_code == 201, response.json
    return response.json


def canaries(created: dict[str, Any]) -> list[str]:
    secret = created["status_link"].rsplit("/", 1)[1]
    return [*REPORTER.values(), "Wahyuningsih", "wahyu.pratiwi", ADDRESS, "Anggrek Jingga",
            str(LAT), str(LON), secret, created["status_link"]]


def _admin_urls(app: Flask, created: dict[str, Any], key_id: str) -> list[str]:
    """Every GET route under /api/v1 and /open311 with its parameters filled in."""
    values = {"complaint_id": created["id"], "service_request_id": created["tracking_code"],
              "code": "PSI", "key_id": key_id, "service_code": "sampah"}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or not rule.rule.startswith(("/api/v1", "/open311")):
            continue
        if rule.rule.startswith("/api/v1/docs") or rule.rule.endswith("openapi.json"):
            continue
        for fmt in (("json", "xml") if "fmt" in rule.arguments else (None,)):
            arguments = {name: values.get(name, fmt) for name in rule.arguments}
            if None in arguments.values():
                continue
            path = rule.rule
            for name, value in arguments.items():
                path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), path)
            urls.append(path)
    return urls


def test_no_admin_readable_route_shows_reporter_data(
    app: Flask, client: FlaskClient, keys: Keys, created: dict[str, Any], database_url: str
) -> None:
    # A legal look-up happened: the audit log (admin-readable) says so, without the data.
    shown = CliRunner().invoke(main, ["reporter", "show", created["tracking_code"],
                                      "--reason", "Surat Polda No. 12/XI/2026"],
                               env=cli_env(database_url))
    assert shown.exit_code == 0, shown.output
    admin_key_id = keys.admin.split("_")[1]
    urls = _admin_urls(app, created, admin_key_id)
    for expected in (URL, f"{URL}/{created['id']}", f"{URL}/{created['id']}/events",
                     "/api/v1/admin/complaints", "/api/v1/admin/audit",
                     "/open311/v2/requests.json", "/open311/v2/requests.xml",
                     f"/open311/v2/requests/{created['tracking_code']}.json"):
        assert expected in urls, (expected, urls)
    read = 0
    for url in urls:
        for query in ({}, {"faction": "PSI"}, {"api_key": keys.admin}):
            if query.get("faction") and not url.startswith(URL):
                continue
            response = client.get(url, query_string=query, headers=keys.headers("admin"))
            body = response.get_data(as_text=True)
            for canary in canaries(created):
                assert canary not in body, (url, query, canary)
            read += response.status_code == 200
    assert read >= len(urls)
    # The admin still sees what operations need.
    one = client.get(f"{URL}/{created['id']}", headers=keys.headers("admin")).json
    assert one["tracking_code"] == created["tracking_code"] and one["status"] == "received"
    assert "reporter" not in one and "status_link" not in one
    assert one["location"] == {"kelurahan_code": "31.71.01.1001", "lat": -6.177, "lon": 106.864}


def test_the_submitting_faction_keeps_its_own(
    client: FlaskClient, keys: Keys, created: dict[str, Any]
) -> None:
    own = client.get(f"{URL}/{created['id']}", headers=keys.headers("PSI")).json
    assert own["reporter"] == REPORTER
    assert own["location"]["address"] == ADDRESS and own["location"]["lat"] == LAT
    assert own["status_link"] == created["status_link"]
    listed = client.get(URL, headers=keys.headers("PSI")).json["items"]
    assert listed[0]["reporter"] == REPORTER
    full = client.get(f"/open311/v2/requests/{created['tracking_code']}.json",
                      query_string={"api_key": keys.faction["PSI"]}).json
    assert full[0]["address"] == ADDRESS and full[0]["lat"] == LAT
    assert client.get(f"{URL}/{created['id']}", headers=keys.headers("PKS")).status_code == 404


def test_an_admin_read_never_decrypts_reporter_data(
    client: FlaskClient, keys: Keys, created: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Operations, not identities, down to the columns: an admin's reads leave the reporter's
    encrypted values unread; the owner's read decrypts them."""
    from app import crypto

    decrypted: list[str] = []
    original = crypto.Keyring.decrypt

    def counting(self: crypto.Keyring, stored: str) -> str:
        decrypted.append(stored)
        return original(self, stored)

    monkeypatch.setattr(crypto.Keyring, "decrypt", counting)
    for path in (URL, f"{URL}/{created['id']}", f"{URL}/{created['id']}/events"):
        assert client.get(path, headers=keys.headers("admin")).status_code == 200
    assert decrypted == []
    client.get(f"{URL}/{created['id']}", headers=keys.headers("PSI"))
    assert len(decrypted) >= 5  # name, phone, e-mail, NIK, address (and the link's secret)


def test_reporter_show_prints_one_reporter_and_audits_the_reason(
    db: Database, created: dict[str, Any], database_url: str
) -> None:
    result = CliRunner().invoke(
        main, ["reporter", "show", created["tracking_code"].lower(), "--reason",
               "Permintaan Polda Metro Jaya No. B/123/XI/2026"],
        env=cli_env(database_url),
    )
    assert result.exit_code == 0, result.output
    for value in (*REPORTER.values(), ADDRESS, created["tracking_code"], "PSI"):
        assert value in result.output
    with db.session() as session:
        (entry,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "reporter.show")
        ).all()
        assert entry.target_type == "complaint" and entry.target_id == created["id"]
        assert entry.actor.startswith("cli:")
        assert entry.detail == {"tracking_code": created["tracking_code"],
                                "reason": "Permintaan Polda Metro Jaya No. B/123/XI/2026"}
    as_json = CliRunner().invoke(main, ["reporter", "show", created["id"], "--json",
                                        "--reason", "uji JSON"], env=cli_env(database_url))
    assert as_json.exit_code == 0 and '"nik": "3171014405880007"' in as_json.output


@pytest.mark.parametrize("reason", [None, "", "  ", "x"])
def test_reporter_show_without_a_reason_is_refused(
    db: Database, created: dict[str, Any], database_url: str, reason: str | None
) -> None:
    args = ["reporter", "show", created["tracking_code"]]
    if reason is not None:
        args += ["--reason", reason]
    result = CliRunner().invoke(main, args, env=cli_env(database_url))
    assert result.exit_code == 2
    assert "--reason" in result.output
    assert REPORTER["name"] not in result.output
    with db.session() as session:
        assert session.scalars(
            select(AuditEntry).where(AuditEntry.action == "reporter.show")
        ).all() == []


def test_reporter_show_of_an_unknown_complaint(database_url: str, db: Database) -> None:
    result = CliRunner().invoke(main, ["reporter", "show", "JBT-00000000", "--reason", "uji"],
                                env=cli_env(database_url))
    assert result.exit_code == 1 and "no complaint JBT-00000000" in result.output
