"""The geocoding port: turn what people type (or a "near me" point) into an ``Origin``.

Three geopy ``Geocoder`` layers (docs/geo.md §1.5):

- ``GazetteerGeocoder``: offline, reads the ``gazetteer`` table; its adapter refuses the network.
- ``CachedGeocoder``: wraps any geopy geocoder with the ``geocode_cache`` table (30 days for
  answers, 1 day for "not found"); it stores the normalised query's hash, never who asked.
- an optional online geocoder (``GROUPFINDER_GEOCODER=nominatim``) for free-text addresses only.

``GeocodingService.resolve`` decides: coordinates → reverse label; postcodes → gazetteer (sector,
then district); place names → gazetteer (one, dominant, or a choice); anything else → the online
geocoder if configured, else ``PlaceNotFound`` with suggestions. Every geopy exception is mapped
here and nowhere else. Nothing here logs the query text or coordinates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from cachetools import LRUCache
from geopy import exc as geopy_exc
from geopy.adapters import BaseSyncAdapter
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point
from sqlalchemy.orm import Session

from ..db import now_utc, reading, writing
from ..exceptions import AmbiguousPlace, GeocodingUnavailable, InvalidInput, PlaceNotFound
from ..lazytext import lazy as _l
from ..lazytext import text as _
from . import gazetteer
from .gazetteer import GazetteerRow
from .models import GeocodeCache
from .parsing import (
    MSG_EMPTY,
    US_STATE_CODES,
    US_STATES,
    Kind,
    ParseError,
    PlaceCandidate,
    Query,
    classify,
    covered_phrase,
    fold,
    matches_all,
    parse_coordinates,
)

log = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]

MSG_UNAVAILABLE = _l("Address search is unavailable right now. A postcode or town name still works.")
DOMINANCE = 5  # the most populous match wins if it has at least 5× the runner-up's population
MAX_CANDIDATES = 10
MAX_ALTERNATIVES = 4
KEPT_ANSWERS = 4096  # points' labels and places' answers each worker keeps (the least recent go)
POSITIVE_TTL = dt.timedelta(days=30)
NEGATIVE_TTL = dt.timedelta(days=1)
PRECISION_M = {"coordinates": 110, "address": 50, "postcode_sector": 750,
               "postcode_district": 1500, "zip": 2000, "place": 3000}


def quiet_geopy_logger() -> None:
    """geopy logs request URLs (which carry the query) at DEBUG: never let that through."""
    logger = logging.getLogger("geopy")
    if logger.level < logging.INFO:
        logger.setLevel(logging.INFO)


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A choice to offer: ``where`` is a query string that resolves to exactly this place."""

    label: str
    latitude: float
    longitude: float
    where: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Origin:
    """Where a search is measured from.

    ``label`` names the place ("M1 1, Manchester", "Newport, Wales", "Leeds"); for coordinates
    it names the nearest sector, ZIP or place, and ``precision`` is "coordinates". ``precision``
    is one of ``PRECISION_M``'s keys. ``alternatives`` are the other places of the same name
    when a dominant one was chosen ("Did you mean …?"); ``notice`` is a message to show beside
    the results (for example when the online geocoder was down and a town was used instead).
    """

    label: str
    latitude: float
    longitude: float
    precision: str
    country: str | None
    alternatives: tuple[Candidate, ...] = ()
    notice: str | None = None
    code: str | None = None

    @property
    def precision_m(self) -> int:
        return PRECISION_M.get(self.precision, 3000)


# --- the offline geocoder ---------------------------------------------------------------------


class NoNetworkAdapter(BaseSyncAdapter):
    """An adapter that refuses every request, so an offline geocoder can't go online by mistake."""

    is_available = True

    def get_json(self, url: str, *, timeout: float, headers: Mapping[str, str]) -> Any:
        raise geopy_exc.GeocoderUnavailable("offline geocoder")

    def get_text(self, url: str, *, timeout: float, headers: Mapping[str, str]) -> str:
        raise geopy_exc.GeocoderUnavailable("offline geocoder")


