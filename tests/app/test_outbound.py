"""The outbound guard (app.outbound), against local servers on 127.0.0.1 only.

Where a test needs a "public" answer, a fake resolver gives one at the edge
(socket.getaddrinfo), and a socket-level watch (the interpreter's `socket.connect` audit
event) records every connect and refuses any that would leave the machine: nothing is sent
anywhere but 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask, Response, redirect, request

from app.config import Settings
from app.outbound import (
    UnsafeAddress,
    address_is_public,
    allow_private,
    embedded_ipv4,
    http_session,
    parse_retry_after,
    url_problems,
)
from sync.errors import FatalError
from sync.mirror import FeedClient
from tests.support.processes import live_server
from tests.support.resolver import fake_resolver

# A public address that is never contacted: the socket watch refuses the connect.
PUBLIC = "203.0.114.10"

# --- the socket-level watch ---------------------------------------------------------------

_watch: list[tuple[Any, ...]] | None = None
_watch_lock = threading.Lock()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "socket.connect" or _watch is None:
        return
    address = args[1]
    if not isinstance(address, tuple):
        return
    _watch.append(address)
    if not ipaddress.ip_address(str(address[0]).split("%")[0]).is_loopback:
        raise ConnectionRefusedError(f"test watch: refused to leave the machine ({address[0]})")


sys.addaudithook(_audit)  # permanent, but inert outside `connects()`


@pytest.fixture
def connects() -> Iterator[list[tuple[Any, ...]]]:
    """Every socket.connect address while the test runs; non-loopback ones are refused."""
    global _watch
    seen: list[tuple[Any, ...]] = []
    with _watch_lock:
        _watch = seen
    try:
        yield seen
    finally:
        with _watch_lock:
            _watch = None


# --- local servers --------------------------------------------------------------------------


class Recorder:
    """A local HTTP server that records every request it gets (path, Host header)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.app = Flask("recorder")

        @self.app.before_request
        def note() -> None:
            if request.path != "/healthz":
                self.seen.append((request.path, request.headers.get("Host", "")))

        @self.app.route("/healthz")
        def healthz() -> str:
            return "ok"

        @self.app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
        @self.app.route("/<path:path>", methods=["GET", "POST"])
        def anything(path: str) -> Any:
            if path.startswith("redirect"):
                return redirect("/target", code=302)
            return Response("hello", status=200)


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, str]]:
    server = Recorder()
    with live_server(server.app) as base:
        yield server, base


# --- the address rule -------------------------------------------------------------------------

REFUSED = [
    "127.0.0.1", "127.8.9.10", "::1",  # loopback
    "10.0.0.1", "172.16.0.1", "192.168.1.10",  # private
    "169.254.169.254", "fe80::1",  # link-local (cloud metadata)
    "100.64.0.1", "100.127.255.254",  # CGNAT shared space
    "0.0.0.0", "0.1.2.3", "::",  # this network, unspecified
    "198.18.0.1", "198.19.255.1",  # benchmarking
    "192.0.2.1", "198.51.100.7", "203.0.113.9", "2001:db8::1", "3fff::1",  # documentation
    "224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1",  # multicast
    "240.0.0.1", "255.255.255.255", "192.0.0.8",  # reserved, broadcast, IETF
    "2002:a00:1::1", "2002:7f00:1::1", "2002:c0a8:10a::1",  # 6to4 around private IPv4
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped
    "::127.0.0.1", "::10.0.0.1",  # IPv4-compatible (deprecated)
    "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1",  # NAT64
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::a00:1",  # Teredo
    "fc00::1", "fd12:3456:789a::1",  # unique local fc00::/7
    "fec0::1",  # site-local (deprecated)
]
ALLOWED = [PUBLIC, "8.8.4.4", "2606:4700::1111", "::ffff:8.8.4.4", "64:ff9b::808:404",
           "2002:808:404::1"]


@pytest.mark.parametrize("address", REFUSED)
def test_every_special_purpose_range_is_refused(address: str) -> None:
    assert not address_is_public(address)
    host = f"[{address}]" if ":" in address else address
    problems = url_problems(f"http://{host}:8080/hook", allow_private=False)
    assert problems and "not a globally routable address" in problems[0], problems
    assert "JEMBATAN_OUTBOUND_ALLOW_PRIVATE=1" in problems[0]


