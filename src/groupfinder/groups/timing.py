"""When a meeting is, relative to now: "In progress", "Starting in 40 min", "Today", "Tomorrow";
which meetings a search's day, time and "today / tomorrow / this week" filters accept.

Pure; no Flask, no session, no clock of its own: ``now`` is always an argument (an aware
instant). Every day and time is the meeting's own, in its venue's zone (``Meeting.starts_at`` is
aware in that zone), so "today" in New York is New York's today wherever the server runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from .. import i18n
from ..schedules.recurrence import Meeting

# The quick filters: (first day, number of days), counted from today in the venue's zone.
QUICK_WHEN: dict[str, tuple[int, int]] = {"today": (0, 1), "tomorrow": (1, 1), "week": (0, 7)}
SOON = dt.timedelta(minutes=60)  # "Starting in 40 min" within this; "Today" beyond it


def local_window(when: str, now: dt.datetime, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of ``when`` in ``zone``: local midnights, as aware instants in the zone.

    "today" is the rest of the local day (meetings in progress included), "tomorrow" the next
    local day, "week" today and the six days after it.
    """
    first, days = QUICK_WHEN[when]
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    start = dt.datetime.combine(today + dt.timedelta(days=first), dt.time(), tz)
    end = dt.datetime.combine(today + dt.timedelta(days=first + days), dt.time(), tz)
    return start, end


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def matches(meeting: Meeting, *, days: Iterable[int] = (), starts_after: dt.time | None = None,
            starts_before: dt.time | None = None,
            window: tuple[dt.datetime, dt.datetime] | None = None) -> bool:
    """Whether a meeting that happens (not cancelled) suits the filters: its local weekday is
    one of ``days`` (0 = Monday; empty: any), it starts within the time bounds (inclusive, local
    wall clock) and, with ``window``, it starts in [start, end)."""
    if meeting.status == "cancelled":
        return False
    start = meeting.starts_at
    wanted = set(days)
    if wanted and start.weekday() not in wanted:
        return False
    clock = start.time().replace(tzinfo=None)
    if starts_after is not None and clock < starts_after:
        return False
    if starts_before is not None and clock > starts_before:
        return False
    if window is not None and not _utc(window[0]) <= _utc(start) < _utc(window[1]):
        return False
    return True


def is_over(meeting: Meeting, now: dt.datetime) -> bool:
    return _utc(meeting.ends_at) <= _utc(now)


def time_kind(meeting: Meeting, now: dt.datetime) -> str | None:
    """What the time label says, as a word for its style: "in" (progress), "starting", "today",
    "tomorrow", or ``None`` (no label)."""
    if meeting.status == "cancelled" or is_over(meeting, now):
        return None
    start, moment = _utc(meeting.starts_at), _utc(now)
    if start <= moment:
        return "in"
    if start - moment <= SOON:
        return "starting"
    days = (meeting.starts_at.date() - now.astimezone(meeting.starts_at.tzinfo).date()).days
    return {0: "today", 1: "tomorrow"}.get(days)


def time_label(meeting: Meeting, now: dt.datetime, language: str = "en") -> str | None:
    """"In progress", "Starting now", "Starting in 40 min", "Today", "Tomorrow", or ``None``
    (further off: the date says it), in ``language``. ``None`` too for a cancelled or finished
    meeting."""
    kind = time_kind(meeting, now)
    if kind is None:
        return None
    words = i18n.translations(language)
    if kind == "in":
        return words.gettext("In progress")
    if kind == "today":
        return words.gettext("Today")
    if kind == "tomorrow":
        return words.gettext("Tomorrow")
    minutes = -(-(_utc(meeting.starts_at) - _utc(now)) // dt.timedelta(minutes=1))  # rounded up
    if minutes <= 1:
        return words.gettext("Starting now")
    return words.ngettext("Starting in %(num)d min", "Starting in %(num)d min", minutes) % {"num": minutes}
