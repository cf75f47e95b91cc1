"""api_key checks, batch mode with tokens, a restart on the same file, and the CLI."""

import subprocess
import sys
import time

import pytest
import requests

from schemas.open311 import parse_errors, parse_request_created, parse_requests, parse_tokens
from tests.support.crmsim import REPO_ROOT, open311_url, running_crm_sim

LOCATION = {"service_code": "JSC-105", "lat": "-6.2", "long": "106.8"}


@pytest.fixture(scope="module")
def keyed_crm(tmp_path_factory):
    with running_crm_sim(tmp_path_factory.mktemp("keyed"), api_key="rahasia-crm") as url:
        yield open311_url(url)


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize("api_key", [None, "salah"])
def test_missing_or_wrong_api_key_is_403(keyed_crm, fmt, api_key):
    data = LOCATION | ({"api_key": api_key} if api_key else {})
    response = requests.post(f"{keyed_crm}requests.{fmt}", data=data, timeout=5)
    assert response.status_code == 403
    assert parse_errors(response.content, fmt)[0]["code"] == "403"


def test_api_key_in_body_or_query_string(keyed_crm):
    body = requests.post(
        f"{keyed_crm}requests.xml", data=LOCATION | {"api_key": "rahasia-crm"}, timeout=5
    )
    query = requests.post(
        f"{keyed_crm}requests.xml", params={"api_key": "rahasia-crm"}, data=LOCATION, timeout=5
    )
    assert (body.status_code, query.status_code) == (201, 201)
    # As the spec says, reading needs no key.
    assert requests.get(f"{keyed_crm}services.xml", timeout=5).status_code == 200


def test_tokens_answer_404_until_the_ticket_exists(tmp_path):
    with running_crm_sim(tmp_path, extra_args=["--tokens", "--token-delay", "1.0"]) as url:
        open311 = open311_url(url)
        data = LOCATION | {"attribute[gateway_ref]": "JBT-TOKEN-1"}
        response = requests.post(f"{open311}requests.xml", data=data, timeout=5)
        assert response.status_code == 201
        [created] = parse_request_created(response.content, "xml")
        token = created["token"]
        assert token and "service_request_id" not in created

        pending = requests.get(f"{open311}tokens/{token}.xml", timeout=5)
        assert pending.status_code == 404
        assert parse_errors(pending.content, "xml")[0]["code"] == "404"
        assert (
            parse_requests(requests.get(f"{open311}requests.xml", timeout=5).content, "xml") == []
        )

        replay = requests.post(f"{open311}requests.json", data=data, timeout=5)
        assert parse_request_created(replay.content, "json")[0]["token"] == token

        deadline = time.monotonic() + 5
        while (
            ready := requests.get(f"{open311}tokens/{token}.json", timeout=5)
        ).status_code == 404:
            assert time.monotonic() < deadline, "the token's ticket never appeared"
            time.sleep(0.05)
        assert ready.status_code == 200
        [answer] = parse_tokens(ready.content, "json")
        assert answer["token"] == token and answer["service_request_id"].isdigit()
        listed = parse_requests(requests.get(f"{open311}requests.xml", timeout=5).content, "xml")
        assert [r["service_request_id"] for r in listed] == [answer["service_request_id"]]
        assert listed[0]["status_notes"].startswith("MENUNGGU")
        assert requests.get(f"{open311}tokens/unknown.json", timeout=5).status_code == 404


def test_state_survives_a_restart_on_the_same_file(tmp_path):
    db = tmp_path / "crm.db"
    data = LOCATION | {"attribute[gateway_ref]": "JBT-RESTART"}
    with running_crm_sim(tmp_path / "one", db_path=db) as url:
        first = requests.post(f"{open311_url(url)}requests.json", data=data, timeout=5)
        [created] = parse_request_created(first.content, "json")
    with running_crm_sim(tmp_path / "two", db_path=db) as url:
        again = requests.post(f"{open311_url(url)}requests.json", data=data, timeout=5)
        assert again.status_code == 200
        assert parse_request_created(again.content, "json") == [created]
        other = requests.post(f"{open311_url(url)}requests.json", data=LOCATION, timeout=5)
        [next_one] = parse_request_created(other.content, "json")
        assert int(next_one["service_request_id"]) == int(created["service_request_id"]) + 1


@pytest.mark.parametrize("speed", ["0", "fast", "1/0"])
def test_cli_refuses_a_bad_speed(tmp_path, speed):
    result = subprocess.run(
        [sys.executable, "-m", "crmsim", "--db", str(tmp_path / "x.db"), "--speed", speed],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=20,
    )
    assert result.returncode == 2
    assert b"speed" in result.stderr
