"""Schemathesis against `/api/v1/openapi.json`: every operation, with a valid key of its role.

Each operation is one test. Schemathesis generates schema-valid and schema-invalid requests
(its examples, coverage and fuzzing phases, bounded below); every answer must be no 5xx, carry
a status code the document lists for that operation (not merely `default`), the documented
content type, headers and body schema, and an invalid request must be refused. Path
parameters are sometimes swapped for ids that exist (seeded complaints, factions, a key, a
dead letter) so that handlers run past their 404s.
"""

from __future__ import annotations

import dataclasses
import itertools
import socket
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from sqlalchemy import select, update

from app import create_app
from app.auth import issue_key
from app.config import Settings
from app.models import Complaint, Faction, OutboxMessage, WebhookSubscription
from app.webhooks import new_secret
from app.wiring import categories_of
from tests.conftest import Keys
from tests.support.complaints import store_complaint

# Fuzzing-phase examples per operation (the coverage phase adds its own boundary cases).
MAX_EXAMPLES = 20
SEED = 20261129
KELURAHAN = ["31.71.01.1001", "31.71.01.1002"]


def _openapi_app() -> Flask:
    """An app only to read the document from: it never touches its (in-memory) database."""
    return create_app(Settings.from_env(
        environ={}, ENV="test", DATABASE_URL="sqlite://",
        CRM_URL="http://127.0.0.1:9/open311/v2/", RATELIMIT_ENABLED=False, LOG_JSON=False,
    ))


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    _openapi_app(),
    config=schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        # Stateful links are not in the document; each operation is fuzzed on its own.
        "phases": {"stateful": {"enabled": False}},
    }),
)


def status_code_listed(ctx: Any, response: Any, case: Any) -> bool | None:
    """The status code is listed for the operation itself, not only covered by `default`."""
    if case.method.upper() != case.operation.method.upper():
        return None  # an unexpected-method probe: `unsupported_method` judges the 405
    listed = {code for code in case.operation.responses.status_codes if code != "default"}
    if str(response.status_code) not in listed:
        raise AssertionError(
            f"{case.operation.label} answered {response.status_code}, which its documentation "
            f"does not list (it lists {', '.join(sorted(listed))})"
        )
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    status_code_listed,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
    unsupported_method,
]


def roles_for(method: str, path: str) -> tuple[str, ...]:
    """Who may call an operation (docs/API.md#auth): the keys a fuzzed request is sent with."""
    if path.startswith("/api/v1/admin/"):
        return ("admin",)
    if path == "/api/v1/categories":
        return ("PSI", "admin", "crm")
    if path.startswith("/api/v1/webhook") or (method, path) == ("POST", "/api/v1/complaints"):
        return ("PSI",)
    if path.startswith("/api/v1/complaints"):
        return ("PSI", "admin")
    if path.startswith("/api/v1/duplicates"):
        return ("admin", "crm")
    raise AssertionError(f"no role known for {method} {path}: add it to roles_for")


@dataclass
class Seeded:
    """Real values for path parameters, by parameter name."""

    values: dict[str, list[Any]]
    categories: list[str]
    turns: itertools.count = dataclasses.field(default_factory=itertools.count)


@pytest.fixture
def app(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app, with webhook URLs allowed to resolve to loopback (no DNS is asked)."""
    real_getaddrinfo = socket.getaddrinfo

    def resolve_locally(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        # The network edge: every name is a host on loopback; IDNA errors stay real.
        if isinstance(host, str):
            host.encode("idna")
        return real_getaddrinfo("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve_locally)
    application = create_app(dataclasses.replace(settings, WEBHOOK_ALLOW_PRIVATE=True))
    yield application
    application.extensions["db"].dispose()


@pytest.fixture
def seeded(app: Flask, keys: Keys) -> Seeded:
    """Complaints of PSI and PKS, a webhook subscription, a spare key and a dead letter."""
    own = [store_complaint(app, "PSI", external_id=f"PSI-FUZZ-{i}") for i in range(3)]
    other = store_complaint(app, "PKS", external_id="PKS-FUZZ-1")
    db = app.extensions["db"]
    with db.transaction() as session:
        psi = session.scalars(select(Faction).where(Faction.code == "PSI")).one()
        spare = issue_key(session, "crm", label="spare, revocable by the fuzzer")
        session.add(WebhookSubscription(
            faction_id=psi.id, url="https://posko.example.org/hook", secret=new_secret(),
        ))
        message_ids = list(session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
        # A suggestion to review: PKS's complaint may duplicate PSI's first.
        suggested = session.get(Complaint, other.id)
        suggested.duplicate_of_id, suggested.duplicate_state = own[0].id, "suggested"
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_ids[0]).values(status="dead")
        )
    codes = sorted(categories_of(app.extensions["settings"]))
    return Seeded({
        "complaint_id": [str(c.id) for c in own] + [str(other.id)],
        "code": ["PSI", "PKS", "pdip", "NOSUCH"],
        "key_id": [spare.key_id],
        "message_id": message_ids[:2],
        "tracking_code": [other.tracking_code, own[1].tracking_code, "JBT-ZZZZZZZZ"],
    }, codes)


def _with_real_codes(case: Any, turn: int, codes: list[str]) -> None:
    """A schema-valid complaint, given a real category and kelurahan, reaches intake.

    Which codes exist is configuration, not part of the document, so generated codes are
    refused (422) and the handler would never run without this.
    """
    body = case.body
    if case.meta.generation.mode != GenerationMode.POSITIVE or not isinstance(body, dict):
        return
    body["category"] = codes[turn % len(codes)]
    if case.headers and "Idempotency-Key" in case.headers:
        # A generated key repeats across examples; a repeat with another body is a 422.
        case.headers["Idempotency-Key"] = f"fuzz-{turn}"
    location = body.get("location")
    if isinstance(location, dict):
        location["kelurahan_code"] = KELURAHAN[turn % len(KELURAHAN)]
        if location.get("lat") is not None and location.get("lon") is not None:
            location["lat"], location["lon"] = -6.1754, 106.8272


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_operation_answers_as_documented(
    case: Any, app: Flask, keys: Keys, seeded: Seeded
) -> None:
    """A fuzzed request with a valid key: no 5xx, and the answer matches the document."""
    method, path = case.operation.method.upper(), case.operation.path
    # Round-robin (deterministic, as generation is): each allowed role; real ids and codes
    # in every other case that is meant to be valid there.
    turn = next(seeded.turns)
    roles = roles_for(method, path)
    who = roles[turn % len(roles)]
    if turn % 2 == 0 and not _negative_at(case, ParameterLocation.PATH):
        for name in list(case.path_parameters or {}):
            if name in seeded.values:
                values = seeded.values[name]
                case.path_parameters[name] = values[(turn // 2) % len(values)]
    if turn % 2 == 0 and (method, path) == ("POST", "/api/v1/complaints"):
        _with_real_codes(case, turn // 2, seeded.categories)
    # A case made invalid in its headers keeps them (and gets its 401 or 422); every other
    # case is sent with a valid key, so that it reaches validation and the handler.
    headers = None if _negative_at(case, ParameterLocation.HEADER) else keys.headers(who)
    # Probes (ignored_auth) go to the same application.
    case.operation.schema.app = app
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)


def _negative_at(case: Any, location: ParameterLocation) -> bool:
    return case.meta is not None and case.meta.is_negative_at(location)
