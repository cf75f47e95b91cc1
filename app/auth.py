"""Bearer API keys with roles: `faction` (bound to one faction), `admin`, `crm`."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from app import ids
from app.database import request_session
from app.errors import Problem
from app.models import ApiKey, Faction

KEY_PATTERN = re.compile(r"^jbt_([0-9a-z]{6,32})_([A-Za-z0-9_\-]{16,128})$")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class IssuedKey:
    """A key as shown once to its holder; only `secret_hash` is kept."""

    key_id: str
    key: str
    role: str
    faction_code: str | None


def issue_key(
    session: Session, role: str, faction: Faction | None = None, label: str | None = None
) -> IssuedKey:
    """Create a key (not committed); the full key exists only in the returned value."""
    if role not in ("faction", "admin", "crm"):
        raise ValueError(f"unknown role {role!r}")
    if (role == "faction") != (faction is not None):
        raise ValueError("a faction key needs a faction, and only a faction key has one")
    key_id, secret = ids.key_id(), ids.secret_token(24)
    session.add(
        ApiKey(
            key_id=key_id,
            secret_hash=ids.hash_secret(secret),
            role=role,
            faction=faction,
            label=label,
        )
    )
    return IssuedKey(key_id, f"jbt_{key_id}_{secret}", role, faction.code if faction else None)


# Built once (every request runs it); the faction comes in the same query.
_KEY_BY_ID = (
    select(ApiKey)
    .options(joinedload(ApiKey.faction))
    .where(ApiKey.key_id == bindparam("key_id"))
)


def find_key(session: Session, presented: str) -> ApiKey | None:
    """The active key matching `presented`, or None (constant-time on the secret)."""
    match = KEY_PATTERN.match(presented.strip())
    if not match:
        return None
    key_id, secret = match.groups()
    api_key = session.scalars(_KEY_BY_ID, {"key_id": key_id}).first()
    if api_key is None or api_key.revoked_at is not None:
        return None
    if not hmac.compare_digest(api_key.secret_hash, ids.hash_secret(secret)):
        return None
    return api_key


def verified_key(presented: str) -> ApiKey | None:
    """`find_key` for this request, remembered on `g`: the rate limiter and the view share it.

    The limiter must know whether a key is genuine before it picks a budget (a made-up key
    spends the client's address's budget, not the key's), and the view must not verify twice.
    """
    cache: dict[str, ApiKey | None] = g.setdefault("jembatan_verified_keys", {})
    if presented not in cache:
        cache[presented] = find_key(request_session(), presented)
    return cache[presented]


def presented_key() -> str | None:
    """The key a request presents: the Bearer header, else Open311's `api_key` parameter."""
    return bearer_token() or (request.values.get("api_key") or "").strip() or None


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _unauthorized(detail: str) -> Problem:
    return Problem(
        401,
        "Unauthorized",
        detail,
        slug="unauthorized",
        headers={"WWW-Authenticate": 'Bearer realm="jembatan"'},
    )


def authenticate(*roles: str) -> ApiKey:
    """The request's key, which must carry one of `roles`; sets `g.api_key` and `g.faction`."""
    token = bearer_token()
    if token is None:
        raise _unauthorized("Send an API key as 'Authorization: Bearer jbt_…'.")
    api_key = verified_key(token)
    if api_key is None:
        raise _unauthorized("The API key is malformed, unknown or revoked.")
    if roles and api_key.role not in roles:
        allowed = " or ".join(roles)
        raise Problem(
            403, "Forbidden", f"This needs a key with role {allowed}.", slug="forbidden"
        )
    g.api_key = api_key
    g.faction = api_key.faction if api_key.role == "faction" else None
    g.actor = f"key:{api_key.key_id}"
    return api_key


def require(*roles: str) -> Callable[[F], F]:
    """View decorator: authenticate with one of `roles` before the view runs."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authenticate(*roles)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator
