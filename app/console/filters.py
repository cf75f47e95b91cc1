"""The faction's complaint list: its filters (also what the export takes), read from query
arguments, and the query they make. Every bad value is named, by filter, on the page."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select, tuple_

from app.clock import WIB
from app.console.places import resolve_kelurahan
from app.lifecycle import STATUSES
from app.models import Complaint
from app.pagination import (
    NEWEST_CREATED,
    BadCursor,
    decode_cursor,
    encode_cursor,
    moment_value,
    read_moment,
    read_uuid,
)
from app.reference import areas

TRACKING_CODE = re.compile(r"^JBT-[0-9A-Z]{6,12}$")
NAMES = ("q", "status", "kategori", "instansi", "kota", "kelurahan", "terlambat", "dari",
         "sampai")


@dataclass
class ConsoleFilters:
    """The console list's (and export's) filters, validated; `errors` by argument name."""

    q: str = ""
    status: str = ""
    category: str = ""
    agency: str = ""
    kota: str = ""
    kelurahan: str = ""
    overdue: bool = False
    since: date | None = None
    until: date | None = None
    cursor: tuple[datetime, uuid.UUID] | None = None
    args: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def parse_filters(args: Any, categories: dict[str, Any]) -> ConsoleFilters:
    """Read the filters; a bad value is left out and named in `errors` (never a 500)."""
    filters = ConsoleFilters()
    kept = {n: (args.get(n) or "").strip()[:200] for n in NAMES}
    kept = {n: v for n, v in kept.items() if v}
    errors = filters.errors
    filters.q = kept.get("q", "")
    if "status" in kept:
        if kept["status"] in STATUSES:
            filters.status = kept["status"]
        else:
            errors["status"] = _("Unknown status.")
    if "kategori" in kept:
        if kept["kategori"] in categories:
            filters.category = kept["kategori"]
        else:
            errors["kategori"] = _("Unknown category.")
    filters.agency = kept.get("instansi", "")
    if "kota" in kept:
        area = areas().by_code.get(kept["kota"])
        if area is not None and area.level == "kota":
            filters.kota = area.code
        else:
            errors["kota"] = _("Unknown kota.")
    if "kelurahan" in kept:
        choice, _candidates = resolve_kelurahan(kept["kelurahan"])
        if choice is not None:
            filters.kelurahan = choice.code
        else:
            errors["kelurahan"] = _("No single kelurahan of that name; pick one from the list.")
    if "terlambat" in kept:
        filters.overdue = kept["terlambat"] == "1"
    for name in ("dari", "sampai"):
        if name in kept:
            try:
                day = date.fromisoformat(kept[name])
            except ValueError:
                errors[name] = _("Use a date like 2026-11-29.")
                continue
            setattr(filters, "since" if name == "dari" else "until", day)
    cursor = args.get("sebelum")
    if cursor:
        try:
            moment, complaint_id = decode_cursor(cursor, NEWEST_CREATED, 2)
            filters.cursor = (read_moment(moment), read_uuid(complaint_id))
        except BadCursor:
            errors["sebelum"] = _("The page link is damaged; start again from the first page.")
    if args.get("lang") == "en":
        kept["lang"] = "en"
    filters.args = {n: v for n, v in kept.items() if n not in errors}
    return filters


def list_cursor(complaint: Complaint) -> str:
    """The position after `complaint`, newest first."""
    return encode_cursor(NEWEST_CREATED, moment_value(complaint.created_at), str(complaint.id))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), WIB)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def faction_query(faction_id: int, filters: ConsoleFilters) -> Select[Any]:
    """The faction's complaints matching `filters`, newest first (after the cursor)."""
    query = select(Complaint).where(Complaint.faction_id == faction_id)
    if filters.q:
        code = filters.q.upper()
        if TRACKING_CODE.match(code):
            query = query.where(Complaint.tracking_code == code)
        else:
            pattern = _like(filters.q)
            query = query.where(or_(
                Complaint.title.ilike(pattern, escape="\\"),
                Complaint.description.ilike(pattern, escape="\\"),
                Complaint.external_id == filters.q,
            ))
    if filters.status:
        query = query.where(Complaint.status == filters.status)
    if filters.category:
        query = query.where(Complaint.category == filters.category)
    if filters.agency:
        query = query.where(Complaint.agency == filters.agency)
    if filters.kelurahan:
        query = query.where(Complaint.kelurahan_code == filters.kelurahan)
    elif filters.kota:
        query = query.where(Complaint.kota_code == filters.kota)
    if filters.overdue:
        query = query.where(Complaint.is_overdue)
    if filters.since:
        query = query.where(Complaint.created_at >= _day_start(filters.since))
    if filters.until:
        query = query.where(Complaint.created_at < _day_start(filters.until + timedelta(days=1)))
    if filters.cursor:
        query = query.where(tuple_(Complaint.created_at, Complaint.id) < filters.cursor)
    return query.order_by(Complaint.created_at.desc(), Complaint.id.desc())
