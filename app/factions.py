"""Factions: the nine of DPRD DKI Jakarta 2024–2029, and switching them on and off."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Faction

DPRD_DKI_FACTIONS: tuple[tuple[str, str], ...] = (
    ("PKS", "Fraksi Partai Keadilan Sejahtera"),
    ("PDIP", "Fraksi Partai Demokrasi Indonesia Perjuangan"),
    ("GERINDRA", "Fraksi Partai Gerakan Indonesia Raya"),
    ("NASDEM", "Fraksi Partai NasDem"),
    ("GOLKAR", "Fraksi Partai Golongan Karya"),
    ("PKB", "Fraksi Partai Kebangkitan Bangsa"),
    ("PAN", "Fraksi Partai Amanat Nasional"),
    ("DEMOKRAT", "Fraksi Partai Demokrat"),
    ("PSI", "Fraksi Partai Solidaritas Indonesia"),
)


def find_faction(session: Session, code: str) -> Faction | None:
    return session.scalars(select(Faction).where(Faction.code == code.upper())).first()


def seed_factions(session: Session) -> list[Faction]:
    """Add the DPRD DKI factions that are missing; returns the ones added."""
    added = []
    for code, name in DPRD_DKI_FACTIONS:
        if find_faction(session, code) is None:
            faction = Faction(code=code, name=name, active=True)
            session.add(faction)
            added.append(faction)
    session.flush()
    return added


def ensure_can_submit(faction: Faction) -> None:
    """Refuse intake for a disabled faction with a 403 problem (its complaints keep syncing)."""
    if faction.active:
        return
    from app.metrics import INTAKE_TOTAL

    INTAKE_TOTAL.labels(faction=faction.code, outcome="forbidden").inc()
    ensure_can_write(faction, "submit complaints")


def ensure_can_write(faction: Faction, action: str) -> None:
    """Refuse any write of a disabled faction (intake, notes, webhook changes) with a 403.

    A disabled faction keeps reading: its complaints, their events and its webhook stay
    visible, and its complaints keep syncing with the CRM. The problem (rendered as Open311
    <errors> under /open311) says which faction, that it is disabled, and why.
    """
    if faction.active:
        return
    from app.errors import Problem

    reason = f" Reason: {faction.disabled_reason}" if faction.disabled_reason else ""
    raise Problem(
        403,
        "Faction disabled",
        f"Faction {faction.code} is disabled: it can read its complaints but not {action}; "
        f"existing complaints keep syncing.{reason}",
        slug="faction-disabled",
    )
