"""The faction's complaints: the list with filters, one complaint, and entering a new one.

A new complaint is checked by the native API's own schema (schemas.complaint) and stored by
the same intake as every other surface (app.intake.submit_complaint), so the console can
accept nothing the API would refuse. Only the member's faction is ever read: another
faction's complaint is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import WIB, utcnow
from app.console.blueprint import bp
from app.console.filters import faction_query, list_cursor, parse_filters
from app.console.places import kelurahan_choices, kota_choices, resolve_kelurahan
from app.console.responses import console_url
from app.console.session import (
    audit,
    can_write,
    current_member,
    login_required,
    require_write,
    settings,
)
from app.database import request_session
from app.duplicates import possible_duplicates
from app.errors import flatten_messages
from app.intake import DuplicateConflict, submit_complaint
from app.lifecycle import STATUSES
from app.models import VISIBILITIES, Complaint, ConsoleSeen, Faction, StatusEvent
from app.projection import is_public
from app.status_link import status_link
from app.wiring import categories_of
from schemas.complaint import ComplaintCreateSchema, categories_context

PAGE_SIZE = 50
SOURCE = "console"

# The form's fields, in order, and where each sits in the API's complaint document.
FORM_FIELDS = {
    "category": "category",
    "title": "title",
    "description": "description",
    "occurred_at": "occurred_at",
    "kelurahan": "location.kelurahan_code",
    "address": "location.address",
    "lat": "location.lat",
    "lon": "location.lon",
    "reporter_name": "reporter.name",
    "reporter_phone": "reporter.phone",
    "reporter_email": "reporter.email",
    "reporter_nik": "reporter.nik",
    "visibility": "visibility",
}
FIELD_LABELS = {
    "category": _l("Category"),
    "title": _l("Short title"),
    "description": _l("What happened"),
    "occurred_at": _l("When it happened (optional)"),
    "kelurahan": _l("Kelurahan"),
    "address": _l("Address or landmark (optional)"),
    "lat": _l("Latitude (optional)"),
    "lon": _l("Longitude (optional)"),
    "reporter_name": _l("Name"),
    "reporter_phone": _l("Phone / WhatsApp"),
    "reporter_email": _l("E-mail"),
    "reporter_nik": _l("NIK"),
    "visibility": _l("Who may see this complaint"),
    "external_id": _l("Form id"),
}
_FIELD_OF_PATH = {path: name for name, path in FORM_FIELDS.items()}
_FIELD_OF_PATH.update({"location": "kelurahan", "reporter": "reporter_name"})

# The API schema's messages, in the member's language (others are shown as they are).
SCHEMA_MESSAGES = {
    "Missing data for required field.": _l("Required."),
    "Field may not be null.": _l("Required."),
    "Not a valid email address.": _l("Not an e-mail address."),
    "Not a phone number.": _l("Not a phone number."),
    "A NIK is exactly 16 digits.": _l("A NIK is exactly 16 digits."),
    "Not a Jakarta kelurahan code (e.g. 31.71.01.1001).": _l("Pick a kelurahan from the list."),
    "Must not be in the future.": _l("Must not be in the future."),
    "Contains control characters.": _l("Contains control characters."),
    "Give lat and lon together, or neither.": _l("Give latitude and longitude together, or "
                                                 "neither."),
    "Shorter than minimum length 1.": _l("Required."),
}
_TOO_LONG = re.compile(r"^Longer than maximum length (\d+)\.$")
_LENGTH = re.compile(r"^Length must be between (\d+) and (\d+)\.$")
_NOT_NEAR = re.compile(r"^Not in or near Jakarta")


def _message(text: str) -> str:
    if text in SCHEMA_MESSAGES:
        return str(SCHEMA_MESSAGES[text])
    too_long = _TOO_LONG.match(text)
    if too_long:
        return _("At most %(n)s characters.", n=too_long.group(1))
    length = _LENGTH.match(text)
    if length:
        return _("Required; at most %(n)s characters.", n=length.group(2))
    if _NOT_NEAR.match(text):
        return _("Not in or near Jakarta.")
    if text.startswith("Unknown category"):
        return _("Pick a category from the list.")
    return text


def categories() -> dict[str, Any]:
    return categories_of(settings())


# --- the list ------------------------------------------------------------------------


@bp.route("/aduan")
@login_required()
def complaints() -> Response:
    """The faction's complaints, newest first, with filters and search."""
    member = current_member()
    assert member is not None
    filters = parse_filters(request.args, categories())
    db = request_session()
    query = faction_query(member.faction_id, filters, categories()).limit(PAGE_SIZE + 1)
    rows = list(db.scalars(query))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    seen = _seen_seqs(db, member.id, [c.id for c in rows])
    next_url = None
    if more:
        next_url = console_url("console.complaints", **filters.args,
                               sebelum=list_cursor(rows[-1]))
    # The agencies the categories name (configuration, no scan of the faction's complaints),
    # and the one asked for if the CRM named another.
    agencies = sorted({c.agency for c in categories().values()} | (
        {filters.agency} if filters.agency else set()))
    body = render_template(
        "console/complaints.html",
        complaints=rows, seen=seen, filters=filters, next_url=next_url,
        statuses=list(STATUSES), categories=categories(), agencies=agencies,
        kotas=kota_choices(), kelurahans=kelurahan_choices(),
        kelurahan_text=request.args.get("kelurahan", ""),
    )
    return Response(body, status=400 if filters.errors else 200, mimetype="text/html")


