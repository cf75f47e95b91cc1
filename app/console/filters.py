"""The faction's complaint list: its filters (also what the export takes), read from query
arguments, and the query they make. Every bad value is named, by filter, on the page."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, tuple_

from app.console.places import resolve_kelurahan
from app.faction_export import ExportFilters, matching_complaints
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
from app.reference import Category, areas

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

    def criteria(self) -> ExportFilters:
        """What selects the complaints (the list's page position aside)."""
        return ExportFilters(
            status=self.status, category=self.category, agency=self.agency, kota=self.kota,
            kelurahan=self.kelurahan, overdue=self.overdue, since=self.since,
            until=self.until, search=self.q,
        )


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


def faction_query(faction_id: int, filters: ConsoleFilters,
                  categories: Mapping[str, Category]) -> Select[Any]:
    """The faction's complaints matching `filters`, newest first (after the cursor): the same
    selection as the export's (app.faction_export.matching_complaints)."""
    query = matching_complaints(faction_id, filters.criteria(), categories)
    if filters.cursor:
        query = query.where(tuple_(Complaint.created_at, Complaint.id) < filters.cursor)
    return query.order_by(Complaint.created_at.desc(), Complaint.id.desc())
