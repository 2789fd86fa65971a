"""The public read model of a group: what its page, search results and the API show, decided by
``privacy`` once and cached for the data version (``readcache``), with its meetings expanded once.

A ``PublicGroup`` has the attribute names of a ``Group`` the public outputs read (``name``,
``conditions``, ``venue.timezone``, ``facilitators``, ``schedules[i].spec(zone)``…), so templates,
serialisers, ``privacy.public_location`` and the recurrence queries take either. It holds only
what the public may see: its ``venue`` is rebuilt *from* ``privacy.public_location`` (a private
place keeps its area and nothing else: no name, street, postcode or point), a facilitator keeps
only the contact details they opted to show, and moved meetings only their public label. Adding a
public field is one line in ``PublicGroup`` and one in ``public_group``.

Meetings depend on the clock, not only on the data: ``Occurrences`` is the merged list of a
group's next meetings from a moment (cancellations and moves applied), built once per data
version and reused while it still answers (``after`` / ``between`` say when it can't, and the
caller expands again from the cached schedules: no query either way).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from .. import privacy
from ..readcache import cache, current_token
from ..schedules.recurrence import Meeting, MeetingException, RecurrenceSpec


@dataclass(frozen=True)
class Term:
    """A vocabulary entry (condition, audience, language, access feature)."""

    slug: str
    name: str
    description: str = ""
    scope: str = ""

    def __getitem__(self, key: str) -> str:  # Jinja's opt['slug'] without a failed lookup first
        return str(getattr(self, key))


@dataclass(frozen=True)
class PublicVenue:
    """What may be shown of a place: built from ``privacy.public_location``, so a private place
    has no name, address or postcode here; ``is_private`` makes privacy read it as an area."""

    name: str | None
    address: str | None
    postcode: str | None
    town: str | None
    country: str
    timezone: str
    is_private: bool
    latitude: float | None = None  # the public point (a private place's cell centre), as the group's
    longitude: float | None = None
    access_features: tuple[Term, ...] = ()  # merged into PublicGroup.access_features
    region: str = ""  # the state or nation (ISO 3166-2): public even for a private place


@dataclass(frozen=True)
class PublicFacilitator:
    """A facilitator with only the contact details they chose to show (``privacy.public_contact``
    on it answers the same as on the person)."""

    id: int
    name: str
    bio: str
    email: str | None
    phone: str | None

    @property
    def show_email(self) -> bool:
        return self.email is not None

    @property
    def show_phone(self) -> bool:
        return self.phone is not None


@dataclass(frozen=True)
class PublicOrganisation:
    slug: str
    name: str


@dataclass(frozen=True)
class PublicSource:
    """Provenance (interop.sources): the feed's name and its last refresh; not its address."""

    name: str
    last_refreshed_at: dt.datetime | None


@dataclass(frozen=True)
class PublicSchedule:
    """A schedule's rule in its venue's zone and its public exceptions."""

    rule: RecurrenceSpec
    public_exceptions: tuple[MeetingException, ...]

    def spec(self, timezone: str) -> RecurrenceSpec:  # as Schedule.spec; the zone is the venue's
        return self.rule if timezone == self.rule.timezone else replace(self.rule, timezone=timezone)

    def exceptions(self) -> tuple[MeetingException, ...]:
        return self.public_exceptions


@dataclass(frozen=True)
class PublicGroup:
    id: int
    name: str
    slug: str
    description: str
    what_to_expect: str
    cost: str
    contact_email: str | None
    website: str | None
    is_sensitive: bool
    public_lat: float | None
    public_lng: float | None
    public_cell: str | None
    area_name: str | None
    confirmed_at: dt.datetime
    out_of_date_since: dt.datetime | None
    hidden_since: dt.datetime | None
    venue: PublicVenue | None
    conditions: tuple[Term, ...]
    audiences: tuple[Term, ...]
    languages: tuple[Term, ...]
    access_features: tuple[Term, ...]  # the group's and its venue's, by slug
    facilitators: tuple[PublicFacilitator, ...]
    schedules: tuple[PublicSchedule, ...]
    organisation: PublicOrganisation | None = None
    source: PublicSource | None = None


def _terms(items: Sequence[Any]) -> tuple[Term, ...]:
    return tuple(Term(i.slug, i.name, getattr(i, "description", "") or "",
                      getattr(i, "scope", "") or "") for i in items)


def public_group(group: Any) -> PublicGroup:
    """The public view of a loaded ``Group`` (relationships as ``queries.load_groups`` loads
    them). Every place and contact goes through ``privacy`` here, before anything is cached."""
    loc = privacy.public_location(group)
    v = group.venue
    venue = None
    if v is not None:
        exact = loc is not None and not loc.approximate
        venue = PublicVenue(
            name=loc.venue_name if exact else None, address=loc.address if exact else None,
            postcode=loc.postcode if exact else None,
            town=loc.town if exact else getattr(loc, "locality", None),
            country=v.country, timezone=v.timezone, is_private=not exact,
            latitude=group.public_lat, longitude=group.public_lng,
            region=loc.region if loc is not None else "")
    zone = v.timezone if v is not None else "UTC"
    access = {a.slug: a for a in group.access_features}
    if v is not None:
        access.update({a.slug: a for a in v.access_features})
    org = getattr(group, "organisation", None)
    return PublicGroup(
        id=group.id, name=group.name, slug=group.slug, description=group.description or "",
        what_to_expect=group.what_to_expect or "", cost=group.cost,
        contact_email=group.contact_email, website=group.website,
        is_sensitive=bool(group.is_sensitive), public_lat=group.public_lat,
        public_lng=group.public_lng, public_cell=group.public_cell,
        area_name=loc.area if loc is not None else None,
        confirmed_at=group.confirmed_at, out_of_date_since=group.out_of_date_since,
        hidden_since=group.hidden_since, venue=venue,
        conditions=_terms(group.conditions), audiences=_terms(group.audiences),
        languages=_terms(group.languages),
        access_features=_terms([access[k] for k in sorted(access)]),
        facilitators=tuple(_facilitator(f) for f in group.facilitators),
        schedules=tuple(PublicSchedule(s.spec(zone), privacy.public_exceptions(group, s.exceptions()))
                        for s in group.schedules),
        organisation=PublicOrganisation(org.slug, org.name) if org is not None else None,
        source=PublicSource(src.name, src.last_refreshed_at)
        if (src := getattr(group, "source", None)) is not None else None,
    )


