"""Parse and validate search parameters, the same way for the search page, the API and feeds.

Pure; no request, no session. Messages are in the language of the search being parsed
(``lazytext.text``). Every problem becomes a per-field message (``InvalidInput``), so the
page can re-render the form with the person's input and the API can answer problem+json.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from ..exceptions import InvalidInput
from ..geo.distance import KM_PER_MILE
from ..lazytext import text as _

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_LIMIT = 100
MAX_RADIUS_KM = 200.0
MIN_RADIUS_KM = 1.0
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# The parameters a search reads (its radius aside: ``radius`` on the page, ``radius_km`` in the
# API and feeds). A search feed takes these and refuses others; the page ignores others.
SEARCH_PARAMS = frozenset({
    "where", "lat", "lng", "condition", "day", "starts_after", "starts_before", "audience",
    "language", "access", "limit", "cursor", "this_week", "organisation"})
_DIGITS = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class SearchRequest:
    where: str | None
    latitude: float | None
    longitude: float | None
    radius_km: float
    conditions: tuple[str, ...]
    days: tuple[int, ...]
    starts_after: dt.time | None
    starts_before: dt.time | None
    audiences: tuple[str, ...]
    languages: tuple[str, ...]
    access: tuple[str, ...]
    limit: int
    cursor: str | None
    this_week: bool = False
    organisations: tuple[str, ...] = ()  # slugs of public organisations (any of them)

    def cache_key(self) -> tuple[tuple[str, object], ...]:
        """The question asked, as sorted (name, value) pairs with every list sorted: equal for
        URLs that differ only in parameter order, repeats, case of a day or parameters the
        parser ignores, so a cache keyed on it holds one entry per question, not per URL."""
        pairs = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = tuple(sorted(value))
            elif isinstance(value, dt.time):
                value = value.isoformat()
            pairs.append((f.name, value))
        return tuple(sorted(pairs))


def _one(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name) or []
    value = values[-1].strip() if values else None
    return value or None


def _many(args: Mapping[str, Sequence[str]], name: str) -> list[str]:
    out: list[str] = []
    for raw in args.get(name) or []:
        out.extend(p.strip() for p in raw.split(",") if p.strip())
    return list(dict.fromkeys(out))


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_search_args(
    args: Mapping[str, Sequence[str]],
    *,
    vocab: Mapping[str, set[str]],
    radius_param: str = "radius_km",
    unit: str = "km",
    default_radius_km: float = 25.0,
    default_limit: int = 20,
    require_place: bool = True,
) -> SearchRequest:
    """``args`` maps each name to its list of values (a MultiDict's ``to_dict(flat=False)``)."""
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    where = _one(args, "where")
    if where and len(where) > 200:
        err("where", _("Keep it under 200 characters: a postcode, town or address."))
    lat_text, lng_text = _one(args, "lat"), _one(args, "lng")
    lat = lng = None
    if lat_text is not None or lng_text is not None:
        if lat_text is None:
            err("lat", _("Give a latitude with the longitude."))
        if lng_text is None:
            err("lng", _("Give a longitude with the latitude."))
        if lat_text is not None:
            lat = _float(lat_text)
            if lat is None or not -90 <= lat <= 90:
                err("lat", _("Latitude must be a number between -90 and 90."))
                lat = None
        if lng_text is not None:
            lng = _float(lng_text)
            if lng is None or not -180 <= lng <= 180:
                err("lng", _("Longitude must be a number between -180 and 180."))
                lng = None
        # ~110 m: enough to find groups, too coarse to pin a person's home.
        lat = round(lat, 3) if lat is not None else None
        lng = round(lng, 3) if lng is not None else None
    if require_place and not where and lat_text is None and lng_text is None:
        err("where", _("Enter a postcode, town or address — or use your location."))
    if where:  # a typed place wins over a location shared earlier in the same form
        lat = lng = None
        errors.pop("lat", None)
        errors.pop("lng", None)

    radius_km = default_radius_km
    radius_text = _one(args, radius_param)
    if radius_text is not None:
        value = _float(radius_text)
        scale = KM_PER_MILE if unit == "mi" else 1.0
        lo, hi = MIN_RADIUS_KM / scale, MAX_RADIUS_KM / scale
        if value is None or not lo - 1e-9 <= value <= hi + 1e-9:
            low, high = format(lo, "g"), format(hi, ".0f")
            err(radius_param, _("Radius must be between %(lo)s and %(hi)s %(unit)s.",
                                 lo=low, hi=high, unit=unit))
        else:
            radius_km = value * scale

    def slugs(name: str, kind: str) -> tuple[str, ...]:
        values = _many(args, name)
        unknown = [v for v in values if v not in vocab.get(kind, set())]
        if unknown:
            err(name, _unknown(kind, ", ".join(unknown[:5])))
        return tuple(v for v in values if v not in unknown)

    conditions = slugs("condition", "condition")
    audiences = slugs("audience", "audience")
    languages = slugs("language", "language")
    access = slugs("access", "access")
    organisations = slugs("organisation", "organisation")

    days: list[int] = []
    for d in _many(args, "day"):
        key = d.lower()[:3]
        if key in DAYS and d.lower() in (key, _FULL_DAYS[DAYS.index(key)]):
            days.append(DAYS.index(key))
        else:
            err("day", _("Unknown day %(day)s: use mon, tue, wed, thu, fri, sat or sun.", day=repr(d)))

    def time_of(name: str) -> dt.time | None:
        text = _one(args, name)
        if text is None:
            return None
        m = _TIME.match(text)
        if not m:
            err(name, _("Use the 24-hour form HH:MM, for example 18:30."))
            return None
        return dt.time(int(m.group(1)), int(m.group(2)))

    starts_after, starts_before = time_of("starts_after"), time_of("starts_before")
    if starts_after and starts_before and starts_after > starts_before:
        err("starts_before", _("The latest start must not be earlier than the earliest start."))

    limit = default_limit
    limit_text = _one(args, "limit")
    if limit_text is not None:
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if not _DIGITS.fullmatch(limit_text) or not 1 <= int(limit_text) <= MAX_LIMIT:
            err("limit", _("Limit must be a whole number from 1 to %(max)s.", max=MAX_LIMIT))
        else:
            limit = int(limit_text)

    this_week = False
    flag = _one(args, "this_week")
    if flag is not None:
        if flag.lower() in _TRUE:
            this_week = True
        elif flag.lower() not in _FALSE:
            err("this_week", _("Use true or false."))

    if errors:
        raise InvalidInput(_("Some search parameters are not valid."), field_errors=errors)
    return SearchRequest(
        where=where, latitude=lat, longitude=lng, radius_km=radius_km, conditions=conditions,
        days=tuple(sorted(set(days))), starts_after=starts_after, starts_before=starts_before,
        audiences=audiences, languages=languages, access=access, limit=limit,
        cursor=_one(args, "cursor"), this_week=this_week, organisations=organisations,
    )


@dataclass(frozen=True)
class PageRequest:
    """What only the results page asks besides the search: the quick "when" filter (meetings
    today, tomorrow or in the 7 days from today, in each venue's zone), the order and the page.
    """

    when: str | None = None  # "today", "tomorrow" or "week"
    sort: str = "nearest"  # or "next": the next matching meeting first
    page: int = 1


WHEN_VALUES = ("today", "tomorrow", "week")
SORT_VALUES = ("nearest", "next")
MAX_PAGE = 500


def parse_page_args(args: Mapping[str, Sequence[str]]) -> PageRequest:
    """``when``, ``sort`` and ``page`` of the results page; ``InvalidInput`` per field. An old
    ``this_week=true`` link reads as ``when=week``."""
    errors: dict[str, list[str]] = {}
    when = _one(args, "when")
    if when is not None:
        when = when.lower()
        if when in ("any", "anytime", "any-day"):
            when = None
        elif when not in WHEN_VALUES:
            errors["when"] = [_("Choose any day, today, tomorrow or this week.")]
            when = None
    if when is None and "when" not in errors and (_one(args, "this_week") or "").lower() in _TRUE:
        when = "week"
    sort = (_one(args, "sort") or "nearest").lower()
    if sort not in SORT_VALUES:
        errors["sort"] = [_("Sort by nearest or by next meeting.")]
    page_text = _one(args, "page")
    page = 1
    if page_text is not None:
        if not _DIGITS.fullmatch(page_text) or not 1 <= int(page_text) <= MAX_PAGE:
            errors["page"] = [_("The page must be a whole number from 1 to %(max)s.", max=MAX_PAGE)]
        else:
            page = int(page_text)
    if errors:
        raise InvalidInput(_("Some search parameters are not valid."), field_errors=errors)
    return PageRequest(when=when, sort=sort, page=page)


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
def _unknown(kind: str, values: str) -> str:
    """"Unknown condition: x. Choose from the list." as one message per vocabulary."""
    if kind == "condition":
        return _("Unknown condition: %(values)s. Choose from the list.", values=values)
    if kind == "audience":
        return _("Unknown audience: %(values)s. Choose from the list.", values=values)
    if kind == "language":
        return _("Unknown language: %(values)s. Choose from the list.", values=values)
    if kind == "access":
        return _("Unknown accessibility feature: %(values)s. Choose from the list.", values=values)
    return _("Unknown organisation: %(values)s. Choose from the list.", values=values)


_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
