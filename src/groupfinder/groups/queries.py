"""Read-only queries for groups: nearest-first search and the public group page.

Search is exact k-nearest by an expanding bounding box over each group's *public* point
(docs/geo.md §3.6): the radius grows 2 → 4 → 8 … km, capped at the requested radius, until k + 1 rows
lie inside the circle. Results and everything a page or the API shows of them load in a fixed
number of statements, whatever the number of results.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from cachetools import LRUCache
from sqlalchemy.orm import selectinload

from .. import privacy
from ..exceptions import InvalidInput, NotFound
from ..extensions import db
from ..facilitators.models import Facilitator
from ..geo.distance import bounding_box, haversine_sql
from ..lazytext import text as _
from ..organisations.models import Organisation
from ..schedules.models import MeetingChange, Schedule
from ..schedules.recurrence import Meeting, meetings, next_meetings
from ..venues.models import AccessFeature, Venue, venue_access
from . import search_masks
from .models import (
    Audience,
    Condition,
    Group,
    Language,
    ListingRevision,
    ListingStatus,
    RevisionStatus,
    group_access,
    group_audiences,
    group_conditions,
    group_facilitators,
    group_languages,
)
from .public import PublicGroup, occurrences, public_groups, search_vocabularies
from .timing import is_over, local_window, matches

MAX_RADIUS_KM = 200.0
FIRST_RADIUS_KM = 2.0


@dataclass(frozen=True)
class SearchCriteria:
    """A validated search. Repeated values of one filter mean "any of"; access means "all of"."""

    latitude: float
    longitude: float
    radius_km: float = 25.0
    conditions: tuple[str, ...] = ()
    days: tuple[int, ...] = ()  # 0 = Monday
    starts_after: dt.time | None = None
    starts_before: dt.time | None = None
    audiences: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    limit: int = 20
    after: tuple[float, int] | None = None  # (distance_km, id) of the last row already shown
    # Only groups with a meeting that will happen (cancellations and moves applied) in [start, end)
    meets_between: tuple[dt.datetime, dt.datetime] | None = None
    # The results page's quick filter: "today", "tomorrow" or "week", in each venue's own zone
    # (``search_results`` only; see groups.timing.local_window).
    meets_on: str | None = None
    organisations: tuple[str, ...] = ()  # run by any of these (slugs of public organisations)


@dataclass(frozen=True)
class SearchHit:
    group: Group
    distance_km: float
    next_meeting: Meeting | None


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    next_cursor: str | None
    nearest_outside_km: float | None = None
    criteria: SearchCriteria | None = field(default=None, compare=False)
    rows: list[tuple[int, float]] = field(default_factory=list)  # (id, distance_km), in order


def encode_cursor(distance_km: float, group_id: int) -> str:
    # Full precision (repr round-trips): a rounded distance would skip ties at the page edge.
    raw = json.dumps([distance_km, group_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, int]:
    """Raises ``InvalidInput`` on anything but a cursor this module made."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        d, gid = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if isinstance(d, bool) or isinstance(gid, bool):
            raise ValueError
        d, gid = float(d), int(gid)
        if not 0 <= d <= 40075 or not 0 <= gid <= 2**31 - 1:  # an id the database can hold
            raise ValueError
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput("The cursor is not valid; start the search again.",
                           field_errors={"cursor": ["This cursor is not valid."]}) from None
    return d, gid


# Search reads the day and condition bitmasks on the group's row (groups.search_masks) so the
# filters are answered from the search index. The joins they replace stay: as the fallback for a
# condition past the mask, and as the reference the tests compare with (``USE_MASKS = False``).
USE_MASKS = True


def _condition_ids() -> dict[str, int]:
    """{slug: id} of every condition; cached until the data changes. A data version up to a
    second old will do (no query per search outside a request): conditions change only with
    the reference data, and a commit in this process is seen at once."""
    from ..readcache import cache, current_token

    return cache().get_or_build("condition-ids", current_token(stale_ok=True), lambda: {
        slug: cid for slug, cid in db.session.execute(sa.select(Condition.slug, Condition.id))})


