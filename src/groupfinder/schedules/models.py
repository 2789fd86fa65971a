"""Schedule and its one-off exceptions (cancellations and moves)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import privacy
from ..db import UTCDateTime, now_utc
from ..extensions import db
from .recurrence import Frequency, MeetingException, RecurrenceSpec

if TYPE_CHECKING:
    from ..groups.models import Group
    from ..venues.models import Venue

WEEKDAY_CODES = ("mo", "tu", "we", "th", "fr", "sa", "su")


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(",") if p.strip())


class Schedule(db.Model):
    """When a group meets; maps 1:1 onto an RRULE. Local wall-clock time in the venue's zone.

    ``sequence`` rises on every change so calendar clients replace their copy (RFC 5545).
    ``days_mask`` (bit 0 = Monday) is derived for the "day" search filter; a monthly-on-a-date
    schedule has no fixed weekday and so matches no day filter.
    """

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[Frequency] = mapped_column(
        sa.Enum(Frequency, native_enum=False, length=20, validate_strings=True))
    interval: Mapped[int] = mapped_column(default=1)
    weekdays: Mapped[str] = mapped_column(sa.String(20), default="")   # "1,3" = Tue, Thu
    positions: Mapped[str] = mapped_column(sa.String(20), default="")  # "1,3" or "-1"
    month_day: Mapped[int | None]
    start_time: Mapped[dt.time] = mapped_column(sa.Time)
    duration_minutes: Mapped[int]
    first_date: Mapped[dt.date]
    last_date: Mapped[dt.date | None]
    paused_until: Mapped[dt.date | None]
    days_mask: Mapped[int] = mapped_column(default=0)
    sequence: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    group: Mapped[Group] = relationship(back_populates="schedules")
    cancellations: Mapped[list[Cancellation]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="Cancellation.original_start")
    changes: Mapped[list[MeetingChange]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="MeetingChange.original_start")

    __mapper_args__ = {"version_id_col": version}

    def spec(self, timezone: str) -> RecurrenceSpec:
        return RecurrenceSpec(
            kind=Frequency(self.kind), start_time=self.start_time,
            duration_minutes=self.duration_minutes, first_date=self.first_date,
            timezone=timezone, interval=self.interval, weekdays=_ints(self.weekdays),
            positions=_ints(self.positions), month_day=self.month_day,
            last_date=self.last_date, paused_until=self.paused_until,
        )

    def exceptions(self) -> tuple[MeetingException, ...]:
        out = [MeetingException(original_start=c.original_start, status="cancelled", note=c.reason)
               for c in self.cancellations]
        out += [MeetingException(original_start=m.original_start, status="moved", note=m.note,
                                 new_start=m.new_start, new_duration_minutes=m.new_duration_minutes,
                                 new_timezone=m.new_venue.timezone if m.new_venue else None,
                                 new_location=privacy.moved_location(m.new_venue))
                for m in self.changes]
        return tuple(out)


class Cancellation(db.Model):
    """One meeting that will not happen; stays visible as cancelled."""

    __tablename__ = "schedule_cancellations"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(sa.ForeignKey("schedules.id", ondelete="CASCADE"))
    original_start: Mapped[dt.datetime] = mapped_column(sa.DateTime)  # naive local wall-clock
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)

    schedule: Mapped[Schedule] = relationship(back_populates="cancellations")

    __table_args__ = (sa.UniqueConstraint("schedule_id", "original_start"),)


class MeetingChange(db.Model):
    """One meeting moved to another time or venue; the schedule itself stays as it is."""

    __tablename__ = "schedule_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(sa.ForeignKey("schedules.id", ondelete="CASCADE"))
    original_start: Mapped[dt.datetime] = mapped_column(sa.DateTime)  # naive local wall-clock
    new_start: Mapped[dt.datetime] = mapped_column(sa.DateTime)       # naive local wall-clock
    new_duration_minutes: Mapped[int | None]
    new_venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venues.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)

    schedule: Mapped[Schedule] = relationship(back_populates="changes")
    new_venue: Mapped[Venue | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("schedule_id", "original_start"),)
