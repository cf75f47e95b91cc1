"""How well the duplicate matcher decides, and what it costs, side by side.

    python bench/dedup.py            # every section, best of 5 rounds
    python bench/dedup.py --quick    # best of 2 rounds, fewer calls

1. Precision and recall on the labelled pairs (tests/data/duplicate_pairs.json), with the
   default policy: of `linked` alone and of `linked` + `suggested`, on the splits "tune" (the
   thresholds were chosen there), "holdout" (never looked at while tuning) and all. Targets
   (issue 15): `linked` precision ≥ 0.98, `linked` + `suggested` recall ≥ 0.9.
2. Confusion by kind of pair: how each kind (hard negatives, hard positives) was decided.
3. Cost: µs of CPU per `compare` with warm caches (a stored report's words are read once) and
   cold (every report new to the matcher), and per intake, `best` over N candidates, for N the
   candidate search can return (a grid cell's open complaints of one category).
4. `scale_section()`: the cost of an intake's candidate search and matching at 10,000 and
   1,000,000 stored complaints runs bench/dedup_scale.py (PostgreSQL, JEMBATAN_BENCH_DATABASE_URL).

CPU time of this process (`time.process_time`), best of several rounds: the machine is shared,
and the least disturbed round is the one that measures the code.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import matching  # noqa: E402
from app.matching import DEFAULT_POLICY, Policy, Report, best, compare  # noqa: E402

TARGET_PRECISION = 0.98
TARGET_RECALL = 0.9
# CPU a compare may take with warm caches (the brief: well under a millisecond).
TARGET_COMPARE = 1e-3

Pair = tuple[bool, str, str, Report, Report]  # label, kind, split, stored, new


def labelled() -> list[Pair]:
    """The labelled pairs of tests/data/duplicate_pairs.json, and the test's own (split "own")."""
    from tests.app.test_matching import labelled as pairs

    return pairs()


def rates(pairs: list[Pair], policy: Policy = DEFAULT_POLICY) -> dict[str, float]:
    """Precision and recall of `linked` alone and of `linked` + `suggested`."""
    verdicts = [(label, compare(new, old, policy).verdict) for label, _, _, old, new in pairs]
    positives = sum(label for label, _ in verdicts)

    def pr(accept: Callable[[str | None], bool]) -> tuple[float, float]:
        taken = [label for label, verdict in verdicts if accept(verdict)]
        precision = sum(taken) / len(taken) if taken else 1.0
        recall = sum(taken) / positives if positives else 1.0
        return precision, recall

    lp, lr = pr(lambda v: v == "linked")
    ap, ar = pr(lambda v: v is not None)
    return {"pairs": len(pairs), "positives": positives, "linked_p": lp, "linked_r": lr,
            "any_p": ap, "any_r": ar}


def quality(pairs: list[Pair]) -> bool:
    """Section 1: the table of precision and recall; True when the targets hold everywhere."""
    print(f"Precision and recall, link_at={DEFAULT_POLICY.link_at}, "
          f"suggest_at={DEFAULT_POLICY.suggest_at}, matcher version {matching.MATCHER_VERSION}")
    print(f"  {'split':<9}{'pairs':>6}{'dups':>6}   {'linked P':>9}{'linked R':>9}"
          f"   {'+sugg P':>8}{'+sugg R':>8}")
    ok = True
    splits = sorted({split for _, _, split, _, _ in pairs})
    for split in [*splits, "all"]:
        subset = [p for p in pairs if split in ("all", p[2])]
        r = rates(subset)
        ok &= r["linked_p"] >= TARGET_PRECISION and r["any_r"] >= TARGET_RECALL
        print(f"  {split:<9}{r['pairs']:>6}{r['positives']:>6}   {r['linked_p']:>9.3f}"
              f"{r['linked_r']:>9.3f}   {r['any_p']:>8.3f}{r['any_r']:>8.3f}")
    print(f"  targets: linked P ≥ {TARGET_PRECISION}, linked+suggested R ≥ {TARGET_RECALL}: "
          f"{'PASS' if ok else 'FAIL'}")
    return ok


def confusion(pairs: list[Pair]) -> None:
    """Section 2: how each kind of pair was decided (and why excluded ones were)."""
    table: dict[tuple[bool, str], Counter[str]] = defaultdict(Counter)
    for label, kind, _, old, new in pairs:
        match = compare(new, old)
        table[(label, kind)][match.verdict or f"none:{match.excluded or 'score'}"] += 1
    columns = ["linked", "suggested", "none:score", "none:category", "none:terminal",
               "none:distance", "none:place"]
    heads = ["linked", "sugg.", "below", "categ.", "closed", "far", "place"]
    print("\nConfusion by kind: the verdict, or why none (below suggest_at; not a candidate by "
          "category, closed too long ago, farther than the radius, no similar address)")
    print(f"  {'dup':<4}{'kind':<48}{'n':>4}" + "".join(f"{h:>8}" for h in heads))
    for (label, kind), counts in sorted(table.items(), key=lambda kv: (not kv[0][0], kv[0][1])):
        print(f"  {'yes' if label else 'no':<4}{kind[:47]:<48}{sum(counts.values()):>4}"
              + "".join(f"{counts.get(c, 0) or '.':>8}" for c in columns))