def _plan(c: SearchCriteria, today: dt.date) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The shape of a search's filters (which decides the SQL) and the values to bind: every
    search of one shape runs one statement, built once per process."""
    shape: list[Any] = []
    params: dict[str, Any] = {}
    if c.conditions:
        if USE_MASKS:
            ids = _condition_ids()
            known = [slug for slug in c.conditions if slug in ids]
            mask = sum(search_masks.condition_bit(ids[slug]) or 0 for slug in known)
            beyond = [slug for slug in known if search_masks.condition_bit(ids[slug]) is None]
            shape.append(("conditions", bool(mask), bool(beyond)))
            params.update(cmask=mask, cslugs=beyond)
        else:
            shape.append(("conditions", False, True))
            params["cslugs"] = list(c.conditions)
    if c.audiences:
        shape.append("audiences")
        params["aslugs"] = list(c.audiences)
    if c.languages:
        shape.append("languages")
        params["lslugs"] = list(c.languages)
    if c.organisations:
        shape.append("organisations")
        params["oslugs"] = list(c.organisations)
    if c.access:
        shape.append(("access", len(c.access)))
        params.update({f"x{i}": slug for i, slug in enumerate(c.access)})
    if c.days or c.starts_after or c.starts_before:
        shape.append(("schedules", bool(c.days), bool(c.starts_after), bool(c.starts_before),
                      USE_MASKS))
        params.update(today=today, dmask=sum(1 << d for d in set(c.days)),
                      sa=c.starts_after, sb=c.starts_before)
    return tuple(shape), params


def _filters(shape: tuple[Any, ...]) -> list[sa.ColumnElement[bool]]:
    g = Group.__table__.c
    p = sa.bindparam
    # A listing nobody confirmed in a long time leaves search (its page stays): groups.freshness.
    out: list[sa.ColumnElement[bool]] = [g.status == ListingStatus.published.value,
                                         g.hidden_since.is_(None)]

    def linked(link: sa.Table, right: type, column: str, name: str) -> sa.ColumnElement[bool]:
        return sa.exists().where(link.c.group_id == g.id, link.c[column] == right.id,
                                 right.slug.in_(p(name, expanding=True)))

    for part in shape:
        kind = part[0] if isinstance(part, tuple) else part
        if kind == "conditions":
            _kind, mask, beyond = part
            either = []
            if mask:
                either.append(g.search_conditions.op("&")(p("cmask", type_=sa.BigInteger)) != 0)
            if beyond:
                either.append(linked(group_conditions, Condition, "condition_id", "cslugs"))
            out.append(sa.or_(*either) if either else sa.false())
        elif kind == "audiences":
            out.append(linked(group_audiences, Audience, "audience_id", "aslugs"))
        elif kind == "languages":
            out.append(linked(group_languages, Language, "language_id", "lslugs"))
        elif kind == "organisations":
            out.append(g.organisation_id.in_(sa.select(Organisation.id).where(
                Organisation.slug.in_(p("oslugs", expanding=True)))))
        elif kind == "access":
            for i in range(part[1]):  # every requested feature, held by the venue or the group
                slug = p(f"x{i}", type_=sa.String)
                out.append(sa.or_(
                    sa.exists().where(venue_access.c.venue_id == g.venue_id,
                                      venue_access.c.access_feature_id == AccessFeature.id,
                                      AccessFeature.slug == slug),
                    sa.exists().where(group_access.c.group_id == g.id,
                                      group_access.c.access_feature_id == AccessFeature.id,
                                      AccessFeature.slug == slug),
                ))
        elif kind == "schedules":
            out += _schedule_filters(*part[1:])
    return out


def _schedule_filters(days: bool, after: bool, before: bool,
                      masks: bool) -> list[sa.ColumnElement[bool]]:
    """Some schedule not ended by ``today`` meets on one of the days and starts in the range."""
    g, s = Group.__table__.c, Schedule.__table__.c
    p = sa.bindparam
    dmask = p("dmask", type_=sa.Integer)
    today = p("today", type_=sa.Date)

    def meets(mask: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
        return mask.op("&")(dmask) != 0

    conds: list[sa.ColumnElement[bool]] = [
        s.group_id == g.id, sa.or_(s.last_date.is_(None), s.last_date >= today)]
    if days:
        conds.append(meets(s.days_mask))
    if after:
        conds.append(s.start_time >= p("sa", type_=sa.Time))
    if before:
        conds.append(s.start_time <= p("sb", type_=sa.Time))
    if not (masks and days):
        return [sa.exists().where(*conds)]
    if not (after or before):
        # Open-ended schedules answer from the index; those with a last date are looked up
        # (they may have ended by today), and only when one of them meets on a requested day.
        # A scalar subquery, not EXISTS: PostgreSQL would hash an EXISTS under OR over every
        # schedule on each execution; this one runs by index for the few rows that get here.
        last = (sa.select(sa.func.max(s.last_date))
                .where(s.group_id == g.id, meets(s.days_mask)).scalar_subquery())
        return [sa.or_(meets(g.search_days_open),
                       sa.and_(meets(g.search_days_ending), last >= today))]
    return [meets(g.search_days_open.op("|")(g.search_days_ending)), sa.exists().where(*conds)]


def _nearest_statement(shape: tuple[Any, ...], *, ranges: int, with_after: bool,
                       count: bool = False) -> sa.Select[Any]:
    """One statement for every radius step of a search: only the bound values change. With
    ``count``, how many rows lie in the circle instead."""
    g = Group.__table__.c
    p = sa.bindparam
    distance = haversine_sql(g.public_lat, g.public_lng, p("lat", type_=sa.Float),
                             p("lng", type_=sa.Float)).label("d")
    lng_ok = sa.or_(*(g.public_lng.between(p(f"w{i}", type_=sa.Float), p(f"e{i}", type_=sa.Float))
                      for i in range(ranges)))
    inner = (sa.select(g.id, distance)
             .where(g.public_lat.between(p("south", type_=sa.Float), p("north", type_=sa.Float)),
                    lng_ok, *_filters(shape))
             .subquery())
    if count:
        return (sa.select(sa.func.count()).select_from(inner)
                .where(inner.c.d <= p("r", type_=sa.Float)))
    outer = sa.select(inner.c.id, inner.c.d).where(inner.c.d <= p("r", type_=sa.Float))
    if with_after:
        d0, id0 = p("d0", type_=sa.Float), p("id0", type_=sa.Integer)
        outer = outer.where(sa.or_(inner.c.d > d0, sa.and_(inner.c.d == d0, inner.c.id > id0)))
    return outer.order_by(inner.c.d, inner.c.id).limit(p("k", type_=sa.Integer))


# Statements by (filter shape, longitude ranges, after, count): a few dozen shapes in practice,
# each built once per process.
_STATEMENTS: dict[tuple[Any, ...], sa.Select[Any]] = {}


def _statement(shape: tuple[Any, ...], ranges: int, with_after: bool,
               count: bool = False) -> sa.Select[Any]:
    key = (shape, ranges, with_after, count, USE_MASKS)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = _nearest_statement(shape, ranges=ranges, with_after=with_after,
                                                     count=count)
    return stmt


def _box_params(params: dict[str, Any], c: SearchCriteria, radius: float) -> int:
    box = bounding_box(c.latitude, c.longitude, radius)
    params.update(south=box.south, north=box.north, r=radius)
    for i, (w, e) in enumerate(box.lng_ranges):
        params.update({f"w{i}": w, f"e{i}": e})
    return len(box.lng_ranges)


def _first_radius(c: SearchCriteria) -> float:
    """Where the circle starts. A condition passes about one group in ten and a day one in
    five, so a filtered search starts wider and takes one or two steps instead of four (the
    answer is exact from any start; only the number of statements changes)."""
    return FIRST_RADIUS_KM * (3.0 if c.conditions else 1.0) * (2.0 if c.days else 1.0)


# The circle that last sufficed for the same filters from the same area (a tenth of a degree,
# about 11 × 7 km), so the next search from there starts at it: one statement instead of two to
# four. Only the number of statements depends on it, never the answer. Kept per process and
# bounded; it follows the data by itself: it is just past the k-th nearest group last time, and
# a circle that no longer suffices grows as usual.
RADIUS_HINTS_MAX = 8192
_RADIUS_HINTS: LRUCache[tuple[Any, ...], float] = LRUCache(maxsize=RADIUS_HINTS_MAX)
_HINTS_LOCK = threading.Lock()


def _radius_hint(key: tuple[Any, ...]) -> float | None:
    with _HINTS_LOCK:
        return _RADIUS_HINTS.get(key)


def _remember_radius(key: tuple[Any, ...], radius: float) -> None:
    with _HINTS_LOCK:
        _RADIUS_HINTS[key] = radius


def nearest_group_ids(c: SearchCriteria, today: dt.date, *,
                      start_radius_km: float | None = None) -> list[tuple[int, float]]:
    """Up to ``limit + 1`` (id, distance) pairs, nearest first; ties broken by id.

    The radius starts small and grows by how sparse the last circle was (about 2–4× a step),
    capped at ``c.radius_km``; it stops as soon as ``limit + 1`` rows lie inside the circle,
    which makes the answer exact.
    """
    shape, params = _plan(c, today)
    k = c.limit + 1
    hint_key = (shape, tuple((name, tuple(v) if isinstance(v, list) else v)
                             for name, v in sorted(params.items())),
                round(c.latitude, 1), round(c.longitude, 1), k)
    start = start_radius_km or _radius_hint(hint_key) or _first_radius(c)
    radius = min(start, c.radius_km)
    if c.after:
        radius = min(c.radius_km, max(radius, c.after[0] * 1.25 + 1))
    params.update(lat=c.latitude, lng=c.longitude, k=k)
    if c.after:
        params.update(d0=c.after[0], id0=c.after[1])
    while True:
        ranges = _box_params(params, c, radius)
        stmt = _statement(shape, ranges, bool(c.after))
        rows = [(row.id, float(row.d)) for row in db.session.execute(stmt, params)]
        if len(rows) >= k or radius >= c.radius_km:
            if start_radius_km is None and not c.after:
                # Just past the k-th nearest: enough next time, and no wider than it needs be.
                _remember_radius(hint_key, max(rows[k - 1][1] * 1.05, 0.5) if len(rows) >= k
                                 else radius)
            return rows
        growth = 4.0 if not rows else min(4.0, max(1.5, 1.2 * math.sqrt(k / len(rows))))
        radius = min(radius * growth, c.radius_km)


def load_groups(ids: Sequence[int]) -> dict[int, Group]:
    """Groups with everything public outputs show, in a fixed number of statements."""
    return _load_groups(ids)


def _load_groups(ids: Sequence[int]) -> dict[int, Group]:
    if not ids:
        return {}
    stmt = (sa.select(Group).where(Group.id.in_(ids)).options(
        selectinload(Group.venue).selectinload(Venue.access_features),
        selectinload(Group.conditions), selectinload(Group.audiences),
        selectinload(Group.languages), selectinload(Group.access_features),
        selectinload(Group.facilitators), selectinload(Group.organisation),
        selectinload(Group.schedules).options(
            selectinload(Schedule.cancellations),
            selectinload(Schedule.changes).selectinload(MeetingChange.new_venue),
        ),
    ))
    return {grp.id: grp for grp in db.session.scalars(stmt)}


def _public_series(group: Group) -> list[tuple[Any, list[Any]]]:
    """Each schedule's recurrence in the venue's zone, with the exceptions the public sees."""
    if group.venue is None:
        return []
    return [(s.spec(group.venue.timezone), privacy.public_exceptions(group, s.exceptions()))
            for s in group.schedules]


def upcoming_meetings(group: Group | PublicGroup, now: dt.datetime, count: int) -> list[Meeting]:
    """The next ``count`` meetings over all schedules, cancelled ones included (marked). A
    ``PublicGroup`` answers from its meetings expanded once per data version."""
    if isinstance(group, PublicGroup):
        found = occurrences(group, now).after(now, count)
        if found is not None:
            return found
    return merged_meetings(group, now, count)


def merged_meetings(group: Group | PublicGroup, now: dt.datetime, count: int) -> list[Meeting]:
    """``upcoming_meetings`` expanded from the schedules (what ``public.occurrences`` caches)."""
    merged = [m for spec, exceptions in _public_series(group)
              for m in next_meetings(spec, now, count, exceptions)]
    merged.sort(key=lambda m: (m.starts_at, m.original_start))
    return merged[:count]


RECENT_MEETING_DAYS = 28  # how far back someone can say "nobody was there"


def recent_meetings(group: Group, now: dt.datetime) -> list[Meeting]:
    """Meetings that should have happened in the last four weeks (not cancelled), latest
    first: the ones a person can report as not having happened."""
    since = now - dt.timedelta(days=RECENT_MEETING_DAYS)
    found = [m for spec, exceptions in _public_series(group)
             for m in meetings(spec, since, now, exceptions) if m.status != "cancelled"]
    return sorted(found, key=lambda m: m.starts_at, reverse=True)


NEXT_MEETING_FIRST = 6  # meetings looked at first: enough unless several in a row are cancelled
NEXT_MEETING_MAX = 768  # more than a year of daily meetings
NEXT_MEETING_HORIZON = dt.timedelta(days=366)


def next_meeting(group: Group, now: dt.datetime) -> Meeting | None:
    """The next meeting that will happen (scheduled or moved), if any.

    Any number of meetings in a row may be cancelled, so the scan widens (6, 24, 96, …
    meetings) until one happens. It gives up when the schedules run out, past a year ahead or
    after ``NEXT_MEETING_MAX`` meetings, so a schedule that has ended or whose every meeting is
    cancelled answers ``None`` quickly.
    """
    count = NEXT_MEETING_FIRST
    while True:
        found = upcoming_meetings(group, now, count)
        for m in found:
            if m.status != "cancelled":
                return m
        if (len(found) < count or count >= NEXT_MEETING_MAX
                or found[-1].starts_at >= now + NEXT_MEETING_HORIZON):
            return None
        count = min(count * 4, NEXT_MEETING_MAX)


MEETS_BATCH = 60


def _meets_between(group: PublicGroup, start: dt.datetime, end: dt.datetime) -> bool:
    if group.venue is None:
        return False
    return any(m.status != "cancelled" for m in _group_meetings(group, start, end, now=start))


def _nearest_meeting_ids(c: SearchCriteria, today: dt.date) -> list[tuple[int, float]]:
    """Like ``nearest_group_ids``, keeping only groups that really meet in ``c.meets_between``.

    Real meetings (with exceptions) can't be expressed in SQL, so candidates come nearest first
    in batches and are checked in Python until ``limit + 1`` pass or the radius is exhausted.
    """
    assert c.meets_between is not None
    start, end = c.meets_between
    accepted: list[tuple[int, float]] = []
    after = c.after
    while len(accepted) <= c.limit:
        batch = nearest_group_ids(replace(c, limit=MEETS_BATCH - 1, after=after, meets_between=None),
                                  today)
        if not batch:
            break
        groups = public_groups([gid for gid, _ in batch])
        accepted += [(gid, d) for gid, d in batch
                     if gid in groups and _meets_between(groups[gid], start, end)]
        if len(batch) < MEETS_BATCH:
            break
        after = (batch[-1][1], batch[-1][0])
    return accepted[: c.limit + 1]


def search_groups(c: SearchCriteria, *, now: dt.datetime | None = None,
                  load: bool = True) -> SearchPage:
    """Published groups within ``c.radius_km`` of the origin, nearest first, one page.

    When nothing lies within the radius, ``nearest_outside_km`` says how far the nearest match is
    (within ``MAX_RADIUS_KM``), so the page can offer to widen the search. With ``load=False``
    only ``rows`` is filled (the caller has the groups' public summaries cached).
    """
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(ZoneInfo("UTC")).date()
    rows = _nearest_meeting_ids(c, today) if c.meets_between else nearest_group_ids(c, today)
    more = len(rows) > c.limit
    rows = rows[: c.limit]
    hits = []
    if load:
        groups = _load_groups([gid for gid, _ in rows])
        hits = [SearchHit(groups[gid], d, next_meeting(groups[gid], now)) for gid, d in rows]
    cursor = encode_cursor(rows[-1][1], rows[-1][0]) if more and rows else None
    outside = None
    if not rows and c.after is None and c.radius_km < MAX_RADIUS_KM:
        wider = replace(c, radius_km=MAX_RADIUS_KM, limit=1)
        # Nothing lies inside c.radius_km, so the wider search starts there.
        found = (_nearest_meeting_ids(wider, today) if c.meets_between
                 else nearest_group_ids(wider, today, start_radius_km=c.radius_km))
        outside = found[0][1] if found else None
    return SearchPage(hits, cursor, outside, c, rows)


def count_groups(c: SearchCriteria, today: dt.date) -> int:
    """How many published groups within ``c.radius_km`` pass the SQL filters: one statement
    (the bounding box narrows by index, the haversine decides). ``meets_*`` are not applied."""
    shape, params = _plan(c, today)
    params.update(lat=c.latitude, lng=c.longitude)
    ranges = _box_params(params, c, c.radius_km)
    return int(db.session.scalar(_statement(shape, ranges, False, count=True), params) or 0)


MATCH_LOOKBACK = dt.timedelta(hours=12)  # a meeting that started this long ago may still be on


def _group_meetings(group: Group | PublicGroup, start: dt.datetime, end: dt.datetime, *,
                    now: dt.datetime) -> list[Meeting]:
    assert group.venue is not None
    if isinstance(group, PublicGroup):
        cached = occurrences(group, now).between(start, end)
        if cached is not None:
            return cached
    found: list[Meeting] = []
    for schedule in group.schedules:
        exceptions = privacy.public_exceptions(group, schedule.exceptions())
        found += meetings(schedule.spec(group.venue.timezone), start, end, exceptions)
    return sorted(found, key=lambda m: (m.starts_at.astimezone(dt.UTC), m.original_start))


def next_matching_meeting(group: Group | PublicGroup, c: SearchCriteria, now: dt.datetime) -> Meeting | None:
    """The meeting a search result shows: the first one in progress or to come that happens
    and suits the search's day and start-time filters and its "when" (``meets_on``, in the
    venue's zone, or ``meets_between``). ``None`` when there is none within a year (within the
    window, with one)."""
    if group.venue is None:
        return None
    window = (local_window(c.meets_on, now, group.venue.timezone) if c.meets_on
              else c.meets_between)

    def suits(m: Meeting) -> bool:
        return not is_over(m, now) and matches(m, days=c.days, starts_after=c.starts_after,
                                                starts_before=c.starts_before, window=window)

    if window is not None:
        start = max(window[0], now - MATCH_LOOKBACK)
        return next((m for m in _group_meetings(group, start, window[1], now=now) if suits(m)), None)
    # Without a window the scan widens, as next_meeting's does, until a meeting suits.
    since = now - MATCH_LOOKBACK
    count = NEXT_MEETING_FIRST
    while True:
        found = upcoming_meetings(group, since, count)
        for m in found:
            if suits(m):
                return m
        if (len(found) < count or count >= NEXT_MEETING_MAX
                or found[-1].starts_at >= now + NEXT_MEETING_HORIZON):
            return None
        count = min(count * 4, NEXT_MEETING_MAX)


@dataclass(frozen=True)
class Result:
    group: PublicGroup  # the read model: privacy-filtered, cached per data version
    distance_km: float
    meeting: Meeting | None  # the next matching meeting (see next_matching_meeting)


@dataclass(frozen=True)
class ResultsPage:
    """One page of the results page. ``total`` is exact unless ``at_least`` (more groups lie in
    the radius than ``SCAN_MAX``, and a "when" filter needs each one looked at: ``total`` is
    how many of the nearest ``SCAN_MAX`` pass). ``sorted_among`` is set when sorting by next
    meeting looked at only the nearest ``SCAN_MAX``."""

    results: list[Result]
    total: int
    at_least: bool
    offset: int
    sorted_among: int | None = None
    nearest_outside_km: float | None = None


SCAN_MAX = 300  # groups looked at one by one for a "when" filter or the next-meeting sort


def _needs_meetings(c: SearchCriteria) -> bool:
    return c.meets_on is not None or c.meets_between is not None


def _scan(c: SearchCriteria, today: dt.date, now: dt.datetime,
          limit: int = SCAN_MAX) -> tuple[list[Result], bool]:
    """The nearest ``limit`` groups the SQL filters let through, each with its matching meeting,
    those without one left out when there is a "when" filter; and whether more lay beyond."""
    rows = nearest_group_ids(replace(c, limit=limit, after=None), today)
    more = len(rows) > limit
    rows = rows[:limit]
    groups = public_groups([gid for gid, _ in rows])
    out = [Result(groups[gid], d, next_matching_meeting(groups[gid], c, now))
           for gid, d in rows if gid in groups]
    if _needs_meetings(c):
        out = [r for r in out if r.meeting is not None]
    return out, more


def _soonest_first(results: list[Result]) -> list[Result]:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(results, key=lambda r: (
        r.meeting.starts_at.astimezone(dt.UTC) if r.meeting else far, r.distance_km, r.group.id))


def count_matching(c: SearchCriteria, now: dt.datetime, *, limit: int = SCAN_MAX) -> tuple[int, bool]:
    """(how many groups the search finds, whether that is a floor): one count statement, or
    with a "when" filter a look at the nearest ``limit`` groups."""
    today = now.astimezone(dt.UTC).date()
    if not _needs_meetings(c):
        return count_groups(c, today), False
    found, more = _scan(c, today, now, limit)
    return len(found), more


def search_results(c: SearchCriteria, *, offset: int, per_page: int, sort: str = "nearest",
                   now: dt.datetime | None = None) -> ResultsPage:
    """One page of the results page: published groups within ``c.radius_km``, nearest first
    (or by their next matching meeting with ``sort="next"``), with the total.

    Paging is by offset: a page is rows ``offset`` … ``offset + per_page`` of the same order,
    so a page has a number, a range and a way back. Nearest first without a "when" filter reads
    only (id, distance) pairs up to the page's end and counts in one statement; a "when" filter
    or the next-meeting sort looks at the nearest ``SCAN_MAX`` groups one by one. An offset past
    the end shows the last page.
    """
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(dt.UTC).date()
    c = replace(c, after=None)
    sorted_among = None
    at_least = False
    if sort != "next" and not _needs_meetings(c):
        rows = nearest_group_ids(replace(c, limit=offset + per_page), today)
        total = len(rows) if len(rows) <= offset + per_page else count_groups(c, today)
        if rows and offset >= total:
            offset = (total - 1) // per_page * per_page
        page_rows = rows[offset:offset + per_page]
        groups = public_groups([gid for gid, _ in page_rows])
        results = [Result(groups[gid], d, next_matching_meeting(groups[gid], c, now))
                   for gid, d in page_rows if gid in groups]
    else:
        found, more = _scan(c, today, now)
        if sort == "next":
            found = _soonest_first(found)
        total = len(found)
        if more and not _needs_meetings(c):
            total = count_groups(c, today)
            sorted_among = SCAN_MAX if sort == "next" else None
        at_least = more and _needs_meetings(c)
        if found and offset >= len(found):
            offset = (len(found) - 1) // per_page * per_page
        results = found[offset:offset + per_page]
    outside = None
    if total == 0 and c.radius_km < MAX_RADIUS_KM:
        outside = _nearest_outside(c, today, now)
    return ResultsPage(results, total, at_least, offset, sorted_among, outside)


OUTSIDE_SCAN_BATCHES = 5


def _nearest_outside(c: SearchCriteria, today: dt.date, now: dt.datetime) -> float | None:
    """How far the nearest group that passes every filter is (within ``MAX_RADIUS_KM``), when
    none lies inside ``c.radius_km``; a "when" filter looks at no more than a few batches."""
    wider = replace(c, radius_km=MAX_RADIUS_KM, limit=0)
    if not _needs_meetings(c):
        found = nearest_group_ids(wider, today, start_radius_km=c.radius_km)
        return found[0][1] if found else None
    after = None
    for _batch in range(OUTSIDE_SCAN_BATCHES):
        batch = nearest_group_ids(replace(wider, limit=MEETS_BATCH - 1, after=after), today,
                                  start_radius_km=c.radius_km)
        groups = public_groups([gid for gid, _ in batch])
        for gid, d in batch:
            if gid in groups and next_matching_meeting(groups[gid], c, now) is not None:
                return d
        if len(batch) < MEETS_BATCH:
            return None
        after = (batch[-1][1], batch[-1][0])
    return None


def get_public_group(group_id: int) -> Group:
    """A published group with everything its page shows; ``NotFound`` otherwise."""
    group = _load_groups([group_id]).get(group_id)
    if group is None or group.status != ListingStatus.published:
        raise NotFound(_("We couldn't find that group. It may no longer be listed."))
    return group


def get_public_view(group_id: int) -> PublicGroup:
    """A published group's public read model (cached per data version); ``NotFound`` otherwise."""
    view = public_groups([group_id]).get(group_id)
    if view is None:
        raise NotFound(_("We couldn't find that group. It may no longer be listed."))
    return view


