"""Redaction: what of a complaint's free text may be published (UU PDP 27/2022).

`redact(text, identity)` returns `text` with phone numbers, NIKs, e-mail addresses and the
reporter's own name, address, phone, e-mail and NIK masked by readable placeholders. It runs
once, at intake, while the reporter's identity is known; every public surface reads its result.

How it reads a text (the corpus in tests/data/redaction_corpus.py pins the result on several
hundred sentences, with the ambiguous cases and the choice made for each):

1. A *shadow* of the text, one character for one character where possible: letters folded
   (lower case, accents dropped), Unicode digits made ASCII, odd spaces, dashes, `＋` and `＠`
   made plain. Every rule reads the shadow; spans are cut from the original.
2. E-mail addresses: a local part, `@`, a dotted domain, found from each `@` outwards (or, in
   a text full of `@`, by one pass of a pattern whose local part may only start where no
   local-part character precedes it). Either way each character is read a bounded number of
   times; the old pattern was quadratic.
3. The reporter's own name (whole, and each part of three letters or more except honorifics,
   as whole words) and address (whole, and its street and house number alone; Jl./Jalan,
   Gg./Gang, No./Nomor… equal; leading zeros ignored), and their e-mail.
4. With what 2 and 3 found blanked out, *number runs*: digit groups joined by the separators
   people type in numbers (one `.`, `-` or `/` with up to two spaces around it, spaces,
   brackets), with a leading `+` or `(`. The reporter's own phone and NIK are found first, by
   their digits in any grouping. Then, left to right, at every group where a number may start
   (the run's start, after a space, a slash or a bracket, or right after a masked number): a
   NIK (16 digits opening with a province code and split only where its fields end, or one
   solid group of 16 or more), else an Indonesian phone (0, 62 or +62, then a mobile `8…` of
   9–12 digits or a landline `2…`–`7…` of 8–10; a `0…` number's first group at least three
   digits long, so that dates and times never start one). Groups after "Rp"/"IDR" or before
   "rupiah", "juta", "%"… are amounts.
5. What the rules leave undecided but could be a phone (a `+`, or a `0`/`62` start, and eight
   digits or more, not a date, a time, a kelurahan code or an amount) is asked of the
   `phonenumbers` library's matcher for region ID, which knows every country's formats; what
   it leaves around its finds is read again as runs of their own. The matcher is slow
   (~50–100 µs a call), so a text gets at most `_MATCHER_CALLS` calls; beyond them such a
   stretch is masked unasked (a miss would leak a person, a false mask costs a number).
6. Overlapping spans merge (the earliest and longest wins the mask), and masks already in the
   text are left alone. Numbers are read as the next redaction of the output would read them
   (blanked neighbours, a new start after each mask), so `redact` is idempotent.

Everything is linear in the text: regular expressions with bounded or possessive repetition,
starts that cannot be retried inside a token, and per-group work bounded by the 16 digits a
number can have. The work per character is kept in C where it can be: the groups where a
number may open are found by one pattern (`_MAY_OPEN`), a run is split into groups only when
one may, and Python steps are spent on candidates, not on every group. bench/redact.py
measures it (target: under 1 ms for 4,000 characters).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter
from typing import Any

import phonenumbers

# Bumped whenever detection changes, and stored with each computed projection.
VERSION = 5

MASK_PHONE = "[nomor telepon]"
MASK_NIK = "[NIK]"
MASK_EMAIL = "[email]"
MASK_NAME = "[nama pelapor]"
MASK_ADDRESS = "[alamat pelapor]"


@dataclass(frozen=True)
class Identity:
    """What identifies a complaint's reporter: every value is masked wherever it appears."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None

    @classmethod
    def of(cls, complaint: Any) -> Identity:
        """The identity a stored complaint knows of its reporter (empty once erased)."""
        return cls(
            name=complaint.reporter_name,
            address=complaint.address,
            phone=complaint.reporter_phone,
            email=complaint.reporter_email,
            nik=complaint.reporter_nik,
        )


def redact(text: str | None, identity: Identity | None = None) -> str:
    """`text` safe to publish: identifying numbers, addresses and the reporter masked."""
    if not text:
        return ""
    shadow, origin = _shadow(text)
    spans = _emails(shadow)
    if identity is not None:
        spans += _own_words(shadow, identity)
    # Numbers are read with what is already masked blanked out, as the next redaction of the
    # output would read them: a run never continues across an e-mail or a name.
    numbers = _blank(shadow, spans)
    if _DIGIT.search(numbers):
        runs = _runs(numbers)
        if identity is not None:
            own = _own_numbers(numbers, identity, runs)
            if own:
                spans += own
                numbers = _blank(numbers, own)
                runs = _rerun(numbers, runs, own)
        spans += _numbers(numbers, text, origin, runs)
    if not spans:
        return text
    return _apply(text, shadow, origin, spans)


def _blank(shadow: str, spans: list[tuple[int, int, str]]) -> str:
    """`shadow` with the spans overwritten by a character no rule reads."""
    if not spans:
        return shadow
    pieces = []
    cursor = 0
    for start, end, _ in sorted(spans):
        if end > cursor:
            start = max(start, cursor)
            pieces += [shadow[cursor:start], "\x00" * (end - start)]
            cursor = end
    pieces.append(shadow[cursor:])
    return "".join(pieces)


# --- the shadow -------------------------------------------------------------------------------

_PLAIN = {
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u3000": " ",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\uff0b": "+", "\uff20": "@", "\u2019": "'", "\uff0e": ".",
}


