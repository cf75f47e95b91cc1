"""The reporter's private status link: `<public URL>/lacak/<tracking code>/<secret>`.

One builder for every place that hands the link out (the API's response to the submitting
faction, webhook bodies); the public site's `/lacak/<tracking_code>/<secret>` route opens
it without a login (docs/API.md#status-link). The base is JEMBATAN_PUBLIC_URL, passed in,
never the request's host, so a forged Host header cannot bend the link.
"""

from __future__ import annotations

from app.models import Complaint


def status_link(public_url: str, complaint: Complaint) -> str:
    """The complaint's status page link under `public_url`."""
    return f"{public_url.rstrip('/')}/lacak/{complaint.tracking_code}/{complaint.status_secret}"
