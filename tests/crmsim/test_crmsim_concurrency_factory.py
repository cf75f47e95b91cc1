"""The threaded server under concurrent POSTs, and the app factory used in-process."""

from concurrent.futures import ThreadPoolExecutor

from crmsim import create_app
from schemas.open311 import parse_request_created, parse_services


def test_concurrent_posts_with_one_ref_make_one_ticket(crm):
    def post(_):
        response = crm.post_request(**{"attribute[gateway_ref]": "JBT-RACE-1"})
        return response.status_code, parse_request_created(response.content, "json")[0]

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(post, range(24)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 23 + [201]
    assert len({created["service_request_id"] for _, created in answers}) == 1
    [ticket] = [t for t in crm.tickets() if t["gateway_ref"] == "JBT-RACE-1"]
    assert ticket["post_count"] == 24 and ticket["update_count"] == 1


def test_concurrent_posts_with_distinct_refs_make_distinct_tickets(crm):
    def post(n):
        response = crm.post_request(**{"attribute[gateway_ref]": f"JBT-RACE-MANY-{n}"})
        assert response.status_code == 201
        return parse_request_created(response.content, "json")[0]["service_request_id"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        ids = list(pool.map(post, range(24)))
    assert len(set(ids)) == 24


def test_create_app_in_process_without_a_ticker(tmp_path):
    app = create_app(str(tmp_path / "inproc.db"), speed=86400, seed=3)
    client = app.test_client()
    services = client.get("/open311/v2/services.json")
    assert services.status_code == 200
    assert parse_services(services.data, "json")
    created = client.post(
        "/open311/v2/requests.xml",
        data={"service_code": "JSC-102", "address_string": "Jl. Sudirman", "attribute[x]": "1"},
    )
    assert created.status_code == 201
    assert parse_request_created(created.data, "xml")[0]["service_request_id"] == "3100001"
    assert client.get("/_sim/tickets").json[0]["agency"] == "Dinas Perhubungan"
