"""The listings CSV format: parse a file into groups, venues and facilitators, or say exactly
what is wrong with it, line by line.

Pure: no Flask, no session. The vocabularies are passed in (``Vocabulary``); the database, the
geocoder and the write belong to ``interop.importing``. Nothing here decides what to write.

Format
======

UTF-8 (a byte-order mark is fine), comma-separated, a header row, then **one row per schedule**.
Rows of the same group share ``group_key``; group, venue and facilitator columns may be repeated
on each of its rows or left empty after the first (two different non-empty values are an error).
Several groups may share a venue by using the same ``venue_key``. Lists are separated by ``;``.
Line endings ``\\n`` or ``\\r\\n``; a cell may span lines inside double quotes, but only
``description``, ``what_to_expect`` and ``facilitator_bio`` may hold line breaks (and tabs): other
text may hold no control character at all. At most 5,000 rows and 5 MB. Header names are
matched case-insensitively, with spaces read as ``_`` ("Group Key"). An unknown column is an
error (a misspelt header would otherwise lose data silently).

Group (one value per group):

- ``group_key`` (required on every row): your stable id for the group, 1–80 of ``A-Z a-z 0-9 . _ : -``.
  Importing again updates the group with this key instead of adding another.
- ``name`` (required), ``description``, ``what_to_expect``.
- ``conditions`` (required): slugs, e.g. ``anxiety;depression`` (``GET /api/v1/conditions``).
- ``audiences``: slugs (``/api/v1/audiences``). ``languages``: BCP 47 tags from
  ``/api/v1/languages``, default ``en``.
- ``access``: group features (``sign-language``, ``large-print``, ``childcare``).
- ``cost`` (default ``Free``), ``contact_email``, ``website`` (``https://…``).
- ``is_sensitive``: ``yes``/``no`` (default no). A sensitive group never shows its venue: only an
  approximate area. Its public text (name, description, what to expect, contact email, website,
  facilitator bio) must not name the venue, its street, full postcode or a nearby point.
- ``area_name``: sensitive groups only, the area shown instead of the venue (default: the town
  and the first half of the postcode).
- ``organisation``: optional, the name of the organisation that runs the group. An organizer's
  import names one of their own organisations (another name is an error at that line); an
  admin's or the command line's finds it by name, or creates it. Empty, or no such column: an
  existing group stays where it is; a new one goes in the importing organizer's organisation.

Venue (one value per ``venue_key``):

- ``venue_key`` (required), ``venue_name`` (required), ``address`` (street line, required),
  ``postcode``, ``town`` (required), ``country`` (``GB`` or ``US``, required).
- ``region`` (header ``state`` reads the same): optional, the US state or UK nation as ``TX``,
  ``Texas`` or ``US-TX`` (``Wales``, ``WLS``, ``GB-WLS``). Empty: worked out from the ZIP or
  postcode. Given: it must be where the ZIP or postcode is, or the file is refused at that line.
- ``latitude``, ``longitude``: optional, both or neither. When empty the venue is placed offline
  at the centre of its postcode sector or ZIP (or else its town) and the import says so: give
  coordinates for an exact map pin.
- ``timezone``: optional IANA zone (``Europe/London``); default: the zone at the point.
- ``venue_access``: venue features (``step-free``, ``accessible-toilet``, ``hearing-loop``,
  ``parking``, ``public-transport``, ``quiet-room``).

Facilitator (optional; at most one per group in this format; one value per ``facilitator_key``):

- ``facilitator_key``, ``facilitator_name`` (a first name is enough), ``facilitator_bio``,
  ``facilitator_email``, ``facilitator_phone``. Email and phone are imported **private**: they
  are shown only after the facilitator opts in, in the app. Leaving the facilitator columns out of
  the header leaves groups' facilitators as they are; including them makes the file say who leads
  each group (an empty ``facilitator_key`` then means nobody).

Schedule (one per row; times are local wall-clock time at the venue):

- ``kind`` (required): ``weekly``, ``monthly_weekday`` (the 2nd Tuesday…), ``monthly_date``
  (the 15th…) or ``once``.
- ``interval``: every N weeks or months, 1–12 (default 1; fortnightly is ``weekly`` + ``2``).
- ``weekdays``: weekly and monthly_weekday, e.g. ``mon;thu`` (``mon`` … ``sun``).
- ``positions``: monthly_weekday, ``1``–``4`` or ``last``, e.g. ``2`` or ``1;3``.
- ``month_day``: monthly_date, ``1``–``28`` or ``last``.
- ``start_time`` (required, 24-hour ``HH:MM``), ``duration_minutes`` (required, 1–1440),
  ``first_date`` (required, ``YYYY-MM-DD``), ``last_date`` (optional; not for ``once``).

Optional columns for a lossless copy (what ``interop.csv_export`` writes). A file without them
imports exactly as before; with one, the file is the truth for what it describes:

- ``record``: what the row gives. Empty or ``schedule``: as above. ``group``: a group without a
  schedule (group, venue and facilitator columns; schedule columns empty). ``facilitator``: one
  more facilitator of ``group_key`` (or, without a group_key, one who leads no group): only
  ``group_key`` and facilitator columns. ``venue``: a venue no group row gives (where a meeting
  moves, say): only venue columns.
- ``facilitator_show_email``, ``facilitator_show_phone``: ``yes``/``no``, the facilitator's
  opt-in to show that contact publicly (empty: no).
- ``paused_until``: no meetings before that date (without the column a stored pause is kept).
- ``cancellations``: one per line, ``YYYY-MM-DD HH:MM: reason`` (the meeting's scheduled local
  start). ``moves``: one per line, ``YYYY-MM-DD HH:MM > YYYY-MM-DD HH:MM[, N min][, at
  venue_key][: note]``, the new start local to the new venue. Reasons and notes are single-line.

Formula guard: a cell starting with one apostrophe followed by ``= + - @``, a tab or a carriage
return loses that apostrophe (``restore``; the export adds it with ``neutralise``).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import available_timezones

from .. import privacy, validation
from ..geo import regions
from ..lazytext import N_
from ..lazytext import text as _
from ..schedules.recurrence import Frequency, RecurrenceSpec, validate

MAX_BYTES = 5_000_000
MAX_ROWS = 5_000

GROUP_COLUMNS = ("group_key", "name", "description", "what_to_expect", "conditions", "audiences",
                 "languages", "access", "cost", "contact_email", "website", "is_sensitive",
                 "area_name", "venue_key", "facilitator_key", "organisation")
VENUE_COLUMNS = ("venue_key", "venue_name", "address", "postcode", "town", "country", "region",
                 "latitude", "longitude", "timezone", "venue_access")
FACILITATOR_COLUMNS = ("facilitator_key", "facilitator_name", "facilitator_bio",
                       "facilitator_email", "facilitator_phone", "facilitator_show_email",
                       "facilitator_show_phone")
SCHEDULE_COLUMNS = ("kind", "interval", "weekdays", "positions", "month_day", "start_time",
                    "duration_minutes", "first_date", "last_date", "paused_until",
                    "cancellations", "moves")
# Optional columns added after the first version of the format: a file without them imports
# exactly as before (see "Optional columns for a lossless copy" above).
RECORD_COLUMN = "record"
RECORDS = ("schedule", "group", "facilitator", "venue")
COLUMNS = tuple(dict.fromkeys((RECORD_COLUMN,) + GROUP_COLUMNS + VENUE_COLUMNS
                              + FACILITATOR_COLUMNS + SCHEDULE_COLUMNS))
REQUIRED_COLUMNS = ("group_key", "name", "conditions", "venue_key", "venue_name", "address", "town",
                    "country", "kind", "start_time", "duration_minutes", "first_date")
# Needed on every row (the others may be left empty after a group's or venue's first row).
PER_ROW_REQUIRED = ("group_key", "kind", "start_time", "duration_minutes", "first_date")

# Database column lengths the app's own validators don't check.
MAX_LENGTHS = {"group_key": 80, "venue_key": 80, "facilitator_key": 80, "cost": 120,
               "contact_email": 254, "website": 300, "area_name": 120, "facilitator_phone": 40,
               "facilitator_email": 254, "timezone": 64, "organisation": 200}

# Free text, checked as the forms check it (``validation``): one-line columns refuse every control
# character, multi-line ones all but line breaks and tabs, email columns take valid addresses only.
# The other columns (keys, lists, codes, numbers, dates) are parsed strictly and so refuse control
# characters already, each with its own message.
SINGLE_LINE_COLUMNS = ("name", "cost", "website", "area_name", "venue_name", "address", "postcode",
                       "town", "region", "facilitator_name", "facilitator_phone", "organisation")
MULTI_LINE_COLUMNS = ("description", "what_to_expect", "facilitator_bio")
# One meeting per line; each line is single-line text, checked by its own parser.
LIST_LINE_COLUMNS = ("cancellations", "moves")
# Formula neutralisation (OWASP "CSV injection"): an exported cell that a spreadsheet would run
# as a formula gets one leading apostrophe; the import removes exactly that one, so a value that
# itself starts with apostrophes before such a character gains one more on export and loses it
# again here. Plain numbers ("-2.22871") are not formulas and are left alone.
FORMULA = re.compile(r"'*[=+\-@\t\r]")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
EMAIL_COLUMNS = ("contact_email", "facilitator_email")

KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,79}")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
ORDINALS = {"1": 1, "1st": 1, "first": 1, "2": 2, "2nd": 2, "second": 2, "3": 3, "3rd": 3,
            "third": 3, "4": 4, "4th": 4, "fourth": 4, "last": -1, "-1": -1}

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing to fix (or, for a warning, to know). ``line`` 0 is the file as a whole; the header
    is line 1. ``column`` is None when the problem is the whole row or file."""

    line: int
    column: str | None
    message: str  # in the language of whoever ran the import (``lazytext``)
    level: Level = "error"

    def __post_init__(self) -> None:
        if not isinstance(self.message, str):  # a lazy message (a place, a region): read it now
            object.__setattr__(self, "message", str(self.message))

    def __str__(self) -> str:
        warning = self.level == "warning"
        if self.line and self.column:
            if warning:
                return _("line %(line)s, %(column)s: %(message)s (warning)", line=self.line,
                         column=self.column, message=self.message)
            return _("line %(line)s, %(column)s: %(message)s", line=self.line,
                     column=self.column, message=self.message)
        if self.line:
            if warning:
                return _("line %(line)s: %(message)s (warning)", line=self.line,
                         message=self.message)
            return _("line %(line)s: %(message)s", line=self.line, message=self.message)
        if self.column:
            if warning:
                return _("file, %(column)s: %(message)s (warning)", column=self.column,
                         message=self.message)
            return _("file, %(column)s: %(message)s", column=self.column, message=self.message)
        if warning:
            return _("file: %(message)s (warning)", message=self.message)
        return _("file: %(message)s", message=self.message)


