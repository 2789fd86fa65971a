"""A search in words: the one-line summary, the applied filters as removable chips, the count,
the page's range and what to drop when nothing matches.

Pure; no Flask, no session. Links are built from the request's own (name, value) pairs, so a
chip's link is the same search with that one value removed and every other value kept. Every
function that words something takes ``language`` (a code of ``i18n.LANGUAGES``); each sentence is
one catalogue message, so a translation can order its parts as its grammar needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import i18n
from ..schedules.words import format_time, join_list

DAY_PLURALS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
WHEN_WORDS = {"today": "Today", "tomorrow": "Tomorrow", "week": "This week"}
_VOCABULARIES = ("condition", "audience", "language", "access")


def _day_plural(t: i18n.Words, day: int) -> str:
    return (t.gettext("Mondays"), t.gettext("Tuesdays"), t.gettext("Wednesdays"),
            t.gettext("Thursdays"), t.gettext("Fridays"), t.gettext("Saturdays"),
            t.gettext("Sundays"))[day]


def _when_words(t: i18n.Words, when: str) -> str:
    return {"today": t.gettext("Today"), "tomorrow": t.gettext("Tomorrow"),
            "week": t.gettext("This week")}[when]


def _kind_words(t: i18n.Words, kind: str) -> str:
    return {"condition": t.pgettext("filter", "topic"), "day": t.pgettext("filter", "day"),
            "when": t.pgettext("filter", "“when”"), "time": t.pgettext("filter", "start time"),
            "audience": t.pgettext("filter", "“who it's for”"),
            "language": t.pgettext("filter", "language"),
            "access": t.pgettext("filter", "accessibility"),
            "organisation": t.pgettext("filter", "organisation")}[kind]


def when_words(when: str, *, language: str = "en") -> str:
    """"Today", "Tomorrow", "This week"."""
    return _when_words(i18n.Words(language), when)


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


def time_words(after: dt.time | None, before: dt.time | None, clock: str = "12h", *,
               language: str = "en") -> str | None:
    t = i18n.Words(language)

    def at(value: dt.time) -> str:
        return format_time(value, clock, language=language)  # type: ignore[arg-type]

    if after and before:
        if after == before:
            return t.gettext("Starts at %(time)s", time=at(after))
        return t.gettext("Starts %(start)s–%(end)s", start=at(after), end=at(before))
    if after:
        return t.gettext("Starts %(time)s or later", time=at(after))
    if before:
        return t.gettext("Starts by %(time)s", time=at(before))
    return None


def chips(pairs: Pairs, *, conditions: Sequence[str], days: Sequence[int], when: str | None,
          starts_after: dt.time | None, starts_before: dt.time | None, audiences: Sequence[str],
          languages: Sequence[str], access: Sequence[str], names: Mapping[str, Mapping[str, str]],
          clock: str = "12h", organisations: Sequence[str] = (), language: str = "en") -> list[Chip]:
    """One chip per applied value (one for the start time), in ``KINDS`` order. ``names`` maps
    a kind ("condition", "audience", "language", "access", "organisation") to {slug: name}
    (English: vocabulary names are translated here, organisations' names are their own)."""
    out: list[Chip] = []
    t = i18n.Words(language)

    def each(kind: str, slugs: Sequence[str]) -> None:
        for slug in slugs:
            label = names.get(kind, {}).get(slug, slug)
            if kind in _VOCABULARIES:
                label = i18n.term_text(language, kind, slug, label)
            if kind == "language":
                label = t.gettext("In %(language)s", language=label)
            elif kind == "organisation":
                label = t.gettext("Run by %(organisation)s", organisation=label)
            out.append(Chip(kind, label, _without_values(pairs, kind, slug)))

    each("condition", conditions)
    for d in sorted(set(days)):
        code = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d]
        out.append(Chip("day", _day_plural(t, d), _without_values(pairs, "day", code)))
    if when:
        out.append(Chip("when", _when_words(t, when), without(pairs, ("when", "this_week"))))
    words = time_words(starts_after, starts_before, clock, language=language)
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


def summary_line(chip_list: Sequence[Chip], radius: str, place: str, *, language: str = "en") -> str:
    """"Anxiety, Mondays · within 10 miles of M1 1AE" ("All groups · …" without filters)."""
    t = i18n.Words(language)
    what = ", ".join(c.label for c in chip_list) if chip_list else t.gettext("All groups")
    what = what[:1].upper() + what[1:]  # "Los lunes · …": a chip may start in lower case
    return t.gettext("%(filters)s · within %(radius)s of %(place)s", filters=what, radius=radius,
                     place=place)


