"""Reses in bulk: a posko's spreadsheet (XLSX or CSV) read, checked and stored row by row.

Why a module of its own: during reses a posko collects dozens of complaints on paper and types
them into a spreadsheet. This reads that sheet in a documented layout (docs/CONSOLE.md, "Impor
massal"), checks every row with the native API's own schema (schemas.complaint) so the rules
are the API's rules, and names each bad cell by column letter, header and row number, in
Indonesian and English. The valid rows go through the one intake (app.intake.submit_complaint):
each row's `no_aduan` is its external id, so importing the same file again stores nothing new.

No Flask here: the categories and the limits come in as arguments.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from marshmallow import ValidationError
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from app.audit import record
from app.clock import WIB
from app.config import Settings
from app.intake import DuplicateConflict, submit_complaint
from app.models import Faction
from app.reference import Category, areas
from schemas.complaint import ComplaintCreateSchema, categories_context

# A header wider than this is not a complaint sheet.
MAX_COLUMNS = 40
# An XLSX is a zip: what it may inflate to, per byte uploaded (a zip bomb is refused).
MAX_INFLATION = 40
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and .xlsx protected by a password


@dataclass(frozen=True)
class Column:
    """One column of the layout: its key, its Indonesian header and the names also read."""

    key: str
    header: str
    aliases: tuple[str, ...]
    required: bool = False
    doc_id: str = ""
    doc_en: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("external_id", "no_aduan", ("external_id", "nomor_aduan", "id"), True,
           "Nomor aduan posko, unik per fraksi (mengimpor ulang baris yang sama aman).",
           "The posko's own number, unique per faction (re-importing the same row is safe)."),
    Column("category", "kategori", ("category",), True,
           "Kode atau nama kategori (mis. sampah, Jalan Rusak).",
           "Category code or label (e.g. sampah, Damaged road)."),
    Column("title", "judul", ("title",), True, "Judul singkat, satu baris.",
           "Short title, one line."),
    Column("description", "uraian", ("description", "isi", "deskripsi"), True,
           "Uraian aduan.", "What the complaint is about."),
    Column("kelurahan", "kelurahan", ("kelurahan_code", "kode_kelurahan"), True,
           "Kode Kemendagri (31.71.01.1001) atau nama salah satu dari 267 kelurahan.",
           "Kemendagri code (31.71.01.1001) or the name of one of the 267 kelurahan."),
    Column("address", "alamat", ("address",), False, "Alamat lokasi.", "Street address."),
    Column("lat", "lat", ("lintang", "latitude"), False,
           "Lintang (mis. -6.1754); diisi bersama lon.", "Latitude (e.g. -6.1754), with lon."),
    Column("lon", "lon", ("bujur", "longitude", "lng"), False,
           "Bujur (mis. 106.8272); diisi bersama lat.", "Longitude (e.g. 106.8272), with lat."),
    Column("reporter_name", "nama_pelapor", ("reporter_name", "pelapor", "nama"), False,
           "Nama pelapor.", "Reporter's name."),
    Column("reporter_phone", "telepon", ("phone", "reporter_phone", "no_hp", "hp"), False,
           "Nomor telepon pelapor (format sel sebagai Teks).",
           "Reporter's phone (format the cells as Text)."),
    Column("reporter_email", "email", ("e-mail", "reporter_email", "surel"), False,
           "E-mail pelapor.", "Reporter's e-mail."),
    Column("reporter_nik", "nik", ("reporter_nik",), False,
           "NIK pelapor, 16 angka (format sel sebagai Teks).",
           "Reporter's NIK, 16 digits (format the cells as Text)."),
    Column("visibility", "visibilitas", ("visibility",), False,
           "publik, anonim (bawaan) atau rahasia.",
           "public, anonymous (default) or confidential."),
    Column("occurred_at", "tanggal_kejadian", ("occurred_at", "tanggal"), False,
           "Tanggal (dan jam) kejadian, WIB: 2026-11-20 atau 20/11/2026 08:00.",
           "Date (and time) it happened, WIB: 2026-11-20 or 20/11/2026 08:00."),
)
_BY_NAME = {name: c for c in COLUMNS for name in (c.header, c.key, *c.aliases)}
VISIBILITY_WORDS = {
    "publik": "public", "public": "public",
    "anonim": "anonymous", "anonymous": "anonymous",
    "rahasia": "confidential", "confidential": "confidential",
}


class ImportRefused(Exception):
    """The whole file is refused (malformed, oversized, not a sheet): nothing was imported."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_id = message_id
        self.message_en = message_en

    def message(self, lang: str = "id") -> str:
        return self.message_en if lang == "en" else self.message_id


