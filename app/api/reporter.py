"""`DELETE /api/v1/complaints/{id}/reporter`: erase one complaint's reporter data on request."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import authenticate
from app.database import request_session
from app.errors import Problem
from app.models import Complaint
from app.retention import erase_reporter

blp = Blueprint(
    "reporter",
    __name__,
    url_prefix="/api/v1/complaints",
    description="Erasing a reporter's personal data (UU PDP 27/2022)",
)


@blp.route("/<complaint_id>/reporter")
class ReporterData(MethodView):
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, complaint_id: str) -> Any:
        """Erase the reporter's name, phone, e-mail, NIK and the address of one complaint."""
        api_key = authenticate("faction", "admin")
        session = request_session()
        complaint = _find(complaint_id)
        if complaint is None or (
            api_key.role == "faction" and complaint.faction_id != api_key.faction_id
        ):
            raise Problem(404, "Not found", "There is no such complaint.", slug="not-found")
        erase_reporter(session, g.actor, complaint)
        session.commit()
        return None


def _find(complaint_id: str) -> Complaint | None:
    try:
        key = uuid.UUID(complaint_id)
    except ValueError:
        return None
    return request_session().get(Complaint, key)
