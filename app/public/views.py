"""Pages of the transparency site; every query is bounded by a page size or an index."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import Select, select, text, tuple_
from sqlalchemy.orm import Session

from app.clock import WIB, isoformat, utcnow
from app.database import request_session
from app.lifecycle import STATUSES, TERMINAL, status_label
from app.models import Complaint, Faction
from app.models.complaint import PUBLIC_OVERDUE_SQL
from app.projection import (
    PublicComplaint,
    find_public,
    find_tracked,
    from_row,
    public_complaints,
    read_public,
    recent_events,
    timeline,
    without_notes,
)
from app.public import bp, charts, current_locale
from app.public.opendata import FIELDS, csv_header, csv_lines, public_record
from app.reference import areas, load_categories
from app.statistics import agencies_of, read_breakdown, read_figures, recent_weeks
from schemas.xmlchars import drop_xml_invalid

PAGE_SIZE = 25
EXPORT_BATCH = 1000
PAGE_MAX_AGE = 60


# Helpers ----------------------------------------------------------------------------------


def categories() -> dict[str, Any]:
    """The configured categories."""
    return load_categories(current_app.config["JEMBATAN_CATEGORIES_FILE"])


def lang_url(endpoint: str, **values: Any) -> str:
    """`url_for` that keeps the visitor's language."""
    if current_locale() == "en":
        values.setdefault("lang", "en")
    return url_for(endpoint, **values)


def switch_lang_url(lang: str) -> str:
    """This page in another language."""
    args = request.args.to_dict()
    args.pop("lang", None)
    if lang == "en":
        args["lang"] = "en"
    endpoint = request.endpoint or "public.dashboard"
    return url_for(endpoint, **(request.view_args or {}), **args)


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    lang = current_locale() if request else "id"
    return {
        "lang": lang,
        "lang_url": lang_url,
        "switch_lang_url": switch_lang_url,
        "status_label": lambda s: status_label(s, lang),
        "category_label": lambda c: (categories()[c].label(lang) if c in categories() else c),
        "area_name": lambda code: areas().name(code),
        "short_area_name": short_area_name,
        "STATUSES": STATUSES,
        "TERMINAL": TERMINAL,
    }


def short_area_name(name: str) -> str:
    """`Jakarta Selatan` for `Kota Administrasi Jakarta Selatan` (lists and tables)."""
    return name.removeprefix("Kota Administrasi ").removeprefix("Kabupaten Administrasi ")


def bad_request(message: str) -> None:
    """Stop with a 400 that names what was wrong, in the site's own page."""
    g.public_error_detail = message
    abort(400)


def not_found(message: str | None = None) -> None:
    g.public_error_detail = message or _("There is no public complaint or page at this address.")
    abort(404)


def cached_page(body: str, max_age: int = PAGE_MAX_AGE) -> Response:
    """An HTML response with an ETag (304 on a match) and a short shared cache lifetime."""
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.add_etag()
    return response.make_conditional(request)


def faction_codes(session: Session) -> dict[int, Faction]:
    """Factions by id (a small table)."""
    return {f.id: f for f in session.scalars(select(Faction).order_by(Faction.code))}


# Filters and keyset pagination ------------------------------------------------------------


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
        filters.cursor = decode_cursor(cursor)
    if args.get("lang") == "en":
        kept["lang"] = "en"
    filters.args = kept
    return filters