@dataclass(frozen=True)
class CellError:
    """One bad cell: where it is (row number, column letter, header) and what is wrong."""

    row: int
    column: str
    header: str
    message_id: str
    message_en: str

    @property
    def cell(self) -> str:
        """The spreadsheet's own name of the cell, e.g. `C7`."""
        return f"{self.column}{self.row}"

    def message(self, lang: str = "id") -> str:
        return self.message_en if lang == "en" else self.message_id


@dataclass(frozen=True)
class PreviewRow:
    """A row of the sheet: its values as read, and either its complaint or its bad cells."""

    number: int
    values: dict[str, str]
    fields: dict[str, Any] | None
    errors: tuple[CellError, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def external_id(self) -> str:
        return self.values.get("external_id", "")


@dataclass(frozen=True)
class Preview:
    """What an uploaded file holds: its columns (key → letter and header) and its rows."""

    filename: str
    columns: tuple[tuple[str, str, str], ...]  # (key, letter, header as written)
    rows: tuple[PreviewRow, ...]

    @property
    def valid_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.valid]

    @property
    def bad_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if not r.valid]

    @property
    def errors(self) -> list[CellError]:
        return [e for r in self.rows for e in r.errors]


@dataclass(frozen=True)
class ImportedRow:
    """A row stored now, or found stored by an earlier import of the same row."""

    row: int
    external_id: str
    tracking_code: str


@dataclass(frozen=True)
class RefusedRow:
    """A row not imported, and why (its bad cells, or a conflict with what is stored)."""

    row: int
    external_id: str
    errors: tuple[CellError, ...] = ()
    conflict_tracking_code: str | None = None


@dataclass
class ImportReport:
    """What `import_rows` did, row by row."""

    created: list[ImportedRow] = field(default_factory=list)
    unchanged: list[ImportedRow] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)


# --- reading the file ----------------------------------------------------------------------


def parse_upload(
    filename: str,
    data: bytes,
    *,
    categories: Mapping[str, Category],
    max_bytes: int,
    max_rows: int,
) -> Preview:
    """Read an uploaded XLSX or CSV sheet and check every row; refuse a file that is no sheet.

    Raises ImportRefused (and only that) for a file too large, of another format, with macros,
    damaged, without the required columns, or with more than `max_rows` rows. A bad row is not
    a bad file: it is listed in the Preview with each bad cell named.
    """
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data.strip():
        raise ImportRefused("Berkas kosong.", "The file is empty.")
    kind = _kind(filename, data)
    if kind == "xlsx":
        table = _read_xlsx(data, max_bytes, max_rows)
    else:
        table = _read_csv(data, max_rows)
    return _preview(filename, table, categories)


def too_large(max_bytes: int) -> ImportRefused:
    """The refusal of a file over `max_bytes` (also what a view says when the upload itself
    was cut off at that size)."""
    return ImportRefused(
        f"Berkas terlalu besar (maksimal {max_bytes:,} bita). Bagi menjadi beberapa berkas.",
        f"The file is too large (at most {max_bytes:,} bytes). Split it into several files.",
    )


