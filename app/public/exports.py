"""The open data on the site: its documentation page, the CSV and JSON exports of every public
complaint (streamed in batches, the list's filters apply) and the dashboard's figures as JSON.

The record itself (fields, CSV encoding) is app/public/opendata.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, render_template, request, stream_with_context

from app.clock import isoformat, utcnow
from app.database import request_session
from app.projection import from_row
from app.public.blueprint import bp
from app.public.filters import ListFilters, filtered_query, parse_filters
from app.public.opendata import FIELDS, csv_header, csv_lines, public_record
from app.public.responses import PAGE_MAX_AGE, cached_page, categories
from app.statistics import agencies_of, read_breakdown, read_figures, recent_weeks

EXPORT_BATCH = 1000


@bp.get("/data")
def open_data() -> Response:
    """The open data: formats, licence and every field."""
    return cached_page(render_template("public/data.html", fields=FIELDS), max_age=3600)


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
            # Reports linked to an earlier report of the same problem, and the problems.
            "linked": f.linked,
            "problems": f.problems,
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
