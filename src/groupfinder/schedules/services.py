"""Schedule rules and the writes on single meetings: cancel, move, undo.

Each public service is one transaction: plain values in, one commit, a domain exception out on
failure, after which nothing was written. Every change raises the schedule's ``sequence`` so
subscribed calendars replace their copy at the next refresh (RFC 5545 §3.8.7.4). Meeting
exceptions publish at once, even for a group whose other edits await review: they are urgent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import privacy, validation
from ..audit import audit
from ..db import now_utc
from ..exceptions import InvalidInput, NotFound
from ..extensions import db
from ..transactions import check_version, conflicts, transaction
from .models import Cancellation, MeetingChange, Schedule
from .recurrence import Frequency, RecurrenceSpec, occurrences, validate

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
        raise InvalidInput(_("This group has no venue yet, so it has no meetings."))
    return venue.timezone


def _require_meeting(schedule: Schedule, original_start: dt.datetime) -> None:
    """``original_start`` (naive local) must be one of the schedule's real meetings."""
    spec = schedule.spec(_zone(schedule))
    at = original_start.replace(tzinfo=ZoneInfo(spec.timezone))
    try:
        window = occurrences(spec, at - dt.timedelta(minutes=1), at + dt.timedelta(minutes=1))
    except OverflowError:  # a time at the calendar's very ends (year 1 or 9999): no meeting
        window = []
    if original_start.replace(fold=0) not in window:
        raise InvalidInput(_("That is not one of this schedule's meetings."),
                           field_errors={"meeting": [_("Choose one of the listed meetings.")]})


def _clean_text(value: str, field: str, *, required: bool) -> str:
    if problem := validation.single_line_problem(value):
        raise InvalidInput(_(problem), field_errors={field: [_(problem)]})
    text = " ".join((value or "").split())
    if required and not text:  # only the reason is required
        message = _("Give a short reason.")
        raise InvalidInput(message, field_errors={field: [message]})
    if len(text) > REASON_MAX:
        if field == "reason":
            detail = _("Keep the reason under %(max)s characters.", max=REASON_MAX)
        else:
            detail = _("Keep the note under %(max)s characters.", max=REASON_MAX)
        raise InvalidInput(detail, field_errors={
            field: [_("Keep it under %(max)s characters.", max=REASON_MAX)]})
    return text


def _check_public_text(schedule: Schedule, text: str, field: str, by: Any,
                       new_venue: Any = None) -> None:
    """A reason or note is published at once, without review, so it must not locate a private
    place that the group's organizers (or the editor) know: the rule of ``validate_listing``."""
    from ..venues.places import private_places_known_to

    if not text:
        return
    group = schedule.group
    extra = [group.venue] if group.is_sensitive else []
    if new_venue is not None and (group.is_sensitive or new_venue.is_private):
        extra.append(new_venue)
    places = private_places_known_to(db.session, [*group.organizers, by], extra=extra)
    problems = privacy.public_text_problems(text, places)
    if problems:
        raise InvalidInput(problems[0], field_errors={field: problems})


def _touch(schedule: Schedule) -> None:
    schedule.sequence += 1
    schedule.updated_at = now_utc()


def _existing(model: type, schedule: Schedule, original_start: dt.datetime) -> Any:
    return db.session.scalar(sa.select(model).where(
        model.schedule_id == schedule.id, model.original_start == original_start))


def _meeting_write() -> contextlib.AbstractContextManager[None]:
    """``transaction()`` for cancel, move and undo. They raise the schedule's version, so another
    change to the schedule committed between our read and this write is a conflict (409,
    nothing written), not a 500."""
    return conflicts(_("Someone else changed this group's meetings at the same moment. Nothing "
                     "was changed: check the meeting and try again."))


def cancel_meeting(schedule: Schedule, original_start: dt.datetime, reason: str, *,
                   by: Any = None) -> Cancellation:
    """Cancel one meeting, keeping it visible as cancelled with ``reason``.

    Replaces a move of the same meeting. Raises ``InvalidInput`` for a time that is not a meeting
    or a missing reason; nothing is written then.
    """
    with _meeting_write():
        _require_meeting(schedule, original_start)
        reason = _clean_text(reason, "reason", required=True)
        _check_public_text(schedule, reason, "reason", by)
        if (moved := _existing(MeetingChange, schedule, original_start)) is not None:
            db.session.delete(moved)
        cancellation = _existing(Cancellation, schedule, original_start)
        if cancellation is None:
            cancellation = Cancellation(schedule=schedule, original_start=original_start)
            db.session.add(cancellation)
        cancellation.reason = reason
        _touch(schedule)
    return cancellation


def move_meeting(schedule: Schedule, original_start: dt.datetime, new_start: dt.datetime, *,
                 note: str = "", new_duration_minutes: int | None = None,
                 new_venue: Any = None, by: Any = None) -> MeetingChange:
    """Move one meeting to another local time (and optionally venue); the schedule stays.

    ``new_start`` is naive local wall-clock time in the new venue's zone (or the schedule's).
    Replaces a cancellation of the same meeting.
    """
    with _meeting_write():
        _require_meeting(schedule, original_start)
        note = _clean_text(note, "note", required=False)
        _check_public_text(schedule, note, "note", by, new_venue)
        if new_duration_minutes is not None and not 1 <= new_duration_minutes <= 1440:
            raise InvalidInput(_("Duration must be between 1 minute and 24 hours."),
                               field_errors={"duration_minutes": [_("Between 1 and 1440 minutes.")]})
        if new_start == original_start and new_venue is None and new_duration_minutes is None:
            raise InvalidInput(_("The new time is the same as the old one."),
                               field_errors={"new_start": [_("Choose a different time or venue.")]})
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
    return change


