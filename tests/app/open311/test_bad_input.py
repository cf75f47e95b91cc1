"""Every bad POST requests parameter gets the spec's errors body naming it; fuzzing finds no 5xx."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app.database import Database
from app.models import Faction
from tests.app.open311 import spec
from tests.app.open311.conftest import BASE, error_of, request_form

CASES = [
    ({"api_key": None}, 403, "api_key"),
    ({"api_key": "jbt_abcdefghij_0123456789abcdefghij"}, 403, "api_key"),
    ({"api_key": "not-a-key"}, 403, "api_key"),
    ({"jurisdiction_id": "bandung"}, 404, "jurisdiction_id"),
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "banjir_bandang"}, 400, "service_code"),
    ({"description": None}, 400, "description"),
    ({"description": " \r\n "}, 400, "description"),
    ({"description": "x" * 4001}, 400, "description"),
    ({"long": None}, 400, "lat and long"),
    ({"lat": "minus enam"}, 400, "lat"),
    ({"long": "nan"}, 400, "long"),
    ({"lat": "-7.9"}, 400, "lat"),
    ({"long": "110.4"}, 400, "long"),
    ({"lat": None, "long": None}, 400, "address_string"),
    ({"attribute[kelurahan_code]": None}, 400, "attribute[kelurahan_code]"),
    ({"attribute[kelurahan_code]": "32.73.01.1001"}, 400, "attribute[kelurahan_code]"),
    ({"attribute[visibility]": "rahasia-banget"}, 400, "attribute[visibility]"),
    ({"attribute[external_id]": "x" * 65}, 400, "attribute[external_id]"),
    ({"email": "bukan email"}, 400, "email"),
    ({"phone": "telepon saya"}, 400, "phone"),
    ({"first_name": "n" * 150, "last_name": "m" * 150}, 400, "first_name/last_name"),
    ({"media_url": "ftp://posko.example.org/a.jpg"}, 400, "media_url"),
]


@pytest.mark.parametrize(("change", "status", "named"), CASES,
                         ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_bad_parameter(client: Any, psi: str, fmt: str, change: dict, status: int,
                       named: str) -> None:
    response = client.post(f"{BASE}/requests.{fmt}", data=request_form(psi, **change))
    assert named in error_of(response, fmt, status)


def test_wrong_role_and_disabled_faction(client: Any, db: Database, keys: Any) -> None:
    response = client.post(f"{BASE}/requests.xml", data=request_form(keys.crm))
    assert "faction key" in error_of(response, "xml", 403)
    with db.transaction() as session:
        faction = session.query(Faction).filter_by(code="PSI").one()
        faction.active = False
    response = client.post(f"{BASE}/requests.xml", data=request_form(keys.faction["PSI"]))
    assert "disabled" in error_of(response, "xml", 403)
    # Reading its own complaints and their updates still works.
    listed = client.get(f"{BASE}/requests.xml?api_key={keys.faction['PSI']}")
    assert listed.status_code == 200


def test_plain_text_body_is_refused(client: Any, psi: str) -> None:
    response = client.post(f"{BASE}/requests.xml", data="service_code=sampah",
                           content_type="text/plain")
    assert "text/plain" in error_of(response, "xml", 400)


VALID = {
    "service_code": ["sampah", "pkl", "banjir"],
    "description": ["Sampah\r\nmenumpuk", "", "x" * 5000],
    "lat": ["-6.2", "abc", "1e309", "-6.2e0", ""],
    "long": ["106.8", "inf", "-0", ""],
    "address_string": ["Jl. Sabang", ""],
    "attribute[kelurahan_code]": ["31.71.01.1001", "31.71.01.9999", ""],
    "attribute[kelurahan_code][]": ["31.71.01.1002"],
    "attribute[visibility]": ["public", "confidential", "semua"],
    "attribute[external_id]": ["FMS-1", "y" * 70],
    "media_url": ["https://a.example.org/x.jpg", "javascript:alert(1)"],
    "email": ["a@b.org", "@@"],
    "first_name": ["Siti"],
    "phone": ["+62 812-3456-7890", "0"],
    "jurisdiction_id": ["jakarta", "depok"],
    "attribute[]": ["?"],
    "attribute[[x]]": ["?"],
}

field_value = st.sampled_from(sorted(VALID)).flatmap(
    lambda name: st.tuples(
        st.just(name), st.one_of(st.sampled_from(VALID[name]), st.text(max_size=60))
    )
)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(field_value, max_size=14), with_key=st.booleans(),
       fmt=st.sampled_from(["xml", "json"]))
def test_fuzzed_forms_get_spec_answers_only(client: Any, psi: str, pairs: list, with_key: bool,
                                            fmt: str) -> None:
    form = MultiDict(pairs)
    if with_key:
        form.add("api_key", psi)
    response = client.post(f"{BASE}/requests.{fmt}", data=form)
    assert response.status_code in (200, 201, 400, 403, 404, 409), response.data
    if response.status_code >= 400:
        error_of(response, fmt, response.status_code)
    elif fmt == "xml":
        tag, created = spec.xml_document(response.data)
        assert tag == "service_requests" and len(created) == 1


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(
    st.sampled_from(["start_date", "end_date", "status", "service_code",
                     "service_request_id", "api_key", "jurisdiction_id"]),
    st.text(max_size=40), max_size=5,
), fmt=st.sampled_from(["xml", "json"]))
def test_fuzzed_queries_get_spec_answers_only(client: Any, query: dict, fmt: str) -> None:
    for path in ("requests", "servicerequestupdates"):
        response = client.get(f"{BASE}/{path}.{fmt}", query_string=query)
        assert response.status_code in (200, 400, 403, 404), response.data
        if response.status_code >= 400:
            error_of(response, fmt, response.status_code)


UPDATE_VALUES = {
    "update_id": ["fms-comment-7", "", "u" * 300],
    "status": ["OPEN", "CLOSED", "FIXED", "closed", "?"],
    "description": ["Warga menambahkan:\r\nsampah makin banyak", "", " \t "],
    "updated_datetime": ["2026-11-29T09:00:00+07:00", "2026-11-29", "kemarin",
                         "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"],
    "external_status_code": ["PROSES", "SELESAI", "DITOLAK", "x" * 80],
    "agency_responsible": ["Dinas Lingkungan Hidup", ""],
    "email": ["warga@example.org", "@"],
    "media_url": ["https://a.example.org/x.jpg", "data:,x"],
    "jurisdiction_id": ["jakarta", "bogor"],
}

update_field = st.sampled_from(sorted(UPDATE_VALUES)).flatmap(
    lambda name: st.tuples(
        st.just(name), st.one_of(st.sampled_from(UPDATE_VALUES[name]), st.text(max_size=60))
    )
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(update_field, max_size=10),
       who=st.sampled_from(["PSI", "PKS", "crm", "admin", None]),
       target=st.one_of(st.sampled_from(["real", "JBT-00000000", ""]), st.text(max_size=30)),
       multipart=st.booleans(), fmt=st.sampled_from(["xml", "json"]))
def test_fuzzed_update_posts_get_spec_answers_only(client: Any, keys: Any, submit: Any,
                                                   pairs: list, who: str | None, target: str,
                                                   multipart: bool, fmt: str) -> None:
    """posko notes and CRM pushes, generated: the spec's answers and errors, never a 5xx."""
    form = MultiDict(pairs)
    if who is not None:
        form.add("api_key", {"crm": keys.crm, "admin": keys.admin}.get(who)
                 or keys.faction[who])
    form.add("service_request_id", submit() if target == "real" else target)
    response = client.post(
        f"{BASE}/servicerequestupdates.{fmt}", data=form,
        content_type="multipart/form-data" if multipart else None,
    )
    assert response.status_code in (200, 400, 403, 404, 409), response.data
    if response.status_code >= 400:
        error_of(response, fmt, response.status_code)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segment=st.text(min_size=1, max_size=40).filter(lambda s: s not in (".", "..")),
       query=st.dictionaries(st.sampled_from(["api_key", "jurisdiction_id", "lang"]),
                             st.text(max_size=30), max_size=2),
       fmt=st.sampled_from(["xml", "json"]))
def test_fuzzed_paths_get_spec_answers_only(client: Any, segment: str, query: dict,
                                            fmt: str) -> None:
    """Generated service codes and request ids in the path: 200 or the spec's errors."""
    quoted = quote(segment, safe="")
    for path in (f"services/{quoted}", f"requests/{quoted}", "discovery", "services"):
        response = client.get(f"{BASE}/{path}.{fmt}", query_string=query)
        assert response.status_code in (200, 400, 403, 404), (path, response.data)
        if response.status_code >= 400:
            error_of(response, fmt, response.status_code)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(field_value, max_size=14), fmt=st.sampled_from(["xml", "json"]))
def test_fuzzed_multipart_forms_get_spec_answers_only(client: Any, psi: str, pairs: list,
                                                      fmt: str) -> None:
    """The same generated POST requests forms, sent multipart (as the spec allows)."""
    form = MultiDict(pairs)
    form.add("api_key", psi)
    response = client.post(f"{BASE}/requests.{fmt}", data=form,
                           content_type="multipart/form-data")
    assert response.status_code in (200, 201, 400, 403, 404, 409), response.data
    if response.status_code >= 400:
        error_of(response, fmt, response.status_code)
