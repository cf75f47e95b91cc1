"""A stand-in for Jakarta Smart City's CRM: Open311 GeoReport v2, its own SQLite file.

Run it as its own process (`python -m crmsim --port 5011 --db PATH`, or `jembatan crm-sim`).
"""

from crmsim.app import create_app
from crmsim.server import serve

__all__ = ["create_app", "serve"]
