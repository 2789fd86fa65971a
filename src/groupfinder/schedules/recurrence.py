"""Pure recurrence maths: a schedule in, dated meetings and iCalendar RRULE parts out.

No database session here; only the standard library, ``python-dateutil`` and ``zoneinfo``, and
Flask-Babel's ``gettext`` for the messages (the request's language; English outside one). Every schedule is expanded with :mod:`dateutil.rrule` in the venue's local
wall-clock time (naive datetimes), and each occurrence is only then tied to its IANA zone, so a
meeting at 19:00 stays at 19:00 local time across daylight-saving changes.

Decisions
=========

Series anchor (DTSTART)
    The series starts at the first real meeting on or after ``first_date`` (``ical_dtstart``),
    found with the rule at interval 1. ``first_date`` need not be a meeting day. The interval
    counts from that first meeting: "every other Monday" with ``first_date`` on Tuesday 6 January
    2026 meets on 12 January, 26 January, ... (weeks run Monday to Sunday, RFC 5545's default
    ``WKST=MO``; months count from the month of the first meeting). ``to_rrule`` uses the same
    anchor as its ``dtstart``, so dateutil, our feeds and every RFC 5545 client agree; RFC 5545
    says DTSTART should be the first instance, and clients differ when it is not.

Daylight saving (RFC 5545 §3.3.5)
    A local time that does not exist (the spring-forward gap) is read with the UTC offset from
    before the gap: 01:30 in Europe/London on the last Sunday of March is 01:30 GMT, i.e. 02:30
    BST, and ``Meeting.starts_at`` shows 02:30+01:00. A local time that happens twice (fall
    back) means the first of the two (``fold=0``). This is exactly ``zoneinfo`` with its default
    ``fold=0``. ``ends_at`` is ``starts_at`` plus ``duration_minutes`` of elapsed time, shown in
    the same zone (it can differ from the wall-clock sum only in a meeting spanning a change).

Monthly on a date, 29th to 31st
    ``month_day`` follows RFC 5545 exactly: ``BYMONTHDAY=31`` has no meeting in months without a
    31st (dateutil and every client skip those months), and ``-1`` is the last day of each month.
    ``validate`` rejects 29, 30 and 31, so every stored rule meets every month and nothing is
    silently skipped; it asks for 1 to 28 or "last day of the month" instead. (Positions stop at
    4 plus "last" for the same reason.) Expansion still follows RFC 5545 if such a value arrives.

Pause (``paused_until``)
    A pause never changes the series' identity: DTSTART, RRULE and UID stay the same. In
    ``occurrences``, ``meetings`` and ``next_meetings`` every occurrence dated before
    ``paused_until`` is left out (it is not shown as cancelled: pages show ``describe_pause``
    instead), and an exception on such an occurrence is ignored like any exception whose
    ``original_start`` is not an occurrence; a meeting moved *into* the pause from a date after it
    still happens. Feeds write the paused occurrences as ``EXDATE``s taken from
    ``paused_occurrences(spec, start, end)``. The spec does not record when a pause began, so the
    feed chooses the lower bound (say, the start of its window) and history before it is kept.

Exceptions
    Keyed by the original naive local start (the RECURRENCE-ID). A cancelled meeting stays in
    the results with ``status="cancelled"`` at its original time. A moved meeting appears once,
    at its new time (in ``new_timezone`` if given, else the schedule's), in whichever window its
    new time falls; its original slot is gone. A move without ``new_start`` keeps the original
    time (another venue, same time). If one original has both a cancellation and a move, the
    cancellation wins; otherwise the last exception for an original wins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as _rr
from flask_babel import gettext as _

__all__ = [
    "Frequency",
    "Meeting",
    "MeetingException",
    "RecurrenceSpec",
    "ical_dtstart",
    "ical_rrule",
    "meetings",
    "next_meetings",
    "occurrences",
    "paused_occurrences",
    "to_rrule",
    "validate",
]

UTC = dt.UTC

#: The positions a monthly-on-a-weekday schedule may use: every month has each of them.
POSITIONS = (1, 2, 3, 4, -1)
#: iCalendar two-letter weekday codes, index 0 = Monday.
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_INTERVAL = 12
MAX_DURATION_MINUTES = 24 * 60

# Extra local-time margin when turning an instant window into a naive local window. Two days
# covers every real offset jump, including Pacific/Apia skipping 30 December 2011.
_MARGIN = dt.timedelta(days=2)


class Frequency(StrEnum):
    weekly = "weekly"
    monthly_weekday = "monthly_weekday"
    monthly_date = "monthly_date"
    once = "once"


@dataclass(frozen=True)
class RecurrenceSpec:
    kind: Frequency
    start_time: dt.time  # local wall-clock
    duration_minutes: int
    first_date: dt.date  # first possible meeting date
    timezone: str  # IANA name, e.g. "Europe/London"
    interval: int = 1  # every N weeks (weekly) or N months (monthly_*)
    weekdays: tuple[int, ...] = ()  # 0=Mon ... 6=Sun
    positions: tuple[int, ...] = ()  # monthly_weekday: 1..4 or -1 (last)
    month_day: int | None = None  # monthly_date: 1..28, or -1 = last day of the month
    last_date: dt.date | None = None  # inclusive
    paused_until: dt.date | None = None  # no meetings before that date


@dataclass(frozen=True)
class MeetingException:
    """A cancellation or a move of one meeting, keyed by its original local start."""

    original_start: dt.datetime  # naive local
    status: Literal["cancelled", "moved"]
    note: str = ""  # cancellation reason or move note
    new_start: dt.datetime | None = None  # naive local, for moved
    new_duration_minutes: int | None = None
    new_timezone: str | None = None  # moved to a venue in another zone (rare)
    new_location: str | None = None  # opaque label for the moved venue, passed through


@dataclass(frozen=True)
class Meeting:
    """One meeting. ``starts_at``/``ends_at`` are aware in the meeting's zone.

    Python compares and subtracts two datetimes with the same ``tzinfo`` by wall clock, ignoring
    ``fold``; for elapsed time or ordering across a DST change use ``.astimezone(UTC)`` first.
    """

    original_start: dt.datetime  # naive local (identity, RECURRENCE-ID)
    starts_at: dt.datetime  # aware, in the zone
    ends_at: dt.datetime  # aware
    status: Literal["scheduled", "cancelled", "moved"]
    note: str = ""
    location: str | None = None


# --------------------------------------------------------------------------- validation


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _zone_error(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return _("Choose a time zone.")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return _("“%(name)s” is not a time zone we know.", name=name)
    return None


def _field_errors(spec: RecurrenceSpec, *, strict: bool = True) -> dict[str, list[str]]:
    """Messages per field. ``strict=False`` lets through RFC-valid values that validate refuses."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    try:
        kind = Frequency(spec.kind)
    except ValueError:
        add("kind", _("Choose how often the group meets."))
        return errors

    # start time and duration
    if not isinstance(spec.start_time, dt.time):
        add("start_time", _("Enter a start time."))
    else:
        if spec.start_time.tzinfo is not None:
            add("start_time", _("Enter the start time as local time, without a time zone."))
        if spec.start_time.second or spec.start_time.microsecond:
            add("start_time", _("Enter the start time in whole minutes."))
    if isinstance(spec.duration_minutes, bool) or not isinstance(spec.duration_minutes, int):
        add("duration_minutes", _("Enter how long a meeting lasts, in minutes."))
    elif not 1 <= spec.duration_minutes <= MAX_DURATION_MINUTES:
        add("duration_minutes", _("A meeting lasts between 1 minute and 24 hours."))

    # dates
    if isinstance(spec.first_date, dt.datetime) or not isinstance(spec.first_date, dt.date):
        add("first_date", _("Enter the date of the first meeting."))
    if spec.last_date is not None:
        if isinstance(spec.last_date, dt.datetime) or not isinstance(spec.last_date, dt.date):
            add("last_date", _("Enter the last date as a date."))
        elif isinstance(spec.first_date, dt.date) and spec.last_date < spec.first_date:
            add("last_date", _("The last date must be on or after the first date."))
        elif kind is Frequency.once and spec.last_date != spec.first_date:
            add("last_date", _("A one-off meeting has no separate last date."))
    if spec.paused_until is not None and (
        isinstance(spec.paused_until, dt.datetime) or not isinstance(spec.paused_until, dt.date)
    ):
        add("paused_until", _("Enter the date meetings start again."))

    zone_message = _zone_error(spec.timezone)
    if zone_message:
        add("timezone", zone_message)

    # interval
    if isinstance(spec.interval, bool) or not isinstance(spec.interval, int):
        add("interval", _("Enter how many weeks or months apart the meetings are."))
    elif kind is Frequency.once:
        if spec.interval != 1:
            add("interval", _("A one-off meeting does not repeat."))
    elif not 1 <= spec.interval <= MAX_INTERVAL:
        add("interval", _("Meetings repeat every 1 to %(max)s weeks.", max=MAX_INTERVAL)
            if kind is Frequency.weekly
            else _("Meetings repeat every 1 to %(max)s months.", max=MAX_INTERVAL))

    # weekdays
    weekdays = tuple(spec.weekdays)
    if kind in (Frequency.weekly, Frequency.monthly_weekday):
        if not weekdays:
            add("weekdays", _("Choose at least one day of the week."))
        elif any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
            add("weekdays", _("Days of the week are numbered 0 (Monday) to 6 (Sunday)."))
        elif len(set(weekdays)) != len(weekdays):
            add("weekdays", _("Choose each day of the week only once."))
    elif weekdays:
        add("weekdays", _("Days of the week apply only to weekly and monthly-on-a-weekday schedules."))

    # positions
    positions = tuple(spec.positions)
    if kind is Frequency.monthly_weekday:
        if not positions:
            add("positions", _("Choose which week of the month (1st, 2nd, 3rd, 4th or last)."))
        elif any(isinstance(p, bool) or p not in POSITIONS for p in positions):
            add("positions", _("Choose the 1st, 2nd, 3rd, 4th or last week of the month."))
        elif len(set(positions)) != len(positions):
            add("positions", _("Choose each week of the month only once."))
    elif positions:
        add("positions", _("Weeks of the month apply only to monthly-on-a-weekday schedules."))

    # month day
    md = spec.month_day
    if kind is Frequency.monthly_date:
        if md is None:
            add("month_day", _("Choose the day of the month."))
        elif isinstance(md, bool) or not isinstance(md, int) or not (1 <= md <= 31 or md == -1):
            add("month_day", _("Choose a day of the month from 1 to 28, or the last day."))
        elif strict and md >= 29:
            add(
                "month_day",
                _("Not every month has a day %(day)s, and those months would have no meeting. "
                  "Choose a day from 1 to 28, or the last day of the month.", day=md),
            )
    elif md is not None:
        add("month_day", _("A day of the month applies only to monthly-on-a-date schedules."))

    return errors