def _raw(row: GazetteerRow, label: str) -> dict[str, Any]:
    return {
        "source": "gazetteer", "country": row.country, "kind": row.kind, "code": row.code,
        "name": row.name, "admin1": row.admin1, "admin2": row.admin2, "label": label,
        "precision_m": PRECISION_M.get(row.kind, 3000), "population": row.population,
        "gazetteer_id": row.id,
    }


def _location(row: GazetteerRow, label: str) -> Location:
    return Location(label, (row.lat, row.lng), _raw(row, label))


@dataclass(frozen=True)
class _PlaceMatch:
    candidate: PlaceCandidate
    rows: tuple[GazetteerRow, ...]
    qualifier_failed: bool = False


def _match_places(session: Any, candidates: Sequence[PlaceCandidate],
                  countries: Sequence[str]) -> _PlaceMatch | None:
    """The first reading of the text that names places, filtered by its qualifiers."""
    for cand in candidates:
        rows = gazetteer.find_places(session, cand.key, countries)
        if not rows:
            continue
        if not cand.qualifiers:
            return _PlaceMatch(cand, tuple(rows))
        matched = [r for r in rows
                   if matches_all(cand.qualifiers, country=r.country, admin1=r.admin1, admin2=r.admin2)]
        if matched:
            return _PlaceMatch(cand, tuple(matched))
        if cand.strict:
            continue  # "Newport Pagnell" is not a Newport in a county called Pagnell
        return _PlaceMatch(cand, tuple(rows), qualifier_failed=True)
    return None


def _is_dominant(rows: Sequence[GazetteerRow]) -> bool:
    if len(rows) < 2:
        return len(rows) == 1
    first, second = rows[0].population or 0, rows[1].population or 0
    return first > 0 and first >= DOMINANCE * second


def _qualifier(row: GazetteerRow, same_name: Sequence[GazetteerRow]) -> str:
    """"NY" for the US; for the UK the nation if no other place of the name shares it
    ("London, England"), else the local authority ("Newport, Isle of Wight")."""
    if row.country == "US":
        return US_STATE_CODES.get(row.admin1 or "", row.admin1 or "")
    shared = any(r.id != row.id and r.country == row.country and r.admin1 == row.admin1 for r in same_name)
    if shared and row.admin2 and fold(row.admin2) != fold(row.name):
        return row.admin2
    return row.admin1 or row.admin2 or ""


def _qualified_label(row: GazetteerRow, same_name: Sequence[GazetteerRow]) -> str:
    qualifier = _qualifier(row, same_name)
    return f"{row.name}, {qualifier}" if qualifier else row.name


def _resolves_to(where_qualifier: str, row: GazetteerRow, same_name: Sequence[GazetteerRow]) -> bool:
    picked = [r for r in same_name
              if matches_all((where_qualifier,), country=r.country, admin1=r.admin1, admin2=r.admin2)]
    return bool(picked) and picked[0].id == row.id and (len(picked) == 1 or _is_dominant(picked))


def _candidates(session: Any, rows: Sequence[GazetteerRow],
                same_name: Sequence[GazetteerRow]) -> list[Candidate]:
    """Labels people can tell apart, each with a ``where`` that resolves to that row alone."""
    labels = [_qualified_label(r, same_name) for r in rows]
    out = []
    for row, label in zip(rows, labels, strict=True):
        qualifier = _qualifier(row, same_name)
        where = label
        if not qualifier or not _resolves_to(qualifier, row, same_name):
            where = f"{row.lat:.3f}, {row.lng:.3f}"  # coordinates always resolve to one point
        if labels.count(label) > 1:
            near = gazetteer.nearest_label(session, row.lat, row.lng, [row.country])
            if near is not None and near.row.kind != "place":
                label = f"{label} (near {near.row.code})"
        out.append(Candidate(label, row.lat, row.lng, where))
    return out


