"""One ticket per gateway_ref, however many times the gateway POSTs it."""

import pytest

from schemas.open311 import FORMATS, parse_request_created


def created_id(response, fmt="json"):
    [created] = parse_request_created(response.content, fmt)
    return created["service_request_id"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_repeat_post_with_same_gateway_ref_returns_same_ticket(crm, fmt):
    ref = f"JBT-IDEM-{fmt.upper()}"
    first = crm.post_request(fmt, **{"attribute[gateway_ref]": ref, "attribute[fraksi]": "PKS"})
    second = crm.post_request(fmt, **{"attribute[gateway_ref]": ref, "attribute[fraksi]": "PKS"})
    assert first.status_code == 201 and second.status_code == 200
    assert created_id(first, fmt) == created_id(second, fmt)
    mine = [t for t in crm.tickets() if t["gateway_ref"] == ref]
    assert len(mine) == 1
    assert mine[0]["post_count"] == 2
    assert mine[0]["update_count"] == 1  # the replay wrote no second MENUNGGU


def test_idempotency_key_header_alone_is_honoured(crm):
    headers = {"Idempotency-Key": "JBT-HEADER-1"}
    first = created_id(crm.post_request(headers=headers))
    assert created_id(crm.post_request(headers=headers)) == first
    assert crm.ticket(first)["gateway_ref"] == "JBT-HEADER-1"
    assert crm.ticket(first)["post_count"] == 2


def test_gateway_ref_wins_over_the_header(crm):
    first = created_id(
        crm.post_request(headers={"Idempotency-Key": "K-A"}, **{"attribute[gateway_ref]": "R-A"})
    )
    again = created_id(
        crm.post_request(headers={"Idempotency-Key": "K-B"}, **{"attribute[gateway_ref]": "R-A"})
    )
    assert again == first


def test_distinct_refs_and_no_ref_make_distinct_tickets(crm):
    one = created_id(crm.post_request(**{"attribute[gateway_ref]": "JBT-D1"}))
    two = created_id(crm.post_request(**{"attribute[gateway_ref]": "JBT-D2"}))
    plain_a, plain_b = created_id(crm.post_request()), created_id(crm.post_request())
    assert len({one, two, plain_a, plain_b}) == 4
    assert int(two) > int(one)


def test_deleted_ticket_is_lost_and_a_repost_makes_a_new_one(crm):
    ref = {"attribute[gateway_ref]": "JBT-LOST-1"}
    lost = created_id(crm.post_request(**ref))
    assert crm.sim("DELETE", f"tickets/{lost}").status_code == 204
    assert crm.get(f"requests/{lost}.json").status_code == 404
    assert all(
        u["service_request_id"] != lost for u in crm.get("servicerequestupdates.json").json()
    )
    assert crm.sim("DELETE", f"tickets/{lost}").status_code == 404
    again = crm.post_request(**ref)
    assert again.status_code == 201 and created_id(again) != lost