@pytest.mark.parametrize("address", ALLOWED)
def test_globally_routable_addresses_pass(address: str) -> None:
    assert address_is_public(address)


def test_embedded_ipv4_is_unwrapped() -> None:
    ip = ipaddress.ip_address
    assert embedded_ipv4(ip("2002:a00:1::1")) == [ip("10.0.0.1")]
    assert embedded_ipv4(ip("::ffff:127.0.0.1")) == [ip("127.0.0.1")]
    assert embedded_ipv4(ip("64:ff9b::7f00:1")) == [ip("127.0.0.1")]
    server, client = embedded_ipv4(ip("2001:0:4136:e378:8000:63bf:3fff:fdd2"))
    assert (str(server), str(client)) == ("65.54.227.120", "192.0.2.45")


def test_a_name_with_one_private_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo",
                        fake_resolver({"mixed.test": [PUBLIC, "10.1.2.3"]}))
    problems = url_problems("https://mixed.test/hook", allow_private=False)
    assert problems and "10.1.2.3" in problems[0] and "mixed.test" in problems[0]
    assert url_problems("https://mixed.test/hook", allow_private=True) == []


def test_the_setting_and_its_older_alias() -> None:
    def read(**env: str) -> Settings:
        return Settings.from_env(environ={"JEMBATAN_ENV": "test", **env})

    assert not allow_private(read())
    assert allow_private(read(JEMBATAN_OUTBOUND_ALLOW_PRIVATE="1"))
    assert allow_private(read(JEMBATAN_WEBHOOK_ALLOW_PRIVATE="1"))
    assert not allow_private(read(JEMBATAN_OUTBOUND_ALLOW_PRIVATE="0"))


# --- the guarded session against local servers ------------------------------------------------


def test_the_guard_refuses_a_loopback_server_before_connecting(
    recorder: tuple[Recorder, str], connects: list[tuple[Any, ...]]
) -> None:
    server, base = recorder
    session = http_session(user_agent="t", guard=True, allow_private=False)
    with pytest.raises(UnsafeAddress, match="127.0.0.1"):
        session.get(base + "/hook")
    assert connects == [] and server.seen == []


def test_allow_private_lets_loopback_through(recorder: tuple[Recorder, str]) -> None:
    server, base = recorder
    session = http_session(user_agent="t", guard=True, allow_private=True)
    assert session.get(base + "/hook").status_code == 200
    assert server.seen == [("/hook", base.removeprefix("http://"))]


def test_a_redirect_is_an_answer_not_followed(recorder: tuple[Recorder, str]) -> None:
    server, base = recorder
    session = http_session(user_agent="t", guard=True, allow_private=True)
    response = session.get(base + "/redirect")
    assert response.status_code == 302 and response.headers["Location"].endswith("/target")
    assert [path for path, _ in server.seen] == ["/redirect"]
    # The posko feed client says so and goes no further either.
    with pytest.raises(FatalError, match="302"):
        FeedClient(allow_private=True)._call("GET", base + "/redirect")
    assert [path for path, _ in server.seen] == ["/redirect", "/redirect"]


def test_the_checked_address_is_connected_with_the_original_host_header(
    recorder: tuple[Recorder, str], monkeypatch: pytest.MonkeyPatch,
    connects: list[tuple[Any, ...]],
) -> None:
    server, base = recorder
    port = int(base.rsplit(":", 1)[1])
    resolver = fake_resolver({"posko.test": ["127.0.0.1"]})
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    session = http_session(user_agent="t", guard=True, allow_private=True)
    assert session.get(f"http://posko.test:{port}/feed").status_code == 200
    assert server.seen == [("/feed", f"posko.test:{port}")]
    assert resolver.calls["posko.test"] == 1
    assert [a[:2] for a in connects] == [("127.0.0.1", port)]