@dataclass(frozen=True)
class Vocabulary:
    """The slugs the database knows; access features split by who holds them."""

    conditions: frozenset[str]
    audiences: frozenset[str]
    languages: frozenset[str]
    group_access: frozenset[str]
    venue_access: frozenset[str]


@dataclass(frozen=True)
class CancellationRecord:
    """One cancelled meeting: its scheduled start (naive local time at the venue) and why."""

    original_start: dt.datetime
    reason: str


@dataclass(frozen=True)
class MoveRecord:
    """One moved meeting: naive local times, the new one in the new venue's zone if it has one."""

    original_start: dt.datetime
    new_start: dt.datetime
    new_duration_minutes: int | None = None
    new_venue_key: str | None = None
    note: str = ""


@dataclass(frozen=True)
class ScheduleRecord:
    line: int
    kind: Frequency
    start_time: dt.time
    duration_minutes: int
    first_date: dt.date
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    positions: tuple[int, ...] = ()
    month_day: int | None = None
    last_date: dt.date | None = None
    paused_until: dt.date | None = None
    cancellations: tuple[CancellationRecord, ...] = ()
    moves: tuple[MoveRecord, ...] = ()

    def spec(self, timezone: str = "UTC") -> RecurrenceSpec:
        return RecurrenceSpec(kind=self.kind, start_time=self.start_time,
                              duration_minutes=self.duration_minutes, first_date=self.first_date,
                              timezone=timezone, interval=self.interval, weekdays=self.weekdays,
                              positions=self.positions, month_day=self.month_day,
                              last_date=self.last_date, paused_until=self.paused_until)


