"""Every faction's complaints, as the admin sees them (no reporter data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.admin.factions import faction_or_404
from app.admin.paging import MAX_LIMIT
from app.errors import Problem
from app.lifecycle import STATUSES, status_label
from app.models import Complaint
from app.pagination import (
    OLDEST_UPDATED,
    Page,
    decode_cursor,
    encode_cursor,
    moment_value,
    read_moment,
    read_uuid,
)


def list_complaints(
    session: Session,
    *,
    faction: str | None = None,
    status: str | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """All factions' complaints, oldest update first, keyset-paginated on (updated_at, id)."""
    query = select(Complaint).order_by(Complaint.updated_at, Complaint.id)
    if faction:
        query = query.where(Complaint.faction_id == faction_or_404(session, faction).id)
    if status:
        if status not in STATUSES:
            raise Problem(422, "Validation failed", f"Unknown status {status!r}.",
                          slug="validation-error", errors={"status": ["Unknown status."]})
        query = query.where(Complaint.status == status)
    if category:
        query = query.where(Complaint.category == category)
    if overdue is not None:
        query = query.where(Complaint.is_overdue if overdue else ~Complaint.is_overdue)
    if updated_since is not None:
        query = query.where(Complaint.updated_at >= updated_since)
    if cursor:
        stamp, last_id = decode_cursor(cursor, OLDEST_UPDATED, 2)
        after = read_moment(stamp)
        after_id = read_uuid(last_id)
        query = query.where(
            or_(
                Complaint.updated_at > after,
                and_(Complaint.updated_at == after, Complaint.id > after_id),
            )
        )
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(session.scalars(query.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(OLDEST_UPDATED, moment_value(last.updated_at), str(last.id))
    return Page(rows[:limit], next_cursor)


def complaint_summary(complaint: Complaint, duplicate_of: str | None = None) -> dict[str, Any]:
    """The admin's view of a complaint: no reporter data, the title as the public reads it;
    `duplicate_of` is its primary's tracking code (app.projection.duplicate_of_codes)."""
    fields = (
        "id", "tracking_code", "external_id", "source", "category", "kelurahan_code",
        "visibility", "status", "seq", "crm_ticket_id", "agency", "due_at", "resolved_at",
        "reporter_erased_at", "created_at", "updated_at",
    )
    summary = {name: getattr(complaint, name) for name in fields}
    summary["title"] = complaint.public_title or ""
    summary["faction"] = complaint.faction.code
    summary["status_label"] = status_label(complaint.status)
    summary["overdue"] = complaint.is_overdue
    summary["duplicate_of"] = duplicate_of
    summary["duplicate_state"] = complaint.duplicate_state
    return summary


