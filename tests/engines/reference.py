"""What a feed should expand to, straight from ``schedules.recurrence.meetings``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from groupfinder.feeds.ical import Series
from groupfinder.schedules.recurrence import MeetingException, RecurrenceSpec, meetings

from . import UTC, Occurrence


def _happening(uid: str, spec: RecurrenceSpec, start: dt.datetime, end: dt.datetime,
               exceptions: Sequence[MeetingException]) -> list[Occurrence]:
    if end <= start:
        return []
    return [Occurrence(uid, m.starts_at.astimezone(UTC), m.ends_at.astimezone(UTC))
            for m in meetings(spec, start, end, exceptions) if m.status != "cancelled"]


def expected(series: Iterable[Series], start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    """Every meeting of ``series`` starting in [start, end) that is not cancelled, sorted.

    Cancelled meetings are absent and a moved one appears once, at its new time. A paused
    schedule follows recurrence.py's documented feed rule: the feed only knows the pause from
    ``pause_from`` (when the schedule last changed) on, so before that instant its occurrences
    stay as history, i.e. expand as if there were no pause, and an exception on a paused original
    is ignored as ``meetings`` ignores it.
    """
    out: list[Occurrence] = []
    for s in series:
        spec, exceptions = s.spec, tuple(s.exceptions)
        split = s.pause_from if spec.paused_until is not None else None
        if split is None or split <= start:
            out += _happening(s.uid, spec, start, end, exceptions)
            continue
        split = min(split, end)
        paused_until = spec.paused_until
        assert paused_until is not None
        unpaused = dataclasses.replace(spec, paused_until=None)
        kept = tuple(e for e in exceptions
                     if _naive(e.original_start, spec.timezone).date() >= paused_until)
        out += _happening(s.uid, unpaused, start, split, kept)
        out += _happening(s.uid, spec, split, end, exceptions)
    return sorted(out)


def _naive(value: dt.datetime, zone: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return value if value.tzinfo is None else value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
