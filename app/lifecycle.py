"""The canonical lifecycle (docs/API.md#lifecycle): statuses, labels, terminal states, CRM
mapping."""

from __future__ import annotations

from app.reference import load_status_map

# status → (label id, label en), in lifecycle order.
STATUSES: dict[str, tuple[str, str]] = {
    "received": ("Diterima", "Received"),
    "forwarded": ("Diteruskan ke CRM", "Forwarded to CRM"),
    "waiting": ("Menunggu", "Waiting"),
    "coordination": ("Koordinasi", "Coordinating"),
    "dispatched": ("Disposisi", "Dispatched"),
    "in_progress": ("Proses", "In progress"),
    "validating": ("Menunggu Validasi", "Awaiting validation"),
    "resolved": ("Selesai", "Resolved"),
    "rejected": ("Ditolak", "Rejected"),
    "closed": ("Ditutup", "Closed"),
}
TERMINAL = frozenset({"resolved", "rejected", "closed"})
OPEN_STATUSES = frozenset(STATUSES) - TERMINAL


def status_label(status: str, lang: str = "id") -> str:
    """The human label of a canonical status (Indonesian first)."""
    label_id, label_en = STATUSES.get(status, (status, status))
    return label_en if lang == "en" else label_id


def map_crm_status(
    status: str | None, external_status_code: str | None, status_map_file: str
) -> str | None:
    """The canonical status for a CRM update: its own code first, then mySociety's status.

    None means neither value is known to the map; the caller keeps the update as a note.
    """
    by_code, by_status = load_status_map(status_map_file)
    if external_status_code and external_status_code.strip().upper() in by_code:
        return by_code[external_status_code.strip().upper()]
    if status and status.strip().upper() in by_status:
        return by_status[status.strip().upper()]
    return None

# Canonical status → mySociety's servicerequestupdates status, for systems that read our
# updates (FixMyStreet-style poskos through /open311/v2, and mirrored feeds). The one place.
MYSOCIETY_STATUS: dict[str, str] = {
    "received": "OPEN",
    "forwarded": "OPEN",
    "waiting": "OPEN",
    "coordination": "INVESTIGATING",
    "dispatched": "ACTION_SCHEDULED",
    "in_progress": "IN_PROGRESS",
    "validating": "FOR_TRIAGE",
    "resolved": "FIXED",
    "rejected": "NOT_COUNCILS_RESPONSIBILITY",
    "closed": "CLOSED",
}


def mysociety_status(status: str) -> str:
    """mySociety's status for a canonical status (what FixMyStreet understands)."""
    return MYSOCIETY_STATUS[status]


def open311_status(status: str) -> str:
    """GeoReport v2's coarse request status: `closed` once terminal, else `open`."""
    return "closed" if status in TERMINAL else "open"
