"""The site's Atom feed: the newest status changes of public complaints."""

from __future__ import annotations

from flask import Response, current_app, render_template, request

from app.clock import isoformat, utcnow
from app.database import request_session
from app.lifecycle import status_label
from app.projection import recent_events
from app.public.blueprint import bp, current_locale
from app.public.responses import PAGE_MAX_AGE
from schemas.xmlchars import drop_xml_invalid


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
