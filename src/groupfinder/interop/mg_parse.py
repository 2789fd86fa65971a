"""Read a Meeting Guide JSON feed (code4recovery/spec) into entries we can list, or say why not.

Pure: bytes in, ``ParsedFeed`` out; no Flask, no session (``interop.sources`` places, compares
and writes). Every entry is read on its own: a bad entry is skipped with its problem, the rest
still count. What real sites send, and what we do with it:

- The document: UTF-8 with or without a BOM, any line endings; a bare array (the spec), or an
  object holding one under ``meetings`` (some plugins). Anything else is a feed-level problem.
- ``slug`` is the entry's key (a number is fine); entries without one, or with a duplicate,
  are skipped.
- ``day``: 0 = Sunday … 6 = Saturday, as an int, a numeric string, a day name, or an array of
  those (one listing meeting on each of those days at ``time``). ``time``/``end_time``: the
  spec's "HH:MM", and also "H:MM", "HH:MM:SS" and "7:00 PM" (sent by some sites); no
  ``end_time`` means one hour, as the spec says. An entry without a day and a time is "by
  appointment": it has no schedule we can list, so it is skipped and said.
- In person only: ``attendance_option`` "online" or "inactive", an entry with a conference
  link or phone and no street address, an ``approximate`` location, and an entry without an
  address are skipped with the reason, never guessed.
- Addresses: ``address``/``city``/``state``/``postal_code``/``country``, or
  ``formatted_address`` ("4953 W Addison St, Chicago, IL 60641, USA") split into those parts.
- ``notes``, ``location_notes`` and ``group_notes`` are plain text in the spec, but some sites
  send HTML: tags are dropped (<br> a line break; <p>, <li>… paragraphs), entities decoded, and
  the contents of <script> and <style> dropped; nothing of the HTML survives.
- ``types`` are mapped to our vocabularies (``TYPE_MAP``, and ``C-<SLUG>`` custom types to
  conditions, as our own export writes them); every other code is ignored and counted. ``TC``
  (temporarily closed) pauses the listing.
"""

from __future__ import annotations

import html.parser
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .meeting_guide import ACCESS_CODES, AUDIENCE_CODES, CONDITION_PREFIX, LANGUAGE_CODES

MAX_ENTRIES = 50_000
NAME_MAX = 200
DEFAULT_MINUTES = 60  # the spec: end_time "will default to one hour after the start time"

# Problem codes: ``online`` entries are no longer in person (their listing goes); the others
# leave an existing listing as it is.
ONLINE, NO_TIME, NO_ADDRESS, APPROXIMATE, INVALID = "online", "no_time", "no_address", \
    "approximate", "invalid"

# Spec type code → (dimension, our slug). Reverse of our export's codes, plus the spec's
# synonyms we can honestly read as one of ours.
TYPE_MAP: dict[str, tuple[str, str]] = {
    **{code: ("audiences", slug) for slug, code in AUDIENCE_CODES.items()},
    "G": ("audiences", "lgbtq"), "L": ("audiences", "lgbtq"), "BI": ("audiences", "lgbtq"),
    "T": ("audiences", "lgbtq"), "NB": ("audiences", "lgbtq"),
    **{code: ("access", slug) for slug, code in ACCESS_CODES.items()},
    "BA": ("access", "childcare"), "ASL": ("access", "sign-language"),
    **{code: ("languages", slug) for slug, code in sorted(LANGUAGE_CODES.items(), reverse=True)},
    "ES": ("languages", "es"),  # not the spec's ("S"), but sent
}
TEMPORARILY_CLOSED = "TC"
DAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
COUNTRIES = {
    "US": "US", "USA": "US", "UNITED STATES": "US", "UNITED STATES OF AMERICA": "US",
    "GB": "GB", "UK": "GB", "UNITED KINGDOM": "GB", "ENGLAND": "GB", "SCOTLAND": "GB",
    "WALES": "GB", "NORTHERN IRELAND": "GB", "GREAT BRITAIN": "GB",
}
US_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?$")
US_STATE_ZIP = re.compile(r"^(?:(?P<town>.*?)\s+)?(?P<state>[A-Z]{2})(?:\s+(?P<zip>\d{5}(?:-\d{4})?))?$")
UK_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})$", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(?::(\d{2}))?\s*([ap])?\.?\s*m?\.?$", re.IGNORECASE)