# Up to this many distinct characters to fold, `str.replace` for each beats one translate.
_REPLACED_ONE_BY_ONE = 16


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character as the rules read it: lower case, no accents, plain digits and spaces."""
    if char in _PLAIN:
        return _PLAIN[char]
    if char.isdecimal():
        return str(unicodedata.decimal(char))
    decomposed = unicodedata.normalize("NFKD", char)
    # A lone combining mark folds to nothing: its mask takes it with the letter before.
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _shadow(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, when folding changed lengths, where each of its characters began.

    `origin[i]` is the original index of shadow character i, and `origin[len(shadow)]` is
    `len(text)`, so a shadow span [s, e) is the original span [origin[s], origin[e]).

    ASCII text (almost every complaint) folds with one `lower()`; otherwise each distinct
    character is folded once and the text translated in C.
    """
    if text.isascii():
        return text.lower(), None
    table: dict[int, str] = {}
    one_for_one = True
    for char in set(text):
        if char.isascii():
            continue
        folded = _fold_char(char)
        table[ord(char)] = folded
        one_for_one = one_for_one and len(folded) == 1
    if one_for_one:
        # A few distinct characters (a curly quote, a no-break space, an accent) are replaced
        # one by one, each in one pass in C: str.translate looks every character up in the
        # table, ~50 ns each. Equal as long as no folded character is itself replaced.
        changes = {chr(code): folded for code, folded in table.items() if folded != chr(code)}
        if len(changes) <= _REPLACED_ONE_BY_ONE and not any(
            folded in changes for folded in changes.values()
        ):
            for char, folded in changes.items():
                text = text.replace(char, folded)
            return text.lower(), None
        return text.translate(table).lower(), None
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = table[ord(char)] if ord(char) in table else char.lower()
        pieces.append(folded)
        origin.extend([index] * len(folded))
    origin.append(len(text))
    return "".join(pieces), origin


# --- e-mail -----------------------------------------------------------------------------------

# A local part starts only where no local-part character precedes it, and is read possessively:
# a 4,000-character token without '@' is read once, not once per starting position. Its
# characters are RFC 5322's atext and the dot ("*@a.id", "o'neil@a.id"); a slash right after
# an address separates it from the next ("budi@a.id/ani@a.id"), as people write two.
_LOCAL_CHARS = r"[\w.!#$%&'*+/=?^`{|}~\-]"
_ADDRESS_BODY = _LOCAL_CHARS + r"++@[\w\-]++(?:\.[\w\-]++)++"
_EMAIL = re.compile(r"(?<!" + _LOCAL_CHARS + ")" + _ADDRESS_BODY)
_EMAIL_RIGHT_AFTER = re.compile(_ADDRESS_BODY)
_LOCAL_PART = re.compile(_LOCAL_CHARS + "*+")
_DOMAIN = re.compile(r"[\w\-]++(?:\.[\w\-]++)++")
# Above one '@' in this many characters, one pass of the pattern beats a step per '@'.
_AT_DENSITY = 64


def _emails(shadow: str) -> list[tuple[int, int, str]]:
    """Spans of e-mail addresses.

    An address may start right where another ends ("a@b.id+c@d.id"): once the first is masked
    the second stands alone, so it is masked at once. A text with few '@' (nearly all) is read
    from each '@' outwards; a text full of them with one pass of the pattern. Both give the
    same spans (tests/app/test_redaction.py checks it) and read each character a bounded
    number of times.
    """
    ats = shadow.count("@")
    if not ats:
        return []
    if ats * _AT_DENSITY > len(shadow):
        return _emails_by_pattern(shadow)
    return _emails_by_at(shadow)


def _emails_by_at(shadow: str) -> list[tuple[int, int, str]]:
    """E-mail spans found from each '@': its local part backwards, its domain forwards."""
    backwards = shadow[::-1]
    size = len(shadow)
    spans: list[tuple[int, int, str]] = []
    done = 0  # where the last address ended: the next local part starts there at the earliest
    at = shadow.find("@")
    while at >= 0:
        local = _LOCAL_PART.match(backwards, size - at).end() - (size - at)
        start = max(at - local, done)
        if spans and start == done and shadow.startswith("/", start):
            start += 1
        domain = _DOMAIN.match(shadow, at + 1)
        if start < at and domain:
            spans.append((start, domain.end(), MASK_EMAIL))
            done = domain.end()
        at = shadow.find("@", max(at + 1, done))
    return spans


def _emails_by_pattern(shadow: str) -> list[tuple[int, int, str]]:
    """E-mail spans found by one pass of the pattern, chained where one ends and one starts."""
    spans: list[tuple[int, int, str]] = []
    position = 0
    while match := _EMAIL.search(shadow, position):
        while match:
            spans.append((match.start(), match.end(), MASK_EMAIL))
            position = match.end()
            match = _EMAIL_RIGHT_AFTER.match(
                shadow, position + shadow.startswith("/", position)
            )
    return spans


# --- numbers: NIK and phones ------------------------------------------------------------------

