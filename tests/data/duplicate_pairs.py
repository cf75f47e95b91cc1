"""The labelled evaluation set for duplicate matching at intake (issue 15, bench/dedup.py).

Pairs of complaints in the Indonesian faction posko staff write: `a` is the stored complaint,
`b` the newer one arriving at intake, `label` says whether they report the same physical
problem. Written for this project, from hand-authored scenarios in
tests/data/duplicate_scenarios.py (streets of real kelurahan, one to four differently written
reports per problem); the JSON next to this module is that script's output, regenerated with
`python -m tests.data.duplicate_scenarios` (fixed seed, byte-for-byte stable).

Each pair: {"id", "label", "kind", "split", "a", "b"}; a report has "category", "title",
"description", "kelurahan_code", "address" (or null), "lat"/"lon" (or null), "reported_at"
(RFC 3339, +07:00) and "terminal_at" (when `a` was resolved or closed before `b` arrived, else
null). `kind` says why the pair is hard: positive:paraphrase, positive:abbrev,
positive:slang+typo, positive:no-coordinates (one side), positive:no-coordinates-both,
positive:days-apart, positive:closed-recently, positive:related-category:<a>~<b>;
negative:same-street-other-spot (80-300 m apart), negative:other-category-same-spot,
negative:months-apart (`a` closed 60-200 days before `b`), negative:same-kelurahan-other-street,
negative:other-kelurahan, negative:boilerplate-title, negative:easy. `split` is "tune" (about
60 %, for choosing thresholds) or "holdout" (about 40 %, for the figures bench/dedup.py
reports), stratified by kind.

Size: a first 183 pairs (44 % positive) while the set grows to 400+; the script prints the
count by kind and split.
"""

from __future__ import annotations

import json
from pathlib import Path

PAIRS_FILE = Path(__file__).with_name("duplicate_pairs.json")
SPLITS = ("tune", "holdout")


def load_pairs(split: str | None = None) -> list[dict]:
    """All labelled pairs, or those of one split ("tune" or "holdout"), in id order."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, not {split!r}")
    pairs = json.loads(PAIRS_FILE.read_text(encoding="utf-8"))
    return [pair for pair in pairs if split is None or pair["split"] == split]
