"""The monthly report `/posko/laporan?bulan=YYYY-MM`: the faction's month for a DPRD meeting,
printable as a clean A4 page (static/report.css, `@media print`). The figures are
app.monthly_report's; no PDF library is installed, so the browser's "print to PDF" makes one.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _

from app.clock import WIB, utcnow
from app.console.blueprint import bp
from app.console.session import current_faction, login_required
from app.database import request_session
from app.monthly_report import monthly_report as build_report
from app.wiring import categories_of

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month_arg(value: str) -> tuple[int, int] | str:
    """(year, month) from `bulan`, or the message saying what is wrong with it."""
    found = MONTH.fullmatch(value)
    today = utcnow().astimezone(WIB)
    if found is None or not 1 <= int(found.group(2)) <= 12:
        return _("Write the month like 2026-11.")
    year, month = int(found.group(1)), int(found.group(2))
    if year < 2000 or (year, month) > (today.year, today.month):
        return _("That month has not come yet, or is too far back.")
    return year, month


@bp.get("/laporan")
@login_required()
def monthly_report() -> Any:
    """The faction's monthly report (this month by default)."""
    today = utcnow().astimezone(WIB)
    value = (request.args.get("bulan") or "").strip() or f"{today.year:04d}-{today.month:02d}"
    parsed = _month_arg(value[:20])
    if isinstance(parsed, str):
        body = render_template("console/monthly_report.html", report=None, error=parsed,
                               bulan=value[:20])
        return Response(body, status=400, mimetype="text/html")
    year, month = parsed
    faction = current_faction()
    categories = categories_of(current_app.extensions["settings"])
    report = build_report(request_session(), faction.id, year, month, categories)
    previous = f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    following = None
    if (year, month) < (today.year, today.month):
        following = f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"
    body = render_template(
        "console/monthly_report.html", report=report, error=None, bulan=value, faction=faction,
        categories=categories, previous=previous, following=following,
    )
    return Response(body, mimetype="text/html")