def _facilitator(f: Any) -> PublicFacilitator:
    contact = privacy.public_contact(f)
    return PublicFacilitator(id=f.id, name=f.name, bio=f.bio or "", email=contact.email,
                             phone=contact.phone)


def public_groups(ids: Sequence[int]) -> dict[int, PublicGroup]:
    """The published groups among ``ids``: from the cache, the rest loaded in one batch (a
    fixed number of statements) and cached for this data version."""
    from .models import ListingStatus
    from .queries import load_groups

    store, token = cache(), current_token()
    found: dict[int, PublicGroup] = {}
    missing = []
    for gid in ids:
        view = store.get(("public-group", gid), token)
        if view is None:
            missing.append(gid)
        else:
            found[gid] = view
    for gid, group in load_groups(missing).items():
        if group.status != ListingStatus.published:
            continue
        view = found[gid] = public_group(group)
        store.put(("public-group", gid), token, view)
    return found


# --- meetings ---------------------------------------------------------------------------------

OCCURRENCES = 32  # meetings kept per group: a page's 8, the API's 10, cancellations besides
AHEAD = 12  # rebuilt when fewer than this many are left after now
LOOKBACK = dt.timedelta(hours=12)  # a search's "in progress" looks this far back


@dataclass(frozen=True)
class Occurrences:
    """The first ``OCCURRENCES`` meetings (cancelled ones included) starting at or after
    ``since``, in the order ``queries.upcoming_meetings`` gives; ``complete`` when there are no
    more (every schedule has ended)."""

    since: dt.datetime
    meetings: tuple[Meeting, ...]
    complete: bool
    starts: tuple[float, ...] = ()  # each meeting's start as a POSIX timestamp (in order)

    @classmethod
    def of(cls, since: dt.datetime, meetings: Sequence[Meeting], complete: bool) -> Occurrences:
        return cls(since, tuple(meetings), complete, tuple(m.starts_at.timestamp() for m in meetings))

    def left_after(self, now: dt.datetime) -> int:
        return len(self.starts) - bisect_left(self.starts, now.timestamp())

    def after(self, now: dt.datetime, count: int) -> list[Meeting] | None:
        """The next ``count`` meetings from ``now``, or ``None`` when this list can't tell."""
        if now < self.since:
            return None
        first = bisect_left(self.starts, now.timestamp())
        found = list(self.meetings[first:first + count])
        if len(found) >= count or self.complete:
            return found
        return None

    def between(self, start: dt.datetime, end: dt.datetime) -> list[Meeting] | None:
        """Meetings starting in [start, end), or ``None`` when this list can't tell."""
        if start < self.since:
            return None
        stop = end.timestamp()
        if not self.complete and (not self.starts or self.starts[-1] < stop):
            return None
        return list(self.meetings[bisect_left(self.starts, start.timestamp()):bisect_left(self.starts, stop)])


def occurrences(view: PublicGroup, now: dt.datetime) -> Occurrences:
    """``view``'s expanded meetings, cached with the data token; expanded again (from the cached
    schedules, no query) only when too few are left after ``now``."""
    from .queries import merged_meetings

    store, token = cache(), current_token()
    key = ("group-occurrences", view.id)
    found = store.get(key, token)
    if found is not None and now - LOOKBACK >= found.since and (
            found.complete or found.left_after(now) >= AHEAD):
        return found
    since = now - LOOKBACK
    listed = merged_meetings(view, since, OCCURRENCES)
    found = Occurrences.of(since, listed, len(listed) < OCCURRENCES)
    store.put(key, token, found)
    return found


def schedule_texts(view: PublicGroup, clock: str, language: str = "en") -> tuple[str, ...]:
    """Each schedule in words ("Tuesdays, 7:00–8:30 pm"; "paused until …" is relative to the
    venue's today) in ``language``, cached for the data version, that day and that language."""
    from ..schedules.words import describe_current

    zone = view.venue.timezone if view.venue is not None else "UTC"
    today = dt.datetime.now(ZoneInfo(zone)).date()
    return cache().get_or_build(
        ("schedule-texts", view.id, today, clock, language), current_token(),
        lambda: tuple(describe_current(s.spec(zone), today, clock=clock, language=language)
                      for s in view.schedules))


# --- vocabularies ---------------------------------------------------------------------------


def search_vocabularies() -> dict[str, tuple[Term, ...]]:
    """The search form's lists (conditions, audiences, languages, access features), by name;
    cached until the data changes."""
    return cache().get_or_build("search-vocabularies", current_token(), _search_vocabularies)


def _search_vocabularies() -> dict[str, tuple[Term, ...]]:
    import sqlalchemy as sa

    from ..extensions import db
    from ..venues.models import AccessFeature
    from .models import Audience, Condition, Language

    return {name: _terms(list(db.session.scalars(sa.select(model).order_by(model.name))))
            for name, model in (("all_conditions", Condition), ("all_audiences", Audience),
                                ("all_languages", Language), ("all_access", AccessFeature))}
