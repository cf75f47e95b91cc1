"""Redaction (app/redaction.py): what a published complaint may still say of a person.

The corpus (tests/data/redaction_corpus.py) pins the exact output of several hundred Indonesian
sentences; precision and recall of the masking over it must both be 1.0. Properties cover what
no list can: any mobile number in any of the written forms, idempotence, a reporter's name,
text that holds nothing to mask. Hostile 4,000-character inputs are checked for their output,
never timed (bench/redact.py measures the cost).
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from app import redaction
from app.redaction import (
    MASK_ADDRESS,
    MASK_EMAIL,
    MASK_NAME,
    MASK_NIK,
    MASK_PHONE,
    Identity,
    redact,
)
from tests.data.redaction_corpus import IDENTITIES, MASKED, UNCHANGED

MASKS = (MASK_PHONE, MASK_NIK, MASK_EMAIL, MASK_NAME, MASK_ADDRESS)
_MASK_SPLIT = re.compile("(" + "|".join(re.escape(m) for m in MASKS) + ")")

Span = tuple[int, int, str]


def masked_spans(text: str, output: str) -> set[Span] | None:
    """The spans of `text` that `output` replaced by a mask, or None if it is no redaction."""
    pieces = _MASK_SPLIT.split(output)
    kept, masks = pieces[0::2], pieces[1::2]
    pattern = "".join(
        re.escape(segment) + ("(.+?)" if index < len(masks) else "")
        for index, segment in enumerate(kept)
    )
    match = re.fullmatch(pattern, text, flags=re.DOTALL)
    if match is None:
        return None
    return {(match.start(g + 1), match.end(g + 1), mask) for g, mask in enumerate(masks)}


def test_corpus_precision_and_recall_are_one_and_every_output_exact() -> None:
    cases = [(text, expected, who) for _, who, text, expected in MASKED]
    cases += [(text, text, who) for who, text in UNCHANGED]
    true_positive = false_positive = false_negative = 0
    wrong: list[str] = []
    for text, expected, who in cases:
        output = redact(text, IDENTITIES.get(who) if who else None)
        want = masked_spans(text, expected)
        assert want is not None, f"corpus entry is not a redaction of its text: {expected!r}"
        got = masked_spans(text, output)
        if got is None:  # the output changed text outside any mask
            false_positive += 1
            false_negative += len(want)
        else:
            true_positive += len(want & got)
            false_positive += len(got - want)
            false_negative += len(want - got)
        if output != expected:
            wrong.append(f"{text!r}\n    got  {output!r}\n    want {expected!r}")
    precision = true_positive / ((true_positive + false_positive) or 1)
    recall = true_positive / ((true_positive + false_negative) or 1)
    figures = (f"precision {precision:.4f}, recall {recall:.4f} over {len(cases)} sentences "
               f"({true_positive} spans masked right, {false_positive} false positives, "
               f"{false_negative} false negatives)")
    print(figures)  # the report the issue asks for, on a passing run too (pytest -s / -rP)
    assert (precision, recall) == (1.0, 1.0), figures + "\n" + "\n".join(wrong)
    assert not wrong, figures + "\n" + "\n".join(wrong)


def test_corpus_covers_the_written_forms_it_promises() -> None:
    forms = {form for form, *_ in MASKED}
    assert len(MASKED) >= 150 and len(UNCHANGED) >= 150
    assert len({f for f in forms if f.startswith("phone:")}) >= 10
    assert len({f for f in forms if f.startswith("nik:")}) >= 4
    for kind in ("email", "name:", "address:", "own phone:", "own nik:"):
        assert any(f.startswith(kind) for f in forms), kind
    for *_, expected in MASKED:
        assert _MASK_SPLIT.search(expected), expected


def test_empty_text_and_no_identity() -> None:
    assert redact(None) == ""
    assert redact("") == ""
    assert redact("Hubungi 0812-3456-7890", None) == f"Hubungi {MASK_PHONE}"
    assert redact("Hubungi 0812-3456-7890", Identity()) == f"Hubungi {MASK_PHONE}"


def test_identity_of_a_stored_complaint_and_after_erasure() -> None:
    complaint = SimpleNamespace(reporter_name="Budi Santoso", address="Jl. Kenanga No. 12",
                                reporter_phone="081234567890", reporter_email="b@example.org",
                                reporter_nik="3171010101900001")
    identity = Identity.of(complaint)
    assert redact("Pak Budi di Jalan Kenanga Nomor 12, hp 812 3456 7890", identity) == (
        f"Pak {MASK_NAME} di {MASK_ADDRESS}, hp {MASK_PHONE}")
    erased = Identity.of(SimpleNamespace(reporter_name=None, address=None, reporter_phone=None,
                                         reporter_email=None, reporter_nik=None))
    # What an erased identity no longer knows is no longer masked: the projection is computed
    # at intake and never recomputed from less knowledge (docs/SECURITY.md).
    assert redact("Pak Budi", erased) == "Pak Budi"


def test_accents_in_the_stored_name_and_ligatures_in_the_text() -> None:
    assert redact("Saya Jose Nunez", Identity(name="José Núñez")) == f"Saya {MASK_NAME}"
    assert redact("Saya JOSÉ NÚÑEZ", Identity(name="Jose Nunez")) == f"Saya {MASK_NAME}"
    # A decomposed accent (e + U+0301) goes with its letter, not left dangling after the mask.
    assert redact("Saya Jose\u0301 datang", Identity(name="José")) == f"Saya {MASK_NAME} datang"
    # Folding "ß" to "ss" changes lengths: spans still land on the original characters.
    assert redact("Herr Weiß, 0812-3456-7890", Identity(name="Weiss")) == (
        f"Herr {MASK_NAME}, {MASK_PHONE}")


# --- hostile inputs: the output is checked, never the time -------------------------------------

def test_hostile_inputs_of_4000_characters() -> None:
    assert redact("a" * 3999 + "@") == "a" * 3999 + "@"
    assert redact("@" * 4000) == "@" * 4000
    assert redact("x" * 3990 + "@mail.com") == MASK_EMAIL
    assert redact("a@" + "b." * 1998 + "id") == MASK_EMAIL
    assert redact("a." * 2000) == "a." * 2000
    assert redact("1" * 4000) == MASK_NIK
    assert redact("1-" * 2000) == "1-" * 2000
    assert redact("+" * 4000) == "+" * 4000
    assert redact("(" * 4000) == "(" * 4000
    assert redact("+6" * 2000) == "+6" * 2000
    assert redact("1.500.000 " * 400) == "1.500.000 " * 400
    assert redact("20-11-2026 08.30 " * 235) == "20-11-2026 08.30 " * 235
    sentence = "Jalan rusak, hubungi 0812-3456-7890 (Pak RT) sejak 20-11-2026. "
    assert redact(sentence * 60) == sentence.replace("0812-3456-7890", MASK_PHONE) * 60
    for hostile in ("a@b." * 1000, "a.b@c" * 800, "@a." * 1333, "0812 " * 800,
                    "+1 234 5678 " * 333, "0 812 3456 " * 400, "62" * 2000):
        output = redact(hostile, IDENTITIES["budi"])
        assert not re.search(r"[\w.]@\w+\.\w", output), hostile[:20]
        assert not re.search(r"\d{13}", output), hostile[:20]
        assert redact(output, IDENTITIES["budi"]) == output


# --- properties ---------------------------------------------------------------------------------

_PLAIN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,.!?;:-\n",
                 max_size=60)


def _mobile_forms(national: str) -> list[str]:
    """A mobile number `8…` as people write it (the formats the rules promise to catch)."""
    head, rest = national[:3], national[3:]
    middle, tail = rest[:4], rest[4:]
    return [
        "0" + national,
        f"0{head}-{middle}-{tail}",
        f"0{head}.{middle}.{tail}",
        f"0{head} {middle} {tail}",
        f"0{head} - {middle} - {tail}",
        f"0{head}/{middle}/{tail}",
        f"({'0' + head}) {middle} {tail}",
        f"+62{national}",
        f"+62 {head} {middle} {tail}",
        f"+62-{head}-{middle}-{tail}",
        f"+62 ({head}) {middle}-{tail}",
        f"+62.{head}.{middle}.{tail}",
        f"62{national}",
        f"62 {head} {middle} {tail}",
        f"wa.me/62{national}",
    ]


_NATIONAL = st.builds(
    lambda operator, rest: "8" + operator + rest,
    st.sampled_from(["11", "12", "13", "21", "22", "52", "53", "55", "56", "57", "58", "77",
                     "78", "81", "95", "96", "98"]),
    st.text(alphabet="0123456789", min_size=6, max_size=9),
)


@settings(deadline=None)
@given(before=_PLAIN, after=_PLAIN, national=_NATIONAL, form=st.integers(0, 14))
def test_a_mobile_number_in_any_written_form_is_masked(before, after, national, form) -> None:
    number = _mobile_forms(national)[form]
    output = redact(f"{before} {number} {after}")
    assert MASK_PHONE in output
    # The text around holds no digit: whatever survives of the number would show here.
    assert not re.search(r"\d", output), (number, output)


_NAME_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéüñ", min_size=3, max_size=10).filter(
    lambda w: w not in {"bapak", "ibu", "pak", "saudara", "saudari", "mas", "mbak", "bang",
                        "kak", "abang", "kakak", "haji", "hajjah", "drs", "dra", "prof", "ust",
                        "ustadz", "ustazah", "tuan", "nyonya", "nona", "bin", "binti", "sdr",
                        "sdri", "hj"})
_IDENTITIES = st.builds(
    lambda words, phone, nik: Identity(name=" ".join(w.title() for w in words),
                                       address=f"Jl. {words[0].title()} No. 5",
                                       phone="08" + phone, nik=nik),
    st.lists(_NAME_WORD, min_size=1, max_size=3),
    st.text(alphabet="0123456789", min_size=9, max_size=11),
    st.text(alphabet="0123456789", min_size=16, max_size=16),
)


def _without_masks(text: str) -> str:
    return _MASK_SPLIT.sub(" ", text)


@settings(deadline=None)
@given(identity=_IDENTITIES, pieces=st.lists(st.tuples(_PLAIN, st.integers(0, 4)), max_size=6))
def test_a_reporters_name_parts_never_survive(identity, pieces) -> None:
    parts = identity.name.split()
    writings = []
    for filler, k in pieces:
        part = parts[k % len(parts)]
        writings += [filler, [part, part.upper(), part.lower(), "Pak " + part, identity.name][k]]
    text = " ".join(writings)
    output = _without_masks(redact(text, identity))
    folded = output.casefold()
    for part in parts:
        assert not re.search(rf"(?<![^\W_]){re.escape(part.casefold())}(?![^\W_])", folded), (
            part, text, output)


_ANYTHING = st.one_of(
    _PLAIN,
    _NATIONAL.map(lambda n: _mobile_forms(n)[int(n[-1]) % 15]),
    st.sampled_from(["3171 0101 0190 0001", "31.71.01.010190.0001", "budi@example.org",
                     "Rp 1.500.000", "20-11-2026", "08.30", "RT 05/RW 03", "(021) 555-1234",
                     "[nomor telepon]", "[NIK]", "[email]", "[nama pelapor]", "+65 9123 4567",
                     "Jl. Kenanga No. 12", "Budi", "0 812 3456 7890", "@", "+", "(", "."]),
    st.text(alphabet="0123456789 .-/()+@abc", max_size=30),
)


@settings(deadline=None, max_examples=300)
@given(pieces=st.lists(_ANYTHING, max_size=8), identity=st.one_of(st.none(), _IDENTITIES,
                                                                    st.just(IDENTITIES["budi"])))
def test_redaction_is_idempotent(pieces, identity) -> None:
    once = redact(" ".join(pieces), identity)
    assert redact(once, identity) == once


@settings(deadline=None, max_examples=500)
@given(text=st.text(alphabet="ab1.@-+ _x[]", max_size=60))
def test_both_ways_of_finding_emails_agree(text) -> None:
    # A text with few '@' is read from each '@'; one full of them by one pattern (the cheaper
    # for each): the spans must not depend on which.
    assert redaction._emails_by_at(text) == redaction._emails_by_pattern(text)


_QUIET = Identity(name="Qoxq Zqxz", address="Jl. Xqzq No. 9", phone="081299990000",
                  email="qx@zq.id", nik="3171010101900001")


@settings(deadline=None)
@given(text=st.text(alphabet=st.characters(
    blacklist_categories=("Nd", "Cs"), blacklist_characters="@＠qxzQXZ"), max_size=200))
def test_text_without_digits_at_signs_or_the_reporter_is_unchanged(text) -> None:
    assert redact(text) == text
    assert redact(text, _QUIET) == text
