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
null). `kind` says why the pair is hard; for a positive it is the first of:
related-category:<a>~<b> (one group in app/reference/categories.toml), no-coordinates-both,
no-coordinates (one side), closed-recently (`a` closed 20-50 hours before `b`), days-apart
(2-4 days), slang+typo, abbrev, paraphrase. Negatives: same-street-other-spot (79-300 m apart,
same problem type), other-category-same-spot (within 30 m), months-apart (`a` closed 60-200 days
before `b`, same spot), same-kelurahan-other-street and boilerplate-title (similar or identical
wording elsewhere), other-kelurahan, easy. `split` is "tune" (60 %, for choosing thresholds) or
"holdout" (40 %, for the figures bench/dedup.py reports), stratified by kind.

Size, 458 pairs (202 positive, 44 %; 274 tune, 184 holdout):

    negative:boilerplate-title                              24  (14 tune, 10 holdout)
    negative:easy                                           19  (11 tune,  8 holdout)
    negative:months-apart                                   26  (16 tune, 10 holdout)
    negative:other-category-same-spot                       38  (23 tune, 15 holdout)
    negative:other-kelurahan                                47  (28 tune, 19 holdout)
    negative:same-kelurahan-other-street                    38  (23 tune, 15 holdout)
    negative:same-street-other-spot                         64  (38 tune, 26 holdout)
    positive:abbrev                                         33  (20 tune, 13 holdout)
    positive:closed-recently                                 7  ( 4 tune,  3 holdout)
    positive:days-apart                                     10  ( 6 tune,  4 holdout)
    positive:no-coordinates                                 60  (36 tune, 24 holdout)
    positive:no-coordinates-both                             7  ( 4 tune,  3 holdout)
    positive:paraphrase                                     19  (11 tune,  8 holdout)
    positive:related-category:fasilitas_umum~jalan_rusak     3  ( 2 tune,  1 holdout)
    positive:related-category:ketertiban_umum~parkir_liar    2  ( 1 tune,  1 holdout)
    positive:related-category:ketertiban_umum~pkl            8  ( 5 tune,  3 holdout)
    positive:slang+typo                                     53  (32 tune, 21 holdout)
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
