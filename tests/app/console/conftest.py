"""Console fixtures: members of the seeded factions, signed in through the real forms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import accounts
from app.database import Database
from app.factions import find_faction
from tests.support.browser import CHROMIUM_ARGS, chromium_path, sync_api

PASSWORD = "kata-sandi-yang-panjang"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a console page put in its form."""
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def add_member(db: Database, faction: str, email: str, role: str = "staf",
               password: str | None = PASSWORD) -> str:
    """An account of `faction` (with its password set, unless None); its invitation token."""
    with db.transaction() as session:
        invitation = accounts.add_account(
            session, find_faction(session, faction), email, role,
            created_by="test", ttl=timedelta(hours=1),
        )
        if password is not None:
            accounts.accept_invitation(session, invitation.token, password)
    return invitation.token


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> FlaskClient:
    """Sign `client` in through the sign-in form."""
    page = client.get("/posko/masuk")
    response = client.post("/posko/masuk", data={
        "csrf_token": csrf_of(page.get_data(as_text=True)), "email": email,
        "password": password,
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium per test module (as the public site's tests use)."""
    api = sync_api()
    executable = chromium_path()
    with api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def member(app, db, keys) -> Callable[..., FlaskClient]:
    """A signed-in client for a new member: member("PSI", role="koordinator")."""
    counter = iter(range(1, 1000))

    def make(faction: str = "PSI", role: str = "staf", email: str | None = None) -> FlaskClient:
        address = email or f"{role}{next(counter)}@{faction.lower()}.example.org"
        add_member(db, faction, address, role)
        return sign_in(app.test_client(), address)

    return make
