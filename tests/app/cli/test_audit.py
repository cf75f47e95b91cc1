"""`jembatan audit list`: the audit log, newest first, filtered."""

from __future__ import annotations

import json


def test_audit_list(jembatan, db, keys) -> None:
    jembatan("factions", "disable", "PAN")
    jembatan("factions", "enable", "PAN")
    entries = json.loads(jembatan("audit", "list", "--json").output)
    assert [e["action"] for e in entries] == ["faction.enable", "faction.disable"]
    only = json.loads(jembatan("audit", "list", "--action", "faction.disable", "--json").output)
    assert [e["target_id"] for e in only] == ["PAN"]
    assert "faction.enable" in jembatan("audit", "list", "--target-id", "PAN").output
