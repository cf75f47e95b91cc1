"""`jembatan keys`: issue, list and revoke, each audited; refusals change nothing."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.models import ApiKey
from tests.support.audit import audit_count, audit_entries


def test_keys_issue_list_revoke(jembatan, db, keys, client) -> None:
    issued = json.loads(jembatan("keys", "issue", "--faction", "PKS", "--json").output)
    assert issued["key"].startswith(f"jbt_{issued['key_id']}_")
    (entry,) = audit_entries(db, "key.issue")
    assert entry.target_id == issued["key_id"]
    plain = jembatan("keys", "issue", "--role", "admin", "--label", "ops").output
    assert plain.strip().splitlines()[-1].startswith("jbt_")

    listed = json.loads(jembatan("keys", "list", "--faction", "PKS", "--json").output)
    assert issued["key_id"] in {k["key_id"] for k in listed}
    text = jembatan("keys", "list").output
    assert issued["key_id"] in text and "jbt_" not in text

    jembatan("keys", "revoke", issued["key_id"])
    (entry,) = audit_entries(db, "key.revoke")
    assert entry.target_id == issued["key_id"]
    bearer = {"Authorization": f"Bearer {issued['key']}"}
    assert client.get("/api/v1/categories", headers=bearer).status_code == 401
    active = json.loads(jembatan("keys", "list", "--active", "--json").output)
    assert issued["key_id"] not in {k["key_id"] for k in active}

    before = audit_count(db)
    assert "no key" in jembatan("keys", "revoke", "zzzzzzzzzz", ok=False).output
    assert "no faction" in jembatan("keys", "issue", "--faction", "NOPE", ok=False).output
    assert jembatan("keys", "issue", ok=False).exit_code == 2
    assert audit_count(db) == before
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ApiKey)) == 9 + 2 + 2
