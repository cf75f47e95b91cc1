"""Redaction: what of a complaint's free text may be published (UU PDP 27/2022).

Interface first (this module's body is being replaced by the real detector): `redact(text,
identity)` returns `text` with phone numbers, NIKs, e-mail addresses and the reporter's own
name, address, phone, e-mail and NIK masked by readable placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Bumped whenever detection changes, and stored with each computed projection.
VERSION = 1

MASK_PHONE = "[nomor telepon]"
MASK_NIK = "[NIK]"
MASK_EMAIL = "[email]"
MASK_NAME = "[nama pelapor]"
MASK_ADDRESS = "[alamat pelapor]"


@dataclass(frozen=True)
class Identity:
    """What identifies a complaint's reporter: every value is masked wherever it appears."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None

    @classmethod
    def of(cls, complaint: Any) -> Identity:
        """The identity a stored complaint knows of its reporter (empty once erased)."""
        return cls(
            name=complaint.reporter_name,
            address=complaint.address,
            phone=complaint.reporter_phone,
            email=complaint.reporter_email,
            nik=complaint.reporter_nik,
        )


def redact(text: str | None, identity: Identity | None = None) -> str:
    """`text` safe to publish: identifying numbers, addresses and the reporter masked."""
    from app.privacy import scrub_text  # placeholder until the detector lands

    identity = identity or Identity()
    return scrub_text(
        text,
        (identity.name, identity.address, identity.phone, identity.email, identity.nik),
    )
