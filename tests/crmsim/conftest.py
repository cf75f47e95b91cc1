"""Simulators shared by the crmsim tests (each a real subprocess)."""

from collections.abc import Iterator

import pytest
import requests

from tests.support.crmsim import FAST_SPEED, open311_url, running_crm_sim

# At 1× a ticket's second status is hours away: the ticket stays MENUNGGU for the test.
STEADY_SPEED = 1.0


class Crm:
    """A running simulator: its root URL, its Open311 URL and small HTTP helpers."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.open311 = open311_url(base_url)

    def post_request(
        self, fmt: str = "json", headers=None, timeout=5, **fields
    ) -> requests.Response:
        data = {"service_code": "JSC-101", "lat": "-6.1754", "long": "106.8272"} | fields
        return requests.post(
            f"{self.open311}requests.{fmt}", data=data, headers=headers, timeout=timeout
        )

    def get(self, path: str, **params) -> requests.Response:
        return requests.get(f"{self.open311}{path}", params=params, timeout=5)

    def sim(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.base_url}/_sim/{path}", timeout=5, **kwargs)

    def tickets(self) -> list[dict]:
        return self.sim("GET", "tickets").json()

    def ticket(self, service_request_id: str) -> dict:
        [found] = [t for t in self.tickets() if t["service_request_id"] == service_request_id]
        return found


@pytest.fixture(scope="session")
def steady_crm(tmp_path_factory) -> Iterator[Crm]:
    with running_crm_sim(tmp_path_factory.mktemp("steady"), speed=STEADY_SPEED, seed=1) as url:
        yield Crm(url)


@pytest.fixture
def crm(steady_crm) -> Iterator[Crm]:
    """The steady simulator, with faults and pause cleared after each test."""
    yield steady_crm
    steady_crm.sim("DELETE", "faults")
    steady_crm.sim("POST", "resume")


@pytest.fixture(scope="session")
def fast_crm_url(tmp_path_factory) -> Iterator[str]:
    with running_crm_sim(tmp_path_factory.mktemp("fast"), speed=FAST_SPEED, seed=7) as url:
        yield url


@pytest.fixture
def fast_crm(fast_crm_url) -> Iterator[Crm]:
    crm = Crm(fast_crm_url)
    yield crm
    crm.sim("DELETE", "faults")
    crm.sim("POST", "resume")
