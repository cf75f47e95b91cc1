"""The duplicate-matching evaluation set is what it claims to be (tests/data/duplicate_pairs.py).

The matcher's precision and recall are only as good as the labels: these checks keep the set
large, balanced, split both ways, real (categories and kelurahan the gateway knows, coordinates
in Jakarta) and consistent with its own kinds, and keep the committed JSON equal to what
tests/data/duplicate_scenarios.py generates.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import pytest

from app.reference import areas, load_categories
from tests.data.duplicate_pairs import PAIRS_FILE, load_pairs
from tests.data.duplicate_scenarios import build_pairs, distance_m

CATEGORIES_FILE = "app/reference/categories.toml"
# Jakarta's mainland, with a margin (schemas/complaint.py accepts a wider box for the islands).
LAT_RANGE = (-6.40, -6.05)
LON_RANGE = (106.65, 107.00)
REPORT_KEYS = {"category", "title", "description", "kelurahan_code", "address", "lat", "lon",
               "reported_at", "terminal_at"}


@pytest.fixture(scope="module")
def pairs() -> list[dict]:
    return load_pairs()


def test_the_set_is_large_with_unique_ids(pairs: list[dict]) -> None:
    assert len(pairs) >= 400
    ids = [pair["id"] for pair in pairs]
    assert len(set(ids)) == len(ids)


def test_both_labels_in_both_splits_and_enough_positives(pairs: list[dict]) -> None:
    for split in ("tune", "holdout"):
        labels = Counter(pair["label"] for pair in load_pairs(split))
        assert labels[True] > 0 and labels[False] > 0, split
    positives = sum(pair["label"] for pair in pairs)
    assert positives / len(pairs) >= 0.40
    tune = len(load_pairs("tune")) / len(pairs)
    assert 0.55 <= tune <= 0.65


def test_an_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="split"):
        load_pairs("train")


def test_kinds_agree_with_labels(pairs: list[dict]) -> None:
    for pair in pairs:
        assert pair["kind"].startswith("positive:" if pair["label"] else "negative:"), pair["id"]
        assert pair["split"] in ("tune", "holdout")
    kinds = {pair["kind"] for pair in pairs}
    for needed in ("negative:same-street-other-spot", "negative:other-category-same-spot",
                   "negative:months-apart", "negative:same-kelurahan-other-street",
                   "positive:no-coordinates", "positive:slang+typo", "positive:abbrev"):
        assert needed in kinds


def test_every_category_and_kelurahan_is_real(pairs: list[dict]) -> None:
    categories = load_categories(CATEGORIES_FILE)
    known = areas()
    for pair in pairs:
        for side in ("a", "b"):
            report = pair[side]
            assert set(report) == REPORT_KEYS, pair["id"]
            assert report["category"] in categories, (pair["id"], report["category"])
            assert known.kelurahan(report["kelurahan_code"]) is not None, pair["id"]
            assert 1 <= len(report["title"]) <= 200 and report["description"], pair["id"]


def test_coordinates_are_in_jakarta_and_come_in_pairs(pairs: list[dict]) -> None:
    for pair in pairs:
        for side in ("a", "b"):
            lat, lon = pair[side]["lat"], pair[side]["lon"]
            assert (lat is None) == (lon is None), pair["id"]
            if lat is not None:
                assert LAT_RANGE[0] <= lat <= LAT_RANGE[1], pair["id"]
                assert LON_RANGE[0] <= lon <= LON_RANGE[1], pair["id"]


def test_distances_match_the_labels(pairs: list[dict]) -> None:
    for pair in pairs:
        distance = distance_m(pair["a"], pair["b"])
        if distance is None:
            continue
        if pair["label"]:
            assert distance <= 50.0, (pair["id"], distance)
        if pair["kind"] == "negative:same-street-other-spot":
            assert distance > 60.0, (pair["id"], distance)


def test_positives_without_coordinates_share_the_kelurahan(pairs: list[dict]) -> None:
    for pair in pairs:
        if pair["label"] and None in (pair["a"]["lat"], pair["b"]["lat"]):
            assert pair["a"]["kelurahan_code"] == pair["b"]["kelurahan_code"], pair["id"]


def test_timestamps_have_offsets_and_a_comes_first(pairs: list[dict]) -> None:
    for pair in pairs:
        a_at = datetime.fromisoformat(pair["a"]["reported_at"])
        b_at = datetime.fromisoformat(pair["b"]["reported_at"])
        assert a_at.utcoffset() is not None and b_at.utcoffset() is not None, pair["id"]
        assert a_at <= b_at, pair["id"]
        if pair["a"]["terminal_at"] is not None:
            closed = datetime.fromisoformat(pair["a"]["terminal_at"])
            assert closed.utcoffset() is not None and a_at <= closed <= b_at, pair["id"]
        assert pair["b"]["terminal_at"] is None, pair["id"]


def test_months_apart_negatives_were_closed_long_before(pairs: list[dict]) -> None:
    months_apart = [pair for pair in pairs if pair["kind"] == "negative:months-apart"]
    assert months_apart
    for pair in months_apart:
        closed = datetime.fromisoformat(pair["a"]["terminal_at"])
        idle = datetime.fromisoformat(pair["b"]["reported_at"]) - closed
        assert 60 <= idle.days <= 200, pair["id"]


def test_the_committed_json_is_what_the_scenarios_generate() -> None:
    committed = json.loads(PAIRS_FILE.read_text(encoding="utf-8"))
    assert committed == build_pairs(), "run: python -m tests.data.duplicate_scenarios"
