"""HTTP to posko feeds: the client the mirror polls with and posts status updates through.

The worker's context owns one (sync.context), shared by the `mirror` job and the
`feed.update` handler.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests

from schemas.open311 import format_datetime
from sync.errors import FatalError, RetriableError

TIMEOUT = (3.05, 15.0)  # connect, read


class FeedClient:
    """HTTP to posko feeds: one requests.Session, a timeout on every call, errors sorted."""

    def __init__(self, timeout: tuple[float, float] = TIMEOUT) -> None:
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "Jembatan-mirror/1"
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
        except requests.Timeout as exc:
            raise RetriableError(f"timeout: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            raise RetriableError(f"connection failed: {type(exc).__name__}") from exc
        status = response.status_code
        if 200 <= status < 300:
            return response
        if status in (408, 429) or status >= 500:
            raise RetriableError(
                f"{method} answered {status}", status=status, retry_after=_retry_after(response)
            )
        raise FatalError(f"{method} answered {status}", status=status)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
