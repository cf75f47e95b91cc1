"""`/open311/v2/`: Jembatan as an Open311 GeoReport v2 endpoint for faction systems.

The GeoReport v2 endpoints (and mySociety's servicerequestupdates), in .xml and .json, one
module per resource on this one blueprint: discovery (and services), service_requests,
updates (with crm_push and posko_notes); params reads the request, envelope writes the answer.
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.open311 import feeds

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

# Paths whose errors render as `<errors>` (create_app gives them envelope.render_open311_error).
PREFIX = "/open311/"


@bp.record_once
def _install(_state: BlueprintSetupState) -> None:
    feeds.install_listener()


from app.open311 import discovery, service_requests, updates  # noqa: E402,F401 - routes on bp

__all__ = ["bp"]