class GazetteerGeocoder(Geocoder):
    """Offline geopy geocoder over the ``gazetteer`` table (postcodes, ZIPs, places)."""

    def __init__(self, session_factory: SessionFactory, *, countries: Sequence[str] = ("GB",),
                 timeout: Any = DEFAULT_SENTINEL) -> None:
        super().__init__(timeout=timeout, adapter_factory=NoNetworkAdapter)
        self.session_factory = session_factory
        self.countries = tuple(c.upper() for c in countries)

    def geocode(self, query: str, *, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL,
                country_codes: str | Sequence[str] | None = None,
                limit: int | None = None) -> Location | list[Location] | None:
        countries = self.countries
        if country_codes:
            wanted = {country_codes.upper()} if isinstance(country_codes, str) else \
                {c.upper() for c in country_codes}
            countries = tuple(c for c in countries if c in wanted)
        try:
            parsed = classify(query, countries)
        except ParseError:
            return None
        with self.session_factory() as session:
            locations = self._lookup(session, parsed, countries)
        if limit is not None:
            locations = locations[:limit]
        if exactly_one:
            return locations[0] if locations else None
        return locations or None

    def _lookup(self, session: Any, parsed: Query, countries: Sequence[str]) -> list[Location]:
        if parsed.is_postcode:
            for kind, key in parsed.lookups:
                row = gazetteer.find_code(session, parsed.country or "", kind, key)
                if row is not None:
                    # A ZIP in another state than the one written: no answer, not the ZIP's.
                    return [] if state_conflict(parsed, row) else [_location(row, gazetteer.label_of(row))]
            return []
        if parsed.kind == Kind.coordinates:
            near = gazetteer.nearest_label(session, parsed.lat or 0.0, parsed.lng or 0.0, countries)
            return [Location(near.label, (parsed.lat, parsed.lng), {"source": "gazetteer",
                                                                     "kind": "coordinates"})] if near else []
        if parsed.kind != Kind.place:
            return []
        match = _match_places(session, [c for c in parsed.places if not c.fallback], countries) \
            or _match_places(session, [c for c in parsed.places if c.fallback], countries)
        if match is None:
            return []
        several = len(match.rows) > 1
        return [_location(r, _qualified_label(r, match.rows) if several else r.name) for r in match.rows]

    def reverse(self, query: Any, *, exactly_one: bool = True,
                timeout: Any = DEFAULT_SENTINEL) -> Location | list[Location] | None:
        try:
            point = Point(query)
        except (TypeError, ValueError):
            raise ValueError("Must be a coordinate pair or Point") from None
        with self.session_factory() as session:
            near = gazetteer.nearest_label(session, point.latitude, point.longitude, self.countries)
        if near is None:
            return None
        location = _location(near.row, near.label)
        return location if exactly_one else [location]


# --- the cache --------------------------------------------------------------------------------


def normalize_query(query: str) -> str:
    return " ".join(str(query).casefold().split())


