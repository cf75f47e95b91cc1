"""The audit log: every administrative action, who did it and on what."""

from __future__ import annotations

import getpass
from typing import Any

from sqlalchemy.orm import Session

from app.models import AuditEntry


def cli_actor() -> str:
    """The actor name of a command run from a shell."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def record(
    session: Session,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the caller's transaction (never commits)."""
    entry = AuditEntry(
        actor=actor, action=action, target_type=target_type, target_id=target_id, detail=detail
    )
    session.add(entry)
    return entry
