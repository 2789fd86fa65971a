"""schema.org words for a recurrence: ``Schedule`` objects for an ``Event``'s
``eventSchedule`` (https://schema.org/Schedule). Pure.

What schema.org can say is what our recurrences are: a weekday every N weeks (``byDay`` +
``repeatFrequency`` P{N}W), an nth weekday every N months (``byDay`` + ``byMonthWeek``, where
-1 is the last week, + P{N}M), a day of the month (``byMonthDay``, -1 the last), or one date
(``startDate`` = ``endDate``, no frequency). Times are local wall-clock in
``scheduleTimezone``, as the vocabulary defines them. A pause is a later ``startDate``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .recurrence import Frequency, RecurrenceSpec

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _duration(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{mins}M" if mins or not hours else "")


def _time(value: dt.time) -> str:
    return value.strftime("%H:%M:%S")


def event_schedule(spec: RecurrenceSpec, today: dt.date) -> dict[str, Any]:
    start_time = dt.datetime.combine(dt.date(2000, 1, 1), spec.start_time)
    end_time = (start_time + dt.timedelta(minutes=spec.duration_minutes)).time()
    first = spec.first_date
    if spec.paused_until and spec.paused_until > today:
        first = max(first, spec.paused_until)
    out: dict[str, Any] = {
        "@type": "Schedule",
        "startDate": first.isoformat(),
        "startTime": _time(spec.start_time),
        "endTime": _time(end_time),
        "duration": _duration(spec.duration_minutes),
        "scheduleTimezone": spec.timezone,
    }
    if spec.kind == Frequency.once:
        out["endDate"] = spec.first_date.isoformat()
        return out
    if spec.last_date:
        out["endDate"] = spec.last_date.isoformat()
    if spec.kind == Frequency.weekly:
        out["repeatFrequency"] = f"P{spec.interval}W"
        out["byDay"] = [f"https://schema.org/{DAYS[d]}" for d in spec.weekdays]
    elif spec.kind == Frequency.monthly_weekday:
        out["repeatFrequency"] = f"P{spec.interval}M"
        out["byDay"] = [f"https://schema.org/{DAYS[d]}" for d in spec.weekdays]
        out["byMonthWeek"] = list(spec.positions)
    elif spec.kind == Frequency.monthly_date:
        out["repeatFrequency"] = f"P{spec.interval}M"
        out["byMonthDay"] = [spec.month_day]
    return out
