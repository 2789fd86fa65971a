"""What people type into "where": clean it, and say what kind of place it names.

Pure: no Flask, no database. ``classify`` decides the *kind* of query (coordinates, a UK full,
sector or district postcode, a US ZIP, a place name with qualifiers); looking it up is
``gazetteer``'s job and choosing an answer is ``geocoding``'s. Rules are country-aware
(docs/geo.md §4.2): a partial UK postcode keeps its space, because ``EH1 1`` (a sector of EH1) and
``EH11`` (another district) differ by that space alone.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from .. import i18n
from ..lazytext import N_, LazyText
from ..lazytext import lazy as _l
from ..lazytext import text as _

MAX_LENGTH = 200

# Lazy: read in the language of whoever is shown them (``lazytext``).
MSG_EMPTY = _l("Enter a postcode, town or address — or use your location.")
MSG_TOO_LONG = _l("That's too long. Enter a postcode, town or address in up to %(max)s characters.",
                  max=MAX_LENGTH)
MSG_CONTROL = _l("That contains characters we can't use. Enter a postcode, town or address.")
MSG_LAT_RANGE = _l("Latitude must be between −90 and 90.")
MSG_LNG_RANGE = _l("Longitude must be between −180 and 180.")
MSG_LAT_NUMBER = _l("Latitude must be a number, like 53.48.")
MSG_LNG_NUMBER = _l("Longitude must be a number, like -2.24.")

COUNTRY_NAMES = {"GB": _l("the UK"), "US": _l("the US")}

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}
US_STATE_CODES = {name: code for code, name in US_STATES.items()}

# Qualifiers that name a whole country ("Leeds, UK") or a UK nation by a short name.
_COUNTRY_ALIASES = {
    "GB": {"uk", "u k", "gb", "united kingdom", "great britain", "britain"},
    "US": {"us", "u s", "usa", "u s a", "united states", "united states of america", "america"},
}
_ADMIN1_ALIASES = {"ni": "northern ireland", "n ireland": "northern ireland", "iom": "isle of man"}


class ParseError(ValueError):
    """The input can't be used at all; ``field`` is the form field the message belongs to."""

    def __init__(self, message: str, *, field: str = "where") -> None:
        message = str(message)  # a lazy constant, in the language of the search
        super().__init__(message)
        self.message = message
        self.field = field


class Kind(StrEnum):
    coordinates = "coordinates"
    uk_full_postcode = "uk_full_postcode"
    uk_sector = "uk_sector"
    uk_district = "uk_district"
    us_zip = "us_zip"
    malformed_postcode = "malformed_postcode"
    unsupported_code = "unsupported_code"  # a postcode of a country we don't cover
    place = "place"


@dataclass(frozen=True)
class PlaceCandidate:
    """One reading of the text as "place name, qualifiers…".

    ``strict``: the qualifiers came from splitting words ("Springfield IL"), so a match counts
    only if a qualifier matches. ``fallback``: a later part of an address ("14 High Street,
    Cardiff" → "Cardiff"), used only if the whole text can't be found (or geocoded online).
    """

    name: str
    key: str
    qualifiers: tuple[str, ...] = ()
    strict: bool = False
    fallback: bool = False


@dataclass(frozen=True)
class Query:
    kind: Kind
    text: str  # the cleaned input
    country: str | None = None
    code: str | None = None  # canonical display form: "SW1A 1AA", "EH1 1", "EH11", "02134"
    lat: float | None = None
    lng: float | None = None
    places: tuple[PlaceCandidate, ...] = ()
    message: str | None = None  # for malformed_postcode / unsupported_code
    lookups: tuple[tuple[str, str], ...] = field(default=())  # (gazetteer kind, code key) to try
    # The US state written before a trailing ZIP ("Test City, TX 12345" → "TX"): the ZIP must
    # be in it, or the answer is an error (``geocoding``), never the ZIP's state silently.
    state: str | None = None

    @property
    def is_postcode(self) -> bool:
        return self.kind in (Kind.uk_full_postcode, Kind.uk_sector, Kind.uk_district, Kind.us_zip)