def validate(spec: RecurrenceSpec) -> dict[str, list[str]]:
    """Human messages per field name; an empty dict means the schedule is good to save.

    Beyond each field's own range, it refuses a schedule with no meeting at all between
    ``first_date`` and ``last_date`` (reported on ``last_date``).
    """
    errors = _field_errors(spec)
    if not errors and _anchor(spec) is None:
        errors["last_date"] = [_("There is no meeting between the first date and the last date.")]
    return errors


def _check(spec: RecurrenceSpec) -> None:
    errors = _field_errors(spec, strict=False)
    if errors:
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        raise ValueError(f"invalid schedule ({details})")


# --------------------------------------------------------------------------- rules


def _rule(spec: RecurrenceSpec, dtstart: dt.datetime, *, interval: int | None = None) -> _rr.rrule:
    kind = Frequency(spec.kind)
    if kind is Frequency.once:
        return _rr.rrule(_rr.DAILY, dtstart=dtstart, count=1)
    until = dt.datetime.combine(spec.last_date, spec.start_time) if spec.last_date else None
    common = {
        "dtstart": dtstart,
        "interval": interval or spec.interval,
        "until": until,
        "wkst": _rr.MO,
    }
    if kind is Frequency.weekly:
        return _rr.rrule(_rr.WEEKLY, byweekday=tuple(sorted(spec.weekdays)), **common)
    if kind is Frequency.monthly_weekday:
        byday = tuple(_rr.weekday(d, p) for d in sorted(spec.weekdays) for p in _sorted_positions(spec))
        return _rr.rrule(_rr.MONTHLY, byweekday=byday, **common)
    return _rr.rrule(_rr.MONTHLY, bymonthday=(spec.month_day,), **common)


