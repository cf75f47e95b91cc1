"""The console's Indonesian catalogue: complete, compiled, and covering every message used."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]


def test_the_console_catalogue_is_complete_and_compiled() -> None:
    directory = ROOT / "app" / "console" / "translations" / "id" / "LC_MESSAGES"
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
            str(ROOT / "app" / "console"),
            method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
            keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None},
        )
    }
    assert len(used) > 150  # templates and views were both read
    assert used <= set(translated), sorted(used - set(translated))
