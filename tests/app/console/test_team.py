"""The koordinator's pages through HTTP: roles, invitations (single use, expiring), disabling,
integration settings without secrets."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from app.clock import utcnow
from app.models import ConsoleAccount, ConsoleInvitation
from tests.app.console.conftest import csrf_of
from tests.support.audit import audit_entries


def _invite(koordinator, email: str, role: str = "staf"):
    page = koordinator.get("/posko/tim").get_data(as_text=True)
    return koordinator.post("/posko/tim/undang", data={"csrf_token": csrf_of(page),
                                                       "email": email, "role": role})


def _link_of(html: str) -> str:
    return re.search(r'id="tautan-undangan" readonly value="([^"]+)"', html).group(1)


def _set_password(client, path: str, password: str = "sandi-baru-yang-panjang"):
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                   "password": password, "confirm": password})


def test_a_staf_member_cannot_reach_the_team_page(member) -> None:
    staf = member("PSI")
    assert staf.get("/posko/tim").status_code == 403
    page = staf.get("/posko/aduan").get_data(as_text=True)
    assert "/posko/tim" not in page
    refused = staf.post("/posko/tim/undang", data={"csrf_token": csrf_of(page),
                                                   "email": "x@psi.example.org"})
    assert refused.status_code == 403


def test_a_koordinator_invites_and_the_link_works_once(member, app, db, settings) -> None:
    koordinator = member("PSI", role="koordinator")
    response = _invite(koordinator, "Dewi@PSI.example.org")
    assert response.status_code == 200
    link = _link_of(response.get_data(as_text=True))
    assert link.startswith(f"{settings.PUBLIC_URL}/posko/undangan/")
    (entry,) = audit_entries(db, "console.account_invited")
    assert entry.detail == {"faction": "PSI", "email": "dewi@psi.example.org", "role": "staf"}
    path = link.removeprefix(settings.PUBLIC_URL)

    newcomer = app.test_client()
    mismatch = newcomer.post(path, data={"csrf_token": csrf_of(newcomer.get(path).get_data(
        as_text=True)), "password": "sandi-baru-yang-panjang", "confirm": "lain"})
    assert mismatch.status_code == 422 and 'id="confirm-error"' in mismatch.get_data(as_text=True)
    short = _set_password(newcomer, path, "pendek")
    assert short.status_code == 422 and 'id="password-error"' in short.get_data(as_text=True)
    done = _set_password(newcomer, path)
    assert done.status_code == 302
    assert newcomer.get("/posko/aduan").status_code == 200  # signed in
    assert newcomer.get(path).status_code == 410  # used up
    assert audit_entries(db, "console.invitation_accepted")


def test_an_expired_invitation_is_refused(member, app, db, settings) -> None:
    koordinator = member("PSI", role="koordinator")
    link = _link_of(_invite(koordinator, "dewi@psi.example.org").get_data(as_text=True))
    with db.transaction() as session:
        session.execute(update(ConsoleInvitation).values(
            expires_at=utcnow() - timedelta(seconds=1)))
    newcomer = app.test_client()
    path = link.removeprefix(settings.PUBLIC_URL)
    assert newcomer.get(path).status_code == 410
    page = newcomer.get("/posko/masuk").get_data(as_text=True)
    refused = newcomer.post(path, data={"csrf_token": csrf_of(page),
                                        "password": "sandi-baru-yang-panjang",
                                        "confirm": "sandi-baru-yang-panjang"})
    assert refused.status_code == 410
    with db.session() as session:
        account = session.scalars(select(ConsoleAccount).where(
            ConsoleAccount.email == "dewi@psi.example.org")).one()
        assert account.password_hash is None
    assert app.test_client().get("/posko/undangan/made-up-token").status_code == 404


def test_a_bad_invitation_names_the_field_and_keeps_the_input(member) -> None:
    koordinator = member("PSI", role="koordinator")
    response = _invite(koordinator, "not an address")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and 'value="not an address"' in html
    taken = _invite(koordinator, "koordinator1@psi.example.org")
    assert taken.status_code == 422


def test_disabling_a_member_signs_them_out(member, db) -> None:
    koordinator = member("PSI", role="koordinator")
    staf = member("PSI", email="budi@psi.example.org")
    with db.session() as session:
        budi = session.scalars(select(ConsoleAccount).where(
            ConsoleAccount.email == "budi@psi.example.org")).one()
    page = koordinator.get("/posko/tim").get_data(as_text=True)
    response = koordinator.post(f"/posko/tim/{budi.id}/status",
                                data={"csrf_token": csrf_of(page), "active": "0"})
    assert response.status_code == 302
    assert staf.get("/posko/aduan").status_code == 302
    assert audit_entries(db, "console.account_disabled")


def test_another_factions_account_cannot_be_touched(member, db) -> None:
    member("PKS", email="ani@pks.example.org")
    with db.session() as session:
        ani = session.scalars(select(ConsoleAccount).where(
            ConsoleAccount.email == "ani@pks.example.org")).one()
    koordinator = member("PSI", role="koordinator")
    page = koordinator.get("/posko/tim").get_data(as_text=True)
    assert "ani@pks.example.org" not in page
    response = koordinator.post(f"/posko/tim/{ani.id}/status",
                                data={"csrf_token": csrf_of(page), "active": "0"})
    assert response.status_code == 404
    assert koordinator.post(f"/posko/tim/{ani.id}/tautan",
                            data={"csrf_token": csrf_of(page)}).status_code == 404


def test_integration_settings_show_ids_never_secrets(member, keys) -> None:
    html = member("PSI", role="koordinator").get("/posko/tim").get_data(as_text=True)
    key = keys.faction["PSI"]
    key_id = key.split("_")[1]
    assert key_id in html and key not in html and key.split("_", 2)[2] not in html
    assert keys.faction["PKS"].split("_")[1] not in html
