"""POST servicerequestupdates on the simulator: a client's update on a ticket, kept once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sync.crm import CrmClient
from sync.errors import FatalError


def _ticket(crm) -> str:
    response = crm.post_request(fmt="json")
    assert response.status_code == 201, response.text
    return response.json()[0]["service_request_id"]


def _form(ticket: str, update_id: str, **fields) -> dict[str, str]:
    return {"service_request_id": ticket, "update_id": update_id,
            "updated_datetime": "2026-12-05T08:00:00+07:00", "status": "OPEN",
            "description": "Dilaporkan juga oleh Fraksi PSI, JBT-AAAA2222"} | fields


def test_an_update_is_kept_once_per_update_id_and_shown_on_the_ticket(crm) -> None:
    import requests

    ticket = _ticket(crm)
    url = f"{crm.open311}servicerequestupdates.json"
    first = requests.post(url, data=_form(ticket, "jbt-dup:JBT-AAAA2222:1"), timeout=5)
    again = requests.post(url, data=_form(ticket, "jbt-dup:JBT-AAAA2222:1"), timeout=5)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()[0]["update_id"] == "jbt-dup:JBT-AAAA2222:1"
    shown = crm.sim("GET", f"tickets/{ticket}/updates").json()
    assert [(u["update_id"], u["post_count"]) for u in shown] == [("jbt-dup:JBT-AAAA2222:1", 2)]
    assert shown[0]["description"].startswith("Dilaporkan juga oleh Fraksi PSI")
    assert crm.ticket(ticket)["client_update_count"] == 1
    # Not the CRM's own word: its update feed does not list it.
    feed = crm.get("servicerequestupdates.json").json()
    assert all(u["update_id"] != "jbt-dup:JBT-AAAA2222:1" for u in feed)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_an_unknown_ticket_is_a_404_and_a_missing_field_a_400(crm, fmt: str) -> None:
    import requests

    url = f"{crm.open311}servicerequestupdates.{fmt}"
    unknown = requests.post(url, data=_form("999999999", "u-unknown"), timeout=5)
    assert unknown.status_code == 404
    assert "999999999" in unknown.text
    ticket = _ticket(crm)
    missing = requests.post(url, data=_form(ticket, "u-missing", description=""), timeout=5)
    assert missing.status_code == 400 and "description" in missing.text
    bad_date = requests.post(url, data=_form(ticket, "u-date", updated_datetime="kemarin"),
                             timeout=5)
    assert bad_date.status_code == 400 and "updated_datetime" in bad_date.text


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_the_connector_posts_an_update_and_a_retry_is_the_same_update(crm, fmt: str) -> None:
    ticket = _ticket(crm)
    client = CrmClient(crm.open311, api_key=None, fmt=fmt)
    when = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    update_id = f"jbt-dup:JBT-BBBB3333:{ticket}:2:{fmt}"
    for _ in range(2):
        assert client.post_update(ticket, update_id, when, "OPEN", "Dilaporkan juga") == update_id
    shown = crm.sim("GET", f"tickets/{ticket}/updates").json()
    assert [(u["update_id"], u["post_count"]) for u in shown] == [(update_id, 2)]
    with pytest.raises(FatalError) as refused:
        client.post_update("999999999", update_id + "x", when, "OPEN", "Dilaporkan juga")
    assert refused.value.status == 404
    client.close()
