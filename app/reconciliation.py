"""What the web side knows of reconciliation: the last report, and asking for a run.

The run itself (which calls the CRM) happens in a worker: sync/reconcile.py.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from app.clock import isoformat, utcnow
from app.models import SyncCursor

REPORT_CURSOR = "crm.reconcile.report"
REQUEST_CURSOR = "crm.reconcile.requested_at"


def _cursor(session: Session, name: str) -> str | None:
    row = session.get(SyncCursor, name)
    return row.value if row is not None else None


def last_report(session: Session) -> dict[str, Any] | None:
    """The last run's report, as stored."""
    raw = _cursor(session, REPORT_CURSOR)
    return json.loads(raw) if raw else None


def requested_at(session: Session) -> str | None:
    """When a run was last asked for."""
    return _cursor(session, REQUEST_CURSOR)


def request_run(session: Session) -> str:
    """Ask the workers for a run on their next tick (never a CRM call in a web request)."""
    now = isoformat(utcnow()) or ""
    row = session.get(SyncCursor, REQUEST_CURSOR)
    if row is None:
        session.add(SyncCursor(name=REQUEST_CURSOR, value=now, updated_at=utcnow()))
    else:
        row.value = now
        row.updated_at = utcnow()
    return now