# --- cleaning and keys ------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """NFKC, trimmed, inner whitespace collapsed; ParseError if empty, too long or has controls."""
    if text is None:
        raise ParseError(MSG_EMPTY)
    text = unicodedata.normalize("NFKC", str(text))
    # Tabs and newlines are whitespace people paste; other control characters are refused.
    if _CONTROL.search(text) or any(unicodedata.category(ch) in ("Cc", "Cs", "Co")
                                    and ch not in "\t\n\r" for ch in text):
        raise ParseError(MSG_CONTROL)
    # Invisible format characters (zero-width space, soft hyphen) come with copied text: drop them.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = " ".join(text.split())
    if not text:
        raise ParseError(MSG_EMPTY)
    if len(text) > MAX_LENGTH:
        raise ParseError(MSG_TOO_LONG)
    return text


def fold(name: str) -> str:
    """The gazetteer key of a name: accents stripped, case folded, punctuation collapsed.

    "Stoke-on-Trent" == "stoke on trent"; "King's Lynn" == "Kings Lynn"; "Zürich" == "zurich";
    "Saint Helier" == "St. Helier" == "st helier".
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['’`´]", "", text)
    words = re.sub(r"[\W_]+", " ", text).split()
    # "Saint Paul", "St. Paul" and "St Paul" are one key.
    return " ".join("st" if w == "saint" else w for w in words)


def code_key(code: str) -> str:
    """The gazetteer key of a code: upper case, single inner spaces ("eh1  1" → "EH1 1")."""
    return " ".join(code.upper().split())


def covered_phrase(countries: Sequence[str]) -> str:
    """"We only list groups in the UK and the US at the moment." in the current language."""
    return str(_Covered(tuple(countries)))


class _Covered(LazyText):
    """The covered-countries sentence, its country names and "and" in the reader's language."""

    __slots__ = ("countries",)

    def __init__(self, countries: tuple[str, ...]) -> None:
        super().__init__("We only list groups in %(places)s at the moment.")
        self.countries = countries

    def in_language(self, code: str) -> str:
        names = [COUNTRY_NAMES[c].in_language(code) if c in COUNTRY_NAMES else c
                 for c in self.countries]
        if len(names) <= 1:
            listed = names[0] if names else i18n.gettext(code, N_("no countries"))
        else:
            listed = i18n.gettext(code, N_("%(first)s and %(last)s"), first=", ".join(names[:-1]),
                                  last=names[-1])
        return i18n.gettext(code, N_("We only list groups in %(places)s at the moment."),
                            places=listed)


# --- coordinates ------------------------------------------------------------------------------

_NUM = r"[+-]?(?:\d{1,3}(?:\.\d+)?|\.\d+)"
_COORDS_COMMA = re.compile(rf"^\(?\s*({_NUM})\s*[,;]\s*({_NUM})\s*\)?$")
_COORDS_SPACE = re.compile(r"^([+-]?\d{1,3}\.\d+)\s+([+-]?\d{1,3}\.\d+)$")


def parse_coordinates(lat: object, lng: object) -> tuple[float, float]:
    """Validate a lat/lng pair (strings or numbers) and round it to 3 dp (about 110 m)."""
    values = []
    for value, name, msg_num, msg_range, limit in (
        (lat, "lat", MSG_LAT_NUMBER, MSG_LAT_RANGE, 90.0),
        (lng, "lng", MSG_LNG_NUMBER, MSG_LNG_RANGE, 180.0),
    ):
        try:
            number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
        except (TypeError, ValueError):
            raise ParseError(msg_num, field=name) from None
        if not math.isfinite(number):
            raise ParseError(msg_num, field=name)
        if not -limit <= number <= limit:
            raise ParseError(msg_range, field=name)
        values.append(round(number, 3) + 0.0)  # + 0.0 turns -0.0 into 0.0
    return values[0], values[1]


# --- postcodes --------------------------------------------------------------------------------

