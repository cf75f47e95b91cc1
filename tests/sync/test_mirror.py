"""Mirroring a posko feed: a small Open311 server on 127.0.0.1, polled and written back to."""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask, Response, request
from sqlalchemy import select, update

from app.cli import main
from app.config import Settings
from app.database import Database
from app.events import append_event
from app.models import Complaint, Faction, OutboxMessage, SyncCursor
from schemas.open311 import parse_datetime, render_requests
from sync import mirror
from sync.context import build_context
from sync.worker import TOPICS, jobs
from tests.support.processes import live_server

NOW = datetime.now(UTC)


def feed_item(feed_id: str, hours_ago: float, **overrides: Any) -> dict[str, Any]:
    item = {
        "service_request_id": feed_id,
        "status": "open",
        "service_code": "sampah",
        "service_name": "Sampah",
        "description": f"Laporan {feed_id}\r\nsampah di gang",
        "requested_datetime": NOW - timedelta(hours=hours_ago),
        "updated_datetime": NOW - timedelta(hours=hours_ago),
        "address": "Jl. Tanah Abang II, Kelurahan Petojo Selatan",
        "lat": -6.1702,
        "long": 106.8157,
        "media_url": "https://posko.example.org/foto.jpg",
    }
    item.update(overrides)
    return item


# A request whose datetime is not W3C: the parser must report it and go on.
MALFORMED = (
    b"<request><service_request_id>FEED-BAD</service_request_id><status>open</status>"
    b"<service_code>sampah</service_code><description>rusak</description>"
    b"<requested_datetime>kemarin sore</requested_datetime></request>"
)


