"""A group's next meeting in search is the next one that really happens, however many meetings
in a row are cancelled; the cached search summary follows a cancellation at once."""

from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.groups import queries
from groupfinder.groups.queries import next_meeting, upcoming_meetings
from groupfinder.readcache import DataGeneration
from groupfinder.schedules.models import Cancellation
from groupfinder.schedules.services import cancel_meeting
from groupfinder.schedules.words import format_date

from ..factories import make_group, make_schedule

LONDON = ZoneInfo("Europe/London")
SEARCH = {"where": "M1 1AE"}  # the factory venue is in Manchester city centre


def token() -> str:
    value = db.session.scalar(sa.select(DataGeneration.token).where(DataGeneration.id == 1)) or "-"
    db.session.commit()  # end the read
    return value


def searched(client, group_id: int) -> dict:  # type: ignore[no-untyped-def]
    results = client.get("/api/v1/groups", query_string=SEARCH).get_json()["results"]
    return next(r for r in results if r["id"] == group_id)


def test_seven_cancellations_in_a_row_show_the_eighth_meeting(client):
    group = make_group(name="Steadfast Group")
    db.session.commit()
    schedule = group.schedules[0]
    coming = upcoming_meetings(group, dt.datetime.now(dt.UTC), 8)
    assert [m.status for m in coming] == ["scheduled"] * 8
    # Searched once first: the group's summary (with its next meeting) is now cached.
    assert searched(client, group.id)["next_meeting"]["starts_at"] == coming[0].starts_at.isoformat()

    before = token()
    for meeting in coming[:7]:
        cancel_meeting(schedule, meeting.original_start, "Hall closed for works")
    assert token() != before  # so the cached summary is rebuilt

    eighth = coming[7]
    shown = searched(client, group.id)["next_meeting"]
    assert shown == {"starts_at": eighth.starts_at.isoformat(),
                     "ends_at": eighth.ends_at.isoformat(), "status": "scheduled"}
    page = html.unescape(client.get("/search", query_string=SEARCH).get_data(as_text=True))
    card = page[page.index("Steadfast Group"):]
    card = card[:card.index("</article>")]
    assert format_date(eighth.starts_at.date(), year=False) in card  # 8 weeks off: no year
    assert "No upcoming meetings listed" not in card


def test_a_schedule_with_every_meeting_cancelled_has_none_and_ends_quickly(app, monkeypatch):
    """Ended: its last meetings are all cancelled. Open-ended: cancelled beyond the horizon the
    scan gives up at. Either way ``None``, without expanding the schedule for ever."""
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(LONDON).date()
    ended = make_group(schedules=[make_schedule(first_date=today - dt.timedelta(days=30),
                                                last_date=today + dt.timedelta(days=60))])
    daily = make_group(schedules=[make_schedule(weekdays="0,1,2,3,4,5,6")])
    db.session.commit()
    for group in (ended, daily):
        schedule = group.schedules[0]
        db.session.add_all(Cancellation(schedule=schedule, original_start=m.original_start,
                                        reason="Closed")
                           for m in upcoming_meetings(group, now, 400))
    db.session.commit()
    calls: list[int] = []
    real = queries.upcoming_meetings

    def counted(group, at, count):  # type: ignore[no-untyped-def]
        calls.append(count)
        return real(group, at, count)

    monkeypatch.setattr(queries, "upcoming_meetings", counted)
    assert next_meeting(ended, now) is None
    assert next_meeting(daily, now) is None
    # The scan widens 6, 24, 96, … and gives up at NEXT_MEETING_MAX: a few calls, not hundreds.
    assert len(calls) <= 12 and max(calls) <= queries.NEXT_MEETING_MAX
