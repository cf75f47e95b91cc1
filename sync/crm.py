"""The CRM connector: Jembatan as an Open311 GeoReport v2 client of JSC's CRM.

Every document is rendered and parsed by `schemas.open311`, the one wire format. The connector
classifies every outcome (connectors classify, jobs decide): a 2xx with a readable answer is a
success; a connection error, a timeout, 408, 429 (with its Retry-After) and any 5xx raise
RetriableError; any other 4xx and an unreadable answer raise FatalError. The api_key travels in
the POST body only, and is blotted out of any error text that could reach a log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from app.config import Settings
from app.outbound import http_session
from app.outbound import parse_retry_after as parse_retry_after  # one parser, re-exported
from schemas.open311 import (
    Open311FormatError,
    format_datetime,
    parse_errors,
    parse_request_created,
    parse_requests,
    parse_services,
    parse_tokens,
    parse_updates_each,
)
from sync.errors import FatalError, RetriableError

log = logging.getLogger(__name__)

# GeoReport v2: "description … limited to 4,000 characters".
DESCRIPTION_LIMIT = 4000
ELLIPSIS = "…"
# Ids per GET requests?service_request_id=…, so the URL stays well under common limits.
REQUESTS_BATCH = 50
# How soon to look again at a token whose ticket does not exist yet.
TOKEN_RETRY_S = 1.0

RETRIABLE_STATUSES = {408, 429}


@dataclass(frozen=True)
class CrmSubmission:
    """What one complaint sends to the CRM (built by sync.forward from the database)."""

    tracking_code: str
    service_code: str
    title: str
    text: str
    faction_code: str
    faction_name: str
    kelurahan_code: str
    kelurahan_name: str
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    media_url: str | None = None


def crm_description(title: str, text: str, faction_name: str) -> str:
    """Title, text and faction name, cut to the spec's 4,000 characters with an ellipsis."""
    description = f"{title}\n\n{text}\n\n{faction_name}"
    if len(description) <= DESCRIPTION_LIMIT:
        return description
    return description[: DESCRIPTION_LIMIT - len(ELLIPSIS)].rstrip() + ELLIPSIS


