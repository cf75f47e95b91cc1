"""Outbound HTTP: the one client policy, and the guard for addresses a tenant can set.

Jembatan calls URLs that factions and operators choose (webhook receivers, posko feeds, and
whatever is added later). Without a guard each of them is a way to make Jembatan call its
own network (SSRF): the CRM, the database's admin port, a cloud metadata service. So every
such call goes through a session made by `http_session(guard=True, …)`, which

- resolves the host once and refuses it unless every address is globally routable
  (`ipaddress`'s `is_global`, not a deny-list; addresses that carry an IPv4 address inside —
  IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64 — are judged by the embedded one too;
  multicast is refused as well);
- connects to the address it checked, never resolving the name a second time (a DNS answer
  that changes between the check and the connect — rebinding — gains nothing), while the
  request still carries the original Host header and, over https, the original name for SNI
  and certificate verification;
- follows no redirect (a 3xx is the answer, not an instruction) and takes no proxy from the
  environment (a proxy would make the peer the proxy and hide the receiver).

`JEMBATAN_OUTBOUND_ALLOW_PRIVATE=1` (or its older name `JEMBATAN_WEBHOOK_ALLOW_PRIVATE=1`)
lets private and loopback addresses through, for tests and closed networks only.

Every outbound session, guarded or not, shares the rest of the policy: a timeout on every
call, no redirects, no urllib3 retries (the outbox retries, with backoff), and one
`parse_retry_after` for a 429's or 503's Retry-After.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

ALLOW_PRIVATE_SETTING = "JEMBATAN_OUTBOUND_ALLOW_PRIVATE"
DEFAULT_TIMEOUT = (3.05, 10.0)  # connect, read (seconds)
URL_MAX_LENGTH = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Prefixes whose low 32 bits are an IPv4 address the traffic really goes to.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
# Special-purpose blocks this Python's `is_global` (3.11) does not know yet; later versions
# mark them not global too (IANA special-purpose registries), so this list only shrinks.
_NOT_GLOBAL_YET = tuple(
    ipaddress.ip_network(n)
    for n in (
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
        "3fff::/20",  # documentation (RFC 9637)
        "fec0::/10",  # site-local, deprecated (RFC 3879)
        "5f00::/16",  # SRv6 SIDs (RFC 9602)
        "192.88.99.0/24",  # 6to4 relay anycast, deprecated (RFC 7526)
        "192.0.0.8/32",  # IPv4 dummy address (RFC 7600)
    )
)


class UnsafeAddress(Exception):
    """A URL's host is (or resolves to) an address Jembatan must not call.

    Not an OSError on purpose: urllib3 and requests let it through unwrapped, so a caller
    can tell a refusal from a connection failure (a refusal is not retried).
    """


def allow_private(settings: Any) -> bool:
    """Whether the guard is off: JEMBATAN_OUTBOUND_ALLOW_PRIVATE, or its alias."""
    return bool(
        getattr(settings, "OUTBOUND_ALLOW_PRIVATE", False)
        or getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False)
    )


# --- the address rule ------------------------------------------------------------------


def embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return []
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _global_unicast(ip: IPAddress) -> bool:
    return (
        ip.is_global
        and not ip.is_multicast
        and not any(ip.version == n.version and ip in n for n in _NOT_GLOBAL_YET)
    )


def address_is_public(address: str) -> bool:
    """True for a globally routable unicast address, judged with what it embeds."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # ::ffff:a.b.c.d is the IPv4 address itself, seen through an IPv6 socket.
        return _global_unicast(ip.ipv4_mapped)
    if isinstance(ip, ipaddress.IPv6Address) and ip in _NAT64:
        # The outer prefix is a translator's; the destination is the embedded address.
        return _global_unicast(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return _global_unicast(ip) and all(_global_unicast(v4) for v4 in embedded_ipv4(ip))


def check_address(address: str, allow_private: bool) -> None:
    """Raise UnsafeAddress unless `address` may be called."""
    if allow_private:
        return
    if not address_is_public(address):
        raise UnsafeAddress(
            f"{address} is not a globally routable address (private, loopback, link-local,"
            " shared, reserved, documentation, multicast, or one of these inside IPv6)"
        )


def resolve(
    host: str, port: int, allow_private: bool
) -> list[tuple[socket.AddressFamily, Any]]:
    """Resolve `host` once and check every answer; the (family, sockaddr) pairs to try.

    Every address must pass, not just one: a name that answers one public and one private
    address would otherwise reach the private one whenever the public one is down.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[tuple[socket.AddressFamily, Any]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        check_address(str(sockaddr[0]), allow_private)
        if (family, sockaddr) not in found:
            found.append((family, sockaddr))
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
    return found


def url_problems(url: str, allow_private: bool, *, setting: str = ALLOW_PRIVATE_SETTING
                 ) -> list[str]:
    """Why Jembatan must not call `url` (empty when it may): form, then every address."""
    if not isinstance(url, str) or not url.strip():
        return ["Give the URL."]
    if len(url) > URL_MAX_LENGTH:
        return [f"The URL is longer than {URL_MAX_LENGTH} characters."]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return [f"Not a valid URL: {exc}."]
    if parts.scheme not in ("http", "https"):
        return ["Only http and https URLs are allowed."]
    if not parts.hostname:
        return ["The URL has no host."]
    if parts.username or parts.password:
        return ["Credentials in the URL are not allowed."]
    if parts.fragment:
        return ["The URL must not have a fragment."]
    try:
        resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80), allow_private)
    except (OSError, UnicodeError) as exc:
        return [f"The host {parts.hostname} does not resolve: {exc}."]
    except UnsafeAddress as exc:
        return [
            f"The host {parts.hostname} is not allowed: {exc}; set {setting}=1 only for"
            " testing or a closed network."
        ]
    return []


# --- connecting to the checked address -------------------------------------------------


class _GuardedConnection:
    """A urllib3 connection whose socket goes to the address `resolve` checked.

    Only the socket changes: `self.host` stays the URL's name, so urllib3 still sends it as
    the Host header and, over https, as SNI and the name the certificate must match.
    """

    allow_private = False

    def _new_conn(self) -> socket.socket:
        conn: Any = self
        try:
            addresses = resolve(conn._dns_host, conn.port, self.allow_private)
        except socket.gaierror as exc:
            raise NameResolutionError(conn.host, conn, exc) from exc
        error: OSError | None = None
        for family, sockaddr in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                for option in conn.socket_options or ():
                    sock.setsockopt(*option)
                if isinstance(conn.timeout, int | float):
                    sock.settimeout(conn.timeout)
                if conn.source_address:
                    sock.bind(conn.source_address)
                sock.connect(sockaddr)
            except TimeoutError as exc:
                sock.close()
                raise ConnectTimeoutError(
                    conn, f"Connection to {conn.host} timed out. (timeout={conn.timeout})"
                ) from exc
            except OSError as exc:
                sock.close()
                error = exc
                continue
            sys.audit("http.client.connect", conn, conn.host, conn.port)
            return sock
        raise NewConnectionError(conn, f"Failed to establish a new connection: {error}")


def _adapter(allow_private: bool) -> HTTPAdapter:
    class GuardedHTTP(_GuardedConnection, HTTPConnection):
        pass

    class GuardedHTTPS(_GuardedConnection, HTTPSConnection):
        pass

    GuardedHTTP.allow_private = GuardedHTTPS.allow_private = allow_private

    class HTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTP

    class HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPS

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            raise UnsafeAddress("a guarded session never goes through a proxy")

    return Adapter(max_retries=0)


# --- the one session factory -----------------------------------------------------------


class OutboundSession(requests.Session):
    """A requests Session with Jembatan's policy: a timeout always, redirects never."""

    def __init__(self, timeout: float | tuple[float, float]) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any,  # type: ignore[override]
                **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)

    def get_redirect_target(self, resp: requests.Response) -> None:  # type: ignore[override]
        """Never a target: a redirect would lead past the guard's check (and `get` asks
        requests to follow by default), so a 3xx is handed back as the answer."""
        return None


