"""Listing sources: a Meeting Guide JSON feed (URL or file) kept here as listings, refreshed.

Contract of ``refresh_source``:

1. Fetch (conditional GET with the last ETag / Last-Modified; a file is read), parse
   (``mg_parse``: per-entry problems, nothing guessed), place each venue (the feed's point, or
   the offline gazetteer from the ZIP or postcode, then the town; the venue rules, the region
   check among them, via ``validate_venue``) and check each listing and schedule with the
   services' own validators. An entry that fails is *skipped* and reported; the rest go on.
2. Compare each entry with its listing (``Group.source_id`` + ``source_key``). A listing's
   state (its details, tags, venue and schedules, in ``_state``) is hashed; ``source_hash`` is
   the hash of what the feed last made it. So: current ≠ source_hash → an organizer or admin
   edited it here (or an edit waits for review): the listing is theirs now and the feed's
   change or removal is *not* applied ("kept: edited locally since …"). Otherwise the feed's
   entry ≠ source_hash → changed (with the parts that changed), = → unchanged.
3. Write only what changed, in **one** ``transaction()`` (all or nothing), through the same
   services as forms, the CSV importer and the demo seeder: ``create_venue``/``update_venue``,
   ``create_group`` + ``add_schedule`` + ``publish`` (a source is an operator's decision: its
   listings are published without review), ``apply_listing``, ``update_schedule``, and
   ``review.services.archive`` for a listing whose entry left the feed (archived, never
   deleted; restorable). Listings the feed still lists as they are are confirmed
   (``mark_confirmed``), at most once per ``CONFIRM_EVERY``: so a second refresh soon after
   the first, with nothing changed, writes nothing at all (no row, no audit entry, and the
   public data token stays).

``TC`` (temporarily closed) pauses the listing's schedule for ``PAUSE_DAYS`` from the refresh,
renewed by each refresh while the feed still says it (the pages say "Not meeting until …").
An entry is one listing with one weekly schedule (a ``day`` array: the days of that
schedule); Meeting Guide has no other kind of schedule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from ..audit import audit
from ..db import now_utc
from ..exceptions import GroupfinderError, InvalidInput
from ..extensions import db
from ..geo import regions
from ..geo.geocoding import GeocodingService
from ..groups.confirmation import mark_confirmed
from ..groups.models import (
    Condition,
    Group,
    ListingReminder,
    ListingRevision,
    ListingStatus,
    RevisionStatus,
)
from ..groups.services import ListingData, apply_listing, create_group, publish, validate_listing
from ..organisations.models import Organisation
from ..review.services import archive
from ..schedules.models import Schedule
from ..schedules.services import ScheduleData, add_schedule, update_schedule, validate_schedule
from ..sources.models import Source
from ..transactions import transaction
from ..venues.models import Venue
from ..venues.services import (
    VenueData,
    check_timezone,
    create_venue,
    timezone_at,
    update_venue,
    validate_venue,
)
from . import mg_parse
from .importing import vocabulary_slugs
from .mg_parse import Entry

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
FETCH_TIMEOUT = 30.0
CONFIRM_EVERY = dt.timedelta(hours=12)
PAUSE_DAYS = 28
PAUSE_RENEW_DAYS = 14  # a pause ending sooner than this is renewed while the feed says TC
USER_AGENT = "groupfinder (Meeting Guide source refresh)"
_VENUE_HAS_REGION = "region" in {f.name for f in dataclasses.fields(VenueData)}

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class SourceError(GroupfinderError):
    type_slug = "source-error"
    title = "The source could not be read"


# --- fetching: a small port, faked in tests --------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """``body`` None: not modified since the validators given."""

    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None


Fetcher = Callable[[str, str | None, str | None], Fetched]


def fetch_location(location: str, etag: str | None = None, last_modified: str | None = None, *,
                   timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_BYTES) -> Fetched:
    """An http(s) URL (conditional GET, ``timeout``, at most ``max_bytes``) or a local file.
    Raises ``SourceError`` with a sentence for the operator."""
    if re.match(r"^https?://", location, re.IGNORECASE):
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = urllib.request.Request(location, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only)
                body = response.read(max_bytes + 1)
                got_etag, got_modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return Fetched(None, etag, last_modified)
            raise SourceError(f"{location} answered HTTP {exc.code}.") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SourceError(f"Can't fetch {location}: {reason}.") from None
    else:
        path = Path(location.removeprefix("file://"))
        try:
            with path.open("rb") as fh:
                body = fh.read(max_bytes + 1)
        except OSError as exc:
            raise SourceError(f"Can't read {path}: {exc.strerror}.") from None
        got_etag, got_modified = None, None
    if len(body) > max_bytes:
        raise SourceError(f"{location} is larger than {max_bytes // (1024 * 1024)} MB.")
    return Fetched(body, got_etag, got_modified)


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    key: str
    name: str
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.name} [{self.key}]" + (f": {self.reason}" if self.reason else "")


@dataclass
class RefreshReport:
    source: str
    entries: int = 0
    not_modified: bool = False
    added: list[Item] = field(default_factory=list)
    changed: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    kept: list[Item] = field(default_factory=list)
    skipped: list[Item] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unchanged: int = 0
    edited_locally: int = 0
    confirmed: int = 0
    ignored_types: dict[str, int] = field(default_factory=dict)
    written: bool = False
    error: str | None = None
    finished_at: dt.datetime | None = None

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)

    def counts(self) -> dict[str, int]:
        return {"entries": self.entries, "added": len(self.added), "changed": len(self.changed),
                "removed": len(self.removed), "kept": len(self.kept),
                "skipped": len(self.skipped), "unchanged": self.unchanged,
                "edited_locally": self.edited_locally, "confirmed": self.confirmed}

    def to_json(self) -> dict[str, Any]:
        """What ``Source.last_result`` keeps: the counts, the error, and the first reasons."""
        def first(items: list[Item]) -> list[str]:
            return [str(i) for i in items[:50]]
        return {"counts": self.counts(), "error": self.error, "not_modified": self.not_modified,
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "added": first(self.added), "changed": first(self.changed),
                "removed": first(self.removed), "kept": first(self.kept),
                "skipped": first(self.skipped),
                "ignored_types": dict(sorted(self.ignored_types.items(), key=lambda kv: -kv[1])[:30])}

    def summary(self, *, details: bool = True) -> str:
        if self.error:
            return f"{self.source}: not refreshed: {self.error}"
        lines = [f"{self.source}: {self.entries} entries"
                 + (" (not modified since the last fetch)" if self.not_modified else "")
                 + f"; {len(self.added)} added, {len(self.changed)} changed, "
                 f"{len(self.removed)} removed, {self.unchanged} unchanged, {len(self.kept)} kept, "
                 f"{len(self.skipped)} skipped."]
        if details:
            for title, items in (("Added", self.added), ("Changed", self.changed),
                                 ("Removed (archived)", self.removed), ("Kept", self.kept),
                                 ("Skipped", self.skipped)):
                if items:
                    lines.append(f"{title}:")
                    lines.extend(f"  {item}" for item in items)
            lines.extend(f"Warning: {w}" for w in self.warnings)
            if self.ignored_types:
                codes = ", ".join(f"{c} ×{n}" for c, n in sorted(
                    self.ignored_types.items(), key=lambda kv: (-kv[1], kv[0]))[:20])
                lines.append(f"Types not used here (ignored): {codes}.")
        if self.confirmed:
            lines.append(f"{self.confirmed} listings confirmed as still listed by the feed.")
        lines.append("Written in one transaction." if self.written else "Nothing was written.")
        return "\n".join(lines)


# --- adding a source -------------------------------------------------------------------------


def add_source(name: str, url: str, *, organisation: Organisation | str | None = None,
               default_condition: str | None = None, by: Any = None) -> Source:
    """A new source (nothing fetched yet: ``refresh_source`` does). ``organisation``: the one
    whose listings these are (an ``Organisation`` or its slug). ``InvalidInput`` per field."""
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    url = (url or "").strip()
    if not name or len(name) > 120:
        errors["name"] = ["Give the source a name (at most 120 characters)."]
    elif db.session.scalar(sa.select(Source.id).where(Source.name == name)) is not None:
        errors["name"] = [f"There is already a source named {name!r}."]
    if not url or len(url) > 500:
        errors["url"] = ["Give the feed's http(s) address or a file path (at most 500 characters)."]
    elif not re.match(r"^https?://[^\s/$.?#][^\s]*$", url, re.IGNORECASE) \
            and not Path(url.removeprefix("file://")).is_file():
        errors["url"] = [f"{url} is neither an http(s) address nor a file here."]
    org = organisation
    if isinstance(organisation, str):
        org = db.session.scalar(sa.select(Organisation).where(Organisation.slug == organisation))
        if org is None:
            errors["organisation"] = [f"No organisation has the slug {organisation!r}."]
    if default_condition is not None and db.session.scalar(
            sa.select(Condition.id).where(Condition.slug == default_condition)) is None:
        errors["default_condition"] = [f"No condition has the slug {default_condition!r}."]
    if errors:
        raise InvalidInput("Please correct the marked fields.", field_errors=errors)
    with transaction():
        source = Source(name=name, url=url, organisation=org, default_condition=default_condition,
                        last_result={})
        db.session.add(source)
        db.session.flush()
        audit("source.added", by=by, details={"source_id": source.id, "name": name})
    return source


def list_sources() -> list[Source]:
    return list(db.session.scalars(sa.select(Source).order_by(Source.name)))


def find_source(name: str) -> Source | None:
    return db.session.scalar(sa.select(Source).where(Source.name == name))


# --- the state a listing has, and the one an entry asks for ----------------------------------


def _hash(state: dict[str, Any]) -> str:
    text = json.dumps(state, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _listing_part(data: ListingData) -> list[Any]:
    return [data.name.strip(), data.description.strip(), data.what_to_expect.strip(),
            data.cost.strip(), (data.contact_email or "").strip() or None,
            (data.website or "").strip() or None, sorted(data.conditions), sorted(data.audiences),
            sorted(data.languages), sorted(data.access)]


def _venue_part(name: str, address: str, postcode: str, town: str, country: str, lat: Any,
                lng: Any, zone: str, overridden: bool, access: Any) -> list[Any]:
    return [name.strip(), " ".join(address.split()), " ".join(postcode.upper().split()),
            " ".join(town.split()), country, lat, lng, zone, bool(overridden), sorted(access)]


def _schedule_part(kind: str, interval: int, weekdays: Any, start: dt.time, minutes: int,
                   paused: bool) -> list[Any]:
    return [str(kind), interval, ",".join(str(d) for d in sorted(weekdays)),
            f"{start.hour:02d}:{start.minute:02d}", minutes, paused]


def _state_of(group: Group) -> dict[str, Any]:
    """What the listing says now (the sections a refresh compares)."""
    venue = group.venue
    return {
        "listing": _listing_part(ListingData.of(group)),
        "venue": _venue_part(venue.name, venue.address, venue.postcode, venue.town, venue.country,
                             venue.latitude, venue.longitude, venue.timezone,
                             venue.timezone_overridden, [a.slug for a in venue.access_features])
        if venue is not None else None,
        "schedules": sorted(_schedule_part(
            s.kind.value if hasattr(s.kind, "value") else s.kind, s.interval,
            [int(d) for d in s.weekdays.split(",") if d], s.start_time, s.duration_minutes,
            s.paused_until is not None) for s in group.schedules),
        "sensitive": group.is_sensitive,
    }


@dataclass
class _Place:
    key: str
    data: VenueData
    zone: str
    overridden: bool

    def part(self) -> list[Any]:
        d = self.data
        return _venue_part(d.name, d.address, d.postcode, d.town, d.country, d.latitude,
                           d.longitude, self.zone, self.overridden, d.access)


@dataclass
class _Wanted:
    entry: Entry
    place: _Place
    listing: ListingData
    schedule: ScheduleData

    def state(self) -> dict[str, Any]:
        s = self.schedule
        return {"listing": _listing_part(self.listing), "venue": self.place.part(),
                "schedules": [_schedule_part("weekly", 1, s.weekdays, s.start_time,  # type: ignore[arg-type]
                                             s.duration_minutes, s.paused_until is not None)],  # type: ignore[arg-type]
                "sensitive": False}


def _reasons(before: dict[str, Any], after: dict[str, Any]) -> str:
    out = []
    if before["listing"][0] != after["listing"][0]:
        out.append(f"renamed from {before['listing'][0]!r}")
    if before["listing"][1:] != after["listing"][1:]:
        out.append("details")
    if before["venue"] != after["venue"]:
        out.append("place")
    b_times = [s[:-1] for s in before["schedules"]]
    a_times = [s[:-1] for s in after["schedules"]]
    if b_times != a_times:
        out.append("meeting time")
    b_paused = any(s[-1] for s in before["schedules"])
    a_paused = any(s[-1] for s in after["schedules"])
    if b_paused != a_paused:
        out.append("temporarily closed" if a_paused else "open again")
    if before.get("sensitive") != after.get("sensitive"):
        out.append("address shown")
    return ", ".join(out) or "changed"


# --- refresh ---------------------------------------------------------------------------------


def _vocabulary() -> mg_parse.Vocabulary:
    return mg_parse.Vocabulary(**vocabulary_slugs())


def _loads() -> tuple[Any, ...]:
    return (selectinload(Group.venue).selectinload(Venue.access_features),
            selectinload(Group.conditions), selectinload(Group.audiences),
            selectinload(Group.languages), selectinload(Group.access_features),
            selectinload(Group.facilitators), selectinload(Group.schedules))


def _since(group: Group) -> str:
    when = max(d for d in (group.updated_at, *(s.updated_at for s in group.schedules)) if d)
    return f"{when:%-d %b %Y}"


class _Planner:
    """Steps 1 and 2 of the contract: read, place, check and compare; writes nothing."""

    def __init__(self, source: Source, today: dt.date, report: RefreshReport) -> None:
        self.source = source
        self.today = today
        self.report = report
        self.geocoders: dict[str, GeocodingService] = {}
        self.answers: dict[tuple[str, str, str], Any] = {}
        self.places: dict[str, _Place | str] = {}
        self.venue_problems: dict[str, str | None] = {}
        # The points of this source's venues: an entry without coordinates at a known venue
        # keeps the point it was placed at (the gazetteer would answer the same again).
        self.known = {key: (lat, lng) for key, lat, lng in db.session.execute(
            sa.select(Venue.external_key, Venue.latitude, Venue.longitude)
            .where(Venue.external_key.like(f"src{source.id}:%")))}

    def venue_key(self, entry: Entry) -> str:
        text = "|".join((entry.country, " ".join(entry.postcode.upper().split()),
                         " ".join(entry.address.lower().split()), " ".join(entry.town.lower().split())))
        return f"src{self.source.id}:" + hashlib.sha256(text.encode()).hexdigest()[:24]

    def _point(self, entry: Entry) -> tuple[float, float] | str:
        if entry.latitude is not None and entry.longitude is not None:
            return round(entry.latitude, 6), round(entry.longitude, 6)
        known = self.known.get(self.venue_key(entry))
        if known is not None and known[0] is not None:
            return known  # type: ignore[return-value]
        where = (entry.country, entry.postcode, entry.town)
        if where not in self.answers:
            service = self.geocoders.get(entry.country)
            if service is None:
                app_service = current_app.extensions["groupfinder.geocoding"]
                service = self.geocoders[entry.country] = GeocodingService(
                    app_service.session_factory, (entry.country,), online=None)
            tried = []
            found: Any = None
            for text in (entry.postcode, f"{entry.town}, {entry.state}" if entry.state else "",
                         entry.town):
                if not text:
                    continue
                try:
                    found = service.resolve(text=text)
                    break
                except GroupfinderError as exc:
                    tried.append(f"{text!r}: {exc.detail}")
            self.answers[where] = (round(found.latitude, 5), round(found.longitude, 5)) \
                if found is not None else ("no coordinates, and the place could not be found "
                                           "offline (" + "; ".join(tried) + ")")
        return self.answers[where]

    def place(self, entry: Entry, venue_access: tuple[str, ...]) -> _Place | str:
        key = self.venue_key(entry)
        if key in self.places:
            return self.places[key]
        point = self._point(entry)
        if isinstance(point, str):
            self.places[key] = point
            return point
        lat, lng = point
        try:
            from_point: str | None = timezone_at(lat, lng)
        except InvalidInput:
            from_point = None
        zone = from_point or ""
        if entry.timezone:
            try:
                zone = check_timezone(entry.timezone)
            except InvalidInput:
                self.report.warnings.append(f"{entry.key}: unknown time zone {entry.timezone!r}; "
                                            "the venue's point decides it.")
        if not zone:
            self.places[key] = "the point is not inside any time zone"
            return self.places[key]
        overridden = zone != from_point
        extra: dict[str, Any] = {}
        if _VENUE_HAS_REGION and entry.state:
            # A US state is checked against the ZIP (a contradiction skips the entry); elsewhere
            # ``state`` is often a county ("West Yorkshire"): given only when it is a region.
            try:
                if entry.country == "US" or regions.parse_region(entry.state, entry.country):
                    extra["region"] = entry.state
            except regions.RegionError:
                pass
        data = VenueData(name=(entry.location or entry.address)[:200], address=entry.address,
                         town=entry.town, country=entry.country, postcode=entry.postcode,
                         latitude=lat, longitude=lng, timezone=zone if overridden else "",
                         access=venue_access, **extra)
        self.places[key] = _Place(key, data, zone, overridden)
        return self.places[key]

    def venue_problem(self, place: _Place) -> str | None:
        """The venue rules (the region check among them) for a venue about to be written."""
        if place.key not in self.venue_problems:
            errors = validate_venue(place.data)
            self.venue_problems[place.key] = "; ".join(
                m for messages in errors.values() for m in messages) or None
        return self.venue_problems[place.key]


def _paused_until(entry: Entry, today: dt.date) -> dt.date | None:
    return today + dt.timedelta(days=PAUSE_DAYS) if entry.temporarily_closed else None


@dataclass
class _Plan:
    add: list[_Wanted] = field(default_factory=list)
    change: list[tuple[Group, _Wanted, str]] = field(default_factory=list)
    remove: list[tuple[Group, str]] = field(default_factory=list)
    confirm: list[Group] = field(default_factory=list)


def refresh_source(source: Source, *, fetch: Fetcher = fetch_location, now: dt.datetime | None = None,
                   progress: Progress | None = None, by: Any = None) -> RefreshReport:
    """Bring the source's listings in line with its feed (module docstring). Never raises for
    the feed's content or a failed fetch: the report says (``report.error``)."""
    now = now or now_utc()
    today = now.date()
    report = RefreshReport(source=source.name)
    due = source.last_refreshed_at is None or now - source.last_refreshed_at >= CONFIRM_EVERY
    try:
        fetched = fetch(source.url, source.etag, source.last_modified)
    except SourceError as exc:
        return _failed(source, report, exc.detail or str(exc), now)
    groups = {g.source_key: g for g in db.session.scalars(
        sa.select(Group).where(Group.source_id == source.id).options(*_loads()))}
    pending = set(db.session.scalars(sa.select(ListingRevision.group_id).where(
        ListingRevision.status == RevisionStatus.pending,
        ListingRevision.group_id.in_(sa.select(Group.id).where(Group.source_id == source.id)))))
    edited = {key for key, g in groups.items()
              if g.id in pending or _hash(_state_of(g)) != g.source_hash}
    report.edited_locally = len(edited)
    plan = _Plan()
    if fetched.body is None:
        report.not_modified = True
        for key, group in groups.items():
            if key not in edited and group.status == ListingStatus.published:
                report.unchanged += 1
                if due:
                    plan.confirm.append(group)
        report.entries = len(groups)
    else:
        parsed = mg_parse.parse(fetched.body, _vocabulary())
        if parsed.fatal:
            return _failed(source, report, "; ".join(p.message for p in parsed.problems), now)
        report.entries = parsed.total
        report.ignored_types = dict(parsed.ignored_types)
        _plan(source, parsed, groups, edited, today, due, report, plan, progress)
    if not (plan.add or plan.change or plan.remove) and not (due and (plan.confirm or not groups)):
        report.finished_at = now
        log.info("source %s: nothing changed (%d entries)", source.name, report.entries)
        return report  # nothing to write: not even the source's row (the data token stays)
    _apply(source, plan, fetched, report, now, progress, by)
    log.info("source %s refreshed: %s", source.name, report.counts())
    return report


