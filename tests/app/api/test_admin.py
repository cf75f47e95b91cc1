"""The admin API: every action through HTTP, its audit record, and refusals that change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.clock import utcnow
from app.errors import Problem
from app.models import AuditEntry, Complaint, Faction, OutboxMessage, WebhookSubscription
from app.pagination import NEWEST_ID, OLDEST_UPDATED, encode_cursor
from tests.support.complaints import store_complaint

ADMIN = "/api/v1/admin"


def _admin_key_id(keys) -> str:
    return keys.admin.split("_")[1]


def _audit(db, action: str) -> list[AuditEntry]:
    with db.session() as session:
        return list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                            .order_by(AuditEntry.id))
        )


def _audit_count(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry))


def test_admin_surface_needs_an_admin_key(client, keys) -> None:
    assert client.get(f"{ADMIN}/factions").status_code == 401
    for who in ("PSI", "crm"):
        response = client.get(f"{ADMIN}/factions", headers=keys.headers(who))
        assert response.status_code == 403
        assert response.content_type == "application/problem+json"
    assert client.get(f"{ADMIN}/factions", headers=keys.headers("admin")).status_code == 200


def test_add_disable_enable_faction_with_audit(app, client, keys, db) -> None:
    admin = keys.headers("admin")
    created = client.post(f"{ADMIN}/factions", json={"code": "hanura", "name": "Fraksi Hanura"},
                          headers=admin)
    assert created.status_code == 201
    assert created.json["code"] == "HANURA" and created.json["active"] is True
    (entry,) = _audit(db, "faction.add")
    assert entry.actor == f"key:{_admin_key_id(keys)}" and entry.target_id == "HANURA"
    assert entry.created_at is not None

    again = client.post(f"{ADMIN}/factions", json={"code": "HANURA", "name": "x"}, headers=admin)
    assert again.status_code == 409 and again.content_type == "application/problem+json"
    unknown_field = client.post(f"{ADMIN}/factions",
                                json={"code": "X1", "name": "x", "colour": "red"}, headers=admin)
    assert unknown_field.status_code == 422 and "colour" in unknown_field.json["errors"]
    assert len(_audit(db, "faction.add")) == 1

    # A disabled faction's intake is refused with a 403 problem; its complaints stay.
    existing = store_complaint(app, "PSI")
    disabled = client.post(f"{ADMIN}/factions/psi/disable",
                           json={"reason": "menunggu keputusan pimpinan"}, headers=admin)
    assert disabled.status_code == 200
    assert disabled.json["active"] is False
    assert disabled.json["disabled_reason"] == "menunggu keputusan pimpinan"
    (entry,) = _audit(db, "faction.disable")
    assert entry.target_id == "PSI" and entry.detail["reason"] == "menunggu keputusan pimpinan"
    with pytest.raises(Problem) as refused:
        store_complaint(app, "PSI", external_id="PSI-2")
    assert refused.value.status == 403 and "PSI" in refused.value.detail
    listed = client.get(f"{ADMIN}/complaints?faction=PSI", headers=admin).json
    assert [c["id"] for c in listed["items"]] == [str(existing.id)]
    with db.session() as session:
        pending = session.scalars(select(OutboxMessage.status)
                                  .where(OutboxMessage.complaint_id == existing.id)).all()
    assert pending == ["pending"]  # still syncing

    enabled = client.post(f"{ADMIN}/factions/PSI/enable", headers=admin)
    assert enabled.status_code == 200 and enabled.json["active"] is True
    assert enabled.json["disabled_reason"] is None
    assert len(_audit(db, "faction.enable")) == 1
    assert store_complaint(app, "PSI", external_id="PSI-2").faction_id == existing.faction_id


def test_switching_an_unknown_faction_is_404_and_changes_nothing(client, keys, db) -> None:
    before = _audit_count(db)
    for verb in ("disable", "enable"):
        response = client.post(f"{ADMIN}/factions/NOPE/{verb}", headers=keys.headers("admin"))
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"
        assert "NOPE" in response.json["detail"]
    assert _audit_count(db) == before


def test_issue_list_revoke_keys_with_audit(client, keys, db) -> None:
    admin = keys.headers("admin")
    issued = client.post(f"{ADMIN}/keys", json={"role": "faction", "faction": "PKS",
                                                "label": "posko pusat"}, headers=admin)
    assert issued.status_code == 201
    new_key, key_id = issued.json["key"], issued.json["key_id"]
    assert new_key.startswith(f"jbt_{key_id}_") and issued.json["faction"] == "PKS"
    bearer = {"Authorization": f"Bearer {new_key}"}
    assert client.get("/api/v1/categories", headers=bearer).status_code == 200
    (entry,) = _audit(db, "key.issue")
    assert entry.target_id == key_id and entry.detail["faction"] == "PKS"
    assert new_key not in str(entry.detail)

    listed = client.get(f"{ADMIN}/keys?faction=PKS", headers=admin)
    assert listed.status_code == 200
    assert key_id in {k["key_id"] for k in listed.json["items"]}
    assert "jbt_" not in listed.get_data(as_text=True)  # the key is shown once, at issue

    assert client.delete(f"{ADMIN}/keys/{key_id}", headers=admin).status_code == 204
    assert client.get("/api/v1/categories", headers=bearer).status_code == 401
    (entry,) = _audit(db, "key.revoke")
    assert entry.target_id == key_id
    active = client.get(f"{ADMIN}/keys?include_revoked=false", headers=admin).json["items"]
    assert key_id not in {k["key_id"] for k in active}

    before = _audit_count(db)
    unknown = client.delete(f"{ADMIN}/keys/zzzzzzzzzz", headers=admin)
    assert unknown.status_code == 404 and unknown.content_type == "application/problem+json"
    bad = [
        ({"role": "root"}, 422),
        ({"role": "faction"}, 422),
        ({"role": "admin", "faction": "PSI"}, 422),
        ({"role": "faction", "faction": "NOPE"}, 404),
        ({"role": "admin", "secret": "x"}, 422),
    ]
    for body, status in bad:
        response = client.post(f"{ADMIN}/keys", json=body, headers=admin)
        assert response.status_code == status, body
        assert response.content_type == "application/problem+json"
    assert _audit_count(db) == before


def _kill(db, complaint_id, error: str = "HTTP 400: service_code unknown") -> int:
    with db.transaction() as session:
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.complaint_id == complaint_id)
        ).one()
        message.status, message.attempts = "dead", 7
        message.last_error, message.last_status_code = error, 400
        message.dead_at = utcnow()
        return message.id


def test_outbox_stats_dead_letters_and_replay(app, client, keys, db) -> None:
    admin = keys.headers("admin")
    first = store_complaint(app, "PSI", external_id="A")
    second = store_complaint(app, "PSI", external_id="B")
    store_complaint(app, "PKS", external_id="C")
    dead_id = _kill(db, first.id)
    other_dead = _kill(db, second.id, "HTTP 422: bad location")

    stats = {(s["topic"], s["state"]): s for s in
             client.get(f"{ADMIN}/outbox", headers=admin).json["items"]}
    assert stats[("crm.submit", "pending")]["depth"] == 1
    dead = stats[("crm.submit", "dead")]
    assert dead["depth"] == 2 and dead["oldest_age_seconds"] >= 0
    assert {e["error"] for e in dead["last_errors"]} == {
        "HTTP 400: service_code unknown", "HTTP 422: bad location"}

    letters = client.get(f"{ADMIN}/dead-letters", headers=admin).json
    assert {m["id"] for m in letters["items"]} == {dead_id, other_dead}
    assert all(m["state"] == "dead" for m in letters["items"])
    by_topic = client.get(f"{ADMIN}/outbox/messages?state=pending&topic=crm.submit",
                          headers=admin).json["items"]
    assert len(by_topic) == 1

    before = _audit_count(db)
    with db.session() as session:
        pending_id = session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == "pending")).one()
    not_dead = client.post(f"{ADMIN}/dead-letters/{pending_id}/replay", headers=admin)
    assert not_dead.status_code == 409 and not_dead.content_type == "application/problem+json"
    missing = client.post(f"{ADMIN}/dead-letters/999999/replay", headers=admin)
    assert missing.status_code == 404
    mixed = client.post(f"{ADMIN}/dead-letters/replay", json={"ids": [dead_id, pending_id]},
                        headers=admin)
    assert mixed.status_code == 409
    assert client.post(f"{ADMIN}/dead-letters/replay", json={"ids": []},
                       headers=admin).status_code == 422
    assert _audit_count(db) == before
    with db.session() as session:
        assert session.get(OutboxMessage, dead_id).status == "dead"  # no partial change

    replayed = client.post(f"{ADMIN}/dead-letters/{dead_id}/replay", headers=admin)
    assert replayed.status_code == 200
    assert replayed.json["state"] == "pending" and replayed.json["attempts"] == 0
    with db.session() as session:
        message = session.get(OutboxMessage, dead_id)
        assert message.next_attempt_at <= utcnow() and message.dead_at is None
    (entry,) = _audit(db, "outbox.replay")
    assert entry.target_type == "outbox_message" and entry.target_id == str(dead_id)
    assert entry.detail["last_error"] == "HTTP 400: service_code unknown"
    again = client.post(f"{ADMIN}/dead-letters/{dead_id}/replay", headers=admin)
    assert again.status_code == 409


def test_webhook_subscriptions_show_failures_and_why_disabled(client, keys, db) -> None:
    with db.transaction() as session:
        psi = session.scalars(select(Faction).where(Faction.code == "PSI")).one()
        session.add(WebhookSubscription(
            faction_id=psi.id, url="https://posko.example.org/hook",
            secret="whsec_c2VjcmV0c2VjcmV0c2VjcmV0", active=False,
            disabled_reason="410 Gone from the receiver", disabled_at=utcnow(),
            consecutive_failures=12,
        ))
    response = client.get(f"{ADMIN}/webhooks", headers=keys.headers("admin"))
    assert response.status_code == 200
    (hook,) = response.json["items"]
    assert hook["faction"] == "PSI" and hook["url"] == "https://posko.example.org/hook"
    assert hook["active"] is False and hook["disabled_reason"] == "410 Gone from the receiver"
    assert hook["consecutive_failures"] == 12
    assert "whsec_" not in response.get_data(as_text=True)


def test_audit_log_filters_and_pages(client, keys, db) -> None:
    admin = keys.headers("admin")
    for code in ("PSI", "PKS", "PAN"):
        client.post(f"{ADMIN}/factions/{code}/disable", headers=admin)
    client.post(f"{ADMIN}/factions/PAN/enable", headers=admin)

    everything = client.get(f"{ADMIN}/audit", headers=admin).json["items"]
    assert [e["action"] for e in everything][:4] == [
        "faction.enable", "faction.disable", "faction.disable", "faction.disable"]
    disables = client.get(f"{ADMIN}/audit?action=faction.disable", headers=admin).json
    assert {e["target_id"] for e in disables["items"]} == {"PSI", "PKS", "PAN"}
    prefix = client.get(f"{ADMIN}/audit?action=faction.", headers=admin).json["items"]
    assert len(prefix) == 4
    on_pan = client.get(f"{ADMIN}/audit?target_type=faction&target_id=PAN",
                        headers=admin).json["items"]
    assert [e["action"] for e in on_pan] == ["faction.enable", "faction.disable"]

    seen, cursor = [], None
    while True:
        url = f"{ADMIN}/audit?action=faction.&limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=admin).json
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["id"] for e in prefix]

    bad = client.get(f"{ADMIN}/audit?cursor=not-a-cursor", headers=admin)
    assert bad.status_code == 400 and bad.json["type"] == "/problems/bad-cursor"
    assert "cursor" in bad.json["errors"]
    assert client.get(f"{ADMIN}/audit?colour=red", headers=admin).status_code == 422


def test_complaints_across_factions_with_filters_and_keyset_pages(app, client, keys,
                                                                   db) -> None:
    admin = keys.headers("admin")
    a = store_complaint(app, "PSI", external_id="A", category="sampah")
    b = store_complaint(app, "PKS", external_id="B", category="pohon")
    c = store_complaint(app, "PSI", external_id="C", category="pohon")
    with db.transaction() as session:
        late = session.get(Complaint, c.id)
        late.due_at = utcnow() - timedelta(days=1)
        late.overdue = True  # as the SLA sweep marks it: overdue has one meaning
        late.updated_at = utcnow() + timedelta(seconds=5)

    everything = client.get(f"{ADMIN}/complaints", headers=admin)
    assert everything.status_code == 200
    body = everything.get_data(as_text=True)
    assert "Siti Aminah" not in body and "3171010101900001" not in body
    assert [i["id"] for i in everything.json["items"]][-1] == str(c.id)

    def ids(query: str) -> set[str]:
        return {i["id"] for i in client.get(f"{ADMIN}/complaints?{query}",
                                            headers=admin).json["items"]}

    assert ids("faction=PSI") == {str(a.id), str(c.id)}
    assert ids("category=pohon") == {str(b.id), str(c.id)}
    assert ids("overdue=true") == {str(c.id)}
    assert ids("overdue=false") == {str(a.id), str(b.id)}
    assert ids("status=received") == {str(a.id), str(b.id), str(c.id)}
    assert ids("status=resolved") == set()
    since = (utcnow() + timedelta(seconds=2)).isoformat()
    assert ids(f"updated_since={since.replace('+', '%2B')}") == {str(c.id)}
    overdue_item = client.get(f"{ADMIN}/complaints?overdue=true", headers=admin).json["items"]
    assert overdue_item[0]["overdue"] is True and overdue_item[0]["faction"] == "PSI"

    seen, cursor = [], None
    while True:
        url = f"{ADMIN}/complaints?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=admin).json
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted([str(a.id), str(b.id), str(c.id)]) and len(seen) == 3

    for query, field in (("status=lost", "status"), ("limit=500", "limit"),
                         ("updated_since=yesterday", "updated_since"),
                         ("faction=NOPE", None)):
        response = client.get(f"{ADMIN}/complaints?{query}", headers=admin)
        assert response.status_code in (404, 422), query
        assert response.content_type == "application/problem+json"
        if field:
            assert field in response.json["errors"]


def _assert_bad_cursor(response) -> None:
    # One answer for a bad cursor on every /api list (it was a 422 here before the lists
    # shared app/pagination.py).
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    assert response.json["type"] == "/problems/bad-cursor" and "cursor" in response.json["errors"]


@pytest.mark.parametrize("path", ["outbox/messages", "dead-letters", "audit"])
@pytest.mark.parametrize(
    "last_id", [99999999999999999999, 2147483648, -1, True, "²", "12", "1.5"]
)
def test_id_cursors_out_of_range_or_not_a_number_are_400(client, keys, path, last_id) -> None:
    # Found by the schemathesis fuzzer: these reached int() and the database (500).
    cursor = encode_cursor(NEWEST_ID, last_id)
    response = client.get(f"{ADMIN}/{path}?cursor={cursor}", headers=keys.headers("admin"))
    _assert_bad_cursor(response)


def test_complaint_cursor_at_the_edge_of_time_is_400(client, keys) -> None:
    cursor = encode_cursor(
        OLDEST_UPDATED, "0001-01-01T00:00:00+01:00", "00000000-0000-0000-0000-000000000000"
    )
    response = client.get(f"{ADMIN}/complaints?cursor={cursor}", headers=keys.headers("admin"))
    _assert_bad_cursor(response)


def test_a_cursor_of_another_list_is_400(client, keys) -> None:
    updated_order = encode_cursor(
        OLDEST_UPDATED, "2026-01-01T00:00:00+00:00", "00000000-0000-0000-0000-000000000000"
    )
    for path in ("outbox/messages", "dead-letters", "audit"):
        response = client.get(f"{ADMIN}/{path}?cursor={updated_order}",
                              headers=keys.headers("admin"))
        _assert_bad_cursor(response)
    by_id = encode_cursor(NEWEST_ID, 5)
    _assert_bad_cursor(client.get(f"{ADMIN}/complaints?cursor={by_id}",
                                  headers=keys.headers("admin")))


def test_replaying_ids_beyond_the_key_range_is_refused(client, keys) -> None:
    # Found by the schemathesis fuzzer: a 20-digit id overflowed the database driver (500).
    admin = keys.headers("admin")
    several = client.post(f"{ADMIN}/dead-letters/replay",
                          json={"ids": [1, 2**70]}, headers=admin)
    assert several.status_code == 422 and "ids.1" in several.json["errors"]
    one = client.post(f"{ADMIN}/dead-letters/{2**70}/replay", headers=admin)
    assert one.status_code == 404 and one.content_type == "application/problem+json"