@dataclass(frozen=True)
class VenueRecord:
    key: str
    line: int
    lines: dict[str, int]  # column → the line its value came from
    name: str
    address: str
    postcode: str
    town: str
    country: str
    latitude: float | None
    longitude: float | None
    timezone: str
    access: tuple[str, ...]
    region: str = ""  # ISO 3166-2 or ""; checked against the postcode by the importer (gazetteer)

    def line_of(self, column: str) -> int:
        return self.lines.get(column, self.line)


@dataclass(frozen=True)
class FacilitatorRecord:
    key: str
    line: int
    lines: dict[str, int]
    name: str
    bio: str
    email: str | None
    phone: str | None
    #: The contact opt-ins, when the file says them (None: the column is absent or empty).
    show_email: bool | None = None
    show_phone: bool | None = None

    def line_of(self, column: str) -> int:
        return self.lines.get(column, self.line)


@dataclass(frozen=True)
class GroupRecord:
    key: str
    line: int
    lines: dict[str, int]
    name: str
    description: str
    what_to_expect: str
    conditions: tuple[str, ...]
    audiences: tuple[str, ...]
    languages: tuple[str, ...]
    access: tuple[str, ...]
    cost: str
    contact_email: str | None
    website: str | None
    is_sensitive: bool
    area_name: str | None
    venue_key: str
    facilitator_key: str | None
    schedules: tuple[ScheduleRecord, ...]
    #: Every facilitator, ``facilitator_key`` first (then ``facilitator`` rows, in file order).
    facilitator_keys: tuple[str, ...] = ()
    #: The name of the organisation that runs it (``None``: not said).
    organisation: str | None = None

    def line_of(self, column: str) -> int:
        return self.lines.get(column, self.line)


@dataclass
class ParsedFile:
    groups: list[GroupRecord] = field(default_factory=list)
    venues: dict[str, VenueRecord] = field(default_factory=dict)
    facilitators: dict[str, FacilitatorRecord] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    #: Whether the header has facilitator columns (if not, groups' facilitators are left alone).
    has_facilitators: bool = False
    #: Whether the header has the optional columns that make the file the truth for facilitators'
    #: contact opt-ins, schedules' pauses, and their meetings' cancellations and moves.
    has_optins: bool = False
    has_pauses: bool = False
    has_exceptions: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


# --- reading the file ---------------------------------------------------------------------------


def _decode(data: bytes | str, problems: list[Problem]) -> str | None:
    if isinstance(data, str):
        if len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            problems.append(Problem(0, None, _too_large()))
            return None
        return data.removeprefix("\ufeff")
    if len(data) > MAX_BYTES:
        problems.append(Problem(0, None, _too_large()))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(line, None, _("This line is not UTF-8 text. Save the file as "
                                              "'CSV UTF-8' (Excel) or choose UTF-8 when exporting.")))
        return None