def _kind(filename: str, data: bytes) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in {"xlsm", "xltm", "xlam"}:
        raise _macros()
    if data.startswith(OLE_MAGIC):
        raise ImportRefused(
            "Berkas Excel lama (.xls) atau terkunci kata sandi tidak dapat dibaca. Simpan "
            "sebagai .xlsx (Buku Kerja Excel) atau CSV UTF-8, tanpa kata sandi.",
            "An old Excel file (.xls) or a password-protected one cannot be read. Save it as "
            ".xlsx (Excel Workbook) or CSV UTF-8, without a password.",
        )
    if data.startswith(XLSX_MAGIC):
        if extension not in {"xlsx", ""}:
            raise _other_format(extension)
        return "xlsx"
    if extension in {"csv", "txt", ""}:
        return "csv"
    if extension == "xlsx":
        raise ImportRefused(
            "Berkas ini bukan .xlsx yang utuh (rusak atau berformat lain).",
            "This file is not an intact .xlsx (damaged or of another format).",
        )
    raise _other_format(extension)


def _macros() -> ImportRefused:
    return ImportRefused(
        "Berkas dengan makro (.xlsm) tidak diterima. Simpan sebagai .xlsx (Buku Kerja Excel) "
        "atau CSV UTF-8.",
        "Files with macros (.xlsm) are not accepted. Save as .xlsx (Excel Workbook) or "
        "CSV UTF-8.",
    )


def _other_format(extension: str) -> ImportRefused:
    return ImportRefused(
        f"Format .{extension} tidak didukung: unggah .xlsx atau .csv (UTF-8).",
        f"The .{extension} format is not supported: upload .xlsx or .csv (UTF-8).",
    )


def _damaged(detail: str = "") -> ImportRefused:
    return ImportRefused(
        "Berkas .xlsx tidak dapat dibaca (rusak atau bukan buku kerja Excel). Buka dan "
        "simpan ulang di Excel, atau simpan sebagai CSV UTF-8." + detail,
        "The .xlsx file cannot be read (damaged or not an Excel workbook). Open and save it "
        "again in Excel, or save it as CSV UTF-8." + detail,
    )


def _too_many_rows(max_rows: int) -> ImportRefused:
    return ImportRefused(
        f"Terlalu banyak baris (maksimal {max_rows}). Bagi menjadi beberapa berkas.",
        f"Too many rows (at most {max_rows}). Split it into several files.",
    )


Table = list[tuple[int, list[Any]]]  # (row number in the sheet, cell values), header first