class FeedServer:
    """A posko's Open311 endpoint: windows of requests.xml, and the updates it was sent."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.windows: list[tuple[str, str]] = []
        self.updates: list[dict[str, str]] = []
        self.fail_posts = 0
        self.lock = threading.Lock()
        self.app = Flask("feed")
        self.app.add_url_rule("/fms/open311/v2/requests.xml", view_func=self.requests)
        self.app.add_url_rule("/fms/open311/v2/servicerequestupdates.xml",
                              view_func=self.post_update, methods=["POST"])

    def requests(self) -> Response:
        start, end = request.args["start_date"], request.args["end_date"]
        self.windows.append((start, end))
        low, high = parse_datetime(start), parse_datetime(end)
        chosen = [i for i in self.items if low <= i["requested_datetime"] <= high]
        body = render_requests(chosen, "xml")
        if chosen and any(i["service_request_id"] == "FEED-2" for i in chosen):
            # The broken item sits between good ones.
            head, _, tail = body.partition(b"</request>")
            body = head + b"</request>" + MALFORMED + tail
        return Response(body, content_type="text/xml; charset=utf-8")

    def post_update(self) -> Response:
        with self.lock:
            if self.fail_posts:
                self.fail_posts -= 1
                return Response("busy", status=503, headers={"Retry-After": "0"})
            self.updates.append(request.form.to_dict())
        body = (b'<?xml version="1.0" encoding="utf-8"?><service_request_updates>'
                b"<request_update><update_id>1</update_id></request_update>"
                b"</service_request_updates>")
        return Response(body, content_type="text/xml; charset=utf-8")


@pytest.fixture
def feed() -> Iterator[tuple[FeedServer, str]]:
    server = FeedServer()
    with live_server(server.app) as base:
        yield server, f"{base}/fms/open311/v2"


@pytest.fixture
def private_settings(settings: Settings) -> Settings:
    """The feeds here are on 127.0.0.1: the outbound guard must let loopback through."""
    return dataclasses.replace(settings, OUTBOUND_ALLOW_PRIVATE=True)


def _cli(settings: Settings, *args: str) -> Any:
    env = {"JEMBATAN_ENV": "test", "JEMBATAN_DATABASE_URL": settings.DATABASE_URL,
           "JEMBATAN_OUTBOUND_ALLOW_PRIVATE": "1" if settings.OUTBOUND_ALLOW_PRIVATE else "0"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _complaints(db: Database) -> dict[str, Complaint]:
    with db.session() as session:
        rows = session.scalars(select(Complaint)).all()
        session.expunge_all()
    return {c.external_id: c for c in rows}


def _make_due(db: Database) -> None:
    with db.transaction() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC)))


def test_mirror_loop(private_settings: Settings, db: Database, keys: Any, feed: Any) -> None:
    settings = private_settings
    server, url = feed
    server.items = [
        feed_item("FEED-1", 50),
        # Elsewhere (~550 m): the same words at the same spot would be a duplicate of FEED-1.
        feed_item("FEED-2", 30, lat=-6.1752),
        # No kelurahan can be told from this one: skipped and reported, not fatal.
        feed_item("FEED-NOWHERE", 20, address="Di dekat pasar", description="Tidak jelas"),
        feed_item("FEED-3", 2, service_code="pkl", description="PKL di trotoar",
                  address="31.71.01.1002"),
    ]
    result = _cli(settings, "factions", "feed", "PSI", url, "--api-key", "posko-secret")
    assert result.exit_code == 0, result.output
    assert "posko-secret" not in result.output

    context = build_context(settings, TOPICS)
    try:
        stats = mirror.mirror_job(context)
        assert (stats.feeds, stats.created, stats.skipped, stats.failed_feeds) == (1, 3, 2, 0)
        stored = _complaints(db)
        assert set(stored) == {"FEED-1", "FEED-2", "FEED-3"}
        assert {c.source for c in stored.values()} == {"feed"}
        assert stored["FEED-1"].kelurahan_code == "31.71.01.1004"  # named: Petojo Selatan
        assert stored["FEED-3"].kelurahan_code == "31.71.01.1002"
        assert stored["FEED-3"].category == "pkl"
        assert stored["FEED-1"].title == "Laporan FEED-1"
        assert stored["FEED-1"].description == "Laporan FEED-1\nsampah di gang"
        # Windows are W3C with an offset, consecutive, and start a week back.
        for start, end in server.windows:
            assert parse_datetime(start) < parse_datetime(end)
            assert parse_datetime(end) - parse_datetime(start) <= timedelta(days=90)
        first_start = parse_datetime(server.windows[0][0])
        assert NOW - first_start >= timedelta(days=6)
        with db.session() as session:
            cursor = session.get(SyncCursor, "feed:PSI")
            assert cursor is not None and cursor.value

        # Each new complaint's first event (received) goes back to the feed.
        mirror.deliver_feed_updates(context)
        by_feed_id = {u["service_request_id"]: u for u in server.updates}
        assert set(by_feed_id) == {"FEED-1", "FEED-2", "FEED-3"}
        received = by_feed_id["FEED-2"]
        assert received["status"] == "OPEN"
        assert received["external_status_code"] == "received"
        assert received["api_key"] == "posko-secret"
        assert received["update_id"] == f"{stored['FEED-2'].tracking_code}-1"
        assert parse_datetime(received["updated_datetime"])

        # Polling again (overlapping the last window) creates nothing new, and finds a new one.
        server.items.append(feed_item("FEED-4", 0.01))
        polls_before = len(server.windows)
        again = mirror.mirror_job(context)
        assert (again.created, again.failed_feeds) == (1, 0)
        assert set(_complaints(db)) == {"FEED-1", "FEED-2", "FEED-3", "FEED-4"}
        second_start = parse_datetime(server.windows[polls_before][0])
        assert second_start <= parse_datetime(server.windows[polls_before - 1][1])
        mirror.deliver_feed_updates(context)
        assert [u["service_request_id"] for u in server.updates].count("FEED-1") == 1

        # Status changes go back in seq order, retried through a failure.
        with db.transaction() as session:
            complaint = session.scalars(
                select(Complaint).where(Complaint.external_id == "FEED-1")
            ).one()
            append_event(session, complaint, "in_progress", source="crm", note="Dikerjakan")
            append_event(session, complaint, "resolved", source="crm", note="Sudah bersih")
        server.updates.clear()
        server.fail_posts = 1
        stats = mirror.deliver_feed_updates(context)
        assert stats.retried == 1
        feed1 = [u for u in server.updates if u["service_request_id"] == "FEED-1"]
        assert feed1 == []  # seq 3 waits for seq 2
        _make_due(db)
        mirror.deliver_feed_updates(context)
        feed1 = [u for u in server.updates if u["service_request_id"] == "FEED-1"]
        assert [(u["status"], u["external_status_code"], u["description"]) for u in feed1] == [
            ("IN_PROGRESS", "in_progress", "Dikerjakan"),
            ("FIXED", "resolved", "Sudah bersih"),
        ]
    finally:
        context.close()


def test_unreachable_feed_keeps_its_cursor(
    private_settings: Settings, db: Database, keys: Any
) -> None:
    settings = private_settings
    with db.transaction() as session:
        faction = session.scalars(select(Faction).where(Faction.code == "PKS")).one()
        faction.feed_url = "http://127.0.0.1:9/open311/v2/"
    context = build_context(settings, TOPICS)
    try:
        stats = mirror.mirror_job(context)
        assert (stats.feeds, stats.failed_feeds, stats.created) == (1, 1, 0)
        with db.session() as session:
            assert session.get(SyncCursor, "feed:PKS") is None
    finally:
        context.close()


def test_complaints_not_from_a_feed_queue_nothing(client: Any, db: Database, keys: Any) -> None:
    from tests.app.open311.conftest import request_form

    with db.transaction() as session:
        faction = session.scalars(select(Faction).where(Faction.code == "PSI")).one()
        faction.feed_url = "http://127.0.0.1:9/open311/v2/"
    response = client.post("/open311/v2/requests.xml", data=request_form(keys.faction["PSI"]))
    assert response.status_code == 201
    with db.session() as session:
        topics = session.scalars(select(OutboxMessage.topic)).all()
    assert topics == ["crm.submit"]


def test_feed_cli(
    settings: Settings, db: Database, keys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.resolver import fake_resolver

    # The CLI resolves the posko's name to check it; answer a public address, send nothing.
    monkeypatch.setattr(socket, "getaddrinfo",
                        fake_resolver({"posko.example.org": ["203.0.114.10"]}))
    ok = _cli(settings, "factions", "feed", "pks", "https://posko.example.org/open311/v2",
              "--format", "json")
    assert ok.exit_code == 0 and "mirroring https://posko.example.org/open311/v2/" in ok.output
    with db.session() as session:
        faction = session.scalars(select(Faction).where(Faction.code == "PKS")).one()
        assert (faction.feed_url, faction.feed_format, faction.feed_api_key) == (
            "https://posko.example.org/open311/v2/", "json", None)
    assert _cli(settings, "factions", "feed", "PKS", "ftp://x").exit_code != 0
    loopback = _cli(settings, "factions", "feed", "PKS", "http://127.0.0.1:8080/open311/v2/")
    assert loopback.exit_code == 2 and "127.0.0.1 is not a globally routable" in loopback.output
    assert "JEMBATAN_OUTBOUND_ALLOW_PRIVATE" in loopback.output
    assert _cli(settings, "factions", "feed", "PKS").exit_code != 0
    assert _cli(settings, "factions", "feed", "NOPE", "https://x.example.org/").exit_code != 0
    cleared = _cli(settings, "factions", "feed", "PKS", "--clear")
    assert cleared.exit_code == 0
    with db.session() as session:
        faction = session.scalars(select(Faction).where(Faction.code == "PKS")).one()
        assert faction.feed_url is None


def test_worker_knows_the_mirror(settings: Settings) -> None:
    assert mirror.register in TOPICS
    names = {name for name, _interval, _job in jobs(settings)}
    assert {"mirror", "feed_updates"} <= names
