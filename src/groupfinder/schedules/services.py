"""Schedule rules and the writes on single meetings: cancel, move, undo.

Each public service is one transaction: plain values in, one commit, a domain exception out on
failure, after which nothing was written. Every change raises the schedule's ``sequence`` so
subscribed calendars replace their copy at the next refresh (RFC 5545 §3.8.7.4). Meeting
exceptions publish at once, even for a group whose other edits await review: they are urgent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..db import now_utc, writing
from ..errors import InvalidInput, NotFound
from ..extensions import db
from .models import Cancellation, MeetingChange, Schedule
from .recurrence import Frequency, RecurrenceSpec, occurrences

REASON_MAX = 200


def days_mask(spec: RecurrenceSpec) -> int:
    """Weekdays a schedule always meets on (bit 0 = Monday); 0 when it varies (monthly date)."""
    if spec.kind in (Frequency.weekly, Frequency.monthly_weekday):
        return sum(1 << d for d in set(spec.weekdays))
    if spec.kind == Frequency.once:
        return 1 << spec.first_date.weekday()
    return 0


def _zone(schedule: Schedule) -> str:
    venue = schedule.group.venue
    if venue is None:
        raise InvalidInput("This group has no venue yet, so it has no meetings.")
    return venue.timezone


def _require_meeting(schedule: Schedule, original_start: dt.datetime) -> None:
    """``original_start`` (naive local) must be one of the schedule's real meetings."""
    spec = schedule.spec(_zone(schedule))
    at = original_start.replace(tzinfo=ZoneInfo(spec.timezone))
    window = occurrences(spec, at - dt.timedelta(minutes=1), at + dt.timedelta(minutes=1))
    if original_start.replace(fold=0) not in window:
        raise InvalidInput("That is not one of this schedule's meetings.",
                           field_errors={"meeting": ["Choose one of the listed meetings."]})


def _clean_text(value: str, field: str, *, required: bool) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise InvalidInput(f"Give a short {field}.", field_errors={field: [f"Give a short {field}."]})
    if len(text) > REASON_MAX:
        raise InvalidInput(f"Keep the {field} under {REASON_MAX} characters.",
                           field_errors={field: [f"Keep it under {REASON_MAX} characters."]})
    return text


def _touch(schedule: Schedule) -> None:
    schedule.sequence += 1
    schedule.updated_at = now_utc()


def _existing(model: type, schedule: Schedule, original_start: dt.datetime) -> Any:
    return db.session.scalar(sa.select(model).where(
        model.schedule_id == schedule.id, model.original_start == original_start))


def cancel_meeting(schedule: Schedule, original_start: dt.datetime, reason: str, *,
                   by: Any = None) -> Cancellation:
    """Cancel one meeting, keeping it visible as cancelled with ``reason``.

    Replaces a move of the same meeting. Raises ``InvalidInput`` for a time that is not a meeting
    or a missing reason; nothing is written then.
    """
    with writing():
        try:
            _require_meeting(schedule, original_start)
            reason = _clean_text(reason, "reason", required=True)
            if (moved := _existing(MeetingChange, schedule, original_start)) is not None:
                db.session.delete(moved)
            cancellation = _existing(Cancellation, schedule, original_start)
            if cancellation is None:
                cancellation = Cancellation(schedule=schedule, original_start=original_start)
                db.session.add(cancellation)
            cancellation.reason = reason
            _touch(schedule)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return cancellation


def move_meeting(schedule: Schedule, original_start: dt.datetime, new_start: dt.datetime, *,
                 note: str = "", new_duration_minutes: int | None = None,
                 new_venue: Any = None, by: Any = None) -> MeetingChange:
    """Move one meeting to another local time (and optionally venue); the schedule stays.

    ``new_start`` is naive local wall-clock time in the new venue's zone (or the schedule's).
    Replaces a cancellation of the same meeting.
    """
    with writing():
        try:
            _require_meeting(schedule, original_start)
            note = _clean_text(note, "note", required=False)
            if new_duration_minutes is not None and not 1 <= new_duration_minutes <= 1440:
                raise InvalidInput("Duration must be between 1 minute and 24 hours.",
                                   field_errors={"duration_minutes": ["Between 1 and 1440 minutes."]})
            if new_start == original_start and new_venue is None and new_duration_minutes is None:
                raise InvalidInput("The new time is the same as the old one.",
                                   field_errors={"new_start": ["Choose a different time or venue."]})
            if (cancelled := _existing(Cancellation, schedule, original_start)) is not None:
                db.session.delete(cancelled)
            change = _existing(MeetingChange, schedule, original_start)
            if change is None:
                change = MeetingChange(schedule=schedule, original_start=original_start)
                db.session.add(change)
            change.new_start = new_start
            change.new_duration_minutes = new_duration_minutes
            change.new_venue = new_venue
            change.note = note
            _touch(schedule)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return change


def undo_meeting_change(schedule: Schedule, original_start: dt.datetime, *, by: Any = None) -> None:
    """Undo a cancellation or a move: the meeting happens as scheduled again."""
    with writing():
        try:
            found = [x for x in (_existing(Cancellation, schedule, original_start),
                                 _existing(MeetingChange, schedule, original_start)) if x]
            if not found:
                raise NotFound("That meeting has no cancellation or change to undo.")
            for item in found:
                db.session.delete(item)
            _touch(schedule)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