def _read_xlsx(data: bytes, max_bytes: int, max_rows: int) -> Table:
    """The first worksheet's rows, read in openpyxl's read-only, values-only mode."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _damaged() from None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise _macros()
    if inflated > max_bytes * MAX_INFLATION:
        raise _damaged(" (isi terlalu besar / contents too large)")
    # openpyxl meets a damaged workbook with a zoo of exceptions (KeyError, ValueError,
    # zipfile and XML errors, …): whatever it raises while reading means the same thing.
    from openpyxl import load_workbook

    table: Table = []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = list(values[:MAX_COLUMNS + 1])
                if not any(_present(v) for v in cells):
                    continue
                table.append((number, cells))
                if len(table) > max_rows + 1:
                    raise _too_many_rows(max_rows)
        finally:
            workbook.close()
    except ImportRefused:
        raise
    except Exception:  # noqa: BLE001 - see above: any failure to read is a damaged file
        raise _damaged() from None
    return table


def _read_csv(data: bytes, max_rows: int) -> Table:
    """CSV as Excel writes it: UTF-8 (BOM or not), comma or semicolon separated."""
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"Berkas CSV bukan UTF-8 (bita ke-{exc.start + 1}). Di Excel pilih Simpan "
            "Sebagai → \"CSV UTF-8 (dipisahkan koma)\".",
            f"The CSV file is not UTF-8 (byte {exc.start + 1}). In Excel choose Save As → "
            "\"CSV UTF-8 (Comma delimited)\".",
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    table: Table = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, values in enumerate(reader, start=1):
            if not any(v.strip() for v in values):
                continue
            table.append((number, values[:MAX_COLUMNS + 1]))
            if len(table) > max_rows + 1:
                raise _too_many_rows(max_rows)
    except csv.Error as exc:
        raise ImportRefused(
            f"Berkas CSV rusak: {exc}.", f"The CSV file is malformed: {exc}."
        ) from None
    return table


# --- checking the rows ---------------------------------------------------------------------


def _header_name(value: Any) -> str:
    text = "" if value is None else str(value)
    return re.sub(r"[\s\-]+", "_", text.strip().lower()).strip("_")


def _layout(header: list[Any]) -> list[tuple[int, Column, str]]:
    """(index, column, header as written) for each header cell, or ImportRefused."""
    if len(header) > MAX_COLUMNS:
        raise ImportRefused(
            f"Terlalu banyak kolom (maksimal {MAX_COLUMNS}).",
            f"Too many columns (at most {MAX_COLUMNS}).",
        )
    layout: list[tuple[int, Column, str]] = []
    seen: dict[str, str] = {}
    unknown: list[str] = []
    for index, value in enumerate(header):
        name = _header_name(value)
        if not name:
            continue
        column = _BY_NAME.get(name)
        letter = get_column_letter(index + 1)
        if column is None:
            unknown.append(f"{letter}1 \"{str(value).strip()[:40]}\"")
            continue
        if column.key in seen:
            raise ImportRefused(
                f"Kolom {column.header} muncul dua kali ({seen[column.key]} dan {letter}).",
                f"Column {column.header} appears twice ({seen[column.key]} and {letter}).",
            )
        seen[column.key] = letter
        layout.append((index, column, str(value).strip()))
    known = ", ".join(c.header for c in COLUMNS)
    if unknown:
        listed = ", ".join(unknown[:5])
        raise ImportRefused(
            f"Judul kolom tidak dikenal: {listed}. Baris pertama harus memuat judul kolom: "
            f"{known}.",
            f"Unknown column headers: {listed}. The first row must hold the column headers: "
            f"{known}.",
        )
    missing = [c.header for c in COLUMNS if c.required and c.key not in seen]
    if missing:
        raise ImportRefused(
            f"Kolom wajib tidak ada: {', '.join(missing)}. Baris pertama harus memuat judul "
            f"kolom: {known}.",
            f"Required columns missing: {', '.join(missing)}. The first row must hold the "
            f"column headers: {known}.",
        )
    return layout


def _preview(filename: str, table: Table, categories: Mapping[str, Category]) -> Preview:
    if not table:
        raise ImportRefused("Berkas kosong.", "The file is empty.")
    (_, header), body = table[0], table[1:]
    layout = _layout(header)
    if not body:
        raise ImportRefused(
            "Berkas hanya berisi judul kolom, tanpa aduan.",
            "The file holds only the header row, no complaints.",
        )
    columns = tuple((c.key, get_column_letter(i + 1), written) for i, c, written in layout)
    checker = _RowChecker(layout, categories)
    rows: list[PreviewRow] = []
    first_row_of: dict[str, int] = {}
    for number, cells in body:
        row = checker.check(number, cells)
        external_id = row.values.get("external_id", "")
        if external_id and external_id in first_row_of:
            # One file, one complaint per no_aduan: the second would be refused as a conflict.
            where = first_row_of[external_id]
            row = PreviewRow(row.number, row.values, None, row.errors + (checker.error(
                number, "external_id",
                f"Nomor aduan yang sama sudah ada di baris {where}.",
                f"The same complaint number is already in row {where}.",
            ),))
        elif external_id:
            first_row_of[external_id] = number
        rows.append(row)
    return Preview(filename, columns, tuple(rows))


class _RowChecker:
    """Turns one row's cells into the API's fields, through the API's schema."""

    def __init__(self, layout: list[tuple[int, Column, str]],
                 categories: Mapping[str, Category]) -> None:
        self.layout = layout
        self.categories = categories
        self.where = {c.key: (get_column_letter(i + 1), written) for i, c, written in layout}
        # One schema for every row: building one (with its nested schemas) costs more than
        # loading a row with it (bench/console_bulk.py).
        self.schema = ComplaintCreateSchema()
        # The 267 names are unique (app/reference/jakarta-wilayah.csv).
        self.kelurahan_names = {a.name.lower(): a.code for a in areas().of_level("kelurahan")}
        self.category_names: dict[str, str] = {}
        for code, category in categories.items():
            for name in (code, category.label_id, category.label_en):
                self.category_names.setdefault(name.strip().lower(), code)

    def error(self, row: int, key: str, message_id: str, message_en: str) -> CellError:
        letter, written = self.where.get(key, ("A", key))
        return CellError(row, letter, written, message_id, message_en)

    def check(self, number: int, cells: list[Any]) -> PreviewRow:
        raw = {c.key: cells[i] if i < len(cells) else None for i, c, _ in self.layout}
        values = {key: _display(value) for key, value in raw.items()}
        errors: list[CellError] = []
        converted: dict[str, Any] = {}
        for key, value in raw.items():
            if not _present(value):
                continue
            try:
                converted[key] = self._convert(key, value)
            except _CellProblem as problem:
                errors.append(self.error(number, key, problem.message_id, problem.message_en))
        bad = {e.header for e in errors}
        payload = _payload(converted)
        with categories_context(self.categories):
            try:
                fields = self.schema.load(payload)
            except ValidationError as exc:
                fields = None
                for key, message in _flatten(exc.messages):
                    cell = self.error(number, key, *_translate(message))
                    if cell.header not in bad:
                        errors.append(cell)
        if errors:
            ordered = sorted(_unique(errors), key=lambda e: (len(e.column), e.column))
            return PreviewRow(number, values, None, tuple(ordered))
        return PreviewRow(number, values, fields)

    def _convert(self, key: str, value: Any) -> Any:
        if key in {"lat", "lon"}:
            return _number(value)
        if key == "occurred_at":
            return _moment(value)
        if key == "category":
            text = _text(value)
            code = self.category_names.get(text.strip().lower())
            if code is None:
                known = ", ".join(sorted(self.categories))
                raise _CellProblem(
                    f"Kategori tidak dikenal: {text[:60]}. Kategori yang ada: {known}.",
                    f"Unknown category: {text[:60]}. Known categories: {known}.",
                )
            return code
        if key == "kelurahan":
            return _kelurahan(_text(value), self.kelurahan_names)
        if key == "visibility":
            text = _text(value).strip().lower()
            if text not in VISIBILITY_WORDS:
                raise _CellProblem(
                    "Harus salah satu dari: publik, anonim, rahasia.",
                    "Must be one of: public, anonymous, confidential (or publik, anonim, "
                    "rahasia).",
                )
            return VISIBILITY_WORDS[text]
        if key == "reporter_phone":
            return _phone(value)
        if key == "reporter_nik" and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        text = _text(value)
        # A spreadsheet pads cells with spaces nobody means; a multi-line uraian keeps its lines.
        return text.strip()


