"""A faction's own complaints as a spreadsheet (CSV and XLSX), reporter data included.

Why it exists: a posko keeps its books in spreadsheets; this gives it back everything it
submitted, with the same filters as the console's list. The reporter's name, phone, e-mail and
NIK are in it because the reporters told them to this faction — the export is the faction's own
data, never another's (the query is bound to one faction id).

Every text cell is made formula-safe by the open data's own rule (app.public.opendata.neutralise,
OWASP "CSV Injection"): a title typed as `=HYPERLINK(…)` must not run in the posko's
spreadsheet. Headers match the import layout (app.bulk_import) where the field is the same.

No Flask: the categories come in as arguments; the view streams what this yields.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from app.clock import WIB, as_utc
from app.lifecycle import status_label
from app.models import Complaint
from app.public.opendata import neutralise
from app.reference import Category, areas

BATCH = 500
TRACKING_CODE = re.compile(r"^JBT-[0-9A-Z]{6,12}$")


@dataclass(frozen=True)
class ExportFilters:
    """The console list's filters, validated (app.console.filters reads them from a URL)."""

    status: str = ""
    category: str = ""
    agency: str = ""
    kota: str = ""
    kelurahan: str = ""
    overdue: bool = False
    since: date | None = None
    until: date | None = None
    search: str = ""


def faction_complaints(faction_id: int, filters: ExportFilters,
                       categories: Mapping[str, Category]) -> Select[Any]:
    """The faction's complaints matching `filters`, oldest first (a stable order to page on)."""
    return matching_complaints(faction_id, filters, categories).order_by(
        Complaint.created_at, Complaint.id)


def matching_complaints(faction_id: int, filters: ExportFilters,
                        categories: Mapping[str, Category]) -> Select[Any]:
    """The faction's complaints matching `filters`, unordered: the console's list (newest
    first, a page at a time) and its export (all, oldest first) are the same selection.

    `agency` matches the CRM's agency, or — until the CRM names one — the category's
    responsible SKPD, as the export's own `skpd` column shows it.
    """
    query = select(Complaint).where(Complaint.faction_id == faction_id)
    if filters.search:
        code = filters.search.upper()
        if TRACKING_CODE.match(code):
            query = query.where(Complaint.tracking_code == code)
        else:
            escaped = filters.search.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_")
            pattern = f"%{escaped}%"
            query = query.where(or_(
                Complaint.title.ilike(pattern, escape="\\"),
                Complaint.description.ilike(pattern, escape="\\"),
                Complaint.external_id == filters.search,
            ))
    if filters.status:
        query = query.where(Complaint.status == filters.status)
    if filters.category:
        query = query.where(Complaint.category == filters.category)
    if filters.agency:
        owned = [code for code, c in categories.items() if c.agency == filters.agency]
        query = query.where(or_(
            Complaint.agency == filters.agency,
            and_(Complaint.agency.is_(None), Complaint.category.in_(owned)),
        ))
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
    return query


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), WIB)


# (header, how to read it from a complaint): the import's headers where the field is the same.
HEADERS = (
    "kode_lacak", "no_aduan", "kategori", "judul", "uraian", "status", "status_label",
    "skpd", "tiket_crm", "kota", "kecamatan", "kelurahan", "kelurahan_nama", "alamat", "lat",
    "lon", "nama_pelapor", "telepon", "email", "nik", "visibilitas", "tanggal_kejadian",
    "diterima", "tenggat", "terlambat", "selesai", "diperbarui",
)
_MOMENTS = {"tanggal_kejadian", "diterima", "tenggat", "selesai", "diperbarui"}


def export_record(complaint: Complaint, categories: Mapping[str, Category]) -> dict[str, Any]:
    """One complaint as an export row (values as Python types; cells are made by the writer)."""
    known = areas()
    category = categories.get(complaint.category)
    return {
        "kode_lacak": complaint.tracking_code,
        "no_aduan": complaint.external_id,
        "kategori": complaint.category,
        "judul": complaint.title,
        "uraian": complaint.description,
        "status": complaint.status,
        "status_label": status_label(complaint.status),
        "skpd": complaint.agency or (category.agency if category else ""),
        "tiket_crm": complaint.crm_ticket_id,
        "kota": known.name(complaint.kota_code),
        "kecamatan": known.name(complaint.kecamatan_code),
        "kelurahan": complaint.kelurahan_code,
        "kelurahan_nama": known.name(complaint.kelurahan_code),
        "alamat": complaint.address,
        "lat": complaint.lat,
        "lon": complaint.lon,
        "nama_pelapor": complaint.reporter_name,
        "telepon": complaint.reporter_phone,
        "email": complaint.reporter_email,
        "nik": complaint.reporter_nik,
        "visibilitas": complaint.visibility,
        "tanggal_kejadian": complaint.occurred_at,
        "diterima": complaint.created_at,
        "tenggat": complaint.due_at,
        "terlambat": complaint.is_overdue,
        "selesai": complaint.resolved_at,
        "diperbarui": complaint.updated_at,
    }


def export_records(session: Session, faction_id: int, filters: ExportFilters,
                   categories: Mapping[str, Category]) -> Iterator[dict[str, Any]]:
    """The matching complaints as export rows, BATCH at a time (keyset, no long snapshot)."""
    query = faction_complaints(faction_id, filters, categories)
    after: tuple[datetime, Any] | None = None
    while True:
        page = query
        if after is not None:
            page = page.where(or_(
                Complaint.created_at > after[0],
                and_(Complaint.created_at == after[0], Complaint.id > after[1]),
            ))
        complaints = session.scalars(page.limit(BATCH)).all()
        for complaint in complaints:
            yield export_record(complaint, categories)
        if len(complaints) < BATCH:
            return
        after = (complaints[-1].created_at, complaints[-1].id)
        session.expunge_all()


def _local(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment).astimezone(WIB)


def csv_cell(name: str, value: Any) -> Any:
    """A CSV cell: times in WIB (RFC 3339), booleans ya/tidak, text through `neutralise`."""
    if value is None:
        return ""
    if name in _MOMENTS:
        return as_utc(value).astimezone(WIB).isoformat(timespec="seconds")
    if value is True or value is False:
        return "ya" if value else "tidak"
    if isinstance(value, str):
        return neutralise(value)
    return value


def csv_chunks(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The export as CSV text (UTF-8 BOM first, so Excel reads the names right), in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(HEADERS)
    for count, record in enumerate(records, start=1):
        writer.writerow([csv_cell(name, record[name]) for name in HEADERS])
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(records: Iterator[dict[str, Any]], *, title: str = "Aduan") -> bytes:
    """The export as an XLSX workbook (openpyxl's write-only mode: one row in memory at a time).

    Text goes through `neutralise` like CSV, and every text cell is written as a string, so
    nothing in it is ever a formula; times are real date cells in WIB.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(list(HEADERS))
    for record in records:
        row = []
        for name in HEADERS:
            value = record[name]
            if value is None:
                row.append(None)
            elif name in _MOMENTS:
                local = _local(value)
                cell = WriteOnlyCell(sheet, value=local.replace(tzinfo=None) if local else None)
                cell.number_format = "yyyy-mm-dd hh:mm"
                row.append(cell)
            elif value is True or value is False:
                row.append("ya" if value else "tidak")
            elif isinstance(value, str):
                # Stored text passed the API's schema (no control characters); what XML still
                # cannot hold is dropped rather than failing the whole download.
                text = ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"  # neutralised text never starts with "=": said twice
                row.append(cell)
            else:
                row.append(value)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