_UK_OUT = r"[A-Z]{1,2}\d[A-Z\d]?"
_UK_FULL = re.compile(rf"^({_UK_OUT})(\d[A-Z]{{2}})$")  # spaces removed first
_UK_SECTOR = re.compile(rf"^({_UK_OUT}) (\d)$")
_UK_DISTRICT = re.compile(rf"^{_UK_OUT}$")
# Looks like someone started a postcode: an outward code then part of an inward code.
_UK_PARTIAL = re.compile(rf"^({_UK_OUT}) ?(\d[A-Z]|\d[A-Z]{{3,}}|\d{{2,}}[A-Z]{{0,2}})$")
_UK_TRAILING_FULL = re.compile(rf"(?:^|[\s,])({_UK_OUT}) ?(\d[A-Z]{{2}})$")
_US_ZIP = re.compile(r"^(\d{5})(?:[-\s]?\d{4})?$")
_US_TRAILING_ZIP = re.compile(r"(?:^|[\s,])(?:[A-Z]{2}\s+)?(\d{5})(?:-\d{4})?$")
_BEFORE_ZIP = re.compile(r"^(.*?)[\s,]*\d{5}(?:-\d{4})?$")


def _uk_full(outward: str, inward: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return f"{outward} {inward}", (("postcode_sector", f"{outward} {inward[0]}"),
                                   ("postcode_district", outward))


def _malformed_message(shown: str, outward: str) -> str:
    return _("'%(shown)s' isn't a complete UK postcode. Try the full one (like SW1A 1AA) "
              "or just the first part (%(outward)s).", shown=shown, outward=outward)


def _classify_code(text: str, countries: Sequence[str]) -> Query | None:
    upper = text.upper()
    nospace = upper.replace(" ", "")
    gb, us = "GB" in countries, "US" in countries

    full = _UK_FULL.match(nospace) or (nospace == "GIR0AA" and re.match(r"(GIR)(0AA)", nospace))
    sector = _UK_SECTOR.match(upper)
    district = _UK_DISTRICT.match(upper)
    partial = None if (full or sector or district) else _UK_PARTIAL.match(upper)
    zip_match = _US_ZIP.match(upper)

    if full or sector or district:
        if not gb:
            return Query(Kind.unsupported_code, text, message=covered_phrase(countries))
        if full:
            code, lookups = _uk_full(full.group(1), full.group(2))
            return Query(Kind.uk_full_postcode, text, "GB", code, lookups=lookups)
        if sector:
            code = f"{sector.group(1)} {sector.group(2)}"
            return Query(Kind.uk_sector, text, "GB", code,
                         lookups=(("postcode_sector", code), ("postcode_district", sector.group(1))))
        return Query(Kind.uk_district, text, "GB", upper, lookups=(("postcode_district", upper),))
    if partial and gb:
        return Query(Kind.malformed_postcode, text, "GB", message=_malformed_message(upper, partial.group(1)))
    if zip_match:
        if not us:
            return Query(Kind.unsupported_code, text, message=covered_phrase(countries))
        code = zip_match.group(1)
        return Query(Kind.us_zip, text, "US", code, lookups=(("zip", code),))
    return None


def _trailing_code(text: str, countries: Sequence[str]) -> Query | None:
    """A postcode or ZIP at the end of an address: "10 Downing St, London SW1A 2AA", also with
    the country after it ("2841 Walnut Street, Atlanta, GA 30303, USA")."""
    body = text
    head, _sep, tail = text.rpartition(",")
    if head.strip() and any(fold(tail) in _COUNTRY_ALIASES.get(c, ()) for c in countries):
        body = head.strip()
    last = body.rsplit(",", 1)[-1].strip().upper()
    if "GB" in countries:
        m = _UK_TRAILING_FULL.search(last)
        if m:
            code, lookups = _uk_full(m.group(1), m.group(2))
            return Query(Kind.uk_full_postcode, text, "GB", code, lookups=lookups)
    if "US" in countries:
        m = _US_TRAILING_ZIP.search(last)
        if m and ("," in body or m.group(0).strip() != m.group(1)):
            return Query(Kind.us_zip, text, "US", m.group(1), lookups=(("zip", m.group(1)),),
                         state=_state_before_zip(body))
    return None


# State names that are also the names of big cities: "5th Avenue, New York 10001" names the
# city, so only their codes (NY, WA) count as a state before a ZIP.
_CITY_LIKE_STATES = frozenset({"new york", "washington"})


def _state_before_zip(text: str) -> str | None:
    """The state of "…, TX 12345", "…, Texas 12345", "…, Texas, 12345" or "Atlanta GA 30303"."""
    parts = [p.strip() for p in text.split(",")]
    before = _BEFORE_ZIP.match(parts[-1])
    words = before.group(1).strip() if before else ""
    if not words and len(parts) > 1:  # "Austin, Texas, 78701"
        words = parts[-2]
    if len(parts) > 1 and words.upper() in US_STATES:
        return words.upper()
    last_word = words.rsplit(" ", 1)[-1]
    if last_word in US_STATES:  # "Atlanta GA 30303": a code in capitals ends the words
        return last_word
    key = fold(words)
    for code, name in US_STATES.items():
        if len(parts) > 1 and key == fold(name) and key not in _CITY_LIKE_STATES:
            return code
    return None


# --- places -----------------------------------------------------------------------------------

MAX_QUALIFIER_WORDS = 3


# What people type for a place GeoNames spells differently (folded keys).
PLACE_ALIASES = {
    "new york": "new york city",
    "nyc": "new york city",
    "manhattan": "new york city",
    "washington dc": "washington",
    "washington d c": "washington",
}


def _place(name: str, qualifiers: tuple[str, ...] = (), **kw: bool) -> PlaceCandidate:
    key = fold(name)
    return PlaceCandidate(name, PLACE_ALIASES.get(key, key), qualifiers, **kw)


def place_candidates(text: str) -> tuple[PlaceCandidate, ...]:
    parts = [p.strip() for p in text.split(",")]
    parts = [p for p in parts if p]
    if not parts:
        return ()
    out: list[PlaceCandidate] = []
    first, rest = parts[0], tuple(parts[1:])
    out.append(_place(first, rest))
    words = first.split()
    for cut in range(len(words) - 1, max(0, len(words) - 1 - MAX_QUALIFIER_WORDS), -1):
        name = " ".join(words[:cut])
        out.append(_place(name, (" ".join(words[cut:]), *rest), strict=True))
    for i in range(1, len(parts)):
        out.append(_place(parts[i], tuple(parts[i + 1:]), fallback=True))
    seen: set[tuple[str, tuple[str, ...], bool]] = set()
    unique = []
    for cand in out:
        ident = (cand.key, tuple(fold(q) for q in cand.qualifiers), cand.strict)
        if cand.key and ident not in seen:
            seen.add(ident)
            unique.append(cand)
    return tuple(unique)


def matches_qualifier(qualifier: str, *, country: str, admin1: str | None, admin2: str | None) -> bool:
    """Does "NY" / "Wales" / "Isle of Wight" / "UK" describe a row with these fields?"""
    q = fold(qualifier)
    if not q:
        return False
    if q in _COUNTRY_ALIASES.get(country, ()):
        return True
    q = _ADMIN1_ALIASES.get(q, q)
    a1, a2 = fold(admin1 or ""), fold(admin2 or "")
    if country == "US" and admin1 and q == fold(US_STATE_CODES.get(admin1, "")):
        return True
    if q in (a1, a2):
        return True
    # "Wight" in "Isle of Wight", "Westminster" in "City of Westminster": whole words only.
    return len(q) >= 4 and any(f" {q} " in f" {a} " for a in (a1, a2) if a)


def matches_all(qualifiers: Iterable[str], *, country: str, admin1: str | None, admin2: str | None) -> bool:
    return all(matches_qualifier(q, country=country, admin1=admin1, admin2=admin2) for q in qualifiers)


# --- the classifier ---------------------------------------------------------------------------


def classify(text: str, countries: Sequence[str] = ("GB", "US")) -> Query:
    """Say what kind of query ``text`` is; ParseError if it can't be used at all.

    Never looks anything up. Coordinates are validated and rounded here.
    """
    countries = tuple(c.upper() for c in countries)
    text = clean(text)
    m = _COORDS_COMMA.match(text) or _COORDS_SPACE.match(text)
    if m:
        lat, lng = parse_coordinates(m.group(1), m.group(2))
        return Query(Kind.coordinates, text, lat=lat, lng=lng)
    found = _classify_code(text, countries)
    if found is not None:
        return found
    found = _trailing_code(text, countries)
    if found is not None:
        return found
    return Query(Kind.place, text, places=place_candidates(text))