class _CellProblem(Exception):
    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_id = message_id
        self.message_en = message_en


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _display(value: Any) -> str:
    """A cell as the preview shows it (the value as read, before any conversion)."""
    if value is None:
        return ""
    return _text(value).strip()[:200]


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise _CellProblem("Bukan angka.", "Not a number.")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise _CellProblem(
            "Bukan angka (mis. -6.1754).", "Not a number (e.g. -6.1754)."
        ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _CellProblem("Bukan angka.", "Not a number.")
    return number


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
_TIME_FORMATS = ("", " %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S")


def _moment(value: Any) -> str:
    """A date or date-time cell as RFC 3339; a time without an offset is Jakarta's (WIB)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    elif isinstance(value, time):
        raise _CellProblem("Hanya jam, tanpa tanggal.", "A time without a date.")
    else:
        text = str(value).strip()
        moment = None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            for day in _DATE_FORMATS:
                for clock in _TIME_FORMATS:
                    try:
                        moment = datetime.strptime(text, day + clock)
                        break
                    except ValueError:
                        continue
                if moment is not None:
                    break
        if moment is None:
            raise _CellProblem(
                "Bukan tanggal (tulis 2026-11-20 atau 20/11/2026, boleh dengan jam 08:00).",
                "Not a date (write 2026-11-20 or 20/11/2026, optionally with a time 08:00).",
            )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    if not 2000 <= moment.year <= 2999:
        raise _CellProblem("Tidak boleh sebelum 1 Januari 2000.",
                           "Must not be before 2000-01-01.")
    return moment.isoformat()


def _phone(value: Any) -> str:
    """A phone cell; one stored as a number lost its leading 0 (or +), which is put back."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = _text(value)
        if digits.startswith("62"):
            return "+" + digits
        if digits.startswith("8"):
            return "0" + digits
        return digits
    return _text(value).strip()


def _kelurahan(text: str, by_name: Mapping[str, str]) -> str:
    wanted = text.strip()
    if areas().kelurahan(wanted) is not None:
        return wanted
    name = re.sub(r"^(kelurahan|kel\.?)\s+", "", wanted.lower()).strip()
    if name in by_name:
        return by_name[name]
    raise _CellProblem(
        f"Kelurahan tidak dikenal: {wanted[:60]}. Tulis kodenya (mis. 31.71.01.1001) atau "
        "namanya persis seperti di daftar 267 kelurahan.",
        f"Unknown kelurahan: {wanted[:60]}. Write its code (e.g. 31.71.01.1001) or its name "
        "exactly as in the list of 267 kelurahan.",
    )


def _payload(converted: dict[str, Any]) -> dict[str, Any]:
    """The native API's request body for one row (absent cells are absent fields)."""
    payload: dict[str, Any] = {}
    for key in ("external_id", "category", "title", "description", "visibility",
                "occurred_at"):
        if key in converted:
            payload[key] = converted[key]
    location: dict[str, Any] = {}
    if "kelurahan" in converted:
        location["kelurahan_code"] = converted["kelurahan"]
    for key, target in (("address", "address"), ("lat", "lat"), ("lon", "lon")):
        if key in converted:
            location[target] = converted[key]
    if location:
        payload["location"] = location
    reporter = {target: converted[key] for key, target in (
        ("reporter_name", "name"), ("reporter_phone", "phone"), ("reporter_email", "email"),
        ("reporter_nik", "nik"),
    ) if key in converted}
    if reporter:
        payload["reporter"] = reporter
    return payload


# Where the schema's error paths live in the sheet.
_PATHS = {
    ("external_id",): "external_id",
    ("category",): "category",
    ("title",): "title",
    ("description",): "description",
    ("occurred_at",): "occurred_at",
    ("visibility",): "visibility",
    ("location",): "kelurahan",
    ("location", "kelurahan_code"): "kelurahan",
    ("location", "address"): "address",
    ("location", "lat"): "lat",
    ("location", "lon"): "lon",
    ("reporter", "name"): "reporter_name",
    ("reporter", "phone"): "reporter_phone",
    ("reporter", "email"): "reporter_email",
    ("reporter", "nik"): "reporter_nik",
}


def _flatten(messages: Any, path: tuple[str, ...] = ()) -> Iterable[tuple[str, str]]:
    """(column key, message) for each message in marshmallow's nested error dict."""
    if isinstance(messages, dict):
        for key, inner in messages.items():
            yield from _flatten(inner, (*path, str(key)))
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, path)
    else:
        key = _PATHS.get(path) or _PATHS.get(path[:2]) or _PATHS.get(path[:1]) or "external_id"
        yield key, str(messages)