# Between two digit groups: spaces, one of . - / with up to two spaces around, or brackets
# ("(021) 555", "+62 (812) 3456"). Every part is bounded, so a run is read once. Every part is
# possessive too: its marks are distinct characters in a fixed order, so taking all it can is
# the only way a separator reaches the next digit, and the engine tries no other split of the
# spaces where a run ends (before a word or a '+').
_SEPARATOR = r"(?:[ \t]{0,2}+\)?+[ \t]{0,2}+[-./]?+[ \t]{0,2}+\(?+[ \t]{0,2}+)"
# It opens with a character class, which lets the engine skip text without digits in C.
_RUN = re.compile(
    r"[+(\d](?:(?<=\+)[ \t]{0,2}+\(?+[ \t]{0,2}+\d|(?<=\()[ \t]{0,2}+\+?+[ \t]{0,2}+\d|(?<=\d))"
    r"\d*+(?:" + _SEPARATOR + r"(?<=[^\d])\d++)*+"
)
_NOT_DIGITS = str.maketrans("", "", " \t+()-./")
_NOT_DIGIT_BYTES = b" \t+()-./"
_GROUP = re.compile(r"\d++")
_GROUPS = re.compile(r"(\d++)")
_DIGIT = re.compile(r"\d")
# Every phone the rules or the matcher may find holds a '+', or a group opening with 0[2-9]
# or 62.
_MAY_HOLD_PHONE = re.compile(r"\+|(?<!\d)(?:0\D{0,2}[2-9]|62)")
# …and every phone the rules may find a group opening with 0[2-9] and three digits long, or 62.
# (Written to open with the class [06], which the engine looks for in C, and the "no digit
# before" asked after it.)
_PHONE_RULES_MAY_FIRE = re.compile(r"[06](?<!\d[06])(?:(?<=0)[2-9]\d|(?<=6)2)")
# Shapes that are never phone numbers, kept from the matcher (which calls "05-11-2026 14.00" a
# phone): dates with an optional time, times, kelurahan codes, amounts grouped by thousands.
# Each opens with one to four digits and a mark, asked first: a position where no such shape
# starts (a letter, a long number) is passed in one step.
_NOT_A_PHONE = re.compile(
    r"(?=\d{1,4}+[-/.:,])(?<![\d.\-/])(?:"
    r"\d{1,2}(?P<d>[-/.])\d{1,2}(?P=d)(?:\d{4}|\d{2})(?:[ \t]{1,2}\d{1,2}[.:]\d{2})?"
    r"|\d{4}(?P<i>[-/.])\d{1,2}(?P=i)\d{1,2}(?:[ \t]{1,2}\d{1,2}[.:]\d{2})?"
    r"|\d{1,2}[.:]\d{2}"
    r"|\d{2}\.\d{2}\.\d{2}\.\d{4}"
    r"|[1-9]\d{0,2}(?P<t>[.,])\d{3}(?:(?P=t)\d{3})*+"
    r")(?![\d]|[.\-/:]\d)"
)
# A run right after "Rp"/"IDR" or right before "%", "rupiah", "ribu", "juta"… is an amount.
_AMOUNT_BEFORE = re.compile(r"(?:^|\W)(?:rp|idr)\.?[ \t]{0,2}\Z")
_AMOUNT_AFTER = re.compile(r"[ \t]{0,2}(?:%|persen\b|rupiah\b|ribu\b|rb\b|juta\b|jt\b|miliar\b)")

_NIK_DIGITS = 16
_NIK_FIELD_ENDS = frozenset((2, 4, 6, 8, 10, 12))
# A NIK opens with its province's code: "20-11-2026 12345678" is a date and a number.
_PROVINCES = frozenset(
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 71 72 73 74 75 76 "
    "81 82 91 92 93 94 95 96 97".split()
)
# Where a group may open a phone or a NIK (`_next_opener`), at the non-digit before it (a class
# that lets the engine skip digits in C), as a lookahead so that a NIK's shape does not hide
# the groups inside it: 62 or 0[2-9] and a digit; 16 digits in one group; or a card's first
# group or a province code, then 16 digits whose groups all split at even counts.
_MAY_OPEN = re.compile(
    r"\D(?=0[2-9]\d|62|\d{16}|(?=[1-9]\d{3}(?!\d)|"
    + "|".join(sorted(f"{tens}[{''.join(sorted(c[1] for c in _PROVINCES if c[0] == tens))}]"
                      for tens in {code[0] for code in _PROVINCES}))
    + r")\d\d(?:\D*+\d\d){7}(?!\d))"
)
_LONGEST_NUMBER = 16  # digits a phone written with +62 0… can reach; nothing longer is read
_MATCHER_CALLS = 4


@dataclass
class _Run:
    """A run of digit groups in the shadow, with what joins them."""

    plus: bool
    paren: bool
    starts: list[int]
    ends: list[int]
    digits: list[str]
    separators: list[str]  # separators[k] joins group k and k + 1

    def may_start(self, k: int) -> bool:
        """Whether a number may begin at group k: the run's start, or after a space or bracket.

        "Rp 1.050.000.000" holds "050.000.000", but no number starts after a bare dot or dash.
        """
        # Separators hold only " \t.-/()": anything but dots and dashes is a space or bracket.
        return k == 0 or bool(self.separators[k - 1].strip(".-"))


# Where a run of six digits or more is written (start, end), and its digits: enough to pass it
# by. A plain tuple: a hostile text holds hundreds of runs, and most are passed by.
_Written = tuple[int, int, str]


def _run_of(shadow: str, start: int, end: int) -> _Run:
    """The groups and separators of the run written at shadow[start:end].

    Read only for the runs that may matter, in C: one split gives [prefix, group, separator,
    group, …, group, ""] (a run ends with a digit), and the running sum of the pieces' lengths
    where each begins.
    """
    pieces = _GROUPS.split(shadow[start:end])
    count = len(pieces) // 2
    positions = list(accumulate(map(len, pieces), initial=start))
    prefix = pieces[0]
    return _Run("+" in prefix, "(" in prefix, positions[1:2 * count:2],
                positions[2:2 * count + 1:2], pieces[1::2], pieces[2:-1:2])