def test_dns_rebinding_connects_only_to_the_first_checked_address(
    recorder: tuple[Recorder, str], monkeypatch: pytest.MonkeyPatch,
    connects: list[tuple[Any, ...]],
) -> None:
    """The name answers public, then loopback: the socket only ever goes to the public one."""
    server, base = recorder
    port = int(base.rsplit(":", 1)[1])
    resolver = fake_resolver({"rebind.test": [[PUBLIC], ["127.0.0.1"]]})
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    session = http_session(user_agent="t", guard=True, allow_private=False)
    with pytest.raises(requests.ConnectionError):
        session.get(f"http://rebind.test:{port}/hook")
    assert resolver.calls["rebind.test"] == 1
    assert [a[:2] for a in connects] == [(PUBLIC, port)]
    assert server.seen == []
    # A second request resolves afresh, sees loopback, and is refused before any connect.
    with pytest.raises(UnsafeAddress, match="127.0.0.1"):
        session.get(f"http://rebind.test:{port}/hook")
    assert [a[:2] for a in connects] == [(PUBLIC, port)] and server.seen == []


@pytest.fixture
def proxy() -> Iterator[tuple[Recorder, str]]:
    server = Recorder()
    with live_server(server.app) as base:
        yield server, base


def test_proxies_from_the_environment_are_ignored(
    recorder: tuple[Recorder, str], proxy: tuple[Recorder, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, base = recorder
    proxy_server, proxy_url = proxy
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                 "all_proxy"):
        monkeypatch.setenv(name, proxy_url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    # Sanity: a plain requests call would have gone through the proxy.
    requests.get(base + "/plain", timeout=5)
    assert [path for path, _ in proxy_server.seen] == ["/plain"]
    proxy_server.seen.clear()
    server.seen.clear()

    session = http_session(user_agent="t", guard=True, allow_private=True)
    assert session.get(base + "/direct").status_code == 200
    client = FeedClient(allow_private=True)
    assert client._call("GET", base + "/feed").status_code == 200
    assert proxy_server.seen == []
    assert [path for path, _ in server.seen] == ["/direct", "/feed"]


def test_a_webhook_url_in_a_special_range_is_a_422_naming_url(
    app: Flask, keys: Any
) -> None:
    client = app.test_client()
    for url in ("http://[2002:a00:1::1]/hook", "http://[64:ff9b::a9fe:a9fe]/hook",
                "http://198.18.0.1/hook", "http://[fd00::1]/hook"):
        response = client.put("/api/v1/webhook", json={"url": url}, headers=keys.headers("PSI"))
        assert response.status_code == 422, response.json
        assert response.content_type == "application/problem+json"
        assert "not a globally routable address" in " ".join(response.json["errors"]["url"])


def test_the_webhook_deliverer_uses_the_guard(settings: Settings) -> None:
    from sync.deliver import WebhookDelivery

    strict = WebhookDelivery(settings)
    with pytest.raises(UnsafeAddress):
        strict.http.get("http://127.0.0.1:9/hook")
    lenient = WebhookDelivery(dataclasses.replace(settings, WEBHOOK_ALLOW_PRIVATE=True))
    with pytest.raises(requests.ConnectionError):
        lenient.http.get("http://127.0.0.1:9/hook")


def test_one_retry_after_parser() -> None:
    from datetime import UTC, datetime

    from sync import crm

    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert crm.parse_retry_after is parse_retry_after
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("Sun, 29 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("later", now) is None


# --- https: the checked address, the original name for SNI and the certificate -------------


def _self_signed(tmp_path: Any, name: str) -> tuple[str, str]:
    """A certificate for `name` only (no IP in it), and its key, as PEM files."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_https_keeps_the_name_for_sni_and_the_certificate(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, connects: list[tuple[Any, ...]]
) -> None:
    import ssl

    from werkzeug.serving import make_server

    cert, key = _self_signed(tmp_path, "posko.test")
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment]
    server = Recorder()
    httpd = make_server("127.0.0.1", 0, server.app, threaded=True, ssl_context=context)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        port = httpd.server_port
        resolver = fake_resolver({"posko.test": ["127.0.0.1"]})
        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        session = http_session(user_agent="t", guard=True, allow_private=True)
        session.verify = cert
        assert session.get(f"https://posko.test:{port}/feed").status_code == 200
        assert names == ["posko.test"]
        assert server.seen == [("/feed", f"posko.test:{port}")]
        assert [a[:2] for a in connects] == [("127.0.0.1", port)]
        assert resolver.calls["posko.test"] == 1
        # The certificate names posko.test, not the address: by IP it does not verify.
        with pytest.raises(requests.exceptions.SSLError):
            session.get(f"https://127.0.0.1:{port}/feed")
    finally:
        httpd.shutdown()
        thread.join(timeout=5)
