"""`jembatan users`: a faction's first koordinator by invitation link; list, disable, enable."""

from __future__ import annotations

import json

from tests.app.console.conftest import csrf_of
from tests.support.audit import audit_count, audit_entries


def test_users_add_prints_a_single_use_invitation_link(jembatan, db, keys, app) -> None:
    output = jembatan("users", "add", "--faction", "psi", "--role", "koordinator",
                      "Ketua@PSI.example.org").output
    link = output.strip().splitlines()[-1]
    assert "/posko/undangan/" in link
    (entry,) = audit_entries(db, "console.account_invited")
    assert entry.actor.startswith("cli:") and entry.detail["role"] == "koordinator"
    path = link[link.index("/posko/"):]
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "ketua@psi.example.org" in page.get_data(as_text=True)
    done = client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                   "password": "sandi-ketua-panjang",
                                   "confirm": "sandi-ketua-panjang"})
    assert done.status_code == 302
    assert client.get("/posko/tim").status_code == 200  # a koordinator's page

    listed = json.loads(jembatan("users", "list", "--faction", "PSI", "--json").output)
    assert listed[0]["email"] == "ketua@psi.example.org" and listed[0]["password_set"]
    jembatan("users", "disable", "ketua@psi.example.org")
    assert client.get("/posko/tim").status_code == 302  # signed out at once
    jembatan("users", "enable", "ketua@psi.example.org")
    assert "/posko/undangan/" in jembatan("users", "invite", "ketua@psi.example.org").output


def test_refusals_change_nothing(jembatan, db, keys) -> None:
    jembatan("users", "add", "--faction", "PSI", "a@psi.example.org")
    before = audit_count(db)
    assert "no faction" in jembatan("users", "add", "--faction", "NOPE", "b@x.org",
                                    ok=False).output
    assert "already" in jembatan("users", "add", "--faction", "PKS", "a@psi.example.org",
                                 ok=False).output
    assert "e-mail" in jembatan("users", "add", "--faction", "PSI", "nope", ok=False).output
    assert "no console account" in jembatan("users", "disable", "z@x.org", ok=False).output
    assert audit_count(db) == before
