"""How a CRM ticket moves through JSC's statuses: a deterministic plan per ticket.

A ticket's whole future is drawn when it is created, from the simulator's seed and the
ticket's number only, so two simulators with the same seed tell the same story whatever the
thread timing. Delays are in simulated seconds; the simulator divides them by its speed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

HOUR = 3600.0
DAY = 24 * HOUR

# JSC's own code → the mySociety status sent alongside it (docs/API.md#lifecycle).
MYSOCIETY_STATUS = {
    "MENUNGGU": "OPEN",
    "KOORDINASI": "INVESTIGATING",
    "DISPOSISI": "ACTION_SCHEDULED",
    "PROSES": "IN_PROGRESS",
    "MENUNGGU_VALIDASI": "FOR_TRIAGE",
    "SELESAI": "FIXED",
    "DITOLAK": "NOT_COUNCILS_RESPONSIBILITY",
    "DITUTUP": "CLOSED",
}

# Open311's own `status` is only open or closed; these JSC codes end a ticket.
CLOSED_CODES = frozenset({"SELESAI", "DITOLAK", "DITUTUP"})

_REJECTIONS = (
    ("NOT_COUNCILS_RESPONSIBILITY", "Laporan ditolak: bukan kewenangan Pemprov DKI Jakarta."),
    ("NOT_COUNCILS_RESPONSIBILITY", "Laporan ditolak: lokasi berada di luar wilayah DKI Jakarta."),
    ("DUPLICATE", "Laporan ditolak: duplikat dari laporan lain yang sedang ditangani."),
)


@dataclass(frozen=True)
class Step:
    """One status change: after `delay_s` simulated seconds, move to `external_status_code`."""

    delay_s: float
    external_status_code: str
    status: str
    note: str

    def to_json(self) -> list[object]:
        """Compact form stored with the ticket."""
        return [self.delay_s, self.external_status_code, self.status, self.note]

    @classmethod
    def from_json(cls, stored: list[object]) -> Step:
        """Inverse of to_json."""
        delay_s, code, status, note = stored
        return cls(float(delay_s), str(code), str(status), str(note))  # type: ignore[arg-type]


def _step(delay_s: float, code: str, note: str, status: str | None = None) -> Step:
    return Step(delay_s, code, status or MYSOCIETY_STATUS[code], note)


def plan_for(seed: int, ticket_number: int, agency: str) -> list[Step]:
    """The ticket's whole life: MENUNGGU → (KOORDINASI) → DISPOSISI → PROSES → … → SELESAI."""
    rng = random.Random(f"crmsim:{seed}:{ticket_number}")
    steps = [_step(0.0, "MENUNGGU", "Laporan diterima dan menunggu verifikasi petugas.")]
    if rng.random() < 0.3:
        steps.append(
            _step(rng.uniform(1, 4) * HOUR, "KOORDINASI", "Laporan sedang dikoordinasikan.")
        )
    if rng.random() < 0.12:
        status, note = rng.choice(_REJECTIONS)
        steps.append(_step(rng.uniform(2, 12) * HOUR, "DITOLAK", note, status))
        return steps
    steps.append(
        _step(rng.uniform(1, 8) * HOUR, "DISPOSISI", f"Laporan didisposisikan ke {agency}.")
    )
    steps.append(
        _step(rng.uniform(2, 24) * HOUR, "PROSES", f"{agency} sedang menindaklanjuti laporan.")
    )
    if rng.random() < 0.3:
        steps.append(
            _step(
                rng.uniform(1, 3) * DAY,
                "MENUNGGU_VALIDASI",
                "Tindak lanjut selesai, menunggu validasi pelapor.",
            )
        )
    steps.append(_step(rng.uniform(1, 5) * DAY, "SELESAI", "Laporan selesai ditindaklanjuti."))
    if rng.random() < 0.1:
        # A resolved ticket reopened (the reporter disputes it), then resolved again.
        steps.append(
            _step(
                rng.uniform(1, 2) * DAY,
                "PROSES",
                "Laporan dibuka kembali: hasil tindak lanjut belum sesuai.",
                status="REOPEN",
            )
        )
        steps.append(
            _step(rng.uniform(1, 3) * DAY, "SELESAI", "Laporan selesai ditindaklanjuti ulang.")
        )
    return steps
