"""Is a new complaint the same problem as a stored one? The duplicate matcher (docs/DUPLICATES.md).

Pure functions over `Report` values: no Flask, no database, no settings read here. The intake
asks `best(new, candidates, policy)` with the candidates its indexed search found (the grid of
`cell`/`cells_near`), and stores the returned `Match` (score, verdict, `MATCHER_VERSION`) with
its decision.

Why the pieces are what they are (docs/DUPLICATES.md#scoring):

- The candidate rule comes first and is strict: another category (outside its group), a
  complaint closed long ago, a spot farther than the radius is never a duplicate, whatever the
  words say.
- The text score reads Indonesian as the poskos write it: abbreviations ("jl.", "gg.", "kel."),
  slang ("gak", "udh", "bgt"), typos. Words are normalised, stop words dropped, the rest
  stemmed with Sastrawi and matched fuzzily with rapidfuzz.
- The address is scored apart from the text, because its numbers are what tells two potholes
  on one street apart: "Jl. Kenari No. 12" and "Jl. Kenari No. 80" are different spots.
- A wrong `linked` hides a problem from the CRM, so the link threshold is set for precision and
  `suggested` (a person decides) carries the recall.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import TypeVar

from rapidfuzz import fuzz, process

# Stored with every decision: a score means what this version of the matcher meant by it.
# 1: the first interface, thresholds not yet tuned; 2: tuned on tests/data/duplicate_pairs.json
# (docs/DUPLICATES.md#evaluation).
MATCHER_VERSION = 2

K = TypeVar("K")

EARTH_RADIUS_M = 6_371_008.8
# Grid cell side in degrees: ~111 m north-south, ~110 m east-west in Jakarta (6° S), wider
# than the default 50 m radius, so a radius touches at most 2×2 cells there.
CELL_DEG = 0.001


@dataclass(frozen=True)
class Report:
    """One complaint as the matcher sees it: what, where and when, nothing about who."""

    category: str
    title: str
    description: str
    kelurahan_code: str
    address: str | None
    lat: float | None
    lon: float | None
    reported_at: datetime
    terminal_at: datetime | None = None

    def __post_init__(self) -> None:
        # A naive time would fail deep inside compare (aware minus naive); say so here.
        for name in ("reported_at", "terminal_at"):
            moment = getattr(self, name)
            if moment is not None and moment.utcoffset() is None:
                raise ValueError(f"Report.{name} must be timezone-aware, got {moment!r}")


@dataclass(frozen=True)
class Policy:
    """The matcher's settings (all from configuration); the defaults are the tuned values."""

    link_at: float
    suggest_at: float
    radius_m: float = 50.0
    terminal_days: int = 14
    groups: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        # link_at above 1 is allowed: it turns linking off and leaves every match a suggestion.
        if not 0 <= self.suggest_at <= self.link_at:
            raise ValueError(f"the matcher's policy needs 0 ≤ suggest_at ≤ link_at, got "
                             f"suggest_at={self.suggest_at}, link_at={self.link_at}")
        if not (0 <= self.radius_m < math.inf) or self.terminal_days < 0:
            raise ValueError(f"the matcher's policy needs radius_m ≥ 0 and terminal_days ≥ 0, "
                             f"got {self.radius_m} m and {self.terminal_days} days")


@dataclass(frozen=True)
class Match:
    """The matcher's answer for one pair: one score, the verdict it earns, and its parts."""

    score: float
    verdict: str | None
    text: float
    distance_m: float | None
    version: int
    # Why the pair is no candidate ("category", "terminal", "distance", "place"), else None.
    excluded: str | None = None
    place: float | None = None
    address: float | None = None


# Categories a posko files one problem under interchangeably (a stall blocking the pavement is
# `pkl` to one and `ketertiban_umum` to another): the default of the setting.
DEFAULT_GROUPS: Mapping[str, str] = MappingProxyType({
    "ketertiban_umum": "ketertiban", "pkl": "ketertiban", "parkir_liar": "ketertiban",
    "fasilitas_umum": "prasarana", "jalan_rusak": "prasarana",
})

