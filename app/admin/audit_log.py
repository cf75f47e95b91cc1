"""The audit log, read back (admin actions)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.admin.paging import Page, newest_first_page
from app.models import AuditEntry


def list_audit(
    session: Session,
    *,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    actor: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Audit entries, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        # `faction.` matches every faction action; `faction.disable` only that one.
        if action.endswith("."):
            query = query.where(AuditEntry.action.startswith(action))
        else:
            query = query.where(AuditEntry.action == action)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    return newest_first_page(session, query, AuditEntry, cursor, limit)
