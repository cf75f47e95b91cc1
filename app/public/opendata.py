"""The open data record: one flat, documented shape for CSV and JSON alike."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.clock import isoformat
from app.lifecycle import status_label
from app.projection import PublicComplaint


@dataclass(frozen=True)
class Field:
    """A documented open-data field."""

    name: str
    kind: str
    doc_id: str
    doc_en: str


FIELDS: tuple[Field, ...] = (
    Field("tracking_code", "string", "Kode lacak publik aduan.", "Public tracking code."),
    Field("url", "string", "Alamat halaman aduan.", "Address of the complaint's page."),
    Field("faction", "string", "Kode fraksi yang menerima aduan.",
          "Code of the faction that collected it."),
    Field("category", "string", "Kode kategori.", "Category code."),
    Field("title", "string", "Judul, disamarkan dari identitas pelapor, NIK, nomor telepon "
          "dan e-mail.", "Title, with the reporter's identity, NIK, phone numbers and e-mail "
          "addresses masked."),
    Field("description", "string", "Isi aduan, disamarkan dengan aturan yang sama.",
          "Complaint text, masked by the same rules."),
    Field("kota_code", "string", "Kode Kemendagri kota/kabupaten administrasi.",
          "Kemendagri code of the city."),
    Field("kota", "string", "Nama kota.", "City name."),
    Field("kecamatan_code", "string", "Kode kecamatan.", "District code."),
    Field("kecamatan", "string", "Nama kecamatan.", "District name."),
    Field("kelurahan_code", "string", "Kode kelurahan.", "Sub-district (kelurahan) code."),
    Field("kelurahan", "string", "Nama kelurahan.", "Sub-district name."),
    Field("lat", "number|null", "Lintang, dibulatkan ke 3 desimal (≈100 m).",
          "Latitude rounded to 3 decimals (≈100 m)."),
    Field("lon", "number|null", "Bujur, dibulatkan ke 3 desimal (≈100 m).",
          "Longitude rounded to 3 decimals (≈100 m)."),
    Field("status", "string", "Status kanonik (received … closed).",
          "Canonical status (received … closed)."),
    Field("status_label", "string", "Label status dalam bahasa Indonesia.",
          "Status label in Indonesian."),
    Field("agency", "string", "SKPD yang menangani (dari CRM; bila belum ada, SKPD penanggung "
          "jawab kategori).", "Agency handling it (from the CRM; until known, the category's "
          "responsible agency)."),
    Field("created_at", "datetime", "Waktu diterima (RFC 3339).", "When received (RFC 3339)."),
    Field("due_at", "datetime", "Tenggat penyelesaian (hari kerja).",
          "Resolution deadline (working days)."),
    Field("overdue", "boolean", "Ditandai melewati tenggat dan belum berstatus final.",
          "Marked past its deadline and not in a terminal status."),
    Field("resolved_at", "datetime|null", "Waktu selesai, bila sudah.",
          "When resolved, if it is."),
    Field("updated_at", "datetime", "Perubahan terakhir.", "Last change."),
    Field("duplicate_of", "string|null", "Kode lacak laporan pertama tentang masalah yang "
          "sama, bila aduan ini digabung dengannya (satu tiket CRM); kosong bila tidak.",
          "Tracking code of the first report of the same problem, when this complaint is "
          "linked to it (one CRM ticket); empty otherwise."),
)


def public_record(
    complaint: PublicComplaint, base_url: str, agencies: Mapping[str, str]
) -> dict[str, Any]:
    """The complaint as open data: its public projection, flat (no reporter field).

    `agencies` (category → responsible SKPD, app.statistics.agencies_of) fills `agency`
    until the CRM names one.
    """
    place = complaint.place
    return {
        "tracking_code": complaint.tracking_code,
        "url": f"{base_url.rstrip('/')}/aduan/{complaint.tracking_code}",
        "faction": complaint.faction,
        "category": complaint.category,
        "title": complaint.title,
        "description": complaint.description,
        "kota_code": place.kota_code,
        "kota": place.kota,
        "kecamatan_code": place.kecamatan_code,
        "kecamatan": place.kecamatan,
        "kelurahan_code": place.kelurahan_code,
        "kelurahan": place.kelurahan,
        "lat": place.lat,
        "lon": place.lon,
        "status": complaint.status,
        "status_label": status_label(complaint.status),
        "agency": complaint.agency or agencies.get(complaint.category, ""),
        "created_at": isoformat(complaint.created_at),
        "due_at": isoformat(complaint.due_at),
        "overdue": complaint.overdue,
        "resolved_at": isoformat(complaint.resolved_at),
        "updated_at": isoformat(complaint.updated_at),
        "duplicate_of": complaint.duplicate_of,
    }


def csv_header() -> str:
    """The CSV header row."""
    return csv_lines([{f.name: f.name for f in FIELDS}])


# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(text: str) -> str:
    """`text` safe to open in a spreadsheet: a would-be formula gets OWASP's leading `'`.

    A plain number ("-6.175", "+62") is left alone: it is a number to the spreadsheet too,
    never a formula. The apostrophe is part of what a CSV reader sees: /data/aduan.json
    carries the exact text.
    """
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return neutralise(value)
    return value


def csv_lines(records: list[dict[str, Any]]) -> str:
    """CSV rows (RFC 4180 quoting, CRLF) for `records`, in FIELDS order.

    Every text cell goes through `neutralise`: titles and descriptions are what factions
    typed, and `=HYPERLINK(…)` in an open data file must not run in the reader's spreadsheet.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    names = [f.name for f in FIELDS]
    writer.writerows([_cell(record[name]) for name in names] for record in records)
    return buffer.getvalue()
