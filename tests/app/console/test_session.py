"""Signing in and out, sessions, CSRF, throttling and TOTP, through HTTP."""

from __future__ import annotations

import time

import pyotp
from sqlalchemy import select

from app.models import ConsoleAccount
from tests.app.console.conftest import PASSWORD, add_member, csrf_of, sign_in
from tests.support.audit import audit_entries


def _login_form(client, email, password, address="127.0.0.1", **extra):
    environ = {"REMOTE_ADDR": address}
    page = client.get("/posko/masuk", environ_base=environ)
    return client.post("/posko/masuk", environ_base=environ, data={
        "csrf_token": csrf_of(page.get_data(as_text=True)), "email": email,
        "password": password, **extra,
    })


def test_the_list_needs_a_signed_in_member(client, keys) -> None:
    response = client.get("/posko/aduan")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/posko/masuk?next=/posko/aduan")


def test_a_member_signs_in_sees_the_console_and_signs_out(app, db, keys) -> None:
    add_member(db, "PSI", "rina@psi.example.org")
    client = sign_in(app.test_client(), "rina@psi.example.org")
    page = client.get("/posko/aduan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "rina@psi.example.org" in html and "PSI" in html
    out = client.post("/posko/keluar", data={"csrf_token": csrf_of(html)})
    assert out.status_code == 302
    assert client.get("/posko/aduan").status_code == 302
    (signed_in,) = audit_entries(db, "console.signed_in")
    assert signed_in.actor == "posko:rina@psi.example.org"
    assert signed_in.detail["faction"] == "PSI"
    assert len(audit_entries(db, "console.signed_out")) == 1


def test_the_session_cookie_is_httponly_lax_and_scoped_to_the_console(app, db, keys) -> None:
    add_member(db, "PSI", "rina@psi.example.org")
    client = app.test_client()
    response = _login_form(client, "rina@psi.example.org", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/posko" in cookie
    # Over http (the test and demo setup) it is not Secure; over https it is (below).
    assert "Secure" not in cookie


def test_over_https_the_session_cookie_is_secure(settings, keys) -> None:
    from app import create_app

    settings.PUBLIC_URL = "https://jembatan.example.org"
    app = create_app(settings)
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
    finally:
        app.extensions["db"].dispose()


def test_a_wrong_password_is_refused_and_audited(app, db, keys) -> None:
    add_member(db, "PSI", "rina@psi.example.org")
    response = _login_form(app.test_client(), "rina@psi.example.org", "not the password")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert 'value="rina@psi.example.org"' in html  # what was typed is kept
    (failed,) = audit_entries(db, "console.sign_in_failed")
    assert failed.detail["address"] == "127.0.0.1" and failed.detail["faction"] == "PSI"


def test_sign_in_is_throttled_per_account(app, db, keys) -> None:
    add_member(db, "PSI", "rina@psi.example.org")
    client = app.test_client()
    for _ in range(5):
        assert _login_form(client, "rina@psi.example.org", "wrong wrong").status_code == 401
    # Now even the right password waits: a guesser cannot tell.
    refused = _login_form(client, "rina@psi.example.org", PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert audit_entries(db, "console.sign_in_throttled")
    # Another account, from another address, is not affected.
    add_member(db, "PSI", "budi@psi.example.org")
    assert _login_form(app.test_client(), "budi@psi.example.org", PASSWORD,
                       address="10.1.2.3").status_code == 302


def test_sign_in_is_throttled_per_address(app, db, keys) -> None:
    add_member(db, "PSI", "budi@psi.example.org")
    client = app.test_client()
    for n in range(20):
        _login_form(client, f"nobody{n}@psi.example.org", "wrong wrong")
    assert _login_form(client, "budi@psi.example.org", PASSWORD).status_code == 429
    assert _login_form(app.test_client(), "budi@psi.example.org", PASSWORD,
                       address="10.1.2.3").status_code == 302


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(app, db, keys) -> None:
    add_member(db, "PSI", "rina@psi.example.org")
    client = sign_in(app.test_client(), "rina@psi.example.org")
    response = client.post("/posko/keluar", data={})
    assert response.status_code == 400
    assert client.get("/posko/aduan").status_code == 200  # still signed in
    forged = client.post("/posko/keluar", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    # A sign-in form whose token expired: back to a fresh sign-in page, nothing counted.
    other = app.test_client()
    refused = other.post("/posko/masuk", data={"email": "rina@psi.example.org",
                                               "password": PASSWORD})
    assert refused.status_code == 302 and refused.headers["Location"] == "/posko/masuk"
    assert "kedaluwarsa" in other.get("/posko/masuk").get_data(as_text=True)
    assert other.get("/posko/aduan").status_code == 302
    assert audit_entries(db, "console.sign_in_failed") == []


def test_the_api_is_not_subject_to_the_consoles_csrf(client, keys) -> None:
    from tests.conftest import complaint_payload

    response = client.post("/api/v1/complaints", json=complaint_payload(),
                           headers=keys.headers("PSI"))
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_an_idle_session_ends(app, db, keys, settings) -> None:
    add_member(db, "PSI", "rina@psi.example.org")
    client = sign_in(app.test_client(), "rina@psi.example.org")
    with client.session_transaction("/posko/aduan") as state:
        state["posko"] = {**state["posko"],
                          "seen": time.time() - settings.CONSOLE_IDLE_TIMEOUT_S - 1}
    response = client.get("/posko/aduan")
    assert response.status_code == 302 and "/posko/masuk" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "inactivity" in page or "tidak aktif" in page


def test_disabling_an_account_ends_its_sessions(app, db, keys) -> None:
    add_member(db, "PSI", "rina@psi.example.org")
    client = sign_in(app.test_client(), "rina@psi.example.org")
    with db.transaction() as session:
        account = session.scalars(select(ConsoleAccount)).one()
        account.active = False
        account.session_epoch += 1
    assert client.get("/posko/aduan").status_code == 302


def test_an_open_redirect_after_sign_in_is_refused(app, db, keys) -> None:
    add_member(db, "PSI", "rina@psi.example.org")
    client = app.test_client()
    response = _login_form(client, "rina@psi.example.org", PASSWORD,
                           next="https://evil.example/posko/")
    assert response.headers["Location"] == "/posko/aduan"
    response = _login_form(app.test_client(), "rina@psi.example.org", PASSWORD,
                           next="//evil.example/posko/x")
    assert response.headers["Location"] == "/posko/aduan"


def _enrol(client, email) -> str:
    page = client.get("/posko/akun/totp")
    html = page.get_data(as_text=True)
    secret = html.split('id="totp-secret" class="code">')[1].split("<")[0]
    assert f"otpauth://totp/Jembatan:{email.replace('@', '%40')}" in html
    bad = client.post("/posko/akun/totp", data={"csrf_token": csrf_of(html), "code": "12345x"})
    assert bad.status_code == 422
    ok = client.post("/posko/akun/totp", data={"csrf_token": csrf_of(html),
                                               "code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302
    return secret


def test_totp_enrolment_then_sign_in_needs_the_code(app, db, keys) -> None:
    add_member(db, "PSI", "rina@psi.example.org")
    client = sign_in(app.test_client(), "rina@psi.example.org")
    secret = _enrol(client, "rina@psi.example.org")
    assert audit_entries(db, "console.totp_enabled")

    fresh = app.test_client()
    step1 = _login_form(fresh, "rina@psi.example.org", PASSWORD)
    assert step1.headers["Location"].endswith("/posko/masuk/kode")
    assert fresh.get("/posko/aduan").status_code == 302  # not signed in yet
    page = fresh.get("/posko/masuk/kode").get_data(as_text=True)
    wrong = fresh.post("/posko/masuk/kode", data={"csrf_token": csrf_of(page),
                                                  "code": "000000"})
    assert wrong.status_code == 401
    # The code just used to enrol is spent; the next step's code signs in.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    right = fresh.post("/posko/masuk/kode", data={"csrf_token": csrf_of(page), "code": code})
    assert right.status_code == 302
    assert fresh.get("/posko/aduan").status_code == 200
    (entry,) = [e for e in audit_entries(db, "console.signed_in") if e.detail["factor"] == "totp"]
    assert entry.actor == "posko:rina@psi.example.org"


def test_a_koordinator_can_require_totp_and_members_must_enrol(app, db, keys, member) -> None:
    koordinator = member("PSI", role="koordinator")
    page = koordinator.get("/posko/tim").get_data(as_text=True)
    response = koordinator.post("/posko/tim/totp", data={"csrf_token": csrf_of(page),
                                                         "required": "1"})
    assert response.status_code == 302
    assert audit_entries(db, "console.totp_required")
    staf = member("PSI")
    response = staf.get("/posko/aduan")
    assert response.status_code == 302 and response.headers["Location"].startswith(
        "/posko/akun/totp")
    _enrol(staf, "staf2@psi.example.org")
    assert staf.get("/posko/aduan").status_code == 200
    # Another faction is not affected.
    assert member("PKS").get("/posko/aduan").status_code == 200


def test_a_database_outage_is_the_consoles_503_page(app, db, keys, database_url,
                                                      tmp_path) -> None:
    import os

    import pytest

    if not database_url.startswith("sqlite"):
        pytest.skip("simulated by moving the SQLite file away")
    add_member(db, "PSI", "rina@psi.example.org")
    client = sign_in(app.test_client(), "rina@psi.example.org")
    path = database_url.removeprefix("sqlite:///")
    os.rename(path, tmp_path / "away.db")
    db.engine.dispose()
    try:
        response = client.get("/posko/aduan")
        assert response.status_code == 503
        assert "Sementara tidak tersedia" in response.get_data(as_text=True)
        assert response.headers["Retry-After"] == "5"
    finally:
        db.engine.dispose()
        os.replace(tmp_path / "away.db", path)
