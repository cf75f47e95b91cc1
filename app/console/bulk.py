"""Reses in bulk and the export: `/posko/impor` (upload → preview → confirm) and
`/posko/ekspor` (the faction's complaints as CSV or XLSX). The work is app.bulk_import and
app.faction_export; these views only carry files and pages (docs/CONSOLE.md#impor-massal).

Between the preview and the confirmation the uploaded file waits on the server, in a private
temporary directory under a random name the member's own session holds (the cookie carries the
name, never the file); the confirmation reads it again with the same checks, so what is
imported is exactly what was previewed, and a stale or foreign name imports nothing.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Response, current_app, render_template, request, session, stream_with_context
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from app.bulk_import import (
    COLUMNS,
    ImportRefused,
    Preview,
    import_rows,
    parse_upload,
    too_large,
)
from app.clock import WIB, utcnow
from app.console.blueprint import bp
from app.console.filters import parse_filters
from app.console.responses import render_console_error
from app.console.session import (
    actor,
    audit,
    current_faction,
    current_member,
    login_required,
    require_write,
    settings,
)
from app.database import request_session
from app.faction_export import csv_chunks, export_records, xlsx_bytes
from app.lifecycle import STATUSES
from app.public.blueprint import current_locale
from app.reference import areas
from app.wiring import categories_of

# Defaults; JEMBATAN's Flask config may lower or raise them (tests do).
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 1000
# How long an uploaded file waits for its confirmation.
PENDING_TTL_S = 3600
PENDING_KEY = "posko_import"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24)
# What a multipart request adds around the file itself.
FORM_OVERHEAD = 64 * 1024


def _categories() -> dict[str, Any]:
    return categories_of(current_app.extensions["settings"])


def _limits() -> dict[str, int]:
    config = current_app.config
    return {
        "max_bytes": int(config.get("CONSOLE_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)),
        "max_rows": int(config.get("CONSOLE_IMPORT_MAX_ROWS", IMPORT_MAX_ROWS)),
    }


def _pending_dir() -> Path:
    """The private directory where uploaded files wait (created 0700 on first use).

    Shared by the web workers of one host (a name per user, under the system's temporary
    directory); one that another user owns or others may read is never used.
    """
    configured = current_app.config.get("CONSOLE_IMPORT_DIR")
    folder = Path(configured or Path(tempfile.gettempdir()) / f"jembatan-posko-imports-"
                  f"{os.getuid()}")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = folder.stat()
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise RuntimeError(f"{folder} must be a directory of this user, mode 0700")
    return folder


def _forget_old(folder: Path) -> None:
    """Files nobody confirmed within PENDING_TTL_S are removed (each upload sweeps)."""
    limit = time.time() - PENDING_TTL_S
    for path in folder.glob("*.upload"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                path.with_suffix(".json").unlink(missing_ok=True)
        except OSError:
            continue


def _hold(filename: str, data: bytes) -> str:
    """Keep the uploaded file for the confirmation; its random name goes in the session."""
    folder = _pending_dir()
    _forget_old(folder)
    previous = session.get(PENDING_KEY)
    if isinstance(previous, str) and _TOKEN.fullmatch(previous):
        _release(previous)  # one preview per session: the newer upload replaces it
    token = secrets.token_urlsafe(24)
    member = current_member()
    assert member is not None
    meta = {"member": member.id, "faction": member.faction_id, "filename": filename[:200]}
    for suffix, content in ((".upload", data), (".json", json.dumps(meta).encode())):
        descriptor = os.open(folder / f"{token}{suffix}", os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
    session[PENDING_KEY] = token
    return token


def _held(token: str) -> tuple[str, bytes] | None:
    """The held file for `token`, if this session holds it and this member uploaded it."""
    if not _TOKEN.fullmatch(token) or session.get(PENDING_KEY) != token:
        return None
    folder = _pending_dir()
    try:
        meta = json.loads((folder / f"{token}.json").read_bytes())
        data = (folder / f"{token}.upload").read_bytes()
    except (OSError, ValueError):
        return None
    member = current_member()
    if member is None or meta.get("member") != member.id or meta.get("faction") != \
            member.faction_id:
        return None
    return str(meta.get("filename") or "upload"), data


def _release(token: str) -> None:
    folder = _pending_dir()
    for suffix in (".upload", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)
    session.pop(PENDING_KEY, None)


def _lang() -> str:
    return "en" if current_locale() == "en" else "id"


def _form_page(error: str | None = None, status: int = 200) -> Response:
    body = render_template("console/import.html", columns=COLUMNS, error=error,
                           limits=_limits())
    return Response(body, status=status, mimetype="text/html")


@bp.get("/impor")
@login_required()
def import_form() -> Any:
    """The upload form, with the sheet's layout."""
    return _form_page()


@bp.before_app_request
def _upload_limit() -> None:
    """The upload's own size limit, set before anything (the CSRF check) reads the form."""
    if request.endpoint == "console.import_upload":
        request.max_content_length = _limits()["max_bytes"] + FORM_OVERHEAD


@bp.errorhandler(RequestEntityTooLarge)
def _uploadtoo_large(error: RequestEntityTooLarge) -> Response:
    """A file over the limit: the import form again, saying so (nothing was read)."""
    if request.endpoint == "console.import_upload":
        return _form_page(too_large(_limits()["max_bytes"]).message(_lang()), status=413)
    return render_console_error(413, "Too large", "")


