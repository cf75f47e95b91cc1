"""Feed items into complaints: finding the kelurahan, titles, and per-item parsing."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.open311.convert import kelurahan_in, normalise_text, title_of
from app.reference import areas
from schemas.open311 import Open311FormatError, parse_requests_each, render_requests

KELURAHAN = sorted(areas().of_level("kelurahan"), key=lambda a: a.code)
_NAMES = Counter(area.name.lower() for area in KELURAHAN)
UNIQUE = [area for area in KELURAHAN if _NAMES[area.name.lower()] == 1]


@given(area=st.sampled_from(KELURAHAN), street=st.sampled_from(["Jl. Mawar 3", "Gg. H. Naim"]))
def test_a_kelurahan_code_in_the_address_is_found(area: Any, street: str) -> None:
    assert kelurahan_in(f"{street}, {area.code}") == area.code


@given(area=st.sampled_from(UNIQUE), case=st.sampled_from([str.upper, str.lower, str.title]))
def test_a_unique_kelurahan_name_is_found(area: Any, case: Any) -> None:
    found = kelurahan_in(f"Jl. Mawar No. 3, Kel. {case(area.name)}, Jakarta")
    # A longer kelurahan name that contains this one would win; it is still a real kelurahan.
    assert found is not None
    assert found == area.code or area.name.lower() in areas().name(found).lower()


def test_no_or_ambiguous_kelurahan_is_none() -> None:
    assert kelurahan_in("Di dekat pasar") is None
    assert kelurahan_in(None) is None
    shared = [name for name, count in _NAMES.items() if count > 1]
    if shared:
        assert kelurahan_in(f"Kelurahan {shared[0]}") is None


@given(text=st.text(max_size=300))
def test_normalised_text_has_no_carriage_returns_and_title_is_one_line(text: str) -> None:
    normal = normalise_text(text)
    assert "\r" not in normal
    title = title_of(normal)
    assert "\n" not in title and len(title) <= 200
    assert normalise_text(normal) == normal


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_parse_each_reports_a_bad_item_in_its_place(fmt: str) -> None:
    good = {"service_request_id": "A", "service_code": "sampah", "status": "open"}
    body = render_requests([good, dict(good, service_request_id="B")], fmt)
    if fmt == "xml":
        bad = b"<request><service_request_id>X</service_request_id>" \
              b"<lat>utara</lat></request>"
        head, _, tail = body.partition(b"</request>")
        body = head + b"</request>" + bad + tail
    else:
        body = body.replace(b"},{", b'},{"service_request_id":"X","lat":"utara"},{', 1)
    items = parse_requests_each(body, fmt)
    assert [type(i).__name__ for i in items] == ["dict", "Open311FormatError", "dict"]
    assert [i["service_request_id"] for i in items if isinstance(i, dict)] == ["A", "B"]
    assert "request #2" in str(items[1])


def test_parse_each_still_refuses_an_unreadable_document() -> None:
    with pytest.raises(Open311FormatError):
        parse_requests_each(b"<html>down</html>", "xml")
    with pytest.raises(Open311FormatError):
        parse_requests_each(b'{"error": 1}', "json")