class CrmClient:
    """An Open311 client of the CRM: one Session, timeouts on every call."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None,
        jurisdiction: str = "jakarta",
        fmt: str = "xml",
        connect_timeout_s: float = 3.05,
        read_timeout_s: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.api_key = api_key
        self.jurisdiction = jurisdiction
        self.fmt = fmt
        self.timeout = (connect_timeout_s, read_timeout_s)
        self.session = session or _session_for(self.base_url)
        self.session.headers["User-Agent"] = "Jembatan/0.1 (+Open311 GeoReport v2 client)"

    @classmethod
    def from_settings(cls, settings: Settings) -> CrmClient:
        """The client JEMBATAN_CRM_* describe."""
        return cls(
            settings.CRM_URL,
            api_key=settings.CRM_API_KEY,
            jurisdiction=settings.CRM_JURISDICTION,
            fmt=settings.CRM_FORMAT,
            connect_timeout_s=settings.CRM_TIMEOUT_CONNECT_S,
            read_timeout_s=settings.CRM_TIMEOUT_READ_S,
        )

    def close(self) -> None:
        self.session.close()

    # --- calls ----------------------------------------------------------------------------

    def submit(self, submission: CrmSubmission) -> str:
        """POST requests for one complaint; the CRM's ticket id (following a token if given)."""
        response = self._call(
            "POST",
            f"requests.{self.fmt}",
            data=self.submission_form(submission),
            headers={"Idempotency-Key": submission.tracking_code},
        )
        created = self._parse(parse_request_created, response, "POST requests")
        if not created:
            raise FatalError("POST requests answered an empty list", status=response.status_code)
        answer = created[0]
        if answer.get("service_request_id"):
            return str(answer["service_request_id"])
        return self.follow_token(str(answer["token"]))

    def follow_token(self, token: str) -> str:
        """The ticket id behind a token; RetriableError while the CRM has not made it yet."""
        response = self._call("GET", f"tokens/{token}.{self.fmt}", not_found_ok=True)
        if response.status_code == 404:
            # Not an outage: the CRM is healthy, the ticket is simply not there yet. The next
            # attempt POSTs again with the same gateway_ref and gets the same token back.
            raise RetriableError(
                f"token {token} has no ticket yet",
                status=404,
                retry_after=TOKEN_RETRY_S,
                counts_against_destination=False,
            )
        answers = self._parse(parse_tokens, response, "GET tokens")
        for answer in answers:
            if answer.get("service_request_id"):
                return str(answer["service_request_id"])
        raise RetriableError(
            f"token {token} has no ticket yet",
            retry_after=TOKEN_RETRY_S,
            counts_against_destination=False,
        )

    def post_update(
        self,
        service_request_id: str,
        update_id: str,
        updated_datetime: datetime,
        status: str,
        description: str,
    ) -> str:
        """POST servicerequestupdates (mySociety's update extension) on one ticket.

        Jembatan tells the CRM that a duplicate reports the ticket's problem too
        (docs/API.md#crm). The `update_id` is ours and stable, so a retry after a lost
        answer is the same update (the CRM keeps it once). Returns the update id the CRM
        answered with (ours, unless it numbers them itself). Same outcome rules as `submit`:
        an unknown ticket (404) is fatal.
        """
        form: list[tuple[str, str]] = []
        if self.api_key:
            form.append(("api_key", self.api_key))
        form += [
            ("jurisdiction_id", self.jurisdiction),
            ("service_request_id", service_request_id),
            ("update_id", update_id),
            ("updated_datetime", format_datetime(updated_datetime)),
            ("status", status),
            ("description", description[:DESCRIPTION_LIMIT]),
        ]
        response = self._call(
            "POST", f"servicerequestupdates.{self.fmt}", data=form,
            headers={"Idempotency-Key": update_id},
        )
        answers = self._parse(parse_updates_each, response, "POST servicerequestupdates")
        for answer in answers:
            if answer.get("update_id"):
                return str(answer["update_id"])
        return update_id

    def services(self) -> list[dict[str, Any]]:
        """GET services: the CRM's request types (service_code, service_name, …)."""
        response = self._call("GET", f"services.{self.fmt}", params=self._jurisdiction())
        return self._parse(parse_services, response, "GET services")

    def get_requests(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """GET requests for these ticket ids, batched; unknown ids are simply absent."""
        found: list[dict[str, Any]] = []
        for batch in _batches([str(i) for i in ids], REQUESTS_BATCH):
            params = self._jurisdiction() | {"service_request_id": ",".join(batch)}
            response = self._call("GET", f"requests.{self.fmt}", params=params)
            found.extend(self._parse(parse_requests, response, "GET requests"))
        return found

    def update_items(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """GET servicerequestupdates between start and end (bounds inclusive), item by item.

        The items are wire text, each validated when it is applied: one malformed update
        spoils no window (schemas.open311.parse_updates_each).
        """
        params = self._jurisdiction() | {
            "start_date": format_datetime(start),
            "end_date": format_datetime(end),
        }
        response = self._call("GET", f"servicerequestupdates.{self.fmt}", params=params)
        return self._parse(parse_updates_each, response, "GET servicerequestupdates")

    # --- the wire -------------------------------------------------------------------------

    def submission_form(self, submission: CrmSubmission) -> list[tuple[str, str]]:
        """The form fields of POST requests, exactly as docs/API.md#crm lists them."""
        form: list[tuple[str, str]] = []
        if self.api_key:
            form.append(("api_key", self.api_key))
        form += [
            ("jurisdiction_id", self.jurisdiction),
            ("service_code", submission.service_code),
            (
                "description",
                crm_description(submission.title, submission.text, submission.faction_name),
            ),
        ]
        if submission.lat is not None and submission.lon is not None:
            form += [("lat", repr(float(submission.lat))), ("long", repr(float(submission.lon)))]
        else:
            place = ", ".join(p for p in (submission.address, submission.kelurahan_name) if p)
            form.append(("address_string", place or submission.kelurahan_code))
        form += [
            ("attribute[gateway_ref]", submission.tracking_code),
            ("attribute[fraksi]", submission.faction_code),
            ("attribute[kelurahan_code]", submission.kelurahan_code),
        ]
        if submission.media_url:
            form.append(("media_url", submission.media_url))
        return form

    def _jurisdiction(self) -> dict[str, str]:
        return {"jurisdiction_id": self.jurisdiction}

    def _call(
        self, method: str, path: str, *, not_found_ok: bool = False, **kwargs: Any
    ) -> requests.Response:
        url = self.base_url + path
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise RetriableError(self._redact(f"{method} {path}: timeout ({exc})")) from None
        except requests.ConnectionError as exc:
            # Includes an answer lost mid-way (connection reset, closed without a response).
            reason = f"{method} {path}: connection error ({exc})"
            raise RetriableError(self._redact(reason)) from None
        except requests.RequestException as exc:
            raise FatalError(self._redact(f"{method} {path}: {exc}")) from None
        status = response.status_code
        if 200 <= status < 300 or (not_found_ok and status == 404):
            return response
        reason = self._redact(f"{method} {path}: {self._error_text(response)}")
        if status in RETRIABLE_STATUSES or status >= 500:
            raise RetriableError(
                reason,
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        raise FatalError(reason, status=status)

    def _error_text(self, response: requests.Response) -> str:
        """The CRM's own words from an <errors> document, else a short piece of the body."""
        try:
            errors = parse_errors(response.content, self.fmt)
        except Open311FormatError:
            errors = []
        if errors:
            return "; ".join(f"{e['code']}: {e.get('description') or ''}".strip() for e in errors)
        snippet = response.text[:200].strip()
        return f"{response.reason or 'error'}" + (f" ({snippet})" if snippet else "")

    def _parse(self, parser: Any, response: requests.Response, what: str) -> Any:
        try:
            return parser(response.content, self.fmt)
        except Open311FormatError as exc:
            raise FatalError(
                self._redact(f"{what}: unreadable answer: {exc}"), status=response.status_code
            ) from None

    def _redact(self, text: str) -> str:
        if self.api_key:
            text = text.replace(self.api_key, "[api_key]")
        return text


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _session_for(base_url: str) -> requests.Session:
    """app.outbound's session policy (timeouts, no redirects, no urllib3 retries) with the
    guard OFF: the CRM's URL is deployment configuration (JEMBATAN_CRM_URL, set by the
    operator who runs Jembatan next to the CRM), not an address a tenant chooses, and it may
    well be private. Proxies and the CA bundle come from the environment, read once here.
    """
    return http_session(
        user_agent="Jembatan/0.1 (+Open311 GeoReport v2 client)", guard=False,
        environment_for=base_url,
    )
