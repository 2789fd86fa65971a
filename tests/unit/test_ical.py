"""The feed builder, without the app: the bytes follow docs/calendar-feeds.md §0, and three independent
engines (recurring_ical_events, ical.js, libical) expand every kind of schedule to exactly the
meetings ``recurrence.meetings`` gives, over two years crossing both DST changes, in three zones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from functools import cache
from zoneinfo import ZoneInfo

import pytest

from groupfinder.feeds.ical import FeedInfo, Series, build_calendar
from groupfinder.schedules.recurrence import (
    Frequency,
    MeetingException,
    RecurrenceSpec,
    meetings,
    occurrences,
)
from tests.engines import ENGINE_NAMES, ENGINES, EngineError, Occurrence, describe_difference, engine
from tests.engines.reference import expected

UTC = dt.UTC
ZONES = ("Europe/London", "America/New_York", "Australia/Sydney")
WINDOW = (dt.datetime(2026, 11, 25, tzinfo=UTC), dt.datetime(2028, 11, 25, tzinfo=UTC))
YEAR = 2026
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
STAMP = dt.datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


# --- the schedules -------------------------------------------------------------------------------

def _spec(zone: str, kind: Frequency, start: tuple[int, int], first: dt.date, **kw) -> RecurrenceSpec:
    return RecurrenceSpec(kind=kind, start_time=dt.time(*start), duration_minutes=kw.pop("minutes", 90),
                          first_date=first, timezone=zone, **kw)


W, MW, MD, ONCE = Frequency.weekly, Frequency.monthly_weekday, Frequency.monthly_date, Frequency.once

# name -> (spec for a zone, whether cancellations and moves are applied)
SCHEDULES: dict[str, tuple[Callable[[str], RecurrenceSpec], bool]] = {
    "weekly_one_day": (lambda z: _spec(z, W, (19, 0), dt.date(2025, 9, 2), weekdays=(TUE,)), True),
    # Sunday mornings: meetings on the very days the clocks change.
    "weekly_sunday": (lambda z: _spec(z, W, (10, 0), dt.date(2025, 1, 5), weekdays=(SUN,)), True),
    "weekly_two_days": (lambda z: _spec(z, W, (18, 30), dt.date(2025, 1, 6), weekdays=(MON, THU),
                                        minutes=120), True),
    "every_other_week": (lambda z: _spec(z, W, (19, 0), dt.date(2025, 10, 9), interval=2,
                                         weekdays=(THU,)), True),
    # Two days every other week, anchored on the later day: the first week holds only Thursday.
    "every_other_week_two_days": (lambda z: _spec(z, W, (17, 0), dt.date(2026, 1, 8), interval=2,
                                                  weekdays=(MON, THU), minutes=60), True),
    # first_date is a Monday, the first meeting Wednesday the 7th; every third week from there.
    "every_3_weeks": (lambda z: _spec(z, W, (10, 0), dt.date(2026, 1, 5), interval=3,
                                      weekdays=(WED,)), True),
    "second_tuesday": (lambda z: _spec(z, MW, (19, 0), dt.date(2025, 2, 11), weekdays=(TUE,),
                                       positions=(2,)), True),
    "first_and_third_saturday": (lambda z: _spec(z, MW, (10, 30), dt.date(2025, 3, 1),
                                                 weekdays=(SAT,), positions=(1, 3), minutes=120), True),
    "last_friday": (lambda z: _spec(z, MW, (20, 0), dt.date(2025, 1, 31), weekdays=(FRI,),
                                    positions=(-1,), minutes=60), True),
    "every_other_month_second_tuesday": (lambda z: _spec(z, MW, (18, 0), dt.date(2026, 1, 13),
                                                         interval=2, weekdays=(TUE,), positions=(2,)),
                                         True),
    "monthly_15th": (lambda z: _spec(z, MD, (18, 0), dt.date(2025, 5, 15), month_day=15), True),
    "monthly_last_day": (lambda z: _spec(z, MD, (12, 0), dt.date(2025, 4, 30), month_day=-1), True),
    # validate() refuses 31, but demo data carries it; RFC 5545 skips months without a 31st.
    "monthly_31st": (lambda z: _spec(z, MD, (19, 30), dt.date(2025, 1, 31), month_day=31), True),
    "once": (lambda z: _spec(z, ONCE, (14, 0), dt.date(2027, 4, 10), minutes=120), False),
    "once_moved": (lambda z: _spec(z, ONCE, (11, 0), dt.date(2027, 3, 20)), False),
    "once_cancelled": (lambda z: _spec(z, ONCE, (11, 0), dt.date(2027, 5, 20)), False),
    # last_date on a meeting day (UNTIL is inclusive) and one on no meeting day.
    "with_last_date": (lambda z: _spec(z, W, (19, 0), dt.date(2026, 6, 3), weekdays=(WED,),
                                       last_date=dt.date(2027, 9, 29)), True),
    "monthly_with_last_date": (lambda z: _spec(z, MW, (19, 0), dt.date(2026, 1, 13), weekdays=(TUE,),
                                               positions=(2,), last_date=dt.date(2028, 7, 31)), True),
    "paused": (lambda z: _spec(z, W, (11, 0), dt.date(2025, 6, 6), weekdays=(FRI,),
                               paused_until=dt.date(2027, 2, 1)), True),
    "paused_monthly": (lambda z: _spec(z, MW, (19, 0), dt.date(2025, 6, 10), weekdays=(TUE,),
                                       positions=(2,), paused_until=dt.date(2027, 6, 1)), True),
    # Edge cases, with the exceptions of EDGE_EXCEPTIONS below.
    "every_other_week_sunday_and_monday": (lambda z: _spec(z, W, (19, 0), dt.date(2026, 1, 4), interval=2,
                                                           weekdays=(MON, SUN)), False),  # WKST matters
    "every_3_weeks_weekend_and_monday": (lambda z: _spec(z, W, (19, 0), dt.date(2026, 1, 3), interval=3,
                                                         weekdays=(MON, SAT, SUN)), False),
    "every_12_weeks": (lambda z: _spec(z, W, (19, 0), dt.date(2025, 1, 1), interval=12,
                                       weekdays=(WED,)), False),
    "fourth_and_last_thursday": (lambda z: _spec(z, MW, (19, 0), dt.date(2026, 1, 1), weekdays=(THU,),
                                                 positions=(4, -1)), False),
    "second_and_fourth_tue_thu": (lambda z: _spec(z, MW, (19, 0), dt.date(2026, 1, 1),
                                                  weekdays=(TUE, THU), positions=(2, 4)), False),
    "every_other_month_last_day": (lambda z: _spec(z, MD, (19, 0), dt.date(2026, 1, 31), interval=2,
                                                   month_day=-1), False),
    "starts_in_the_window": (lambda z: _spec(z, W, (19, 0), dt.date(2027, 5, 5), weekdays=(WED,)), False),
    "move_into_the_pause": (lambda z: _spec(z, W, (19, 0), dt.date(2026, 1, 6), weekdays=(TUE,),
                                            paused_until=dt.date(2027, 2, 1)), False),
    "cancelled_and_moved_meeting": (lambda z: _spec(z, W, (19, 0), dt.date(2026, 1, 6),
                                                    weekdays=(TUE,)), False),
    "last_meeting_moved_past_last_date": (lambda z: _spec(z, W, (19, 0), dt.date(2026, 1, 6), weekdays=(TUE,),
                                                          last_date=dt.date(2027, 6, 29)), False),
    "moved_onto_the_next_meeting_day": (lambda z: _spec(z, W, (19, 0), dt.date(2026, 1, 6),
                                                        weekdays=(TUE,)), False),
    "exceptions_on_no_meeting": (lambda z: _spec(z, W, (19, 0), dt.date(2026, 1, 6), weekdays=(TUE,)),
                                 False),
}

_D = dt.datetime
EDGE_EXCEPTIONS: dict[str, tuple[MeetingException, ...]] = {
    # a meeting after the pause moved into it still happens
    "move_into_the_pause": (MeetingException(_D(2027, 2, 2, 19), "moved", new_start=_D(2027, 1, 20, 19)),),
    # a cancellation wins over a move of the same meeting, in either order
    "cancelled_and_moved_meeting": (
        MeetingException(_D(2027, 2, 2, 19), "moved", new_start=_D(2027, 2, 3, 19)),
        MeetingException(_D(2027, 2, 2, 19), "cancelled"),
        MeetingException(_D(2027, 3, 2, 19), "cancelled"),
        MeetingException(_D(2027, 3, 2, 19), "moved", new_start=_D(2027, 3, 3, 19))),
    "last_meeting_moved_past_last_date": (
        MeetingException(_D(2027, 6, 29, 19), "moved", new_start=_D(2027, 7, 8, 19)),),
    "moved_onto_the_next_meeting_day": (
        MeetingException(_D(2027, 2, 2, 19), "moved", new_start=_D(2027, 2, 9, 19)),),
    # exceptions whose original is no meeting are ignored
    "exceptions_on_no_meeting": (
        MeetingException(_D(2027, 2, 3, 19), "cancelled"),
        MeetingException(_D(2027, 2, 2, 18), "cancelled"),
        MeetingException(_D(2027, 2, 4, 19), "moved", new_start=_D(2027, 2, 5, 19))),
}


@cache
def dst_changes(zone: str) -> list[dt.datetime]:
    """The UTC instants the zone's offset changes within the window."""
    tz, out = ZoneInfo(zone), []
    t = WINDOW[0]
    while t < WINDOW[1]:
        if t.astimezone(tz).utcoffset() != (t + dt.timedelta(hours=1)).astimezone(tz).utcoffset():
            out.append(t + dt.timedelta(hours=1))
        t += dt.timedelta(hours=1)
    return out