def list_vocabulary(model: type) -> list:
    return list(db.session.scalars(sa.select(model).order_by(model.name)))


def vocabulary_slugs() -> dict[str, set[str]]:
    """Every valid slug per filter (validated input); cached until the data changes."""
    from ..readcache import cache, current_token

    return cache().get_or_build("vocabulary-slugs", current_token(), _vocabulary_slugs)


def vocabulary_names() -> dict[str, dict[str, str]]:
    """{filter: {slug: name}} for the results page's chips; cached until the data changes."""
    from ..readcache import cache, current_token

    return cache().get_or_build("vocabulary-names", current_token(), _vocabulary_names)


def _vocabulary_names() -> dict[str, dict[str, str]]:
    names = {kind: {slug: name for slug, name in db.session.execute(sa.select(model.slug, model.name))}
             for kind, model in (("condition", Condition), ("audience", Audience),
                                 ("language", Language), ("access", AccessFeature))}
    names["organisation"] = dict(db.session.execute(
        sa.select(Organisation.slug, Organisation.name).where(_public_organisation())).all())
    return names


def _public_organisation() -> sa.ColumnElement[bool]:
    """An organisation is public once it runs a published group (before that, its name is
    nobody's business): only those are search's ``organisation`` values."""
    return Organisation.id.in_(sa.select(Group.organisation_id).where(
        Group.status == ListingStatus.published))


