"""Properties of the native API's complaint schema (schemas.complaint)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from app.config import Settings
from app.reference import areas
from app.wiring import categories_of
from schemas.complaint import (
    JAKARTA_LAT,
    JAKARTA_LON,
    ComplaintCreateSchema,
    ComplaintQueryArgsSchema,
    categories_context,
)

KELURAHAN = sorted(a.code for a in areas().of_level("kelurahan"))
OFFSETS = [UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-3, minutes=-30))]
CATEGORIES = [
    "sampah", "parkir_liar", "pkl", "jalan_rusak", "banjir_saluran", "pohon",
    "penerangan_jalan", "fasilitas_umum", "ketertiban_umum", "lainnya",
]


@pytest.fixture(scope="module", autouse=True)
def _categories() -> Iterator[None]:
    # The schemas learn the configured categories from their context, as the parser gives it.
    with categories_context(categories_of(Settings.from_env(environ={}, ENV="test"))):
        yield


# Text a posko may send: printable, any script, no control characters or surrogates, and
# none of the two characters XML 1.0 cannot carry (U+FFFE, U+FFFF), which intake refuses.
NOT_XML = "\ufffe\uffff"
safe_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"),
                           blacklist_characters="\u2028" + NOT_XML),
    min_size=1,
)
line = safe_text.filter(lambda s: "\n" not in s and "\r" not in s)


@st.composite
def payloads(draw: Any) -> dict[str, Any]:
    """Any valid native-API complaint."""
    payload: dict[str, Any] = {
        "external_id": draw(line.filter(lambda s: len(s) <= 64)),
        "category": draw(st.sampled_from(CATEGORIES)),
        "title": draw(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"),
                                                     blacklist_characters=NOT_XML),
                              min_size=1, max_size=200)),
        "description": draw(st.text(
            alphabet=st.characters(blacklist_categories=("Cs",),
                                   blacklist_characters="".join(map(chr, range(0x20)))
                                   .replace("\n", "").replace("\t", "").replace("\r", "")
                                   + "\x7f" + NOT_XML),
            min_size=1, max_size=4000)),
        "location": {"kelurahan_code": draw(st.sampled_from(KELURAHAN))},
    }
    if draw(st.booleans()):
        payload["location"]["lat"] = draw(st.floats(*JAKARTA_LAT))
        payload["location"]["lon"] = draw(st.floats(*JAKARTA_LON))
    if draw(st.booleans()):
        payload["location"]["address"] = draw(st.text(
            alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters=NOT_XML),
            max_size=500))
    if draw(st.booleans()):
        moment = draw(st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2026, 1, 1),
                                   timezones=st.sampled_from(OFFSETS)))
        payload["occurred_at"] = moment.isoformat()
    if draw(st.booleans()):
        payload["reporter"] = {
            "name": draw(st.text(alphabet="abcdefghij ABC'.-", min_size=1, max_size=200)),
            "nik": draw(st.from_regex(r"\A[0-9]{16}\Z")),
            "phone": draw(st.from_regex(r"\A(\+62|0)8[0-9]{8,11}\Z")),
        }
    payload["visibility"] = draw(st.sampled_from(["public", "anonymous", "confidential"]))
    payload["attachments"] = draw(st.lists(
        st.fixed_dictionaries({
            "url": st.from_regex(r"\Ahttps?://posko\.example\.org/[a-z0-9]{1,20}\.jpg\Z"),
            "content_type": st.sampled_from(["image/jpeg", "image/png", "application/pdf"]),
        }),
        max_size=10,
    ))
    return payload


@settings(max_examples=80, deadline=None)
@given(payloads())
def test_every_valid_payload_is_accepted_unchanged(payload: dict[str, Any]) -> None:
    loaded = ComplaintCreateSchema().load(payload)
    for name in ("external_id", "category", "title", "description", "visibility",
                 "attachments"):
        assert loaded[name] == payload[name]
    assert loaded["location"] == payload["location"]
    if "occurred_at" in payload:
        assert loaded["occurred_at"] == datetime.fromisoformat(payload["occurred_at"])
        assert loaded["occurred_at"].utcoffset() == timedelta(0)
    if "reporter" in payload:
        assert loaded["reporter"] == payload["reporter"]


def minimal() -> dict[str, Any]:
    return {"external_id": "x", "category": "sampah", "title": "t", "description": "d",
            "location": {"kelurahan_code": KELURAHAN[0]}}


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=65, max_size=300))
def test_external_id_longer_than_64_is_refused(long_id: str) -> None:
    payload = minimal()
    payload["external_id"] = long_id
    with pytest.raises(ValidationError) as refused:
        ComplaintCreateSchema().load(payload)
    assert "external_id" in refused.value.messages


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=20).filter(
    lambda k: k not in ComplaintCreateSchema().fields))
def test_any_unknown_field_is_refused(name: str) -> None:
    payload = minimal()
    payload[name] = "x"
    with pytest.raises(ValidationError) as refused:
        ComplaintCreateSchema().load(payload)
    assert name in refused.value.messages


@settings(max_examples=150, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-90, max_value=90),
       st.floats(allow_nan=False, allow_infinity=False, min_value=-180, max_value=180))
def test_coordinates_are_accepted_exactly_in_the_jakarta_box(lat: float, lon: float) -> None:
    location = {"kelurahan_code": KELURAHAN[0], "lat": lat, "lon": lon}
    inside = JAKARTA_LAT[0] <= lat <= JAKARTA_LAT[1] and JAKARTA_LON[0] <= lon <= JAKARTA_LON[1]
    payload = {"external_id": "x", "category": "sampah", "title": "t", "description": "d",
               "location": location}
    if inside:
        assert ComplaintCreateSchema().load(payload)["location"]["lat"] == lat
    else:
        with pytest.raises(ValidationError) as refused:
            ComplaintCreateSchema().load(payload)
        assert set(refused.value.messages["location"]) <= {"lat", "lon"}


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=20).filter(lambda s: s not in set(KELURAHAN)))
def test_only_jakarta_kelurahan_codes_are_accepted(code: str) -> None:
    payload = {"external_id": "x", "category": "sampah", "title": "t", "description": "d",
               "location": {"kelurahan_code": code}}
    with pytest.raises(ValidationError) as refused:
        ComplaintCreateSchema().load(payload)
    assert "kelurahan_code" in refused.value.messages["location"]


@given(st.integers())
def test_list_limit_is_1_to_200(limit: int) -> None:
    if 1 <= limit <= 200:
        assert ComplaintQueryArgsSchema().load({"limit": str(limit)})["limit"] == limit
    else:
        with pytest.raises(ValidationError):
            ComplaintQueryArgsSchema().load({"limit": str(limit)})



def test_the_categories_are_the_ones_the_caller_hands_in() -> None:
    """The schemas import no application module: the configured vocabulary comes from the
    context the parser (or the Open311 converter) enters, and nothing else."""
    import contextvars

    payload = minimal()
    with categories_context({"jalan_rusak": object()}):
        with pytest.raises(ValidationError) as refused:
            ComplaintCreateSchema().load(payload)
    assert "Known categories: jalan_rusak." in str(refused.value.messages["category"])
    with categories_context({payload["category"]: object()}):
        assert ComplaintCreateSchema().load(payload)["category"] == payload["category"]
    with pytest.raises(RuntimeError, match="categories_context"):
        contextvars.Context().run(ComplaintCreateSchema().load, payload)
