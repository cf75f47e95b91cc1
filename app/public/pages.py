"""The transparency site's pages: dashboard, complaint list and pages, status link, faction,
methodology and accessibility statement. Every query is bounded by a page size or an index."""

from __future__ import annotations

import hmac

from flask import Response, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select, text

from app.clock import utcnow
from app.database import request_session
from app.models import Complaint, Faction
from app.models.complaint import PUBLIC_OVERDUE_SQL
from app.pagination import page_of
from app.projection import (
    find_public,
    find_tracked,
    public_complaints,
    read_public,
    same_problem,
    timeline,
    without_notes,
)
from app.public import charts
from app.public.blueprint import bp, current_locale
from app.public.filters import filtered_query, list_cursor, parse_filters
from app.public.responses import (
    cached_page,
    categories,
    faction_codes,
    lang_url,
    not_found,
    short_area_name,
)
from app.reference import areas
from app.statistics import read_breakdown, read_figures, recent_weeks

PAGE_SIZE = 25
# Other reports of one problem shown on a complaint's page (nine factions, a few posko each).
SAME_PROBLEM_SHOWN = 30


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
    page = page_of(
        read_public(session, filtered_query(filters).limit(PAGE_SIZE + 1)), PAGE_SIZE, list_cursor
    )
    next_args = dict(filters.args, sebelum=page.next_cursor) if page.next_cursor else None
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
        complaints=page.items,
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
    """One public complaint: its public text, place, faction, agency, deadline, timeline,
    and the other public reports of the same problem (its primary and their duplicates)."""
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
        same_problem=same_problem(session, found, limit=SAME_PROBLEM_SHOWN),
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
