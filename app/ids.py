"""The one place that makes identifiers: tracking codes, API keys, secrets."""

from __future__ import annotations

import hashlib
import secrets

# Crockford-style base32 without I, L, O, U: readable aloud and over the phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def tracking_code() -> str:
    """A public, short, unguessable complaint code such as `JBT-7K3M9Q2D` (40 bits)."""
    return "JBT-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def key_id() -> str:
    """The public part of an API key, used to find it."""
    return "".join(secrets.choice(_ALPHABET.lower()) for _ in range(10))


def secret_token(nbytes: int = 24) -> str:
    """A URL-safe random secret."""
    return secrets.token_urlsafe(nbytes)


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret (a slow hash buys nothing for 192 random bits)."""
    return hashlib.sha256(secret.encode()).hexdigest()
