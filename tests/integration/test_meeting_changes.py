"""Cancel, move and undo single meetings: one transaction each, sequence rises, nothing partial."""

import datetime as dt

import pytest

from groupfinder.errors import InvalidInput, NotFound
from groupfinder.extensions import db
from groupfinder.groups.queries import upcoming_meetings
from groupfinder.schedules.services import cancel_meeting, move_meeting, undo_meeting_change

from ..factories import make_group

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
TUE = dt.datetime(2026, 12, 1, 19, 0)  # a Tuesday meeting, local


def test_cancel_then_undo(app):
    group = make_group()
    db.session.commit()
    schedule = group.schedules[0]
    cancel_meeting(schedule, TUE, "Hall closed for repairs")
    assert schedule.sequence == 1
    first = upcoming_meetings(group, NOW, 3)[0]
    assert first.original_start == TUE and first.status == "cancelled"
    assert first.note == "Hall closed for repairs"
    undo_meeting_change(schedule, TUE)
    assert schedule.sequence == 2
    assert upcoming_meetings(group, NOW, 1)[0].status == "scheduled"


def test_move_appears_once_at_the_new_time(app):
    group = make_group()
    db.session.commit()
    schedule = group.schedules[0]
    move_meeting(schedule, TUE, dt.datetime(2026, 12, 2, 18, 30), note="Wednesday this week")
    meetings = upcoming_meetings(group, NOW, 3)
    moved = [m for m in meetings if m.status == "moved"]
    assert len(moved) == 1 and moved[0].starts_at.hour == 18 and moved[0].starts_at.day == 2
    assert all(m.original_start != TUE or m.status == "moved" for m in meetings)


def test_cancelling_a_moved_meeting_replaces_the_move(app):
    group = make_group()
    db.session.commit()
    schedule = group.schedules[0]
    move_meeting(schedule, TUE, dt.datetime(2026, 12, 2, 18, 30))
    cancel_meeting(schedule, TUE, "Snow")
    assert len(schedule.changes) == 0 and len(schedule.cancellations) == 1


@pytest.mark.parametrize("when,reason,field", [
    (dt.datetime(2026, 12, 2, 19, 0), "Wednesday is not a meeting", "meeting"),
    (TUE, "", "reason"),
    (TUE, "x" * 201, "reason"),
])
def test_bad_cancellations_write_nothing(app, when, reason, field):
    group = make_group()
    db.session.commit()
    schedule = group.schedules[0]
    with pytest.raises(InvalidInput) as info:
        cancel_meeting(schedule, when, reason)
    assert field in info.value.field_errors
    db.session.expire_all()
    assert schedule.sequence == 0 and schedule.cancellations == []


def test_undo_without_a_change_is_not_found(app):
    group = make_group()
    db.session.commit()
    with pytest.raises(NotFound):
        undo_meeting_change(group.schedules[0], TUE)
