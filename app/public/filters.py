"""The `/aduan` list's filters (shared by the exports): parsing, the query, the page cursor.

Every bad value is this site's 400 page naming what was wrong; the query is bounded by the
page size and, for the overdue filter, the partial index's own predicate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select, text, tuple_
from sqlalchemy.orm import Session

from app.clock import WIB
from app.lifecycle import STATUSES
from app.models import Complaint, Faction
from app.models.complaint import PUBLIC_OVERDUE_SQL
from app.pagination import (
    NEWEST_CREATED,
    BadCursor,
    decode_cursor,
    encode_cursor,
    moment_value,
    read_moment,
    read_uuid,
)
from app.projection import PublicComplaint, public_complaints
from app.public.responses import bad_request, categories
from app.reference import areas


@dataclass
class ListFilters:
    """The `/aduan` (and export) filters, validated."""

    faction: Faction | None = None
    category: str = ""
    status: str = ""
    kota: str = ""
    kecamatan: str = ""
    kelurahan: str = ""
    overdue: bool = False
    since: date | None = None
    until: date | None = None
    cursor: tuple[datetime, uuid.UUID] | None = None
    args: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(set(self.args) - {"lang"})


def parse_filters(session: Session, args: Any) -> ListFilters:
    """Read the filters from query arguments; any bad value is a 400 saying which."""
    filters = ListFilters()
    known = areas()
    kept: dict[str, str] = {}
    for name in ("fraksi", "kategori", "status", "kota", "kecamatan", "kelurahan", "terlambat",
                 "dari", "sampai"):
        value = (args.get(name) or "").strip()
        if value:
            kept[name] = value
    if "fraksi" in kept:
        filters.faction = session.scalars(
            select(Faction).where(Faction.code == kept["fraksi"].upper())
        ).first()
        if filters.faction is None:
            bad_request(_("Unknown faction: %(value)s.", value=kept["fraksi"]))
    if "kategori" in kept:
        if kept["kategori"] not in categories():
            bad_request(_("Unknown category: %(value)s.", value=kept["kategori"]))
        filters.category = kept["kategori"]
    if "status" in kept:
        if kept["status"] not in STATUSES:
            bad_request(_("Unknown status: %(value)s.", value=kept["status"]))
        filters.status = kept["status"]
    for name, level in (("kota", "kota"), ("kecamatan", "kecamatan"), ("kelurahan", "kelurahan")):
        if name in kept:
            area = known.by_code.get(kept[name])
            if area is None or area.level != level:
                bad_request(_("Unknown area code for %(name)s: %(value)s.", name=name,
                              value=kept[name]))
            setattr(filters, name, kept[name])
    if "terlambat" in kept:
        if kept["terlambat"] not in {"1", "0"}:
            bad_request(_("terlambat must be 1 or 0."))
        filters.overdue = kept["terlambat"] == "1"
        if not filters.overdue:
            kept.pop("terlambat")
    for name in ("dari", "sampai"):
        if name in kept:
            try:
                day = date.fromisoformat(kept[name])
            except ValueError:
                bad_request(_("%(name)s must be a date like 2026-11-29.", name=name))
            setattr(filters, "since" if name == "dari" else "until", day)
    cursor = args.get("sebelum")
    if cursor:
        filters.cursor = read_list_cursor(cursor)
    if args.get("lang") == "en":
        kept["lang"] = "en"
    filters.args = kept
    return filters


def list_cursor(complaint: PublicComplaint) -> str:
    """The position after `complaint` in newest-first order, opaque to the visitor."""
    return encode_cursor(NEWEST_CREATED, moment_value(complaint.created_at), str(complaint.id))


def read_list_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """Read a `sebelum` cursor; a damaged one is this site's 400 page."""
    try:
        moment, complaint_id = decode_cursor(cursor, NEWEST_CREATED, 2)
        return read_moment(moment), read_uuid(complaint_id)
    except BadCursor:
        bad_request(_("The page link is damaged; start again from the first page."))
        raise  # unreachable: abort raised


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), WIB)


def filtered_query(filters: ListFilters) -> Select[Any]:
    """Public complaints (projection rows) matching `filters`, newest first, after the cursor."""
    query = public_complaints()
    if filters.faction is not None:
        query = query.where(Complaint.faction_id == filters.faction.id)
    if filters.category:
        query = query.where(Complaint.category == filters.category)
    if filters.status:
        query = query.where(Complaint.status == filters.status)
    if filters.kelurahan:
        query = query.where(Complaint.kelurahan_code == filters.kelurahan)
    elif filters.kecamatan:
        query = query.where(Complaint.kecamatan_code == filters.kecamatan)
    elif filters.kota:
        query = query.where(Complaint.kota_code == filters.kota)
    if filters.overdue:
        # Literally the partial index's predicate, so PostgreSQL can use it.
        query = query.where(text(PUBLIC_OVERDUE_SQL))
    if filters.since:
        query = query.where(Complaint.created_at >= _day_start(filters.since))
    if filters.until:
        query = query.where(Complaint.created_at < _day_start(filters.until + timedelta(days=1)))
    if filters.cursor:
        query = query.where(tuple_(Complaint.created_at, Complaint.id) < filters.cursor)
    return query.order_by(Complaint.created_at.desc(), Complaint.id.desc())
