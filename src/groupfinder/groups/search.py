"""The search use case shared by the page, the API and the search feed: parse → place → query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app

from ..geo.geocoding import Origin
from .criteria import SearchRequest, parse_search_args
from .queries import SearchCriteria, SearchPage, decode_cursor, search_groups, vocabulary_slugs


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
        access=req.access, limit=limit, after=after, meets_between=week)
    return SearchOutcome(req, origin, search_groups(criteria, now=now, load=load))
