"""Schedule rules shared by every writer (editor, import, demo seeding)."""

from __future__ import annotations

from .recurrence import Frequency, RecurrenceSpec


def days_mask(spec: RecurrenceSpec) -> int:
    """Weekdays a schedule always meets on (bit 0 = Monday); 0 when it varies (monthly date)."""
    if spec.kind in (Frequency.weekly, Frequency.monthly_weekday):
        return sum(1 << d for d in set(spec.weekdays))
    if spec.kind == Frequency.once:
        return 1 << spec.first_date.weekday()
    return 0
