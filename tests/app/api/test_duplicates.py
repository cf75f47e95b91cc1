"""`/api/v1/duplicates`: the review through HTTP, and duplicate_of/duplicate_state on every
keyed read of a complaint (native API, webhook data, Open311 extension elements).

The matcher decides at intake; an app whose matcher never links (`reviewing`) makes every
match a suggestion, so each review action starts from what a reviewer would see.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from app.config import Settings
from app.events import append_event
from app.matching import distance_m
from app.models import Complaint, OutboxMessage
from tests.conftest import Keys
from tests.support.audit import audit_count, audit_entries
from tests.support.duplicates import FLOOD, FLOOD_AGAIN, other_problem, submit

PROBLEM = "application/problem+json"


@pytest.fixture
def reviewing(settings: Settings) -> Iterator[FlaskClient]:
    """An app whose matcher never links: every match waits for review."""
    application = create_app(dataclasses.replace(settings, DEDUP_LINK_AT=1.01))
    yield application.test_client()
    application.extensions["db"].dispose()


def post(client: FlaskClient, keys: Keys, path: str, who: str = "admin",
         **kwargs: Any) -> Any:
    return client.post(f"/api/v1/duplicates/{path}", headers=keys.headers(who), **kwargs)


def load(db: Any, tracking_code: str) -> Complaint:
    with db.session() as session:
        return session.scalars(
            select(Complaint).where(Complaint.tracking_code == tracking_code)).one()


def pending_topics(db: Any, tracking_code: str) -> list[str]:
    complaint = load(db, tracking_code)
    with db.session() as session:
        return list(session.scalars(
            select(OutboxMessage.topic).where(OutboxMessage.complaint_id == complaint.id,
                                              OutboxMessage.topic.like("crm.%"),
                                              OutboxMessage.status == "pending")))


def refused(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"/problems/duplicate-{code.replace('_', '-')}"
    assert body["detail"]
    return body["detail"]


# --- listing -------------------------------------------------------------------------------


def test_suggestions_list_both_complaints_public_text_score_distance_factions_times(
    reviewing: FlaskClient, keys: Keys,
) -> None:
    first = submit(reviewing, keys, "PKS", FLOOD)
    # The reporter wrote their phone into the text: the reviewer reads the public text.
    second = submit(reviewing, keys, "PSI", FLOOD_AGAIN | {
        "description": FLOOD_AGAIN["description"] + " Hubungi 081234567890."})

    for who in ("admin", "crm"):
        response = reviewing.get("/api/v1/duplicates", headers=keys.headers(who))
        assert response.status_code == 200, response.json
        (pair,) = response.json["items"]
        assert response.json["next_cursor"] is None
        assert pair["state"] == "suggested"
        assert pair["complaint"]["tracking_code"] == second["tracking_code"]
        assert pair["primary"]["tracking_code"] == first["tracking_code"]
        assert (pair["complaint"]["faction"], pair["primary"]["faction"]) == ("PSI", "PKS")
        assert pair["complaint"]["faction_name"] == "Fraksi Partai Solidaritas Indonesia"
        assert pair["primary"]["title"] == FLOOD["title"]
        assert "081234567890" not in pair["complaint"]["description"]
        assert "masjid" in pair["complaint"]["description"]
        assert 0 < pair["score"] < 1 and pair["matcher_version"] >= 1
        expected = distance_m(-6.17550, 106.82735, -6.17540, 106.82720)
        assert pair["distance_m"] == pytest.approx(expected, abs=0.1)
        assert 10 < pair["distance_m"] < 30
        assert pair["complaint"]["created_at"] and pair["primary"]["created_at"]
        assert "reporter" not in pair["complaint"] and "address" not in pair["complaint"]

    assert reviewing.get("/api/v1/duplicates?state=linked",
                         headers=keys.headers("admin")).json["items"] == []


def test_the_review_list_pages_and_refuses_bad_arguments(reviewing: FlaskClient,
                                                         keys: Keys) -> None:
    submit(reviewing, keys, "PKS", FLOOD)
    suggested = [submit(reviewing, keys, f, FLOOD_AGAIN)["tracking_code"]
                 for f in ("PSI", "PAN", "PKB")]
    admin = keys.headers("admin")
    seen, cursor = [], None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = reviewing.get(f"/api/v1/duplicates{query}", headers=admin).json
        seen += [p["complaint"]["tracking_code"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == suggested  # oldest first, each once

    for query, field in (("?state=maybe", "state"), ("?limit=0", "limit"), ("?sort=x", "sort")):
        response = reviewing.get(f"/api/v1/duplicates{query}", headers=admin)
        assert response.status_code == 422 and response.mimetype == PROBLEM
        assert field in response.json["errors"]
    bad = reviewing.get("/api/v1/duplicates?cursor=bm90LWEtY3Vyc29y", headers=admin)
    assert bad.status_code == 400 and bad.json["type"] == "/problems/bad-cursor"


def test_only_admin_and_crm_keys_review(reviewing: FlaskClient, keys: Keys, db: Any) -> None:
    submit(reviewing, keys, "PKS", FLOOD)
    code = submit(reviewing, keys, "PSI", FLOOD_AGAIN)["tracking_code"]
    before = audit_count(db)
    for method, path in (("get", ""), ("post", f"/{code}/confirm"), ("post", f"/{code}/reject"),
                         ("post", f"/{code}/split"), ("post", f"/{code}/link")):
        call = getattr(reviewing, method)
        # Even the faction whose complaint it is: a pair belongs to two factions.
        forbidden = call(f"/api/v1/duplicates{path}", headers=keys.headers("PSI"),
                         json={"primary": code})
        assert forbidden.status_code == 403 and forbidden.mimetype == PROBLEM
        assert "admin or crm" in forbidden.json["detail"]
        unauthorized = call(f"/api/v1/duplicates{path}")
        assert unauthorized.status_code == 401 and unauthorized.mimetype == PROBLEM
    assert load(db, code).duplicate_state == "suggested"
    assert audit_count(db) == before


# --- decisions -----------------------------------------------------------------------------


def test_confirm_links_the_suggestion_audited_with_the_key(
    reviewing: FlaskClient, keys: Keys, db: Any,
) -> None:
    primary = submit(reviewing, keys, "PKS", FLOOD)["tracking_code"]
    code = submit(reviewing, keys, "PSI", FLOOD_AGAIN)["tracking_code"]

    response = post(reviewing, keys, f"{code.lower()}/confirm", who="crm")
    assert response.status_code == 200, response.json
    assert response.json["state"] == "linked"
    assert response.json["primary"]["tracking_code"] == primary
    assert response.json["decided_at"]
    assert pending_topics(db, code) == []  # no ticket of its own
    (entry,) = audit_entries(db, "duplicate.confirm")
    crm_key_id = keys.crm.split("_")[1]
    assert entry.actor == f"key:{crm_key_id}" and entry.target_id == code

    detail = refused(post(reviewing, keys, f"{code}/confirm"), 409, "not_suggested")
    assert code in detail
    refused(post(reviewing, keys, f"{code}/reject"), 409, "not_suggested")
    missing = post(reviewing, keys, "JBT-ZZZZZZZZ/confirm")
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    assert "JBT-ZZZZZZZZ" in missing.json["detail"]
    assert len(audit_entries(db, "duplicate.confirm")) == 1


def test_reject_forwards_the_suggestion_as_its_own_ticket(
    reviewing: FlaskClient, keys: Keys, db: Any,
) -> None:
    submit(reviewing, keys, "PKS", FLOOD)
    code = submit(reviewing, keys, "PSI", FLOOD_AGAIN)["tracking_code"]
    assert pending_topics(db, code) == []  # waiting for review

    response = post(reviewing, keys, f"{code}/reject")
    assert response.status_code == 200, response.json
    assert (response.json["state"], response.json["primary"]) == ("rejected", None)
    assert pending_topics(db, code) == ["crm.submit"]
    (entry,) = audit_entries(db, "duplicate.reject")
    assert entry.actor == f"key:{keys.admin.split('_')[1]}"
    read = reviewing.get(f"/api/v1/complaints/{load(db, code).id}",
                         headers=keys.headers("PSI")).json
    assert (read["duplicate_of"], read["duplicate_state"]) == (None, "rejected")


def test_link_by_hand_then_split(client: FlaskClient, keys: Keys, db: Any) -> None:
    primary = other_problem(client, keys, "PKS", "pohon", "Pohon tumbang di taman")
    code = other_problem(client, keys, "PAN", "jalan_rusak", "Jalan berlubang dekat taman")

    response = post(client, keys, f"{code}/link", json={"primary": primary.lower()})
    assert response.status_code == 200, response.json
    assert response.json["state"] == "linked"
    assert response.json["primary"]["tracking_code"] == primary
    assert response.json["score"] is None  # a person's decision, not the matcher's
    read = client.get(f"/api/v1/complaints/{load(db, code).id}",
                      headers=keys.headers("PAN")).json
    assert (read["duplicate_of"], read["duplicate_state"]) == (primary, "linked")
    (entry,) = audit_entries(db, "duplicate.link")
    assert entry.detail["primary"] == primary

    refused(post(client, keys, f"{code}/link", json={"primary": primary}), 409,
            "already_linked")

    response = post(client, keys, f"{code}/split")
    assert response.status_code == 200, response.json
    assert (response.json["state"], response.json["primary"]) == ("rejected", None)
    assert pending_topics(db, code) == ["crm.submit"]
    assert len(audit_entries(db, "duplicate.split")) == 1
    refused(post(client, keys, f"{code}/split"), 409, "not_linked")


def test_link_refusals_name_why(client: FlaskClient, keys: Keys, db: Any) -> None:
    a = submit(client, keys, "PKS", FLOOD)["tracking_code"]
    b = submit(client, keys, "PSI", FLOOD_AGAIN)["tracking_code"]  # linked to a at intake
    assert load(db, b).duplicate_state == "linked"
    c = other_problem(client, keys, "PAN", "pohon", "Pohon tumbang")
    d = other_problem(client, keys, "PKB", "pkl", "PKL di trotoar")
    before = audit_count(db)

    def link(code: str, primary: str) -> Any:
        return post(client, keys, f"{code}/link", json={"primary": primary})

    refused(link(c, c), 422, "same_complaint")
    detail = refused(link(c, b), 422, "primary_is_duplicate")  # a chain
    assert b in detail
    refused(link(a, c), 422, "has_duplicates")  # a chain the other way
    with db.transaction() as session:
        for code in (c, d):
            complaint = session.scalars(
                select(Complaint).where(Complaint.tracking_code == code)).one()
            append_event(session, complaint, "resolved", source="crm", note="x",
                         public_note="x")
    refused(link(c, d), 422, "terminal_pair")

    unknown = link(c, "JBT-ZZZZZZZZ")
    assert unknown.status_code == 422 and unknown.json["errors"] == {
        "primary": ["Unknown tracking code."]}
    assert link(c, "not a code!").status_code == 422
    extra = post(client, keys, f"{c}/link", json={"primary": a, "why": "x"})
    assert extra.status_code == 422 and "why" in extra.json["errors"]
    empty = post(client, keys, f"{c}/link", json={})
    assert empty.status_code == 422 and "primary" in empty.json["errors"]
    text = post(client, keys, f"{c}/link", data="primary=x")
    assert text.status_code == 415 and text.mimetype == PROBLEM
    assert load(db, c).duplicate_state is None  # nothing changed by a refusal
    assert audit_count(db) == before


def test_the_review_endpoints_are_documented(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    listing = paths["/api/v1/duplicates"]["get"]
    assert {"200", "401", "403"} <= set(listing["responses"])
    assert {p["name"] for p in listing["parameters"]} >= {"state", "limit", "cursor"}
    for action in ("confirm", "reject", "split", "link"):
        operation = paths[f"/api/v1/duplicates/{{tracking_code}}/{action}"]["post"]
        assert {"200", "401", "403", "404", "409"} <= set(operation["responses"])
        assert operation["summary"]
    assert "requestBody" in paths["/api/v1/duplicates/{tracking_code}/link"]["post"]
    complaint = spec["components"]["schemas"]["Complaint"]["properties"]
    assert {"duplicate_of", "duplicate_state"} <= set(complaint)


# --- representation on every keyed surface -------------------------------------------------


def test_every_keyed_read_carries_duplicate_of_and_state(
    client: FlaskClient, keys: Keys, db: Any,
) -> None:
    first = submit(client, keys, "PKS", FLOOD)
    second = submit(client, keys, "PSI", FLOOD_AGAIN)
    # The 201 of the second says at once what the matcher decided.
    assert (second["duplicate_of"], second["duplicate_state"]) == (
        first["tracking_code"], "linked")
    assert (first["duplicate_of"], first["duplicate_state"]) == (None, None)

    for who in ("PSI", "admin"):
        one = client.get(f"/api/v1/complaints/{second['id']}", headers=keys.headers(who)).json
        assert (one["duplicate_of"], one["duplicate_state"]) == (first["tracking_code"],
                                                                 "linked")
    listed = {c["tracking_code"]: c for c in client.get(
        "/api/v1/complaints", headers=keys.headers("admin")).json["items"]}
    assert listed[second["tracking_code"]]["duplicate_of"] == first["tracking_code"]
    assert listed[first["tracking_code"]]["duplicate_of"] is None
    summaries = {c["tracking_code"]: c for c in client.get(
        "/api/v1/admin/complaints", headers=keys.headers("admin")).json["items"]}
    assert (summaries[second["tracking_code"]]["duplicate_of"],
            summaries[second["tracking_code"]]["duplicate_state"]) == (first["tracking_code"],
                                                                        "linked")
    assert summaries[first["tracking_code"]]["duplicate_state"] is None

    # Open311, with the faction's key and an admin's: the extension elements.
    for who in ("PSI", "admin"):
        key = keys.faction["PSI"] if who == "PSI" else keys.admin
        (request,) = client.get(
            f"/open311/v2/requests/{second['tracking_code']}.json?api_key={key}").json
        assert (request["duplicate_of"], request["duplicate_state"]) == (
            first["tracking_code"], "linked")
        xml = client.get(f"/open311/v2/requests/{second['tracking_code']}.xml?api_key={key}"
                         ).get_data(as_text=True)
        assert f"<duplicate_of>{first['tracking_code']}</duplicate_of>" in xml


def test_an_admin_sees_a_link_to_a_confidential_primary_the_public_does_not(
    client: FlaskClient, keys: Keys,
) -> None:
    hidden = submit(client, keys, "PKS", FLOOD, visibility="confidential")
    shown = submit(client, keys, "PSI", FLOOD_AGAIN, visibility="public")
    assert shown["duplicate_of"] == hidden["tracking_code"]
    (admin,) = client.get(f"/open311/v2/requests/{shown['tracking_code']}.json"
                          f"?api_key={keys.admin}").json
    assert admin["duplicate_of"] == hidden["tracking_code"]
    (public,) = client.get(f"/open311/v2/requests/{shown['tracking_code']}.json").json
    assert "duplicate_of" not in public and "duplicate_state" not in public


def test_webhook_data_carries_duplicate_of_and_state(settings: Settings, keys: Keys,
                                                     db: Any) -> None:
    application = create_app(dataclasses.replace(settings, WEBHOOK_ALLOW_PRIVATE=True))
    client = application.test_client()
    for port, faction in enumerate(("PKS", "PSI"), start=9):
        subscribed = client.put("/api/v1/webhook", json={"url": f"http://127.0.0.1:{port}/h"},
                                headers=keys.headers(faction))
        assert subscribed.status_code == 200, subscribed.json
    first = submit(client, keys, "PKS", FLOOD)
    second = submit(client, keys, "PSI", FLOOD_AGAIN)
    with db.session() as session:
        bodies = [m.payload["body"]["data"] for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "webhook.deliver")
            .order_by(OutboxMessage.id))]
    by_code: dict[str, list[dict[str, Any]]] = {}
    for data in bodies:
        by_code.setdefault(data["tracking_code"], []).append(data)
    assert all((d["duplicate_of"], d["duplicate_state"]) == (None, None)
               for d in by_code[first["tracking_code"]])
    # The linking event says what it is (and every later one will).
    last = by_code[second["tracking_code"]][-1]
    assert (last["duplicate_of"], last["duplicate_state"]) == (first["tracking_code"], "linked")
    # The body is what the OpenAPI document says a delivery carries (PUT's callback).
    spec = client.get("/api/v1/openapi.json").json
    documented = spec["components"]["schemas"]["WebhookEventData"]["properties"]
    assert set(last) == set(documented)
    callback = spec["paths"]["/api/v1/webhook"]["put"]["callbacks"]["complaintEvent"]
    body = callback["{$request.body#/url}"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"]["$ref"] == "#/components/schemas/WebhookEvent"
    application.extensions["db"].dispose()
