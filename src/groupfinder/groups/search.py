"""The search use case shared by the page, the API and the search feed: parse → place → query;
and the results page's own (``run_results_page``): totals, pages, chips, the searched country's
words and units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from .. import i18n, privacy
from ..exceptions import InvalidInput, PlaceNotFound
from ..geo.distance import KM_PER_MILE, display_distance
from ..geo.geocoding import Origin
from ..geo.locale import (
    PlaceLocale,
    default_radius,
    format_day,
    place_locale,
    radius_words,
    searched_place,
)
from ..localization import current_language
from ..schedules.words import format_time_range
from .criteria import PageRequest, SearchRequest, parse_page_args, parse_search_args
from .public import PublicGroup
from .queries import (
    Result,
    ResultsPage,
    SearchCriteria,
    SearchPage,
    count_matching,
    decode_cursor,
    search_groups,
    search_results,
    vocabulary_names,
    vocabulary_slugs,
)
from .summary import (
    Advice,
    Chip,
    advice_text,
    applied_kinds,
    chips,
    clear_all,
    count_text,
    kind_label,
    kind_params,
    kind_values,
    nothing_text,
    range_text,
    replaced,
    summary_line,
    when_words,
    without,
)
from .timing import time_kind, time_label


@dataclass(frozen=True)
class SearchOutcome:
    request: SearchRequest
    origin: Origin
    page: SearchPage


def geocoder() -> Any:
    return current_app.extensions["groupfinder.geocoding"]


def run_search(args: Mapping[str, Sequence[str]], *, radius_param: str = "radius_km",
               unit: str = "km", default_limit: int = 20, max_limit: int | None = None,
               load: bool = True) -> SearchOutcome:
    """Raises ``InvalidInput`` (per field), ``PlaceNotFound``, ``AmbiguousPlace`` or
    ``GeocodingUnavailable``; never returns a partial answer."""
    req = parse_search_args(
        args, vocab=vocabulary_slugs(), radius_param=radius_param, unit=unit,
        default_radius_km=float(current_app.config["DEFAULT_RADIUS_KM"]),
        default_limit=default_limit)
    after = decode_cursor(req.cursor) if req.cursor else None
    origin = geocoder().resolve(text=req.where, lat=req.latitude, lng=req.longitude)
    limit = min(req.limit, max_limit) if max_limit else req.limit
    now = dt.datetime.now(dt.UTC)
    week = (now, now + dt.timedelta(days=7)) if req.this_week else None
    criteria = SearchCriteria(
        latitude=origin.latitude, longitude=origin.longitude, radius_km=req.radius_km,
        conditions=req.conditions, days=req.days, starts_after=req.starts_after,
        starts_before=req.starts_before, audiences=req.audiences, languages=req.languages,
        access=req.access, limit=limit, after=after, meets_between=week,
        organisations=req.organisations)
    return SearchOutcome(req, origin, search_groups(criteria, now=now, load=load))


# --- the results page ---------------------------------------------------------------------------

PER_PAGE = 20
ADVICE_SCAN = 100  # groups looked at per dropped filter when a "when" filter needs each one


@dataclass(frozen=True)
class ResultCard:
    """A result as the page shows it: the next matching meeting in words, in the venue's zone."""

    result: Result
    label: str | None  # "Today", "Starting in 40 min", "In progress"…
    when: str | None  # "Tuesday 1 December, 7:00–8:30 pm GMT"
    kind: str = ""  # what the label says, for its style: "in", "starting", "today"… (timing.time_kind)
    distance_text: str = ""  # "about 2.5 miles": in the searched country's unit
    contact: tuple[str, ...] = ()  # for print: the group's email, a public phone, its website

    # What the results map (groups/_map.html) reads, so its popups say what the card says.
    @property
    def group(self) -> Any:
        return self.result.group

    @property
    def distance_km(self) -> float:
        return self.result.distance_km

    @property
    def next_meeting_text(self) -> str:
        return " · ".join(p for p in (self.label, self.when) if p) or _("No matching meeting listed")