# The schema's messages (schemas/complaint.py and marshmallow's own), in Indonesian.
_EXACT = {
    "Missing data for required field.": "Wajib diisi.",
    "Field may not be null.": "Wajib diisi.",
    "Not a valid string.": "Bukan teks.",
    "Not a valid number.": "Bukan angka.",
    "Not a valid email address.": "Bukan alamat e-mail yang sah.",
    "Not a phone number.": "Bukan nomor telepon.",
    "A NIK is exactly 16 digits.": "NIK harus tepat 16 angka.",
    "Must not be in the future.": "Tidak boleh di masa depan.",
    "Must not be before 2000-01-01.": "Tidak boleh sebelum 1 Januari 2000.",
    "Give lat and lon together, or neither.": "Isi lat dan lon bersama-sama, atau tidak sama "
                                              "sekali.",
    "Contains control characters.": "Berisi karakter kendali (atau ganti baris pada kolom "
                                    "satu baris).",
    "Contains a NUL character or an invalid code point.": "Berisi karakter NUL atau kode "
                                                          "karakter yang tidak sah.",
    "Contains U+FFFE or U+FFFF, which XML cannot carry.": "Berisi karakter U+FFFE atau U+FFFF.",
    "Not a Jakarta kelurahan code (e.g. 31.71.01.1001).": "Bukan kode kelurahan Jakarta "
                                                          "(mis. 31.71.01.1001).",
}
_PATTERNS = (
    (re.compile(r"Shorter than minimum length (\d+)\."), "Wajib diisi (minimal {0} karakter)."),
    (re.compile(r"Longer than maximum length (\d+)\."), "Terlalu panjang (maksimal {0} "
                                                         "karakter)."),
    (re.compile(r"Not in or near Jakarta \(between (\S+) and (\S+)\)\."),
     "Tidak di Jakarta atau sekitarnya (antara {0} dan {1})."),
    (re.compile(r"Unknown category\. Known categories: (.*)\."),
     "Kategori tidak dikenal. Kategori yang ada: {0}."),
    (re.compile(r"Must be before (\d+)\."), "Harus sebelum tahun {0}."),
    (re.compile(r"Must be one of: (.*)\."), "Harus salah satu dari: {0}."),
)


