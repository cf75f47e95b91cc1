"""`/api/v1/complaints` through HTTP: intake, validation, auth, isolation, reads, lists."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.clock import WIB, utcnow
from app.models import Complaint, Faction, OutboxMessage, StatusEvent
from app.pagination import encode_cursor
from app.sla import add_working_days, is_working_day
from tests.conftest import complaint_payload
from tests.support.listeners import listening

URL = "/api/v1/complaints"
PROBLEM = "application/problem+json"


def post(client: Any, keys: Any, payload: Any, who: str = "PSI", **kwargs: Any) -> Any:
    return client.post(URL, json=payload, headers=keys.headers(who), **kwargs)


def counts(db: Any) -> tuple[int, int, int]:
    with db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Complaint)),
            session.scalar(select(func.count()).select_from(StatusEvent)),
            session.scalar(select(func.count()).select_from(OutboxMessage)),
        )


# --- intake --------------------------------------------------------------------------


def test_submit_stores_complaint_event_outbox_and_deadline(client, keys, db, app) -> None:
    response = post(client, keys, complaint_payload())
    assert response.status_code == 201
    body = response.json
    assert response.headers["Location"] == f"{URL}/{body['id']}"
    assert body["faction"] == "PSI" and body["external_id"] == "PSI-2026-000123"
    assert body["status"] == "received" and body["status_label"] == "Diterima"
    assert body["seq"] == 1 and body["crm_ticket_id"] is None and body["agency"] is None
    assert body["overdue"] is False and body["resolved_at"] is None
    assert body["tracking_code"].startswith("JBT-") and len(body["tracking_code"]) == 12
    assert body["reporter"]["nik"] == "3171010101900001"  # the own faction sees it
    assert body["location"] == complaint_payload()["location"]
    assert body["attachments"] == complaint_payload()["attachments"]
    assert body["visibility"] == "anonymous"
    # RFC 3339 with an offset everywhere; occurred_at is the same instant as submitted.
    for name in ("due_at", "created_at", "updated_at", "occurred_at"):
        assert datetime.fromisoformat(body[name]).utcoffset() is not None
    assert datetime.fromisoformat(body["occurred_at"]) == datetime(2026, 11, 20, 8, tzinfo=WIB)
    # The deadline: sampah has 3 working days, counted on the Jakarta calendar.
    created = datetime.fromisoformat(body["created_at"])
    due = datetime.fromisoformat(body["due_at"])
    assert due == add_working_days(created, 3)
    assert is_working_day(due.astimezone(WIB).date()) and due - created >= timedelta(days=3)
    # The reporter's private status link.
    with db.session() as session:
        complaint = session.get(Complaint, uuid.UUID(body["id"]))
        assert body["status_link"] == (
            f"{app.config['JEMBATAN_PUBLIC_URL']}/lacak/{body['tracking_code']}/"
            f"{complaint.status_secret}"
        )
        events = session.scalars(select(StatusEvent)).all()
        assert [(e.seq, e.status, e.source, e.previous_status) for e in events] == [
            (1, "received", "gateway", None)
        ]
        outbox = session.scalars(select(OutboxMessage)).one()
        assert (outbox.topic, outbox.status, outbox.destination) == ("crm.submit", "pending",
                                                                      "crm")
        assert outbox.payload == {"complaint_id": body["id"]}
        assert outbox.complaint_id == complaint.id


def test_minimal_payload_takes_defaults(client, keys) -> None:
    payload = {
        "external_id": "x",
        "category": "lainnya",
        "title": "t",
        "description": "d",
        "location": {"kelurahan_code": "31.01.01.1001"},
    }
    body = post(client, keys, payload).json
    assert body["visibility"] == "anonymous" and body["attachments"] == []
    assert body["reporter"] is None and body["occurred_at"] is None
    assert body["location"] == {
        "kelurahan_code": "31.01.01.1001", "address": None, "lat": None, "lon": None
    }


def test_kepulauan_seribu_coordinates_are_in_jakarta(client, keys) -> None:
    location = {"kelurahan_code": "31.01.01.1001", "lat": -5.6, "lon": 106.55}
    assert post(client, keys, complaint_payload(location=location)).status_code == 201


def test_same_external_id_same_content_replays_with_200(client, keys, db) -> None:
    first = post(client, keys, complaint_payload())
    # Key order and an equivalent offset do not make it other content.
    reordered = dict(reversed(list(complaint_payload().items())))
    reordered["occurred_at"] = "2026-11-20T01:00:00Z"
    again = post(client, keys, reordered)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert counts(db) == (1, 1, 1)


def test_same_external_id_other_content_is_409_naming_the_complaint(client, keys, db) -> None:
    first = post(client, keys, complaint_payload()).json
    conflict = post(client, keys, complaint_payload(title="Judul lain"))
    assert conflict.status_code == 409 and conflict.content_type == PROBLEM
    assert conflict.json["complaint_id"] == first["id"]
    assert conflict.json["tracking_code"] == first["tracking_code"]
    assert first["id"] in conflict.json["detail"]
    assert counts(db) == (1, 1, 1)


def test_external_id_is_unique_per_faction_only(client, keys) -> None:
    assert post(client, keys, complaint_payload(), who="PSI").status_code == 201
    assert post(client, keys, complaint_payload(), who="PKS").status_code == 201


def test_event_listeners_hear_received_once_and_never_for_a_replay(client, keys) -> None:
    from sqlalchemy import inspect

    heard: list[tuple[str, int, str, bool]] = []

    def listener(session: Any, complaint: Any, event: Any) -> None:
        # The complaint is stored (persistent) by the time listeners hear of it.
        heard.append((str(complaint.id), event.seq, event.status,
                      inspect(complaint).persistent))

    with listening(client.application.extensions["db"], listener):
        created = post(client, keys, complaint_payload()).json
        assert post(client, keys, complaint_payload()).status_code == 200
        assert post(client, keys, complaint_payload(title="lain")).status_code == 409
    assert heard == [(created["id"], 1, "received", True)]


def test_database_failure_after_the_complaint_insert_rolls_everything_back(
    client, keys, db
) -> None:
    from sqlalchemy import event

    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split(None, 3)[2] if statement.startswith("INSERT") else "")

    def add_a_broken_row(session: Any, complaint: Any, _event: Any) -> None:
        # Written in the same flush as the status event: NOT NULL fails in the database.
        session.add(OutboxMessage(topic=None, destination="x", payload={}))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with listening(db, add_a_broken_row):
            response = post(client, keys, complaint_payload())
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 500 and response.content_type == PROBLEM
    assert "complaints" in statements  # the complaint row had been written
    assert counts(db) == (0, 0, 0)
    assert post(client, keys, complaint_payload()).status_code == 201


def test_failure_in_an_event_listener_leaves_nothing_written(client, keys, db) -> None:
    def explode(*_args: Any) -> None:
        raise RuntimeError("listener failed")

    with listening(db, explode):
        response = post(client, keys, complaint_payload())
    assert response.status_code == 500 and response.content_type == PROBLEM
    assert "listener failed" not in response.get_data(as_text=True)
    assert counts(db) == (0, 0, 0)
    # And the same submission then goes through whole.
    assert post(client, keys, complaint_payload()).status_code == 201
    assert counts(db) == (1, 1, 1)


# --- validation ----------------------------------------------------------------------


def _with(path: str, value: Any) -> dict[str, Any]:
    """A valid payload with `path` (dotted) set to `value`, or removed when value is DROP."""
    payload = copy.deepcopy(complaint_payload())
    *parents, last = path.split(".")
    target: Any = payload
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if value is DROP:
        del target[last]
    else:
        target[last] = value
    return payload


DROP = object()
LONG = "x" * 65

BAD_PAYLOADS = [
    ("external_id", DROP, "external_id"),
    ("external_id", "", "external_id"),
    ("external_id", LONG, "external_id"),
    ("external_id", 123, "external_id"),
    ("external_id", None, "external_id"),
    ("external_id", "a\nb", "external_id"),
    ("category", DROP, "category"),
    ("category", "banjir", "category"),
    ("category", ["sampah"], "category"),
    ("title", DROP, "title"),
    ("title", "", "title"),
    ("title", "t" * 201, "title"),
    ("title", "nul\x00byte", "title"),
    ("description", DROP, "description"),
    ("description", "d" * 4001, "description"),
    ("description", {"text": "x"}, "description"),
    ("occurred_at", "2026-11-20T08:00:00", "occurred_at"),
    ("occurred_at", "20 November 2026", "occurred_at"),
    ("occurred_at", "2999-01-01T00:00:00+07:00", "occurred_at"),
    ("occurred_at", "0001-01-01T00:00:00+01:00", "occurred_at"),
    ("occurred_at", 1700000000, "occurred_at"),
    ("occurred_at", "9999-12-31T23:00:00-05:00", "occurred_at"),
    ("location.lat", 10**400, "location.lat"),
    ("location", DROP, "location"),
    ("location", "Jl. Sudirman", "location"),
    ("location.kelurahan_code", DROP, "location.kelurahan_code"),
    ("location.kelurahan_code", "31.71.01", "location.kelurahan_code"),
    ("location.kelurahan_code", "32.73.01.1001", "location.kelurahan_code"),
    ("location.lat", DROP, "location.lat"),
    ("location.lon", None, "location.lon"),
    ("location.lat", -7.5, "location.lat"),
    ("location.lon", 110.4, "location.lon"),
    ("location.lat", "-6.17", "location.lat"),
    ("location.lat", True, "location.lat"),
    ("location.address", "a" * 501, "location.address"),
    ("location.floor", 3, "location.floor"),
    ("reporter", "Siti", "reporter"),
    ("reporter.nik", "12345", "reporter.nik"),
    ("reporter.nik", "31710101019000AB", "reporter.nik"),
    ("reporter.email", "not-an-email", "reporter.email"),
    ("reporter.phone", "call me", "reporter.phone"),
    ("reporter.name", "n" * 201, "reporter.name"),
    ("reporter.password", "x", "reporter.password"),
    ("visibility", "secret", "visibility"),
    ("visibility", None, "visibility"),
    ("attachments", "https://x.example/a.jpg", "attachments"),
    ("attachments", [{"url": "https://x.example/a.jpg", "content_type": "image/jpeg"}] * 11,
     "attachments"),
    ("attachments.0.url", "ftp://x.example/a.jpg", "attachments.0.url"),
    ("attachments.0.url", "javascript:alert(1)", "attachments.0.url"),
    ("attachments.0.content_type", DROP, "attachments.0.content_type"),
    ("attachments.0.content_type", "jpeg", "attachments.0.content_type"),
    ("attachments.0.size", 10, "attachments.0.size"),
    ("priority", "high", "priority"),
    ("faction", "PKS", "faction"),
    ("status", "resolved", "status"),
]


@pytest.mark.parametrize(
    ("path", "value", "field"), BAD_PAYLOADS, ids=[f"{p}={v!r:.20}" for p, v, _ in BAD_PAYLOADS]
)
def test_bad_payload_is_a_422_naming_the_field(client, keys, db, path, value, field) -> None:
    response = post(client, keys, _with(path, value))
    assert response.status_code == 422, response.json
    assert response.content_type == PROBLEM
    problem = response.json
    assert problem["type"] == "/problems/validation-error" and problem["status"] == 422
    assert field in problem["errors"], problem["errors"]
    assert field in problem["detail"] and problem["instance"] == URL
    assert counts(db) == (0, 0, 0)


def test_several_bad_fields_are_all_named(client, keys) -> None:
    payload = complaint_payload(title="", extra=1)
    payload["location"] = {"kelurahan_code": "x", "lat": 0.0, "lon": 0.0}
    errors = post(client, keys, payload).json["errors"]
    assert {"title", "extra", "location.kelurahan_code", "location.lat", "location.lon"} <= set(
        errors
    )


@pytest.mark.parametrize(
    ("data", "content_type", "status", "slug"),
    [
        ("external_id=1", "application/x-www-form-urlencoded", 415, "unsupported-media-type"),
        ('{"external_id": "1"}', "text/plain", 415, "unsupported-media-type"),
        ('{"external_id": "1"}', None, 415, "unsupported-media-type"),
        ('{"external_id": ', "application/json", 400, "malformed-json"),
        ("\xff\xfe", "application/json", 400, "malformed-json"),
        ("[1, 2]", "application/json", 400, "not-an-object"),
        ('"complaint"', "application/json", 400, "not-an-object"),
        ("null", "application/json", 400, "not-an-object"),
    ],
)
def test_body_that_is_not_a_json_object_is_refused(client, keys, data, content_type, status,
                                                    slug) -> None:
    raw = data.encode("latin-1")
    response = client.post(URL, data=raw, content_type=content_type, headers=keys.headers("PSI"))
    assert response.status_code == status
    assert response.content_type == PROBLEM
    assert response.json["type"] == f"/problems/{slug}"
    assert response.json["detail"]


def test_empty_json_body_names_every_required_field(client, keys) -> None:
    response = client.post(URL, data=b"", content_type="application/json",
                           headers=keys.headers("PSI"))
    assert response.status_code == 422
    assert {"external_id", "category", "title", "description", "location"} <= set(
        response.json["errors"]
    )


def test_nan_and_lone_surrogates_are_refused(client, keys) -> None:
    body = json.dumps(complaint_payload())
    nan = body.replace("-6.1754", "NaN")
    surrogate = body.replace('"Sampah menumpuk di pinggir kali"', '"\\ud800"')
    for raw, field in ((nan, "location.lat"), (surrogate, "title")):
        response = client.post(URL, data=raw, content_type="application/json",
                               headers=keys.headers("PSI"))
        assert response.status_code == 422 and field in response.json["errors"]


def test_deeply_nested_json_is_a_400(client, keys) -> None:
    raw = "[" * 100_000 + "]" * 100_000
    response = client.post(URL, data=raw, content_type="application/json",
                           headers=keys.headers("PSI"))
    assert response.status_code == 400 and response.json["type"] == "/problems/malformed-json"


def test_oversized_body_is_413(client, keys) -> None:
    payload = complaint_payload(description="x" * 300_000)
    response = post(client, keys, payload)
    assert response.status_code == 413 and response.content_type == PROBLEM


def test_json_with_charset_is_accepted(client, keys) -> None:
    response = client.post(URL, data=json.dumps(complaint_payload()),
                           content_type="application/json; charset=utf-8",
                           headers=keys.headers("PSI"))
    assert response.status_code == 201


# --- auth ----------------------------------------------------------------------------


def test_auth_is_checked_before_the_body(client, keys, db) -> None:
    for headers in ({}, {"Authorization": "Bearer jbt_nope"}, {"Authorization": "Token x"}):
        response = client.post(URL, data="not json", content_type="text/plain", headers=headers)
        assert response.status_code == 401 and response.content_type == PROBLEM
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for who in ("admin", "crm"):
        response = post(client, keys, complaint_payload(), who=who)
        assert response.status_code == 403 and response.content_type == PROBLEM
    assert client.get(URL, headers=keys.headers("crm")).status_code == 403
    assert counts(db) == (0, 0, 0)


def test_revoked_key_is_401(client, keys, db) -> None:
    from app.models import ApiKey

    key_id = keys.faction["PSI"].split("_")[1]
    with db.transaction() as session:
        session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).one().revoked_at = utcnow()
    assert post(client, keys, complaint_payload()).status_code == 401
    assert client.get(URL, headers=keys.headers("PSI")).status_code == 401


def test_disabled_faction_cannot_submit_and_is_told_so(client, keys, db) -> None:
    with db.transaction() as session:
        faction = session.scalars(select(Faction).where(Faction.code == "PSI")).one()
        faction.active = False
        faction.disabled_reason = "diputus sementara"
    response = post(client, keys, complaint_payload())
    assert response.status_code == 403 and response.json["type"] == "/problems/faction-disabled"
    assert "disabled" in response.json["detail"] and "PSI" in response.json["detail"]
    assert counts(db) == (0, 0, 0)


# --- reads and isolation -------------------------------------------------------------


def test_read_one_and_its_events(client, keys) -> None:
    created = post(client, keys, complaint_payload()).json
    one = client.get(f"{URL}/{created['id']}", headers=keys.headers("PSI"))
    assert one.status_code == 200 and one.json == created
    # An admin reads operations, not identities (tests/app/api/test_least_privilege.py).
    expected = {k: v for k, v in created.items() if k not in ("reporter", "status_link")}
    expected["location"] = {"kelurahan_code": "31.71.01.1001", "lat": -6.175, "lon": 106.827}
    assert client.get(f"{URL}/{created['id']}", headers=keys.headers("admin")).json == expected
    events = client.get(f"{URL}/{created['id']}/events", headers=keys.headers("PSI")).json
    assert events["next_cursor"] is None
    (event,) = events["items"]
    assert event["seq"] == 1 and event["status"] == "received"
    assert event["status_label"] == "Diterima" and event["previous_status"] is None
    assert event["source"] == "gateway" and event["note"]
    assert set(event) == {"seq", "status", "status_label", "previous_status", "occurred_at",
                          "recorded_at", "source", "note"}
    assert datetime.fromisoformat(event["recorded_at"]).utcoffset() is not None


def test_events_are_oldest_first_and_paginate(client, keys, db) -> None:
    from app.events import append_event

    created = post(client, keys, complaint_payload()).json
    with db.transaction() as session:
        complaint = session.get(Complaint, uuid.UUID(created["id"]))
        for status in ("forwarded", "waiting", "dispatched", "in_progress"):
            append_event(session, complaint, status, source="crm")
    url = f"{URL}/{created['id']}/events"
    page = client.get(url, query_string={"limit": 2}, headers=keys.headers("PSI")).json
    seen = [e["seq"] for e in page["items"]]
    while page["next_cursor"]:
        page = client.get(url, query_string={"limit": 2, "cursor": page["next_cursor"]},
                          headers=keys.headers("PSI")).json
        seen += [e["seq"] for e in page["items"]]
    assert seen == [1, 2, 3, 4, 5]
    assert page["items"][-1]["previous_status"] == "dispatched"
    one = client.get(f"{URL}/{created['id']}", headers=keys.headers("PSI")).json
    assert (one["seq"], one["status"], one["status_label"]) == (5, "in_progress", "Proses")


def test_another_factions_complaint_is_404_everywhere(client, keys) -> None:
    created = post(client, keys, complaint_payload(), who="PSI").json
    for path in (f"{URL}/{created['id']}", f"{URL}/{created['id']}/events"):
        response = client.get(path, headers=keys.headers("PKS"))
        assert response.status_code == 404 and response.content_type == PROBLEM
    assert client.get(URL, headers=keys.headers("PKS")).json["items"] == []


@pytest.mark.parametrize("bad", ["nope", "123", str(uuid.uuid4()), "0" * 40])
def test_malformed_or_unknown_id_is_a_404_problem(client, keys, bad) -> None:
    for path in (f"{URL}/{bad}", f"{URL}/{bad}/events"):
        response = client.get(path, headers=keys.headers("PSI"))
        assert response.status_code == 404 and response.content_type == PROBLEM


# --- lists ---------------------------------------------------------------------------


def _submit_many(client: Any, keys: Any, n: int, who: str = "PSI", **fields: Any) -> list[dict]:
    return [
        post(client, keys, complaint_payload(external_id=f"{who}-{i}", **fields), who=who).json
        for i in range(n)
    ]


def _walk(client: Any, keys: Any, who: str, **query: Any) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        params = dict(query, **({"cursor": cursor} if cursor else {}))
        response = client.get(URL, query_string=params, headers=keys.headers(who))
        assert response.status_code == 200, response.json
        items += response.json["items"]
        assert len(response.json["items"]) <= int(query.get("limit", 50))
        cursor = response.json["next_cursor"]
        if cursor is None:
            return items


def test_cursor_walks_every_complaint_once_newest_first(client, keys) -> None:
    created = _submit_many(client, keys, 7)
    walked = _walk(client, keys, "PSI", limit=3)
    assert [c["id"] for c in walked] == [c["id"] for c in reversed(created)]
    assert len({c["id"] for c in _walk(client, keys, "PSI", limit=1)}) == 7
    assert len(_walk(client, keys, "PSI", limit=200)) == 7


def test_list_is_own_faction_for_factions_and_all_for_admin(client, keys) -> None:
    _submit_many(client, keys, 2, who="PSI")
    _submit_many(client, keys, 3, who="PKS")
    assert {c["faction"] for c in _walk(client, keys, "PSI")} == {"PSI"}
    assert len(_walk(client, keys, "PKS")) == 3
    assert len(_walk(client, keys, "admin", limit=2)) == 5
    assert len(_walk(client, keys, "admin", faction="PKS")) == 3
    assert len(_walk(client, keys, "PSI", faction="PSI")) == 2
    other = client.get(URL, query_string={"faction": "PKS"}, headers=keys.headers("PSI"))
    assert other.status_code == 403
    unknown = client.get(URL, query_string={"faction": "NOPE"}, headers=keys.headers("admin"))
    assert unknown.status_code == 422 and "faction" in unknown.json["errors"]


def test_filters_by_status_and_category(client, keys, db) -> None:
    from app.events import append_event

    sampah = _submit_many(client, keys, 2)
    pohon = post(client, keys, complaint_payload(external_id="p", category="pohon")).json
    with db.transaction() as session:
        append_event(session, session.get(Complaint, uuid.UUID(sampah[0]["id"])), "forwarded",
                     source="gateway")
    assert [c["id"] for c in _walk(client, keys, "PSI", category="pohon")] == [pohon["id"]]
    assert [c["id"] for c in _walk(client, keys, "PSI", status="forwarded")] == [sampah[0]["id"]]
    assert len(_walk(client, keys, "PSI", status="received", category="sampah")) == 1


def test_updated_since_returns_changes_oldest_first(client, keys, db) -> None:
    from app.events import append_event

    created = _submit_many(client, keys, 4)
    mark = utcnow()
    with db.transaction() as session:
        for index in (2, 0):
            append_event(session, session.get(Complaint, uuid.UUID(created[index]["id"])),
                         "forwarded", source="gateway")
    changed = _walk(client, keys, "PSI", updated_since=mark.isoformat(), limit=1)
    assert [c["id"] for c in changed] == [created[2]["id"], created[0]["id"]]
    everything = _walk(client, keys, "PSI", updated_since="2001-01-01T00:00:00+07:00", limit=3)
    assert len(everything) == 4
    assert [c["updated_at"] for c in everything] == sorted(
        (c["updated_at"] for c in everything), key=datetime.fromisoformat
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"status": "done"}, "status"),
        ({"category": "nope"}, "category"),
        ({"updated_since": "2026-11-20T08:00:00"}, "updated_since"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"sort": "title"}, "sort"),
    ],
)
def test_bad_list_query_is_a_422_naming_the_parameter(client, keys, query, field) -> None:
    response = client.get(URL, query_string=query, headers=keys.headers("PSI"))
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert field in response.json["errors"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage", "W10", "WyJ1IiwieCIsInkiXQ", "WyJjIiwibm90LWEtZGF0ZSIsIngiXQ", "!!!",
        encode_cursor("c", "9999-12-31T23:00:00-05:00", str(uuid.UUID(int=0))),
        encode_cursor("c", "2026-01-01T00:00:00", str(uuid.UUID(int=0))),
        encode_cursor("e", 1),
    ],
)
def test_bad_cursor_is_a_400_problem(client, keys, cursor) -> None:
    created = _submit_many(client, keys, 1)[0]
    response = client.get(URL, query_string={"cursor": cursor}, headers=keys.headers("PSI"))
    assert response.status_code == 400 and response.content_type == PROBLEM
    assert response.json["type"] == "/problems/bad-cursor" and "cursor" in response.json["errors"]
    for bad in ("x", encode_cursor("e", "1"), encode_cursor("e", 2**40), encode_cursor("e", -1)):
        events = client.get(f"{URL}/{created['id']}/events", query_string={"cursor": bad},
                            headers=keys.headers("PSI"))
        assert events.status_code == 400 and events.json["type"] == "/problems/bad-cursor"


def test_cursor_of_one_ordering_is_refused_by_the_other(client, keys) -> None:
    _submit_many(client, keys, 3)
    cursor = client.get(URL, query_string={"limit": 1}, headers=keys.headers("PSI")).json[
        "next_cursor"
    ]
    response = client.get(
        URL,
        query_string={"limit": 1, "cursor": cursor, "updated_since": "2020-01-01T00:00:00Z"},
        headers=keys.headers("PSI"),
    )
    assert response.status_code == 400


# --- the OpenAPI document ------------------------------------------------------------


def test_openapi_documents_the_complaints_api(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    post_op = paths["/api/v1/complaints"]["post"]
    assert {"200", "201", "401", "403", "409", "413", "415", "422"} <= set(post_op["responses"])
    assert post_op["summary"].startswith("Submit one complaint")
    assert any(p["name"] == "Idempotency-Key" for p in post_op["parameters"])
    assert "get" in paths["/api/v1/complaints"]
    assert "/api/v1/complaints/{complaint_id}" in paths
    assert "/api/v1/complaints/{complaint_id}/events" in paths
    schemas = spec["components"]["schemas"]
    assert {"external_id", "category", "title", "description", "location"} <= set(
        schemas["ComplaintCreate"]["required"]
    )
    assert {"id", "tracking_code", "status_link", "due_at", "seq"} <= set(
        schemas["Complaint"]["properties"]
    )
    unprocessable = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]
    assert "application/problem+json" in unprocessable["content"]
    assert "errors" in schemas["Problem"]["properties"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