def _runs(shadow: str, start: int = 0, end: int | None = None) -> list[_Written]:
    """The number runs of the shadow that hold six digits or more (fewer identify no one)."""
    runs: list[_Written] = []
    for match in _RUN.finditer(shadow, start, len(shadow) if end is None else end):
        first, last = match.span()
        if last - first >= 6:
            written = match.group()
            # The shadow's digits are ASCII, and so is a run: bytes drop its separators several
            # times faster than str.translate does (a hostile text holds hundreds of runs).
            digits = (
                written.encode("ascii").translate(None, _NOT_DIGIT_BYTES).decode("ascii")
                if written.isascii() else written.translate(_NOT_DIGITS)
            )
            if len(digits) >= 6:
                runs.append((first, last, digits))
    return runs


def _rerun(
    shadow: str, runs: list[_Written], blanked: list[tuple[int, int, str]]
) -> list[_Written]:
    """`runs` after `blanked` spans were blanked out of the shadow: only those runs read again."""
    merged: list[tuple[int, int]] = []  # disjoint, as `_overlaps` wants them
    for start, end, _ in sorted(blanked):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    fresh: list[_Written] = []
    for written in runs:
        if _overlaps(merged, written[0], written[1]):
            fresh += _runs(shadow, written[0], written[1])
        else:
            fresh.append(written)
    return fresh


def _amount_groups(shadow: str, run: _Run) -> tuple[int, int]:
    """How many groups at the run's head and tail are money or a percentage by their words.

    "Rp 1.500.000", "1.500.000 rupiah", "12,5 %": the groups joined to the amount without a
    space; a phone written after "Rp 50.000 " is still read.
    """
    head = tail = 0
    window = shadow[max(0, run.starts[0] - 9):run.starts[0]]
    if _AMOUNT_BEFORE.search(window):
        head = 1
        while head < len(run.digits) and run.separators[head - 1] in (".", ","):
            head += 1
    if head < len(run.digits) and _AMOUNT_AFTER.match(shadow, run.ends[-1]):
        tail = 1
        while tail < len(run.digits) - head and run.separators[-tail] in (".", ","):
            tail += 1
    # Money never opens with a zero and more digits ("0812… %" is a phone beside a word).
    if head and run.digits[0][:1] == "0" and len(run.digits[0]) > 1:
        head = 0
    if tail and run.digits[-tail][:1] == "0" and len(run.digits[-tail]) > 1:
        tail = 0
    # …and stands apart: "0810-0000-10 %" is one number beside a word, not a number and 10 %.
    if tail and not run.may_start(len(run.digits) - tail):
        tail = 0
    return head, tail


def _national(digits: str, plus: bool) -> str | None:
    """The national significant number of an Indonesian phone written as `digits`, if any.

    Mobile numbers are 8 and 9–12 more digits… 0812-3456-7890 is 812 3456 7890; landlines are
    an area code 2x–7x and a subscriber number, 8–10 digits in all (021-555-1234).
    """
    if digits.startswith("62"):
        national = digits[2:]
        if national.startswith("0"):
            national = national[1:]
    elif plus and not digits.startswith("0"):
        return None  # another country's number (the matcher may still know it)
    elif digits.startswith("0"):
        # "+0812…", "+ 0812…": a + before a national number is a habit, not a country code.
        national = digits[1:]
    else:
        return None
    if national[:1] == "8":
        return national if 9 <= len(national) <= 12 else None
    if national[:1] in ("2", "3", "4", "5", "6", "7"):
        return national if 8 <= len(national) <= 10 else None
    return None


def _may_open(group: str) -> bool:
    """Whether a NIK or a phone could open with this group (`_nik_end`, `_phone_start`)."""
    return (group[:2] in _PROVINCES or len(group) >= _NIK_DIGITS or group[:2] == "62"
            or (group[:1] == "0" and len(group) >= 3) or len(group) == 4)


def _next_opener(shadow: str, run: _Run, first: int) -> int:
    """The first group from `first` on at which a NIK or a phone may open (or past the last).

    Found in C: `_MAY_OPEN` holds at a superset of the groups where `_nik_end` or
    `_phone_start` may hold, so trying only these finds what trying every group would. A phone
    opens with 62 or 0[2-9] and a third digit; a NIK is one group of 16 digits or more, or
    16 digits whose groups all split at even counts and end at the 16th (a card's four groups
    of four, a NIK split where its fields end). The run's first group is asked directly: a run
    cut by the matcher's find may start right after a digit.
    """
    digits = run.digits
    if first == 0:
        if _may_open(digits[0]):
            return 0
        first = 1
    last = run.ends[-1]
    while first < len(digits):
        match = _MAY_OPEN.search(shadow, run.ends[first - 1], last)
        if match is None:
            break
        k = bisect_left(run.starts, match.end(), first)
        if _may_open(digits[k]):
            return k
        first = k + 1
    return len(digits)


def _phone_start(run: _Run, k: int) -> bool:
    """Whether an Indonesian phone may begin at group k (its own shape, not yet its length)."""
    group = run.digits[k]
    if group.startswith("62"):
        return True
    # A 0… number's first group is the area code, the mobile prefix or the whole number:
    # three digits at least, so "08.30" and "05-11-2026" never begin one.
    return group[:1] == "0" and group[1:2] not in ("", "0", "1") and len(group) >= 3