def _vocabulary_slugs() -> dict[str, set[str]]:
    return {
        "condition": set(db.session.scalars(sa.select(Condition.slug))),
        "audience": set(db.session.scalars(sa.select(Audience.slug))),
        "language": set(db.session.scalars(sa.select(Language.slug))),
        "access": set(db.session.scalars(sa.select(AccessFeature.slug))),
        "organisation": set(db.session.scalars(
            sa.select(Organisation.slug).where(_public_organisation()))),
    }


def list_facilitator_groups(facilitator: Facilitator) -> list[Group]:
    ids = db.session.scalars(
        sa.select(group_facilitators.c.group_id)
        .join(Group, Group.id == group_facilitators.c.group_id)
        .where(group_facilitators.c.facilitator_id == facilitator.id,
               Group.status == ListingStatus.published)).all()
    loaded = _load_groups(ids)
    return sorted(loaded.values(), key=lambda grp: (grp.name, grp.id))


def search_form_context() -> dict[str, Any]:
    """The vocabularies the search form offers (the home page and the results page), from the
    read cache: the same lists until the data changes."""
    return dict(search_vocabularies())


def pending_revisions(group_id: int) -> sa.Select[tuple[ListingRevision]]:
    """The one query for a listing's edits waiting for review (normally one; an edit filed
    again withdraws the one before, so any extra is from a race and is handled the same way)."""
    return (sa.select(ListingRevision)
            .where(ListingRevision.group_id == group_id,
                   ListingRevision.status == RevisionStatus.pending)
            .order_by(ListingRevision.id.desc()))


def find_pending_revision(group: Any) -> ListingRevision | None:
    """The newest edit of ``group`` waiting for review, with who filed it."""
    return db.session.scalars(pending_revisions(group.id).limit(1)
                              .options(selectinload(ListingRevision.submitted_by))).first()
