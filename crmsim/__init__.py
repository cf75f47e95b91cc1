"""A stand-in for Jakarta Smart City's CRM: Open311 GeoReport v2, its own SQLite file.

Run it as its own process (`python -m crmsim --port 5011 --db PATH`, or `jembatan crm-sim`).

Open311 (XML and JSON, `.xml`/`.json` suffix), under /open311/v2/:
    discovery · services · services/{code} · POST requests · GET requests ·
    requests/{id} · tokens/{token} (with --tokens) · servicerequestupdates (mySociety)

Control, under /_sim/ (JSON, never subject to faults):
    GET health · GET/POST/DELETE faults · GET tickets ·
    POST tickets/{id}/status {external_status_code, description?, status?} ·
    DELETE tickets/{id} · POST pause · POST resume · POST advance

A repeat POST carrying the same attribute[gateway_ref] (or, without one, the same
Idempotency-Key header) answers the first ticket (200 instead of 201) and counts the POST.
"""

from crmsim.app import create_app
from crmsim.server import serve

__all__ = ["create_app", "serve"]