def _failed(source: Source, report: RefreshReport, message: str, now: dt.datetime) -> RefreshReport:
    report.error = message
    report.finished_at = now
    with transaction():
        source.last_result = report.to_json()
    log.warning("source %s not refreshed: %s", source.name, message)
    return report


def _plan(source: Source, parsed: mg_parse.ParsedFeed, groups: dict[str, Group], edited: set[str],
          today: dt.date, due: bool, report: RefreshReport, plan: _Plan,
          progress: Progress | None) -> None:
    planner = _Planner(source, today, report)
    skipped: dict[str, mg_parse.Problem] = {}
    for problem in parsed.problems:
        if problem.level != "error":
            report.warnings.append(str(problem))
            continue
        report.skipped.append(Item(problem.key or f"#{problem.index + 1}", _name_at(parsed, problem),
                                   problem.message))
        if problem.key:
            skipped[problem.key] = problem
    # A venue's access features: every entry there that says so (X at one meeting = the place).
    access: dict[str, set[str]] = {}
    for entry in parsed.entries:
        access.setdefault(planner.venue_key(entry), set()).update(entry.venue_access)
    # A venue is what its first entry by key says (name, zone), whatever the feed's order.
    for entry in sorted(parsed.entries, key=lambda e: e.key):
        planner.place(entry, tuple(sorted(access.get(planner.venue_key(entry), ()))))
    total = len(parsed.entries)
    for done, entry in enumerate(parsed.entries, 1):
        if progress is not None and (done % 50 == 0 or done == total):
            progress("checking", done, total)
        group = groups.get(entry.key)
        wanted = _wanted(entry, planner, access, source, today, report)
        if wanted is None:
            skipped[entry.key] = mg_parse.Problem(entry.index, entry.key, "")
            continue
        if group is None:
            if (problem := _invalid(wanted, planner)) is not None:
                report.skipped.append(Item(entry.key, entry.name, problem))
                continue
            plan.add.append(wanted)
            continue
        if group.status == ListingStatus.archived:
            report.kept.append(Item(entry.key, group.name, "archived here; the feed still lists it"))
            continue
        state = wanted.state()
        wanted_hash = _hash(state)
        if entry.key in edited:
            if wanted_hash != group.source_hash:
                report.kept.append(Item(entry.key, group.name, f"edited locally since "
                                        f"{_since(group)}; the feed's change is not applied"))
            else:
                report.unchanged += 1
            continue
        renew = entry.temporarily_closed and any(
            s.paused_until is not None and s.paused_until < today + dt.timedelta(days=PAUSE_RENEW_DAYS)
            for s in group.schedules)
        if wanted_hash == group.source_hash and not renew:
            report.unchanged += 1
            if due and group.status == ListingStatus.published:
                plan.confirm.append(group)
            continue
        if (problem := _invalid(wanted, planner)) is not None:
            report.skipped.append(Item(entry.key, entry.name, problem))
            continue
        reason = _reasons(_state_of(group), state) if wanted_hash != group.source_hash \
            else "still temporarily closed: pause renewed"
        plan.change.append((group, wanted, reason))
        report.changed.append(Item(entry.key, entry.name, reason))
    listed = {e.key for e in parsed.entries}
    for key, group in groups.items():
        if key in listed or group.status == ListingStatus.archived:
            continue
        problem = skipped.get(key)
        if key in edited:
            report.kept.append(Item(key, group.name, f"edited locally since {_since(group)}; "
                                    + ("no longer in the feed" if problem is None
                                       else "the feed's entry is skipped")))
        elif problem is not None and problem.code != mg_parse.ONLINE:
            report.kept.append(Item(key, group.name, "the feed's entry is skipped this time, so "
                                                     "the listing stays as it is"))
        else:
            reason = "now online only" if problem is not None else "no longer in the feed"
            plan.remove.append((group, reason))
            report.removed.append(Item(key, group.name, reason))
    report.added.extend(Item(w.entry.key, w.entry.name) for w in plan.add)