@dataclass(frozen=True)
class Vocabulary:
    """The slugs that exist here, so an entry is only given tags we have."""

    conditions: frozenset[str] = frozenset()
    audiences: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    group_access: frozenset[str] = frozenset()
    venue_access: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Problem:
    """``index`` is the entry's position in the feed (0-based; -1 for the whole document)."""

    index: int
    key: str | None
    message: str
    code: str = INVALID
    level: str = "error"  # "error": the entry is skipped; "warning": read, with this said

    def __str__(self) -> str:
        where = f"entry {self.index + 1}" + (f" ({self.key})" if self.key else "") \
            if self.index >= 0 else "feed"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """One in-person meeting from the feed, read into our terms (weekdays: 0 = Monday)."""

    index: int
    key: str
    name: str
    weekdays: tuple[int, ...]
    start_hour: int
    start_minute: int
    duration_minutes: int
    timezone: str = ""
    location: str = ""
    address: str = ""
    town: str = ""
    state: str = ""
    postcode: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None
    region: str = ""
    sub_region: str = ""
    description: str = ""
    website: str | None = None
    contact_email: str | None = None
    conditions: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    venue_access: tuple[str, ...] = ()
    temporarily_closed: bool = False


@dataclass
class ParsedFeed:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    total: int = 0
    #: Each entry's name by position, for reports of skipped entries.
    names: dict[int, str] = field(default_factory=dict)
    #: Type codes that say nothing we list (open/closed, format, literature…), with counts.
    ignored_types: Counter[str] = field(default_factory=Counter)

    @property
    def fatal(self) -> bool:
        """The document itself could not be read (nothing in it can be trusted)."""
        return any(p.index < 0 for p in self.problems)

    def skipped(self, code: str | None = None) -> list[Problem]:
        return [p for p in self.problems if p.level == "error" and p.index >= 0
                and (code is None or p.code == code)]


# --- text ------------------------------------------------------------------------------------


