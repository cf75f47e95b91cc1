"""`/open311/v2/`: Jembatan as an Open311 GeoReport v2 endpoint for faction systems.

The GeoReport v2 endpoints (and mySociety's servicerequestupdates), in .xml and .json, one
module per resource on this one blueprint: discovery (and services), service_requests,
updates (with crm_push and posko_notes); params reads the request, envelope writes the answer.
"""

from __future__ import annotations

from app.open311 import discovery, service_requests, updates  # noqa: F401 - routes on bp
from app.open311.blueprint import PREFIX, bp

__all__ = ["PREFIX", "bp"]
