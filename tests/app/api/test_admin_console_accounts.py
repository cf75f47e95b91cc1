"""`POST /api/v1/admin/factions/{code}/console-accounts`: a faction's first koordinator."""

from __future__ import annotations

from tests.support.audit import audit_entries


def test_an_admin_creates_a_koordinator_and_gets_the_link_once(client, keys, db,
                                                               settings) -> None:
    response = client.post("/api/v1/admin/factions/PKS/console-accounts",
                           json={"email": "Ketua@PKS.example.org"}, headers=keys.headers("admin"))
    assert response.status_code == 201
    body = response.json
    assert body["role"] == "koordinator" and body["faction"] == "PKS"
    assert body["email"] == "ketua@pks.example.org"
    assert body["invitation_url"].startswith(f"{settings.PUBLIC_URL}/posko/undangan/")
    (entry,) = audit_entries(db, "console.account_invited")
    assert entry.actor.startswith("key:")
    path = body["invitation_url"].removeprefix(settings.PUBLIC_URL)
    assert client.get(path).status_code == 200


def test_refusals_are_problems(client, keys) -> None:
    admin = keys.headers("admin")
    url = "/api/v1/admin/factions/PKS/console-accounts"
    assert client.post(url, json={"email": "a@pks.example.org"},
                       headers=keys.headers("PKS")).status_code == 403
    assert client.post("/api/v1/admin/factions/NOPE/console-accounts",
                       json={"email": "a@x.org"}, headers=admin).status_code == 404
    bad = client.post(url, json={"email": "a@pks.example.org", "role": "raja"}, headers=admin)
    assert bad.status_code == 422 and "role" in bad.json["errors"]
    assert client.post(url, json={"email": "nope"}, headers=admin).status_code == 422
    assert client.post(url, json={"email": "a@pks.example.org"}, headers=admin).status_code == 201
    taken = client.post(url, json={"email": "a@pks.example.org", "extra": 1}, headers=admin)
    assert taken.status_code == 422
    again = client.post("/api/v1/admin/factions/PSI/console-accounts",
                        json={"email": "a@pks.example.org"}, headers=admin)
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"
