"""Settings from the environment (and a `.env` file when present).

Every setting has one name, `JEMBATAN_<NAME>`. Secrets have no default: outside the demo
(`JEMBATAN_ENV=demo`, what `make run` uses) and the test suite, booting without them fails.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

REFERENCE_DIR = Path(__file__).parent / "reference"

# Demo-only values: good enough for one person's laptop, refused in production.
DEMO_SECRET_KEY = "demo-secret-key-not-for-production"
DEMO_DATA_KEY = "ZGVtby1kYXRhLWtleS1ub3QtZm9yLXByb2R1Y3Rpb24="


ENVIRONMENTS = frozenset({"production", "demo", "test"})
# A Flask secret key shorter than this is guessable offline; production refuses it.
MIN_SECRET_KEY_BYTES = 32

_log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """The environment does not describe a runnable Jembatan."""


def _bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Settings:
    """Every setting Jembatan reads, with its default (None: required outside the demo)."""

    ENV: str = "production"  # production | demo | test
    DATABASE_URL: str = "sqlite:///instance/jembatan.db"
    SECRET_KEY: str | None = None
    # Keys for reporter data at rest, newest first (comma-separated Fernet keys).
    DATA_KEYS: str | None = None
    CRM_URL: str = "http://127.0.0.1:5011/open311/v2/"
    CRM_API_KEY: str | None = None
    CRM_JURISDICTION: str = "jakarta"
    CRM_FORMAT: str = "xml"
    CRM_UPDATES_MODE: str = "updates"  # updates | requests (fallback) | push
    CRM_TIMEOUT_CONNECT_S: float = 3.05
    CRM_TIMEOUT_READ_S: float = 10.0
    # crm.submit retries: backoff base (full jitter, doubling), and the CRM's circuit breaker.
    CRM_RETRY_BASE_S: float = 2.0
    # The CRM's failure-rate breaker (docs/OPERATIONS.md#circuit-breakers): it opens when at
    # least MIN_CALLS calls in the last WINDOW_S seconds failed at FAILURE_RATE or more; stays open
    # COOLDOWN_S (doubling per reopening, capped at MAX_COOLDOWN_S); then TRIAL_CALLS trial
    # calls decide; trials not reported within PROBE_TIMEOUT_S are offered again.
    CRM_BREAKER_FAILURE_RATE: float = 0.5
    CRM_BREAKER_WINDOW_S: float = 30.0
    CRM_BREAKER_MIN_CALLS: int = 20
    CRM_BREAKER_COOLDOWN_S: float = 10.0
    CRM_BREAKER_MAX_COOLDOWN_S: float = 60.0
    CRM_BREAKER_TRIAL_CALLS: int = 5
    CRM_BREAKER_PROBE_TIMEOUT_S: float = 30.0
    # Let outbound calls (webhooks, posko feeds) reach private and loopback addresses: tests
    # and closed networks only. WEBHOOK_ALLOW_PRIVATE is its older name and still works.
    OUTBOUND_ALLOW_PRIVATE: bool = False
    WEBHOOK_ALLOW_PRIVATE: bool = False
    WEBHOOK_TIMEOUT_S: float = 10.0
    # Webhook retries back off from BASE up to MAX seconds between attempts (for ~3 days).
    WEBHOOK_RETRY_BASE_S: float = 5.0
    WEBHOOK_RETRY_MAX_S: float = 3600.0
    # Each subscriber's own breaker, the same policy as the CRM's with a receiver's volume:
    # fewer calls decide, one trial call, a longer cap (a receiver down for days is probed
    # every few minutes, not flooded, and its log lines stay few).
    WEBHOOK_BREAKER_FAILURE_RATE: float = 0.5
    WEBHOOK_BREAKER_WINDOW_S: float = 60.0
    WEBHOOK_BREAKER_MIN_CALLS: int = 5
    WEBHOOK_BREAKER_COOLDOWN_S: float = 30.0
    WEBHOOK_BREAKER_MAX_COOLDOWN_S: float = 300.0
    WEBHOOK_BREAKER_TRIAL_CALLS: int = 1
    WEBHOOK_BREAKER_PROBE_TIMEOUT_S: float = 30.0
    FORWARD_INTERVAL_S: float = 2.0
    POLL_INTERVAL_S: float = 5.0
    DELIVER_INTERVAL_S: float = 2.0
    SWEEP_INTERVAL_S: float = 60.0
    MIRROR_INTERVAL_S: float = 30.0
    RECONCILE_INTERVAL_S: float = 3600.0
    # PostgreSQL: workers LISTEN for outbox work and run at once (ticks stay as the safety net).
    NOTIFY: bool = True
    # How long a worker holds a claimed outbox message before others may take it over.
    LEASE_S: float = 60.0
    # Messages a worker claims at once.
    BATCH_SIZE: int = 20
    # Calls a worker has in flight at once (threads): a call hung until its read timeout
    # holds up one of them, not the batch behind it.
    OUTBOX_CONCURRENCY: int = 8
    RETENTION_DAYS: int = 365
    RETENTION_INTERVAL_S: float = 3600.0
    # Delivered outbox messages are deleted this long after they were done.
    OUTBOX_KEEP_DAYS: float = 14.0
    # Duplicates across factions (docs/OPERATIONS.md#duplicates): matching at intake, its
    # thresholds, radius, terminal window and category groups ("jalan+drainase;…"); unset
    # values take app.matching.DEFAULT_POLICY's. A suggestion waits for review at most
    # REVIEW_TIMEOUT_S, then goes to the CRM as its own ticket (checked every INTERVAL_S).
    DEDUP_ENABLED: bool = True
    DEDUP_LINK_AT: float | None = None
    DEDUP_SUGGEST_AT: float | None = None
    DEDUP_RADIUS_M: float | None = None
    DEDUP_TERMINAL_DAYS: int | None = None
    DEDUP_GROUPS: str = ""
    DEDUP_REVIEW_TIMEOUT_S: float = 14400.0
    DEDUP_INTERVAL_S: float = 60.0
    PORT: int = 5000
    PUBLIC_URL: str = "http://127.0.0.1:5000"
    # Where visitors report a problem with the public site (an e-mail address or an https
    # URL), named on its accessibility statement; empty: the statement says none is published.
    PUBLIC_CONTACT: str = ""
    # The posko console (docs/CONSOLE.md): a session idle this long signs out; an invitation
    # link works once, for this many hours; sign-in stops for an e-mail address (or a client
    # address) after that many failures within the window.
    CONSOLE_IDLE_TIMEOUT_S: float = 1800.0
    CONSOLE_INVITATION_TTL_H: float = 72.0
    CONSOLE_LOGIN_WINDOW_S: float = 900.0
    CONSOLE_LOGIN_MAX_FAILURES: int = 5
    CONSOLE_LOGIN_MAX_FAILURES_PER_ADDRESS: int = 20
    CATEGORIES_FILE: str = str(REFERENCE_DIR / "categories.toml")
    STATUS_MAP_FILE: str = str(REFERENCE_DIR / "status_map.toml")
    # Reverse proxies in front of the web process that append to X-Forwarded-For (0: none;
    # the peer's address is the client's). Set it to exactly the number of proxies you run.
    TRUSTED_PROXIES: int = 0
    RATELIMIT_STORAGE_URI: str = "memory://"
    RATELIMIT_DEFAULT: str = "600 per minute"
    RATELIMIT_ENABLED: bool = True
    LOG_LEVEL: str = "INFO"
    # JSON lines (1), readable lines (0), or unset: readable when stderr is a terminal.
    LOG_JSON: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read `JEMBATAN_*` variables; keyword overrides win (tests pass their own)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = environ.get(f"JEMBATAN_{f.name}")
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.type, raw, f.name)
        values.update({k: v for k, v in overrides.items() if k != "extra"})
        settings = cls(**values)
        settings.validate()
        return settings

    @property
    def is_demo(self) -> bool:
        return self.ENV in {"demo", "test"}

    def validate(self) -> None:
        """Fail at boot when a required secret is missing or a value makes no sense.

        Production refuses the demo secrets (they are in the public source), a secret key
        shorter than MIN_SECRET_KEY_BYTES, and any JEMBATAN_ENV it does not know: a typo
        such as `prod` must not fall back to demo behaviour. Demo and test fill in the demo
        secrets they are not given; the web and worker processes then say so in a warning at
        boot (`warn_about_demo_secrets`, docs/OPERATIONS.md).
        """
        if self.ENV not in ENVIRONMENTS:
            raise ConfigError(
                f"JEMBATAN_ENV={self.ENV!r} is not known; use production, demo or test"
            )
        if self.is_demo:
            self.SECRET_KEY = self.SECRET_KEY or DEMO_SECRET_KEY
            self.DATA_KEYS = self.DATA_KEYS or DEMO_DATA_KEY
        missing = [n for n in ("SECRET_KEY", "DATA_KEYS") if not getattr(self, n)]
        if missing:
            names = ", ".join(f"JEMBATAN_{n}" for n in missing)
            raise ConfigError(f"{names} must be set (only JEMBATAN_ENV=demo runs without)")
        if self.ENV == "production":
            self._refuse_weak_secrets()
        if self.TRUSTED_PROXIES < 0:
            raise ConfigError("JEMBATAN_TRUSTED_PROXIES must be 0 or the number of proxies")
        from app.crypto import Keyring, KeyringError

        try:
            Keyring.from_setting(self.DATA_KEYS or "")
        except KeyringError as exc:
            raise ConfigError(str(exc)) from exc
        if self.CRM_FORMAT not in {"xml", "json"}:
            raise ConfigError("JEMBATAN_CRM_FORMAT must be xml or json")
        if self.CRM_UPDATES_MODE not in {"updates", "requests", "push"}:
            raise ConfigError("JEMBATAN_CRM_UPDATES_MODE must be updates, requests or push")
        contact = self.PUBLIC_CONTACT
        if contact and not (contact.startswith("https://")
                            or re.fullmatch(r"[^@\s/:]+@[^@\s/:]+", contact)):
            raise ConfigError("JEMBATAN_PUBLIC_CONTACT must be an e-mail address or an https URL")
        for prefix in ("CRM", "WEBHOOK"):
            rate = getattr(self, f"{prefix}_BREAKER_FAILURE_RATE")
            if not 0 < rate <= 1:
                raise ConfigError(f"JEMBATAN_{prefix}_BREAKER_FAILURE_RATE must be in (0, 1]")
            for name in ("MIN_CALLS", "TRIAL_CALLS"):
                if getattr(self, f"{prefix}_BREAKER_{name}") < 1:
                    raise ConfigError(f"JEMBATAN_{prefix}_BREAKER_{name} must be 1 or more")
            for name in ("WINDOW_S", "COOLDOWN_S", "MAX_COOLDOWN_S", "PROBE_TIMEOUT_S"):
                if getattr(self, f"{prefix}_BREAKER_{name}") <= 0:
                    raise ConfigError(f"JEMBATAN_{prefix}_BREAKER_{name} must be above 0")
        if self.OUTBOX_CONCURRENCY < 1:
            raise ConfigError("JEMBATAN_OUTBOX_CONCURRENCY must be 1 or more")
        from app.matching import policy_from

        try:  # the matcher's policy, built now so that a bad value stops the boot, not intake
            policy_from(self.DEDUP_LINK_AT, self.DEDUP_SUGGEST_AT, self.DEDUP_RADIUS_M,
                        self.DEDUP_TERMINAL_DAYS, self.DEDUP_GROUPS)
        except ValueError as exc:
            raise ConfigError(f"JEMBATAN_DEDUP_*: {exc}") from exc
        if not self.CRM_URL.endswith("/"):
            self.CRM_URL += "/"

    @property
    def demo_secrets_in_use(self) -> list[str]:
        """The settings holding a demo secret (only demo and test get this far with one)."""
        names = []
        if self.SECRET_KEY == DEMO_SECRET_KEY:
            names.append("JEMBATAN_SECRET_KEY")
        if DEMO_DATA_KEY in (k.strip() for k in (self.DATA_KEYS or "").split(",")):
            names.append("JEMBATAN_DATA_KEYS")
        return names

    def _refuse_weak_secrets(self) -> None:
        secret_key = self.SECRET_KEY or ""
        if secret_key == DEMO_SECRET_KEY:
            raise ConfigError(
                "JEMBATAN_SECRET_KEY is the demo secret published in Jembatan's source; set a "
                "random one of 32 bytes or more in production"
            )
        if len(secret_key.encode()) < MIN_SECRET_KEY_BYTES:
            raise ConfigError(
                f"JEMBATAN_SECRET_KEY is {len(secret_key.encode())} bytes; production needs "
                f"{MIN_SECRET_KEY_BYTES} or more (e.g. python -c \"import secrets; "
                f"print(secrets.token_urlsafe(48))\")"
            )
        if DEMO_DATA_KEY in (k.strip() for k in (self.DATA_KEYS or "").split(",")):
            raise ConfigError(
                "JEMBATAN_DATA_KEYS holds the demo data key published in Jembatan's source; "
                "use `jembatan keys generate-data-key` in production (and rotate with "
                "`jembatan keys rotate-data` if data was stored under the demo key)"
            )

    def flask_config(self) -> dict[str, Any]:
        """The same settings as a Flask config mapping (plus what extensions expect)."""
        config = {f"JEMBATAN_{f.name}": getattr(self, f.name) for f in fields(self)}
        config.update(
            SECRET_KEY=self.SECRET_KEY,
            JSON_SORT_KEYS=False,
            TESTING=self.ENV == "test",
            # No request Jembatan accepts needs more; bigger bodies are a 413 problem.
            MAX_CONTENT_LENGTH=256 * 1024,
            RATELIMIT_STORAGE_URI=self.RATELIMIT_STORAGE_URI,
            RATELIMIT_ENABLED=self.RATELIMIT_ENABLED,
            RATELIMIT_HEADERS_ENABLED=True,
        )
        config.update(self.extra)
        return config


def warn_about_demo_secrets(settings: Settings) -> None:
    """A web or worker process booting on the public demo secrets says so (demo and test
    only: production refuses them), so a test or demo setup cannot pass for a real one."""
    names = settings.demo_secrets_in_use
    if names:
        _log.warning(
            "JEMBATAN_ENV=%s: using the demo %s published in Jembatan's source; never use "
            "this setup with real complaints", settings.ENV, " and ".join(names),
        )


def _coerce(annotation: Any, raw: str, name: str) -> Any:
    kind = str(annotation)
    try:
        if "bool" in kind:
            return _bool(raw)
        if "int" in kind:
            return int(raw)
        if "float" in kind:
            return float(raw)
    except ValueError as exc:
        raise ConfigError(f"JEMBATAN_{name}={raw!r} is not a valid {kind}") from exc
    return raw


def load_dotenv_if_present() -> None:
    """Read `.env` from the working directory without overriding the real environment."""
    from dotenv import load_dotenv

    path = Path.cwd() / ".env"
    if path.is_file():
        load_dotenv(path, override=False)