def _phone_end(run: _Run, k: int, limit: int) -> int | None:
    """The last group of the longest Indonesian phone starting at group k, if any.

    Once the digits make a phone, a further group joins only with the separator used before
    and of the size used before, so "0812 3456 7890 12 kali" keeps its "12".
    """
    plus = k == 0 and run.plus
    digits, separators = run.digits, run.separators
    collected = ""
    best = None
    between = 0  # the one size of the groups after k read so far, 0 once they differ
    for j in range(k, limit):
        size = len(digits[j])
        if j > k and best is not None:
            # (j > k + 1 whenever the joint is the same: there are groups between.)
            if j - 1 == k or separators[j - 1] != separators[j - 2]:
                break
            if size < 3 and between != size:
                break
        if j == k + 1:
            between = size
        elif j > k + 1 and between != size:
            between = 0
        collected += digits[j]
        if len(collected) > _LONGEST_NUMBER:
            break
        # Nine digits at least: a 0 and a landline's eight (62 and eight, ten).
        if len(collected) >= 9 and _national(collected, plus) is not None:
            best = j
    return best


def _alternates_end(run: _Run, end: int, limit: int) -> int:
    """The last group of a phone written with its alternates: "021-5551234/5551235", "/35".

    After a slash, a group no longer than the phone's last group, that opens no phone of its
    own, is another line of the same number.
    """
    while (
        end + 1 < limit
        and run.separators[end].strip(" \t") == "/"
        and len(run.digits[end + 1]) <= len(run.digits[end])
        and not _phone_start(run, end + 1)
    ):
        end += 1
    return end


def _card_shaped(run: _Run, k: int, limit: int) -> bool:
    """Four groups of four digits from group k, joined by one same space, dot or dash, not
    opening with 0 as a phone does ("3171 0101 0190 0001", "1000-0000-0000-0000")."""
    if k + 4 > limit:
        return False
    digits = run.digits
    if digits[k][0] == "0" or not (
        len(digits[k]) == len(digits[k + 1]) == len(digits[k + 2]) == len(digits[k + 3]) == 4
    ):
        return False
    separators = run.separators
    join = separators[k].strip() or " "
    return (
        join not in ("/", "(", ")")
        and (separators[k + 1].strip() or " ") == join
        and (separators[k + 2].strip() or " ") == join
    )


def _nik_end(run: _Run, k: int, limit: int, totals: list[int]) -> int | None:
    """The last group of a NIK starting at group k."""
    first = run.digits[k]
    if len(first) >= _NIK_DIGITS:
        return k
    # Four groups of four digits is a card's shape (NIK, family card, payment card): all of
    # them identify a person, so the province code is not asked for.
    if _card_shaped(run, k, limit):
        return k + 3
    if len(first) < 2 or first[:2] not in _PROVINCES:
        return None
    target = totals[k] + _NIK_DIGITS
    j = bisect_left(totals, target, k + 1, limit + 1) - 1  # totals[j + 1]: digits to group j
    if j + 1 > limit or totals[j + 1] != target:
        return None
    # Groups split where the NIK's fields end (province, regency, district, day, month, year):
    # "3171 0101 0190 0001", "317101-010190-0001", "31.71.01.010190.0001"; a date, a time and
    # a count in a row ("20-11-2026 08.30 20") are not one, nor is a group of one digit.
    if any(totals[g + 1] - totals[k] not in _NIK_FIELD_ENDS for g in range(k, j)):
        return None
    return j


def _numbers(
    shadow: str, text: str, origin: list[int] | None, runs: list[_Written]
) -> list[tuple[int, int, str]]:
    """Spans of NIKs and phone numbers, with the matcher asked about what the rules leave.

    Around what the matcher finds, the rest of a stretch is read again as runs of its own, as
    the next redaction of the output would read it.
    """
    spans: list[tuple[int, int, str]] = []
    matcher = _Matcher(shadow, text, origin)
    queue = deque(runs)
    while queue:
        start, end, digits = queue.popleft()
        count = len(digits)
        if count < 8:
            continue  # a date, an amount, a code: too short for any number
        if count < _NIK_DIGITS:
            if not _MAY_HOLD_PHONE.search(shadow, start, end):
                continue
            if not _PHONE_RULES_MAY_FIRE.search(shadow, start, end):
                # No rule can fire ("+1 234 5678", "0 812 3456 7890"): only the matcher may
                # decide. (The common case of a hostile text: no list, no loop.)
                plus = shadow[start] == "+" or shadow[start + 1] == "+"
                asked = matcher.ask(start, end, digits, plus)
                if asked:
                    spans += asked
                    if matcher.answered:
                        queue.extend(_around(shadow, start, end, asked))
                continue
        for stretch in _read_written(shadow, start, end, digits, spans):
            asked = matcher.ask(*stretch)
            if asked:
                spans += asked
                if matcher.answered:
                    queue.extend(_around(shadow, stretch[0], stretch[1], asked))
    return spans


def _around(
    shadow: str, start: int, end: int, asked: list[tuple[int, int, str]]
) -> list[_Written]:
    """The runs of shadow[start:end] left around the matcher's finds."""
    edges = [start] + [edge for span in asked for edge in span[:2]]
    edges.append(end)
    runs: list[_Written] = []
    for left, right in zip(edges[0::2], edges[1::2], strict=True):
        if left < right:
            runs += _runs(shadow, left, right)
    return runs


def _read_written(
    shadow: str, start: int, end: int, digits: str, spans: list[tuple[int, int, str]]
) -> list[tuple[int, int, str, bool]]:
    """`_read_run` of the run at shadow[start:end], not split into groups when no number can
    open in it: a long run of dates, times and short numbers ("05-11-2026 14.00 0 812 …") with
    no group where a NIK or a phone may open and no amount beside it is left whole.
    """
    first = _DIGIT.search(shadow, start).start()  # type: ignore[union-attr]
    group_end = _GROUP.match(shadow, first).end()  # type: ignore[union-attr]
    if (
        not _may_open(shadow[first:group_end])
        and not _MAY_OPEN.search(shadow, group_end, end)
        and not _AMOUNT_BEFORE.search(shadow[max(0, first - 9):first])
        and not _AMOUNT_AFTER.match(shadow, end)
    ):
        plus = "+" in shadow[start:first]
        return [(shadow.rfind("+", 0, first + 1) if plus else first, end, digits, plus)]
    found, undecided = _read_run(shadow, _run_of(shadow, start, end), len(digits))
    spans += found
    return undecided


