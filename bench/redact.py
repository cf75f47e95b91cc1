"""What redaction costs per description, typical and worst case, measured side by side.

    python bench/redact.py                 # 2,000 calls per case, best of 5 rounds
    python bench/redact.py --calls 500 --rounds 3

1. `redact(text, identity)` per description, in µs of CPU time per call: a typical complaint
   (~300 characters with one phone number and the reporter's name) and 4,000-character worst
   cases (one long token, digits everywhere, '@' everywhere, a realistic long text…). Each
   4,000-character case is also run at 400 characters: the ratio 4,000/400 is ≈10 when the cost
   is linear in the text, and would be ≈100 for a quadratic pattern. Target: under 1 ms for a
   4,000-character description.
2. (Left for the public pages' comparison with the previous main: see `public_pages`.)

CPU time of this process (`time.process_time`), best of several rounds: the machine is shared,
and the least disturbed round is the one that measures the code.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.redaction import Identity, redact  # noqa: E402

REPORTER = Identity(name="Budi Santoso", address="Jl. Kenanga No. 12, RT 05/RW 03, Kel. Gambir",
                    phone="081234567890", email="budi.santoso@gmail.com",
                    nik="3171010101900001")

TYPICAL = (
    "Saya Budi Santoso, warga RT 05/RW 03. Sejak 20-11-2026 jalan di depan gang berlubang "
    "besar dan sudah dua pengendara motor jatuh, terakhir pukul 21.30 WIB. Sudah lapor ke "
    "kelurahan tapi belum ada tindakan. Mohon segera diperbaiki; petugas bisa menghubungi saya "
    "di 0812-3456-7890 sebelum datang. Terima kasih."
)
REALISTIC = (
    "Pada 20-11-2026 pukul 08.30 WIB saluran air di Jl. Kenanga meluap setinggi 50 cm. "
    "Warga RT 05/RW 03 sudah kerja bakti tiga kali, biaya Rp 1.500.000 dari kas RW. "
    "Truk B 1234 XYZ parkir di atas saluran setiap malam. Tiket CRM-2026-001234 ditutup "
    "tanpa tindakan. Pak Budi bisa dihubungi di +62 812-3456-7890 atau budi.santoso@gmail.com. "
)


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


# name -> (description, builder of a text of n characters)
CASES: dict[str, tuple[str, Callable[[int], str]]] = {
    "realistic": ("a long complaint: dates, amounts, plates, a phone, an e-mail, the name",
                  lambda n: _repeat(REALISTIC, n)),
    "long token": ("one token without a space, '@' at its end",
                   lambda n: "a" * (n - 1) + "@"),
    "at everywhere": ("'a@b.' repeated: an '@' every four characters",
                      lambda n: _repeat("a@b.", n)),
    "e-mails": ("e-mail addresses back to back",
                lambda n: _repeat("budi.santoso@example.org ", n)),
    "digits solid": ("one run of digits", lambda n: "1" * n),
    "digit groups": ("'0812 3456 ' repeated: one run of 4,000 characters",
                     lambda n: _repeat("0812 3456 ", n)),
    "digits everywhere": ("numbers of every length between words",
                          lambda n: _repeat("no 7 rt 05 tgl 20-11-2026 rp 1.500.000 "
                                            "0812-3456-7890 3171010101900001 12345678 ", n)),
    "dates and times": ("dates, times and 0-numbers in one space-joined run",
                        lambda n: _repeat("05-11-2026 14.00 0 812 ", n)),
    "foreign plus": ("'+1 234 5678 ' repeated: numbers only the matcher may decide",
                     lambda n: _repeat("+1 234 5678 ", n)),
}


def per_call(text: str, calls: int, rounds: int) -> float:
    """Seconds of CPU per `redact(text, REPORTER)`, best of `rounds`."""
    redact(text, REPORTER)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(calls):
            redact(text, REPORTER)
        best = min(best, (time.process_time() - started) / calls)
    return best


def redaction_cost(calls: int, rounds: int) -> None:
    """Section 1: µs per description, and the 4,000/400 ratio of each kind of input."""
    typical = per_call(TYPICAL, calls, rounds)
    print(f"redact() per description, µs of CPU per call (best of {rounds} rounds)")
    print(f"  {'case':<20}{'chars':>7}{'µs':>10}   {'400 chars':>9}{'ratio':>7}")
    print(f"  {'typical':<20}{len(TYPICAL):>7}{typical * 1e6:>10.1f}")
    worst = 0.0
    for name, (_, build) in CASES.items():
        large, small = build(4000), build(400)
        cost_large = per_call(large, max(1, calls // 10), rounds)
        cost_small = per_call(small, calls, rounds)
        worst = max(worst, cost_large)
        print(f"  {name:<20}{len(large):>7}{cost_large * 1e6:>10.1f}   "
              f"{cost_small * 1e6:>9.1f}{cost_large / cost_small:>7.1f}")
    print(f"  worst 4,000-character case: {worst * 1e3:.2f} ms (target < 1 ms)")


def public_pages(args: argparse.Namespace) -> None:
    """Section 2, to be written: public pages' speed against the previous main.

    The projection moves redaction from every view to intake; this section is where the lead
    compares the public pages of this tree with the previous main on the same machine (ratio
    ≤ 1.05).
    """


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="calls per round (typical)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    redaction_cost(args.calls, args.rounds)
    # ---- section 2: public pages vs the previous main (the lead adds it here) ----
    public_pages(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
