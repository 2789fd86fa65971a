"""Recurrence expansion: every kind, DST in three zones, exceptions, pause, RRULE round trip."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du_rrule
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import vRecur

from groupfinder.schedules.recurrence import (
    Frequency,
    Meeting,
    MeetingException,
    RecurrenceSpec,
    ical_dtstart,
    ical_rrule,
    meetings,
    next_meetings,
    occurrences,
    paused_occurrences,
    to_rrule,
    validate,
)

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def spec(kind: Frequency = Frequency.weekly, **kw) -> RecurrenceSpec:
    defaults = dict(
        start_time=dt.time(19, 0),
        duration_minutes=90,
        first_date=dt.date(2026, 1, 1),
        timezone="Europe/London",
    )
    if kind is Frequency.weekly:
        defaults["weekdays"] = (TUE,)
    defaults.update(kw)
    return RecurrenceSpec(kind=kind, **defaults)


def at(zone: ZoneInfo, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


def year_2026(s: RecurrenceSpec, zone: ZoneInfo = LONDON) -> list[dt.datetime]:
    return occurrences(s, at(zone, 2026, 1, 1), at(zone, 2027, 1, 1))


def local(naive_list: list[dt.datetime]) -> list[tuple[int, int, int]]:
    return [(d.year, d.month, d.day) for d in naive_list]


# --------------------------------------------------------------------------- weekly


def test_weekly_meets_every_tuesday_at_the_same_local_time():
    got = occurrences(spec(), at(LONDON, 2026, 1, 1), at(LONDON, 2026, 2, 1))
    assert got == [dt.datetime(2026, 1, d, 19, 0) for d in (6, 13, 20, 27)]


def test_weekly_first_date_need_not_be_a_meeting_day():
    s = spec(first_date=dt.date(2026, 1, 8))  # a Thursday
    assert validate(s) == {}
    assert ical_dtstart(s) == dt.datetime(2026, 1, 13, 19, 0)
    assert year_2026(s)[0] == dt.datetime(2026, 1, 13, 19, 0)


def test_weekly_on_several_days_meets_on_each():
    s = spec(weekdays=(THU, MON))
    got = occurrences(s, at(LONDON, 2026, 1, 1), at(LONDON, 2026, 1, 16))
    assert local(got) == [(2026, 1, 1), (2026, 1, 5), (2026, 1, 8), (2026, 1, 12), (2026, 1, 15)]


def test_every_other_week_counts_from_the_first_real_meeting():
    # first_date is Tuesday 6 January; the first Monday meeting is 12 January, then every 2 weeks.
    s = spec(interval=2, weekdays=(MON,), first_date=dt.date(2026, 1, 6))
    got = occurrences(s, at(LONDON, 2026, 1, 1), at(LONDON, 2026, 3, 1))
    assert local(got) == [(2026, 1, 12), (2026, 1, 26), (2026, 2, 9), (2026, 2, 23)]


def test_every_other_week_on_two_days_keeps_both_days_in_the_same_week():
    s = spec(interval=2, weekdays=(MON, THU), first_date=dt.date(2026, 1, 7))  # Wednesday
    got = occurrences(s, at(LONDON, 2026, 1, 1), at(LONDON, 2026, 2, 7))
    assert local(got) == [(2026, 1, 8), (2026, 1, 19), (2026, 1, 22), (2026, 2, 2), (2026, 2, 5)]


def test_every_three_weeks():
    s = spec(interval=3, weekdays=(WED,), first_date=dt.date(2026, 1, 7))
    got = occurrences(s, at(LONDON, 2026, 1, 1), at(LONDON, 2026, 3, 1))
    assert local(got) == [(2026, 1, 7), (2026, 1, 28), (2026, 2, 18)]


def test_last_date_is_inclusive():
    s = spec(last_date=dt.date(2026, 1, 20))
    assert local(year_2026(s)) == [(2026, 1, 6), (2026, 1, 13), (2026, 1, 20)]


def test_last_date_on_a_non_meeting_day_ends_with_the_meeting_before_it():
    s = spec(last_date=dt.date(2026, 1, 22))
    assert local(year_2026(s))[-1] == (2026, 1, 20)


# --------------------------------------------------------------------------- monthly


def test_second_tuesday_of_the_month():
    s = spec(Frequency.monthly_weekday, weekdays=(TUE,), positions=(2,))
    assert local(year_2026(s))[:4] == [(2026, 1, 13), (2026, 2, 10), (2026, 3, 10), (2026, 4, 14)]


def test_first_and_third_saturday_of_the_month():
    s = spec(Frequency.monthly_weekday, weekdays=(SAT,), positions=(3, 1), start_time=dt.time(10))
    got = occurrences(s, at(LONDON, 2026, 1, 1), at(LONDON, 2026, 3, 1))
    assert local(got) == [(2026, 1, 3), (2026, 1, 17), (2026, 2, 7), (2026, 2, 21)]


def test_last_friday_of_the_month():
    s = spec(Frequency.monthly_weekday, weekdays=(FRI,), positions=(-1,))
    assert local(year_2026(s))[:3] == [(2026, 1, 30), (2026, 2, 27), (2026, 3, 27)]


def test_fourth_weekday_meets_every_month():
    s = spec(Frequency.monthly_weekday, weekdays=(SUN,), positions=(4,))
    assert len(year_2026(s)) == 12


def test_every_other_month_on_the_second_tuesday_counts_from_the_first_real_meeting():
    # 2nd Tuesday of January 2026 is the 13th, before first_date: the series starts in February.
    s = spec(Frequency.monthly_weekday, weekdays=(TUE,), positions=(2,), interval=2,
             first_date=dt.date(2026, 1, 20))
    assert ical_dtstart(s) == dt.datetime(2026, 2, 10, 19, 0)
    assert [d.month for d in year_2026(s)] == [2, 4, 6, 8, 10, 12]


def test_monthly_on_the_fifteenth():
    s = spec(Frequency.monthly_date, month_day=15)
    assert local(year_2026(s)) == [(2026, m, 15) for m in range(1, 13)]


def test_monthly_on_the_last_day_follows_month_length_and_leap_years():
    s = spec(Frequency.monthly_date, month_day=-1, first_date=dt.date(2027, 12, 1))
    got = occurrences(s, at(LONDON, 2027, 12, 1), at(LONDON, 2028, 4, 1))
    assert local(got) == [(2027, 12, 31), (2028, 1, 31), (2028, 2, 29), (2028, 3, 31)]


def test_every_three_months_on_a_date():
    s = spec(Frequency.monthly_date, month_day=1, interval=3, first_date=dt.date(2026, 2, 1))
    assert [d.month for d in year_2026(s)] == [2, 5, 8, 11]


def test_validate_refuses_the_31st_and_suggests_the_last_day():
    for day in (29, 30, 31):
        errors = validate(spec(Frequency.monthly_date, month_day=day))
        assert "last day of the month" in errors["month_day"][0]
    assert validate(spec(Frequency.monthly_date, month_day=28)) == {}
    assert validate(spec(Frequency.monthly_date, month_day=-1)) == {}


def test_the_31st_skips_short_months_as_rfc_5545_says_if_it_arrives_anyway():
    s = spec(Frequency.monthly_date, month_day=31)
    assert [d.month for d in year_2026(s)] == [1, 3, 5, 7, 8, 10, 12]
    assert ical_rrule(s)["BYMONTHDAY"] == [31]


# --------------------------------------------------------------------------- once


def test_once_is_a_single_meeting():
    s = spec(Frequency.once, first_date=dt.date(2026, 12, 6), start_time=dt.time(14))
    assert year_2026(s) == [dt.datetime(2026, 12, 6, 14, 0)]
    assert list(to_rrule(s)) == [dt.datetime(2026, 12, 6, 14, 0)]
    assert ical_rrule(s) is None
    assert ical_dtstart(s) == dt.datetime(2026, 12, 6, 14, 0)


def test_once_outside_the_window_gives_nothing():
    s = spec(Frequency.once, first_date=dt.date(2027, 1, 6))
    assert year_2026(s) == []


# --------------------------------------------------------------------------- windows


def test_window_includes_its_start_and_excludes_its_end_as_instants():
    start = at(LONDON, 2026, 1, 6, 19, 0)
    end = at(LONDON, 2026, 1, 13, 19, 0)
    assert occurrences(spec(), start, end) == [dt.datetime(2026, 1, 6, 19, 0)]


def test_window_in_another_zone_compares_instants_not_wall_times():
    # 19:00 London in January is 14:00 in New York.
    assert occurrences(spec(), at(NEW_YORK, 2026, 1, 6, 14, 0), at(NEW_YORK, 2026, 1, 6, 14, 1)) == [
        dt.datetime(2026, 1, 6, 19, 0)
    ]
    assert occurrences(spec(), at(NEW_YORK, 2026, 1, 6, 14, 1), at(UTC, 2026, 1, 13, 0, 0)) == []


def test_naive_window_is_refused():
    with pytest.raises(ValueError):
        occurrences(spec(), dt.datetime(2026, 1, 1), at(LONDON, 2026, 2, 1))


def test_window_before_the_first_date_is_empty():
    s = spec(first_date=dt.date(2026, 6, 1))
    assert occurrences(s, at(LONDON, 2026, 1, 1), at(LONDON, 2026, 6, 1)) == []


def test_efficient_expansion_matches_the_full_rule_for_an_old_schedule():
    s = spec(Frequency.monthly_weekday, weekdays=(WED,), positions=(1, -1), interval=5,
             first_date=dt.date(1999, 7, 14))
    full = to_rrule(s).between(dt.datetime(2026, 1, 1), dt.datetime(2031, 1, 1), inc=True)
    assert occurrences(s, at(LONDON, 2026, 1, 1), at(LONDON, 2031, 1, 1)) == full


# --------------------------------------------------------------------------- daylight saving


def test_evening_meeting_stays_at_19_00_local_across_both_london_changes():
    ms = meetings(spec(weekdays=(SUN,)), at(LONDON, 2026, 3, 20), at(LONDON, 2026, 11, 1))
    assert {m.starts_at.time() for m in ms} == {dt.time(19)}
    offsets = {m.starts_at.date(): m.starts_at.utcoffset() for m in ms}
    assert offsets[dt.date(2026, 3, 22)] == dt.timedelta(0)
    assert offsets[dt.date(2026, 3, 29)] == dt.timedelta(hours=1)
    assert offsets[dt.date(2026, 10, 25)] == dt.timedelta(0)


def test_spring_forward_gap_in_london_uses_the_offset_before_the_gap():
    s = spec(Frequency.once, first_date=dt.date(2026, 3, 29), start_time=dt.time(1, 30))
    (m,) = next_meetings(s, at(UTC, 2026, 1, 1), 1)
    assert m.original_start == dt.datetime(2026, 3, 29, 1, 30)
    assert m.starts_at.astimezone(UTC) == at(UTC, 2026, 3, 29, 1, 30)
    assert (m.starts_at.hour, m.starts_at.minute) == (2, 30)
    assert m.starts_at.utcoffset() == dt.timedelta(hours=1)


def test_fall_back_repeated_hour_in_london_takes_the_first_one():
    s = spec(Frequency.once, first_date=dt.date(2026, 10, 25), start_time=dt.time(1, 30))
    (m,) = next_meetings(s, at(UTC, 2026, 1, 1), 1)
    assert m.starts_at.astimezone(UTC) == at(UTC, 2026, 10, 25, 0, 30)  # 01:30 BST
    assert m.starts_at.utcoffset() == dt.timedelta(hours=1)


def test_spring_forward_gap_in_new_york_uses_the_offset_before_the_gap():
    s = spec(weekdays=(SUN,), start_time=dt.time(2, 30), timezone="America/New_York")
    (m,) = meetings(s, at(NEW_YORK, 2026, 3, 8), at(NEW_YORK, 2026, 3, 9))
    assert m.starts_at.astimezone(UTC) == at(UTC, 2026, 3, 8, 7, 30)  # 02:30 EST
    assert (m.starts_at.hour, m.starts_at.utcoffset()) == (3, dt.timedelta(hours=-4))
    assert m.ends_at - m.starts_at == dt.timedelta(minutes=90)


def test_fall_back_repeated_hour_in_new_york_takes_the_first_one():
    s = spec(weekdays=(SUN,), start_time=dt.time(1, 30), timezone="America/New_York")
    (m,) = meetings(s, at(NEW_YORK, 2026, 11, 1), at(NEW_YORK, 2026, 11, 2))
    assert m.starts_at.astimezone(UTC) == at(UTC, 2026, 11, 1, 5, 30)  # 01:30 EDT
    assert m.starts_at.utcoffset() == dt.timedelta(hours=-4)


def test_sydney_spring_forward_in_october_uses_the_offset_before_the_gap():
    s = spec(weekdays=(SUN,), start_time=dt.time(2, 30), timezone="Australia/Sydney")
    (m,) = meetings(s, at(SYDNEY, 2026, 10, 4), at(SYDNEY, 2026, 10, 5))
    assert m.starts_at.astimezone(UTC) == at(UTC, 2026, 10, 3, 16, 30)  # 02:30 AEST
    assert (m.starts_at.hour, m.starts_at.utcoffset()) == (3, dt.timedelta(hours=11))


def test_sydney_fall_back_in_april_takes_the_first_one():
    s = spec(weekdays=(SUN,), start_time=dt.time(2, 30), timezone="Australia/Sydney")
    (m,) = meetings(s, at(SYDNEY, 2026, 4, 5), at(SYDNEY, 2026, 4, 6))
    assert m.starts_at.astimezone(UTC) == at(UTC, 2026, 4, 4, 15, 30)  # 02:30 AEDT
    assert m.starts_at.utcoffset() == dt.timedelta(hours=11)


def test_sydney_evening_meeting_stays_at_19_00_through_the_southern_summer():
    s = spec(weekdays=(WED,), timezone="Australia/Sydney")
    ms = meetings(s, at(SYDNEY, 2026, 1, 1), at(SYDNEY, 2027, 1, 1))
    assert {m.starts_at.time() for m in ms} == {dt.time(19)}
    assert {m.starts_at.utcoffset() for m in ms} == {dt.timedelta(hours=10), dt.timedelta(hours=11)}
    assert ms[0].starts_at.utcoffset() == dt.timedelta(hours=11)  # January is summer


def test_meeting_spanning_the_change_lasts_its_duration_in_elapsed_time():
    s = spec(Frequency.once, first_date=dt.date(2026, 10, 25), start_time=dt.time(0, 30),
             duration_minutes=120)
    (m,) = next_meetings(s, at(UTC, 2026, 1, 1), 1)
    # Same-zone aware datetimes subtract by wall clock in Python; elapsed time needs UTC.
    assert m.ends_at.astimezone(UTC) - m.starts_at.astimezone(UTC) == dt.timedelta(hours=2)
    assert m.ends_at.fold == 1  # the second 01:30
    assert (m.ends_at.hour, m.ends_at.minute, m.ends_at.utcoffset()) == (1, 30, dt.timedelta(0))


# --------------------------------------------------------------------------- exceptions


def test_cancelled_meeting_stays_listed_as_cancelled_with_its_reason():
    exc = MeetingException(dt.datetime(2026, 1, 13, 19), "cancelled", note="Venue closed")
    ms = meetings(spec(), at(LONDON, 2026, 1, 1), at(LONDON, 2026, 1, 21), [exc])
    assert [(m.original_start.day, m.status, m.note) for m in ms] == [
        (6, "scheduled", ""), (13, "cancelled", "Venue closed"), (20, "scheduled", "")
    ]
    assert ms[1].starts_at == at(LONDON, 2026, 1, 13, 19)


def test_moved_meeting_appears_once_at_its_new_time():
    exc = MeetingException(dt.datetime(2026, 1, 13, 19), "moved", note="Room change",
                           new_start=dt.datetime(2026, 1, 14, 18, 30), new_location="Library")
    ms = meetings(spec(), at(LONDON, 2026, 1, 1), at(LONDON, 2026, 1, 21), [exc])
    assert [m.starts_at for m in ms] == [
        at(LONDON, 2026, 1, 6, 19), at(LONDON, 2026, 1, 14, 18, 30), at(LONDON, 2026, 1, 20, 19)
    ]
    moved = ms[1]
    assert (moved.status, moved.note, moved.location) == ("moved", "Room change", "Library")
    assert moved.original_start == dt.datetime(2026, 1, 13, 19)
    assert moved.ends_at == at(LONDON, 2026, 1, 14, 20, 0)


def test_meeting_moved_across_a_window_edge_appears_only_in_the_window_of_its_new_time():
    exc = MeetingException(dt.datetime(2026, 1, 27, 19), "moved", new_start=dt.datetime(2026, 2, 2, 19))
    january = meetings(spec(), at(LONDON, 2026, 1, 1), at(LONDON, 2026, 2, 1), [exc])
    february = meetings(spec(), at(LONDON, 2026, 2, 1), at(LONDON, 2026, 3, 1), [exc])
    assert dt.datetime(2026, 1, 27, 19) not in [m.original_start for m in january]
    assert [m.status for m in february].count("moved") == 1
    assert february[0].starts_at == at(LONDON, 2026, 2, 2, 19)


def test_meeting_moved_earlier_into_the_previous_window_appears_there():
    exc = MeetingException(dt.datetime(2026, 2, 3, 19), "moved", new_start=dt.datetime(2026, 1, 30, 19))
    january = meetings(spec(), at(LONDON, 2026, 1, 1), at(LONDON, 2026, 2, 1), [exc])
    february = meetings(spec(), at(LONDON, 2026, 2, 1), at(LONDON, 2026, 3, 1), [exc])
    assert january[-1].status == "moved" and january[-1].starts_at == at(LONDON, 2026, 1, 30, 19)
    assert "moved" not in [m.status for m in february]


def test_move_with_new_duration_and_zone():
    exc = MeetingException(dt.datetime(2026, 1, 13, 19), "moved", new_start=dt.datetime(2026, 1, 13, 20),
                           new_duration_minutes=30, new_timezone="Europe/Paris", new_location="Paris")
    (m,) = [m for m in meetings(spec(), at(UTC, 2026, 1, 12), at(UTC, 2026, 1, 15), [exc])]
    assert m.starts_at == at(ZoneInfo("Europe/Paris"), 2026, 1, 13, 20)
    assert m.starts_at.astimezone(UTC) == at(UTC, 2026, 1, 13, 19)
    assert m.ends_at - m.starts_at == dt.timedelta(minutes=30)


def test_move_without_a_new_time_keeps_the_time_and_changes_the_place():
    exc = MeetingException(dt.datetime(2026, 1, 13, 19), "moved", new_location="Hall B")
    (m,) = meetings(spec(), at(LONDON, 2026, 1, 13), at(LONDON, 2026, 1, 14), [exc])
    assert (m.status, m.starts_at, m.location) == ("moved", at(LONDON, 2026, 1, 13, 19), "Hall B")


def test_exception_that_is_not_an_occurrence_is_ignored():
    excs = [
        MeetingException(dt.datetime(2026, 1, 14, 19), "cancelled"),  # a Wednesday
        MeetingException(dt.datetime(2026, 1, 13, 18), "moved", new_start=dt.datetime(2026, 1, 15, 19)),
    ]
    ms = meetings(spec(), at(LONDON, 2026, 1, 1), at(LONDON, 2026, 2, 1), excs)
    assert {m.status for m in ms} == {"scheduled"}
    assert len(ms) == 4


def test_cancellation_wins_over_a_move_of_the_same_meeting():
    original = dt.datetime(2026, 1, 13, 19)
    excs = [MeetingException(original, "cancelled", note="Off"),
            MeetingException(original, "moved", new_start=dt.datetime(2026, 1, 15, 19))]
    ms = meetings(spec(), at(LONDON, 2026, 1, 12), at(LONDON, 2026, 1, 19), excs)
    assert [(m.status, m.starts_at.day) for m in ms] == [("cancelled", 13)]


def test_exception_after_the_last_date_is_ignored():
    s = spec(last_date=dt.date(2026, 1, 20))
    exc = MeetingException(dt.datetime(2026, 1, 27, 19), "moved", new_start=dt.datetime(2026, 1, 21, 19))
    assert [m.status for m in meetings(s, at(LONDON, 2026, 1, 1), at(LONDON, 2026, 3, 1), [exc])] == ["scheduled"] * 3


# --------------------------------------------------------------------------- pause


def test_pause_leaves_out_meetings_before_the_date_and_keeps_the_one_on_it():
    s = spec(weekdays=(MON,), paused_until=dt.date(2026, 1, 12))
    got = occurrences(s, at(LONDON, 2025, 12, 1), at(LONDON, 2026, 1, 19))
    assert got == [dt.datetime(2026, 1, 12, 19)]


def test_pause_does_not_change_the_series_identity():
    plain = spec(weekdays=(MON,))
    paused = spec(weekdays=(MON,), paused_until=dt.date(2026, 3, 1))
    assert ical_dtstart(paused) == ical_dtstart(plain)
    assert ical_rrule(paused) == ical_rrule(plain)
    assert str(to_rrule(paused)) == str(to_rrule(plain))


def test_paused_occurrences_are_the_exdates_for_the_pause():
    s = spec(weekdays=(MON,), paused_until=dt.date(2026, 1, 26))
    assert paused_occurrences(s, at(LONDON, 2026, 1, 7)) == [
        dt.datetime(2026, 1, 12, 19), dt.datetime(2026, 1, 19, 19)
    ]
    assert paused_occurrences(s, at(LONDON, 2026, 1, 7), at(LONDON, 2026, 1, 15)) == [dt.datetime(2026, 1, 12, 19)]
    assert paused_occurrences(spec(weekdays=(MON,)), at(LONDON, 2026, 1, 7)) == []


def test_exception_on_a_paused_meeting_is_ignored_but_a_move_into_the_pause_happens():
    s = spec(weekdays=(MON,), paused_until=dt.date(2026, 1, 26))
    excs = [
        MeetingException(dt.datetime(2026, 1, 12, 19), "cancelled"),
        MeetingException(dt.datetime(2026, 1, 19, 19), "moved", new_start=dt.datetime(2026, 1, 20, 19)),
        MeetingException(dt.datetime(2026, 1, 26, 19), "moved", new_start=dt.datetime(2026, 1, 24, 11)),
    ]
    ms = meetings(s, at(LONDON, 2026, 1, 1), at(LONDON, 2026, 2, 3), excs)
    assert [(m.status, m.starts_at) for m in ms] == [
        ("moved", at(LONDON, 2026, 1, 24, 11)),
        ("scheduled", at(LONDON, 2026, 2, 2, 19)),
    ]


def test_next_meetings_skip_the_pause():
    s = spec(weekdays=(MON,), paused_until=dt.date(2026, 2, 2))
    got = next_meetings(s, at(LONDON, 2026, 1, 1), 2)
    assert [m.starts_at.date() for m in got] == [dt.date(2026, 2, 2), dt.date(2026, 2, 9)]


# --------------------------------------------------------------------------- next_meetings


def test_next_meetings_include_cancelled_ones_marked_cancelled():
    excs = [MeetingException(dt.datetime(2026, 1, 13, 19), "cancelled", note="Holiday")]
    got = next_meetings(spec(), at(LONDON, 2026, 1, 7), 3, excs)
    assert [(m.starts_at.day, m.status) for m in got] == [(13, "cancelled"), (20, "scheduled"), (27, "scheduled")]


def test_next_meetings_start_at_or_after_the_instant():
    got = next_meetings(spec(), at(LONDON, 2026, 1, 13, 19), 1)
    assert got[0].starts_at == at(LONDON, 2026, 1, 13, 19)
    got = next_meetings(spec(), at(LONDON, 2026, 1, 13, 19, 1), 1)
    assert got[0].starts_at == at(LONDON, 2026, 1, 20, 19)


def test_next_meetings_put_a_meeting_moved_later_in_its_new_place():
    excs = [MeetingException(dt.datetime(2026, 1, 13, 19), "moved", new_start=dt.datetime(2026, 1, 28, 19))]
    got = next_meetings(spec(), at(LONDON, 2026, 1, 7), 3, excs)
    assert [(m.starts_at.day, m.status) for m in got] == [(20, "scheduled"), (27, "scheduled"), (28, "moved")]


def test_next_meetings_find_a_meeting_moved_forward_from_before_the_instant():
    excs = [MeetingException(dt.datetime(2026, 1, 6, 19), "moved", new_start=dt.datetime(2026, 1, 8, 19))]
    got = next_meetings(spec(), at(LONDON, 2026, 1, 7), 2, excs)
    assert [(m.starts_at.day, m.status) for m in got] == [(8, "moved"), (13, "scheduled")]


def test_next_meetings_stop_at_the_last_date():
    s = spec(last_date=dt.date(2026, 1, 20))
    assert len(next_meetings(s, at(LONDON, 2026, 1, 1), 10)) == 3
    assert next_meetings(s, at(LONDON, 2026, 2, 1), 10) == []
    assert next_meetings(s, at(LONDON, 2026, 1, 1), 0) == []


def test_next_meetings_for_a_schedule_from_2000_do_not_replay_the_years(monkeypatch):
    s = spec(weekdays=(MON, WED, FRI), first_date=dt.date(2000, 1, 3))
    produced = 0
    original_iter = du_rrule.rrule._iter

    def counting_iter(self):
        nonlocal produced
        for value in original_iter(self):
            produced += 1
            yield value

    monkeypatch.setattr(du_rrule.rrule, "_iter", counting_iter)
    got = next_meetings(s, at(LONDON, 2026, 6, 1), 5)
    assert [m.starts_at.date() for m in got][0] == dt.date(2026, 6, 1)
    assert len(got) == 5
    assert produced < 50  # a full replay from 2000 would be more than 4,000




# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (dict(interval=0), "interval"),
        (dict(interval=13), "interval"),
        (dict(weekdays=()), "weekdays"),
        (dict(weekdays=(7,)), "weekdays"),
        (dict(weekdays=(1, 1)), "weekdays"),
        (dict(positions=(1,)), "positions"),
        (dict(month_day=5), "month_day"),
        (dict(duration_minutes=0), "duration_minutes"),
        (dict(duration_minutes=1441), "duration_minutes"),
        (dict(last_date=dt.date(2025, 12, 31)), "last_date"),
        (dict(timezone="Mars/Olympus_Mons"), "timezone"),
        (dict(timezone=""), "timezone"),
        (dict(timezone="../../etc/passwd"), "timezone"),
        (dict(start_time=dt.time(19, 0, 30)), "start_time"),
        (dict(start_time=dt.time(19, tzinfo=UTC)), "start_time"),
    ],
)
def test_validate_names_the_field_of_a_weekly_problem(changes, field):
    errors = validate(spec(**changes))
    assert field in errors
    assert all(isinstance(m, str) and m for m in errors[field])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (dict(positions=()), "positions"),
        (dict(positions=(5,)), "positions"),
        (dict(positions=(0,)), "positions"),
        (dict(positions=(-2,)), "positions"),
        (dict(weekdays=()), "weekdays"),
    ],
)
def test_validate_names_the_field_of_a_monthly_weekday_problem(changes, field):
    base = dict(weekdays=(TUE,), positions=(2,))
    base.update(changes)
    assert field in validate(spec(Frequency.monthly_weekday, **base))


@pytest.mark.parametrize("day", [None, 0, 32, -2])
def test_validate_refuses_a_month_day_out_of_range(day):
    assert "month_day" in validate(spec(Frequency.monthly_date, month_day=day))


def test_validate_refuses_repeating_fields_on_a_one_off_meeting():
    assert "interval" in validate(spec(Frequency.once, interval=2))
    assert "weekdays" in validate(spec(Frequency.once, weekdays=(TUE,)))
    assert "last_date" in validate(spec(Frequency.once, last_date=dt.date(2026, 2, 1)))
    assert validate(spec(Frequency.once, last_date=dt.date(2026, 1, 1))) == {}


def test_validate_refuses_a_schedule_with_no_meeting_between_first_and_last_date():
    s = spec(first_date=dt.date(2026, 1, 7), last_date=dt.date(2026, 1, 12))  # Wed to Mon, no Tuesday
    assert "last_date" in validate(s)
    with pytest.raises(ValueError):
        ical_dtstart(s)
    assert list(to_rrule(s)) == []
    assert year_2026(s) == []


def test_validate_accepts_good_schedules_of_every_kind():
    assert validate(spec()) == {}
    assert validate(spec(interval=12, weekdays=(0, 6), last_date=dt.date(2027, 1, 1))) == {}
    assert validate(spec(Frequency.monthly_weekday, weekdays=(SAT,), positions=(1, 3))) == {}
    assert validate(spec(Frequency.monthly_date, month_day=15, interval=2)) == {}
    assert validate(spec(Frequency.once)) == {}


def test_validate_accepts_the_kind_as_a_plain_string():
    assert validate(spec(kind="weekly", weekdays=(TUE,))) == {}
    assert "kind" in validate(spec(kind="fortnightly"))


def test_to_rrule_refuses_an_invalid_schedule():
    with pytest.raises(ValueError, match="weekdays"):
        to_rrule(spec(weekdays=()))


# --------------------------------------------------------------------------- iCalendar parts


def test_ical_rrule_for_each_kind_matches_the_feed_guide():
    assert ical_rrule(spec()) == {"FREQ": "WEEKLY", "BYDAY": ["TU"]}
    assert ical_rrule(spec(interval=2, weekdays=(THU,))) == {"FREQ": "WEEKLY", "BYDAY": ["TH"], "INTERVAL": 2}
    assert ical_rrule(spec(weekdays=(THU, MON))) == {"FREQ": "WEEKLY", "BYDAY": ["MO", "TH"]}
    assert ical_rrule(spec(Frequency.monthly_weekday, weekdays=(TUE,), positions=(2,))) == {
        "FREQ": "MONTHLY", "BYDAY": ["2TU"]}
    assert ical_rrule(spec(Frequency.monthly_weekday, weekdays=(SAT,), positions=(3, 1))) == {
        "FREQ": "MONTHLY", "BYDAY": ["1SA", "3SA"]}
    assert ical_rrule(spec(Frequency.monthly_weekday, weekdays=(FRI,), positions=(-1,))) == {
        "FREQ": "MONTHLY", "BYDAY": ["-1FR"]}
    assert ical_rrule(spec(Frequency.monthly_date, month_day=-1, interval=3)) == {
        "FREQ": "MONTHLY", "BYMONTHDAY": [-1], "INTERVAL": 3}


def test_ical_rrule_sets_the_week_start_when_it_matters():
    assert ical_rrule(spec(interval=2, weekdays=(MON, SUN)))["WKST"] == "MO"


def test_until_is_the_utc_instant_of_the_last_meeting_in_summer_and_winter():
    summer = spec(last_date=dt.date(2026, 6, 30))
    assert ical_rrule(summer)["UNTIL"] == at(UTC, 2026, 6, 30, 18, 0)
    winter = spec(last_date=dt.date(2026, 12, 29))
    assert ical_rrule(winter)["UNTIL"] == at(UTC, 2026, 12, 29, 19, 0)
    sydney = spec(timezone="Australia/Sydney", last_date=dt.date(2026, 12, 29))
    assert ical_rrule(sydney)["UNTIL"] == at(UTC, 2026, 12, 29, 8, 0)


def test_until_on_a_non_meeting_day_is_the_meeting_before_it():
    s = spec(Frequency.monthly_weekday, weekdays=(FRI,), positions=(-1,), last_date=dt.date(2026, 7, 20))
    assert ical_rrule(s)["UNTIL"] == at(UTC, 2026, 6, 26, 18, 0)


def test_until_is_written_in_utc_by_icalendar():
    text = vRecur(ical_rrule(spec(last_date=dt.date(2026, 6, 30)))).to_ical().decode()
    assert "UNTIL=20260630T180000Z" in text


def test_ical_dtstart_is_the_first_real_meeting():
    s = spec(Frequency.monthly_weekday, weekdays=(FRI,), positions=(-1,), first_date=dt.date(2026, 1, 31))
    assert ical_dtstart(s) == dt.datetime(2026, 2, 27, 19, 0)
    assert ical_dtstart(spec(Frequency.monthly_date, month_day=-1)) == dt.datetime(2026, 1, 31, 19)


# --------------------------------------------------------------------------- properties

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata",
         "Australia/Lord_Howe", "America/Santiago", "Pacific/Auckland"]


@st.composite
def specs(draw, paused: bool = True) -> RecurrenceSpec:
    kind = draw(st.sampled_from(list(Frequency)))
    first = draw(st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)))
    hour = draw(st.sampled_from([0, 1, 2, 3, 9, 12, 18, 19, 23]))
    start_time = dt.time(hour, draw(st.sampled_from([0, 15, 30, 45])))
    kw: dict = {}
    if kind is not Frequency.once:
        kw["interval"] = draw(st.integers(1, 12))
        if draw(st.booleans()):
            kw["last_date"] = first + dt.timedelta(days=draw(st.integers(60, 1500)))
    if kind in (Frequency.weekly, Frequency.monthly_weekday):
        kw["weekdays"] = tuple(draw(st.sets(st.integers(0, 6), min_size=1, max_size=3)))
    if kind is Frequency.monthly_weekday:
        kw["positions"] = tuple(draw(st.sets(st.sampled_from([1, 2, 3, 4, -1]), min_size=1, max_size=2)))
    if kind is Frequency.monthly_date:
        kw["month_day"] = draw(st.sampled_from([*range(1, 29), -1]))
    if paused and draw(st.booleans()):
        kw["paused_until"] = first + dt.timedelta(days=draw(st.integers(-30, 400)))
    s = RecurrenceSpec(kind=kind, start_time=start_time,
                       duration_minutes=draw(st.integers(1, 240)), first_date=first,
                       timezone=draw(st.sampled_from(ZONES)), **kw)
    return s


windows = st.tuples(st.dates(dt.date(2023, 6, 1), dt.date(2030, 1, 1)), st.integers(1, 800))

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _window(spec_: RecurrenceSpec, window) -> tuple[dt.datetime, dt.datetime]:
    day, length = window
    start = dt.datetime.combine(day, dt.time(12), tzinfo=UTC)
    return start, start + dt.timedelta(days=length)


def _feed_text(s: RecurrenceSpec, start: dt.datetime, end: dt.datetime) -> str:
    """The recurrence lines a feed would write for ``s``, via icalendar's own vRecur."""
    lines = [f"DTSTART;TZID={s.timezone}:{ical_dtstart(s):%Y%m%dT%H%M%S}"]
    parts = ical_rrule(s)
    if parts is not None:
        lines.append("RRULE:" + vRecur(parts).to_ical().decode())
    exdates = paused_occurrences(s, start, end)
    if exdates:
        lines.append(f"EXDATE;TZID={s.timezone}:" + ",".join(f"{d:%Y%m%dT%H%M%S}" for d in exdates))
    return "\n".join(lines)