@dataclass(frozen=True)
class ResultsOutcome:
    request: SearchRequest
    options: PageRequest
    origin: Origin
    locale: PlaceLocale
    place: str  # the searched place as echoed: "M1 1AE"
    radius: str  # "10 miles"
    page: ResultsPage
    cards: list[ResultCard]
    chips: list[Chip]
    clear_all: tuple[tuple[str, str], ...]
    summary: str
    count: str
    range: str | None
    previous_page: tuple[tuple[str, str], ...] | None
    next_page: tuple[tuple[str, str], ...] | None
    nothing: str | None  # the empty state's headline
    advice: list[tuple[Advice, str]]  # (what dropping one kind of filter gives, in words)
    pairs: tuple[tuple[str, str], ...]  # the question asked, as (name, value) pairs
    located: bool  # searched from a shared location (coordinates)
    # Everything the list of cards (and its map) shows that isn't the groups' own public data:
    # the list is kept under it (``fragments``), or rendered afresh when None.
    list_key: tuple[Any, ...] | None = None


def page_locale(country: str | None) -> PlaceLocale:
    """The wording and units for a searched country (the first configured one before a search)."""
    if country is None:
        country = _countries()[0]
    return place_locale(country, str(current_app.config["DISTANCE_UNIT"]), language=current_language())


def _countries() -> tuple[str, ...]:
    """The configured countries, in order (config makes a tuple; a test may give "GB,US")."""
    value = current_app.config.get("GEOCODER_COUNTRIES") or ("GB",)
    if isinstance(value, str):
        value = value.split(",")
    return tuple(str(c).strip().upper() for c in value if str(c).strip()) or ("GB",)


def _parse(args: Mapping[str, Sequence[str]], unit: str) -> SearchRequest:
    default_km = float(current_app.config["DEFAULT_RADIUS_KM"])
    scale = KM_PER_MILE if unit == "mi" else 1.0
    return parse_search_args(args, vocab=vocabulary_slugs(), radius_param="radius", unit=unit,
                             default_radius_km=default_radius(unit, default_km) * scale,
                             default_limit=PER_PAGE)


def _located_args(args: dict[str, list[str]]) -> dict[str, list[str]]:
    """A shared location's page shows the place found in the box (``Use my location`` fills it);
    sent back unchanged, the point is searched again, not the place's name (which would move the
    search to the place's centre). Anything else typed replaces the point, as always."""
    where = (args.get("where") or [""])[-1].strip()
    lat, lng = (args.get("lat") or [""])[-1], (args.get("lng") or [""])[-1]
    if not (where and lat.strip() and lng.strip()):
        return args
    try:
        found = geocoder().resolve(lat=lat, lng=lng)
    except (InvalidInput, PlaceNotFound):
        return args
    if found.label.casefold() != where.casefold():
        return args
    return {k: v for k, v in args.items() if k != "where"}