def _translate(message: str) -> tuple[str, str]:
    """(Indonesian, English) for one of the schema's messages."""
    if message in _EXACT:
        return _EXACT[message], message
    for pattern, indonesian in _PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return indonesian.format(*found.groups()), message
    if message.startswith("Unknown field"):
        return "Kolom tidak dikenal.", message
    return f"Tidak sah: {message}", message


def _unique(errors: list[CellError]) -> list[CellError]:
    seen: set[tuple[str, str]] = set()
    out = []
    for error in errors:
        if (error.column, error.message_en) not in seen:
            seen.add((error.column, error.message_en))
            out.append(error)
    return out


# --- storing the rows ----------------------------------------------------------------------


def import_rows(
    session: Session,
    faction: Faction,
    preview: Preview,
    *,
    categories: Mapping[str, Category],
    actor: str,
    source: str = "import",
    settings: Settings | None = None,
) -> ImportReport:
    """Store the preview's valid rows through the intake; list the rest, row by row.

    A row whose `no_aduan` is stored with the same content is `unchanged` (re-importing a file
    is harmless); stored with other content, it is refused as a conflict naming the stored
    complaint. Bad rows are refused with their cells. Never commits: the caller's commit makes
    the whole import true at once (and an error before it stores nothing). Refuses outright
    (ImportRefused) when the faction is disabled. With `settings`, each row is matched against
    the stored complaints like any intake (app/duplicates.py): the console always passes them.
    """
    if not faction.active:
        raise ImportRefused(
            f"Fraksi {faction.code} dinonaktifkan: aduan dapat dibaca, tetapi tidak dapat "
            "ditambahkan.",
            f"Faction {faction.code} is disabled: it can read its complaints but not add any.",
        )
    report = ImportReport()
    for row in preview.rows:
        if row.fields is None:
            report.refused.append(RefusedRow(row.number, row.external_id, row.errors))
            continue
        try:
            result = submit_complaint(
                session, faction, row.fields, categories=categories, source=source,
                settings=settings,
            )
        except DuplicateConflict as conflict:
            report.refused.append(RefusedRow(
                row.number, row.external_id,
                conflict_tracking_code=conflict.complaint.tracking_code,
            ))
            continue
        stored = ImportedRow(row.number, row.external_id, result.complaint.tracking_code)
        (report.created if result.created else report.unchanged).append(stored)
    record(
        session, actor, "complaints.import", "faction", str(faction.id),
        {
            "file": preview.filename[:200],
            "rows": len(preview.rows),
            "created": len(report.created),
            "unchanged": len(report.unchanged),
            "refused": len(report.refused),
        },
    )
    return report
