"""One check for an Indonesian message catalogue (the public site's, the console's): every
message its sources use is translated, none is fuzzy, and the committed .mo matches the .po."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def assert_catalogue_complete(catalogue: str, sources: str, *, templates: tuple[str, ...],
                              keywords: tuple[str, ...], at_least: int) -> None:
    """`catalogue` and `sources` are paths under the repository; `at_least` messages used
    proves both the views and the templates were read."""
    directory = ROOT / catalogue / "id" / "LC_MESSAGES"
    with open(directory / "messages.po", "rb") as fh:
        po = read_po(fh)
    with open(directory / "messages.mo", "rb") as fh:
        mo = read_mo(fh)
    translated = {m.id: m.string for m in po if m.id}
    assert all(translated.values()), [k for k, v in translated.items() if not v]
    assert not [m.id for m in po if m.id and m.fuzzy]
    assert {m.id: m.string for m in mo if m.id} == translated
    used = {
        message[2]
        for message in extract_from_dir(
            str(ROOT / sources),
            method_map=[("**.py", "python"), *((t, "jinja2") for t in templates)],
            keywords=dict.fromkeys(keywords),
        )
    }
    assert len(used) > at_least
    assert used <= set(translated), sorted(used - set(translated))