@PROPERTY
@given(specs(), windows)
def test_the_rrule_we_would_emit_expands_to_the_same_meetings(s, window):
    start, end = _window(s, window)
    ours = occurrences(s, start, end)
    text = _feed_text(s, start, end)
    if ical_rrule(s) is None:
        # A one-off event is just its DTSTART; nothing for an expander to disagree on.
        expected = [ical_dtstart(s)]
        expected = [d for d in expected if start <= d.replace(tzinfo=ZoneInfo(s.timezone)) < end]
        expected = [d for d in expected if not (s.paused_until and d.date() < s.paused_until)]
    else:
        rule = du_rrule.rrulestr(text, tzids=ZoneInfo, forceset=True)
        expected = [d.replace(tzinfo=None) for d in rule.between(start, end, inc=True) if d < end]
    assert ours == expected, text


@PROPERTY
@given(specs(), windows)
def test_every_occurrence_is_on_an_allowed_day_at_the_same_wall_clock_time(s, window):
    start, end = _window(s, window)
    zone = ZoneInfo(s.timezone)
    got = occurrences(s, start, end)
    assert got == sorted(set(got))
    for d in got:
        assert d.time() == s.start_time
        assert d.date() >= s.first_date
        if s.last_date:
            assert d.date() <= s.last_date
        if s.paused_until:
            assert d.date() >= s.paused_until
        assert start <= d.replace(tzinfo=zone) < end
        if s.kind is Frequency.weekly:
            assert d.weekday() in s.weekdays
        elif s.kind is Frequency.monthly_weekday:
            assert d.weekday() in s.weekdays
            nth = (d.day - 1) // 7 + 1
            is_last = (d + dt.timedelta(days=7)).month != d.month
            assert nth in s.positions or (-1 in s.positions and is_last)
        elif s.kind is Frequency.monthly_date:
            last_day = ((d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)).day
            assert d.day == (last_day if s.month_day == -1 else s.month_day)
        else:
            assert d.date() == s.first_date


