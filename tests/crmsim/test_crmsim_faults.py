"""Fault injection: each kind, set through /_sim/faults, seen by a real HTTP client."""

import time

import pytest
import requests

from schemas.open311 import parse_errors, parse_request_created


def set_faults(crm, **settings):
    response = crm.sim("POST", "faults", json=settings)
    assert response.status_code == 200, response.text
    return response.json()


def ref(name):
    return {"attribute[gateway_ref]": name}


def test_get_faults_shows_defaults(crm):
    faults = crm.sim("GET", "faults").json()
    assert faults["error_rate"] == 0 and faults["down"] is False
    assert faults["error_statuses"] == [500, 502, 503]
    assert faults["apply_to_reads"] is False and faults["injected"] == {}


def test_error_rate_answers_an_error_and_creates_nothing(crm):
    set_faults(crm, error_rate=1, error_statuses=[502])
    response = crm.post_request("xml", **ref("JBT-ERR-1"))
    assert response.status_code == 502
    assert parse_errors(response.content, "xml")[0]["code"] == "502"
    assert not [t for t in crm.tickets() if t["gateway_ref"] == "JBT-ERR-1"]
    # Reads are spared unless apply_to_reads is set.
    assert crm.get("services.xml").status_code == 200
    set_faults(crm, apply_to_reads=True)
    assert crm.get("services.xml").status_code == 502
    assert crm.sim("GET", "faults").json()["injected"] == {"error": 2}


def test_partial_error_rate_fails_some_and_passes_others(crm):
    set_faults(crm, error_rate=0.5)
    statuses = [crm.post_request().status_code for _ in range(30)]
    assert {500, 502, 503} & set(statuses) and 201 in statuses
    assert set(statuses) <= {201, 500, 502, 503}


def test_rate_limit_answers_429_with_retry_after(crm):
    set_faults(crm, rate_limit_rate=1, retry_after_s=7)
    response = crm.post_request("json")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert parse_errors(response.content, "json")[0]["code"] == "429"


def test_timeout_holds_the_request_and_creates_nothing(crm):
    set_faults(crm, timeout_rate=1, timeout_s=1.5)
    with pytest.raises(requests.Timeout):
        crm.post_request(timeout=0.3, **ref("JBT-TIMEOUT-1"))
    assert not [t for t in crm.tickets() if t["gateway_ref"] == "JBT-TIMEOUT-1"]


def test_lost_response_creates_the_ticket_but_the_client_never_hears(crm):
    set_faults(crm, lost_response_rate=1)
    with pytest.raises(requests.ConnectionError):
        crm.post_request(**ref("JBT-LOST-ANSWER"))
    [ticket] = [t for t in crm.tickets() if t["gateway_ref"] == "JBT-LOST-ANSWER"]
    assert ticket["post_count"] == 1
    # The gateway retries with the same ref once the CRM behaves: same ticket, no duplicate.
    crm.sim("DELETE", "faults")
    retry = crm.post_request(**ref("JBT-LOST-ANSWER"))
    assert retry.status_code == 200
    [created] = parse_request_created(retry.content, "json")
    assert created["service_request_id"] == ticket["service_request_id"]
    assert crm.ticket(ticket["service_request_id"])["post_count"] == 2


def test_lost_response_after_a_delay_is_a_client_timeout(crm):
    set_faults(crm, lost_response_rate=1, lost_response_delay_s=1.5)
    with pytest.raises(requests.Timeout):
        crm.post_request(timeout=0.3, **ref("JBT-LOST-SLOW"))
    assert [t for t in crm.tickets() if t["gateway_ref"] == "JBT-LOST-SLOW"]


def test_latency_delays_every_answer(crm):
    set_faults(crm, latency_ms=500)
    started = time.monotonic()
    assert crm.post_request().status_code == 201
    assert time.monotonic() - started >= 0.5
    started = time.monotonic()
    crm.get("services.json")
    assert time.monotonic() - started < 0.5  # reads spared by default


def test_down_refuses_all_of_open311_but_not_the_controls(crm):
    set_faults(crm, down=True)
    for response in (crm.post_request(), crm.get("services.json"), crm.get("requests.xml")):
        assert response.status_code == 503
    assert crm.sim("GET", "tickets").status_code == 200
    set_faults(crm, down=False)
    assert crm.get("services.json").status_code == 200


@pytest.mark.parametrize(
    "settings",
    [
        {"error_rate": 2},
        {"error_rate": "often"},
        {"retry_after_s": 1.5},
        {"error_statuses": [200]},
        {"down": "yes"},
        {"explode": True},
    ],
)
def test_bad_fault_settings_are_refused_whole(crm, settings):
    response = crm.sim("POST", "faults", json=settings | {"latency_ms": 5})
    assert response.status_code == 400
    assert crm.sim("GET", "faults").json()["latency_ms"] == 0
