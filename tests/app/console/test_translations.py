"""The console's Indonesian catalogue: complete, compiled, and covering every message used."""

from __future__ import annotations

from tests.support.catalogue import assert_catalogue_complete


def test_the_console_catalogue_is_complete_and_compiled() -> None:
    assert_catalogue_complete(
        "app/console/translations", "app/console", templates=("templates/**.html",),
        keywords=("_", "gettext", "_l", "lazy_gettext"), at_least=150)