class _TextOnly(html.parser.HTMLParser):
    BLOCKS = {"p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
    DROPPED = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.DROPPED:
            self._dropping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.DROPPED:
            self._dropping = max(0, self._dropping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def plain_text(value: Any) -> str:
    """Text without markup: lines and paragraphs (blank lines) kept, spaces collapsed, no
    control characters. Tags are dropped (<br> a line break, <p>, <li>… a paragraph), entities
    decoded, and what <script> and <style> hold dropped."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    text = "".join(parser.parts)
    text = "".join(ch if ch in "\n\t" or ch.isprintable() else " " for ch in text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


def _line(value: Any) -> str:
    """One line of text (names, addresses): markup and line breaks gone."""
    return " ".join(plain_text(value).split())


# --- fields ----------------------------------------------------------------------------------


def parse_time(value: Any) -> tuple[int, int] | None:
    """(hour, minute) from "19:00", "7:00", "19:00:00", "7:00 PM", "7pm"; None if unreadable."""
    if value is None or value == "":
        return None
    match = _TIME.match(str(value).strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(4) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return hour, minute


def parse_days(value: Any) -> tuple[int, ...] | None:
    """Our weekdays (0 = Monday) from the spec's day(s) (0 = Sunday); () when absent; None when
    unreadable."""
    if value is None or value == "" or value == []:
        return ()
    items = value if isinstance(value, list) else [value]
    out: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            return None
        if isinstance(item, int):
            day = item
        elif isinstance(item, str) and item.strip().isdigit():
            day = int(item.strip())
        elif isinstance(item, str) and item.strip().lower() in DAY_NAMES:
            day = DAY_NAMES.index(item.strip().lower())
        else:
            return None
        if not 0 <= day <= 6:
            return None
        out.add((day - 1) % 7)
    return tuple(sorted(out))


def country_code(value: Any) -> str:
    text = _line(value).upper().rstrip(".")
    return COUNTRIES.get(text, text if re.fullmatch(r"[A-Z]{2}", text) else "")


def split_address(formatted: str) -> dict[str, str]:
    """"4953 W Addison St, Chicago, IL 60641, USA" → address, town, state, postcode, country.
    Parts not found are empty (the caller decides what is missing)."""
    parts = [p.strip() for p in formatted.split(",") if p.strip()]
    out = {"address": "", "town": "", "state": "", "postcode": "", "country": ""}
    if parts and country_code(parts[-1]) and not any(ch.isdigit() for ch in parts[-1]):
        out["country"] = country_code(parts[-1])
        parts = parts[:-1]
    if parts:
        last = parts[-1]
        us = US_STATE_ZIP.match(last)
        uk = UK_POSTCODE.search(last)
        if us and out["country"] in ("", "US"):
            out["state"], out["postcode"] = us.group("state"), us.group("zip") or ""
            out["country"] = "US"
            rest = us.group("town") or ""
        elif uk and out["country"] in ("", "GB"):
            out["postcode"], out["country"] = uk.group(1).upper(), "GB"
            rest = last[:uk.start()].strip()
        elif (zip_only := US_ZIP.search(last)) and out["country"] in ("", "US"):
            out["postcode"] = zip_only.group(1)
            rest = last[:zip_only.start()].strip()
        else:
            rest = last
        if rest:
            parts[-1] = rest
        else:
            parts = parts[:-1]
    if len(parts) >= 2:
        out["town"] = parts[-1]
        out["address"] = ", ".join(parts[:-1])
    elif parts:
        out["address"] = parts[0]
    return out


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN


def _email(value: Any) -> str | None:
    text = _line(value)
    return text if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) and len(text) <= 254 else None


def _url(value: Any) -> str | None:
    text = _line(value)
    return text if re.fullmatch(r"https?://[^\s/$.?#][^\s]*", text) and len(text) <= 300 else None


def map_types(codes: list[str], vocab: Vocabulary, ignored: Counter[str]) -> dict[str, Any]:
    """Our tags for the entry's type codes; codes that map to nothing we have are counted."""
    out: dict[str, set[str]] = {"conditions": set(), "audiences": set(), "languages": set(),
                                "access": set(), "venue_access": set()}
    closed = False
    for raw in codes:
        code = str(raw).strip()
        upper = code.upper()
        if upper == TEMPORARILY_CLOSED:
            closed = True
            continue
        if upper.startswith(CONDITION_PREFIX) and upper[len(CONDITION_PREFIX):].lower() in vocab.conditions:
            out["conditions"].add(upper[len(CONDITION_PREFIX):].lower())
            continue
        found = TYPE_MAP.get(upper)
        if found is not None:
            dimension, slug = found
            if dimension == "access" and slug in vocab.venue_access:
                out["venue_access"].add(slug)
                continue
            known = {"audiences": vocab.audiences, "languages": vocab.languages,
                     "access": vocab.group_access}[dimension]
            if slug in known:
                out[dimension].add(slug)
                continue
        ignored[code] += 1
    return {**{k: tuple(sorted(v)) for k, v in out.items()}, "temporarily_closed": closed}


# --- the document ----------------------------------------------------------------------------


def parse(data: bytes | str, vocab: Vocabulary) -> ParsedFeed:
    """Every entry of the document, each read or skipped with its problem. Never raises for
    the feed's content."""
    feed = ParsedFeed()
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            feed.problems.append(Problem(-1, None, f"the feed is not UTF-8 (byte {exc.start})."))
            return feed
    else:
        text = data.lstrip("\ufeff")
    try:
        document = json.loads(text)
    except ValueError as exc:
        feed.problems.append(Problem(-1, None, f"the feed is not JSON: {exc}."))
        return feed
    if isinstance(document, dict) and isinstance(document.get("meetings"), list):
        document = document["meetings"]
    if not isinstance(document, list):
        feed.problems.append(Problem(-1, None, "the feed is not a list of meetings."))
        return feed
    if len(document) > MAX_ENTRIES:
        feed.problems.append(Problem(-1, None, f"the feed has {len(document):,} entries; at most "
                                               f"{MAX_ENTRIES:,} are read."))
        return feed
    feed.total = len(document)
    seen: set[str] = set()
    for index, item in enumerate(document):
        entry = _entry(index, item, vocab, feed)
        if entry is None:
            continue
        if entry.key in seen:
            feed.problems.append(Problem(index, entry.key, "another entry has the same slug; "
                                                           "this one is skipped."))
            continue
        seen.add(entry.key)
        feed.entries.append(entry)
    return feed


def _entry(index: int, item: Any, vocab: Vocabulary, feed: ParsedFeed) -> Entry | None:
    def skip(message: str, code: str = INVALID) -> None:
        feed.problems.append(Problem(index, key or None, message, code))

    key = ""
    if not isinstance(item, dict):
        skip("not a meeting (an object was expected).")
        return None
    raw_key = item.get("slug", item.get("id"))
    key = _line(raw_key) if isinstance(raw_key, str | int) and not isinstance(raw_key, bool) else ""
    if not key:
        skip("no slug: an entry needs its key to be kept up to date.")
        return None
    if len(key) > 100:
        key = key[:100]
        skip("the slug is longer than 100 characters.")
        return None
    name = _line(item.get("name"))
    feed.names[index] = name[:NAME_MAX]
    if not name:
        skip("no name.")
        return None
    attendance = _line(item.get("attendance_option")).lower()
    formatted = _line(item.get("formatted_address"))
    parts = split_address(formatted) if formatted else {}
    address = _line(item.get("address")) or parts.get("address", "")
    online = bool(_line(item.get("conference_url")) or _line(item.get("conference_phone")))
    if attendance in ("online", "inactive"):
        skip(f"{'online only' if attendance == 'online' else 'inactive'}: we list in-person "
             "groups, so it is not listed.", ONLINE)
        return None
    if online and not address:
        skip("online only (a conference link and no street address): not listed.", ONLINE)
        return None
    if _line(item.get("approximate")).lower() == "yes":
        skip("the location is approximate, so the group can't be placed: not listed.", APPROXIMATE)
        return None
    if not address:
        skip("no street address, so the group can't be placed: not listed.", NO_ADDRESS)
        return None

    days = parse_days(item.get("day"))
    start = parse_time(item.get("time"))
    if days is None:
        skip(f"the day {item.get('day')!r} is not 0–6 (Sunday–Saturday).")
        return None
    if item.get("time") not in (None, "") and start is None:
        skip(f"the time {item.get('time')!r} is not a time of day (HH:MM).")
        return None
    if not days or start is None:
        skip("no day and time (by appointment): there is no meeting time to list.", NO_TIME)
        return None
    end = parse_time(item.get("end_time"))
    minutes = DEFAULT_MINUTES
    if end is not None:
        minutes = (end[0] * 60 + end[1] - start[0] * 60 - start[1]) % 1440 or DEFAULT_MINUTES

    country = country_code(item.get("country")) or parts.get("country", "")
    state = _line(item.get("state")).upper() or parts.get("state", "")
    postcode = _line(item.get("postal_code")) or parts.get("postcode", "")
    if not country and (state and re.fullmatch(r"\d{5}(-\d{4})?", postcode or "")):
        country = "US"
    if not country and UK_POSTCODE.fullmatch(postcode or ""):
        country = "GB"
    if not country:
        skip("no country (give country, or a full formatted_address).", NO_ADDRESS)
        return None
    town = _line(item.get("city")) or parts.get("town", "")
    if not town:
        skip("no city or town.", NO_ADDRESS)
        return None
    lat, lng = _number(item.get("latitude")), _number(item.get("longitude"))
    if (lat is None) != (lng is None) or (lat is not None and not (-90 <= lat <= 90
                                                                    and -180 <= lng <= 180)):  # type: ignore[operator]
        lat = lng = None
    if lat == 0 and lng == 0:
        lat = lng = None  # "0,0" is a geocoder's failure, not a place

    codes = item.get("types") or []
    if isinstance(codes, str):
        codes = [c for c in re.split(r"[,\s]+", codes) if c]
    if not isinstance(codes, list):
        codes = []
    tags = map_types([str(c) for c in codes], vocab, feed.ignored_types)
    if name and len(name) > NAME_MAX:
        feed.problems.append(Problem(index, key, f"the name is cut to {NAME_MAX} characters.",
                                     level="warning"))
        name = name[:NAME_MAX - 1].rstrip() + "…"
    notes = [plain_text(item.get(k)) for k in ("notes", "group_notes", "location_notes")]
    region = _line(item.get("region"))
    regions = item.get("regions")
    if not region and isinstance(regions, list) and regions:
        region = _line(regions[-1])
    return Entry(
        index=index, key=key, name=name, weekdays=days, start_hour=start[0],
        start_minute=start[1], duration_minutes=minutes,
        timezone=_line(item.get("timezone")),
        location=_line(item.get("location"))[:200], address=address[:300], town=town[:120],
        state=state[:10], postcode=postcode.upper()[:16], country=country,
        latitude=lat, longitude=lng, region=region[:120], sub_region=_line(item.get("sub_region"))[:120],
        description="\n\n".join(dict.fromkeys(n for n in notes if n)),
        website=_url(item.get("url")), contact_email=_email(item.get("contact_1_email")),
        conditions=tags["conditions"], audiences=tags["audiences"],
        languages=tags["languages"], access=tags["access"], venue_access=tags["venue_access"],
        temporarily_closed=tags["temporarily_closed"])