def _name_at(parsed: mg_parse.ParsedFeed, problem: mg_parse.Problem) -> str:
    return parsed.names.get(problem.index) or f"entry {problem.index + 1}"


def _wanted(entry: Entry, planner: _Planner, access: dict[str, set[str]], source: Source,
            today: dt.date, report: RefreshReport) -> _Wanted | None:
    def skip(message: str) -> None:
        report.skipped.append(Item(entry.key, entry.name, message))

    place = planner.place(entry, tuple(sorted(access.get(planner.venue_key(entry), ()))))
    if isinstance(place, str):
        skip(f"can't be placed: {place}")
        return None
    conditions = entry.conditions or ((source.default_condition,) if source.default_condition else ())
    if not conditions:
        skip("no condition: its types name none, and the source has no default condition")
        return None
    languages = entry.languages or ("en",)
    listing = ListingData(name=entry.name, description=entry.description, cost="Free",
                          contact_email=entry.contact_email, website=entry.website,
                          conditions=conditions, audiences=entry.audiences, languages=languages,
                          access=entry.access)
    schedule = ScheduleData(kind="weekly", start_time=dt.time(entry.start_hour, entry.start_minute),
                            duration_minutes=entry.duration_minutes, first_date=today,
                            weekdays=entry.weekdays, paused_until=_paused_until(entry, today))
    return _Wanted(entry, place, listing, schedule)