def _sorted_positions(spec: RecurrenceSpec) -> list[int]:
    # 1, 2, 3, 4 then -1 ("last"), the order people say them in
    return sorted(spec.positions, key=lambda p: (p < 0, p))


def _first_possible(spec: RecurrenceSpec) -> dt.datetime:
    return dt.datetime.combine(spec.first_date, spec.start_time.replace(tzinfo=None))


def _anchor(spec: RecurrenceSpec) -> dt.datetime | None:
    """The first real meeting on or after ``first_date`` (pause ignored), or None."""
    first = _first_possible(spec)
    return _rule(spec, first, interval=1).after(first, inc=True)


def _require_anchor(spec: RecurrenceSpec) -> dt.datetime:
    _check(spec)
    anchor = _anchor(spec)
    if anchor is None:
        raise ValueError("invalid schedule (no meeting between the first date and the last date)")
    return anchor


def to_rrule(spec: RecurrenceSpec) -> _rr.rrule:
    """The schedule as a naive-local dateutil rule, ``dtstart`` at the first real meeting.

    ``once`` is a single-date rule (``COUNT=1``). Pause and exceptions are not part of the rule.
    Raises ``ValueError`` for a schedule ``validate`` would reject outright or one with no
    meeting at all.
    """
    _check(spec)
    anchor = _anchor(spec)
    if anchor is None:  # keep it a rule that yields nothing
        return _rr.rrule(_rr.DAILY, dtstart=_first_possible(spec), count=0)
    return _rule(spec, anchor)


