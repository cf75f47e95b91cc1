"""Open311 request parameters: from the body or the query string (the spec allows both), the
api_key, the jurisdiction, coordinates, dates and windows; each refusal names the parameter."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy.orm import Session

from app.auth import verified_key
from app.clock import utcnow
from app.models import ApiKey
from app.open311.envelope import fail
from app.reference import Category
from app.wiring import categories_of
from schemas.open311 import FORMATS, parse_datetime

JURISDICTION_ID = "jakarta"
MAX_WINDOW = timedelta(days=90)  # the spec's own bound for start_date/end_date
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def categories() -> dict[str, Category]:
    """The configured complaint categories: our Open311 services."""
    return categories_of(current_app.extensions["settings"])


def check_format(fmt: str) -> str:
    """The format the path names, if we speak it (xml, json); 400 otherwise."""
    if fmt not in FORMATS:
        raise fail(400, f"format '.{fmt}' is not supported; use .xml or .json")
    return fmt


def clean(text: str) -> str:
    """A parameter value without NUL characters."""
    # NUL cannot be stored (PostgreSQL text) nor written (XML): no client means it.
    return text.replace("\x00", "")


def param(name: str) -> str | None:
    """A parameter from the body or the query string (the spec allows both); "" is absent."""
    value = request.values.get(name)
    if value is None:
        return None
    value = clean(value).strip()
    return value or None


def check_jurisdiction() -> None:
    """Refuse (404) a jurisdiction_id other than ours; none given is ours."""
    jurisdiction = param("jurisdiction_id")
    if jurisdiction is not None and jurisdiction != JURISDICTION_ID:
        raise fail(404, f"jurisdiction_id '{jurisdiction}' is not served here (use jakarta)")


def require_form_body() -> None:
    """POST bodies are form-encoded or multipart, as every Open311 client sends them."""
    if not request.content_length and not request.mimetype:
        return  # everything in the query string
    if request.mimetype not in FORM_TYPES:
        raise fail(
            400,
            f"request body must be application/x-www-form-urlencoded or multipart/form-data, "
            f"not {request.mimetype or 'unlabelled data'}",
        )


def presented_key(
    session: Session, roles: tuple[str, ...], *, optional: bool = False
) -> ApiKey | None:
    """The verified api_key of one of `roles` (403 otherwise); None if optional and absent."""
    presented = param("api_key")
    if presented is None:
        if optional:
            return None
        raise fail(403, "api_key is required (ask the gateway's operator for a key)")
    api_key = verified_key(presented)
    if api_key is None:
        raise fail(403, "api_key is unknown, revoked or malformed")
    if api_key.role not in roles:
        raise fail(403, f"api_key must be a {' or '.join(roles)} key, not a {api_key.role} key")
    return api_key


def coordinate(name: str) -> float | None:
    """A WGS84 coordinate parameter, or None when absent; 400 when not a finite number."""
    raw = param(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise fail(400, f"{name} must be a decimal number (WGS84), not '{raw[:40]}'") from None
    if not math.isfinite(value):
        raise fail(400, f"{name} must be a finite number")
    return value


def date_param(name: str) -> datetime | None:
    """A date parameter from the query string, or None when absent; 400 when unreadable."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        return parse_datetime(clean(raw))
    except ValueError as exc:
        raise fail(400, f"{name}: {exc}") from None


def window(default_span: timedelta) -> tuple[datetime, datetime]:
    """start_date…end_date, filled in with `default_span`; 400 when reversed or over 90 days."""
    start, end = date_param("start_date"), date_param("end_date")
    if end is None:
        end = start + default_span if start is not None else utcnow()
    if start is None:
        start = end - default_span
    if start > end:
        raise fail(400, "start_date must not be later than end_date")
    if end - start > MAX_WINDOW:
        raise fail(400, "start_date to end_date spans more than 90 days")
    return start, end


def list_param(name: str) -> list[str]:
    """A comma-separated query parameter as its non-empty parts."""
    raw = request.args.get(name)
    if raw is None:
        return []
    return [part.strip() for part in clean(raw).split(",") if part.strip()]