def _invalid(wanted: _Wanted, planner: _Planner) -> str | None:
    """What the services would refuse in an entry about to be written (the rules a form obeys),
    so that it is skipped alone instead of refusing the whole refresh. Entries already applied
    and unchanged are not checked again (a refresh of thousands stays cheap)."""
    if (problem := planner.venue_problem(wanted.place)) is not None:
        return f"can't be placed: {problem}"
    try:
        validate_schedule(wanted.schedule, wanted.place.zone)
    except InvalidInput as exc:
        return "; ".join(m for ms in exc.field_errors.values() for m in ms) or exc.detail or ""
    errors = validate_listing(wanted.listing, None)
    if errors:
        return "; ".join(f"{k}: {m}" for k, ms in errors.items() for m in ms)
    return None


def _apply(source: Source, plan: _Plan, fetched: Fetched, report: RefreshReport, now: dt.datetime,
           progress: Progress | None, by: Any) -> None:
    """Step 3: one transaction; a service's refusal rolls all of it back (and is the error)."""
    total = len(plan.add) + len(plan.change) + len(plan.remove) + len(plan.confirm)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None and (done % 50 == 0 or done == total):
            progress("writing", done, total)

    keys = {w.place.key for w in plan.add} | {w.place.key for _, w, _ in plan.change}
    # transaction() ends the read transaction, which expires every loaded listing: they are
    # loaded again in a few statements, not one (and its relationships) per listing.
    ids = [g.id for g in (*(g for g, _, _ in plan.change), *(g for g, _ in plan.remove))]
    confirm_ids = [g.id for g in plan.confirm]
    try:
        with transaction(), db.session.no_autoflush:
            for start in range(0, len(ids), 500):
                db.session.scalars(sa.select(Group).where(Group.id.in_(ids[start:start + 500]))
                                   .options(*_loads())).all()
            venues = {v.external_key: v for v in db.session.scalars(
                sa.select(Venue).where(Venue.external_key.in_(keys))
                .options(selectinload(Venue.access_features)))} if keys else {}
            for wanted in [*plan.add, *(w for _, w, _ in plan.change)]:
                place = wanted.place
                venue = venues.get(place.key)
                if venue is None:
                    venues[place.key] = create_venue(place.data, by=by, external_key=place.key)
                elif _venue_part(venue.name, venue.address, venue.postcode, venue.town,
                                 venue.country, venue.latitude, venue.longitude, venue.timezone,
                                 venue.timezone_overridden,
                                 [a.slug for a in venue.access_features]) != place.part():
                    update_venue(venue, place.data, by=by, allow_published_move=True)
            for wanted in plan.add:
                venue = venues[wanted.place.key]
                group = create_group(dataclasses.replace(wanted.listing, venue_id=venue.id), by=by,
                                     accept_public_venue=True, confirmed_at=now)
                group.source_id, group.source_key = source.id, wanted.entry.key
                group.organisation_id = source.organisation_id
                add_schedule(group, wanted.schedule, by=by)
                publish(group, by=by)
                group.source_hash = _hash(wanted.state())
                audit("group.imported", by=by, group=group,
                      details={"outcome": "created", "source": source.name})
                tick()
            for group, wanted, _reason in plan.change:
                venue = venues[wanted.place.key]
                listing = dataclasses.replace(wanted.listing, venue_id=venue.id,
                                              facilitator_ids=tuple(f.id for f in group.facilitators))
                if ListingData.of(group) != listing or group.venue_id != venue.id:
                    apply_listing(group, listing, by=by)
                schedules = list(group.schedules)
                if not schedules:
                    add_schedule(group, wanted.schedule, by=by)
                elif _schedule_differs(schedules[0], wanted.schedule, now.date()):
                    first = schedules[0]
                    update_schedule(first, dataclasses.replace(
                        wanted.schedule, first_date=min(first.first_date, wanted.schedule.first_date)),
                        by=by)
                mark_confirmed(group, now)
                if group.status != ListingStatus.published and group.status != ListingStatus.archived:
                    publish(group, by=by)
                group.source_hash = _hash(wanted.state())
                audit("group.imported", by=by, group=group,
                      details={"outcome": "updated", "source": source.name})
                tick()
            for group, reason in plan.remove:
                archive(group, f"{reason} ({source.name})", by=by)
                tick()
            _confirm(confirm_ids, now)
            report.confirmed = len(confirm_ids)
            done += len(confirm_ids)
            if progress is not None and confirm_ids:
                progress("writing", done, total)
            report.finished_at = now
            report.written = True
            source.last_refreshed_at = now
            if fetched.body is not None:
                source.etag, source.last_modified = fetched.etag, fetched.last_modified
            source.last_result = report.to_json()
            audit("source.refreshed", by=by, details={"source_id": source.id, **report.counts()})
    except GroupfinderError as exc:  # a service's refusal, or a conflict with another writer
        report.written = False
        report.confirmed = 0
        messages = "; ".join(m for ms in (exc.field_errors or {}).values() for m in ms) or exc.detail
        report.error = f"a write was refused, so nothing was written: {messages}"
        _failed(source, report, report.error, now)