def _too_large() -> str:
    return _("The file is larger than %(mb)s MB; split it into several files.",
             mb=MAX_BYTES // 1_000_000)


# Other names a header may give a column.
HEADER_ALIASES = {"state": "region"}


def _header_name(text: str) -> str:
    name = re.sub(r"[\s-]+", "_", text.strip().lower())
    return HEADER_ALIASES.get(name, name)


def _records(text: str, problems: list[Problem]) -> Iterable[tuple[int, list[str]]]:
    """(first line number, cells) for every non-blank record; stops at a malformed record."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        problems.append(Problem(line, None, _("This line contains a NUL character; the file is "
                                              "probably not a CSV text file.")))
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(Problem(start, None, _("This line can't be read as CSV (%(error)s); "
                                                   "check its double quotes.", error=exc)))
            return
        if any(c.strip() for c in cells):
            yield start, cells
        start = reader.line_num + 1


# --- cell parsers: each returns a value or raises ValueError with the message -------------------


def _suggest(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.6)
    return _("; did you mean '%(close)s'?", close=close[0]) if close else ""


def _list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;,]", text) if p.strip()]


def _day(token: str) -> int:
    word = token.strip().lower().rstrip(".")
    matches = [i for i, name in enumerate(DAYS) if len(word) >= 2 and name.startswith(word)]
    if len(matches) != 1:
        raise ValueError(_("'%(text)s' is not a day; use mon, tue, wed, thu, fri, sat or sun",
                           text=token))
    return matches[0]


def _weekdays(text: str) -> tuple[int, ...]:
    return tuple(_day(t) for t in _list(text))


def _positions(text: str) -> tuple[int, ...]:
    out = []
    for token in _list(text):
        if token.lower() not in ORDINALS:
            raise ValueError(_("'%(text)s' is not a week of the month; use 1, 2, 3, 4 or last "
                               "(several as 1;3)", text=token))
        out.append(ORDINALS[token.lower()])
    return tuple(out)


def _month_day(text: str) -> int | None:
    if not text:
        return None
    if text.lower() == "last":
        return -1
    if not re.fullmatch(r"-?\d{1,2}", text):
        raise ValueError(_("'%(text)s' is not a day of the month; use 1 to 28, or last", text=text))
    return int(text)


def _int(text: str, what: str) -> int:
    """``what``: "minutes" or "weeks or months" (each its own message)."""
    if not re.fullmatch(r"\d{1,5}", text):
        if what == "minutes":
            raise ValueError(_("'%(text)s' is not a whole number of minutes", text=text))
        raise ValueError(_("'%(text)s' is not a whole number of weeks or months", text=text))
    return int(text)


def _time(text: str) -> dt.time:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(_("'%(text)s' is not a time; use 24-hour HH:MM, like 19:00 or 09:30",
                           text=text))
    return dt.time(int(m.group(1)), int(m.group(2)))


def _date(text: str) -> dt.date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("'%(text)s' is not a real date", text=text)) from None
    if re.fullmatch(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}", text):
        raise ValueError(_("'%(text)s' is not a date; use YYYY-MM-DD, like 2026-03-05 (day and "
                           "month order is ambiguous)", text=text))
    raise ValueError(_("'%(text)s' is not a date; use YYYY-MM-DD, like 2026-03-05", text=text))


MEETING = r"(\d{4}-\d{2}-\d{2}) (\d{1,2}:\d{2})"
CANCELLATION_LINE = re.compile(MEETING + r"(?::\s*(.*))?")
MOVE_LINE = re.compile(MEETING + r"\s*>\s*" + MEETING + r"(?:, (\d{1,5}) min)?"
                       r"(?:, at ([A-Za-z0-9][A-Za-z0-9._:-]{0,79}))?(?::\s*(.*))?")


def _at(day: str, time: str) -> dt.datetime:
    return dt.datetime.combine(_date(day), _time(time))


def _meeting_text(text: str, what: str) -> str:
    """``what``: "the reason" (a cancellation's) or "the note" (a move's)."""
    reason = what == "the reason"
    if problem := validation.single_line_problem(text):
        raise ValueError(_("the reason: %(problem)s", problem=problem) if reason
                         else _("the note: %(problem)s", problem=problem))
    text = " ".join(text.split())
    if len(text) > 200:
        raise ValueError(_("the reason: keep it under 200 characters") if reason
                         else _("the note: keep it under 200 characters"))
    return text


def _cancellations(text: str) -> tuple[CancellationRecord, ...]:
    out = []
    for part in (p.strip() for p in text.split("\n")):
        if not part:
            continue
        m = CANCELLATION_LINE.fullmatch(part)
        if m is None:
            raise ValueError(_("'%(text)s' is not a cancelled meeting; write one cancelled meeting "
                               "per line, as 2026-03-05 19:00: reason", text=_short(part)))
        reason = _meeting_text(m.group(3) or "", "the reason")
        if not reason:
            when = m.group(1) + " " + m.group(2)
            raise ValueError(_("give the reason the meeting of %(when)s is cancelled; write one "
                               "cancelled meeting per line, as 2026-03-05 19:00: reason", when=when))
        out.append(CancellationRecord(_at(m.group(1), m.group(2)), reason))
    return tuple(out)


def _moves(text: str) -> tuple[MoveRecord, ...]:
    out = []
    for part in (p.strip() for p in text.split("\n")):
        if not part:
            continue
        m = MOVE_LINE.fullmatch(part)
        if m is None:
            raise ValueError(_("'%(text)s' is not a moved meeting; write one moved meeting per "
                               "line, as 2026-03-05 19:00 > 2026-03-06 18:30: note (optionally "
                               "', 90 min' and ', at venue_key' before the colon)",
                               text=_short(part)))
        minutes = int(m.group(5)) if m.group(5) else None
        if minutes is not None and not 1 <= minutes <= 1440:
            raise ValueError(_("a moved meeting lasts 1 to 1440 minutes"))
        out.append(MoveRecord(_at(m.group(1), m.group(2)), _at(m.group(3), m.group(4)),
                              minutes, m.group(6), _meeting_text(m.group(7) or "", "the note")))
    return tuple(out)


def _yes_no(text: str) -> bool:
    word = text.lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise ValueError(_("'%(text)s' is not yes or no", text=text))


def _coordinate(text: str, low: float, high: float, what: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(_("'%(text)s' is not a number; use decimal degrees like 53.48",
                           text=text)) from None
    if value != value or not low <= value <= high:  # NaN fails both sides
        if what == "Latitude":
            raise ValueError(_("Latitude is between %(low)s and %(high)s", low=format(low, "g"),
                               high=format(high, "g")))
        raise ValueError(_("Longitude is between %(low)s and %(high)s", low=format(low, "g"),
                           high=format(high, "g")))
    return value


def _kind(text: str) -> Frequency:
    try:
        return Frequency(text.lower())
    except ValueError:
        raise ValueError(_("'%(text)s' is not a kind of schedule; use weekly, monthly_weekday, "
                           "monthly_date or once (fortnightly is weekly with interval 2)",
                           text=text)) from None


# --- the parse ----------------------------------------------------------------------------------


class _Row:
    """One record's cells by column, and its problems as they are found."""

    def __init__(self, line: int, cells: dict[str, str], problems: list[Problem]) -> None:
        self.line = line
        self.cells = cells
        self.problems = problems
        self.bad: set[str] = set()
        self.refused: set[str] = set()  # free text ``validation`` refused
        self.failed = False

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def record(self) -> str | None:
        """What this row gives (``schedule`` when the column is absent or empty); None if unknown."""
        kind = self.get(RECORD_COLUMN).lower() or "schedule"
        if kind not in RECORDS:
            self.error(RECORD_COLUMN, _("'%(kind)s' is not a kind of row; use schedule, group, "
                                        "facilitator or venue (or leave it empty)",
                                        kind=_short(kind)))
            return None
        return kind

    def error(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.line, column, message))
        self.failed = True
        if column:
            self.bad.add(column)

    def parse(self, column: str, parser, *args):  # type: ignore[no-untyped-def]
        try:
            return parser(self.get(column), *args)
        except ValueError as exc:
            self.error(column, str(exc))
            return None

    def check_text(self) -> None:
        """Every free-text cell of this row, as ``validation`` checks it for the forms."""
        checks = [(c, validation.single_line_problem) for c in SINGLE_LINE_COLUMNS]
        checks += [(c, validation.multi_line_problem) for c in MULTI_LINE_COLUMNS]
        checks += [(c, validation.email_problem) for c in EMAIL_COLUMNS if c not in self.bad]
        for column, check in checks:
            if problem := check(self.get(column)):
                self.error(column, problem)
                self.refused.add(column)