def count_text(total: int, *, at_least: bool, radius: str, when: str | None, sort: str,
               sorted_among: int | None = None, language: str = "en") -> str:
    """"47 groups within 25 km, nearest first"; "100+ groups meeting today within 10 miles,
    soonest first"; "1 group within 5 miles"."""
    t = i18n.Words(language)
    number = f"{total}+" if at_least else str(total)
    n = 2 if at_least else total  # "100+" reads as a plural
    if when == "today":
        text = t.ngettext("%(number)s group meeting today within %(radius)s",
                          "%(number)s groups meeting today within %(radius)s", n, number=number, radius=radius)
    elif when == "tomorrow":
        text = t.ngettext("%(number)s group meeting tomorrow within %(radius)s",
                          "%(number)s groups meeting tomorrow within %(radius)s", n, number=number,
                          radius=radius)
    elif when == "week":
        text = t.ngettext("%(number)s group meeting this week within %(radius)s",
                          "%(number)s groups meeting this week within %(radius)s", n, number=number,
                          radius=radius)
    else:
        text = t.ngettext("%(number)s group within %(radius)s", "%(number)s groups within %(radius)s",
                          n, number=number, radius=radius)
    if total <= 1 and not at_least:
        return text
    if sort == "next":
        if sorted_among:
            return t.gettext("%(count)s, next meeting first among the nearest %(among)s", count=text,
                             among=sorted_among)
        return t.gettext("%(count)s, next meeting first", count=text)
    return t.gettext("%(count)s, nearest first", count=text)


def range_text(offset: int, shown: int, total: int, *, at_least: bool, language: str = "en") -> str:
    """"21–40 of 47" (en dash); "41 of 41"; "1–20 of 300+"."""
    first, last = offset + 1, offset + shown
    span = str(first) if first == last else f"{first}–{last}"
    return i18n.Words(language).gettext("%(shown)s of %(total)s", shown=span,
                                        total=f"{total}{'+' if at_least else ''}")


def nothing_text(chip_list: Sequence[Chip], radius: str, place: str, *, language: str = "en") -> str:
    """The empty state's headline: "No groups within 5 miles of M1 1AE match Sundays and OCD."."""
    t = i18n.Words(language)
    if not chip_list:
        return t.gettext("No groups within %(radius)s of %(place)s.", radius=radius, place=place)
    listed = join_list([c.label for c in chip_list], language=language)
    return t.gettext("No groups within %(radius)s of %(place)s match %(filters)s.", radius=radius,
                     place=place, filters=listed)


def advice_text(advice: Advice, *, language: str = "en") -> str:
    """"Without the day filter (Mondays) there are 6 groups."."""
    t = i18n.Words(language)
    number = f"{advice.count}+" if advice.at_least else str(advice.count)
    if advice.values:
        what = t.gettext("the %(filter)s filter (%(values)s)", filter=advice.label, values=advice.values)
    else:
        what = t.gettext("the %(filter)s filter", filter=advice.label)
    n = 2 if advice.at_least else advice.count
    return t.ngettext("Without %(what)s there is %(number)s group.",
                      "Without %(what)s there are %(number)s groups.", n, what=what, number=number)


def kind_values(chip_list: Sequence[Chip], kind: str, *, language: str = "en") -> str:
    """The chips of one kind in words: "Mondays or Tuesdays"; accessibility needs them all."""
    labels = [c.label for c in chip_list if c.kind == kind]
    if language == "en":
        return (" and " if kind == "access" else " or ").join(labels)
    return join_list(labels, language=language, style="standard" if kind == "access" else "or")


def applied_kinds(chip_list: Sequence[Chip]) -> list[str]:
    """The kinds of filter in use, once each, in ``KINDS`` order."""
    used = {c.kind for c in chip_list}
    return [kind for kind, _, _ in KINDS if kind in used]


def kind_params(kind: str) -> tuple[str, ...]:
    return next(params for k, params, _ in KINDS if k == kind)


def kind_label(kind: str, *, language: str = "en") -> str:
    if language != "en":
        return _kind_words(i18n.Words(language), kind)
    return next(label for k, _, label in KINDS if k == kind)