def _confirm(ids: list[int], now: dt.datetime) -> None:
    """``mark_confirmed`` for many listings the feed still lists as they are: its three columns
    and the reminder row, in two statements per 500 listings. Through the ORM each took a flush,
    a version and the place rule at commit (25 ms a listing, two minutes for 5,000, all of it
    holding the write lock), and nothing those check changes here. The public data token moves
    all the same: the source's row is written in the same transaction."""
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        db.session.execute(sa.update(Group).where(Group.id.in_(chunk)).values(
            confirmed_at=now, out_of_date_since=None, hidden_since=None),
            execution_options={"synchronize_session": False})
        db.session.execute(sa.delete(ListingReminder).where(ListingReminder.group_id.in_(chunk)),
                           execution_options={"synchronize_session": False})


def _schedule_differs(schedule: Schedule, wanted: ScheduleData, today: dt.date) -> bool:
    """Whether the stored schedule must be rewritten: another time or day, a pause begun or
    ended, or a pause to renew (an edit raises the series' sequence: calendars refetch it)."""
    current = ScheduleData.of(schedule)
    if (current.kind, current.interval, tuple(sorted(current.weekdays)), current.start_time,
            current.duration_minutes) != ("weekly", 1, tuple(sorted(wanted.weekdays)),
                                          wanted.start_time, wanted.duration_minutes):
        return True
    if (current.paused_until is None) != (wanted.paused_until is None):
        return True
    return current.paused_until is not None and \
        current.paused_until < today + dt.timedelta(days=PAUSE_RENEW_DAYS)


def refresh_all(*, fetch: Fetcher = fetch_location, now: dt.datetime | None = None,
                progress: Progress | None = None) -> list[RefreshReport]:
    """Every source in name order; one failing doesn't stop the others (the daily job)."""
    return [refresh_source(s, fetch=fetch, now=now, progress=progress) for s in list_sources()]