@cache
def exceptions_for(name: str, spec: RecurrenceSpec) -> tuple[MeetingException, ...]:
    """Two cancellations (one just after a DST change) and two moves (to the next day, and across
    the first DST change to another day and time), all on real upcoming meetings."""
    if name == "once_moved":
        start = dt.datetime.combine(spec.first_date, spec.start_time)
        return (MeetingException(start, "moved", note="Moved three weeks on",
                                 new_start=start + dt.timedelta(days=20, hours=2)),)
    if name == "once_cancelled":
        return (MeetingException(dt.datetime.combine(spec.first_date, spec.start_time), "cancelled"),)
    if not SCHEDULES[name][1]:
        return EDGE_EXCEPTIONS.get(name, ())
    zone = ZoneInfo(spec.timezone)
    occs = occurrences(spec, *WINDOW)
    changes = dst_changes(spec.timezone)
    chosen: dict[dt.datetime, MeetingException] = {}

    def add(exc: MeetingException) -> None:
        chosen.setdefault(exc.original_start, exc)

    def at(o: dt.datetime) -> dt.datetime:
        return o.replace(tzinfo=zone)

    # The last meeting before the first DST change it precedes, moved two days past the change.
    k = next(i for i, c in enumerate(changes) if occs and at(occs[0]) < c)
    original = [o for o in occs if at(o) < changes[k]][-1]
    new_day = changes[k].astimezone(zone).date() + dt.timedelta(days=2)
    add(MeetingException(original, "moved", note="Moved across the clock change",
                         new_start=dt.datetime.combine(new_day, dt.time(18, 30)),
                         new_duration_minutes=75))
    add(MeetingException(next(o for o in occs[2:] if o not in chosen), "cancelled",
                         note="Venue closed"))
    # The first meeting after the next change (or this one): an EXDATE in the other offset.
    later = [o for o in occs if at(o) >= changes[min(k + 1, len(changes) - 1)] and o not in chosen]
    later = later or [o for o in occs if at(o) >= changes[k] and o not in chosen]
    add(MeetingException(later[0], "cancelled", note="Holiday"))
    nxt = next(o for o in occs[4:] if o not in chosen)
    add(MeetingException(nxt, "moved", note="Moved to the next day",
                         new_start=nxt + dt.timedelta(days=1)))
    return tuple(chosen.values())