def encode_cursor(complaint: PublicComplaint) -> str:
    """The position after `complaint` in newest-first order, opaque to the visitor."""
    raw = f"{complaint.created_at.isoformat()}|{complaint.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """Read a cursor; a damaged one is a 400."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _sep, ident = raw.partition("|")
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, uuid.UUID(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
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


# Pages ------------------------------------------------------------------------------------


@bp.get("/")
def dashboard() -> Response:
    """The dashboard: totals, statuses, speed, breakdowns, trend, overdue complaints."""
    session = request_session()
    weeks = recent_weeks(12)
    figures = read_figures(session, weeks=weeks)
    factions = faction_codes(session)
    by_code = {f.code: f for f in factions.values()}
    lang = current_locale()
    known = areas()
    labels = {
        "faction": lambda v: by_code[v].code if v in by_code else v,
        "category": lambda v: categories()[v].label(lang) if v in categories() else v,
        "kota": lambda v: short_area_name(known.name(v)),
        "agency": lambda v: v,
    }
    links = {
        "faction": lambda v: lang_url("public.faction", code=v),
        "category": lambda v: lang_url("public.complaints", kategori=v),
        "kota": lambda v: lang_url("public.complaints", kota=v),
        "agency": lambda v: None,
    }
    tables = {}
    for dimension, label in labels.items():
        breakdown = read_breakdown(session, dimension)
        rows = sorted(breakdown.items(), key=lambda item: (-item[1].total, item[0]))
        tables[dimension] = [(label(v), f, links[dimension](v)) for v, f in rows]
    overdue = read_public(
        session,
        public_complaints().where(text(PUBLIC_OVERDUE_SQL))
        .order_by(Complaint.created_at.asc(), Complaint.id.asc()).limit(6),
    )
    body = render_template(
        "public/dashboard.html",
        figures=figures,
        tables=tables,
        status_bar=charts.status_bar(figures.by_status),
        trend=charts.weekly_trend(weeks, figures.received_weeks, figures.resolved_weeks),
        overdue=overdue,
        computed_at=utcnow().replace(second=0, microsecond=0),  # stable ETag per minute
    )
    return cached_page(body)


@bp.get("/aduan")
def complaints() -> Response:
    """The list of public complaints, filtered, newest first, PAGE_SIZE at a time."""
    session = request_session()
    filters = parse_filters(session, request.args)
    rows = read_public(session, filtered_query(filters).limit(PAGE_SIZE + 1))
    page, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    next_args = dict(filters.args, sebelum=encode_cursor(page[-1])) if more else None
    known = areas()
    kecamatan_choices = [
        a for a in known.of_level("kecamatan") if not filters.kota or a.parent_code == filters.kota
    ]
    parent = filters.kecamatan or (
        known.by_code[filters.kelurahan].parent_code if filters.kelurahan else ""
    )
    kelurahan_choices = [a for a in known.of_level("kelurahan") if parent and
                         a.parent_code == parent]
    body = render_template(
        "public/complaints.html",
        complaints=page,
        filters=filters,
        next_url=url_for("public.complaints", **next_args) if next_args else None,
        first_url=url_for("public.complaints", **filters.args) if filters.cursor else None,
        factions=sorted(faction_codes(session).values(), key=lambda f: f.code),
        categories=categories(),
        kotas=sorted(known.of_level("kota"), key=lambda a: a.code),
        kecamatans=sorted(kecamatan_choices, key=lambda a: a.name),
        kelurahans=sorted(kelurahan_choices, key=lambda a: a.name),
        export_args={k: v for k, v in filters.args.items() if k != "lang"},
    )
    return cached_page(body)


@bp.get("/aduan/cari")
def search() -> Response:
    """Find a complaint by its tracking code (the header's search box)."""
    raw = (request.args.get("kode") or "").strip().upper().replace(" ", "")
    if not raw:
        return redirect(lang_url("public.complaints"))
    code = raw if raw.startswith("JBT-") else f"JBT-{raw.removeprefix('JBT')}"
    complaint = find_public(request_session(), code)
    if complaint is None:
        # A confidential complaint is "not found" too: its existence is not public.
        # The error page puts the code back in the search box, tied to this message.
        g.search_code = raw[:20]
        not_found(_("No public complaint has the tracking code %(code)s.", code=raw[:20]))
    return redirect(lang_url("public.complaint", tracking_code=complaint.tracking_code))


@bp.get("/aduan/<tracking_code>")
def complaint(tracking_code: str) -> Response:
    """One public complaint: its public text, place, faction, agency, deadline, timeline."""
    session = request_session()
    found = find_public(session, tracking_code.upper())
    if found is None:
        not_found(_("No public complaint has the tracking code %(code)s.",
                    code=tracking_code[:20]))
    body = render_template(
        "public/complaint.html",
        complaint=found,
        events=timeline(session, found.id),
        category=categories().get(found.category),
    )
    return cached_page(body)


@bp.get("/lacak/<tracking_code>/<secret>")
def track(tracking_code: str, secret: str) -> Response:
    """The reporter's private status link: timeline and deadline only, even if confidential."""
    session = request_session()
    found = find_tracked(session, tracking_code.upper())
    expected = found[2] if found is not None else "x" * 24
    # Compared in constant time, and compared even when the code is unknown.
    if not hmac.compare_digest(secret.encode(), expected.encode()) or found is None:
        not_found(_("This status link is not valid."))
    tracked, public, _secret = found
    events = timeline(session, tracked.id)
    if not public:
        # A CRM note may quote a confidential complaint: its holder sees statuses and dates.
        events = without_notes(events)
    body = render_template("public/track.html", complaint=tracked, events=events, public=public)
    response = Response(body, mimetype="text/html")
    # The link is a secret: no shared caches, no referrer, no search engines.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/fraksi/<code>")
def faction(code: str) -> Response:
    """One faction's page: its figures, trend and newest public complaints."""
    session = request_session()
    found = session.scalars(select(Faction).where(Faction.code == code.upper())).first()
    if found is None:
        not_found(_("There is no faction with the code %(code)s.", code=code[:20]))
    weeks = recent_weeks(12)
    figures = read_figures(session, "faction", found.code, weeks=weeks)
    latest = read_public(
        session,
        public_complaints().where(Complaint.faction_id == found.id)
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(10),
    )
    body = render_template(
        "public/faction.html",
        faction=found,
        figures=figures,
        status_bar=charts.status_bar(figures.by_status),
        trend=charts.weekly_trend(weeks, figures.received_weeks, figures.resolved_weeks),
        complaints=latest,
        computed_at=utcnow().replace(second=0, microsecond=0),  # stable ETag per minute
    )
    return cached_page(body)


@bp.get("/metodologi")
def methodology() -> Response:
    """How each figure is computed."""
    return cached_page(render_template("public/methodology.html"), max_age=3600)


@bp.get("/aksesibilitas")
def accessibility() -> Response:
    """The accessibility statement: the standard, what is tested, known gaps, where to report."""
    contact = current_app.config["JEMBATAN_PUBLIC_CONTACT"]
    href = contact if contact.startswith("https://") else f"mailto:{contact}"
    body = render_template("public/accessibility.html", contact=contact, contact_href=href)
    return cached_page(body, max_age=3600)


@bp.get("/data")
def open_data() -> Response:
    """The open data: formats, licence and every field."""
    return cached_page(render_template("public/data.html", fields=FIELDS), max_age=3600)


# Open data and feed -----------------------------------------------------------------------


def _export_batches(filters: ListFilters, base: str) -> Iterator[list[dict[str, Any]]]:
    """Public records matching `filters`, EXPORT_BATCH at a time, with their own session."""
    db = current_app.extensions["db"]
    agencies = agencies_of(categories())
    with db.session() as session:
        while True:
            rows = session.execute(filtered_query(filters).limit(EXPORT_BATCH)).all()
            if rows:
                yield [public_record(from_row(r), base, agencies) for r in rows]
            if len(rows) < EXPORT_BATCH:
                return
            filters.cursor = (rows[-1].created_at, rows[-1].id)
            # Between batches no transaction stays open: a long download holds no snapshot.
            session.rollback()


def _export_filters() -> ListFilters:
    filters = parse_filters(request_session(), request.args)
    request_session().close()  # the stream uses its own session
    return filters


def _stream_headers(response: Response, filename: str) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={PAGE_MAX_AGE}"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/data/aduan.csv")
def export_csv() -> Response:
    """Every public complaint as CSV (UTF-8, header row), streamed; list filters apply."""
    filters = _export_filters()
    base = current_app.config["JEMBATAN_PUBLIC_URL"]

    def generate() -> Iterator[str]:
        yield csv_header()
        for batch in _export_batches(filters, base):
            yield csv_lines(batch)

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    return _stream_headers(response, "aduan.csv")


