"""Reference data as configuration: categories, Jakarta's areas, the CRM status map."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).parent
WILAYAH_CSV = REFERENCE_DIR / "jakarta-wilayah.csv"
WILAYAH_ATTRIBUTION = (
    "Wilayah data: idn-area-data (github.com/fityannugroho/idn-area-data), ODbL 1.0, "
    "based on Kepmendagri 300.2.2-2138/2025."
)


@dataclass(frozen=True)
class Category:
    """A complaint category and who must act on it."""

    code: str
    label_id: str
    label_en: str
    group: str
    agency: str
    crm_service_code: str
    sla_days: int
    keywords: tuple[str, ...] = field(default=())

    def label(self, lang: str = "id") -> str:
        return self.label_en if lang == "en" else self.label_id


@dataclass(frozen=True)
class Area:
    """A provinsi, kota, kecamatan or kelurahan with its Kemendagri code."""

    level: str
    code: str
    parent_code: str | None
    name: str


class ReferenceError_(ValueError):
    """A reference file is missing a field or holds a value that makes no sense."""


@lru_cache(maxsize=8)
def load_categories(path: str) -> dict[str, Category]:
    """Categories by code, from a TOML file (one table per category)."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    categories: dict[str, Category] = {}
    for code, entry in raw.items():
        try:
            category = Category(
                code=code,
                label_id=str(entry["label_id"]),
                label_en=str(entry["label_en"]),
                group=str(entry.get("group", "")),
                agency=str(entry["agency"]),
                crm_service_code=str(entry["crm_service_code"]),
                sla_days=int(entry.get("sla_days", 7)),
                keywords=tuple(str(k) for k in entry.get("keywords", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ReferenceError_(f"{path}: category {code!r} is missing or bad: {exc}") from exc
        if category.sla_days < 1:
            raise ReferenceError_(f"{path}: category {code!r} needs sla_days >= 1")
        categories[code] = category
    return categories


class Areas:
    """Jakarta's administrative areas, indexed by code."""

    def __init__(self, rows: list[Area]) -> None:
        self.by_code = {row.code: row for row in rows}

    def of_level(self, level: str) -> list[Area]:
        return [a for a in self.by_code.values() if a.level == level]

    def kelurahan(self, code: str) -> Area | None:
        area = self.by_code.get(code)
        return area if area is not None and area.level == "kelurahan" else None

    def lineage(self, kelurahan_code: str) -> tuple[Area, Area, Area]:
        """The kelurahan, its kecamatan and its kota."""
        kelurahan = self.by_code[kelurahan_code]
        kecamatan = self.by_code[kelurahan.parent_code or ""]
        kota = self.by_code[kecamatan.parent_code or ""]
        return kelurahan, kecamatan, kota

    def name(self, code: str | None) -> str:
        area = self.by_code.get(code or "")
        return area.name if area else ""


@lru_cache(maxsize=1)
def areas() -> Areas:
    """The Jakarta areas shipped with Jembatan."""
    with WILAYAH_CSV.open(newline="", encoding="utf-8") as fh:
        rows = [
            Area(r["level"], r["code"], r["parent_code"] or None, r["name"])
            for r in csv.DictReader(fh)
        ]
    return Areas(rows)


@lru_cache(maxsize=8)
def load_status_map(path: str) -> tuple[dict[str, str], dict[str, str]]:
    """(external_status_code → status, mySociety status → status), keys upper-case."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    by_code = {k.upper(): v for k, v in raw.get("external_status_code", {}).items()}
    by_status = {k.upper(): v for k, v in raw.get("status", {}).items()}
    return by_code, by_status
