"""Fault injection: the ways a real CRM fails, switched on at run time through /_sim/faults."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

RATES = ("error_rate", "timeout_rate", "lost_response_rate", "rate_limit_rate")


@dataclass
class FaultSettings:
    """What to inject; rates are probabilities per request in [0, 1]."""

    error_rate: float = 0.0
    error_statuses: list[int] = field(default_factory=lambda: [500, 502, 503])
    timeout_rate: float = 0.0
    timeout_s: float = 30.0
    lost_response_rate: float = 0.0
    # Seconds to hold a lost answer before dropping the connection: beyond the client's
    # timeout it sees a timeout, otherwise a connection reset.
    lost_response_delay_s: float = 0.0
    latency_ms: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after_s: int = 1
    down: bool = False
    apply_to_reads: bool = False


class FaultSettingsError(ValueError):
    """A /_sim/faults body that cannot be applied."""


def _checked(name: str, value: Any) -> Any:
    if name in RATES:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise FaultSettingsError(f"{name} must be a number between 0 and 1")
        return float(value)
    if name in ("timeout_s", "lost_response_delay_s", "latency_ms"):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise FaultSettingsError(f"{name} must be a number ≥ 0")
        return float(value)
    if name == "retry_after_s":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FaultSettingsError("retry_after_s must be a whole number of seconds ≥ 0")
        return value
    if name == "error_statuses":
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(s, int) and 400 <= s <= 599 for s in value)
        ):
            raise FaultSettingsError("error_statuses must be a non-empty list of 4xx/5xx codes")
        return list(value)
    if not isinstance(value, bool):
        raise FaultSettingsError(f"{name} must be true or false")
    return value


@dataclass(frozen=True)
class Decision:
    """The fault drawn for one request (at most one kind besides latency)."""

    latency_s: float = 0.0
    kind: str | None = None  # "down", "rate_limit", "error", "timeout", "lost_response"
    status: int | None = None
    # Settings captured with the draw, so a concurrent change cannot mix two configurations.
    hold_s: float = 0.0  # timeout: how long to hang; lost_response: delay before the drop
    retry_after_s: int = 0


class FaultInjector:
    """Holds the settings, draws a decision per request, and counts what it injected."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        # Seeded so a test run with the same seed and request order sees the same faults.
        self._rng = random.Random(f"crmsim-faults:{seed}")
        self.settings = FaultSettings()
        self.injected: dict[str, int] = {}

    def update(self, changes: dict[str, Any]) -> FaultSettings:
        """Apply a partial change; unknown keys and bad values are refused whole."""
        known = {f.name for f in fields(FaultSettings)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise FaultSettingsError(f"unknown fault settings: {', '.join(unknown)}")
        checked = {name: _checked(name, value) for name, value in changes.items()}
        with self._lock:
            for name, value in checked.items():
                setattr(self.settings, name, value)
            return self.settings

    def reset(self) -> None:
        """No faults, counters at zero."""
        with self._lock:
            self.settings = FaultSettings()
            self.injected = {}

    def describe(self) -> dict[str, Any]:
        """Settings and counters, for GET /_sim/faults."""
        with self._lock:
            return asdict(self.settings) | {"injected": dict(self.injected)}

    def decide(self, is_write: bool) -> Decision:
        """Draw the fault for one Open311 request (reads only if apply_to_reads)."""
        with self._lock:
            settings = self.settings
            if settings.down:
                return self._count(Decision(kind="down", status=503))
            if not is_write and not settings.apply_to_reads:
                return Decision()
            latency_s = settings.latency_ms / 1000
            rates = [
                ("rate_limit", settings.rate_limit_rate),
                ("error", settings.error_rate),
                ("timeout", settings.timeout_rate),
                ("lost_response", settings.lost_response_rate),
            ]
            # One draw per kind on every request, so the sequence of random numbers (hence
            # the faults a seeded run sees) does not depend on which rates are zero.
            draws = [self._rng.random() for _ in rates]
            status_pick = self._rng.choice(settings.error_statuses)
            for (kind, rate), draw in zip(rates, draws, strict=True):
                if draw < rate:
                    status = {"rate_limit": 429, "error": status_pick, "timeout": 504}.get(kind)
                    hold_s = {
                        "timeout": settings.timeout_s,
                        "lost_response": settings.lost_response_delay_s,
                    }.get(kind, 0.0)
                    return self._count(
                        Decision(latency_s, kind, status, hold_s, settings.retry_after_s)
                    )
            return Decision(latency_s)

    def _count(self, decision: Decision) -> Decision:
        if decision.kind:
            self.injected[decision.kind] = self.injected.get(decision.kind, 0) + 1
        return decision