def _phone_needs_tail(run: _Run, tail: int, totals: list[int]) -> bool:
    """Whether a run opening as a phone is one only with its last `tail` groups: too short
    for a phone without them, long enough with them."""
    first = run.digits[0]
    if first[:2] == "62":
        prefix = 2
    elif first[:1] == "0":
        prefix = 1
    else:
        return False
    # Counted without the 0 or 62 that opens it: a mobile number has 9 to 12 more digits.
    before, whole = totals[len(run.digits) - tail] - prefix, totals[-1] - prefix
    return before < 9 <= whole <= 12


def _read_run(
    shadow: str, run: _Run, count: int
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str, bool]]]:
    """The NIKs and phones the rules find in a run, and the stretches they leave undecided."""
    spans: list[tuple[int, int, str]] = []
    undecided: list[tuple[int, int, str, bool]] = []  # start, end, digits, after a '+'
    head, tail = _amount_groups(shadow, run)
    totals = list(accumulate(map(len, run.digits), initial=0))
    if (head or tail) and count >= _NIK_DIGITS:  # (fewer digits hold no NIK)
        k = _next_opener(shadow, run, 0)
        while k < len(run.digits):
            if _nik_end(run, k, len(run.digits), totals) is not None:
                head = tail = 0  # a run holding a NIK's shape is not money, whatever is beside
                break
            k = _next_opener(shadow, run, k + 1)
    if tail and head < len(run.digits) - tail and _phone_needs_tail(run, tail, totals):
        tail = 0  # "0810 0000 10 %": the last group completes a phone, it is not a percentage
    elif tail and (run.plus or (tail == len(run.digits) and run.digits[0][:2] == "62"
                                and totals[-1] >= 9)):
        tail = 0  # "+62810000000 %", "+62810 0000 10 %": written as a phone, it is no amount
    limit = len(run.digits) - tail
    left = head  # the first group not yet in a span
    # Only groups that could open a NIK or a phone are tried (a long run is mostly others),
    # and none inside a number already found.
    k = _next_opener(shadow, run, head)
    while k < limit:
        # Right after a masked number a new one may start, as it would after the mask.
        if k == left or run.may_start(k):
            mask = MASK_NIK
            end = _nik_end(run, k, limit, totals)
            if end is None and _phone_start(run, k):
                end, mask = _phone_end(run, k, limit), MASK_PHONE
                if end is not None:
                    end = _alternates_end(run, end, limit)
            if end is not None:
                if left < k:
                    undecided.append(_stretch(shadow, run, left, k - 1))
                spans.append((_number_start(shadow, run, k, end), run.ends[end], mask))
                left = end + 1
                # Numbers often come in a row: the group right after one is tried as it is.
                if left < limit and _may_open(run.digits[left]):
                    k = left
                else:
                    k = _next_opener(shadow, run, left)
                continue
        k = _next_opener(shadow, run, k + 1)
    if left < limit:
        undecided.append(_stretch(shadow, run, left, limit - 1))
    return spans, undecided


def _number_start(shadow: str, run: _Run, k: int, end: int) -> int:
    """Where a number's mask begins: its '+' or an opening bracket closed inside it."""
    start = run.starts[k]
    if k == 0 and (run.plus or run.paren):
        if run.paren and ")" in shadow[start:run.ends[end]]:
            return shadow.rfind("(", 0, start + 1)  # "(021) 555-1234", "(+62) 812…"
        if run.plus:
            return shadow.rfind("+", 0, start + 1)
        return start
    if k > 0 and "(" in run.separators[k - 1] and run.separators[k - 1].rstrip(" \t")[-1:] == "(":
        if ")" in shadow[start:run.ends[end]]:
            return shadow.rfind("(", 0, start)
    return start


def _stretch(shadow: str, run: _Run, first: int, last: int) -> tuple[int, int, str, bool]:
    """Groups first…last of a run, as the matcher would be given them."""
    plus = first == 0 and run.plus
    start = shadow.rfind("+", 0, run.starts[0] + 1) if plus else run.starts[first]
    return start, run.ends[last], "".join(run.digits[first:last + 1]), plus


