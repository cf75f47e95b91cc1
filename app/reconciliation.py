"""What the web side knows of reconciliation: the last report, and asking for a run.

The run itself (which calls the CRM) happens in a worker: sync/reconcile.py.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from app.clock import isoformat, utcnow
from app.models.coordination import read_cursor, write_cursor

REPORT_CURSOR = "crm.reconcile.report"
REQUEST_CURSOR = "crm.reconcile.requested_at"


def last_report(session: Session) -> dict[str, Any] | None:
    """The last run's report, as stored."""
    raw = read_cursor(session, REPORT_CURSOR)
    return json.loads(raw) if raw else None


def requested_at(session: Session) -> str | None:
    """When a run was last asked for."""
    return read_cursor(session, REQUEST_CURSOR)


def request_run(session: Session) -> str:
    """Ask the workers for a run on their next tick (never a CRM call in a web request)."""
    now = isoformat(utcnow()) or ""
    write_cursor(session, REQUEST_CURSOR, now)
    return now