DEFAULT_POLICY = Policy(link_at=0.45, suggest_at=0.2, groups=DEFAULT_GROUPS)


# --- the grid --------------------------------------------------------------------------------

def _index(degrees: float) -> int:
    return math.floor(degrees / CELL_DEG)


def _wrap_lon_index(i: int) -> int:
    span = round(360 / CELL_DEG)
    return (i + span // 2) % span - span // 2


def cell(lat: float, lon: float) -> str:
    """The grid cell of a point, as stored in an indexed column (docs/DUPLICATES.md#grid)."""
    return f"{_index(lat)}:{_wrap_lon_index(_index(lon))}"


def cells_near(lat: float, lon: float, radius_m: float) -> list[str]:
    """Every cell a point within `radius_m` of (lat, lon) can lie in.

    The window is the exact spherical bound of the radius (the widest longitude span a circle
    of that size reaches at this latitude), widened by a hair so rounding never narrows it.
    """
    if not radius_m >= 0 or not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"cells_near needs a finite point and a radius ≥ 0, got "
                         f"({lat}, {lon}) and {radius_m} m")
    angle = radius_m / EARTH_RADIUS_M * 1.000001 + 1e-12
    dlat = math.degrees(angle)
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    polar = max(abs(south), abs(north))
    if north >= 90.0 or south <= -90.0 or math.sin(angle) >= math.cos(math.radians(polar)):
        dlon = 180.0
    else:
        dlon = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat)))))
        # The circle is widest at its own latitude only near the equator; take the wider edge.
        for edge in (south, north):
            dlon = max(dlon, math.degrees(math.asin(
                min(1.0, math.sin(angle) / math.cos(math.radians(edge))))))
    rows = range(_index(south), _index(north) + 1)
    if dlon >= 180.0:
        first, last = _index(-180.0), _index(180.0)
    else:
        first, last = _index(lon - dlon), _index(lon + dlon)
    columns = sorted({_wrap_lon_index(j) for j in range(first, last + 1)})
    return [f"{i}:{j}" for i in rows for j in columns]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine): what "within the radius" means."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# --- normalising how complaints are written --------------------------------------------------