def series_for(zone: str, name: str, index: int = 0) -> Series:
    spec = SCHEDULES[name][0](zone)
    return Series(
        uid=f"schedule-{1000 + index}@groupfinder.test",
        summary=f"Peer support – {name.replace('_', ' ')} (Café Ünïcode, São Paulo & Kraków edition)",
        description=("Every meeting is free; bring nothing, say as much or as little as you like.\n"
                     "Große Räume, café au lait, naïve questions welcome; «ça va» — 日本語も大丈夫. "
                     * 2).strip(),
        location="St Mary's Church Hall, 14 Albion Street, Leeds, LS1 4AB",
        geo=(53.79648, -1.54785),
        url=f"https://groupfinder.test/groups/{index}/peer-support",
        spec=spec,
        exceptions=exceptions_for(name, spec),
        sequence=len(exceptions_for(name, spec)),
        stamp=STAMP,
        pause_from=WINDOW[0] if spec.paused_until else None,
    )


# One feed per (zone, schedule), one with every schedule of a zone, and a London feed whose
# meeting moves to a venue in New York (its VTIMEZONE must come along).
FEEDS: dict[str, tuple[FeedInfo, list[Series]]] = {}
for _zone in ZONES:
    _short = _zone.split("/")[1]
    for _i, _name in enumerate(SCHEDULES):
        FEEDS[f"{_short}-{_name}"] = (
            FeedInfo(name=f"{_name} ({_zone})", description="Meetings, from groupfinder.",
                     uid=f"feed-{_short}-{_name}@groupfinder.test", timezone=_zone),
            [series_for(_zone, _name, _i)])
    FEEDS[f"{_short}-all"] = (
        FeedInfo(name=f"Everything in {_zone}", description="All schedules.",
                 uid=f"feed-{_short}-all@groupfinder.test", timezone=_zone),
        [series_for(_zone, n, i) for i, n in enumerate(SCHEDULES)])
