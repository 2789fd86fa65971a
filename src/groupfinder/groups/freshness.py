"""When a listing needs confirming, and what happens when nobody does. Pure: the clock and the
settings are arguments, so tests walk through months in a line each.

The timeline after a confirmation (an organizer's one-click "still correct", a saved edit, or
a source's refresh), with N = ``CONFIRM_EVERY_DAYS``, G = ``CONFIRM_REMINDER_GAP_DAYS`` and
M = ``CONFIRM_GRACE_DAYS``:

- day N (or at once, when reports asked for it): first reminder to the organizers;
- G days after it: second reminder;
- G days after that: "may be out of date", flagged to admins;
- M days after that: out of search results (the page stays, saying why).

Each step needs the one before it to have happened, so a worker that was down for a month
sends its reminders first and never hides a listing nobody was told about. Nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from .. import i18n
from ..schedules.words import format_long_date


@dataclass(frozen=True)
class Policy:
    every: dt.timedelta
    gap: dt.timedelta
    grace: dt.timedelta

    @classmethod
    def from_config(cls, config: Any) -> Policy:
        return cls(every=dt.timedelta(days=int(config["CONFIRM_EVERY_DAYS"])),
                   gap=dt.timedelta(days=int(config["CONFIRM_REMINDER_GAP_DAYS"])),
                   grace=dt.timedelta(days=int(config["CONFIRM_GRACE_DAYS"])))

    @property
    def link_lifetime(self) -> dt.timedelta:
        """A reminder's link works until the listing would leave search, and a while after."""
        return 2 * self.gap + self.grace + dt.timedelta(days=30)


class Freshness(enum.StrEnum):
    current = "current"            # confirmed recently enough
    due = "due"                    # reminders going out; nothing shown publicly yet
    out_of_date = "out_of_date"    # "may be out of date", flagged to admins
    hidden = "hidden"              # out of search results until confirmed

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Freshness.current: "Confirmed",
    Freshness.due: "Confirmation due",
    Freshness.out_of_date: "May be out of date",
    Freshness.hidden: "Hidden from search",
}


class Step(enum.StrEnum):
    first_reminder = "first_reminder"
    second_reminder = "second_reminder"
    mark_out_of_date = "mark_out_of_date"
    hide = "hide"


@dataclass(frozen=True)
class Facts:
    """What is stored about one listing's confirmation."""

    confirmed_at: dt.datetime
    reminders_sent: int = 0
    last_reminded_at: dt.datetime | None = None
    requested_at: dt.datetime | None = None
    out_of_date_since: dt.datetime | None = None
    hidden_since: dt.datetime | None = None


def due_at(facts: Facts, policy: Policy) -> dt.datetime:
    usual = facts.confirmed_at + policy.every
    return min(usual, facts.requested_at) if facts.requested_at else usual


def state(facts: Facts, now: dt.datetime, policy: Policy) -> Freshness:
    if facts.hidden_since is not None:
        return Freshness.hidden
    if facts.out_of_date_since is not None:
        return Freshness.out_of_date
    if now >= due_at(facts, policy):
        return Freshness.due
    return Freshness.current


def next_step(facts: Facts, now: dt.datetime, policy: Policy) -> Step | None:
    """What the daily run does for this listing now, if anything (one step per run)."""
    if now < due_at(facts, policy):
        return None
    if facts.reminders_sent == 0:
        return Step.first_reminder
    assert facts.last_reminded_at is not None
    if now < facts.last_reminded_at + policy.gap:
        return None
    if facts.reminders_sent == 1:
        return Step.second_reminder
    if facts.out_of_date_since is None:
        return Step.mark_out_of_date
    if facts.hidden_since is None and now >= facts.out_of_date_since + policy.grace:
        return Step.hide
    return None


def confirmed_note(listing: Any, language: str = "en") -> str:
    """The sentence pages and feeds show about ``listing.confirmed_at`` (and its flag), in
    ``language``."""
    words = i18n.translations(language)
    on = format_long_date(listing.confirmed_at, language=language)
    if listing.out_of_date_since is not None:
        return words.gettext("May be out of date: last confirmed on %(date)s. Check with the group "
                             "before going.") % {"date": on}
    return words.gettext("Details confirmed on %(date)s.") % {"date": on}
