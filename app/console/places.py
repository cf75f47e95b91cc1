"""Kelurahan by name: the 267 of Jakarta as choices, and a typed name or code resolved.

The form offers them in a `<datalist>` (the browser filters as the person types, no script);
the server reads whatever came back: the option's text, a bare code, or just the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.reference import Area, areas

_CODE = re.compile(r"(31\.\d{2}\.\d{2}\.\d{4})")


@dataclass(frozen=True)
class KelurahanChoice:
    code: str
    name: str
    kecamatan: str
    kota: str

    @property
    def label(self) -> str:
        """What the person sees and picks: `Gambir, Kec. Gambir, Jakarta Pusat (31.71.01.1001)`."""
        return f"{self.name}, Kec. {self.kecamatan}, {self.kota} ({self.code})"


def _short(name: str) -> str:
    return name.removeprefix("Kota Administrasi ").removeprefix("Kabupaten Administrasi ")


@lru_cache(maxsize=1)
def kelurahan_choices() -> tuple[KelurahanChoice, ...]:
    """Every kelurahan of Jakarta, by name."""
    known = areas()
    choices = []
    for area in known.of_level("kelurahan"):
        _k, kecamatan, kota = known.lineage(area.code)
        choices.append(KelurahanChoice(area.code, area.name, kecamatan.name, _short(kota.name)))
    return tuple(sorted(choices, key=lambda c: (c.name.lower(), c.code)))


def kota_choices() -> list[Area]:
    """The six kota/kabupaten, by code."""
    return sorted(areas().of_level("kota"), key=lambda a: a.code)


def _fold(text: str) -> str:
    return " ".join(text.lower().replace(".", " ").split())


def resolve_kelurahan(text: str) -> tuple[KelurahanChoice | None, list[KelurahanChoice]]:
    """The kelurahan meant by `text` (a picked option, a code or a name), or None with the
    closest candidates (several of that name, or names containing what was typed)."""
    value = (text or "").strip()
    if not value:
        return None, []
    by_code = {c.code: c for c in kelurahan_choices()}
    found = _CODE.search(value)
    if found:
        choice = by_code.get(found.group(1))
        return (choice, []) if choice else (None, [])
    wanted = _fold(value.removeprefix("Kelurahan ").removeprefix("kelurahan "))
    exact = [c for c in kelurahan_choices() if _fold(c.name) == wanted]
    if len(exact) == 1:
        return exact[0], []
    if exact:
        return None, exact
    partial = [c for c in kelurahan_choices() if wanted and wanted in _fold(c.name)]
    if len(partial) == 1:
        return partial[0], []
    return None, partial[:10]