_base = series_for("Europe/London", "weekly_one_day", 99)
_far = occurrences(_base.spec, *WINDOW)[6]
FEEDS["London-moved_to_new_york"] = (
    FeedInfo(name="Moved abroad", description="A meeting moved to another zone.",
             uid="feed-moved-abroad@groupfinder.test", timezone=None),
    [dataclasses.replace(_base, exceptions=(
        MeetingException(_far, "moved", note="Joint meeting in New York",
                         new_start=_far + dt.timedelta(days=1, hours=-5),
                         new_timezone="America/New_York", new_location="Hudson Hall"),),
        sequence=1)])


@cache
def feed_bytes(key: str) -> bytes:
    info, series = FEEDS[key]
    return build_calendar(info, series, year=YEAR)


@cache
def expansions(engine_name: str) -> dict[str, list[Occurrence]]:
    """Every feed expanded by one engine, in a single engine process."""
    keys = list(FEEDS)
    results = ENGINES[engine_name].expand_many([feed_bytes(k) for k in keys], *WINDOW)
    return dict(zip(keys, results, strict=True))


def test_the_cases_cover_what_they_claim():
    for zone in ZONES:
        changes = dst_changes(zone)
        assert len(changes) == 4, zone  # two springs and two autumns in two years
        for name, (make, with_exceptions) in SCHEDULES.items():
            spec = make(zone)
            exc = exceptions_for(name, spec)
            if with_exceptions:
                kinds = sorted(e.status for e in exc)
                assert kinds == ["cancelled", "cancelled", "moved", "moved"], (zone, name, exc)
                across = [e for e in exc if e.note == "Moved across the clock change"][0]
                offset = ZoneInfo(zone).utcoffset
                assert across.new_start is not None
                assert offset(across.original_start) != offset(across.new_start), (zone, name)
                assert across.new_start.date() != across.original_start.date()
            expected_count = len(expected([series_for(zone, name)], *WINDOW))
            assert expected_count >= (0 if name == "once_cancelled" else 1), (zone, name)