def _seen_seqs(db: Session, account_id: int, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    return dict(db.execute(
        select(ConsoleSeen.complaint_id, ConsoleSeen.seq).where(
            ConsoleSeen.account_id == account_id, ConsoleSeen.complaint_id.in_(ids)
        )
    ).all())


def _mark_seen(db: Session, account_id: int, complaint: Complaint) -> int | None:
    """Remember how far the member has read the complaint; what they had read before."""
    row = db.scalars(select(ConsoleSeen).where(
        ConsoleSeen.account_id == account_id, ConsoleSeen.complaint_id == complaint.id
    )).first()
    before = row.seq if row is not None else None
    if row is None:
        db.add(ConsoleSeen(account_id=account_id, complaint_id=complaint.id, seq=complaint.seq,
                           seen_at=utcnow()))
    elif row.seq != complaint.seq:
        row.seq = complaint.seq
        row.seen_at = utcnow()
    return before


# --- one complaint ---------------------------------------------------------------------


def faction_complaint(db: Session, faction_id: int, tracking_code: str) -> Complaint:
    """The faction's complaint with this code; any other (or none) is a 404."""
    complaint = db.scalars(select(Complaint).where(
        Complaint.tracking_code == tracking_code.upper()[:16],
        Complaint.faction_id == faction_id,
    )).first()
    if complaint is None:
        abort(404)
    return complaint


@bp.route("/aduan/<tracking_code>")
@login_required()
def complaint(tracking_code: str) -> Response:
    """One complaint: its facts, reporter, timeline and the reporter's status link."""
    member = current_member()
    assert member is not None
    db = request_session()
    found = faction_complaint(db, member.faction_id, tracking_code)
    events = list(db.scalars(
        select(StatusEvent).where(StatusEvent.complaint_id == found.id).order_by(StatusEvent.seq)
    ))
    seen_before = _mark_seen(db, member.id, found)
    audit("console.complaint_viewed", "complaint", str(found.id))
    db.commit()
    link = status_link(settings().PUBLIC_URL, found)
    message = reporter_message(found, link)
    body = render_template(
        "console/complaint.html", complaint=found, events=events, seen_before=seen_before,
        link=link, message=message, whatsapp=whatsapp_link(message, found.reporter_phone),
        categories=categories(), visibility_texts=visibility_texts(),
    )
    return Response(body, mimetype="text/html")


def reporter_message(complaint: Complaint, link: str) -> str:
    """The ready-to-send message for the reporter (in Indonesian, the reporter's language)."""
    greeting = f"Halo {complaint.reporter_name}," if complaint.reporter_name else "Halo,"
    return (
        f"{greeting} aduan Anda sudah kami catat dan teruskan ke Pemerintah Provinsi DKI "
        f"Jakarta dengan kode lacak {complaint.tracking_code}. Ikuti perkembangannya di "
        f"{link} (tautan ini khusus untuk Anda, jangan dibagikan). "
        f"Salam, Posko {complaint.faction.name}"
    )


def whatsapp_link(message: str, phone: str | None) -> str:
    """A wa.me share link: the member's own WhatsApp opens with the message written (to the
    reporter's number when it reads as an Indonesian mobile number)."""
    number = ""
    digits = re.sub(r"[^0-9+]", "", phone or "")
    if digits.startswith("+62"):
        number = digits[1:]
    elif digits.startswith("62"):
        number = digits
    elif digits.startswith("08"):
        number = "62" + digits[1:]
    if not re.fullmatch(r"62\d{8,13}", number):
        number = ""
    return f"https://wa.me/{number}?text={quote(message, safe='')}"


# --- entering a complaint ------------------------------------------------------------------


def visibility_texts() -> dict[str, str]:
    """What each visibility means, in plain words."""
    return {
        "public": _("Public: shown on the public site with its text and photos. Names, phone "
                    "numbers, NIK and e-mail addresses are removed; the reporter is never "
                    "named."),
        "anonymous": _("Anonymous (the usual choice): shown on the public site with its text "
                       "but without photos; the reporter is never named."),
        "confidential": _("Confidential: never shown on the public site, only counted in the "
                          "totals. The CRM still receives it to act on it."),
    }


def duplicate_suggestions(db: Session, faction: Faction, fields: dict[str, Any]
                          ) -> list[dict[str, Any]]:
    """Stored complaints that may be the same problem, shown before storing (app.duplicates).

    The faction's own complaints show their title; another faction's show only what the
    public site shows of it (its redacted title, never a confidential one), so the console
    reveals nothing of other factions' reporters.
    """
    found = []
    for complaint, match in possible_duplicates(db, fields, settings()):
        own = complaint.faction_id == faction.id
        if not own and not is_public(complaint.visibility):
            continue
        found.append({
            "tracking_code": complaint.tracking_code,
            "title": complaint.title if own else complaint.public_title,
            "faction": complaint.faction.name,
            "status": complaint.status,
            "linked": match.verdict == "linked",
            "own": own,
        })
    return found


@bp.route("/aduan/baru", methods=["GET", "POST"])
@login_required()
def new_complaint() -> Response:
    """Enter a complaint taken at the posko (desk, phone, WhatsApp, reses)."""
    require_write()
    if request.method == "GET":
        return complaint_form_page()
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    form["external_id"] = request.form.get("external_id", "")
    fields, errors = read_complaint_form(form)
    if errors:
        return complaint_form_page(draft=form, errors=errors, status=422)
    member = current_member()
    assert member is not None
    db = request_session()
    faction = member.faction
    # A form sent again (its external id stored already) replays; it suggests nothing.
    resent = db.scalar(select(Complaint.id).where(
        Complaint.faction_id == faction.id, Complaint.external_id == fields["external_id"]))
    suggestions = [] if resent else duplicate_suggestions(db, faction, fields)
    if suggestions and request.form.get("confirm_new") != "1":
        return complaint_form_page(draft=form, suggestions=suggestions)
    try:
        result = submit_complaint(db, faction, fields, categories=categories(), source=SOURCE,
                                  settings=settings())
    except DuplicateConflict as conflict:
        db.rollback()
        flash(_("This form was already sent (as %(code)s) with other content. Open that "
                "complaint, or enter a new one.", code=conflict.complaint.tracking_code), "warn")
        return redirect(console_url("console.complaint",
                                    tracking_code=conflict.complaint.tracking_code))
    complaint = result.complaint
    if result.created:
        db.flush()
        _mark_seen(db, member.id, complaint)
        audit("console.complaint_submitted", "complaint", str(complaint.id),
              {"tracking_code": complaint.tracking_code})
    db.commit()
    flash(_("Complaint %(code)s is stored and will be forwarded to the CRM. Send the reporter "
            "their status link below.", code=complaint.tracking_code), "ok")
    return redirect(console_url("console.complaint", tracking_code=complaint.tracking_code))


def _redisplay_new_complaint(**_view_args: Any) -> Response:
    """After a CSRF refusal: the same form, as typed, with a fresh token."""
    from flask import g

    draft = g.get("console_draft") or {}
    return complaint_form_page(draft=draft, status=400, expired=True)


new_complaint.redisplay = _redisplay_new_complaint  # type: ignore[attr-defined]


def complaint_form_page(draft: dict[str, str] | None = None, restored: bool = False,
                        errors: dict[str, list[str]] | None = None, status: int = 200,
                        suggestions: list[Any] | None = None,
                        expired: bool = False) -> Response:
    """The complaint form, empty or as the member typed it, every refused field named."""
    draft = dict(draft or {})
    if not draft.get("external_id"):
        # The form's own id: sending it twice (a double tap, a reload) stores it once.
        draft["external_id"] = f"posko-{uuid.uuid4().hex}"
    draft.setdefault("visibility", "anonymous")
    body = render_template(
        "console/complaint_form.html", draft=draft, errors=errors or {}, restored=restored,
        expired=expired, suggestions=suggestions or [], categories=categories(),
        kelurahans=kelurahan_choices(), visibilities=VISIBILITIES,
        visibility_texts=visibility_texts(), can_write=can_write(),
        field_labels={k: str(v) for k, v in FIELD_LABELS.items()},
    )
    return Response(body, status=status, mimetype="text/html")


def read_complaint_form(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The form as the API's complaint document, validated by the API's schema; or the
    messages by form field (every field is checked, not just the first bad one)."""
    errors: dict[str, list[str]] = {}
    value = {k: (v or "").strip() for k, v in form.items()}
    location: dict[str, Any] = {"kelurahan_code": ""}
    choice, candidates = resolve_kelurahan(value.get("kelurahan", ""))
    if choice is not None:
        location["kelurahan_code"] = choice.code
    elif value.get("kelurahan"):
        names = "; ".join(c.label for c in candidates[:5])
        errors["kelurahan"] = [
            _("Several kelurahan match; pick one: %(names)s.", names=names) if candidates
            else _("No kelurahan of that name in Jakarta; pick one from the list.")
        ]
    if value.get("address"):
        location["address"] = form.get("address", "").strip()
    for name in ("lat", "lon"):
        if value.get(name):
            try:
                location[name] = float(value[name].replace(",", "."))
            except ValueError:
                errors[name] = [_("Not a number (e.g. -6.1754).")]
    document: dict[str, Any] = {
        "external_id": value.get("external_id") or "",
        "category": value.get("category", ""),
        "title": value.get("title", ""),
        "description": form.get("description", "").strip(),
        "location": location,
        "visibility": value.get("visibility") or "anonymous",
    }
    if value.get("occurred_at"):
        try:
            moment = datetime.fromisoformat(value["occurred_at"])
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=WIB)
            document["occurred_at"] = moment.isoformat()
        except ValueError:
            errors["occurred_at"] = [_("Use a date and time like 2026-11-29 08:30.")]
    reporter = {key: value.get(f"reporter_{key}") or None
                for key in ("name", "phone", "email", "nik")}
    if any(reporter.values()):
        document["reporter"] = reporter
    try:
        with categories_context(categories()):
            fields = ComplaintCreateSchema().load(document)
    except ValidationError as error:
        for path, messages in flatten_messages(error.messages).items():
            name = _FIELD_OF_PATH.get(path, path)
            if name in errors:  # already explained above (e.g. an unreadable number)
                continue
            if name == "kelurahan" and not value.get("kelurahan"):
                messages = ["Missing data for required field."]
            errors.setdefault(name, []).extend(_message(m) for m in messages)
        return {}, errors
    if errors:
        return {}, errors
    return fields, {}