@bp.get("/data/aduan.json")
def export_json() -> Response:
    """Every public complaint as JSON `{"fields", "items"}`, streamed; list filters apply."""
    filters = _export_filters()
    base = current_app.config["JEMBATAN_PUBLIC_URL"]

    def generate() -> Iterator[str]:
        head = {
            "generated_at": isoformat(utcnow()),
            "license": "CC BY 4.0",
            "documentation": base.rstrip("/") + "/data",
            "fields": [f.name for f in FIELDS],
        }
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "items": ['
        separator = ""
        for batch in _export_batches(filters, base):
            yield separator + ",\n".join(json.dumps(r, ensure_ascii=False) for r in batch)
            separator = ",\n"
        yield "]}\n"

    response = Response(stream_with_context(generate()), mimetype="application/json")
    return _stream_headers(response, "aduan.json")


@bp.get("/data/statistik.json")
def statistics_json() -> Response:
    """The dashboard's figures as JSON: totals, statuses, deadlines, breakdowns."""
    session = request_session()
    figures = read_figures(session, weeks=recent_weeks(12))

    def summary(f: Any) -> dict[str, Any]:
        return {
            "total": f.total,
            "confidential": f.confidential,
            "open": f.open,
            "resolved": f.resolved,
            "overdue": f.overdue,
            "resolved_on_time": f.on_time,
            "resolved_late": f.late,
            "on_time_rate": f.on_time_rate,
            "by_status": {s: n for s, n in sorted(f.by_status.items()) if n},
        }

    body = {
        "generated_at": isoformat(utcnow()),
        "license": "CC BY 4.0",
        **summary(figures),
        "median_days_to_resolve": figures.percentile_days(0.5),
        "p90_days_to_resolve": figures.percentile_days(0.9),
        "weekly": {
            "received": figures.received_weeks,
            "resolved": figures.resolved_weeks,
        },
        "breakdowns": {
            dimension: {
                value: summary(f)
                for value, f in sorted(read_breakdown(session, dimension).items())
            }
            for dimension in ("faction", "category", "kota", "agency")
        },
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), mimetype="application/json"
    )
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/feed.atom")
def feed() -> Response:
    """The newest 50 status changes of public complaints, as Atom."""
    session = request_session()
    base = current_app.config["JEMBATAN_PUBLIC_URL"].rstrip("/")
    entries = [
        {
            "id": f"{base}/aduan/{c.tracking_code}#{e.seq}",
            "link": f"{base}/aduan/{c.tracking_code}",
            "title": f"{c.tracking_code}: {status_label(e.status, current_locale())}",
            "updated": isoformat(e.recorded_at),
            "published": isoformat(e.occurred_at),
            "summary": c.title,
            "note": e.note,
            "category": c.category,
        }
        for e, c in recent_events(session, 50)
    ]
    updated = entries[0]["updated"] if entries else isoformat(utcnow())
    # Whatever a row holds (one stored before intake refused such text), the feed stays XML.
    body = drop_xml_invalid(
        render_template("public/feed.xml", entries=entries, base=base, updated=updated)
    )
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = f"public, max-age={PAGE_MAX_AGE}"
    response.add_etag()
    return response.make_conditional(request)