@pytest.mark.parametrize("key", list(FEEDS))
@pytest.mark.parametrize("engine_name", ENGINE_NAMES)
def test_engine_expands_like_recurrence(engine_name: str, key: str):
    engine(engine_name)
    got = expansions(engine_name)[key]
    want = expected(FEEDS[key][1], *WINDOW)
    assert got == want, f"{engine_name} on {key}:\n{describe_difference(got, want)}"


# --- the harness catches what it is meant to catch ------------------------------------------------

def _london_feed() -> tuple[bytes, list[Occurrence]]:
    s = series_for("Europe/London", "weekly_one_day")
    s = dataclasses.replace(s, exceptions=(), sequence=0)
    body = build_calendar(FEEDS["London-weekly_one_day"][0], [s], year=YEAR)
    return body, expected([s], *WINDOW)


@pytest.mark.parametrize("engine_name", ["ical.js", "libical"])
def test_body_reading_engines_use_the_vtimezone_body(engine_name: str):
    """A VTIMEZONE whose DST starts a month late shifts April meetings by an hour in the engines
    that read bodies, as in Outlook: proof they do not fall back to a built-in London."""
    eng = engine(engine_name)
    body, want = _london_feed()
    wrong = body.replace(b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=4")
    assert wrong != body
    got = eng.expand(wrong, *WINDOW)
    shifted = [o for o in want if o.start.month == 4 and o.start.day < 25]
    assert shifted and len(got) == len(want)
    assert set(want) - set(got) >= set(shifted)


@pytest.mark.parametrize("engine_name", ["ical.js", "libical"])
def test_body_reading_engines_refuse_a_tzid_without_vtimezone(engine_name: str):
    eng = engine(engine_name)
    body, _ = _london_feed()
    stripped = re.sub(rb"BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n", b"", body, flags=re.S)
    assert b"VTIMEZONE" not in stripped
    with pytest.raises(EngineError):
        eng.expand(stripped, *WINDOW)


@pytest.mark.parametrize("engine_name", ENGINE_NAMES)
def test_an_exdate_off_by_the_dst_hour_is_noticed(engine_name: str):
    """EXDATE in UTC computed without DST (docs/calendar-feeds.md §1.5): libical and ical.js keep the
    meeting (RFC exact-instant match); recurring_ical_events is lenient and drops it."""
    eng = engine(engine_name)
    body, want = _london_feed()
    summer = next(o for o in want if o.start.month == 7)
    wrong_utc = (summer.start + dt.timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ").encode()
    broken = body.replace(b"RRULE:FREQ=WEEKLY;BYDAY=TU\r\n",
                          b"RRULE:FREQ=WEEKLY;BYDAY=TU\r\nEXDATE:" + wrong_utc + b"\r\n")
    assert broken != body
    got = eng.expand(broken, *WINDOW)
    if engine_name == "recurring_ical_events":
        assert summer not in got and len(got) == len(want) - 1
    else:
        assert got == want


# --- the bytes: docs/calendar-feeds.md §0 rules 3-15 ---------------------------------------------------

@dataclasses.dataclass
class Line:
    name: str
    params: dict[str, str]
    value: str


def unfold(body: bytes) -> list[str]:
    return body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


_PARAM = re.compile(r';([A-Za-z0-9-]+)=("[^"]*"|[^;:,]*(?:,[^;:,]*)*)')


def parse_line(text: str) -> Line:
    match = re.match(r"([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:\"[^\"]*\"|[^;:]*))*):(.*)$", text)
    assert match, f"not a content line: {text!r}"
    params = {k.upper(): v.strip('"') for k, v in _PARAM.findall(match.group(2))}
    return Line(match.group(1).upper(), params, match.group(3))


def components(lines: list[Line]) -> list[tuple[list[str], list[Line]]]:
    """(path, own lines) of every component, e.g. (["VCALENDAR", "VEVENT"], [...])."""
    out, stack = [], []
    for line in lines:
        if line.name == "BEGIN":
            stack.append((line.value.upper(), []))
        elif line.name == "END":
            name, own = stack.pop()
            assert name == line.value.upper()
            out.append(([s[0] for s in stack] + [name], own))
        else:
            stack[-1][1].append(line)
    assert not stack
    return out


def parsed(key: str) -> list[tuple[list[str], list[Line]]]:
    return components([parse_line(t) for t in unfold(feed_bytes(key))])


FEED_KEYS = list(FEEDS)


@pytest.mark.parametrize("key", FEED_KEYS)
def test_wire_format(key: str):
    body = feed_bytes(key)
    assert not body.startswith(b"\xef\xbb\xbf")
    assert body.endswith(b"END:VCALENDAR\r\n")
    assert body.count(b"\n") == body.count(b"\r\n"), "bare LF"
    assert body.count(b"\r") == body.count(b"\r\n"), "bare CR"
    for physical in body.split(b"\r\n")[:-1]:
        assert len(physical) <= 75, physical
        physical.decode("utf-8")  # a fold never splits a multi-byte character
    assert body == build_calendar(*FEEDS[key], year=YEAR), "two builds differ"


@pytest.mark.parametrize("key", FEED_KEYS)
def test_calendar_properties(key: str):
    comps = parsed(key)
    cal = {ln.name: ln for path, own in comps if path == ["VCALENDAR"] for ln in own}
    info = FEEDS[key][0]
    assert cal["VERSION"].value == "2.0"
    assert cal["PRODID"].value
    assert cal["METHOD"].value == "PUBLISH"
    assert cal["X-WR-CALNAME"].value == info.name
    assert cal["X-WR-CALDESC"].value == info.description
    if info.timezone:
        assert cal["X-WR-TIMEZONE"].value == info.timezone
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in unfold(feed_bytes(key))
    assert "X-PUBLISHED-TTL:PT6H" in unfold(feed_bytes(key))
    for _, own in comps:
        assert not {ln.name for ln in own} & {"ORGANIZER", "ATTENDEE"}


@pytest.mark.parametrize("key", FEED_KEYS)
def test_every_tzid_has_an_outlook_shaped_vtimezone(key: str):
    comps = parsed(key)
    used = {ln.params["TZID"] for _, own in comps for ln in own if "TZID" in ln.params}
    zones = [own for path, own in comps if path == ["VCALENDAR", "VTIMEZONE"]]
    tzids = [ln.value for own in zones for ln in own if ln.name == "TZID"]
    assert len(tzids) == len(set(tzids)), "one VTIMEZONE per TZID"
    assert used <= set(tzids), "every TZID used has its VTIMEZONE"
    for tzid in tzids:
        ZoneInfo(tzid)  # an IANA name
        standard = [own for path, own in comps if path == ["VCALENDAR", "VTIMEZONE", "STANDARD"]
                    and _owner_tzid(comps, own) == tzid]
        daylight = [own for path, own in comps if path == ["VCALENDAR", "VTIMEZONE", "DAYLIGHT"]
                    and _owner_tzid(comps, own) == tzid]
        assert len(standard) == 1 and len(daylight) <= 1, tzid
        for own in standard + daylight:
            names = [ln.name for ln in own]
            assert names.count("RRULE") == 1 and "RDATE" not in names, tzid
            rule = next(ln.value for ln in own if ln.name == "RRULE")
            assert re.fullmatch(r"FREQ=YEARLY;BYDAY=(-1|[1-4])(MO|TU|WE|TH|FR|SA|SU);BYMONTH=\d+", rule), rule


def _owner_tzid(comps, sub_own) -> str:
    """The TZID of the VTIMEZONE that closes right after ``sub_own`` (components close in order)."""
    seen = False
    for path, own in comps:
        if own is sub_own:
            seen = True
        elif seen and path == ["VCALENDAR", "VTIMEZONE"]:
            return next(ln.value for ln in own if ln.name == "TZID")
    raise AssertionError("observance outside a VTIMEZONE")


TIMED = ("DTSTART", "DTEND", "EXDATE", "RDATE", "RECURRENCE-ID")


@pytest.mark.parametrize("key", FEED_KEYS)
def test_events_follow_the_rules(key: str):
    events = [own for path, own in parsed(key) if path == ["VCALENDAR", "VEVENT"]]
    series = FEEDS[key][1]
    assert events or all(s.spec.kind == Frequency.once for s in series)
    masters = {}
    for own in events:
        props = {ln.name: ln for ln in own}
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY"):
            assert name in props, name
        assert re.fullmatch(r"[A-Za-z0-9.-]+@[A-Za-z0-9.-]+", props["UID"].value)
        assert re.fullmatch(r"\d{8}T\d{6}Z", props["DTSTAMP"].value), "DTSTAMP in UTC"
        for ln in own:
            if ln.name in TIMED:  # every timed value in its meeting's zone, never floating or UTC
                assert "TZID" in ln.params and not ln.value.endswith("Z"), (ln.name, ln.value)
        zone = props["DTSTART"].params["TZID"]
        assert props["DTEND"].params["TZID"] == zone
        for ln in own:
            if ln.name == "EXDATE":
                assert ln.params["TZID"] == zone, "EXDATE carries the master's TZID"
            if ln.name == "RRULE":
                until = re.search(r"UNTIL=([^;]+)", ln.value)
                assert until is None or re.fullmatch(r"\d{8}T\d{6}Z", until.group(1)), ln.value
        rrules = [ln for ln in own if ln.name == "RRULE"]
        assert len(rrules) <= 1
        if "RECURRENCE-ID" not in props:
            assert props["UID"].value not in masters, "one master per UID"
            masters[props["UID"].value] = own
    for own in events:
        props = {ln.name: ln for ln in own}
        if "RECURRENCE-ID" in props:
            master = {ln.name: ln for ln in masters[props["UID"].value]}
            assert props["RECURRENCE-ID"].params["TZID"] == master["DTSTART"].params["TZID"]
            assert props["SEQUENCE"].value == master["SEQUENCE"].value


@pytest.mark.parametrize("key", FEED_KEYS)
def test_cancellations_are_exdates_not_cancelled_overrides(key: str):
    """Each cancelled meeting is an EXDATE at its own wall time, in the master's TZID."""
    text = unfold(feed_bytes(key))
    assert "STATUS:CANCELLED" not in text
    exdates: dict[str, set[str]] = {}
    for own in (own for path, own in parsed(key) if path == ["VCALENDAR", "VEVENT"]):
        uid = next(ln.value for ln in own if ln.name == "UID")
        for ln in own:
            if ln.name == "EXDATE":
                exdates.setdefault(uid, set()).update(
                    f"{ln.params['TZID']}:{v}" for v in ln.value.split(","))
    for s in FEEDS[key][1]:
        if s.spec.kind == Frequency.once:
            continue
        span = (dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2029, 1, 1, tzinfo=UTC))
        for m in meetings(s.spec, *span, s.exceptions):
            if m.status == "cancelled":
                assert f"{s.spec.timezone}:{m.original_start:%Y%m%dT%H%M%S}" in exdates.get(s.uid, set())