class CachedGeocoder(Geocoder):
    """Any geopy geocoder behind the ``geocode_cache`` table.

    Caches answers for ``positive_ttl`` and "not found" for ``negative_ttl``. Exceptions (service
    down, rate-limited) pass through uncached. Stores the hash of the normalised query, the
    country set and the provider: never an IP, a session or a user. The cache write uses its
    own short transaction; if it fails the answer is still returned.
    """

    def __init__(self, geocoder: Geocoder, session_factory: SessionFactory, *, provider: str | None = None,
                 positive_ttl: dt.timedelta = POSITIVE_TTL, negative_ttl: dt.timedelta = NEGATIVE_TTL,
                 clock: Callable[[], dt.datetime] = now_utc) -> None:
        super().__init__(adapter_factory=NoNetworkAdapter)
        self.geocoder = geocoder
        self.session_factory = session_factory
        self.provider = (provider or type(geocoder).__name__.lower())[:40]
        self.positive_ttl = positive_ttl
        self.negative_ttl = negative_ttl
        self.clock = clock

    def cache_key(self, query: str, country_codes: str | Sequence[str] | None) -> str:
        if isinstance(country_codes, str):
            country_codes = [country_codes]
        countries = ",".join(sorted({c.upper() for c in country_codes or ()}))
        text = "\x1f".join((normalize_query(query), countries, self.provider))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def geocode(self, query: Any, *, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL,
                **kwargs: Any) -> Location | list[Location] | None:
        if not isinstance(query, str):
            return self.geocoder.geocode(query, exactly_one=exactly_one, timeout=timeout, **kwargs)
        key = self.cache_key(query, kwargs.get("country_codes"))
        hit = self._get(key)
        if hit is not None:
            location = hit[1]
        else:
            found = self.geocoder.geocode(query, exactly_one=True, timeout=timeout, **kwargs)
            location = found[0] if isinstance(found, list) and found else found or None
            self._put(key, location)
        if location is None:
            return None
        return location if exactly_one else [location]

    def _get(self, key: str) -> tuple[bool, Location | None] | None:
        with self.session_factory() as session:
            entry = session.get(GeocodeCache, key)
            if entry is None:
                return None
            ttl = self.positive_ttl if entry.found else self.negative_ttl
            if entry.created_at + ttl <= self.clock():
                return None
            if entry.found and entry.lat is not None and entry.lng is not None:
                location = Location(entry.label or "", (entry.lat, entry.lng),
                                    {"source": "cache", "provider": entry.provider})
            else:
                location = None
        try:
            with writing(), self.session_factory() as session:
                session.execute(sa.update(GeocodeCache).where(GeocodeCache.key == key)
                                .values(hits=GeocodeCache.hits + 1))
                session.commit()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("geocode cache hit count not saved: %s", type(exc).__name__)
        return (location is not None, location)

    def _put(self, key: str, location: Location | None) -> None:
        try:
            with writing(), self.session_factory() as session:
                session.merge(GeocodeCache(
                    key=key, provider=self.provider, found=location is not None,
                    label=(location.address[:300] if location is not None else None),
                    lat=location.latitude if location is not None else None,
                    lng=location.longitude if location is not None else None,
                    created_at=self.clock(), hits=0,
                ))
                session.commit()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("geocode cache not saved: %s", type(exc).__name__)

    def reverse(self, query: Any, *, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL,
                **kwargs: Any) -> Any:
        return self.geocoder.reverse(query, exactly_one=exactly_one, timeout=timeout, **kwargs)


# --- building the online geocoder -------------------------------------------------------------


def make_online_geocoder(name: str | None, *, user_agent: str | None = None, domain: str | None = None,
                         timeout: float = 5.0, adapter_factory: Any = None) -> Geocoder | None:
    """The geopy geocoder named by ``GROUPFINDER_GEOCODER``, or None for "offline".

    Raises ``geopy.exc.GeocoderNotFound`` for an unknown name and ``ConfigurationError`` for a
    missing or placeholder user agent: both are start-up errors, not request errors.
    """
    quiet_geopy_logger()
    if not name or name.strip().lower() in ("offline", "none", "gazetteer"):
        return None
    cls = get_geocoder_for_service(name.strip().lower())
    kwargs: dict[str, Any] = {"timeout": timeout}
    if user_agent:
        kwargs["user_agent"] = user_agent
    if domain:
        kwargs["domain"] = domain
    if adapter_factory is not None:
        kwargs["adapter_factory"] = adapter_factory
    return cls(**kwargs)


# --- the service ------------------------------------------------------------------------------


