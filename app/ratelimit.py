"""Rate limiting per verified API key, else per client address (Flask-Limiter), answered
with a 429 problem and Retry-After."""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, Response, g, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from app.auth import presented_key, verified_key
from app.errors import Problem, problem_response, render_http_error


def rate_limit_key() -> str:
    """Whose budget a request spends: its verified API key's, else the client's address.

    Only a key that verifies (known, not revoked, right secret) gets a budget of its own: a
    made-up key, or a real key id with a wrong secret, spends the sender's address's budget,
    so random keys cannot dodge the limit and nobody can exhaust a real key's budget without
    its secret. The address is the peer's, or the client's behind JEMBATAN_TRUSTED_PROXIES
    reverse proxies (ProxyFix, app/__init__.py).
    """
    presented = presented_key()
    if presented:
        api_key = verified_key(presented)
        if api_key is not None:
            return f"key:{api_key.key_id}"
    return f"ip:{get_remote_address()}"


def init_rate_limiting(app: Flask, settings: Any) -> Limiter:
    """One limiter per application, with the default limit from JEMBATAN_RATELIMIT_DEFAULT.

    Storage comes from JEMBATAN_RATELIMIT_STORAGE_URI: `memory://` for one process, a shared
    store (e.g. `redis://…`) when several web processes must share one budget per key.
    """
    limiter = Limiter(
        key_func=rate_limit_key,
        default_limits=[settings.RATELIMIT_DEFAULT],
        storage_uri=settings.RATELIMIT_STORAGE_URI,
        headers_enabled=True,
        enabled=settings.RATELIMIT_ENABLED,
        strategy="fixed-window",
    )
    # Flask-Limiter puts its Retry-After on every response (and raises the application's own,
    # e.g. a 409 "still in progress", to its window's reset). It belongs on refusals only: the
    # application's value is kept as it was, and the limiter's is dropped elsewhere. Flask runs
    # after_request hooks in reverse order: this one runs after the limiter's…
    @app.after_request
    def _restore_retry_after(response: Response) -> Response:
        own = g.pop("jembatan_retry_after", None)
        if own is not None:
            response.headers["Retry-After"] = own
        elif response.status_code != 429:
            response.headers.pop("Retry-After", None)
        return response

    limiter.init_app(app)

    # …and this one before it, noting what the application itself said.
    @app.after_request
    def _note_retry_after(response: Response) -> Response:
        if "Retry-After" in response.headers:
            g.jembatan_retry_after = response.headers["Retry-After"]
        return response
    # Probes and scrapes must never be throttled.
    limiter.exempt(app.blueprints["ops"])

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded) -> Response:
        retry_after = _retry_after_seconds(limiter)
        if not request.path.startswith("/api/"):
            response = render_http_error(exc)
            response.headers["Retry-After"] = str(retry_after)
            return response
        return problem_response(
            Problem(
                429,
                "Too many requests",
                f"Rate limit of {exc.description} exceeded for this API key; "
                f"retry in {retry_after} s.",
                slug="rate-limited",
                headers={"Retry-After": str(retry_after)},
            )
        )

    app.extensions["jembatan_limiter"] = limiter
    return limiter


def _retry_after_seconds(limiter: Limiter) -> int:
    current = limiter.current_limit
    if current is None:
        return 1
    return max(1, math.ceil(current.reset_at - time.time()))