class _Matcher:
    """The `phonenumbers` matcher, asked about what the rules left undecided in one text.

    It is slow (~50–150 µs a call), so a text gets at most `_MATCHER_CALLS` calls; beyond them
    a stretch that could be a phone is masked unasked (a hostile text: a miss would leak a
    person, a false mask costs a number). A stretch written exactly like one asked before in
    the same text gets the same answer without the library, though it still counts as a call:
    the answers, and so the output, are those of asking every time.
    """

    def __init__(self, shadow: str, text: str, origin: list[int] | None) -> None:
        self.shadow, self.text, self.origin = shadow, text, origin
        self.calls = 0
        self.answered = False  # whether the last `ask` was answered by the matcher
        # Where the shapes that are never phones start and end (found when first needed).
        self._excluded: tuple[list[int], list[int]] | None = None
        self._answers: dict[str, list[tuple[int, int]]] = {}  # written stretch -> its finds

    def ask(self, begin: int, end: int, digits: str, plus: bool) -> list[tuple[int, int, str]]:
        """Phone spans in shadow[begin:end]."""
        self.answered = False
        if len(digits) < 8 or not (plus or digits[:2] == "62" or digits[:1] == "0"):
            return []
        if not plus and digits[1:2] in ("0", "1"):
            return []  # 00…/01… is no Indonesian number (RT 001, CRM-2026-001234)
        if self._excluded is None:
            found = [m.span() for m in _NOT_A_PHONE.finditer(self.shadow)]
            self._excluded = [s for s, _ in found], [e for _, e in found]
        # They are disjoint and in order, so the last starting before `end` reaches furthest.
        starts, ends = self._excluded
        index = bisect_left(starts, end)
        if index and ends[index - 1] > begin:
            return []
        if self.calls >= _MATCHER_CALLS:
            return [(begin, end, MASK_PHONE)]
        self.calls += 1
        self.answered = True
        origin = self.origin
        low = begin if origin is None else origin[begin]
        high = end if origin is None else origin[end]
        written = self.text[low:high]
        finds = self._answers.get(written)
        if finds is None:
            finds = [(match.start, match.end)
                     for match in phonenumbers.PhoneNumberMatcher(written, "ID")]
            self._answers[written] = finds
        if origin is None:
            return [(low + first, low + last, MASK_PHONE) for first, last in finds]
        return [(bisect_left(origin, low + first), bisect_left(origin, low + last), MASK_PHONE)
                for first, last in finds]


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) meets one of `spans` (sorted and disjoint, as finditer gives them)."""
    # Disjoint and sorted by start, so sorted by end too: the last span starting before `end`
    # reaches furthest.
    index = bisect_left(spans, (end,))
    return index > 0 and spans[index - 1][1] > start


# --- the reporter's own values ----------------------------------------------------------------

# Honorifics and titles say nothing of who the reporter is, and are everywhere in complaints.
_HONORIFICS = frozenset(
    "bapak pak ibu bu saudara saudari sdr sdri mas mbak bang kak abang kakak haji hajjah hj "
    "drs dra prof ust ustadz ustazah tuan nyonya nona bin binti".split()
)
# Address words written several ways: each set is one word.
_ADDRESS_WORDS = [
    ("jl", "jln", "jalan"), ("gg", "gang"), ("no", "nomor", "nomer", "nmr", "nr"),
    ("kel", "kelurahan"), ("kec", "kecamatan"), ("kav", "kavling", "kapling"),
    ("blk", "blok"), ("komp", "kompleks", "komplek"), ("perum", "perumahan"),
    ("kp", "kampung"), ("ds", "desa"), ("kab", "kabupaten"), ("apt", "apartemen"),
]
_ADDRESS_WORD = {word: group for group in _ADDRESS_WORDS for word in group}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+")
_NOT_ALNUM_BEFORE = r"(?<![^\W_])"
_NOT_ALNUM_AFTER = r"(?![^\W_])"
_NOT_LETTER_AFTER = r"(?![^\W\d_])"
_NUMBER_ENDS = r"(?!\d)(?![^\W\d_](?![^\W\d_]))"


def _own_words(shadow: str, identity: Identity) -> list[tuple[int, int, str]]:
    """Spans of the reporter's own name, address and e-mail, in any writing."""
    spans: list[tuple[int, int, str]] = []
    for found, mask in ((_name_pattern(identity.name), MASK_NAME),
                        (_address_pattern(identity.address), MASK_ADDRESS)):
        if found is not None and any(word in shadow for word in found[0]):
            spans += [(m.start(), m.end(), mask) for m in found[1].finditer(shadow)]
    email = _email_pattern(identity.email) if "@" in shadow else None
    if email is not None:
        spans += [(m.start(), m.end(), MASK_EMAIL) for m in email.finditer(shadow)]
    return spans


@lru_cache(maxsize=256)
def _email_pattern(email: str | None) -> re.Pattern[str] | None:
    """The reporter's own e-mail, folded as the text is (compiled once per reporter)."""
    if not email or "@" not in email:
        return None
    return re.compile(re.escape(_shadow(email.strip())[0]))


def _own_numbers(
    shadow: str, identity: Identity, runs: list[_Written]
) -> list[tuple[int, int, str]]:
    """Spans of the reporter's own phone and NIK, whatever their grouping."""
    wanted = [(number, MASK_PHONE) for number in _own_phone(identity.phone)]
    wanted += [(number, MASK_NIK) for number in _own_nik(identity.nik)]
    spans: list[tuple[int, int, str]] = []
    if wanted:
        # One look at all the runs' digits first: the reporter's numbers are rarely written.
        every = " ".join(map(itemgetter(2), runs))
        wanted = [(number, mask) for number, mask in wanted if number in every]
    if wanted:
        for written in runs:
            present = [(number, mask) for number, mask in wanted if number in written[2]]
            if present:
                spans += _own_in_run(shadow, _run_of(shadow, written[0], written[1]), present)
    return spans


def _words(value: str) -> list[str]:
    """The folded words of a stored value."""
    return _WORD.findall(_shadow(value)[0])


def _word_pattern(word: str, first: bool) -> str:
    """One word of a name or address as a pattern, the first one bounded on its left.

    Abbreviations are equal (each set shares its first letter), leading zeros of numbers are
    ignored. The left bound follows the first letter, so that the pattern opens with a literal
    and the engine skips to its candidates in C.
    """
    if word.isdigit():
        digits = "0{0,3}" + re.escape(word.lstrip("0") or "0")
        return _NOT_ALNUM_BEFORE + digits if first else digits
    spellings = _ADDRESS_WORD.get(word, (word,))
    head = re.escape(spellings[0][0])
    rests = "|".join(re.escape(w[1:]) for w in sorted(spellings, key=len, reverse=True))
    bound = f"(?<![^\\W\\d_]{head})" if first else ""
    return f"{head}{bound}(?:{rests})"


