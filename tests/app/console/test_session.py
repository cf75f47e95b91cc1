"""Signing in and out, sessions, CSRF and throttling, through HTTP."""

from __future__ import annotations

from tests.app.console.conftest import add_member, csrf_of, sign_in


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
