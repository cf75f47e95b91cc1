"""Factions: who may submit complaints (admin actions)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.errors import Problem
from app.factions import find_faction
from app.models import Faction


def faction_or_404(session: Session, code: str) -> Faction:
    """The faction with this code, or a 404 problem (the key and complaint lists use it too)."""
    faction = find_faction(session, code)
    if faction is None:
        raise Problem(404, "Not found", f"There is no faction {code.upper()}.", slug="not-found")
    return faction


def list_factions(session: Session) -> list[Faction]:
    """Every faction, by code."""
    return list(session.scalars(select(Faction).order_by(Faction.code)))


def add_faction(session: Session, actor: str, code: str, name: str) -> Faction:
    """Add an active faction; 409 when the code is taken."""
    code = code.strip().upper()
    if find_faction(session, code) is not None:
        raise Problem(409, "Conflict", f"Faction {code} already exists.", slug="conflict")
    faction = Faction(code=code, name=name.strip(), active=True)
    session.add(faction)
    session.flush()
    audit.record(session, actor, "faction.add", "faction", code, {"name": faction.name})
    return faction


def set_faction_active(
    session: Session, actor: str, code: str, active: bool, reason: str | None = None
) -> Faction:
    """Enable or disable a faction's intake (its complaints keep syncing either way)."""
    faction = faction_or_404(session, code)
    was_active = faction.active
    faction.active = active
    faction.disabled_reason = None if active else reason
    action = "faction.enable" if active else "faction.disable"
    audit.record(
        session, actor, action, "faction", faction.code,
        {"reason": reason, "was_active": was_active},
    )
    session.flush()
    return faction
