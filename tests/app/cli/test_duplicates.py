"""`jembatan duplicates`: the review from a shell — the API's functions and refusals, exit
status 1 on a refusal (nothing changed), audited with the CLI's actor."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from app.config import Settings
from app.models import Complaint
from tests.conftest import Keys
from tests.support.audit import audit_count, audit_entries
from tests.support.duplicates import FLOOD, FLOOD_AGAIN, other_problem, submit


@pytest.fixture
def reviewing(settings: Settings) -> Iterator[FlaskClient]:
    """An app whose matcher never links: every match waits for review."""
    application = create_app(dataclasses.replace(settings, DEDUP_LINK_AT=1.01))
    yield application.test_client()
    application.extensions["db"].dispose()


def state_of(db: Any, code: str) -> tuple[str | None, str | None]:
    with db.session() as session:
        complaint = session.scalars(
            select(Complaint).where(Complaint.tracking_code == code)).one()
        primary = complaint.duplicate_of.tracking_code if complaint.duplicate_of else None
        return complaint.duplicate_state, primary


def test_list_confirm_and_reject(jembatan, reviewing: FlaskClient, keys: Keys, db: Any) -> None:
    primary = submit(reviewing, keys, "PKS", FLOOD)["tracking_code"]
    first = submit(reviewing, keys, "PSI", FLOOD_AGAIN)["tracking_code"]
    second = submit(reviewing, keys, "PAN", FLOOD_AGAIN)["tracking_code"]

    pairs = json.loads(jembatan("duplicates", "list", "--json").output)
    assert [(p["complaint"]["tracking_code"], p["primary"]["tracking_code"]) for p in pairs] == [
        (first, primary), (second, primary)]
    assert pairs[0]["complaint"]["faction"] == "PSI" and pairs[0]["distance_m"] > 0
    text = jembatan("duplicates", "list").output
    assert f"{first} (PSI) -> {primary} (PKS)" in text and "suggested score=" in text

    assert "linked" in jembatan("duplicates", "confirm", first.lower()).output
    assert state_of(db, first) == ("linked", primary)
    assert "rejected" in jembatan("duplicates", "reject", second).output
    assert state_of(db, second) == ("rejected", None)
    for action, code in (("duplicate.confirm", first), ("duplicate.reject", second)):
        (entry,) = audit_entries(db, action)
        assert entry.target_id == code and entry.actor.startswith("cli:")

    assert "no suggested duplicates" in jembatan("duplicates", "list").output
    linked = json.loads(jembatan("duplicates", "list", "--state", "linked", "--json").output)
    assert [p["complaint"]["tracking_code"] for p in linked] == [first]


def test_link_and_split(jembatan, client: FlaskClient, keys: Keys, db: Any) -> None:
    primary = other_problem(client, keys, "PKS", "pohon", "Pohon tumbang di taman")
    code = other_problem(client, keys, "PAN", "jalan_rusak", "Jalan berlubang dekat taman")

    out = jembatan("duplicates", "link", code, "--primary", primary).output
    assert f"{code} (PAN) -> {primary} (PKS)" in out
    assert state_of(db, code) == ("linked", primary)
    assert "rejected" in jembatan("duplicates", "split", code).output
    assert state_of(db, code) == ("rejected", None)
    assert [len(audit_entries(db, a)) for a in ("duplicate.link", "duplicate.split")] == [1, 1]


def test_refusals_exit_1_with_the_reason_and_change_nothing(
    jembatan, client: FlaskClient, keys: Keys, db: Any,
) -> None:
    a = submit(client, keys, "PKS", FLOOD)["tracking_code"]
    b = submit(client, keys, "PSI", FLOOD_AGAIN)["tracking_code"]  # linked to a at intake
    c = other_problem(client, keys, "PAN", "pohon", "Pohon tumbang")
    before = audit_count(db)

    cases = [
        (("link", c, "--primary", b), "is itself a duplicate"),
        (("link", a, "--primary", c), "chain"),
        (("link", c, "--primary", c), "cannot duplicate itself"),
        (("link", c, "--primary", "JBT-ZZZZZZZZ"), "JBT-ZZZZZZZZ"),
        (("confirm", c), "no suggestion"),
        (("reject", b), "no suggestion"),
        (("split", c), "not linked"),
        (("confirm", "JBT-ZZZZZZZZ"), "No complaint has the tracking code"),
    ]
    for args, reason in cases:
        result = jembatan("duplicates", *args, ok=False)
        assert result.exit_code == 1, (args, result.output)
        assert reason in result.output, (args, result.output)
    missing = jembatan("duplicates", "link", c, ok=False)
    assert missing.exit_code == 2 and "--primary" in missing.output
    assert jembatan("duplicates", "list", "--state", "maybe", ok=False).exit_code == 2
    assert state_of(db, c) == (None, None) and state_of(db, b) == ("linked", a)
    assert audit_count(db) == before
