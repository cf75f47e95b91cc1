"""What the public may see of a complaint (UU PDP 27/2022): scrubbed text, coarse places.

Every public surface (the transparency site, open data, the Atom feed, the Open311 public
view) goes through these three functions, so the rules live in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.reference import areas

MASK = "[disamarkan]"

# E-mail first: an address may hold digits that the number rules would only half remove.
# Deliberately broad (anything@anything.tld): a false positive costs a word, a miss leaks one.
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[^\s@<>()\[\],;:\"]+")
# NIK: 16 digits, written solid or grouped 6-6-4 / 4-4-4-4. Longer runs go whole.
_NIK = re.compile(
    r"\d{16,}"
    r"|\d{6}[ .\-]\d{6}[ .\-]\d{4}"
    r"|\d{4}[ .\-]\d{4}[ .\-]\d{4}[ .\-]\d{4}"
)
# Indonesian phone numbers: +62 / 62 / 0, then 8–13 more digits, optionally split by single
# spaces or dashes (0812-3456-7890, +62 812 3456 7890, (021) 555-1234 is caught by its digits).
# Dates (20-11-2026) and amounts (Rp 1.500.000) have too few digits or dots, and survive.
_PHONE = re.compile(
    r"(?:\+\s?62|(?<!\d)62|(?<!\d)0)[\s\-]?\d(?:[\s\-]?\d){7,12}"
    r"|\(0\d{1,3}\)\s?\d(?:[\s\-]?\d){5,8}"
)


def scrub_text(text: str | None, known: tuple[str | None, ...] = ()) -> str:
    """`text` with NIK, phone numbers, e-mail addresses and any `known` value masked.

    `known` is what we know identifies the reporter (their name, address…): a note that
    repeats it is masked even where no pattern would catch it.
    """
    if not text:
        return ""
    folded = text.casefold()
    for value in sorted((v.strip() for v in known if v and len(v.strip()) >= 3),
                        key=len, reverse=True):
        if value.casefold() in folded:  # the cheap test first: most texts hold none
            text = re.sub(re.escape(value), MASK, text, flags=re.IGNORECASE)
    text = _EMAIL.sub(MASK, text)
    text = _NIK.sub(MASK, text)
    return _PHONE.sub(MASK, text)


def reporter_values(complaint: Any) -> tuple[str | None, ...]:
    """The complaint's own identifying values, to mask wherever its text is shown."""
    return (
        complaint.reporter_name,
        complaint.reporter_phone,
        complaint.reporter_email,
        complaint.reporter_nik,
        complaint.address,
    )


def scrub_complaint_text(complaint: Any, text: str | None) -> str:
    """Public text of (or about) `complaint`: patterns and its reporter's own values masked."""
    return scrub_text(text, reporter_values(complaint))


def is_public(complaint: Any) -> bool:
    """Whether a complaint may be shown individually (everything but `confidential`)."""
    return complaint.visibility != "confidential"


@dataclass(frozen=True)
class PublicLocation:
    """A place no finer than the kelurahan, and coordinates rounded to about 100 m."""

    kelurahan_code: str
    kelurahan: str
    kecamatan_code: str
    kecamatan: str
    kota_code: str
    kota: str
    lat: float | None
    lon: float | None


def public_location(complaint: Any) -> PublicLocation:
    """The complaint's public place: its kelurahan, and lat/lon rounded to 3 decimals."""
    known = areas()
    lat = complaint.lat
    lon = complaint.lon
    # Three decimals of a degree is ≈110 m: the street, not the house.
    rounded = lat is not None and lon is not None
    return PublicLocation(
        kelurahan_code=complaint.kelurahan_code,
        kelurahan=known.name(complaint.kelurahan_code),
        kecamatan_code=complaint.kecamatan_code,
        kecamatan=known.name(complaint.kecamatan_code),
        kota_code=complaint.kota_code,
        kota=known.name(complaint.kota_code),
        lat=round(lat, 3) if rounded else None,
        lon=round(lon, 3) if rounded else None,
    )
