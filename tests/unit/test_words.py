"""Schedules in plain English: one wording for pages, the API and feeds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groupfinder.schedules.recurrence import Frequency, RecurrenceSpec
from groupfinder.schedules.words import (
    describe,
    describe_pause,
    format_date,
    format_time,
    format_time_range,
    ordinal,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def spec(kind: Frequency = Frequency.weekly, start=(19, 0), minutes=90, **kw) -> RecurrenceSpec:
    return RecurrenceSpec(kind=kind, start_time=dt.time(*start), duration_minutes=minutes,
                          first_date=kw.pop("first_date", dt.date(2026, 1, 1)),
                          timezone="Europe/London", **kw)


@pytest.mark.parametrize(
    ("s", "text"),
    [
        (spec(weekdays=(TUE,)), "Every Tuesday, 7:00–8:30 pm"),
        (spec(weekdays=(THU, MON), start=(18, 30)), "Every Monday and Thursday, 6:30–8:00 pm"),
        (spec(weekdays=(FRI, MON, WED)), "Every Monday, Wednesday and Friday, 7:00–8:30 pm"),
        (spec(weekdays=(THU,), interval=2, minutes=120), "Every other Thursday, 7:00–9:00 pm"),
        (spec(weekdays=(MON, THU), interval=2), "Every other week on Monday and Thursday, 7:00–8:30 pm"),
        (spec(weekdays=(WED,), interval=3), "Every 3 weeks on Wednesday, 7:00–8:30 pm"),
        (spec(Frequency.monthly_weekday, weekdays=(TUE,), positions=(2,)),
         "2nd Tuesday of the month, 7:00–8:30 pm"),
        (spec(Frequency.monthly_weekday, weekdays=(SAT,), positions=(3, 1), start=(10, 0), minutes=120),
         "1st and 3rd Saturday of the month, 10:00 am–12:00 pm"),
        (spec(Frequency.monthly_weekday, weekdays=(FRI,), positions=(-1,)),
         "Last Friday of the month, 7:00–8:30 pm"),
        (spec(Frequency.monthly_weekday, weekdays=(MON,), positions=(-1, 1)),
         "1st and last Monday of the month, 7:00–8:30 pm"),
        (spec(Frequency.monthly_weekday, weekdays=(THU, TUE), positions=(2,)),
         "2nd Tuesday and Thursday of the month, 7:00–8:30 pm"),
        (spec(Frequency.monthly_weekday, weekdays=(TUE,), positions=(2,), interval=2),
         "Every other month on the 2nd Tuesday, 7:00–8:30 pm"),
        (spec(Frequency.monthly_weekday, weekdays=(FRI,), positions=(-1,), interval=3),
         "Every 3 months on the last Friday, 7:00–8:30 pm"),
        (spec(Frequency.monthly_date, month_day=15), "Monthly on the 15th, 7:00–8:30 pm"),
        (spec(Frequency.monthly_date, month_day=-1), "Monthly on the last day, 7:00–8:30 pm"),
        (spec(Frequency.monthly_date, month_day=1, interval=2), "Every other month on the 1st, 7:00–8:30 pm"),
        (spec(Frequency.monthly_date, month_day=22, interval=6), "Every 6 months on the 22nd, 7:00–8:30 pm"),
        (spec(Frequency.once, first_date=dt.date(2026, 12, 5), start=(14, 0), minutes=120),
         "Once, Saturday 5 December 2026, 2:00–4:00 pm"),
    ],
)
def test_describe_reads_each_kind_of_schedule_in_plain_english(s, text):
    assert describe(s) == text


def test_describe_with_the_24_hour_clock():
    assert describe(spec(weekdays=(TUE,)), clock="24h") == "Every Tuesday, 19:00–20:30"
    assert describe(spec(weekdays=(TUE,), start=(9, 5), minutes=25), clock="24h") == "Every Tuesday, 09:05–09:30"


def test_describe_writes_am_pm_once_when_shared_and_twice_when_not():
    assert describe(spec(weekdays=(MON,), start=(11, 30), minutes=90)) == "Every Monday, 11:30 am–1:00 pm"
    assert describe(spec(weekdays=(MON,), start=(9, 0), minutes=60)) == "Every Monday, 9:00–10:00 am"


def test_describe_across_midnight():
    assert describe(spec(weekdays=(SAT,), start=(23, 0), minutes=120)) == "Every Saturday, 11:00 pm–1:00 am"
    assert describe(spec(weekdays=(SAT,), start=(23, 0), minutes=120), clock="24h") == "Every Saturday, 23:00–01:00"


def test_describe_adds_the_last_date():
    s = spec(weekdays=(TUE,), last_date=dt.date(2026, 6, 30))
    assert describe(s) == "Every Tuesday, 7:00–8:30 pm, until Tuesday 30 June 2026"


def test_describe_uses_an_en_dash_between_times():
    assert "–" in describe(spec(weekdays=(TUE,)))
    assert "-" not in describe(spec(weekdays=(TUE,)))


@pytest.mark.parametrize(
    ("t", "twelve", "twenty_four"),
    [
        (dt.time(0, 0), "12:00 am", "00:00"),
        (dt.time(0, 30), "12:30 am", "00:30"),
        (dt.time(9, 5), "9:05 am", "09:05"),
        (dt.time(12, 0), "12:00 pm", "12:00"),
        (dt.time(12, 45), "12:45 pm", "12:45"),
        (dt.time(19, 0), "7:00 pm", "19:00"),
        (dt.time(23, 59), "11:59 pm", "23:59"),
    ],
)
def test_format_time_on_both_clocks(t, twelve, twenty_four):
    assert format_time(t) == twelve
    assert format_time(t, "12h") == twelve
    assert format_time(t, "24h") == twenty_four


def test_format_time_range_at_midday_and_midnight():
    assert format_time_range(dt.time(10), dt.time(12)) == "10:00 am–12:00 pm"
    assert format_time_range(dt.time(12), dt.time(13, 30)) == "12:00–1:30 pm"
    assert format_time_range(dt.time(22), dt.time(0)) == "10:00 pm–12:00 am"


def test_format_date_is_english_with_the_weekday():
    assert format_date(dt.date(2026, 12, 5)) == "Saturday 5 December 2026"
    assert format_date(dt.date(2026, 1, 12), year=False) == "Monday 12 January"


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (23, "23rd"), (28, "28th"), (31, "31st")],
)
def test_ordinal_suffixes(n, text):
    assert ordinal(n) == text


def test_describe_pause_while_paused():
    s = spec(weekdays=(MON,), paused_until=dt.date(2026, 1, 12))
    assert describe_pause(s, dt.date(2025, 12, 20)) == "Not meeting until Monday 12 January"


def test_describe_pause_is_none_when_not_paused_or_the_pause_is_over():
    s = spec(weekdays=(MON,), paused_until=dt.date(2026, 1, 12))
    assert describe_pause(s, dt.date(2026, 1, 12)) is None
    assert describe_pause(s, dt.date(2026, 2, 1)) is None
    assert describe_pause(spec(weekdays=(MON,)), dt.date(2026, 1, 1)) is None


def test_describe_pause_gives_the_year_for_a_long_pause():
    s = spec(weekdays=(MON,), paused_until=dt.date(2027, 1, 11))
    assert describe_pause(s, dt.date(2026, 2, 1)) == "Not meeting until Monday 11 January 2027"


@st.composite
def any_spec(draw) -> RecurrenceSpec:
    kind = draw(st.sampled_from(list(Frequency)))
    kw: dict = {}
    if kind is not Frequency.once:
        kw["interval"] = draw(st.integers(1, 12))
    if kind in (Frequency.weekly, Frequency.monthly_weekday):
        kw["weekdays"] = tuple(draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)))
    if kind is Frequency.monthly_weekday:
        kw["positions"] = tuple(draw(st.sets(st.sampled_from([1, 2, 3, 4, -1]), min_size=1)))
    if kind is Frequency.monthly_date:
        kw["month_day"] = draw(st.sampled_from([*range(1, 29), -1]))
    return spec(kind, start=(draw(st.integers(0, 23)), draw(st.integers(0, 59))),
                minutes=draw(st.integers(1, 1440)), **kw)


@settings(max_examples=200, deadline=None)
@given(any_spec(), st.sampled_from(["12h", "24h"]))
def test_describe_always_gives_one_tidy_line_with_one_time_range(s, clock):
    text = describe(s, clock=clock)
    assert text == text.strip() and "\n" not in text and "  " not in text
    assert text[0].isupper() or text[0].isdigit()
    assert text.count("–") == 1
    assert "None" not in text and not re.search(r"\b0th", text) and "-1" not in text


def test_describe_current_adds_the_pause_only_while_it_lasts():
    from groupfinder.schedules.words import describe_current

    paused = RecurrenceSpec(kind=Frequency.weekly, start_time=dt.time(19), duration_minutes=90,
                            first_date=dt.date(2026, 1, 6), timezone="Europe/London",
                            weekdays=(1,), paused_until=dt.date(2027, 1, 12))
    during = describe_current(paused, dt.date(2026, 12, 1))
    assert during.startswith("Every Tuesday, 7:00–8:30 pm (not meeting until ")
    assert "12 January" in during
    assert describe_current(paused, dt.date(2027, 1, 12)) == "Every Tuesday, 7:00–8:30 pm"