# Abbreviations and slang → the word they stand for. Every target maps to itself, so
# normalising twice changes nothing (tests/app/test_matching.py checks it).
_WORDS: dict[str, str] = {
    # places
    "jl": "jalan", "jln": "jalan", "jaln": "jalan", "jalan": "jalan", "jal": "jalan",
    "gg": "gang", "gng": "gang", "gang": "gang",
    "kel": "kelurahan", "kelurahan": "kelurahan", "kelr": "kelurahan",
    "kec": "kecamatan", "kecamatan": "kecamatan",
    "no": "nomor", "nmr": "nomor", "nomor": "nomor", "nomer": "nomor", "nom": "nomor",
    "rt": "rt", "rw": "rw", "blk": "blok", "blok": "blok",
    "perum": "perumahan", "komp": "kompleks", "kompl": "kompleks", "komplek": "kompleks",
    "psr": "pasar", "pintu": "pintu", "sd": "sekolah", "mesjid": "masjid",
    # negation, time and degree
    "gak": "tidak", "ga": "tidak", "gk": "tidak", "nggak": "tidak", "ngga": "tidak",
    "enggak": "tidak", "engga": "tidak", "tdk": "tidak", "tak": "tidak", "g": "tidak",
    "kagak": "tidak", "kaga": "tidak", "ndak": "tidak", "tidak": "tidak",
    "udh": "sudah", "udah": "sudah", "sdh": "sudah", "dah": "sudah", "sudah": "sudah",
    "blm": "belum", "blom": "belum", "belom": "belum", "belum": "belum",
    "bgt": "banget", "bngt": "banget", "banget": "banget",
    "sgt": "sangat", "skrg": "sekarang", "skr": "sekarang", "kmrn": "kemarin",
    "kmarin": "kemarin", "lg": "lagi", "jg": "juga", "aja": "saja", "aj": "saja",
    "sj": "saja", "hrs": "harus", "bs": "bisa", "bsa": "bisa", "sm": "sama", "ama": "sama",
    # function words
    "yg": "yang", "dgn": "dengan", "dg": "dengan", "krn": "karena", "karna": "karena",
    "dr": "dari", "dri": "dari", "utk": "untuk", "untk": "untuk", "tsb": "tersebut",
    "dll": "dan", "dsb": "dan", "dkk": "dan", "pd": "pada", "kpd": "kepada", "tp": "tapi",
    "tpi": "tapi", "klo": "kalau", "kalo": "kalau", "kl": "kalau", "sy": "saya", "gw": "saya",
    "gue": "saya", "aq": "saya", "km": "kami", "org": "orang", "jd": "jadi", "jdi": "jadi",
    "dpn": "depan", "dkt": "dekat", "deket": "dekat", "sblh": "sebelah", "samping": "samping",
    "blkg": "belakang", "sblm": "sebelum", "stlh": "setelah", "sebrang": "seberang",
    "sbrg": "seberang", "brt": "barat", "tmr": "timur", "utr": "utara", "sltn": "selatan",
    "slt": "selatan", "mlm": "malam", "rmh": "rumah", "gede": "besar", "mgg": "minggu",
    "kyk": "kayak", "dlm": "dalam", "puter": "putar", "puteran": "putar", "turn": "putar",
    "segra": "segera", "cpt": "cepat", "jatoh": "jatuh", "ujan": "hujan",
    "dtg": "datang", "ngalir": "mengalir", "luber": "luap", "sal": "saluran",
    "mhn": "mohon", "tlg": "tolong", "tolong": "tolong", "trims": "terima", "makasih": "terima",
    "bpk": "bapak", "ibu": "ibu", "bu": "ibu", "pak": "bapak", "bapak": "bapak",
    # the things complained about
    "pju": "lampu", "lpj": "lampu", "lampu": "lampu", "bolong": "lubang",
    "got": "saluran", "selokan": "saluran", "drainase": "saluran", "saluran": "saluran",
    "alfamart": "minimarket", "indomaret": "minimarket", "spbu": "spbu", "pom": "spbu",
    "gn": "gunung", "busway": "halte", "transjakarta": "halte", "jpo": "jembatan",
    "musholla": "musala", "mushola": "musala", "musholah": "musala", "musalla": "musala",
    "kali": "kali", "sampah": "sampah", "pkl": "pedagang",
    "pedagang": "pedagang", "parkir": "parkir", "trotoar": "trotoar", "trotoir": "trotoar",
}

# Stems that say the same thing in other words (after stemming): the commonest pairs only.
_SAME: dict[str, str] = {
    "mampet": "sumbat", "sumbat": "sumbat", "buntu": "sumbat",
    "mati": "padam", "padam": "padam", "redup": "padam",
    "amblas": "ambles", "ambles": "ambles", "ambrol": "ambles",
    "roboh": "tumbang", "tumbang": "tumbang", "rubuh": "tumbang", "patah": "tumbang",
    "terang": "lampu", "genang": "banjir", "banjir": "banjir", "luap": "banjir", "rendam": "banjir",
    "copot": "rusak", "hancur": "rusak", "rusak": "rusak", "retak": "rusak",
    "numpuk": "tumpuk", "tumpuk": "tumpuk", "tumpu": "tumpuk", "onggok": "tumpuk",
    "bau": "bau", "busuk": "bau", "lubang": "lubang", "liang": "lubang",
    "jualan": "dagang", "dagang": "dagang", "lapak": "dagang",
}

# "Tidak menyala" is "padam": a negated stem that names a state of its own.
_NEGATED: dict[str, str] = {"nyala": "padam", "fungsi": "rusak", "alir": "sumbat",
                            "angkut": "tumpuk"}

# Words every complaint has: they say nothing about which problem it is.
_FILLER = frozenset("""
    mohon tolong segera cepat terima kasih warga lapor laporan aduan adu keluh keluhan bapak ibu
    pak bu kami saya kita sudah belum tidak banget sangat lagi juga sekitar lokasi daerah
    wilayah sini situ tersebut hari minggu bulan tahun pagi siang sore malam kemarin sekarang
    tindak lanjut tindaklanjut perhatian pihak terkait dinas petugas pemerintah pemprov pemda
    dki jakarta kota kelurahan kecamatan rt rw nomor jalan gang blok kompleks perumahan raya
    yth hormat min admin tolongin dong deh sih nih kok ya ok oke mas mbak bang
""".split())