class GeocodingService:
    """Resolve "where" into an ``Origin``, or raise a domain error with a per-field message.

    ``session_factory`` returns a new Session each call (it is closed after use), for example
    ``sessionmaker(bind=engine)``; cache writes use their own transaction. ``online`` is any
    geopy geocoder (already configured); it is wrapped in ``CachedGeocoder`` unless
    ``cache=False``, and only ever sees free text that the gazetteer can't answer.
    """

    def __init__(self, session_factory: SessionFactory, countries: Sequence[str] = ("GB",),
                 online: Geocoder | None = None, *, provider: str | None = None, cache: bool = True,
                 min_delay_seconds: float = 0.0, clock: Callable[[], dt.datetime] = now_utc,
                 breaker_seconds: float = 60.0) -> None:
        quiet_geopy_logger()
        self.session_factory = session_factory
        self.countries = tuple(c.upper() for c in countries)
        self.offline = GazetteerGeocoder(session_factory, countries=self.countries)
        self.online: Geocoder | None = online
        if online is not None and cache:
            self.online = CachedGeocoder(online, session_factory, provider=provider, clock=clock)
        self._online_accepts_countries = online is not None and \
            "country_codes" in inspect.signature(online.geocode).parameters
        self._geocode_online: Callable[..., Any] | None = None
        if self.online is not None:
            self._geocode_online = self.online.geocode
            if min_delay_seconds > 0:
                self._geocode_online = RateLimiter(
                    self.online.geocode, min_delay_seconds=min_delay_seconds, max_retries=0,
                    error_wait_seconds=min_delay_seconds, swallow_exceptions=False)
        self.breaker_seconds = breaker_seconds
        self._blocked_until = 0.0
        self._lock = threading.Lock()
        self._labels: LRUCache[tuple[float, float], Any] = LRUCache(maxsize=KEPT_ANSWERS)
        # text → what the gazetteer alone answered
        self._places: LRUCache[str, Origin] = LRUCache(maxsize=KEPT_ANSWERS)
        self._labels_version: Any = None
        self._labels_checked = 0.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any], session_factory: SessionFactory, *,
                    adapter_factory: Any = None) -> GeocodingService:
        """Build from app config keys GEOCODER, GEOCODER_USER_AGENT, GEOCODER_DOMAIN,
        GEOCODER_TIMEOUT, GEOCODER_COUNTRIES (list or "GB,US") and GEOCODER_MIN_DELAY."""
        countries = config.get("GEOCODER_COUNTRIES") or ("GB",)
        if isinstance(countries, str):
            countries = [c.strip() for c in countries.split(",") if c.strip()]
        name = config.get("GEOCODER") or "offline"
        online = make_online_geocoder(
            name, user_agent=config.get("GEOCODER_USER_AGENT"), domain=config.get("GEOCODER_DOMAIN"),
            timeout=float(config.get("GEOCODER_TIMEOUT") or 5.0), adapter_factory=adapter_factory)
        return cls(session_factory, countries, online, provider=str(name).lower(),
                   min_delay_seconds=float(config.get("GEOCODER_MIN_DELAY") or 0.0))

    # -- the entry point

    def resolve(self, text: str | None = None, lat: Any = None, lng: Any = None) -> Origin:
        """Coordinates win over text; see the module docstring for the order of the rest.

        Raises InvalidInput (empty, malformed, bad coordinates, outside coverage), PlaceNotFound
        (with ``extra["suggestions"]``), AmbiguousPlace (with ``candidates``) or
        GeocodingUnavailable (only when nothing offline could answer).
        """
        with reading():  # gazetteer reads; the cache's own writes say ``writing()`` themselves
            return self._resolve(text, lat, lng)

    def _resolve(self, text: str | None, lat: Any, lng: Any) -> Origin:
        if not _blank(lat) or not _blank(lng):
            try:
                latitude, longitude = parse_coordinates(lat, lng)
            except ParseError as exc:
                raise InvalidInput(exc.message, field_errors={exc.field: [exc.message]}) from None
            return self._from_point(latitude, longitude)
        if text is None or not str(text).strip():
            raise InvalidInput(str(MSG_EMPTY), field_errors={"where": [str(MSG_EMPTY)]})
        known = self._known_place(str(text))
        if known is not None:
            return known
        try:
            parsed = classify(str(text), self.countries)
        except ParseError as exc:
            raise InvalidInput(exc.message, field_errors={"where": [exc.message]}) from None

        if parsed.kind == Kind.coordinates:
            return self._from_point(parsed.lat or 0.0, parsed.lng or 0.0)
        if parsed.kind in (Kind.malformed_postcode, Kind.unsupported_code):
            message = parsed.message or covered_phrase(self.countries)
            raise InvalidInput(message, field_errors={"where": [message]})
        if parsed.is_postcode:
            return self._remember(str(text), self._from_code(parsed))
        return self._from_place(parsed, str(text))

    # -- coordinates

    # A point's label changes only when the gazetteer is reloaded (``load-reference-data``, maybe
    # in another process): its data version is looked at once a minute, not per request.
    LABELS_CHECK_SECONDS = 60.0

    def _fresh_labels(self) -> None:
        now = time.monotonic()
        if now - self._labels_checked < self.LABELS_CHECK_SECONDS:
            return
        with self.session_factory() as session:
            version = gazetteer.data_version(session)
        with self._lock:
            if version != self._labels_version:
                self._labels.clear()
                self._places.clear()
                self._labels_version = version
            self._labels_checked = now

    # What the gazetteer alone answered for a text (a postcode, or a place found without the
    # online geocoder) is the same until it is reloaded: kept as the labels are, so that a busy
    # place's searches skip the lookups. Errors and online answers are never kept (an error is
    # worded in the searcher's language; an online answer has its own cache).
    def _known_place(self, text: str) -> Origin | None:
        self._fresh_labels()
        with self._lock:
            return self._places.get(text)

    def _remember(self, text: str, origin: Origin) -> Origin:
        with self._lock:
            self._places[text] = origin
        return origin

    def _from_point(self, lat: float, lng: float) -> Origin:
        key = (round(lat, 3), round(lng, 3))
        self._fresh_labels()
        with self._lock:
            near = self._labels.get(key)
        if near is None:
            with self.session_factory() as session:
                near = gazetteer.nearest_label(session, lat, lng, self.countries)
            with self._lock:
                self._labels[key] = near or False
        if not near:
            message = covered_phrase(self.countries)
            raise InvalidInput(message, field_errors={"where": [message]})
        return Origin(near.label, lat, lng, "coordinates", near.row.country)

    # -- postcodes

    def _from_code(self, parsed: Query) -> Origin:
        with self.session_factory() as session:
            for kind, key in parsed.lookups:
                row = gazetteer.find_code(session, parsed.country or "", kind, key)
                if row is not None:
                    if conflict := state_conflict(parsed, row):
                        raise InvalidInput(conflict, field_errors={"where": [conflict]})
                    return Origin(gazetteer.label_of(row), row.lat, row.lng, row.kind, row.country,
                                  code=row.code)
        if parsed.kind == Kind.us_zip:
            message = _("We couldn't find the ZIP code %(code)s. Check it, or try your town.",
                         code=parsed.code)
        else:
            message = _("We couldn't find the postcode %(code)s. Check it, or try your town.",
                         code=parsed.code)
        raise PlaceNotFound(message, field_errors={"where": [message]})

    # -- places and free text

    def _from_place(self, parsed: Query, text: str) -> Origin:
        primary = [c for c in parsed.places if not c.fallback]
        later = [c for c in parsed.places if c.fallback]
        fallback_origin: Origin | None = None
        fallback_error: AmbiguousPlace | None = None
        # The read session is closed before any online call: no transaction is held open
        # across the network, and the cache can write in its own.
        with self.session_factory() as session:
            match = _match_places(session, primary, self.countries)
            if match is not None:
                return self._remember(text, self._choose(session, match))
            fallback = _match_places(session, later, self.countries)
            if fallback is not None:
                try:
                    fallback_origin = self._choose(session, fallback)
                except AmbiguousPlace as exc:
                    fallback_error = exc
        if self._geocode_online is not None:
            try:
                found = self._online(parsed.text)
            except GeocodingUnavailable:
                if fallback_origin is not None:
                    return _with_notice(fallback_origin, str(MSG_UNAVAILABLE))
                raise
            if found is not None:
                with self.session_factory() as session:
                    return self._from_online(session, found)
        if fallback_origin is not None:
            return fallback_origin
        if fallback_error is not None:
            raise fallback_error
        with self.session_factory() as session:
            suggestions = gazetteer.suggest(
                session, parsed.places[0].name if parsed.places else parsed.text, self.countries)
        if suggestions:
            message = _("We couldn't find '%(place)s'. Did you mean: %(suggestions)s?",
                         place=parsed.text, suggestions=", ".join(suggestions))
        else:
            message = _("We couldn't find '%(place)s'. Check the spelling, or try a postcode or "
                         "town.", place=parsed.text)
        raise PlaceNotFound(message, field_errors={"where": [message]}, extra={"suggestions": suggestions})

    def _choose(self, session: Any, match: _PlaceMatch) -> Origin:
        rows = list(match.rows)
        if len(rows) == 1 and not match.candidate.qualifiers:
            row = rows[0]
            return Origin(row.name, row.lat, row.lng, "place", row.country)
        same_name = gazetteer.find_places(session, match.candidate.key, self.countries)
        if len(rows) == 1:  # picked out by a qualifier: keep the distinction in the label
            row = rows[0]
            label = _qualified_label(row, same_name) if len(same_name) > 1 else row.name
            return Origin(label, row.lat, row.lng, "place", row.country)
        if not match.qualifier_failed and _is_dominant(rows):
            row = rows[0]
            others = [r for r in same_name if r.id != row.id][:MAX_ALTERNATIVES]
            alternatives = tuple(_candidates(session, others, same_name))
            return Origin(_qualified_label(row, same_name), row.lat, row.lng, "place", row.country,
                          alternatives=alternatives)
        candidates = _candidates(session, rows[:MAX_CANDIDATES], same_name)
        message = _("Several places are called '%(name)s'. Which one did you mean?",
                     name=match.candidate.name)
        raise AmbiguousPlace(message, candidates=[c.as_dict() for c in candidates],
                             field_errors={"where": [message]})

    def _online(self, text: str) -> Location | None:
        """Ask the online geocoder; map every geopy failure to None or GeocodingUnavailable."""
        assert self._geocode_online is not None
        with self._lock:
            blocked = time.monotonic() < self._blocked_until
        if blocked:
            raise _unavailable()
        kwargs: dict[str, Any] = {}
        if self._online_accepts_countries:
            kwargs["country_codes"] = [c.lower() for c in self.countries]
        try:
            found = self._geocode_online(text, exactly_one=True, **kwargs)
        except geopy_exc.GeocoderQueryError:
            return None  # the service rejected the query: as good as not found
        except geopy_exc.GeocoderQuotaExceeded as exc:  # includes GeocoderRateLimited
            retry = getattr(exc, "retry_after", None)
            with self._lock:
                self._blocked_until = time.monotonic() + float(retry or self.breaker_seconds)
            log.warning("online geocoder rate-limited: %s", type(exc).__name__)
            error = _unavailable()
            if retry:
                error.retry_after = int(retry)
            raise error from None
        except (geopy_exc.GeocoderAuthenticationFailure, geopy_exc.GeocoderInsufficientPrivileges,
                geopy_exc.ConfigurationError) as exc:
            log.error("online geocoder is misconfigured: %s", type(exc).__name__)
            raise _unavailable() from None
        except geopy_exc.GeopyError as exc:  # timed out, unavailable, parse and service errors
            log.warning("online geocoder failed: %s", type(exc).__name__)
            raise _unavailable() from None
        if isinstance(found, list):
            found = found[0] if found else None
        return found

    def _from_online(self, session: Any, found: Location) -> Origin:
        lat, lng = round(found.latitude, 5), round(found.longitude, 5)
        near = gazetteer.nearest_label(session, lat, lng, self.countries)
        if near is None:
            message = covered_phrase(self.countries)
            raise InvalidInput(message, field_errors={"where": [message]})
        parts = [p.strip() for p in (found.address or "").split(",") if p.strip()]
        label = ", ".join(parts[:3]) or near.label
        return Origin(label, lat, lng, "address", near.row.country)


def _unavailable() -> GeocodingUnavailable:
    message = str(MSG_UNAVAILABLE)  # in the language of the search
    return GeocodingUnavailable(message, field_errors={"where": [message]})


def _with_notice(origin: Origin, notice: str) -> Origin:
    return Origin(origin.label, origin.latitude, origin.longitude, origin.precision, origin.country,
                  origin.alternatives, notice, origin.code)


def state_conflict(parsed: Query, row: GazetteerRow) -> str | None:
    """The message when the address names a state its ZIP is not in ("Test City, TX 12345":
    ZIP 12345 is in New York): the ZIP is not silently believed over the state, nor the
    state over the ZIP."""
    if not parsed.state or row.country != "US" or not row.admin1:
        return None
    found = US_STATE_CODES.get(row.admin1)
    if found is None or found == parsed.state:
        return None
    return _("ZIP %(zip)s is in %(found)s (US-%(found_code)s), not %(state)s (US-%(state_code)s). "
              "Check the ZIP code and the state.", zip=parsed.code, found=row.admin1,
              found_code=found, state=US_STATES[parsed.state], state_code=parsed.state)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