@bp.post("/impor")
@login_required()
def import_upload() -> Any:
    """Read an uploaded sheet and show its preview: valid rows, and each bad cell by name."""
    require_write()
    limits = _limits()
    lang = _lang()
    upload = request.files.get("berkas")
    if upload is None or not upload.filename:
        return _form_page(_("Choose an .xlsx or .csv file to upload."), status=400)
    data = upload.stream.read(limits["max_bytes"] + 1)
    if len(data) > limits["max_bytes"]:
        return _form_page(too_large(limits["max_bytes"]).message(lang), status=413)
    try:
        preview = parse_upload(upload.filename, data, categories=_categories(), **limits)
    except ImportRefused as refused:
        return _form_page(refused.message(lang), status=400)
    try:
        token = _hold(upload.filename, data) if preview.valid_rows else ""
    except (OSError, RuntimeError) as exc:
        current_app.logger.error("console import: cannot hold the upload: %s", exc)
        return _form_page(_("The server cannot hold the file for now; nothing was imported. "
                            "Tell Jembatan's operators."), status=503)
    return _preview_page(preview, token)


def _expired_form(**_view_args: Any) -> Response:
    """Shown for an upload or confirmation whose form had expired (CSRF): nothing was read."""
    return _form_page(_("This form had expired, so nothing was imported. Upload the file "
                        "again."), status=400)


def _preview_page(preview: Preview, token: str) -> Response:
    body = render_template("console/import_preview.html", preview=preview, token=token)
    return Response(body, mimetype="text/html")


@bp.post("/impor/konfirmasi")
@login_required()
def import_confirm() -> Any:
    """Import the previewed file's valid rows; list the rest, row by row."""
    require_write()
    lang = _lang()
    token = request.form.get("token", "")
    held = _held(token)
    if held is None:
        return _form_page(_("This preview has expired or was already imported. Upload the "
                            "file again."), status=409)
    filename, data = held
    categories = _categories()
    try:
        preview = parse_upload(filename, data, categories=categories, **_limits())
        db_session = request_session()
        report = import_rows(db_session, current_faction(), preview, categories=categories,
                             actor=actor(), settings=settings())
        db_session.commit()
    except ImportRefused as refused:
        request_session().rollback()
        _release(token)
        return _form_page(refused.message(lang), status=400)
    _release(token)
    body = render_template("console/import_report.html", report=report, preview=preview)
    return Response(body, mimetype="text/html")


# The CSRF refusal (app.console.session) shows these instead of a bare error page.
import_upload.redisplay = _expired_form  # type: ignore[attr-defined]
import_confirm.redisplay = _expired_form  # type: ignore[attr-defined]


@bp.get("/impor/contoh.csv")
@login_required()
def import_example() -> Response:
    """A sheet to start from: the headers and one example row."""
    example = {
        "no_aduan": "RESES-2026-001", "kategori": "sampah", "judul": "Sampah menumpuk",
        "uraian": "Sudah seminggu tidak diangkut.", "kelurahan": "Gambir",
        "alamat": "Jl. Contoh No. 1", "lat": "-6.1754", "lon": "106.8272",
        "nama_pelapor": "", "telepon": "", "email": "", "nik": "", "visibilitas": "anonim",
        "tanggal_kejadian": "2026-11-20",
    }
    header = ",".join(c.header for c in COLUMNS)
    row = ",".join(example[c.header] for c in COLUMNS)
    response = Response(f"\ufeff{header}\r\n{row}\r\n", mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="contoh-impor-aduan.csv"'
    return response


# --- export ---------------------------------------------------------------------------------

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _export_page(errors: dict[str, str] | None = None, status: int = 200) -> Response:
    categories = _categories()
    body = render_template(
        "console/export.html", errors=errors or {}, args=request.args, categories=categories,
        statuses=list(STATUSES), agencies=sorted({c.agency for c in categories.values()}),
        kotas=sorted(areas().of_level("kota"), key=lambda a: a.code),
    )
    return Response(body, status=status, mimetype="text/html")


@bp.get("/ekspor")
@login_required()
def export() -> Any:
    """The faction's complaints as CSV or XLSX (`format`), with the list's filters."""
    kind = (request.args.get("format") or "").strip().lower()
    if not kind:
        return _export_page()
    if kind not in FORMATS:
        return _export_page({"format": _("The format must be csv or xlsx.")}, status=400)
    categories = _categories()
    # The list's own filters (app.console.filters), so an export is exactly "this list".
    listed = parse_filters(request.args, categories)
    if listed.errors:
        return _export_page(listed.errors, status=400)
    filters = listed.criteria()
    faction = current_faction()
    faction_id, code = faction.id, faction.code
    # Reporter data leaves the gateway: who took which complaints goes to the audit log first.
    audit("complaints.export", "faction", str(faction_id),
          {"format": kind, "filters": {k: v for k, v in request.args.items() if k != "lang"}})
    request_session().commit()
    stamp = utcnow().astimezone(WIB).strftime("%Y%m%d-%H%M")
    filename = f"aduan-{code.lower()}-{stamp}.{kind}"
    db = current_app.extensions["db"]
    if kind == "xlsx":
        with db.session() as export_session:
            data = xlsx_bytes(export_records(export_session, faction_id, filters, categories),
                              title=f"Aduan {code}")
        response = Response(data, mimetype=FORMATS["xlsx"])
    else:
        def generate() -> Iterator[str]:
            with db.session() as export_session:
                yield from csv_chunks(export_records(export_session, faction_id, filters,
                                                     categories))

        response = Response(stream_with_context(generate()), mimetype="text/csv")
        response.headers["Content-Type"] = FORMATS["csv"]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

