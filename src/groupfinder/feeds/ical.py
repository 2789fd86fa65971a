"""Pure iCalendar builder: series in, feed bytes out. No Flask, no session.

Follows docs/calendar-feeds.md §0: one VEVENT per schedule with an RRULE, cancellations as EXDATE in
the series' own TZID and wall time, moves as RECURRENCE-ID overrides with the same UID, an
Outlook-shaped VTIMEZONE (one STANDARD and one DAYLIGHT with yearly RRULEs) for every TZID,
DTSTAMP from the data (never "now"), so unchanged data gives byte-identical output. No ORGANIZER
or ATTENDEE. What the public may see of a location is decided by the caller through ``privacy``.

An empty feed (a group without schedules, a facilitator or a search with nothing upcoming) still
holds one component, as RFC 5545 §3.4 asks (``icalbody = calprops component``). Many servers send
a bare VCALENDAR instead (reported in icalendar issue #251 and keeper.sh #136), which icalendar's
own ``validate()`` and strict readers refuse. Ours is one VJOURNAL (RFC 5545 §3.6.3) whose SUMMARY
and DESCRIPTION say why the feed is empty, with a fixed UID and DTSTAMP (stable bytes) and no
DTSTART, so it belongs to no day:

- not a VEVENT: every client would show it as a meeting on some day;
- not a VTODO: task-aware clients (Thunderbird's task list, for one) would show a to-do;
- not a VTIMEZONE alone: a zone no event uses carries nothing, and is a definition, not content;
- a VJOURNAL is plain RFC 5545 and calendar views that show events ignore it (unverified per
  client; Evolution would list it as a memo, which then reads the reason). The test engines
  (recurring_ical_events, ical.js, libical) read it and expand nothing from it.

The reason the caller gives (``FeedInfo.empty_reason``) also goes first in the calendar's
X-WR-CALDESC/DESCRIPTION. Its name (X-WR-CALNAME/NAME) stays the feed's own: clients take the name
when one subscribes and keep it, so a name saying "empty" would outlive the emptiness (and the
search page offers the feed under that name).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import (
    Calendar,
    Event,
    Journal,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vDuration,
    vRecur,
)

from .. import i18n
from ..lazytext import N_
from ..schedules.recurrence import (
    Frequency,
    Meeting,
    MeetingException,
    RecurrenceSpec,
    ical_dtstart,
    ical_rrule,
    occurrences,
    paused_occurrences,
)
from ..schedules.words import describe_move

UTC = dt.UTC
PRODID = "-//groupfinder//feeds 1.0//EN"
REFRESH = dt.timedelta(hours=6)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Series:
    """One schedule of one group, as the public may see it."""

    uid: str
    summary: str
    description: str
    location: str
    geo: tuple[float, float] | None
    url: str
    spec: RecurrenceSpec
    exceptions: tuple[MeetingException, ...] = ()
    sequence: int = 0
    stamp: dt.datetime = dt.datetime(2026, 1, 1, tzinfo=UTC)
    # The pause's EXDATEs start here (the schedule's last change): deterministic bytes.
    pause_from: dt.datetime | None = None
    clock: str = "12h"  # how a moved meeting's new time is written in its description
    language: str = "en"  # of the words the builder adds ("(moved)", the organiser's note)


@dataclass(frozen=True)
class FeedInfo:
    name: str
    description: str
    uid: str
    timezone: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # Why the feed has no meeting, for when it has none: "No meetings match this search right now."
    # Given, it also leads the empty feed's description; the placeholder always says something.
    empty_reason: str | None = None
    language: str = "en"  # of the placeholder's words when no reason is given


NO_MEETINGS = N_("No meetings are listed in this calendar at the moment.")


EMPTY_STAMP = dt.datetime(2026, 1, 1, tzinfo=UTC)  # fixed: an empty feed's bytes stay the same


def empty_placeholder(info: FeedInfo) -> Journal:
    """The one component of a feed without meetings (see the module's docstring)."""
    journal = Journal()
    journal.add("UID", f"empty-{info.uid}")
    journal.add("DTSTAMP", EMPTY_STAMP)
    reason = info.empty_reason or i18n.gettext(info.language, NO_MEETINGS)
    journal.add("SUMMARY", reason)
    journal.add("DESCRIPTION", f"{reason} {info.description}")
    return journal


def _is_occurrence(spec: RecurrenceSpec, naive: dt.datetime) -> bool:
    zone = ZoneInfo(spec.timezone)
    at = naive.replace(tzinfo=zone)
    return naive in occurrences(spec, at - dt.timedelta(minutes=1), at + dt.timedelta(minutes=1))


def _effective_exceptions(series: Series) -> tuple[list[dt.datetime], list[MeetingException]]:
    """Cancelled originals and valid moves; a cancellation wins over a move of the same meeting."""
    table: dict[dt.datetime, MeetingException] = {}
    for exc in series.exceptions:
        key = exc.original_start.replace(tzinfo=None, fold=0)
        if table.get(key) is not None and table[key].status == "cancelled":
            continue
        table[key] = exc
    cancelled, moved = [], []
    for key in sorted(table):
        if not _is_occurrence(series.spec, key):
            continue
        (cancelled if table[key].status == "cancelled" else moved).append(
            key if table[key].status == "cancelled" else table[key])
    return cancelled, moved


def _event(series: Series, start: dt.datetime, duration: dt.timedelta, zone: ZoneInfo) -> Event:
    ev = Event()
    ev.add("UID", series.uid)
    ev.add("DTSTAMP", series.stamp.astimezone(UTC))
    ev.add("SEQUENCE", series.sequence)
    ev.add("SUMMARY", series.summary)
    ev.add("DTSTART", start)
    ev.add("DTEND", (start.astimezone(UTC) + duration).astimezone(zone))
    ev.add("LOCATION", series.location)
    if series.geo is not None:
        ev.add("GEO", series.geo)
    if series.description:
        ev.add("DESCRIPTION", series.description)
    ev.add("URL", series.url)
    ev.add("STATUS", "CONFIRMED")
    ev.add("TRANSP", "OPAQUE")
    return ev


def series_components(series: Series) -> list[Event]:
    """The master VEVENT and its RECURRENCE-ID overrides (empty for a cancelled one-off)."""
    spec = series.spec
    zone = ZoneInfo(spec.timezone)
    duration = dt.timedelta(minutes=spec.duration_minutes)
    try:
        first = ical_dtstart(spec)
    except ValueError:  # no meeting at all (e.g. last date before the first meeting)
        return []
    cancelled, moved = _effective_exceptions(series)
    if Frequency(spec.kind) == Frequency.once:
        if cancelled or (spec.paused_until is not None and first.date() < spec.paused_until):
            return []  # the only meeting will not happen: it leaves subscribers' calendars
        start = first.replace(tzinfo=zone)
        if moved:
            exc = moved[0]
            zone = ZoneInfo(exc.new_timezone) if exc.new_timezone else zone
            start = (exc.new_start or first).replace(tzinfo=zone)
            duration = dt.timedelta(minutes=exc.new_duration_minutes or spec.duration_minutes)
        return [_event(series, start, duration, zone)]

    master = _event(series, first.replace(tzinfo=zone), duration, zone)
    master.add("RRULE", vRecur(ical_rrule(spec)))
    exdates = list(cancelled)
    if spec.paused_until is not None:
        lower = series.pause_from or first.replace(tzinfo=zone)
        exdates += paused_occurrences(spec, lower.astimezone(UTC))
    if exdates:
        master.add("EXDATE", [d.replace(tzinfo=zone) for d in sorted(set(exdates))])
    out = [master]
    for exc in moved:
        new_zone = ZoneInfo(exc.new_timezone) if exc.new_timezone else zone
        new_start = (exc.new_start or exc.original_start).replace(tzinfo=new_zone, fold=0)
        new_duration = dt.timedelta(minutes=exc.new_duration_minutes or spec.duration_minutes)
        override = _event(series, new_start, new_duration, new_zone)
        override.add("RECURRENCE-ID", exc.original_start.replace(tzinfo=zone, fold=0))
        if exc.new_location:
            override["LOCATION"] = exc.new_location
        # "Group (moved)" and, first in the description, where and when it moved to, in the
        # site's clock, with the organiser's note apart: never "moved: Moved to …".
        override["SUMMARY"] = i18n.gettext(series.language, N_("%(name)s (moved)"), name=series.summary)
        moved_meeting = Meeting(original_start=exc.original_start.replace(tzinfo=None),
                                starts_at=new_start, ends_at=new_start + new_duration,
                                status="moved", note=exc.note or "", location=exc.new_location)
        lines = [describe_move(moved_meeting, clock=series.clock, language=series.language)]
        if exc.note:
            lines.append(i18n.gettext(series.language, N_("Organiser's note: %(note)s"), note=exc.note))
        override["DESCRIPTION"] = "\n".join(lines + ([series.description] if series.description else []))
        out.append(override)
    return out


# --- VTIMEZONE in the shape Outlook, libical and ical.js read alike (docs/calendar-feeds.md §2.3) ----

def _changes(zone: ZoneInfo, year: int) -> Iterable[tuple[dt.datetime, dt.timedelta, dt.timedelta, str, bool]]:
    t = dt.datetime(year, 1, 1, tzinfo=UTC)
    stop = dt.datetime(year + 1, 1, 1, tzinfo=UTC)
    while t < stop:
        a, b = t.astimezone(zone), (t + dt.timedelta(hours=1)).astimezone(zone)
        if a.utcoffset() != b.utcoffset():
            lo, hi = t, t + dt.timedelta(hours=1)
            while hi - lo > dt.timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if mid.astimezone(zone).utcoffset() == a.utcoffset() else (lo, mid)
            after = hi.astimezone(zone)
            before_offset, after_offset = a.utcoffset(), after.utcoffset()
            assert before_offset is not None and after_offset is not None
            yield ((hi + before_offset).replace(tzinfo=None), before_offset, after_offset,
                   after.tzname() or "", after_offset > before_offset)
        t += dt.timedelta(hours=1)


@functools.lru_cache(maxsize=64)
def _vtimezone_text(tzid: str, year: int) -> bytes:
    zone, vtz = ZoneInfo(tzid), Timezone()
    vtz.add("TZID", tzid)
    changes = list(_changes(zone, year))
    if not changes:
        mid = dt.datetime(year, 7, 1, tzinfo=zone)
        sub = TimezoneStandard()
        sub.add("DTSTART", dt.datetime(1970, 1, 1))
        sub.add("TZOFFSETFROM", mid.utcoffset())
        sub.add("TZOFFSETTO", mid.utcoffset())
        sub.add("TZNAME", mid.tzname())
        vtz.add_component(sub)
        return vtz.to_ical()
    for wall, before, after, name, is_dst in changes:
        nth = -1 if (wall + dt.timedelta(days=7)).month != wall.month else (wall.day - 1) // 7 + 1
        rule = vRecur(freq="YEARLY", bymonth=wall.month, byday=f"{nth}{_WEEKDAYS[wall.weekday()]}")
        seed = dt.datetime(1970, wall.month, 1, wall.hour, wall.minute)
        sub = TimezoneDaylight() if is_dst else TimezoneStandard()
        sub.add("DTSTART", rrulestr(rule.to_ical().decode(), dtstart=seed).after(seed, inc=True))
        sub.add("RRULE", rule)
        sub.add("TZOFFSETFROM", before)
        sub.add("TZOFFSETTO", after)
        sub.add("TZNAME", name)
        vtz.add_component(sub)
    return vtz.to_ical()


def vtimezone(tzid: str, year: int) -> Timezone:
    return Timezone.from_ical(_vtimezone_text(tzid, year))


# --- the calendar -------------------------------------------------------------------------------

def build_calendar(info: FeedInfo, series: Sequence[Series], *, year: int) -> bytes:
    """The feed's bytes. ``year`` picks the VTIMEZONE rules (the current year's)."""
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    events = [ev for s in series for ev in series_components(s)]
    description = (f"{info.empty_reason} {info.description}" if info.empty_reason and not events
                   else info.description)
    cal.add("X-WR-CALNAME", info.name)
    cal.add("NAME", info.name)
    cal.add("X-WR-CALDESC", description)
    cal.add("DESCRIPTION", description)
    cal.add("UID", info.uid)
    if info.timezone:
        cal.add("X-WR-TIMEZONE", info.timezone)
    cal.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    tzids = sorted({s.spec.timezone for s in series}
                   | {e.new_timezone for s in series for e in s.exceptions if e.new_timezone}
                   ) if events else []  # an empty feed uses no zone
    for tzid in tzids:
        cal.add_component(vtimezone(tzid, year))
    for ev in events:
        cal.add_component(ev)
    if not events:
        cal.add_component(empty_placeholder(info))
    return cal.to_ical()