def undo_meeting_change(schedule: Schedule, original_start: dt.datetime, *, by: Any = None) -> None:
    """Undo a cancellation or a move: the meeting happens as scheduled again."""
    with _meeting_write():
        found = [x for x in (_existing(Cancellation, schedule, original_start),
                             _existing(MeetingChange, schedule, original_start)) if x]
        if not found:
            raise NotFound(_("That meeting has no cancellation or change to undo."))
        for item in found:
            db.session.delete(item)
        _touch(schedule)


# --- writes: add, edit and delete a schedule -------------------------------------------------


@dataclass(frozen=True)
class ScheduleData:
    """What an organizer edits on a schedule, as plain values (local wall-clock times)."""

    kind: str
    start_time: dt.time | None
    duration_minutes: int | None
    first_date: dt.date | None
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    positions: tuple[int, ...] = ()
    month_day: int | None = None
    last_date: dt.date | None = None
    paused_until: dt.date | None = None

    def spec(self, timezone: str) -> RecurrenceSpec:
        """The recurrence this describes; fields that don't apply to ``kind`` are dropped, so a
        form showing every field at once can't make a valid schedule invalid."""
        kind = self.kind
        return RecurrenceSpec(
            kind=kind,  # type: ignore[arg-type]  (validate reports an unknown kind)
            start_time=self.start_time,  # type: ignore[arg-type]
            duration_minutes=self.duration_minutes,  # type: ignore[arg-type]
            first_date=self.first_date,  # type: ignore[arg-type]
            timezone=timezone,
            interval=1 if kind == Frequency.once else self.interval,
            weekdays=tuple(self.weekdays) if kind in (Frequency.weekly, Frequency.monthly_weekday) else (),
            positions=tuple(self.positions) if kind == Frequency.monthly_weekday else (),
            month_day=self.month_day if kind == Frequency.monthly_date else None,
            last_date=(self.first_date if kind == Frequency.once else self.last_date),
            paused_until=None if kind == Frequency.once else self.paused_until,
        )

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleData:
        spec = schedule.spec("UTC")
        return cls(kind=spec.kind, start_time=spec.start_time,
                   duration_minutes=spec.duration_minutes, first_date=spec.first_date,
                   interval=spec.interval, weekdays=spec.weekdays, positions=spec.positions,
                   month_day=spec.month_day, last_date=spec.last_date,
                   paused_until=spec.paused_until)


def group_timezone(group: Any) -> str:
    """The zone a group's schedules are read in: its venue's, or UTC before it has one."""
    return group.venue.timezone if group.venue is not None else "UTC"


def validate_schedule(data: ScheduleData, timezone: str) -> RecurrenceSpec:
    """The spec, or ``InvalidInput`` with ``recurrence.validate``'s message per field."""
    try:
        spec = data.spec(timezone)
    except ValueError:
        raise InvalidInput(_("Choose how often the group meets."),
                           field_errors={"kind": [_("Choose how often the group meets.")]}) from None
    errors = validate(spec)
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)
    return spec


def _write_schedule(schedule: Schedule, spec: RecurrenceSpec) -> None:
    schedule.kind = Frequency(spec.kind)
    schedule.interval = spec.interval
    schedule.weekdays = ",".join(str(d) for d in sorted(spec.weekdays))
    schedule.positions = ",".join(str(p) for p in sorted(spec.positions, key=lambda p: (p < 0, p)))
    schedule.month_day = spec.month_day
    schedule.start_time = spec.start_time
    schedule.duration_minutes = spec.duration_minutes
    schedule.first_date = spec.first_date
    schedule.last_date = spec.last_date if spec.kind != Frequency.once else None
    schedule.paused_until = spec.paused_until
    schedule.days_mask = days_mask(spec)


def _schedule_conflict(schedule: Schedule, expected_version: int | None) -> None:
    check_version(schedule, expected_version,
                  _("Someone else changed this schedule while you were editing. Your changes are "
                  "below; check them against the current schedule and save again."))


def add_schedule(group: Any, data: ScheduleData, *, by: Any) -> Schedule:
    """A new schedule for ``group``; it publishes at once (logistics are not reviewed).

    Raises ``InvalidInput`` with a message per field; nothing is written then.
    """
    with transaction():
        spec = validate_schedule(data, group_timezone(group))
        schedule = Schedule(group=group, sequence=0)
        _write_schedule(schedule, spec)
        db.session.add(schedule)
        group.updated_at = now_utc()
        audit("schedule.added", by=by, group=group)
    return schedule


def update_schedule(schedule: Schedule, data: ScheduleData, *, by: Any,
                    expected_version: int | None = None) -> None:
    """Save an edit; ``sequence`` rises so calendars replace their copy.

    ``ConflictError`` when ``expected_version`` is not the stored version; ``InvalidInput`` per
    field. Nothing is written on an error. Existing cancellations and moves stay; one whose
    meeting is no longer part of the schedule is ignored by every reader.
    """
    with conflicts(_("Someone else changed this schedule at the same moment; check it and save "
                   "again.")):
        _schedule_conflict(schedule, expected_version)
        spec = validate_schedule(data, group_timezone(schedule.group))
        _write_schedule(schedule, spec)
        _touch(schedule)
        audit("schedule.edited", by=by, group=schedule.group)


def delete_schedule(schedule: Schedule, *, by: Any, expected_version: int | None = None) -> None:
    """Remove a schedule with its cancellations and moves (calendars drop the series)."""
    with conflicts(_("Someone else changed this schedule at the same moment.")):
        _schedule_conflict(schedule, expected_version)
        group = schedule.group
        audit("schedule.deleted", by=by, group=group, details={"schedule_id": schedule.id})
        db.session.delete(schedule)