def http_session(
    *,
    user_agent: str,
    guard: bool,
    allow_private: bool = False,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    environment_for: str | None = None,
) -> OutboundSession:
    """A session for outbound calls.

    guard=True for every URL a faction or operator sets at run time (webhooks, feeds):
    checked addresses only, no proxy. guard=False only for an address that is deployment
    configuration (the CRM's): then `environment_for` names that URL and the environment's
    proxy, NO_PROXY and CA bundle for it are read once, here — requests would otherwise read
    the environment and look for a .netrc on every call, which costs as much CPU as the call.
    """
    session = OutboundSession(timeout)
    session.headers["User-Agent"] = user_agent
    if guard:
        adapter = _adapter(allow_private)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    else:
        session.mount("http://", HTTPAdapter(max_retries=0))
        session.mount("https://", HTTPAdapter(max_retries=0))
        if environment_for is not None:
            session.proxies.update(requests.utils.get_environ_proxies(environment_for))
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if bundle:
                session.verify = bundle
    session.trust_env = False
    return session


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date); else None."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


__all__ = [
    "ALLOW_PRIVATE_SETTING",
    "DEFAULT_TIMEOUT",
    "OutboundSession",
    "UnsafeAddress",
    "address_is_public",
    "allow_private",
    "check_address",
    "embedded_ipv4",
    "http_session",
    "parse_retry_after",
    "resolve",
    "url_problems",
]