_TOKEN = re.compile(r"[a-z0-9]+")
_GLUED = re.compile(r"^(rt|rw|no|nomor|jl|jln|gg|kel|kec|blok|blk)(\d+)$")
# "bolong2", "anak2": the digit 2 doubles a word ("bolong-bolong"), which says nothing more.
_DOUBLED = re.compile(r"^([a-z]{2,})2$")


def _ascii_lower(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def tokens(text: str) -> list[str]:
    """The normalised words of a text: lower-case ASCII, abbreviations and slang spelled out,
    numbers without leading zeros ("RT.05/RW.003" → rt 5 rw 3)."""
    out: list[str] = []
    for raw in _TOKEN.findall(_ascii_lower(text)):
        if raw.isalpha():
            out.append(_WORDS.get(raw, raw))
            continue
        if raw.isdigit():
            out.append(raw.lstrip("0") or "0")
            continue
        glued = _GLUED.match(raw)
        doubled = _DOUBLED.match(raw)
        parts = [glued.group(1), glued.group(2)] if glued else \
            [doubled.group(1)] if doubled else [raw]
        for part in parts:
            if part.isdigit():
                out.append(part.lstrip("0") or "0")
            else:
                out.append(_WORDS.get(part, part))
    return out


def normalize(text: str) -> str:
    """A text as the matcher reads it, words joined by single spaces (idempotent)."""
    return " ".join(tokens(text))


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202 - Sastrawi has no type hints
    """Sastrawi's stemmer, built on first use: building it reads its dictionary."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    return frozenset(StopWordRemoverFactory().get_stop_words()) | _FILLER


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A word's stem, with synonyms folded (cached: Sastrawi takes microseconds a word)."""
    root = _stemmer().stem(word) or word
    return _SAME.get(root, _SAME.get(word, root))


def terms(text: str) -> tuple[str, ...]:
    """The words of a text that say what the problem is: normalised, no stop word, no number,
    stemmed, each once, in order of first appearance."""
    return _terms_of(tokens(text))


def _terms_of(words: Iterable[str]) -> tuple[str, ...]:
    stop = _stop_words()
    seen: dict[str, None] = {}
    negated = False
    for word in words:
        if word in stop or len(word) < 3 or not word.isalpha():
            negated = word in ("tidak", "belum")
            continue
        root = stem(word)
        if negated:
            root = _NEGATED.get(root, root)
        negated = False
        if root not in stop and len(root) >= 3:
            seen.setdefault(root, None)
    return tuple(seen)


# --- addresses -------------------------------------------------------------------------------

# Words that end a street's name in an address: what follows is a number, an area or a landmark.
_ADDRESS_MARKS = frozenset({"nomor", "rt", "rw", "kelurahan", "kecamatan", "blok", "jalan",
                            "gang", "kota", "dki", "jakarta", "km"})
# Words that introduce a landmark ("depan masjid", "dekat Taman Tebet", "arah Ps. Minggu").
_LANDMARK_MARKS = frozenset({"depan", "dekat", "samping", "sebelah", "seberang", "belakang",
                             "ujung", "pojok", "arah", "sebelum", "setelah", "bawah", "atas",
                             "sisi", "antara", "persis", "tepat", "di", "ke", "menuju"})
# In an address these mean a place name, not what they mean in a sentence ("Pd. Kelapa").
_PLACE_WORDS = {"pd": "pondok", "pada": "pondok", "ps": "pasar", "tj": "tanjung",
                "kp": "kampung", "moh": "mohammad", "m": "mohammad", "h": "haji", "kh": "kyai",
                "bdr": "bandar", "lap": "lapangan", "besar": "gede"}
# Nouns that open an address with the spot rather than the street ("TPS Tebet Barat",
# "Halte TMP Kalibata, Jl. Raya Kalibata"): they belong to the landmark.
_LANDMARK_NOUNS = frozenset({"tps", "halte", "gerbang", "pertigaan", "perempatan", "simpang",
                             "pintu", "kolong", "persimpangan", "putaran", "putar", "jembatan",
                             "penyeberangan", "terowongan"})
# In free text only these introduce a landmark ("di" and "ke" start anything in a sentence).
_TEXT_LANDMARK_MARKS = frozenset({"depan", "dekat", "samping", "sebelah", "seberang",
                                  "belakang", "ujung", "pojok"})
# Sentence words that end a street's name when an address runs on into a sentence.
_STREET_ENDS = frozenset({"ada", "yang", "ke", "di", "dari", "dan", "itu", "ini", "sudah",
                          "belum", "tidak", "mohon", "tolong", "sejak", "karena", "sangat",
                          "banget", "lagi", "sering", "selalu", "masih", "tapi", "kalau",
                          "tiap", "setiap", "sampai", "hingga", "jadi", "makin", "semakin",
                          "untuk", "agar", "supaya", "saat", "waktu", "pada", "oleh", "bagi",
                          "dengan", "atau", "juga", "bisa", "harus", "akan", "sedang", "pas",
                          "terus", "kok", "sih", "deh", "dong", "nih", "tuh", "aja", "saja",
                          "kemarin", "sekarang", "tadi", "malam", "pagi", "siang", "sore"})
_SEGMENT = re.compile(r"[,;()/|]+")


@dataclass(frozen=True)
class Address:
    """The parts of an address that tell two spots apart; any may be unknown."""

    street: str | None
    number: str | None
    rt: str | None
    rw: str | None
    landmark: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any((self.street, self.number, self.rt, self.rw, self.landmark))

    def filled_from(self, other: Address | None) -> Address:
        """This address with what it lacks taken from `other` (the text's hints)."""
        if other is None:
            return self
        return Address(street=self.street or other.street, number=self.number or other.number,
                       rt=self.rt or other.rt, rw=self.rw or other.rw,
                       landmark=self.landmark or other.landmark)


def _number_after(words: list[str], mark: str) -> str | None:
    for i, word in enumerate(words[:-1]):
        if word == mark and words[i + 1][:1].isdigit():
            return words[i + 1]
    return None


def _street_in(words: list[str], free_text: bool) -> tuple[list[str], str | None, int]:
    """(street words, the number right after them, where the street ends) of one segment."""
    start = next((i + 1 for i, w in enumerate(words) if w in ("jalan", "gang")), None)
    if start is None:
        if free_text:
            return [], None, 0
        start = 0
    street: list[str] = []
    i = start
    for i in range(start, len(words) + 1):
        if i == len(words):
            break
        word = words[i]
        if word in ("jalan", "gang") and not street:
            continue
        if word in _ADDRESS_MARKS or word in _LANDMARK_MARKS or (street and word in _STREET_ENDS):
            break
        # In a sentence "jalan" is also just a road ("ke jalan", "badan jalan"): a street named
        # there is at most four words that are no sentence words.
        if free_text and (word in _STREET_ENDS or len(street) == 4):
            break
        if word[:1].isdigit():
            if street and not free_text:
                return street, word, i + 1
            break
        place = _PLACE_WORDS.get(word, word)
        if place:
            street.append(place)
    return street, None, i


def _landmark_in(words: list[str], free_text: bool = False) -> list[str]:
    """The words after a landmark mark, up to the next mark or number; in free text only the
    two words after "depan", "dekat", … that are no sentence words."""
    marks = _TEXT_LANDMARK_MARKS if free_text else _LANDMARK_MARKS
    found: list[str] = []
    taking = 0
    for word in words:
        if word in marks:
            taking = 2 if free_text else len(words)
        elif word in _ADDRESS_MARKS or word in _LANDMARK_MARKS or word[:1].isdigit() or \
                (free_text and word in _stop_words()):
            taking = 0
        elif taking:
            found.append(word)
            taking -= 1
    return found


@lru_cache(maxsize=16384)
def parse_address(text: str, *, free_text: bool = False) -> Address | None:
    """Street, house number, RT, RW and landmark of an address ("Jl. Kenari No. 12 RT 05/RW 03",
    "Jl. Kramat Raya, depan Halte Kramat").

    In an address field the street may come bare ("Kenari 12") and a comma ends it; in free
    text (`free_text`) only a street named after "jalan"/"gang" counts, since any word could
    precede a number, and a number only after "nomor". None when nothing of an address is found.
    """
    return _address_of(_segments(text), free_text)


def _segments(text: str) -> list[list[str]]:
    """The normalised words of each comma-separated part of a text."""
    return [words for words in (tokens(part) for part in _SEGMENT.split(text)) if words]


def _address_of(segments: list[list[str]], free_text: bool) -> Address | None:
    words = [word for segment in segments for word in segment]
    street: list[str] = []
    number = None
    landmark: list[str] = []
    # The street is in the part that says "jalan"/"gang", else (in an address) the first part.
    named = [i for i, segment in enumerate(segments) if "jalan" in segment or "gang" in segment]
    at = named[0] if named else (None if free_text or not segments else 0)
    for i, segment in enumerate(segments):
        if i == at:
            lead = 0
            while not named and lead < len(segment) - 1 and segment[lead] in _LANDMARK_NOUNS:
                lead += 1
            landmark += segment[:lead]
            street, number, end = _street_in(segment[lead:], free_text)
            landmark += _landmark_in(segment[lead + end:], free_text)
        elif not free_text and segment[0] in _LANDMARK_NOUNS:
            landmark += segment
        else:
            landmark += _landmark_in(segment, free_text)
    landmark_terms = tuple(dict.fromkeys(
        stem(place) for place in (_PLACE_WORDS.get(w, w) for w in landmark)
        if place.isalpha() and len(place) >= 2 and place not in _STREET_ENDS))
    address = Address(street=" ".join(street) or None,
                      number=_number_after(words, "nomor") or number,
                      rt=_number_after(words, "rt"), rw=_number_after(words, "rw"),
                      landmark=landmark_terms)
    return address if address else None


def _house_gap(a: str, b: str) -> int | None:
    da, db = re.match(r"\d+", a), re.match(r"\d+", b)
    if not da or not db:
        return None
    return abs(int(da.group()[:9]) - int(db.group()[:9]))


def _same_word(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= 85)


def _is_prefix(short: list[str], long: list[str]) -> bool:
    return len(short) <= len(long) and all(map(_same_word, short, long))


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    rest = iter(long)
    return all(any(_same_word(word, other) for other in rest) for word in short)


def street_similarity(a: Address, b: Address) -> float | None:
    """How alike two street names are, 0..1; None when either is unknown.

    Names are compared word by word: "Pemuda" and "Pemuda Rawamangun" (an area written on)
    are one street, "Kramat Raya" and "Kramat Sentiong", or "Cempaka Putih Raya" and "Cempaka
    Putih Tengah", are two streets that share a name.
    """
    if not a.street or not b.street:
        return None
    wa, wb = a.street.split(), b.street.split()
    core_a, core_b = [w for w in wa if w != "raya"], [w for w in wb if w != "raya"]
    if len(core_a) == len(core_b) and all(map(_same_word, core_a, core_b)):
        return 1.0
    short, long = sorted((wa, wb), key=len)
    if _is_prefix(short, long):
        return 0.9
    if _same_word(short[0], long[0]) and _is_subsequence(short, long):
        return 0.8
    if _same_word(short[0], long[0]):
        return 0.3  # one name, two streets (… Raya and … Tengah)
    return 0.7 * fuzz.ratio(a.street, b.street) / 100


def landmark_similarity(a: Address, b: Address) -> float | None:
    """Whether two addresses name the same landmark ("depan masjid"), 0..1; None when either
    names none."""
    if not a.landmark or not b.landmark:
        return None
    _, contained = _soft_overlap(a.landmark, b.landmark)
    return contained


def number_agreement(a: Address, b: Address) -> float:
    """1 when nothing disagrees; less the farther apart the house numbers and when RT or RW
    differ. "No. 12" and "No. 14" may be one pothole between two houses; "No. 80" is not."""
    factor = 1.0
    if a.number and b.number and a.number != b.number:
        gap = _house_gap(a.number, b.number)
        factor *= 0.85 if gap is not None and gap <= 2 else 0.6 if gap is not None and gap <= 6 \
            else 0.25
    if a.rt and b.rt and a.rt != b.rt:
        factor *= 0.5
    if a.rw and b.rw and a.rw != b.rw:
        factor *= 0.5
    return factor


def spot_similarity(a: Address, b: Address) -> float | None:
    """How likely two addresses name one spot by their words, 0..1: the street, a shared house
    number, the landmark (two different landmarks on one street halve it). None when either
    street is unknown."""
    street = street_similarity(a, b)
    if street is None:
        return None
    if a.number and a.number == b.number:
        street = min(1.0, street + 0.1)
    landmark = landmark_similarity(a, b)
    return street * (1.0 if landmark is None else 0.5 + 0.5 * landmark)


def address_similarity(a: Address, b: Address) -> float | None:
    """How likely two addresses name one spot, 0..1: the words (`spot_similarity`), pulled
    down by house numbers or RT/RW that disagree. None when either street is unknown."""
    spot = spot_similarity(a, b)
    return None if spot is None else spot * number_agreement(a, b)


# --- the score ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Features:
    words: tuple[str, ...]
    title: tuple[str, ...]
    address: Address | None


@lru_cache(maxsize=4096)
def _features(report: Report) -> _Features:
    """What a report's text yields, once per report (the intake compares one new report with
    many stored ones, and a stored one is met again by the next new report). The cache holds
    the reports themselves, descriptions included: 4,096 of 4,000 characters are ~16 MB."""
    segments = _segments(f"{report.title}, {report.description}")
    hints = _address_of(segments, free_text=True)
    address = parse_address(report.address) if report.address else None
    address = address.filled_from(hints) if address else hints
    # The street's name is the place's business (address_similarity), not the text's: two
    # reports of one street would share it whatever they say.
    street = {stem(word) for word in address.street.split()} if address and address.street \
        else set()
    text = _terms_of(word for segment in segments for word in segment)
    return _Features(words=tuple(w for w in text if w not in street),
                     title=tuple(w for w in terms(report.title) if w not in street),
                     address=address)


def _soft_overlap(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[float, float]:
    """(Dice, containment) of two word sets where a typo still matches ("lubnag" ≈ "lubang")."""
    if not a or not b:
        return 0.0, 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    large_set = set(large)
    hits = 0
    for word in small:
        if word in large_set:
            hits += 1
        elif len(word) >= 4 and process.extractOne(word, large, scorer=fuzz.ratio,
                                                   score_cutoff=80) is not None:
            hits += 1
    return 2 * hits / (len(a) + len(b)), hits / len(small)


def text_similarity(new: Report, old: Report) -> float:
    """How much two complaints say the same thing, 0..1."""
    fa, fb = _features(new), _features(old)
    dice, contained = _soft_overlap(fa.words, fb.words)
    title_dice, _ = _soft_overlap(fa.title, fb.title)
    return 0.4 * dice + 0.4 * contained + 0.2 * title_dice


def _point(report: Report) -> tuple[float, float] | None:
    """A report's coordinates when it has usable ones (a NaN or an impossible latitude counts
    as no coordinates, not as a distance)."""
    lat, lon = report.lat, report.lon
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return (lat, lon) if -90 <= lat <= 90 else None


def _related(new: Report, old: Report, groups: Mapping[str, str]) -> bool:
    if new.category == old.category:
        return True
    group = groups.get(new.category)
    return group is not None and group == groups.get(old.category)


def _time_factor(new: Report, old: Report) -> float:
    """1 for reports on the same day, halving every 30 days apart."""
    days = abs((new.reported_at - old.reported_at).total_seconds()) / 86400
    return 0.5 ** (days / 30)


# A pair of two categories of one group scores this fraction of a same-category pair.
CROSS_CATEGORY = 0.85

# An address this similar puts two reports without coordinates at one spot.
ADDRESS_SIMILAR = 0.6


@lru_cache(maxsize=8)
def policy_from(link_at: float | None, suggest_at: float | None, radius_m: float | None,
                terminal_days: int | None, groups: str) -> Policy:
    """The policy the settings (JEMBATAN_DEDUP_*) describe; what is unset keeps
    DEFAULT_POLICY's value. Raises ValueError for an impossible one (the boot checks it)."""
    default = DEFAULT_POLICY
    return Policy(
        link_at=default.link_at if link_at is None else link_at,
        suggest_at=default.suggest_at if suggest_at is None else suggest_at,
        radius_m=default.radius_m if radius_m is None else radius_m,
        terminal_days=default.terminal_days if terminal_days is None else terminal_days,
        groups=parse_groups(groups) if groups.strip() else default.groups,
    )


def parse_groups(value: str) -> dict[str, str]:
    """`jalan+drainase;sampah+kebersihan` → each category → its group's name.

    Groups are separated by `;` (or `,`), categories within one by `+`.
    """
    groups: dict[str, str] = {}
    for part in value.replace(",", ";").split(";"):
        members = [m.strip() for m in part.split("+") if m.strip()]
        if len(members) < 2:
            continue
        name = "+".join(members)
        for member in members:
            groups[member] = name
    return groups


def compare(new: Report, old: Report, policy: Policy = DEFAULT_POLICY) -> Match:
    """Score `new` against the stored `old`: the candidate rule first, then one combined score
    of text, place and time; `verdict` is "linked", "suggested" or None."""

    def excluded(reason: str, dist: float | None = None) -> Match:
        return Match(score=0.0, verdict=None, text=0.0, distance_m=dist,
                     version=MATCHER_VERSION, excluded=reason)

    if not _related(new, old, policy.groups):
        return excluded("category")
    if old.terminal_at is not None and \
            (new.reported_at - old.terminal_at).total_seconds() > policy.terminal_days * 86400:
        return excluded("terminal")
    fa, fb = _features(new), _features(old)
    both = fa.address is not None and fb.address is not None
    addr = address_similarity(fa.address, fb.address) if both else None  # type: ignore[arg-type]
    agree = number_agreement(fa.address, fb.address) if both else 1.0  # type: ignore[arg-type]
    dist = None
    here, there = _point(new), _point(old)
    if here is not None and there is not None:
        dist = distance_m(*here, *there)
        if dist > policy.radius_m:
            return excluded("distance", dist)
        place = 1.0 - 0.5 * dist / policy.radius_m if policy.radius_m > 0 else 1.0
        # Close points on streets of other names can be one corner.
        street = street_similarity(fa.address, fb.address) if both else None  # type: ignore
        place *= 0.8 + 0.2 * street if street is not None else 1.0
    else:
        if new.kelurahan_code != old.kelurahan_code or addr is None or addr < ADDRESS_SIMILAR:
            return excluded("place")
        place = spot_similarity(fa.address, fb.address)  # type: ignore[arg-type]
    text = text_similarity(new, old)
    # House numbers or RT/RW that disagree are two spots whatever the coordinates say (a pin
    # dropped on a map is rough), so they weigh on the whole score, not only on the place.
    score = text * (0.3 + 0.7 * place) * agree * (0.7 + 0.3 * _time_factor(new, old))
    if new.category != old.category:
        # Related categories (one group) are a weaker sign of one problem than one category.
        score *= CROSS_CATEGORY
    score = round(min(1.0, max(0.0, score)), 4)
    verdict = "linked" if score >= policy.link_at else \
        "suggested" if score >= policy.suggest_at else None
    return Match(score=score, verdict=verdict, text=round(text, 4), distance_m=dist,
                 version=MATCHER_VERSION, place=round(place, 4),
                 address=None if addr is None else round(addr, 4))


def best(new: Report, candidates: Iterable[tuple[K, Report]],
         policy: Policy = DEFAULT_POLICY) -> tuple[K, Match] | None:
    """The candidate `new` most likely duplicates, with its match; None when none earns a
    verdict. On equal scores the first candidate given wins (the search yields oldest first)."""
    found: tuple[K, Match] | None = None
    for key, old in candidates:
        match = compare(new, old, policy)
        if match.verdict is not None and (found is None or match.score > found[1].score):
            found = (key, match)
    return found
