"""Redaction: what of a complaint's free text may be published (UU PDP 27/2022).

Interface first (this module's body is being replaced by the real detector): `redact(text,
identity)` returns `text` with phone numbers, NIKs, e-mail addresses and the reporter's own
name, address, phone, e-mail and NIK masked by readable placeholders.
"""

from __future__ import annotations

import re
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
    identity = identity or Identity()
    return _placeholder(
        text,
        (identity.name, identity.address, identity.phone, identity.email, identity.nik),
    )


# The placeholder detector (the scrubber app/privacy.py had), until the detector lands.
_MASK = "[disamarkan]"
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[^\s@<>()\[\],;:\"]+")
_NIK = re.compile(
    r"\d{16,}"
    r"|\d{6}[ .\-]\d{6}[ .\-]\d{4}"
    r"|\d{4}[ .\-]\d{4}[ .\-]\d{4}[ .\-]\d{4}"
)
_PHONE = re.compile(
    r"(?:\+\s?62|(?<!\d)62|(?<!\d)0)[\s\-]?\d(?:[\s\-]?\d){7,12}"
    r"|\(0\d{1,3}\)\s?\d(?:[\s\-]?\d){5,8}"
)


def _placeholder(text: str | None, known: tuple[str | None, ...]) -> str:
    if not text:
        return ""
    folded = text.casefold()
    for value in sorted((v.strip() for v in known if v and len(v.strip()) >= 3),
                        key=len, reverse=True):
        if value.casefold() in folded:
            text = re.sub(re.escape(value), _MASK, text, flags=re.IGNORECASE)
    text = _EMAIL.sub(_MASK, text)
    text = _NIK.sub(_MASK, text)
    return _PHONE.sub(_MASK, text)
