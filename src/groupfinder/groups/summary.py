"""A search in words: the one-line summary, the applied filters as removable chips, the count,
the page's range and what to drop when nothing matches.

Pure; no Flask, no session. Links are built from the request's own (name, value) pairs, so a
chip's link is the same search with that one value removed and every other value kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..schedules.words import format_time

DAY_PLURALS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
WHEN_WORDS = {"today": "Today", "tomorrow": "Tomorrow", "week": "This week"}
# Filter kinds, in the order they are summarised; each names the parameters it is made of.
KINDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("condition", ("condition",), "topic"),
    ("day", ("day",), "day"),
    ("when", ("when", "this_week"), "“when”"),  # the page names it by its value: “Today”
    ("time", ("starts_after", "starts_before"), "start time"),
    ("audience", ("audience",), "“who it's for”"),
    ("language", ("language",), "language"),
    ("access", ("access",), "accessibility"),
    ("organisation", ("organisation",), "organisation"),
)
PAGING = ("page", "cursor")  # never kept when the question changes

Pairs = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Chip:
    kind: str  # one of KINDS
    label: str  # "Anxiety", "Mondays", "Today", "Starts 6:00 pm–9:00 pm"
    remove: tuple[tuple[str, str], ...]  # the search's parameters without this filter


@dataclass(frozen=True)
class Advice:
    kind: str
    label: str  # "topic", "day"…
    count: int
    at_least: bool  # more groups than were looked at: "100+"
    query: tuple[tuple[str, str], ...]  # the search without this kind of filter
    values: str = ""  # what the filter asked for: "Sundays", "OCD or Anxiety"


def without(pairs: Pairs, names: Sequence[str], value: str | None = None) -> tuple[tuple[str, str], ...]:
    """``pairs`` less every pair named in ``names`` (only those equal to ``value`` when given),
    and less the paging: a changed question starts again at its first page."""
    drop = set(names)
    out = []
    for name, v in pairs:
        if name in PAGING:
            continue
        if name in drop and (value is None or _same(name, v, value)):
            continue
        out.append((name, v))
    return tuple(out)


def replaced(pairs: Pairs, name: str, value: str | None) -> tuple[tuple[str, str], ...]:
    """``pairs`` with ``name`` set to ``value`` (removed when ``None``), paging dropped."""
    out = [p for p in without(pairs, (name,))]
    if value is not None:
        out.append((name, value))
    return tuple(out)


def _same(name: str, given: str, value: str) -> bool:
    if name == "day":
        return given.strip().lower()[:3] == value
    return given.strip() == value


def _split(pairs: Pairs, name: str) -> list[str]:
    """The values of ``name`` as the person gave them, comma lists split, repeats dropped."""
    found: list[str] = []
    for n, v in pairs:
        if n == name:
            found += [p.strip() for p in v.split(",") if p.strip()]
    return list(dict.fromkeys(found))


def _without_values(pairs: Pairs, name: str, drop: str) -> tuple[tuple[str, str], ...]:
    """Remove one value of ``name``, also from a comma list ("day=mon,tue" less "mon")."""
    out = []
    for n, v in pairs:
        if n in PAGING:
            continue
        if n == name:
            kept = [p for p in v.split(",") if p.strip() and not _same(n, p, drop)]
            if kept:
                out.append((n, ",".join(kept)))
            continue
        out.append((n, v))
    return tuple(out)


def time_words(after: dt.time | None, before: dt.time | None, clock: str = "12h") -> str | None:
    if after and before:
        if after == before:
            return f"Starts at {format_time(after, clock)}"  # type: ignore[arg-type]
        return f"Starts {format_time(after, clock)}–{format_time(before, clock)}"  # type: ignore[arg-type]
    if after:
        return f"Starts {format_time(after, clock)} or later"  # type: ignore[arg-type]
    if before:
        return f"Starts by {format_time(before, clock)}"  # type: ignore[arg-type]
    return None


def chips(pairs: Pairs, *, conditions: Sequence[str], days: Sequence[int], when: str | None,
          starts_after: dt.time | None, starts_before: dt.time | None, audiences: Sequence[str],
          languages: Sequence[str], access: Sequence[str], names: Mapping[str, Mapping[str, str]],
          clock: str = "12h", organisations: Sequence[str] = ()) -> list[Chip]:
    """One chip per applied value (one for the start time), in ``KINDS`` order. ``names`` maps
    a kind ("condition", "audience", "language", "access", "organisation") to {slug: name}."""
    out: list[Chip] = []

    def each(kind: str, slugs: Sequence[str]) -> None:
        for slug in slugs:
            label = names.get(kind, {}).get(slug, slug)
            if kind == "language":
                label = f"In {label}"
            elif kind == "organisation":
                label = f"Run by {label}"
            out.append(Chip(kind, label, _without_values(pairs, kind, slug)))

    each("condition", conditions)
    for d in sorted(set(days)):
        code = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d]
        out.append(Chip("day", DAY_PLURALS[d], _without_values(pairs, "day", code)))
    if when:
        out.append(Chip("when", WHEN_WORDS[when], without(pairs, ("when", "this_week"))))
    words = time_words(starts_after, starts_before, clock)
    if words:
        out.append(Chip("time", words, without(pairs, ("starts_after", "starts_before"))))
    each("audience", audiences)
    each("language", languages)
    each("access", access)
    each("organisation", organisations)
    return out


def clear_all(pairs: Pairs) -> tuple[tuple[str, str], ...]:
    """The same place and distance with no filters (and the sort kept)."""
    return without(pairs, [p for _, params, _ in KINDS for p in params])


def summary_line(chip_list: Sequence[Chip], radius: str, place: str) -> str:
    """"Anxiety, Mondays · within 10 miles of M1 1AE" ("All groups · …" without filters)."""
    what = ", ".join(c.label for c in chip_list) if chip_list else "All groups"
    return f"{what} · within {radius} of {place}"


def count_text(total: int, *, at_least: bool, radius: str, when: str | None, sort: str,
               sorted_among: int | None = None) -> str:
    """"47 groups within 25 km, nearest first"; "100+ groups meeting today within 10 miles,
    soonest first"; "1 group within 5 miles"."""
    number = f"{total}+" if at_least else str(total)
    noun = "group" if total == 1 and not at_least else "groups"
    meeting = {"today": " meeting today", "tomorrow": " meeting tomorrow",
               "week": " meeting this week"}.get(when or "", "")
    text = f"{number} {noun}{meeting} within {radius}"
    if total <= 1 and not at_least:
        return text
    if sort == "next":
        order = "next meeting first"
        if sorted_among:
            order = f"next meeting first among the nearest {sorted_among}"
        return f"{text}, {order}"
    return f"{text}, nearest first"


