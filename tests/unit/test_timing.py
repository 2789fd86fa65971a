"""Time labels and the results page's meeting filters, with the clock as an argument: "In
progress", "Starting in 40 min", "Today", "Tomorrow" in the venue's zone, whatever the server's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from groupfinder.groups.timing import local_window, matches, time_label
from groupfinder.schedules.recurrence import Meeting

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def meeting(start: dt.datetime, minutes: int = 90, status: str = "scheduled") -> Meeting:
    return Meeting(original_start=start.replace(tzinfo=None), starts_at=start,
                   ends_at=start + dt.timedelta(minutes=minutes), status=status)  # type: ignore[arg-type]


# Tuesday 1 December 2026, 18:20 in London (GMT, so UTC too)
NOW = dt.datetime(2026, 12, 1, 18, 20, tzinfo=dt.UTC)


@pytest.mark.parametrize("start, label", [
    (dt.datetime(2026, 12, 1, 17, 30, tzinfo=LONDON), "In progress"),  # 17:30–19:00
    (dt.datetime(2026, 12, 1, 18, 20, tzinfo=LONDON), "In progress"),  # starts this minute
    (dt.datetime(2026, 12, 1, 18, 21, tzinfo=LONDON), "Starting now"),
    (dt.datetime(2026, 12, 1, 19, 0, tzinfo=LONDON), "Starting in 40 min"),
    (dt.datetime(2026, 12, 1, 19, 20, tzinfo=LONDON), "Starting in 60 min"),
    (dt.datetime(2026, 12, 1, 19, 21, tzinfo=LONDON), "Today"),
    (dt.datetime(2026, 12, 1, 23, 30, tzinfo=LONDON), "Today"),
    (dt.datetime(2026, 12, 2, 0, 30, tzinfo=LONDON), "Tomorrow"),
    (dt.datetime(2026, 12, 2, 23, 59, tzinfo=LONDON), "Tomorrow"),
    (dt.datetime(2026, 12, 3, 9, 0, tzinfo=LONDON), None),
])
def test_labels_in_london(start, label):
    assert time_label(meeting(start), NOW) == label


def test_seconds_round_up_to_the_next_minute():
    now = NOW + dt.timedelta(seconds=30)  # 18:20:30; the meeting is 39.5 minutes away
    assert time_label(meeting(dt.datetime(2026, 12, 1, 19, 0, tzinfo=LONDON)), now) == "Starting in 40 min"


def test_a_finished_or_cancelled_meeting_has_no_label():
    assert time_label(meeting(dt.datetime(2026, 12, 1, 16, 0, tzinfo=LONDON), 60), NOW) is None
    assert time_label(meeting(dt.datetime(2026, 12, 1, 19, 0, tzinfo=LONDON), status="cancelled"), NOW) is None


def test_today_is_the_venues_today_not_the_servers():
    # 18:20 UTC is 13:20 in New York; 23:00 New York time is still "Today" there, though it is
    # 04:00 on Wednesday in UTC, and 00:30 New York time on Wednesday is "Tomorrow".
    late = dt.datetime(2026, 12, 1, 23, 0, tzinfo=NEW_YORK)
    assert late.astimezone(dt.UTC).date() == dt.date(2026, 12, 2)
    assert time_label(meeting(late), NOW) == "Today"
    assert time_label(meeting(dt.datetime(2026, 12, 2, 0, 30, tzinfo=NEW_YORK)), NOW) == "Tomorrow"
    # At 00:30 UTC it is Wednesday in London, still Tuesday evening in New York.
    night = dt.datetime(2026, 12, 2, 0, 30, tzinfo=dt.UTC)
    assert time_label(meeting(dt.datetime(2026, 12, 2, 19, 0, tzinfo=LONDON)), night) == "Today"
    assert time_label(meeting(dt.datetime(2026, 12, 2, 19, 0, tzinfo=NEW_YORK)), night) == "Tomorrow"


def test_starting_soon_across_a_clock_change():
    # 29 March 2026: London's clocks go from 01:00 GMT to 02:00 BST. 00:50 GMT → 02:10 BST is
    # 20 minutes of real time, not 80 of wall clock.
    now = dt.datetime(2026, 3, 29, 0, 50, tzinfo=dt.UTC)
    assert time_label(meeting(dt.datetime(2026, 3, 29, 2, 10, tzinfo=LONDON)), now) == "Starting in 20 min"


def test_local_windows_are_local_midnights():
    start, end = local_window("today", NOW, "America/New_York")
    assert (start.isoformat(), end.isoformat()) == ("2026-12-01T00:00:00-05:00", "2026-12-02T00:00:00-05:00")
    start, end = local_window("tomorrow", NOW, "Europe/London")
    assert (start.date(), end.date()) == (dt.date(2026, 12, 2), dt.date(2026, 12, 3))
    start, end = local_window("week", NOW, "Europe/London")
    assert (start.date(), end.date()) == (dt.date(2026, 12, 1), dt.date(2026, 12, 8))


def test_matches_the_day_and_start_time_of_the_meeting_itself():
    monday_7pm = meeting(dt.datetime(2026, 12, 7, 19, 0, tzinfo=LONDON))
    assert matches(monday_7pm, days=(0,))
    assert not matches(monday_7pm, days=(1, 3))
    assert matches(monday_7pm, starts_after=dt.time(19), starts_before=dt.time(19))
    assert not matches(monday_7pm, starts_after=dt.time(19, 1))
    assert not matches(monday_7pm, starts_before=dt.time(18, 59))
    assert not matches(meeting(dt.datetime(2026, 12, 7, 19, 0, tzinfo=LONDON), status="cancelled"))
    week = local_window("week", NOW, "Europe/London")
    assert matches(monday_7pm, window=week)
    assert not matches(monday_7pm, window=local_window("today", NOW, "Europe/London"))
