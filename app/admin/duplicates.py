"""Reviewing duplicates, as `/api/v1/duplicates` and `jembatan duplicates` share it.

The decisions themselves (confirm, reject, link, split) and their rules are app/duplicates.py;
this module finds the complaints by tracking code, turns a refused decision into the problem
both surfaces show (the API as problem+json, the CLI as its error line and exit status 1), and
describes pairs for a reviewer: the public text of both, the score, the distance, the factions
and the times — never a reporter's data (docs/API.md#duplicates).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app import duplicates
from app.admin.paging import MAX_LIMIT
from app.errors import Problem
from app.lifecycle import status_label
from app.matching import distance_m
from app.models import Complaint
from app.models.complaint import without_private
from app.pagination import Page, decode_cursor, encode_cursor, moment_value, read_moment, read_uuid

# Keyset ordering of the review list: (created_at, id) ascending, oldest waiting first.
OLDEST_CREATED = "d"
# Refusals that name a pair that can never be linked (422); the others are conflicts with the
# complaint's present state, which another decision may change (409).
UNLINKABLE = frozenset({"same_complaint", "primary_is_duplicate", "has_duplicates",
                        "terminal_pair"})
def complaint_or_404(session: Session, tracking_code: str) -> Complaint:
    """The complaint with this tracking code (any case), or a 404 problem naming it."""
    code = tracking_code.strip().upper()
    found = session.scalars(
        select(Complaint).options(*without_private()).where(Complaint.tracking_code == code)
    ).first()
    if found is None:
        raise Problem(404, "Not Found", f"No complaint has the tracking code {tracking_code!r}.",
                      slug="not-found")
    return found


def _primary_or_422(session: Session, tracking_code: str) -> Complaint:
    try:
        return complaint_or_404(session, tracking_code)
    except Problem:
        raise Problem(
            422, "Validation failed", f"No complaint has the tracking code {tracking_code!r}.",
            slug="validation-error", errors={"primary": ["Unknown tracking code."]},
        ) from None


def refused_problem(refused: duplicates.DecisionRefused) -> Problem:
    """The problem a refused decision is, on every surface: its reason and stable code."""
    status = 422 if refused.code in UNLINKABLE else 409
    return Problem(
        status, "Decision refused", refused.reason,
        slug=f"duplicate-{refused.code.replace('_', '-')}", extra={"code": refused.code},
    )


def decide(
    session: Session, actor: str, action: str, tracking_code: str,
    primary_code: str | None = None,
) -> Complaint:
    """Run one review decision (`confirm`, `reject`, `split`, or `link` to `primary_code`)
    on the complaint with `tracking_code`, audited as `actor` (by app.duplicates); a refusal
    raises its Problem. Never commits."""
    complaint = complaint_or_404(session, tracking_code)
    try:
        if action == "link":
            if primary_code is None:
                raise ValueError("link needs the primary's tracking code")
            primary = _primary_or_422(session, primary_code)
            duplicates.link(session, complaint, primary, actor=actor)
        elif action == "confirm":
            duplicates.confirm(session, complaint, actor=actor)
        elif action == "reject":
            duplicates.reject(session, complaint, actor=actor)
        elif action == "split":
            duplicates.split(session, complaint, actor=actor)
        else:
            raise ValueError(f"unknown review action {action!r}")
    except duplicates.DecisionRefused as refused:
        raise refused_problem(refused) from None
    session.flush()
    return complaint


def list_duplicates(
    session: Session, *, state: str = duplicates.SUGGESTED, cursor: str | None = None,
    limit: int = 50,
) -> Page[Complaint]:
    """Complaints in one duplicate state, oldest first (keyset on created_at, id).

    Suggestions come from app.duplicates.suggestions, the list the review timeout also
    reads; linked and rejected ones from the same ordering here.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    after: tuple[Any, Any] | None = None
    if cursor:
        moment, last_id = decode_cursor(cursor, OLDEST_CREATED, 2)
        after = (read_moment(moment), read_uuid(last_id))
    if state == duplicates.SUGGESTED:
        rows = duplicates.suggestions(
            session, limit=limit + 1, after=after[1] if after else None
        )
    else:
        query = (select(Complaint).options(*without_private())
                 .where(Complaint.duplicate_state == state))
        if after is not None:
            query = query.where(or_(
                Complaint.created_at > after[0],
                and_(Complaint.created_at == after[0], Complaint.id > after[1]),
            ))
        rows = list(session.scalars(
            query.order_by(Complaint.created_at, Complaint.id).limit(limit + 1)
        ))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(OLDEST_CREATED, moment_value(last.created_at), str(last.id))
    return Page(rows[:limit], next_cursor)


def describe(session: Session, complaints: Iterable[Complaint]) -> list[dict[str, Any]]:
    """Each complaint as a pair with its primary (one query for every primary)."""
    complaints = list(complaints)
    wanted = {c.duplicate_of_id for c in complaints if c.duplicate_of_id is not None}
    primaries: dict[Any, Complaint] = {}
    if wanted:
        primaries = {p.id: p for p in session.scalars(
            select(Complaint).options(*without_private()).where(Complaint.id.in_(wanted))
        )}
    return [_pair(c, primaries.get(c.duplicate_of_id)) for c in complaints]


def _pair(complaint: Complaint, primary: Complaint | None) -> dict[str, Any]:
    distance = None
    if primary is not None and None not in (complaint.lat, complaint.lon, primary.lat,
                                            primary.lon):
        distance = round(distance_m(complaint.lat, complaint.lon, primary.lat, primary.lon), 1)
    return {
        "complaint": _side(complaint),
        "primary": _side(primary) if primary is not None else None,
        "state": complaint.duplicate_state,
        "score": complaint.duplicate_score,
        "matcher_version": complaint.matcher_version,
        "distance_m": distance,
        "decided_at": complaint.duplicate_decided_at,
    }


def _side(complaint: Complaint) -> dict[str, Any]:
    return {
        "tracking_code": complaint.tracking_code,
        "faction": complaint.faction.code,
        "faction_name": complaint.faction.name,
        "category": complaint.category,
        "status": complaint.status,
        "status_label": status_label(complaint.status),
        "title": complaint.public_title or "",
        "description": complaint.public_description or "",
        "kelurahan_code": complaint.kelurahan_code,
        "visibility": complaint.visibility,
        "crm_ticket_id": complaint.crm_ticket_id,
        "created_at": complaint.created_at,
        "updated_at": complaint.updated_at,
    }