def run_results_page(args: Mapping[str, Sequence[str]], *,
                     now: dt.datetime | None = None) -> ResultsOutcome:
    """The results page's search: parse → place → the country's units → one page with its
    total, chips and, when nothing matches, what to drop. Raises as ``run_search`` does."""
    now = now or dt.datetime.now(dt.UTC)
    config = current_app.config
    asked = _located_args({k: list(v) for k, v in args.items()})
    guess = page_locale(None)
    req = _parse(asked, guess.unit)
    options = parse_page_args(asked)
    origin = geocoder().resolve(text=req.where, lat=req.latitude, lng=req.longitude)
    locale = page_locale(origin.country)
    if locale.unit != guess.unit:  # the radius is in the unit of the searched place's country
        req = _parse(asked, locale.unit)
    pairs = tuple((k, v) for k, vs in asked.items() for v in vs if k not in ("cursor",))
    criteria = SearchCriteria(
        latitude=origin.latitude, longitude=origin.longitude, radius_km=req.radius_km,
        conditions=req.conditions, days=req.days, starts_after=req.starts_after,
        starts_before=req.starts_before, audiences=req.audiences, languages=req.languages,
        access=req.access, limit=PER_PAGE, meets_on=options.when,
        organisations=req.organisations)
    page = search_results(criteria, offset=(options.page - 1) * PER_PAGE, per_page=PER_PAGE,
                          sort=options.sort, now=now)

    clock = str(config["CLOCK"])
    language = current_language()
    place = searched_place(req.where, origin.label, origin.precision, _countries())
    radius = radius_words(req.radius_km, locale.unit, language=language)
    names = vocabulary_names()
    chip_list = chips(pairs, conditions=req.conditions, days=req.days, when=options.when,
                      starts_after=req.starts_after, starts_before=req.starts_before,
                      audiences=req.audiences, languages=req.languages, access=req.access,
                      names=names, clock=clock, organisations=req.organisations, language=language)
    cards = [ResultCard(r, *_when(r, now, locale, clock),
                        distance_text=display_distance(r.distance_km, locale.unit, language=language),
                        contact=_contact(r.group))
             for r in page.results]
    shown = len(page.results)
    range_ = (range_text(page.offset, shown, page.total, at_least=page.at_least, language=language)
              if shown else None)
    has_more = page.offset + shown < page.total
    previous_page = next_page = None
    if page.offset > 0:
        number = page.offset // PER_PAGE  # the page before this one, 1-based
        previous_page = replaced(pairs, "page", str(number) if number > 1 else None)
    if has_more:
        next_page = replaced(pairs, "page", str(page.offset // PER_PAGE + 2))

    nothing = None
    advice: list[tuple[Advice, str]] = []
    if page.total == 0:
        nothing = nothing_text(chip_list, radius, place, language=language)
        for kind in applied_kinds(chip_list):
            fewer = _without_kind(criteria, kind)
            count, at_least = count_matching(fewer, now, limit=ADVICE_SCAN)
            label = kind_label(kind, language=language)
            values = kind_values(chip_list, kind, language=language)
            if kind == "when" and options.when:
                label, values = _("“%(when)s”", when=when_words(options.when, language=language)), ""
            tip = Advice(kind, label, count, at_least, without(pairs, kind_params(kind)), values)
            if count:
                advice.append((tip, advice_text(tip, language=language)))
    return ResultsOutcome(
        request=req, options=options, origin=origin, locale=locale, place=place, radius=radius,
        page=page, cards=cards, chips=chip_list, clear_all=clear_all(pairs),
        summary=summary_line(chip_list, radius, place, language=language),
        count=count_text(page.total, at_least=page.at_least, radius=radius, when=options.when,
                         sort=options.sort, sorted_among=page.sorted_among, language=language),
        range=range_, previous_page=previous_page, next_page=next_page, nothing=nothing,
        advice=advice, pairs=pairs, located=origin.precision == "coordinates",
        list_key=_list_key(cards, page.offset, now))


def _list_key(cards: Sequence[ResultCard], offset: int, now: dt.datetime) -> tuple[Any, ...] | None:
    """What the cards show besides their groups' public data: labels, times and distances, and
    each venue zone's date (the schedules in words are the day's). None unless every group is
    the public read model (the same for everyone)."""
    if not all(isinstance(c.group, PublicGroup) for c in cards):
        return None
    zones = sorted({c.group.venue.timezone for c in cards if c.group.venue is not None})
    return (offset, tuple((c.group.id, c.label, c.when, c.kind, c.distance_text,
                           c.result.meeting.status if c.result.meeting else None) for c in cards),
            tuple((zone, now.astimezone(ZoneInfo(zone)).date()) for zone in zones))


def _without_kind(c: SearchCriteria, kind: str) -> SearchCriteria:
    fields = {"condition": {"conditions": ()}, "day": {"days": ()}, "when": {"meets_on": None},
              "time": {"starts_after": None, "starts_before": None}, "audience": {"audiences": ()},
              "language": {"languages": ()}, "access": {"access": ()},
              "organisation": {"organisations": ()}}[kind]
    return replace(c, **fields)  # type: ignore[arg-type]


def _when(r: Result, now: dt.datetime, locale: PlaceLocale,
          clock: str) -> tuple[str | None, str | None, str]:
    m = r.meeting
    if m is None:
        return None, None, ""
    start, end = m.starts_at, m.ends_at
    today = now.astimezone(start.tzinfo).date()
    language = current_language()
    times = format_time_range(start.time(), end.time(), clock,  # type: ignore[arg-type]
                              language=language)
    day = format_day(start.date(), locale, today=today, language=language)
    gettext = partial(i18n.gettext, language)  # the catalogue at hand (``make messages`` finds it)
    when = gettext("%(day)s, %(times)s %(zone)s", day=day, times=times, zone=start.tzname())
    return time_label(m, now, language), when, time_kind(m, now) or ""


def _contact(group: Any) -> tuple[str, ...]:
    """What a printed list gives to get in touch: the group's email, the first facilitator's
    phone that is public (through ``privacy``), the website."""
    phone = next((p for p in (privacy.public_contact(f).phone for f in group.facilitators) if p), None)
    return tuple(v for v in (group.contact_email, phone, group.website) if v)