def _rule_near(spec: RecurrenceSpec, floor: dt.datetime) -> _rr.rrule | None:
    """A rule with the same occurrences as ``to_rrule`` from ``floor`` on, without replaying years.

    dateutil always iterates from ``dtstart``; the phase of a weekly rule is the (Monday-based)
    week of ``dtstart`` and of a monthly rule its month, so moving ``dtstart`` forward a whole
    number of intervals to the start of such a week or month changes nothing after it.
    """
    _check(spec)
    anchor = _anchor(spec)
    if anchor is None:
        return None
    kind = Frequency(spec.kind)
    start_time = spec.start_time.replace(tzinfo=None)
    if kind is Frequency.weekly:
        week0 = anchor.date() - dt.timedelta(days=anchor.weekday())
        periods = ((floor.date() - week0).days // 7) // spec.interval
        if periods > 0:
            period_start = week0 + dt.timedelta(weeks=periods * spec.interval)
            return _rule(spec, dt.datetime.combine(period_start, start_time))
    elif kind in (Frequency.monthly_weekday, Frequency.monthly_date):
        months = (floor.year * 12 + floor.month) - (anchor.year * 12 + anchor.month)
        periods = months // spec.interval
        if periods > 0:
            index = anchor.year * 12 + anchor.month - 1 + periods * spec.interval
            period_start = dt.date(index // 12, index % 12 + 1, 1)
            return _rule(spec, dt.datetime.combine(period_start, start_time))
    return _rule(spec, anchor)


# --------------------------------------------------------------------------- time helpers


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value


def _localize(naive: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Naive local wall time -> aware datetime per RFC 5545 §3.3.5 (see the module docstring)."""
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def _to_local_naive(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _is_paused(spec: RecurrenceSpec, naive: dt.datetime) -> bool:
    return spec.paused_until is not None and naive.date() < spec.paused_until


def _base_occurrences(spec: RecurrenceSpec, start: dt.datetime, end: dt.datetime | None) -> Iterator[dt.datetime]:
    """Naive occurrences of the rule (pause ignored) whose instant is in [start, end), in order."""
    zone = _zone(spec.timezone)
    lo = _to_local_naive(start, zone) - _MARGIN
    hi = None if end is None else _to_local_naive(end, zone) + _MARGIN
    rule = _rule_near(spec, lo)
    if rule is None:
        return
    for naive in rule.xafter(lo, inc=True):
        if hi is not None and naive > hi:
            return
        instant = _localize(naive, zone)
        if instant < start:
            continue
        if end is not None and instant >= end:
            continue  # still inside the margin; later ones may not be (gap cases)
        yield naive


def _is_occurrence(spec: RecurrenceSpec, naive: dt.datetime) -> bool:
    """Whether ``naive`` is an occurrence of the rule (pause ignored)."""
    rule = _rule_near(spec, naive)
    return rule is not None and rule.after(naive, inc=True) == naive


def occurrences(spec: RecurrenceSpec, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Naive local starts of the meetings whose instant is in [start, end), paused ones left out.

    ``start`` and ``end`` are aware; they are compared with each occurrence as instants.
    Exceptions are not applied (see ``meetings``).
    """
    _aware(start, "start")
    _aware(end, "end")
    return [n for n in _base_occurrences(spec, start, end) if not _is_paused(spec, n)]


def paused_occurrences(spec: RecurrenceSpec, start: dt.datetime, end: dt.datetime | None = None) -> list[dt.datetime]:
    """Naive local starts the pause suppresses, with instants in [start, end): the feed's EXDATEs.

    ``end`` defaults to the start of ``paused_until``. ``start`` is the caller's lower bound (for a
    feed, the start of its window): the spec does not record when the pause began.
    """
    _aware(start, "start")
    if spec.paused_until is None:
        return []
    zone = _zone(spec.timezone)
    resume = _localize(dt.datetime.combine(spec.paused_until, dt.time()), zone)
    end = resume if end is None else min(_aware(end, "end"), resume)
    if end <= start:
        return []
    return [n for n in _base_occurrences(spec, start, end) if _is_paused(spec, n)]


# --------------------------------------------------------------------------- meetings


def _normalize_original(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    if value.tzinfo is not None:
        return _to_local_naive(value, zone)
    return value.replace(fold=0)


def _exception_map(spec: RecurrenceSpec, exceptions: Iterable[MeetingException]) -> dict[dt.datetime, MeetingException]:
    zone = _zone(spec.timezone)
    table: dict[dt.datetime, MeetingException] = {}
    for exc in exceptions:
        key = _normalize_original(exc.original_start, zone)
        current = table.get(key)
        if current is not None and current.status == "cancelled" and exc.status != "cancelled":
            continue  # a cancellation wins over a move
        table[key] = exc
    return table


def _meeting(spec: RecurrenceSpec, naive: dt.datetime, exc: MeetingException | None) -> Meeting:
    zone = _zone(spec.timezone)
    duration = dt.timedelta(minutes=spec.duration_minutes)
    if exc is not None and exc.status == "moved":
        new_zone = _zone(exc.new_timezone) if exc.new_timezone else zone
        new_naive = _normalize_original(exc.new_start, new_zone) if exc.new_start else naive
        starts = _localize(new_naive, new_zone)
        if exc.new_duration_minutes:
            duration = dt.timedelta(minutes=exc.new_duration_minutes)
        ends = (starts.astimezone(UTC) + duration).astimezone(new_zone)
        return Meeting(naive, starts, ends, "moved", exc.note, exc.new_location)
    starts = _localize(naive, zone)
    ends = (starts.astimezone(UTC) + duration).astimezone(zone)
    if exc is not None and exc.status == "cancelled":
        return Meeting(naive, starts, ends, "cancelled", exc.note)
    return Meeting(naive, starts, ends, "scheduled")


def _moved_meetings(spec: RecurrenceSpec, table: dict[dt.datetime, MeetingException]) -> list[Meeting]:
    """Meetings for every move whose original is a real, unpaused occurrence."""
    return [
        _meeting(spec, original, exc)
        for original, exc in table.items()
        if exc.status == "moved" and not _is_paused(spec, original) and _is_occurrence(spec, original)
    ]


def _sort_key(m: Meeting) -> tuple[dt.datetime, dt.datetime]:
    return (m.starts_at.astimezone(UTC), m.original_start)


def meetings(
    spec: RecurrenceSpec,
    start: dt.datetime,
    end: dt.datetime,
    exceptions: Iterable[MeetingException] = (),
) -> list[Meeting]:
    """Meetings starting in [start, end) (aware instants), with cancellations and moves applied.

    Cancelled meetings stay, marked ``cancelled``, at their original time. A moved meeting is
    listed once, in the window where its new start falls. Exceptions whose ``original_start``
    is not an occurrence (or is paused) are ignored. Sorted by start.
    """
    _aware(start, "start")
    _aware(end, "end")
    table = _exception_map(spec, exceptions)
    out: list[Meeting] = []
    for naive in occurrences(spec, start, end):
        exc = table.get(naive)
        if exc is None or exc.status == "cancelled":
            out.append(_meeting(spec, naive, exc))
    out += [m for m in _moved_meetings(spec, table) if start <= m.starts_at < end]
    return sorted(out, key=_sort_key)


def next_meetings(
    spec: RecurrenceSpec,
    after: dt.datetime,
    count: int,
    exceptions: Iterable[MeetingException] = (),
) -> list[Meeting]:
    """The next ``count`` meetings starting at or after the aware instant ``after``.

    Cancelled meetings are included, marked ``status="cancelled"``, and count towards ``count``,
    so a page can show them struck through; paused occurrences are left out (see
    ``describe_pause``). Moves apply as in ``meetings``. It expands only from about ``after``
    onwards, however old the schedule is.
    """
    _aware(after, "after")
    if count <= 0:
        return []
    table = _exception_map(spec, exceptions)
    candidates = [m for m in _moved_meetings(spec, table) if m.starts_at >= after]
    unmoved = 0
    for naive in _base_occurrences(spec, after, None):
        if _is_paused(spec, naive):
            continue
        exc = table.get(naive)
        if exc is not None and exc.status == "moved":
            continue  # already among the candidates, at its new time
        candidates.append(_meeting(spec, naive, exc))
        unmoved += 1
        if unmoved >= count:
            break
    return sorted(candidates, key=_sort_key)[:count]


# --------------------------------------------------------------------------- iCalendar


def ical_dtstart(spec: RecurrenceSpec) -> dt.datetime:
    """Naive local DTSTART: the first real meeting on or after ``first_date``.

    The pause does not move it (see the module docstring). Raises ``ValueError`` if the
    schedule has no meeting at all.
    """
    return _require_anchor(spec)


def ical_rrule(spec: RecurrenceSpec) -> dict | None:
    """RRULE parts for ``icalendar.vRecur``; ``None`` for a one-off meeting.

    Keys: ``FREQ``; ``INTERVAL`` when above 1; ``BYDAY`` (``["TU"]``, ``["1SA", "3SA"]``,
    ``["-1FR"]``) or ``BYMONTHDAY`` (``[15]``, ``[-1]``); ``WKST="MO"`` for a weekly rule with
    an interval and several days (where the week start matters); ``UNTIL`` when there is a last
    date, as an aware UTC datetime equal to the start of the last meeting on or before
    ``last_date`` (RFC 5545 wants UTC UNTIL when DTSTART has a TZID; UNTIL is inclusive).
    """
    anchor = _require_anchor(spec)
    kind = Frequency(spec.kind)
    if kind is Frequency.once:
        return None
    parts: dict = {}
    if kind is Frequency.weekly:
        parts["FREQ"] = "WEEKLY"
        parts["BYDAY"] = [DAY_CODES[d] for d in sorted(spec.weekdays)]
    elif kind is Frequency.monthly_weekday:
        parts["FREQ"] = "MONTHLY"
        parts["BYDAY"] = [f"{p}{DAY_CODES[d]}" for d in sorted(spec.weekdays) for p in _sorted_positions(spec)]
    else:
        parts["FREQ"] = "MONTHLY"
        parts["BYMONTHDAY"] = [spec.month_day]
    if spec.interval > 1:
        parts["INTERVAL"] = spec.interval
        if kind is Frequency.weekly and len(spec.weekdays) > 1:
            parts["WKST"] = "MO"
    if spec.last_date is not None:
        end_of_last = dt.datetime.combine(spec.last_date, dt.time.max)
        # Start a few intervals back rather than replaying a decades-old series.
        rule = _rule_near(spec, end_of_last - dt.timedelta(days=66 * spec.interval)) or _rule(spec, anchor)
        last = rule.before(end_of_last, inc=True) or _rule(spec, anchor).before(end_of_last, inc=True)
        assert last is not None  # the anchor itself is on or before last_date
        parts["UNTIL"] = _localize(last, _zone(spec.timezone)).astimezone(UTC)
    return parts
