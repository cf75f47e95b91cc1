"""The CRM pushes a status update through servicerequestupdates (push mode, beside polling)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from sqlalchemy.orm import Session

from app.open311.envelope import fail, respond
from app.status_updates import apply_crm_update
from schemas.open311 import render_updates


def crm_update(session: Session, form: dict[str, Any], fmt: str) -> Response:
    """Apply a pushed update (recorded even when it cannot be applied); echo it back."""
    for name in ("update_id", "service_request_id", "status", "updated_datetime"):
        if form[name] is None:
            raise fail(400, f"{name} is required")
    outcome = apply_crm_update(session, form, current_app.extensions["settings"])
    session.commit()  # every update is kept, even one that could not be applied
    if outcome == "invalid":
        raise fail(400, f"update_id '{form['update_id']}' is not a valid update (recorded)")
    return respond(render_updates([form], fmt), fmt)
