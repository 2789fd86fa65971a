"""A schedule in plain English, the same words on pages, in the API and in feeds.

Pure and locale-free: ``describe`` gives "Every Tuesday, 7:00–8:30 pm", "1st and 3rd Saturday of
the month, 10:00 am–12:00 pm", "Monthly on the last day, 18:00–19:30" (24-hour clock) and so on.
Times are joined by an en dash; with the 12-hour clock "am"/"pm" is written once when both
times share it ("7:00–8:30 pm") and on both when they differ ("11:30 am–1:00 pm"). Midday is
"12:00 pm" and midnight "12:00 am". Dates read "Saturday 6 December 2026".
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from .recurrence import Frequency, RecurrenceSpec

__all__ = ["describe", "describe_move", "describe_pause", "format_date", "format_time", "ordinal"]

Clock = Literal["12h", "24h"]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_NUMBER_WORDS = {2: "other"}


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd"."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _join(words: list[str]) -> str:
    """["a"] -> "a"; ["a", "b"] -> "a and b"; ["a", "b", "c"] -> "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _clock_parts(t: dt.time) -> tuple[str, str]:
    hour = t.hour % 12 or 12
    return f"{hour}:{t.minute:02d}", "am" if t.hour < 12 else "pm"


def format_time(t: dt.time, clock: Clock = "12h") -> str:
    """7:00 pm (12h) or 19:00 (24h)."""
    if clock == "24h":
        return f"{t.hour:02d}:{t.minute:02d}"
    digits, half = _clock_parts(t)
    return f"{digits} {half}"


def format_time_range(start: dt.time, end: dt.time, clock: Clock = "12h") -> str:
    """7:00–8:30 pm; 11:30 am–1:00 pm; 19:00–20:30 (en dash, no spaces around it)."""
    if clock == "24h":
        return f"{format_time(start, clock)}–{format_time(end, clock)}"
    (s_digits, s_half), (e_digits, e_half) = _clock_parts(start), _clock_parts(end)
    if s_half == e_half:
        return f"{s_digits}–{e_digits} {e_half}"
    return f"{s_digits} {s_half}–{e_digits} {e_half}"


def format_date(d: dt.date, *, year: bool = True) -> str:
    """Saturday 6 December 2026 (or Saturday 6 December with ``year=False``)."""
    text = f"{DAY_NAMES[d.weekday()]} {d.day} {MONTH_NAMES[d.month - 1]}"
    return f"{text} {d.year}" if year else text


def _end_time(spec: RecurrenceSpec) -> dt.time:
    start = dt.datetime.combine(dt.date(2000, 1, 1), spec.start_time.replace(tzinfo=None))
    return (start + dt.timedelta(minutes=spec.duration_minutes)).time()


def _every(interval: int, unit: str) -> str:
    """Every other week / Every 3 months."""
    if interval == 2:
        return f"Every other {unit}"
    return f"Every {interval} {unit}s"


def _days(weekdays: tuple[int, ...]) -> str:
    return _join([DAY_NAMES[d] for d in sorted(weekdays)])


def _positions(positions: tuple[int, ...]) -> str:
    ordered = sorted(positions, key=lambda p: (p < 0, p))
    return _join(["last" if p == -1 else ordinal(p) for p in ordered])


def _pattern(spec: RecurrenceSpec) -> str:
    kind = Frequency(spec.kind)
    interval = spec.interval
    if kind is Frequency.once:
        return f"Once, {format_date(spec.first_date)}"
    if kind is Frequency.weekly:
        days = _days(spec.weekdays)
        if interval == 1:
            return f"Every {days}"
        if interval == 2 and len(spec.weekdays) == 1:
            return f"Every other {days}"
        return f"{_every(interval, 'week')} on {days}"
    if kind is Frequency.monthly_weekday:
        which = f"{_positions(spec.positions)} {_days(spec.weekdays)}"
        if interval == 1:
            return f"{which[0].upper()}{which[1:]} of the month"
        return f"{_every(interval, 'month')} on the {which}"
    day = "last day" if spec.month_day == -1 else ordinal(spec.month_day or 0)
    if interval == 1:
        return f"Monthly on the {day}"
    return f"{_every(interval, 'month')} on the {day}"


def describe(spec: RecurrenceSpec, *, clock: Clock = "12h") -> str:
    """The schedule in one line: "Every other Thursday, 7:00–9:00 pm".

    A last date is added as ", until Tuesday 30 June 2026". The pause is not part of it (see
    ``describe_pause``).
    """
    text = f"{_pattern(spec)}, {format_time_range(spec.start_time, _end_time(spec), clock)}"
    if spec.last_date is not None and Frequency(spec.kind) is not Frequency.once:
        text += f", until {format_date(spec.last_date)}"
    return text


def describe_pause(spec: RecurrenceSpec, today: dt.date) -> str | None:
    """"Not meeting until Monday 12 January" while a pause lasts, else None.

    The year is written only when the date is more than about six months away, where the
    weekday and month alone could be misread.
    """
    until = spec.paused_until
    if until is None or until <= today:
        return None
    show_year = (until - today).days > 183
    return f"Not meeting until {format_date(until, year=show_year)}"


def describe_current(spec: RecurrenceSpec, today: dt.date, *, clock: Clock = "12h") -> str:
    """``describe`` plus the pause, while there is one: what pages, the API and feeds show."""
    text = describe(spec, clock=clock)
    pause = describe_pause(spec, today)
    return f"{text} ({pause[0].lower()}{pause[1:]})" if pause else text


def describe_meeting(meeting: Any, *, clock: Clock = "12h") -> str:
    """One meeting, e.g. "Tuesday 1 December 2026, 7:00–8:30 pm GMT" (its local time)."""
    start, end = meeting.starts_at, meeting.ends_at
    return f"{format_date(start.date())}, {format_time_range(start.time(), end.time(), clock)} {start.tzname()}"


def describe_move(meeting: Any, *, clock: Clock = "12h") -> str:
    """A moved meeting in one sentence, in the site's clock: "Moved to Wednesday 9 December,
    7:00 pm at St Mary's Hall, instead of Tuesday 8 December" (or "…, instead of 7:00 pm" when
    only the time changed). The place is ``meeting.location`` as ``privacy`` gave it (a
    private venue's area only). The organiser's note is not part of it: pages show it apart.
    """
    new, was = meeting.starts_at, meeting.original_start
    far = abs((new.date() - was.date()).days) > 183
    text = f"Moved to {format_date(new.date(), year=far)}, {format_time(new.time(), clock)}"
    if meeting.location:
        text += f" at {meeting.location}"
    if was.date() != new.date():
        text += f", instead of {format_date(was.date(), year=far)}"
    elif (was.hour, was.minute) != (new.hour, new.minute):
        text += f", instead of {format_time(was.time(), clock)}"
    return text
