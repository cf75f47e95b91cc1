"""Reading the audit log back in tests."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import AuditEntry


def audit_entries(db, action: str) -> list[AuditEntry]:
    with db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def audit_count(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry))
