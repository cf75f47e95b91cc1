"""Helpers for the /open311/v2 tests: a valid form, and reading answers in either format."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from werkzeug.test import TestResponse

from tests.app.open311 import spec

BASE = "/open311/v2"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}


def request_form(api_key: str, /, **overrides: Any) -> dict[str, Any]:
    """A valid POST requests form, as a FixMyStreet-style posko sends it."""
    form: dict[str, Any] = {
        "api_key": api_key,
        "jurisdiction_id": "jakarta",
        "service_code": "sampah",
        "description": "Sampah menumpuk di pinggir kali\r\nSudah seminggu tidak diangkut.",
        "lat": "-6.1754",
        "long": "106.8272",
        "attribute[kelurahan_code]": "31.71.01.1001",
        "email": "siti@example.org",
        "first_name": "Siti",
        "last_name": "Aminah",
        "phone": "081234567890",
    }
    for key, value in overrides.items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    return form


def read(response: TestResponse, fmt: str, schema: dict[str, Any] | None = None) -> Any:
    """The document of an answer: JSON validated against `schema`, XML as (tag, value)."""
    assert response.headers["Content-Type"] == CONTENT_TYPES[fmt]
    if fmt == "json":
        document = json.loads(response.data)
        if schema is not None:
            jsonschema.validate(document, schema)
        return document
    return spec.xml_document(response.data)


def error_of(response: TestResponse, fmt: str, status: int) -> str:
    """The single error's description, after checking the <errors> envelope and code."""
    assert response.status_code == status, response.data
    if fmt == "json":
        errors = read(response, fmt, spec.ERRORS)
    else:
        tag, errors = read(response, fmt)
        assert tag == "errors"
    assert isinstance(errors, list) and len(errors) == 1
    assert errors[0]["code"] == str(status)
    return errors[0]["description"]


@pytest.fixture(params=["xml", "json"])
def fmt(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def psi(keys: Any) -> str:
    return keys.faction["PSI"]


@pytest.fixture
def submit(client: Any, psi: str) -> Any:
    """POST a request (PSI's key by default); returns the tracking code."""

    def _submit(fmt: str = "xml", **overrides: Any) -> str:
        response = client.post(f"{BASE}/requests.{fmt}", data=request_form(psi, **overrides))
        assert response.status_code in (200, 201), response.data
        document = read(response, fmt, spec.REQUEST_CREATED)
        items = document if fmt == "json" else document[1]
        return items[0]["service_request_id"]

    return _submit