def range_text(offset: int, shown: int, total: int, *, at_least: bool) -> str:
    """"21–40 of 47" (en dash); "41 of 41"; "1–20 of 300+"."""
    first, last = offset + 1, offset + shown
    span = str(first) if first == last else f"{first}–{last}"
    return f"{span} of {total}{'+' if at_least else ''}"


def nothing_text(chip_list: Sequence[Chip], radius: str, place: str) -> str:
    """The empty state's headline: "No groups within 5 miles of M1 1AE match Sundays and OCD."."""
    if not chip_list:
        return f"No groups within {radius} of {place}."
    labels = [c.label for c in chip_list]
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"No groups within {radius} of {place} match {listed}."


def advice_text(advice: Advice) -> str:
    """"Without the day filter (Mondays) there are 6 groups."."""
    number = f"{advice.count}+" if advice.at_least else str(advice.count)
    what = f"the {advice.label} filter" + (f" ({advice.values})" if advice.values else "")
    if advice.count == 1 and not advice.at_least:
        return f"Without {what} there is 1 group."
    return f"Without {what} there are {number} groups."


def kind_values(chip_list: Sequence[Chip], kind: str) -> str:
    """The chips of one kind in words: "Mondays or Tuesdays"; accessibility needs them all."""
    labels = [c.label for c in chip_list if c.kind == kind]
    joiner = " and " if kind == "access" else " or "
    return joiner.join(labels)


def applied_kinds(chip_list: Sequence[Chip]) -> list[str]:
    """The kinds of filter in use, once each, in ``KINDS`` order."""
    used = {c.kind for c in chip_list}
    return [kind for kind, _, _ in KINDS if kind in used]


def kind_params(kind: str) -> tuple[str, ...]:
    return next(params for k, params, _ in KINDS if k == kind)


def kind_label(kind: str) -> str:
    return next(label for k, _, label in KINDS if k == kind)
