"""Reporter data at rest: encrypted columns with a rotating Fernet keyring.

`JEMBATAN_DATA_KEYS` holds comma-separated Fernet keys, newest first. The newest encrypts;
every key decrypts. Rotation without downtime: put the new key first everywhere (old ones stay
after it), restart, then run `jembatan keys rotate-data` to re-encrypt the stored rows in
batches; when it is done the old key can be dropped.

Every process that touches complaints calls `configure(settings)` where it is wired: create_app,
the worker's context, the CLI's settings loader (docs/ARCHITECTURE.md#wiring). Nothing reads the
environment behind their back: an unconfigured keyring is an error that says so.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

# Version prefix of stored values: lets a future scheme coexist with this one.
PREFIX = "f1:"


class KeyringError(RuntimeError):
    """The data keys are missing, malformed, or cannot decrypt a stored value."""


class Keyring:
    """Fernet keys, newest first: encrypt with the newest, decrypt with any."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise KeyringError("JEMBATAN_DATA_KEYS holds no key")
        try:
            self.fernets = [Fernet(key.strip().encode()) for key in keys]
        except (ValueError, TypeError) as exc:
            raise KeyringError(
                "JEMBATAN_DATA_KEYS must be Fernet keys (url-safe base64 of 32 bytes), "
                "comma-separated, newest first"
            ) from exc
        self.multi = MultiFernet(self.fernets)

    @classmethod
    def from_setting(cls, value: str) -> Keyring:
        return cls([k for k in value.split(",") if k.strip()])

    def encrypt(self, plaintext: str) -> str:
        return PREFIX + self.multi.encrypt(plaintext.encode()).decode()

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            raise KeyringError("a stored value is not encrypted with a known scheme")
        try:
            return self.multi.decrypt(stored[len(PREFIX):].encode()).decode()
        except InvalidToken as exc:
            raise KeyringError("no data key decrypts a stored value (key removed?)") from exc

    def is_current(self, stored: str) -> bool:
        """Whether `stored` is already encrypted with the newest key."""
        if not stored.startswith(PREFIX):
            return False
        try:
            self.fernets[0].decrypt(stored[len(PREFIX):].encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, stored: str) -> str:
        """`stored`, re-encrypted with the newest key."""
        if not stored.startswith(PREFIX):
            raise KeyringError("a stored value is not encrypted with a known scheme")
        token = self.multi.rotate(stored[len(PREFIX):].encode())
        return PREFIX + token.decode()


_lock = threading.Lock()
_keyring: Keyring | None = None


def configure(settings: Any) -> Keyring:
    """Install the keyring from `settings.DATA_KEYS` for this process (web and worker)."""
    global _keyring
    keyring = Keyring.from_setting(settings.DATA_KEYS or "")
    with _lock:
        _keyring = keyring
    return keyring


def keyring() -> Keyring:
    """The process's keyring, as `configure` installed it."""
    found = _keyring
    if found is None:
        raise KeyringError(
            "no data keyring: call app.crypto.configure(settings) where the process is wired "
            "(create_app, the worker's context, the CLI do)"
        )
    return found


def generate_key() -> str:
    """A new Fernet key for JEMBATAN_DATA_KEYS."""
    return Fernet.generate_key().decode()


class EncryptedText(TypeDecorator[str]):
    """Text encrypted with the data keyring; NULL stays NULL (so erasure is visible)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return keyring().encrypt(str(value))

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return keyring().decrypt(value)
