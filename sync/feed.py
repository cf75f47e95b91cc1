"""HTTP to posko feeds: the client the mirror polls with and posts status updates through.

The worker's context owns one (sync.context), shared by the `mirror` job and the
`feed.update` handler.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests

from app.outbound import UnsafeAddress, http_session, parse_retry_after
from schemas.open311 import format_datetime
from sync.errors import FatalError, RetriableError

TIMEOUT = (3.05, 15.0)  # connect, read


class FeedClient:
    """HTTP to posko feeds: one guarded session (app.outbound), errors sorted.

    A feed URL is a tenant's address: the guard refuses private and loopback hosts, connects
    to the address it checked, follows no redirect and takes no proxy from the environment,
    unless JEMBATAN_OUTBOUND_ALLOW_PRIVATE is on.
    """

    def __init__(self, allow_private: bool = False, timeout: tuple[float, float] = TIMEOUT
                 ) -> None:
        self.session = http_session(
            user_agent="Jembatan-mirror/1", guard=True, allow_private=allow_private,
            timeout=timeout,
        )
        self.timeout = timeout

    def get_requests(self, base_url: str, fmt: str, start: datetime, end: datetime) -> bytes:
        """The feed's `GET requests.{fmt}` for one window (no key: the spec needs none)."""
        params = {"start_date": format_datetime(start), "end_date": format_datetime(end)}
        response = self._call("GET", f"{base_url}requests.{fmt}", params=params)
        return response.content

    def post_update(self, url: str, form: dict[str, str]) -> requests.Response:
        """`POST servicerequestupdates`, form-encoded (the api_key goes in the body)."""
        return self._call("POST", url, data=form)

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except UnsafeAddress as exc:
            raise FatalError(f"refused: {exc}") from None
        except requests.Timeout as exc:
            raise RetriableError(f"timeout: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            raise RetriableError(f"connection failed: {type(exc).__name__}") from exc
        status = response.status_code
        if 200 <= status < 300:
            return response
        if status in (408, 429) or status >= 500:
            raise RetriableError(
                f"{method} answered {status}", status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        raise FatalError(f"{method} answered {status}", status=status)
