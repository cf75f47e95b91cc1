"""`jembatan factions`: each action with its audit record; refusals change nothing."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.models import Faction
from tests.support.audit import audit_count, audit_entries


def test_factions_add_list_disable_enable(jembatan, db, keys) -> None:
    assert "added HANURA" in jembatan("factions", "add", "hanura", "Fraksi Hanura").output
    (entry,) = audit_entries(db, "faction.add")
    assert entry.actor.startswith("cli:") and entry.target_id == "HANURA"
    duplicate = jembatan("factions", "add", "HANURA", "x", ok=False)
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output

    jembatan("factions", "disable", "PSI", "--reason", "keputusan pimpinan")
    (entry,) = audit_entries(db, "faction.disable")
    assert entry.target_id == "PSI" and entry.detail["reason"] == "keputusan pimpinan"
    listed = json.loads(jembatan("factions", "list", "--json").output)
    psi = next(f for f in listed if f["code"] == "PSI")
    assert psi["active"] is False and psi["reason"] == "keputusan pimpinan"
    assert "disabled" in jembatan("factions", "list").output

    jembatan("factions", "enable", "psi")
    assert len(audit_entries(db, "faction.enable")) == 1
    with db.session() as session:
        assert session.scalars(select(Faction.active).where(Faction.code == "PSI")).one()

    before = audit_count(db)
    unknown = jembatan("factions", "disable", "NOPE", ok=False)
    assert unknown.exit_code == 1 and "no faction NOPE" in unknown.output
    assert audit_count(db) == before