def _clear_report_caches() -> None:
    """Forget every report's words (a report read from the database is new to the matcher);
    the stems of the vocabulary stay known."""
    matching._features.cache_clear()
    matching.parse_address.cache_clear()


def _clear_caches() -> None:
    _clear_report_caches()
    matching.stem.cache_clear()


def _best_of(rounds: int, run: Callable[[], int]) -> float:
    """CPU seconds per operation, best of `rounds`; `run` returns how many it did."""
    fastest = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        done = run()
        fastest = min(fastest, (time.process_time() - started) / done)
    return fastest


def cost(pairs: list[Pair], rounds: int, calls: int) -> bool:
    """Section 3: µs per compare (warm and cold) and per intake over N candidates."""
    candidates = [(old, new) for _, _, _, old, new in pairs if compare(new, old).excluded is None]
    candidates = candidates or [(old, new) for _, _, _, old, new in pairs]

    def warm() -> int:
        n = 0
        while n < calls:
            for old, new in candidates:
                compare(new, old)
                n += 1
        return n

    def fresh(clear: Callable[[], None]) -> Callable[[], int]:
        def run() -> int:
            n = 0
            for old, new in candidates[: max(1, calls // 10)]:
                clear()
                compare(new, old)
                n += 1
            return n
        return run

    warm()
    warm_cost = _best_of(rounds, warm)
    read_cost = _best_of(rounds, fresh(_clear_report_caches))
    cold_cost = _best_of(rounds, fresh(_clear_caches))
    print(f"\nCost, µs of CPU (best of {rounds} rounds), over {len(candidates)} candidate pairs")
    print(f"  compare, both reports known        {warm_cost * 1e6:>9.1f}")
    print(f"  compare, both reports new          {read_cost * 1e6:>9.1f}   "
          f"ratio new/known {read_cost / warm_cost:.1f}")
    print(f"  compare, new reports, cold stems   {cold_cost * 1e6:>9.1f}   "
          f"ratio cold/known {cold_cost / warm_cost:.1f}")
    print("  intake: best() over N stored candidates, each new to the matcher (as read from "
          "the database)")
    print(f"  {'N':>8}{'µs':>10}{'µs/N':>8}")
    intakes = candidates[:20]
    for n in (1, 10, 50, 200):
        # Each new report against n distinct copies of its own stored match (a number added to
        # the text changes no word): every one passes the candidate rule and is read afresh,
        # as the search's rows are (same category, same cells, open).
        pools = [[(k, replace(old, description=f"{old.description} {k}")) for k in range(n)]
                 for old, _ in intakes]

        def intake(pools: list[list[tuple[int, Report]]] = pools) -> int:
            for (_, new), pool in zip(intakes, pools, strict=True):
                _clear_report_caches()
                best(new, pool)
            return len(intakes)

        per = _best_of(rounds, intake)
        print(f"  {n:>8}{per * 1e6:>10.0f}{per * 1e6 / n:>8.1f}")
    ok = warm_cost < TARGET_COMPARE
    print(f"  warm compare {warm_cost * 1e6:.0f} µs, target < {TARGET_COMPARE * 1e6:.0f} µs: "
          f"{'PASS' if ok else 'FAIL'}")
    return ok


def scale_section(quick: bool) -> None:
    """Section 4: an intake's candidate search and matching at 10,000 and 1,000,000 stored.

    Needs PostgreSQL (JEMBATAN_BENCH_DATABASE_URL): runs bench/dedup_scale.py, which fills
    the store by COPY and prints the on/off intake ratio (target ≤ 1.10 at 1M) and the ratio
    1M/10k (target ≤ 1.5). `--quick`: 10k and 200k, fewer intakes.
    """
    if not os.environ.get("JEMBATAN_BENCH_DATABASE_URL"):
        print("\nScale: set JEMBATAN_BENCH_DATABASE_URL (PostgreSQL; its schema is dropped) "
              "to measure the candidate search at 10k and 1M stored (bench/dedup_scale.py).")
        return
    sizes = "10000,200000" if quick else "10000,1000000"
    intakes = "100" if quick else "300"
    print(f"\nScale (bench/dedup_scale.py --sizes {sizes} --intakes {intakes}):", flush=True)
    subprocess.run([sys.executable, str(Path(__file__).with_name("dedup_scale.py")),
                    "--sizes", sizes, "--intakes", intakes], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 5)
    calls = 2_000 if args.quick else 10_000
    pairs = labelled()
    print(f"{len(pairs)} labelled pairs (tests/data/duplicate_pairs.json and the test's own)\n")
    ok = quality(pairs)
    confusion(pairs)
    ok &= cost(pairs, rounds, calls)
    scale_section(args.quick)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
