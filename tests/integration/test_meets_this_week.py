"""The "meets this week" filter uses real meetings: cancellations and moves included."""

import datetime as dt

from groupfinder.extensions import db
from groupfinder.groups.queries import SearchCriteria, search_groups
from groupfinder.schedules.recurrence import Frequency
from groupfinder.schedules.services import cancel_meeting, move_meeting

from ..factories import make_group, make_schedule, make_venue

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)  # a Wednesday
WEEK = (NOW, NOW + dt.timedelta(days=7))


def ids(**kw):
    c = SearchCriteria(latitude=53.4771, longitude=-2.2346, radius_km=10, meets_between=WEEK, **kw)
    return [h.group.id for h in search_groups(c, now=NOW).hits]


def test_only_groups_meeting_in_the_next_seven_days(app):
    weekly = make_group()  # every Tuesday 19:00 → Tue 1 Dec is in the window
    monthly = make_group(schedules=[make_schedule(kind=Frequency.monthly_weekday, weekdays="1",
                                                  positions="2", first_date=dt.date(2026, 1, 1))])
    db.session.commit()
    assert ids() == [weekly.id]
    without_filter = search_groups(SearchCriteria(latitude=53.4771, longitude=-2.2346), now=NOW)
    assert {h.group.id for h in without_filter.hits} == {weekly.id, monthly.id}


def test_a_cancelled_meeting_takes_the_group_out_and_a_move_brings_one_in(app):
    weekly = make_group()
    monthly = make_group(schedules=[make_schedule(kind=Frequency.monthly_weekday, weekdays="1",
                                                  positions="2", first_date=dt.date(2026, 1, 1))])
    db.session.commit()
    cancel_meeting(weekly.schedules[0], dt.datetime(2026, 12, 1, 19), "Closed")
    # the 2nd Tuesday of December (8 Dec) moved into this week
    move_meeting(monthly.schedules[0], dt.datetime(2026, 12, 8, 19), dt.datetime(2026, 11, 30, 19))
    assert ids() == [monthly.id]


def test_filter_pages_through_many_non_matching_neighbours(app):
    for _ in range(130):
        make_group(schedules=[make_schedule(kind=Frequency.monthly_weekday, weekdays="1",
                                            positions="2", first_date=dt.date(2026, 1, 1))])
    meets = make_group(venue=make_venue(latitude=53.52, longitude=-2.24))  # the farthest
    db.session.commit()
    assert ids(limit=5) == [meets.id]
