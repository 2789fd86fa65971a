"""The schedule form (every kind, with a server-side preview) and the single-meeting forms.

Parsing only: ``recurrence.validate`` gives the messages per field, so a field left empty here
is reported there in the same words as everywhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from ..formfields import SingleLine
from .models import Schedule
from .recurrence import Frequency
from .services import ScheduleData

KINDS = [
    (Frequency.weekly.value, _l("Every week, or every few weeks, on one or more days")),
    (Frequency.monthly_weekday.value,
     _l("Monthly on a weekday (for example the 2nd Tuesday, or the last Friday)")),
    (Frequency.monthly_date.value, _l("Monthly on a date (for example the 15th, or the last day)")),
    (Frequency.once.value, _l("Once, on one date")),
]
POSITIONS = [(1, _l("1st")), (2, _l("2nd")), (3, _l("3rd")), (4, _l("4th")), (-1, _l("Last"))]


def _day_name(weekday: int) -> str:
    """Monday (0) … Sunday (6) in the page's language, from CLDR (English: "Monday")."""
    return str(get_day_names("wide", locale=get_locale() or "en")[weekday])


WEEKDAYS = [(d, LazyString(_day_name, d)) for d in range(7)]
FIRST_YEAR, LAST_YEAR = 1900, 2999
MONTH_DAYS = ([("", _l("Choose a day"))] + [(d, str(d)) for d in range(1, 29)]
              + [(-1, _l("Last day of the month"))])


def _optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class LocalDateField(DateField):
    def __init__(self, label: Any, **kw: Any) -> None:
        super().__init__(label, validators=[Optional()], format=["%Y-%m-%d", "%d/%m/%Y"], **kw)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a date like 2026-12-08 (year-month-day).")) from None
        # Dates at the calendar's ends (0001, 9999) overflow the recurrence arithmetic.
        if self.data is not None and not FIRST_YEAR <= self.data.year <= LAST_YEAR:
            self.data = None
            raise ValueError(_("Enter a date between %(first)s and %(last)s.", first=FIRST_YEAR,
                               last=LAST_YEAR))


class LocalTimeField(TimeField):
    def __init__(self, label: Any, **kw: Any) -> None:
        super().__init__(label, validators=[Optional()], format=["%H:%M", "%H:%M:%S", "%H.%M"], **kw)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a time like 19:00 (24-hour clock).")) from None


class WholeNumberField(IntegerField):
    def __init__(self, label: Any, message: Any, **kw: Any) -> None:
        super().__init__(label, validators=[Optional()], **kw)
        self.message = message

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.message) from None


class ScheduleForm(FlaskForm):
    kind = RadioField(_l("How often"), choices=[SelectChoice(*c) for c in KINDS], validate_choice=False)
    interval = WholeNumberField(_l("Every how many weeks or months"), _l("Enter a whole number, such as 1 or 2."),
                                default=1)
    weekdays = SelectMultipleField(_l("On"), coerce=int, choices=[SelectChoice(*c) for c in WEEKDAYS])
    positions = SelectMultipleField(_l("Which week of the month"), coerce=int, choices=[SelectChoice(*c) for c in POSITIONS])
    month_day = SelectField(_l("Day of the month"), coerce=_optional_int, choices=[SelectChoice(*c) for c in MONTH_DAYS])
    start_time = LocalTimeField(_l("Start time"))
    duration_minutes = WholeNumberField(_l("How long, in minutes"), _l("Enter the length in whole minutes, such as 90."),
                                        default=90)
    first_date = LocalDateField(_l("First date"))
    last_date = LocalDateField(_l("Last date (optional)"))
    paused_until = LocalDateField(_l("Paused until (optional)"))
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save schedule"))

    def fill(self, schedule: Schedule) -> None:
        data = ScheduleData.of(schedule)
        for name in ("kind", "interval", "month_day", "start_time", "duration_minutes",
                     "first_date", "last_date", "paused_until"):
            getattr(self, name).data = getattr(data, name)
        self.kind.data = str(data.kind)
        self.weekdays.data = list(data.weekdays)
        self.positions.data = list(data.positions)

    def schedule_data(self) -> ScheduleData:
        return ScheduleData(
            kind=self.kind.data or "", start_time=self.start_time.data,
            duration_minutes=self.duration_minutes.data, first_date=self.first_date.data,
            interval=self.interval.data if self.interval.data is not None else 1,
            weekdays=tuple(self.weekdays.data or ()), positions=tuple(self.positions.data or ()),
            month_day=self.month_day.data, last_date=self.last_date.data,
            paused_until=self.paused_until.data)


class MeetingForm(FlaskForm):
    """One meeting's cancel, move or undo: the meeting is named by its schedule and original
    local start (the RECURRENCE-ID)."""

    action = HiddenField()
    schedule_id = IntegerField(widget=HiddenInput())
    original_start = HiddenField()
    reason = StringField(_l("Reason (shown publicly)"), validators=[SingleLine()])
    new_date = LocalDateField(_l("New date"))
    new_time = LocalTimeField(_l("New start time"))
    note = StringField(_l("Note (optional, shown publicly)"), validators=[SingleLine()])
    submit = SubmitField(_l("Confirm"))

    def original(self) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(self.original_start.data or "")
        except ValueError:
            return None
