"""`/open311/v2/`: Jembatan as an Open311 GeoReport v2 endpoint for faction systems."""

from __future__ import annotations

from app.open311.views import bp

__all__ = ["bp"]