def _sequence_pattern(words: list[str], gap: str) -> str:
    """Words in order, any `gap` between them, whole words only.

    A word ends where letters end, digits included ("Budi0812…" names Budi, and masking the
    number would make it whole); a number ends where digits end and no house letter follows
    ("No. 12" is not in "No. 123" nor in "No. 12A", but is in "No. 12Budi").
    """
    after = _NUMBER_ENDS if words[-1].isdigit() else _NOT_LETTER_AFTER
    return gap.join(_word_pattern(w, i == 0) for i, w in enumerate(words)) + after


@lru_cache(maxsize=256)
def _name_pattern(name: str | None) -> tuple[tuple[str, ...], re.Pattern[str]] | None:
    """The reporter's whole name and each part of three letters or more, as whole words.

    With the literals one of which a text must hold to match (a fast test first).
    """
    if not name:
        return None
    words = [w for w in _words(name) if not w.isdigit()]
    sequences = [words] if len(words) > 1 else []
    parts = sorted({w for w in words if len(w) >= 3 and w not in _HONORIFICS},
                   key=len, reverse=True)
    sequences += [[part] for part in parts]
    if not sequences:
        return None
    pattern = "|".join(_sequence_pattern(words, r"[\W_]{1,3}") for words in sequences)
    return (words[0], *parts), re.compile(pattern)


@lru_cache(maxsize=256)
def _address_pattern(address: str | None) -> tuple[tuple[str, ...], re.Pattern[str]] | None:
    """The reporter's address whole, and its street and house number alone."""
    if not address:
        return None
    words = _words(address)
    if len(words) < 2 or sum(len(w) for w in words) < 5:
        return None
    sequences = [words]
    # "Jl. Kenanga No. 12, RT 05/RW 03, Gambir" is also written "Jl. Kenanga No. 12".
    for index, word in enumerate(words):
        if word.isdigit():
            # The house number's letter comes with it: "No. 7A".
            if index + 1 < len(words) and len(words[index + 1]) == 1:
                index += 1
            street = words[:index + 1]
            if index + 1 < len(words) and any(len(w) >= 3 and not w.isdigit() for w in street):
                sequences.append(street)
            break
    pattern = "|".join(_sequence_pattern(words, r"[\W_]{0,4}") for words in sequences)
    # Every writing of the address holds its first word that has only one spelling.
    plain = [w for w in words if not w.isdigit() and w not in _ADDRESS_WORD]
    return ((plain[0],) if plain else ("",)), re.compile(pattern)


@lru_cache(maxsize=256)
def _own_phone(phone: str | None) -> tuple[str, ...]:
    """The reporter's phone as its national digits (812…), whatever its stored form.

    A landline also as its subscriber number alone (the last seven digits): "telp rumah
    7654321" names the reporter as well as "(021) 7654321" does.
    """
    digits = re.sub(r"\D", "", _shadow(phone)[0]) if phone else ""
    if digits.startswith("62"):
        digits = digits[2:]
    digits = digits.lstrip("0")
    if len(digits) < 6:
        return ()
    if digits[0] in "234567" and len(digits) >= 9:
        return digits, digits[-7:]
    return (digits,)


@lru_cache(maxsize=256)
def _own_nik(nik: str | None) -> tuple[str, ...]:
    """The reporter's NIK as digits."""
    digits = re.sub(r"\D", "", _shadow(nik)[0]) if nik else ""
    return (digits,) if len(digits) >= 8 else ()


def _own_in_run(
    shadow: str, run: _Run, wanted: list[tuple[str, str]]
) -> list[tuple[int, int, str]]:
    """Spans where a run's digits, whatever their grouping, hold the reporter's numbers."""
    joined = "".join(run.digits)
    spans: list[tuple[int, int, str]] = []
    totals = list(accumulate(map(len, run.digits), initial=0))
    for number, mask in wanted:
        at = joined.find(number)
        while at >= 0:
            first = bisect_left(totals, at + 1) - 1
            last = bisect_left(totals, at + len(number)) - 1
            # Take in the "0", "62" or "+62" written before the national digits.
            if first > 0 and run.digits[first - 1] in ("0", "62", "620"):
                first -= 1
            spans.append((_number_start(shadow, run, first, last), run.ends[last], mask))
            at = joined.find(number, at + len(number))
    return spans


# --- putting it together ----------------------------------------------------------------------

_MASKS = re.compile(
    "|".join(re.escape(m.lower()) for m in (MASK_PHONE, MASK_NIK, MASK_EMAIL, MASK_NAME,
                                              MASK_ADDRESS))
)


def _apply(
    text: str, shadow: str, origin: list[int] | None, spans: list[tuple[int, int, str]]
) -> str:
    """`text` with the spans masked: overlaps merged, masks already there left alone."""
    present = [(m.start(), m.end()) for m in _MASKS.finditer(shadow)] if "[" in shadow else []
    # By start, the longest first (two stable sorts in C, equal spans kept in their order).
    spans.sort(key=itemgetter(1), reverse=True)
    spans.sort(key=itemgetter(0))
    merged: list[list[Any]] = []
    for start, end, mask in spans:
        if present and _overlaps(present, start, end):
            continue
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            continue
        merged.append([start, end, mask])
    out: list[str] = []
    cursor = 0
    for start, end, mask in merged:
        if origin is not None:
            start, end = origin[start], origin[end]
        out.append(text[cursor:start])
        out.append(mask)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