@PROPERTY
@given(specs(paused=False), windows)
def test_efficient_windows_agree_with_the_full_dateutil_rule(s, window):
    start, end = _window(s, window)
    zone = ZoneInfo(s.timezone)
    full = [d for d in to_rrule(s).between(_naive(start, zone) - dt.timedelta(days=3),
                                           _naive(end, zone) + dt.timedelta(days=3), inc=True)
            if start <= d.replace(tzinfo=zone) < end]
    assert occurrences(s, start, end) == full


def _naive(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


@st.composite
def specs_with_exceptions(draw):
    s = draw(specs())
    zone = ZoneInfo(s.timezone)
    base = occurrences(s, dt.datetime.combine(s.first_date, dt.time(), tzinfo=zone),
                       dt.datetime.combine(s.first_date + dt.timedelta(days=800), dt.time(), tzinfo=zone))
    excs = []
    if base:
        for original in draw(st.lists(st.sampled_from(base), max_size=6, unique=True)):
            if draw(st.booleans()):
                excs.append(MeetingException(original, "cancelled", note="off"))
            else:
                shift = dt.timedelta(hours=draw(st.integers(-24 * 60, 24 * 60)))
                excs.append(MeetingException(original, "moved", new_start=original + shift))
    return s, excs


@PROPERTY
@given(specs_with_exceptions(), st.integers(0, 700), st.integers(1, 12))
def test_next_meetings_are_the_first_of_all_meetings_from_that_instant(data, offset, count):
    s, excs = data
    after = dt.datetime.combine(s.first_date + dt.timedelta(days=offset), dt.time(12), tzinfo=UTC)
    horizon = after + dt.timedelta(days=14 * 366)  # 12 yearly meetings, a pause, moves
    everything = meetings(s, after, horizon, excs)
    assert next_meetings(s, after, count, excs) == everything[:count]


@PROPERTY
@given(specs_with_exceptions(), st.integers(0, 700), st.integers(1, 400), st.integers(1, 400))
def test_splitting_a_window_neither_loses_nor_repeats_a_meeting(data, offset, first_len, second_len):
    s, excs = data
    a = dt.datetime.combine(s.first_date + dt.timedelta(days=offset - 100), dt.time(3), tzinfo=UTC)
    b = a + dt.timedelta(days=first_len)
    c = b + dt.timedelta(days=second_len)
    whole = meetings(s, a, c, excs)
    assert whole == meetings(s, a, b, excs) + meetings(s, b, c, excs)
    originals = [m.original_start for m in whole]
    assert len(originals) == len(set(originals))
    assert all(isinstance(m, Meeting) and m.ends_at.astimezone(UTC) > m.starts_at.astimezone(UTC) for m in whole)
