"""The CRM connector against the real simulator (and `responses` for broken answers)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime as http_date
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests
import responses
from hypothesis import given
from hypothesis import strategies as st

from schemas.open311 import parse_datetime
from sync import crm
from sync.crm import (
    DESCRIPTION_LIMIT,
    CrmClient,
    CrmSubmission,
    crm_description,
    parse_retry_after,
)
from sync.errors import FatalError, RetriableError
from tests.support.crmsim import open311_url, running_crm_sim
from tests.support.processes import free_port
from tests.sync.conftest import set_faults, sim_tickets

API_KEY = "crm-secret-key-123"


def submission(**overrides: object) -> CrmSubmission:
    values: dict[str, object] = {
        "tracking_code": "JBT-TEST0001",
        "service_code": "JSC-101",
        "title": "Sampah menumpuk",
        "text": "Sudah seminggu tidak diangkut.",
        "faction_code": "PSI",
        "faction_name": "Fraksi Partai Solidaritas Indonesia",
        "kelurahan_code": "31.71.01.1001",
        "kelurahan_name": "Gambir",
        "address": "Jl. Kali Pasir No. 3",
        "lat": -6.1754,
        "lon": 106.8272,
        "media_url": "https://posko.example.org/foto.jpg",
    }
    values.update(overrides)
    return CrmSubmission(**values)  # type: ignore[arg-type]


@pytest.fixture
def keyed_sim(tmp_path: Path) -> Iterator[str]:
    """A simulator that requires API_KEY and moves tickets along fast."""
    with running_crm_sim(tmp_path / "crm", speed=86400 * 50, seed=3, api_key=API_KEY) as base:
        yield base


def client_for(base_url: str, fmt: str = "xml", **kwargs: object) -> CrmClient:
    options: dict[str, object] = {"api_key": API_KEY, "fmt": fmt, "read_timeout_s": 2.0}
    options.update(kwargs)
    return CrmClient(open311_url(base_url), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_submit_sends_what_the_contract_lists(keyed_sim: str, fmt: str) -> None:
    client = client_for(keyed_sim, fmt)
    ticket = client.submit(submission())
    (created,) = sim_tickets(keyed_sim)
    assert created["service_request_id"] == ticket
    assert created["gateway_ref"] == "JBT-TEST0001"
    assert created["service_code"] == "JSC-101"
    assert created["attributes"] == {
        "gateway_ref": ["JBT-TEST0001"], "fraksi": ["PSI"], "kelurahan_code": ["31.71.01.1001"],
    }
    # A repeat (an answer we never saw) returns the same ticket: one ticket per complaint.
    assert client.submit(submission()) == ticket
    assert sim_tickets(keyed_sim)[0]["post_count"] == 2
    (read,) = client.get_requests([ticket])
    assert read["service_request_id"] == ticket
    assert read["description"].startswith("Sampah menumpuk\n\nSudah seminggu")
    assert read["description"].endswith("Fraksi Partai Solidaritas Indonesia")
    assert (read["lat"], read["long"]) == (-6.1754, 106.8272)
    assert read["media_url"] == "https://posko.example.org/foto.jpg"
    assert read["agency_responsible"] == "Dinas Lingkungan Hidup"
    client.close()


@responses.activate
def test_form_and_headers_exactly() -> None:
    url = "http://crm.test/open311/v2/requests.xml"
    responses.post(url, body=(
        b'<?xml version="1.0" encoding="utf-8"?><service_requests><request>'
        b"<service_request_id>3100001</service_request_id></request></service_requests>"
    ), status=201)
    client = CrmClient("http://crm.test/open311/v2", api_key=API_KEY)
    assert client.submit(submission(lat=None, lon=None, media_url=None)) == "3100001"
    sent = responses.calls[0].request
    assert sent.url == url  # the key is never in a URL
    assert sent.headers["Idempotency-Key"] == "JBT-TEST0001"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(sent.body) == [
        ("api_key", API_KEY),
        ("jurisdiction_id", "jakarta"),
        ("service_code", "JSC-101"),
        ("description", "Sampah menumpuk\n\nSudah seminggu tidak diangkut.\n\n"
                        "Fraksi Partai Solidaritas Indonesia"),
        ("address_string", "Jl. Kali Pasir No. 3, Gambir"),
        ("attribute[gateway_ref]", "JBT-TEST0001"),
        ("attribute[fraksi]", "PSI"),
        ("attribute[kelurahan_code]", "31.71.01.1001"),
    ]


def test_a_long_description_is_cut_to_the_spec_limit(keyed_sim: str) -> None:
    client = client_for(keyed_sim)
    ticket = client.submit(submission(text="x" * 5000))
    (read,) = client.get_requests([ticket])
    assert len(read["description"]) == DESCRIPTION_LIMIT
    assert read["description"].endswith("…")


@given(title=st.text(max_size=200), text=st.text(max_size=5000), faction=st.text(max_size=80))
def test_description_never_exceeds_4000_and_keeps_its_start(
    title: str, text: str, faction: str
) -> None:
    description = crm_description(title, text, faction)
    full = f"{title}\n\n{text}\n\n{faction}"
    assert len(description) <= DESCRIPTION_LIMIT
    if len(full) <= DESCRIPTION_LIMIT:
        assert description == full
    else:
        assert description.endswith("…")
        assert full.startswith(description[:-1])


def test_a_token_is_followed_until_its_ticket_exists(tmp_path: Path) -> None:
    extra = ["--tokens", "--token-delay", "0.5"]
    with running_crm_sim(tmp_path / "crm", extra_args=extra) as base:
        client = client_for(base, api_key=None)
        with pytest.raises(RetriableError) as first:
            client.submit(submission())
        assert first.value.status == 404 and first.value.counts_against_destination is False
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while True:
            try:
                ticket = client.submit(submission())
                break
            except RetriableError:
                assert datetime.now(UTC) < deadline
        (only,) = sim_tickets(base)
        assert only["service_request_id"] == ticket


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_errors_document_is_read_and_4xx_is_fatal(keyed_sim: str, fmt: str) -> None:
    client = client_for(keyed_sim, fmt)
    with pytest.raises(FatalError) as unknown:
        client.submit(submission(service_code="JSC-999"))
    assert unknown.value.status == 400
    assert "JSC-999" in str(unknown.value)  # the CRM's own description
    wrong_key = client_for(keyed_sim, fmt, api_key="not-the-key")
    with pytest.raises(FatalError) as refused:
        wrong_key.submit(submission())
    assert refused.value.status == 403
    assert sim_tickets(keyed_sim) == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_retriable(keyed_sim: str, status: int) -> None:
    set_faults(keyed_sim, error_rate=1.0, error_statuses=[status])
    with pytest.raises(RetriableError) as failed:
        client_for(keyed_sim).submit(submission())
    assert failed.value.status == status and failed.value.counts_against_destination


def test_429_is_retriable_with_its_retry_after(keyed_sim: str) -> None:
    set_faults(keyed_sim, rate_limit_rate=1.0, retry_after_s=7)
    with pytest.raises(RetriableError) as limited:
        client_for(keyed_sim).submit(submission())
    assert (limited.value.status, limited.value.retry_after) == (429, 7.0)


def test_timeout_and_lost_answer_and_refused_connection_are_retriable(keyed_sim: str) -> None:
    client = client_for(keyed_sim, read_timeout_s=0.3)
    set_faults(keyed_sim, timeout_rate=1.0, timeout_s=1.0)
    with pytest.raises(RetriableError, match="timeout"):
        client.submit(submission())
    set_faults(keyed_sim, timeout_rate=0.0, lost_response_rate=1.0)
    with pytest.raises(RetriableError, match="connection error"):
        client.submit(submission())
    set_faults(keyed_sim, lost_response_rate=0.0)
    assert client.submit(submission())  # the lost answer's ticket, found by gateway_ref
    assert len(sim_tickets(keyed_sim)) == 1
    nobody = CrmClient(f"http://127.0.0.1:{free_port()}/open311/v2/", api_key=API_KEY,
                       connect_timeout_s=0.5)
    with pytest.raises(RetriableError, match="connection error"):
        nobody.submit(submission())


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (201, b"<html>not open311</html>", FatalError),
        (201, b"", FatalError),
        (200, b'<?xml version="1.0"?><service_requests></service_requests>', FatalError),
        (408, b"", RetriableError),
        (404, b"", FatalError),
        (422, b"", FatalError),
    ],
)
def test_unreadable_answers_and_odd_statuses(status: int, body: bytes, kind: type) -> None:
    responses.post("http://crm.test/open311/v2/requests.xml", body=body, status=status)
    with pytest.raises(kind) as failed:
        CrmClient("http://crm.test/open311/v2/", api_key=API_KEY).submit(submission())
    assert failed.value.status == status


@responses.activate
def test_the_api_key_never_appears_in_error_text() -> None:
    echo = f"<errors><error><code>403</code><description>bad api_key={API_KEY}</description>" \
           "</error></errors>"
    responses.post("http://crm.test/open311/v2/requests.xml", body=echo, status=403)
    with pytest.raises(FatalError) as refused:
        CrmClient("http://crm.test/open311/v2/", api_key=API_KEY).submit(submission())
    assert API_KEY not in str(refused.value) and "[api_key]" in str(refused.value)


@responses.activate
def test_retry_after_as_an_http_date() -> None:
    later = datetime.now(UTC) + timedelta(seconds=120)
    responses.post("http://crm.test/open311/v2/requests.xml", status=503,
                   headers={"Retry-After": http_date(later, usegmt=True)})
    with pytest.raises(RetriableError) as busy:
        CrmClient("http://crm.test/open311/v2/", api_key=None).submit(submission())
    assert busy.value.retry_after is not None and 100 < busy.value.retry_after <= 120


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert parse_retry_after("5", now) == 5.0
    assert parse_retry_after("Sun, 29 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Sun, 29 Nov 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_services_requests_and_updates(keyed_sim: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for fmt in ("xml", "json"):
        client = client_for(keyed_sim, fmt)
        codes = {s["service_code"] for s in client.services()}
        assert {"JSC-101", "JSC-102"} <= codes
    client = client_for(keyed_sim, "json")
    start = datetime.now(UTC) - timedelta(seconds=1)
    tickets = [client.submit(submission(tracking_code=f"JBT-BATCH{i:03}")) for i in range(5)]
    monkeypatch.setattr(crm, "REQUESTS_BATCH", 2)
    sent: list[str] = []
    original = client.session.request

    def spy(method: str, url: str, **kwargs: object) -> requests.Response:
        sent.append(url)
        return original(method, url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(client.session, "request", spy)
    found = client.get_requests([*tickets, "999999999"])
    assert sorted(r["service_request_id"] for r in found) == sorted(tickets)
    assert len(sent) == 3  # six ids, two per call
    # The simulator moves fast: a day is 20 ms, so the first updates are already written.
    end = datetime.now(UTC) + timedelta(days=30)
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while True:
        updates = client.update_items(start, end)
        if {u["service_request_id"] for u in updates} == set(tickets):
            break
        assert datetime.now(UTC) < deadline
    assert all(parse_datetime(u["updated_datetime"]).tzinfo is not None for u in updates)
    assert len({u["update_id"] for u in updates}) == len(updates)