def _refused(rows: Iterable[_Row], columns: Iterable[str]) -> bool:
    """Whether a row refused free text in one of ``columns``: the record is then not built, so
    the app's rules (which check the same text) don't report it a second time."""
    wanted = set(columns)
    return any(row.refused & wanted for row in rows)


def neutralise(value: str) -> str:
    """The cell to write for ``value``: one more leading apostrophe when a spreadsheet would read
    it as a formula (``= + - @``, tab, carriage return, after any apostrophes); plain numbers stay."""
    if FORMULA.match(value) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def restore(cell: str) -> str:
    """The inverse of ``neutralise``: exactly one leading apostrophe goes, when what follows it is
    something ``neutralise`` would have guarded."""
    if cell.startswith("'") and FORMULA.match(cell, 1):
        return cell[1:]
    return cell


def _cells(header: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    out = {}
    for name, value in zip(header, cells, strict=False):
        value = restore(value.replace("\r\n", "\n").replace("\r", "\n").strip())
        out[name] = value.strip()
    return out


def _schedule(row: _Row) -> ScheduleRecord | None:
    for column in ("kind", "start_time", "duration_minutes", "first_date"):
        if not row.get(column):
            row.error(column, _("Give a value: every row is one schedule."))
    if row.bad:
        return None
    kind = row.parse("kind", _kind)
    start = row.parse("start_time", _time)
    duration = row.parse("duration_minutes", _int, "minutes")
    first = row.parse("first_date", _date)
    last = row.parse("last_date", _date) if row.get("last_date") else None
    interval = row.parse("interval", _int, "weeks or months") if row.get("interval") else 1
    weekdays = row.parse("weekdays", _weekdays) or ()
    positions = row.parse("positions", _positions) or ()
    month_day = row.parse("month_day", _month_day)
    paused = row.parse("paused_until", _date) if row.get("paused_until") else None
    cancellations = row.parse("cancellations", _cancellations) or ()
    moves = row.parse("moves", _moves) or ()
    if row.bad & set(SCHEDULE_COLUMNS):
        return None
    starts = [c.original_start for c in cancellations] + [m.original_start for m in moves]
    for start in sorted({s for s in starts if starts.count(s) > 1}):
        row.error("moves" if moves else "cancellations",
                  _("The meeting of %(when)s is given twice; a meeting is either cancelled or "
                    "moved, once.", when=format(start, "%Y-%m-%d %H:%M")))
    if row.bad & set(SCHEDULE_COLUMNS):
        return None
    record = ScheduleRecord(line=row.line, kind=kind, start_time=start, duration_minutes=duration,
                            first_date=first, interval=interval, weekdays=weekdays,
                            positions=positions, month_day=month_day, last_date=last,
                            paused_until=paused, cancellations=tuple(cancellations),
                            moves=tuple(moves))
    # The app's own rules, with its messages (which field doesn't apply to which kind, 29–31…).
    for column, messages in validate(record.spec()).items():
        for message in messages:
            row.error(column if column in SCHEDULE_COLUMNS else None, message)
    return None if row.bad & set(SCHEDULE_COLUMNS) else record


_DIFFERS = {
    "group": N_("'%(value)s' differs from '%(first)s' on line %(line)s for group '%(key)s'; its "
                "rows must agree (or leave it empty)"),
    "venue": N_("'%(value)s' differs from '%(first)s' on line %(line)s for venue '%(key)s'; its "
                "rows must agree (or leave it empty)"),
    "facilitator": N_("'%(value)s' differs from '%(first)s' on line %(line)s for facilitator "
                      "'%(key)s'; its rows must agree (or leave it empty)"),
}


def _merge(rows: list[_Row], columns: Sequence[str], what: str, key: str,
           problems: list[Problem]) -> tuple[dict[str, str], dict[str, int]]:
    """One value per column over ``rows``: the non-empty ones must agree."""
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for row in rows:
        for column in columns:
            value = row.get(column)
            if not value:
                continue
            if column not in values:
                values[column], lines[column] = value, row.line
            elif _norm(column, value) != _norm(column, values[column]):
                problems.append(Problem(row.line, column, _(
                    _DIFFERS[what], value=_short(value), first=_short(values[column]),
                    line=lines[column], key=key)))
    return values, lines


def _norm(column: str, value: str) -> str:
    if column in ("conditions", "audiences", "languages", "access", "venue_access"):
        return ";".join(sorted({s.lower() for s in _list(value)}))
    if column in ("country", "is_sensitive", "postcode", "timezone", "region"):
        return " ".join(value.lower().split())
    return " ".join(value.split())


def _short(value: str, limit: int = 40) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


_VOCAB_URL = {"conditions": "conditions", "audiences": "audiences", "languages": "languages",
              "access": "access-features", "venue_access": "access-features"}


def _slugs(text: str, allowed: frozenset[str] | None, column: str, noun: str, line: int,
           problems: list[Problem], *, other: frozenset[str] | None = None,
           other_column: str = "", other_noun: str = "") -> tuple[str, ...]:
    slugs = tuple(dict.fromkeys(s.lower() for s in _list(text)))
    if allowed is None:
        return slugs
    for slug in slugs:
        if slug in allowed:
            continue
        if other is not None and slug in other:
            problems.append(Problem(line, column, _(_ELSEWHERE[other_noun], slug=slug,
                                                    column=other_column)))
        else:
            hint = _suggest(slug, allowed) or _("; see /api/v1/%(path)s", path=_VOCAB_URL[column])
            problems.append(Problem(line, column, _(_NOT_KNOWN[noun], slug=slug, hint=hint)))
    return slugs


# One whole message per vocabulary (``noun`` and ``other_noun`` name them in the code).
_NOT_KNOWN = {
    "a condition": N_("'%(slug)s' is not a condition we know%(hint)s"),
    "an audience": N_("'%(slug)s' is not an audience we know%(hint)s"),
    "a language": N_("'%(slug)s' is not a language we know%(hint)s"),
    "a group feature": N_("'%(slug)s' is not a group feature we know%(hint)s"),
    "a venue feature": N_("'%(slug)s' is not a venue feature we know%(hint)s"),
}
_ELSEWHERE = {
    "a feature of the venue, not the group": N_("'%(slug)s' is a feature of the venue, not the "
                                                "group; put it in %(column)s"),
    "a feature of the group, not the venue": N_("'%(slug)s' is a feature of the group, not the "
                                                "venue; put it in %(column)s"),
}


def parse(data: bytes | str, vocab: Vocabulary | None = None) -> ParsedFile:
    """Read and check the whole file; every problem is collected (none stops the others, except an
    unreadable file or header). Groups, venues and facilitators are filled only where their rows
    were good; callers must not write anything while ``errors`` is non-empty."""
    out = ParsedFile()
    problems = out.problems
    text = _decode(data, problems)
    if text is None:
        return out
    records = _records(text, problems)
    first = next(iter(records), None)
    if first is None:
        if not problems:
            problems.append(Problem(0, None, _("The file is empty; it needs a header row and at "
                                               "least one row.")))
        return out
    header_line, raw_header = first
    header = [_header_name(h) for h in raw_header]
    if not _check_header(header, header_line, problems):
        return out
    out.has_facilitators = "facilitator_key" in header
    out.has_optins = bool({"facilitator_show_email", "facilitator_show_phone"} & set(header))
    out.has_pauses = "paused_until" in header
    out.has_exceptions = bool({"cancellations", "moves"} & set(header))

    rows: list[_Row] = []
    for line, cells in records:
        if len(rows) >= MAX_ROWS:
            problems.append(Problem(line, None, _("The file has more than %(max)s rows; split it "
                                                  "into several files.", max=format(MAX_ROWS, ","))))
            return out
        row = _Row(line, _cells(header, cells), problems)
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            row.error(None, _("This row has %(cells)s cells but the header has %(columns)s; "
                              "check for an unquoted comma.", cells=len(cells), columns=len(header)))
        rows.append(row)
    out.rows = len(rows)
    if not rows:
        problems.append(Problem(header_line, None, _("The file has a header but no rows.")))
        return out

    by_group: dict[str, list[_Row]] = {}
    extra_people: dict[str, list[_Row]] = {}  # group key → its ``facilitator`` rows
    venue_rows: dict[str, list[_Row]] = {}
    facilitator_rows: dict[str, list[_Row]] = {}
    for row in rows:
        for column, limit in MAX_LENGTHS.items():
            if len(row.get(column)) > limit:
                row.error(column, _("Keep it under %(max)s characters.", max=limit))
        row.check_text()
        kind = row.record()
        if kind is None:
            continue
        if kind in ("facilitator", "venue"):
            _record_row(row, kind, extra_people, venue_rows, facilitator_rows)
            continue
        key = row.get("group_key")
        if not key:
            row.error("group_key", _("Give the group's key on every row (rows of one group share "
                                     "it)."))
            continue
        if not KEY.fullmatch(key):
            row.error("group_key", _("'%(key)s' is not a key; use 1 to 80 letters, digits, '.', "
                                     "'_', ':' or '-', starting with a letter or digit",
                                     key=_short(key)))
            continue
        by_group.setdefault(key, []).append(row)

    for key in extra_people:
        if key not in by_group:
            for row in extra_people[key]:
                row.error("group_key", _("Group '%(key)s' has no schedule or group row in this "
                                         "file.", key=key))
    pending: list[tuple[str, dict[str, str], dict[str, int], list[_Row], bool]] = []
    for key, group_rows in by_group.items():
        count = len(problems)
        values, lines = _merge(group_rows, GROUP_COLUMNS[1:], "group", key, problems)
        pending.append((key, values, lines, group_rows, len(problems) > count))
        venue_key = values.get("venue_key", "")
        if venue_key:
            if KEY.fullmatch(venue_key):
                venue_rows.setdefault(venue_key, []).extend(group_rows)
            else:
                problems.append(Problem(lines["venue_key"], "venue_key", _(
                    "'%(key)s' is not a key; use 1 to 80 letters, digits, '.', '_', ':' or '-'",
                    key=_short(venue_key))))
        fac_key = values.get("facilitator_key", "")
        if fac_key:
            if KEY.fullmatch(fac_key):
                facilitator_rows.setdefault(fac_key, []).extend(group_rows)
            else:
                problems.append(Problem(lines["facilitator_key"], "facilitator_key", _(
                    "'%(key)s' is not a key; use 1 to 80 letters, digits, '.', '_', ':' or '-'",
                    key=_short(fac_key))))
        else:
            for row in group_rows:
                for column in FACILITATOR_COLUMNS[1:]:
                    if row.get(column):
                        row.error(column, _("Give facilitator_key too (your stable id for "
                                            "the facilitator)."))

    for key, vrows in venue_rows.items():
        venue = _venue(key, vrows, vocab, problems)
        if venue is not None:
            out.venues[key] = venue
    for key, frows in facilitator_rows.items():
        facilitator = _facilitator(key, frows, problems)
        if facilitator is not None:
            out.facilitators[key] = facilitator

    for key, values, lines, group_rows, disagree in pending:
        more = tuple(r.get("facilitator_key") for r in extra_people.get(key, ()))
        group = _group(key, values, lines, group_rows, vocab, problems, disagree, more)
        if group is not None:
            out.groups.append(group)
    for group in out.groups:
        venue = out.venues.get(group.venue_key)
        if venue is not None and venue.latitude is not None:
            problems.extend(sensitive_text_problems(group, venue, out.facilitators))
    problems.sort(key=lambda p: (p.line, COLUMNS.index(p.column) if p.column in COLUMNS else -1))
    return out


def _record_row(row: _Row, kind: str, extra_people: dict[str, list[_Row]],
                venue_rows: dict[str, list[_Row]], facilitator_rows: dict[str, list[_Row]]) -> None:
    """A ``facilitator`` row (one more facilitator of its group, or with no group_key one that
    leads no group) or a ``venue`` row (a venue no group row gives, e.g. where a meeting moves)."""
    own = FACILITATOR_COLUMNS if kind == "facilitator" else VENUE_COLUMNS
    allowed = set(own) | {RECORD_COLUMN} | ({"group_key"} if kind == "facilitator" else set())
    for column, value in row.cells.items():
        if value and column not in allowed:
            columns = ", ".join(sorted(allowed - {RECORD_COLUMN}))
            row.error(column, _("A facilitator row gives only %(columns)s; leave this empty.",
                                columns=columns) if kind == "facilitator" else
                      _("A venue row gives only %(columns)s; leave this empty.", columns=columns))
    key = row.get(own[0])
    if not key:
        row.error(own[0], _("Give the facilitator key on a facilitator row.")
                  if kind == "facilitator" else _("Give the venue key on a venue row."))
        return
    if not KEY.fullmatch(key):
        row.error(own[0], _("'%(key)s' is not a key; use 1 to 80 letters, digits, '.', '_', ':' "
                            "or '-'", key=_short(key)))
        return
    if row.failed:
        return
    (facilitator_rows if kind == "facilitator" else venue_rows).setdefault(key, []).append(row)
    group = row.get("group_key")
    if group:
        if KEY.fullmatch(group):
            extra_people.setdefault(group, []).append(row)
        else:
            row.error("group_key", _("'%(key)s' is not a key", key=_short(group)))


def _check_header(header: list[str], line: int, problems: list[Problem]) -> bool:
    ok = True
    seen: set[str] = set()
    for name in header:
        if not name:
            problems.append(Problem(line, None, _("A column has no name; remove the empty column "
                                                  "or name it.")))
            ok = False
        elif name in seen:
            problems.append(Problem(line, name, _("This column appears twice.")))
            ok = False
        elif name not in COLUMNS:
            hint = _suggest(name, COLUMNS) or _("; remove it, or see the list of columns in the "
                                                "README")
            problems.append(Problem(line, name, _("Unknown column%(hint)s", hint=hint)))
            ok = False
        seen.add(name)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        problems.append(Problem(line, None, _("Missing required column(s): %(columns)s",
                                              columns=", ".join(missing))))
        ok = False
    return ok


_VENUE_NEEDS = {
    "venue_name": N_("Give the venue name of venue '%(key)s' (on at least one of its rows)."),
    "address": N_("Give the address of venue '%(key)s' (on at least one of its rows)."),
    "town": N_("Give the town of venue '%(key)s' (on at least one of its rows)."),
    "country": N_("Give the country of venue '%(key)s' (on at least one of its rows)."),
}


def _venue(key: str, rows: list[_Row], vocab: Vocabulary | None,
           problems: list[Problem]) -> VenueRecord | None:
    count = len(problems)
    values, lines = _merge(rows, VENUE_COLUMNS[1:], "venue", key, problems)
    first = rows[0].line
    for column in ("venue_name", "address", "town", "country"):
        if not values.get(column):
            problems.append(Problem(first, column, _(_VENUE_NEEDS[column], key=key)))

    def parse(column: str, parser, *args):  # type: ignore[no-untyped-def]
        try:
            return parser(values.get(column, ""), *args)
        except ValueError as exc:
            problems.append(Problem(lines.get(column, first), column, str(exc)))
            return None

    country = values.get("country", "").upper()
    if country and country not in ("GB", "US"):
        problems.append(Problem(lines["country"], "country", _(
            "'%(country)s' is not a country we cover; use GB or US", country=values["country"])))
    region = None
    if country in ("GB", "US"):
        try:
            region = regions.parse_region(values.get("region", ""), country)
        except regions.RegionError as exc:
            problems.append(Problem(lines["region"], "region", str(exc)))
    lat = parse("latitude", _coordinate, -90, 90, "Latitude")
    lng = parse("longitude", _coordinate, -180, 180, "Longitude")
    if bool(values.get("latitude")) != bool(values.get("longitude")):
        given, missing = ("latitude", "longitude") if values.get("latitude") else ("longitude", "latitude")
        problems.append(Problem(lines[given], missing,
                                _("Give both latitude and longitude, or neither.")))
    zone = values.get("timezone", "")
    if zone and zone not in _zones():
        problems.append(Problem(lines["timezone"], "timezone", _(
            "'%(zone)s' is not a time zone we know; use a name like Europe/London, or leave it "
            "empty", zone=zone)))
    access = _slugs(values.get("venue_access", ""), vocab and vocab.venue_access, "venue_access",
                    "a venue feature", lines.get("venue_access", first), problems,
                    other=vocab and vocab.group_access, other_column="access",
                    other_noun="a feature of the group, not the venue")
    if len(problems) != count or _refused(rows, VENUE_COLUMNS):
        return None
    return VenueRecord(
        key=key, line=first, lines=lines, name=values["venue_name"],
        address=" ".join(values["address"].split()),
        postcode=" ".join(values.get("postcode", "").upper().split()),
        town=" ".join(values["town"].split()), country=country,
        latitude=lat, longitude=lng, timezone=zone, access=access,
        region=region.code if region else "")


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def _facilitator(key: str, rows: list[_Row], problems: list[Problem]) -> FacilitatorRecord | None:
    count = len(problems)
    values, lines = _merge(rows, FACILITATOR_COLUMNS[1:], "facilitator", key, problems)
    if not values.get("facilitator_name"):
        problems.append(Problem(rows[0].line, "facilitator_name",
                                _("Give the name of facilitator '%(key)s' (a first name is "
                                  "enough).", key=key)))
    shows: dict[str, bool | None] = {}
    for column in ("facilitator_show_email", "facilitator_show_phone"):
        try:
            shows[column] = _yes_no(values[column]) if column in rows[0].cells else None
        except ValueError as exc:
            problems.append(Problem(lines[column], column, str(exc)))
        except KeyError:  # the column is there but empty on every row: no
            shows[column] = False
    if len(problems) != count or _refused(rows, FACILITATOR_COLUMNS):
        return None
    return FacilitatorRecord(key=key, line=rows[0].line, lines=lines,
                             name=values["facilitator_name"], bio=values.get("facilitator_bio", ""),
                             email=values.get("facilitator_email") or None,
                             phone=values.get("facilitator_phone") or None,
                             show_email=shows["facilitator_show_email"],
                             show_phone=shows["facilitator_show_phone"])


def _group(key: str, values: dict[str, str], lines: dict[str, int], rows: list[_Row],
           vocab: Vocabulary | None, problems: list[Problem], disagree: bool,
           more_facilitators: tuple[str, ...] = ()) -> GroupRecord | None:
    """``disagree``: its rows' values were found to conflict (checked first, in ``parse``).

    The record is built whenever its group-level values are usable, even if a tag or a schedule
    row is wrong (those are reported), so the app's rules can still check the rest of it."""
    count = len(problems)
    first = rows[0].line
    for column, message in (
            ("name", N_("Give the group a name (on at least one row of group '%(key)s').")),
            ("conditions", N_("Choose at least one condition the group supports (on at least one "
                              "row of group '%(key)s').")),
            ("venue_key", N_("Give the key of the venue where the group meets (on at least one "
                             "row of group '%(key)s')."))):
        if not values.get(column):
            problems.append(Problem(first, column, _(message, key=key)))
    usable = len(problems) == count
    at = lines.get
    conditions = _slugs(values.get("conditions", ""), vocab and vocab.conditions, "conditions",
                        "a condition", at("conditions", first), problems)
    audiences = _slugs(values.get("audiences", ""), vocab and vocab.audiences, "audiences",
                       "an audience", at("audiences", first), problems)
    languages = _slugs(values.get("languages", "") or "en", vocab and vocab.languages, "languages",
                       "a language", at("languages", first), problems)
    access = _slugs(values.get("access", ""), vocab and vocab.group_access, "access",
                    "a group feature", at("access", first), problems,
                    other=vocab and vocab.venue_access, other_column="venue_access",
                    other_noun="a feature of the venue, not the group")
    try:
        sensitive = _yes_no(values.get("is_sensitive", ""))
    except ValueError as exc:
        problems.append(Problem(at("is_sensitive", first), "is_sensitive", str(exc)))
        sensitive, usable = False, False
    area = values.get("area_name") or None
    if area and not sensitive:
        problems.append(Problem(at("area_name", first), "area_name",
                                _("area_name is used only for sensitive groups; it is ignored "
                                  "here"), "warning"))
    schedules: list[ScheduleRecord] = []
    seen: dict[ScheduleRecord, int] = {}
    for row in rows:
        if row.get(RECORD_COLUMN).lower() == "group":  # the group's values without a schedule
            for column in SCHEDULE_COLUMNS:
                if row.get(column):
                    row.error(column, _("A group row has no schedule; leave this empty, or "
                                        "make the row a schedule row."))
            continue
        schedule = _schedule(row)
        if schedule is None:
            continue
        same = _replace_line(schedule, 0)
        if same in seen:
            row.error(None, _("This schedule is the same as line %(line)s's; remove one.",
                              line=seen[same]))
            continue
        seen[same] = row.line
        schedules.append(schedule)
    if disagree or not usable or _refused(rows, GROUP_COLUMNS):
        return None
    return GroupRecord(
        key=key, line=first, lines=lines, name=values["name"],
        description=values.get("description", ""), what_to_expect=values.get("what_to_expect", ""),
        conditions=conditions, audiences=audiences, languages=languages, access=access,
        cost=values.get("cost") or "Free", contact_email=values.get("contact_email") or None,
        website=values.get("website") or None, is_sensitive=sensitive,
        area_name=area if sensitive else None, venue_key=values["venue_key"],
        facilitator_key=values.get("facilitator_key") or None, schedules=tuple(schedules),
        facilitator_keys=tuple(dict.fromkeys(
            ([values["facilitator_key"]] if values.get("facilitator_key") else [])
            + list(more_facilitators))),
        organisation=values.get("organisation") or None)


def _replace_line(schedule: ScheduleRecord, line: int) -> ScheduleRecord:
    from dataclasses import replace

    return replace(schedule, line=line)


class _PointVenue:
    """A venue record with its point decided (given or geocoded), as privacy expects."""

    def __init__(self, venue: VenueRecord, latitude: float, longitude: float) -> None:
        self.name, self.address, self.postcode = venue.name, venue.address, venue.postcode
        self.town, self.country = venue.town, venue.country
        self.latitude, self.longitude = latitude, longitude


def sensitive_text_problems(group: GroupRecord, venue: VenueRecord,
                            facilitators: dict[str, FacilitatorRecord], *,
                            latitude: float | None = None,
                            longitude: float | None = None) -> list[Problem]:
    """For a sensitive group: public text that would locate its venue, and a bad area name.
    ``latitude``/``longitude`` give the point when the record has none (geocoded)."""
    if not group.is_sensitive:
        return []
    lat = venue.latitude if venue.latitude is not None else latitude
    lng = venue.longitude if venue.longitude is not None else longitude
    if lat is None or lng is None:
        return []
    place = _PointVenue(venue, lat, lng)
    out = []
    for column in ("name", "description", "what_to_expect", "contact_email", "website"):
        for message in privacy.public_text_problems(getattr(group, column) or "", place):
            out.append(Problem(group.line_of(column), column, message))
    if group.area_name:
        for message in privacy.validate_area_name(group.area_name, place):
            out.append(Problem(group.line_of("area_name"), "area_name", message))
    for person_key in group.facilitator_keys or ((group.facilitator_key,) if group.facilitator_key else ()):
        person = facilitators.get(person_key)
        if person is None:
            continue
        for message in privacy.public_text_problems(person.bio, place):
            out.append(Problem(person.line_of("facilitator_bio"), "facilitator_bio",
                               _("%(problem)s (facilitator of sensitive group '%(key)s')",
                                 problem=message, key=group.key)))
    return out
