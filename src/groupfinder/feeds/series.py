"""Turn public groups into feed series: every location and contact decided by ``privacy``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlparse

from flask import current_app

from .. import i18n, lazytext, privacy
from ..groups.freshness import confirmed_note
from ..groups.models import Group
from ..lazytext import N_
from ..localization import current_language
from ..schedules.models import Schedule
from ..schedules.words import describe, format_time, format_time_range
from ..urls import absolute_url
from .ical import Series


def uid_host() -> str:
    return urlparse(current_app.config["BASE_URL"]).netloc.split(":")[0] or "groupfinder"


def group_series(group: Group, keep: Callable[[Schedule], bool] | None = None) -> list[Series]:
    """One series per schedule of a published group (those ``keep`` accepts, when given);
    empty without a venue."""
    location = privacy.public_location(group)
    if group.venue is None or location is None:
        return []
    zone = group.venue.timezone
    clock = current_app.config["CLOCK"]
    url = absolute_url("groups.detail", group_id=group.id, slug=group.slug)
    geo = None if location.approximate else (location.latitude, location.longitude)
    host = uid_host()
    language = current_language()
    out = []
    for schedule in group.schedules:
        if keep is not None and not keep(schedule):
            continue
        spec = schedule.spec(zone)
        text = [describe(spec, clock=clock, language=language), "", group.description.strip(), "",
                 confirmed_note(group, language), url]
        stamps = [group.updated_at, group.confirmed_at, schedule.updated_at]
        stamps += [c.created_at for c in schedule.cancellations]
        stamps += [c.created_at for c in schedule.changes]
        out.append(Series(
            uid=f"schedule-{schedule.id}@{host}",
            summary=group.name,
            description="\n".join(text).strip(),
            location=location.one_line,
            geo=geo,
            url=url,
            spec=spec,
            exceptions=privacy.public_exceptions(group, schedule.exceptions()),
            sequence=schedule.sequence,
            stamp=max(s for s in stamps if s is not None).astimezone(dt.UTC).replace(microsecond=0),
            pause_from=schedule.updated_at if schedule.paused_until else None,
            clock=clock,
            language=language,
        ))
    return out


def last_modified(series: list[Series]) -> dt.datetime:
    if not series:
        return dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return max(s.stamp for s in series)


def schedule_filter(days: Sequence[int], starts_after: dt.time | None,
                    starts_before: dt.time | None) -> Callable[[Schedule], bool] | None:
    """Which schedules of a matching group a search feed holds: those that meet the search's day
    and start-time filters, by the same rule search applies to find the group (``days_mask``,
    local start time, inclusive bounds). ``None`` when the search has no such filter."""
    if not days and starts_after is None and starts_before is None:
        return None
    mask = sum(1 << d for d in set(days))

    def keep(schedule: Schedule) -> bool:
        if mask and not schedule.days_mask & mask:
            return False
        start = schedule.start_time.replace(tzinfo=None)
        if starts_after is not None and start < starts_after:
            return False
        return not (starts_before is not None and start > starts_before)

    return keep


def _join(words: Sequence[str], last: str, language: str) -> str:
    """"a, b or c" ("and" when ``last`` is "and"), in ``language``."""
    words = list(words)
    if len(words) == 1:
        return words[0]
    head = ", ".join(words[:-1])
    if last == "and":
        return i18n.gettext(language, N_("%(first)s and %(last)s"), first=head, last=words[-1])
    return i18n.gettext(language, N_("%(first)s or %(last)s"), first=head, last=words[-1])


def _(language: str, message: str, **values: Any) -> str:
    return i18n.gettext(language, message, **values)


# Days as "every Monday" in a feed's name ("on Mondays or Thursdays").
_DAYS_PLURAL = (N_("Mondays"), N_("Tuesdays"), N_("Wednesdays"), N_("Thursdays"), N_("Fridays"),
                N_("Saturdays"), N_("Sundays"))


def search_feed_name(*, place: str, conditions: Sequence[str] = (), days: Sequence[int] = (),
                     starts_after: dt.time | None = None, starts_before: dt.time | None = None,
                     audiences: Sequence[str] = (), languages: Sequence[str] = (),
                     access: Sequence[str] = (), clock: Any = "12h",
                     organisations: Sequence[str] = (), language: str | None = None) -> str:
    """A search feed's name, saying its filters and place as a person would: "Anxiety groups on
    Mondays near M1 1AE", "Support groups for Women, in Welsh, on Mondays or Thursdays,
    starting 6:00–9:00 pm, near Leeds". Names are the vocabularies' own (any of them matches,
    so "or"); access features are all required ("and"). Each part is one message, in
    ``language`` (the request's by default); names are given in it by the caller."""
    code = language or lazytext.language()
    what = (_(code, N_("%(conditions)s groups"), conditions=_join(conditions, "or", code))
            if conditions else _(code, N_("Support groups")))
    parts = [what]
    if audiences:
        parts.append(_(code, N_("for %(audiences)s"), audiences=_join(audiences, "or", code)))
    if languages:
        parts.append(_(code, N_("in %(languages)s"), languages=_join(languages, "or", code)))
    if access:
        lowered = [a[0].lower() + a[1:] for a in access]
        parts.append(_(code, N_("with %(features)s"), features=_join(lowered, "and", code)))
    if organisations:
        parts.append(_(code, N_("run by %(organisations)s"),
                       organisations=_join(organisations, "or", code)))
    if days:
        plural = [i18n.gettext(code, _DAYS_PLURAL[d]) for d in sorted(set(days))]
        parts.append(_(code, N_("on %(days)s"), days=_join(plural, "or", code)))
    if starts_after and starts_before:
        times = format_time_range(starts_after, starts_before, clock, language=code)
        parts.append(_(code, N_("starting %(times)s"), times=times))
    elif starts_after:
        time = format_time(starts_after, clock, language=code)
        parts.append(_(code, N_("starting from %(time)s"), time=time))
    elif starts_before:
        time = format_time(starts_before, clock, language=code)
        parts.append(_(code, N_("starting by %(time)s"), time=time))
    parts.append(_(code, N_("near %(place)s"), place=place))
    if len(parts) <= 3:
        return " ".join(parts)
    return _(code, N_("%(what)s %(filters)s"), what=parts[0], filters=", ".join(parts[1:]))
