"""API keys: issue, list, revoke (admin actions)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.admin.factions import faction_or_404
from app.auth import IssuedKey, issue_key
from app.clock import utcnow
from app.errors import Problem
from app.models import ApiKey


def issue_api_key(
    session: Session,
    actor: str,
    role: str,
    faction_code: str | None = None,
    label: str | None = None,
) -> IssuedKey:
    """Issue a key; the full key exists only in the returned value."""
    if role not in ("faction", "admin", "crm"):
        raise Problem(422, "Validation failed", f"Unknown role {role!r}.",
                      slug="validation-error", errors={"role": ["Must be faction, admin or crm."]})
    if role == "faction" and not faction_code:
        raise Problem(422, "Validation failed", "A faction key needs a faction.",
                      slug="validation-error", errors={"faction": ["Required for role faction."]})
    if role != "faction" and faction_code:
        raise Problem(422, "Validation failed", "Only a faction key has a faction.",
                      slug="validation-error", errors={"faction": ["Only for role faction."]})
    faction = faction_or_404(session, faction_code) if faction_code else None
    issued = issue_key(session, role, faction, label)
    session.flush()
    audit.record(
        session, actor, "key.issue", "api_key", issued.key_id,
        {"role": role, "faction": issued.faction_code, "label": label},
    )
    return issued


def list_keys(
    session: Session, faction_code: str | None = None, include_revoked: bool = True
) -> list[ApiKey]:
    """Keys (never their secrets), newest first."""
    query = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    if faction_code:
        query = query.where(ApiKey.faction_id == faction_or_404(session, faction_code).id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(query))


def revoke_key(session: Session, actor: str, key_id: str) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing (and is not audited)."""
    api_key = session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).first()
    if api_key is None:
        raise Problem(404, "Not found", f"There is no key {key_id}.", slug="not-found")
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        audit.record(session, actor, "key.revoke", "api_key", key_id,
                     {"role": api_key.role,
                      "faction": api_key.faction.code if api_key.faction else None})
        session.flush()
    return api_key
