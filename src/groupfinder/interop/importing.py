"""Import listings from the CSV format of ``interop.csvformat``: every row or none.

Contract (docs/security-privacy.md §3.1):

1. Read, parse and check the whole file first: the format, the vocabularies, the app's own rules
   for listings, venues, facilitators and schedules, the offline placing of venues without
   coordinates, the privacy of sensitive groups, and what the file would change in the database.
   Every problem is reported with its line number.
2. Only when there is no error, write everything in **one** ``transaction()``: a failure while
   writing (or a crash: the journal) rolls back all of it. ``dry_run`` stops before this step.
3. Natural keys: groups, venues and facilitators are matched by ``external_key`` (the file's
   ``group_key``, ``venue_key``, ``facilitator_key``). A record that already holds the file's
   values is not touched, so importing the same file again changes nothing (and, when nothing
   changes, no transaction is opened and no audit entry is written).

What a write means:

- The file is the truth for the groups it names: their fields, venue and schedules (and their
  facilitator, when the header has facilitator columns). Groups not in the file are untouched.
- A schedule equal to one already stored is kept as it is; a changed one is updated in place with
  ``sequence`` raised (calendars replace their copy; its cancellations and pause stay); extra
  stored schedules are deleted; new ones are added.
- New groups are ``pending_review`` for an admin to check, or ``published`` with ``publish=True``
  (an operator's decision: admins only when ``by`` is given). Without ``publish`` an existing
  group keeps its status, and a change to a *published* group's listing or to the address or
  point of a venue a published group uses is refused (per line): in the app such edits are
  reviewed, so they need ``publish``. Turning a group sensitive is always allowed at once.
  Schedules and facilitators of a published group change at once, as in the app.
- Organisations (the optional ``organisation`` column) are found by name: among the importing
  organizer's own organisations (another name is an error at its line), or, for an admin or the
  command line, among all, created (``create_organisation``, with no team) when missing. A
  changed organisation is a change of the listing (reviewed in the app, so ``publish`` for a
  published group).
- Facilitators' email and phone are stored private: ``show_email``/``show_phone`` are false for
  new facilitators and reset when the file changes the address or number.
- Every write goes through the features' services (``create_venue``/``update_venue``,
  ``create_facilitator``/``update_facilitator``, ``create_group``/``apply_listing``,
  ``add_schedule``/``update_schedule``/``delete_schedule``, ``publish``/``submit_for_review``), so
  the rules a form obeys (the place rule, public text, the schedule editor's checks) hold here
  too; the check above reports what it can with line numbers, and a service's refusal while
  writing refuses the whole file. One ``import.applied`` audit entry with the counts, and
  ``group.imported`` per group created or updated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from .. import privacy
from ..audit import audit
from ..db import now_utc
from ..exceptions import GroupfinderError, InvalidInput, PermissionDenied
from ..extensions import db
from ..facilitators.models import Facilitator
from ..facilitators.services import (
    FacilitatorData,
    create_facilitator,
    update_facilitator,
    validate_facilitator,
)
from ..geo.geocoding import GeocodingService
from ..groups.confirmation import mark_confirmed
from ..groups.models import Audience, Condition, Group, Language, ListingStatus
from ..groups.services import ListingData, apply_listing, create_group, submit_for_review, validate_listing
from ..groups.services import publish as publish_listing
from ..lazytext import text as _
from ..organisations.models import Organisation
from ..organisations.queries import organisations_of
from ..organisations.services import OrganisationData, create_organisation
from ..schedules.models import MeetingChange, Schedule
from ..schedules.recurrence import Frequency, occurrences
from ..schedules.services import (
    ScheduleData,
    add_schedule,
    cancel_meeting,
    delete_schedule,
    move_meeting,
    undo_meeting_change,
    update_schedule,
)
from ..transactions import transaction
from ..venues.models import AccessFeature, Venue
from ..venues.services import (
    VenueData,
    create_venue,
    resolve_region,
    timezone_at,
    update_venue,
    validate_venue,
    venue_is_published,
)
from . import csvformat
from .csvformat import GroupRecord, ParsedFile, Problem, ScheduleRecord, VenueRecord

PUBLISHED_NEEDS_PUBLISH = ("group '{key}' is published; importing a change to its listing needs "
                           "--publish (an admin's decision), or edit it in the app so the change "
                           "is reviewed")
VENUE_NEEDS_PUBLISH = ("venue '{key}' is used by a published group, so its address and point "
                       "change only with --publish (or give the group a new venue_key)")


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return text + (f", {self.deleted} deleted" if self.deleted else "")


@dataclass
class ImportReport:
    """What happened (or, for a dry run or a refused file, what would have)."""

    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    publish: bool = False
    written: bool = False
    groups: Counts = field(default_factory=Counts)
    venues: Counts = field(default_factory=Counts)
    facilitators: Counts = field(default_factory=Counts)
    schedules: Counts = field(default_factory=Counts)
    #: Cancelled and moved meetings (only a file with those columns changes them).
    meetings: Counts = field(default_factory=Counts)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> int:
        """How many records are (or would be) created, updated or deleted."""
        return sum(c.created + c.updated + c.deleted
                   for c in (self.groups, self.venues, self.facilitators, self.schedules,
                             self.meetings))

    def _names(self) -> tuple[str, ...]:
        names = ("groups", "venues", "facilitators", "schedules")
        return names + (("meetings",) if vars(self.meetings) != vars(Counts()) else ())

    def counts(self) -> dict[str, dict[str, int]]:
        return {name: vars(getattr(self, name)).copy() for name in self._names()}

    def summary(self) -> str:
        lines = [f"{name}: {getattr(self, name)}" for name in self._names()]
        if self.dry_run:
            lines.append(f"Dry run: {self.rows} rows checked, nothing was written "
                         "(the counts say what an import would do).")
        elif not self.changes:
            lines.append(f"Nothing to change: the database already holds all {self.rows} rows.")
        else:
            status = "published" if self.publish else "pending review"
            lines.append(f"Imported {self.rows} rows in one transaction (new groups: {status}).")
        return "\n".join(lines)


class _Rejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class _Place:
    """A venue record with its point and zone decided."""

    record: VenueRecord
    latitude: float
    longitude: float
    timezone: str
    timezone_overridden: bool
    region: str = ""  # ISO 3166-2: the file's, checked against the postcode, or worked out from it

    # The attributes privacy.compute_public_point reads.
    @property
    def name(self) -> str:
        return self.record.name

    @property
    def address(self) -> str:
        return self.record.address

    @property
    def postcode(self) -> str:
        return self.record.postcode

    @property
    def town(self) -> str:
        return self.record.town

    @property
    def country(self) -> str:
        return self.record.country


def import_listings(source: Path | os.PathLike[str] | bytes | str, *, by: Any = None,
                    dry_run: bool = False, publish: bool = False) -> ImportReport:
    """Check ``source`` (a path, or the file's bytes or text) completely, then write all of it in
    one transaction, or nothing. Never raises for a problem in the file: the report lists them
    (``report.ok`` is false and nothing was written). Raises ``PermissionDenied`` when a
    non-admin asks to publish."""
    if publish and by is not None and not getattr(by, "is_admin", False):
        raise PermissionDenied("Only an admin can publish imported listings directly.")
    report = ImportReport(dry_run=dry_run, publish=publish)
    data = _read(source, report)
    if data is None:
        return report
    parsed = csvformat.parse(data, _vocabulary())
    report.rows = parsed.rows
    report.problems.extend(parsed.problems)
    places = _place_venues(parsed, report.problems)
    _check_app_rules(parsed, places, report.problems)
    organisations = _find_organisations(parsed, by, report.problems)
    if report.errors:
        report.problems.sort(key=_order)
        return report
    _written, problems = _reconcile(parsed, places, report, publish=publish, by=by, apply=False,
                                    organisations=organisations)
    report.problems.extend(problems)
    report.problems.sort(key=_order)
    if report.errors or dry_run or not report.changes:
        return report  # an unchanged file writes nothing at all, not even an audit entry
    written = ImportReport()
    try:
        # No autoflush before every query (the services flush what they need an id for), as
        # the demo seeder: a flush per query made a 700-group file take half a minute.
        with transaction(), db.session.no_autoflush:
            _written, problems = _reconcile(parsed, places, written, publish=publish, by=by,
                                            apply=True, organisations=organisations)
            if problems:  # the database changed since the check: refuse the whole file
                raise _Rejected(problems)
            audit("import.applied", by=by, details={
                "rows": parsed.rows, "publish": publish, **written.counts()})
    except _Rejected as exc:
        report.problems.extend(exc.problems)
        report.problems.sort(key=_order)
        return report
    for name in ("groups", "venues", "facilitators", "schedules", "meetings"):
        setattr(report, name, getattr(written, name))
    report.written = True
    return report


def _order(problem: Problem) -> tuple[int, int]:
    column = problem.column
    return problem.line, csvformat.COLUMNS.index(column) if column in csvformat.COLUMNS else -1


def _read(source: Any, report: ImportReport) -> bytes | str | None:
    if isinstance(source, bytes | str):
        return source
    try:
        with open(source, "rb") as fh:
            data = fh.read(csvformat.MAX_BYTES + 1)
    except OSError as exc:
        report.problems.append(Problem(0, None, _("Can't read %(path)s: %(error)s.",
                                                    path=os.fspath(source), error=exc.strerror)))
        return None
    return data


def vocabulary_slugs() -> dict[str, frozenset[str]]:
    """The slugs every importer checks a row's terms against (CSV files and Meeting Guide
    sources), keyed as both parsers' ``Vocabulary`` fields."""
    def slugs(model: type, *where: Any) -> frozenset[str]:
        return frozenset(db.session.scalars(sa.select(model.slug).where(*where)))

    return {"conditions": slugs(Condition), "audiences": slugs(Audience),
            "languages": slugs(Language),
            "group_access": slugs(AccessFeature, AccessFeature.scope == "group"),
            "venue_access": slugs(AccessFeature, AccessFeature.scope != "group")}


def _vocabulary() -> csvformat.Vocabulary:
    return csvformat.Vocabulary(**vocabulary_slugs())


# --- step 1: place venues and apply the app's own rules ---------------------------------------


def _find_organisations(parsed: ParsedFile, by: Any,
                        problems: list[Problem]) -> dict[str, Organisation | None]:
    """The organisation of each name the file gives (``None``: to be created while writing, for
    an admin or the command line only); a name outside an organizer's own is an error."""
    names = {g.organisation for g in parsed.groups if g.organisation}
    if not names:
        return {}
    operator = by is None or getattr(by, "is_admin", False)
    pool = (db.session.scalars(sa.select(Organisation).where(Organisation.name.in_(names))
                               .order_by(Organisation.id)) if operator else organisations_of(by))
    found: dict[str, Organisation | None] = {}
    for org in pool:
        found.setdefault(org.name, org)  # two of one name: the oldest
    for group in parsed.groups:
        name = group.organisation
        if name and name not in found:
            if operator:
                found[name] = None
            else:
                problems.append(Problem(group.line_of("organisation"), "organisation", _(
                    "you don't belong to an organisation named '%(name)s'; name one of yours "
                    "(its owner can invite you), or leave the cell empty", name=name)))
    return found



def _place_venues(parsed: ParsedFile, problems: list[Problem]) -> dict[str, _Place]:
    """Every venue's point (given, or the offline gazetteer's) and time zone."""
    places: dict[str, _Place] = {}
    services: dict[str, GeocodingService] = {}
    answers: dict[tuple[str, str, str], Any] = {}
    for key, venue in parsed.venues.items():
        lat, lng = venue.latitude, venue.longitude
        if lat is None or lng is None:
            where = (venue.country, venue.postcode, venue.town)
            if where not in answers:
                service = services.get(venue.country)
                if service is None:
                    service = services[venue.country] = _offline_geocoder(venue.country)
                answers[where] = _geocode(service, venue)
            found = answers[where]
            if isinstance(found, str):
                problems.append(Problem(venue.line_of("postcode" if venue.postcode else "town"),
                                        "latitude", found))
                continue
            lat, lng = round(found.latitude, 5), round(found.longitude, 5)
            problems.append(Problem(venue.line_of("address"), "latitude", _(
                "no coordinates, so venue '%(key)s' is placed at the centre of %(place)s "
                "(within about %(metres)s m); give latitude and longitude for an exact point",
                key=key, place=found.label, metres=format(found.precision_m, ",")), "warning"))
        try:
            from_point: str | None = timezone_at(lat, lng)
        except InvalidInput:
            from_point = None
        zone = venue.timezone or from_point
        if zone is None:
            problems.append(Problem(venue.line_of("latitude"), "timezone",
                                    _("venue '%(key)s' is not inside any time zone; check its "
                                      "point, or give the timezone", key=key)))
            continue
        region = resolve_region(venue.country, venue.postcode, venue.region,
                                latitude=lat, longitude=lng)
        if region.problem:  # a ZIP in another state: an error at the line, never a silent pick
            problems.append(Problem(venue.line_of("region" if venue.region else "postcode"),
                                    "region", _("venue '%(key)s': %(problem)s", key=key,
                                                problem=region.problem)))
            continue
        places[key] = _Place(venue, lat, lng, zone, bool(venue.timezone) and zone != from_point,
                             region.code)
    return places


def _offline_geocoder(country: str) -> GeocodingService:
    """The gazetteer only: an import never sends addresses to an online service."""
    app_service = current_app.extensions["groupfinder.geocoding"]
    return GeocodingService(app_service.session_factory, (country,), online=None)


def _geocode(service: GeocodingService, venue: VenueRecord) -> Any:
    """An ``Origin``, or the message to show when neither the postcode nor the town is found."""
    tried = []
    for text in (venue.postcode, venue.town):
        if not text:
            continue
        try:
            return service.resolve(text=text)
        except GroupfinderError as exc:
            tried.append(f"'{text}': {exc.detail}")
    if venue.country == "US":
        return _("we couldn't place venue '%(key)s' from its ZIP code or town (%(tried)s); give "
                 "latitude and longitude", key=venue.key, tried="; ".join(tried))
    return _("we couldn't place venue '%(key)s' from its postcode or town (%(tried)s); give "
             "latitude and longitude", key=venue.key, tried="; ".join(tried))


def _check_app_rules(parsed: ParsedFile, places: dict[str, _Place], problems: list[Problem]) -> None:
    """The rules the app applies to the same data entered in forms, mapped to lines and columns."""
    for place in places.values():
        venue = place.record
        data = VenueData(name=venue.name, address=venue.address, town=venue.town,
                         country=venue.country, postcode=venue.postcode, latitude=place.latitude,
                         longitude=place.longitude, region=place.region)
        for name, messages in validate_venue(data).items():
            column = {"name": "venue_name"}.get(name, name)
            problems.extend(Problem(venue.line_of(column), column, m) for m in messages)
    for person in parsed.facilitators.values():
        data = FacilitatorData(name=person.name, bio=person.bio, email=person.email,
                               phone=person.phone, show_email=bool(person.show_email),
                               show_phone=bool(person.show_phone))
        for name, messages in validate_facilitator(data).items():
            column = f"facilitator_{name}"
            problems.extend(Problem(person.line_of(column), column, m) for m in messages)
    for group in parsed.groups:
        for name, messages in validate_listing(_listing_data(group), None).items():
            problems.extend(Problem(group.line_of(name), name, m) for m in messages)
        venue = parsed.venues.get(group.venue_key)
        place = places.get(group.venue_key)
        if place is not None:
            for record in group.schedules:
                problems.extend(_meeting_problems(record, place.timezone, parsed, places))
        if venue is not None and place is not None and venue.latitude is None:
            # Geocoded venues: their point is known only now (the parse checked the others).
            problems.extend(csvformat.sensitive_text_problems(
                group, venue, parsed.facilitators, latitude=place.latitude, longitude=place.longitude))


def _meeting_problems(record: ScheduleRecord, zone: str, parsed: ParsedFile,
                      places: dict[str, _Place]) -> list[Problem]:
    """Each cancelled or moved meeting must be one of the schedule's meetings (as the meeting
    forms require), and a move's venue must be in the file or already stored."""
    out: list[Problem] = []
    if not (record.cancellations or record.moves):
        return out
    spec = replace(record.spec(zone), paused_until=None)  # a paused meeting is still a meeting
    tz = ZoneInfo(zone)
    for column, items in (("cancellations", record.cancellations), ("moves", record.moves)):
        for item in items:
            at = item.original_start.replace(tzinfo=tz)
            try:
                window = occurrences(spec, at - dt.timedelta(minutes=1), at + dt.timedelta(minutes=1))
            except OverflowError:
                window = []
            if item.original_start not in window:
                out.append(Problem(record.line, column, _(
                    "%(when)s is not one of this schedule's meetings",
                    when=format(item.original_start, "%Y-%m-%d %H:%M"))))
    for move in record.moves:
        key = move.new_venue_key
        if key and key not in places and key not in parsed.venues and db.session.scalar(
                sa.select(Venue.id).where(Venue.external_key == key)) is None:
            out.append(Problem(record.line, "moves", _("venue '%(key)s' is neither in this file "
                                                       "nor already imported", key=key)))
        if move.new_start == move.original_start and not key and move.new_duration_minutes is None:
            when = format(move.original_start, "%Y-%m-%d %H:%M")
            out.append(Problem(record.line, "moves", _("the meeting of %(when)s is moved to the "
                                                       "same time", when=when)))
    return out


def _listing_data(group: GroupRecord, venue_id: int | None = None,
                  facilitator_ids: Iterable[int] = (),
                  organisation_id: int | None = None) -> ListingData:
    return ListingData(name=group.name, description=group.description,
                       what_to_expect=group.what_to_expect, cost=group.cost,
                       contact_email=group.contact_email, website=group.website,
                       conditions=group.conditions, audiences=group.audiences,
                       languages=group.languages, access=group.access,
                       is_sensitive=group.is_sensitive, area_name=group.area_name,
                       venue_id=venue_id, facilitator_ids=tuple(facilitator_ids),
                       organisation_id=organisation_id)


# --- step 2: compare with the database, and write --------------------------------------------


def _by_key(model: type, keys: Iterable[str], *options: Any) -> dict[str, Any]:
    keys = list(keys)
    found: dict[str, Any] = {}
    for start in range(0, len(keys), 500):  # stay under every backend's parameter limit
        chunk = keys[start:start + 500]
        found.update((row.external_key, row) for row in db.session.scalars(
            sa.select(model).where(model.external_key.in_(chunk)).options(*options)))
    return found


def _by_slug(model: type) -> dict[str, Any]:
    return {row.slug: row for row in db.session.scalars(sa.select(model))}


def _slugs(items: Iterable[Any]) -> tuple[str, ...]:
    return tuple(sorted(item.slug for item in items))


def _venue_state(venue: Venue) -> tuple[Any, ...]:
    return (venue.name, venue.address, venue.postcode, venue.town, venue.country, venue.latitude,
            venue.longitude, venue.timezone, venue.timezone_overridden, _slugs(venue.access_features),
            venue.region)


def _place_state(place: _Place) -> tuple[Any, ...]:
    v = place.record
    return (v.name, v.address, v.postcode, v.town, v.country, place.latitude, place.longitude,
            place.timezone, place.timezone_overridden, tuple(sorted(v.access)), place.region)


_LOCATION = slice(1, 7)  # address … longitude in the states above


def _schedule_key(kind: Any, interval: int, weekdays: str, positions: str, month_day: int | None,
                  start_time: Any, duration: int, first_date: Any, last_date: Any) -> tuple[Any, ...]:
    return (Frequency(kind), interval, weekdays, positions, month_day, start_time, duration,
            first_date, None if Frequency(kind) is Frequency.once else last_date)


def _stored_key(s: Schedule) -> tuple[Any, ...]:
    return _schedule_key(s.kind, s.interval, s.weekdays, s.positions, s.month_day, s.start_time,
                         s.duration_minutes, s.first_date, s.last_date)


def _record_key(r: ScheduleRecord) -> tuple[Any, ...]:
    positions = sorted(r.positions, key=lambda p: (p < 0, p))
    return _schedule_key(r.kind, r.interval, ",".join(str(d) for d in sorted(r.weekdays)),
                         ",".join(str(p) for p in positions), r.month_day, r.start_time,
                         r.duration_minutes, r.first_date, r.last_date)


def _listing_state(group: Group) -> tuple[Any, ...]:
    return (group.name, group.description, group.what_to_expect, group.cost, group.contact_email,
            group.website, _slugs(group.conditions), _slugs(group.audiences),
            _slugs(group.languages), _slugs(group.access_features),
            group.venue.external_key if group.venue else None)


def _wanted_listing(record: GroupRecord) -> tuple[Any, ...]:
    return (record.name, record.description, record.what_to_expect, record.cost,
            record.contact_email, record.website, tuple(sorted(record.conditions)),
            tuple(sorted(record.audiences)), tuple(sorted(record.languages)),
            tuple(sorted(record.access)), record.venue_key)


def _public_state(group: Group) -> tuple[Any, ...]:
    return (group.is_sensitive, group.public_lat, group.public_lng, group.public_cell,
            group.area_name)


def _wanted_public(record: GroupRecord, place: _Place, venue: Venue | None) -> tuple[Any, ...]:
    """The public state the record asks for; a venue already private stays private (only an
    admin makes a place public again), so its listings keep their area."""
    private = venue is not None and venue.is_private
    hidden = record.is_sensitive or private
    point = privacy.compute_public_point(is_sensitive=hidden, venue=place,
                                         area_name=record.area_name if record.is_sensitive else None)
    return (record.is_sensitive, point.latitude, point.longitude, point.cell,
            point.area_name if hidden else None)


def _reconcile(parsed: ParsedFile, places: dict[str, _Place], report: ImportReport, *,
               publish: bool, by: Any, apply: bool,
               organisations: dict[str, Organisation | None] | None = None,
               ) -> tuple[ImportReport, list[Problem]]:
    """Compare the file with the database and count what changes; with ``apply``, also make the
    changes (inside the caller's transaction). Returns the problems that forbid the import."""
    problems: list[Problem] = []
    organisations = dict(organisations or {})
    if apply:
        for name, org in organisations.items():
            if org is None:  # an operator's import: the organisation is new
                organisations[name] = create_organisation(OrganisationData(name=name), by=None)

    # An organizer in several organisations must say which runs each new group.
    undecided = by is not None and not getattr(by, "is_admin", False) and not apply \
        and len(organisations_of(by)) > 1

    def organisation_id(record: GroupRecord) -> int | None:
        org = organisations.get(record.organisation) if record.organisation else None
        return org.id if org is not None else None

    venues = _by_key(Venue, places, selectinload(Venue.access_features))
    for key, place in places.items():
        venue = venues.get(key)
        wanted = _place_state(place)
        if venue is None:
            report.venues.created += 1
            if apply:
                venues[key] = create_venue(_venue_data(place), by=by, external_key=key)
            continue
        current = _venue_state(venue)
        if current == wanted:
            report.venues.unchanged += 1
            continue
        report.venues.updated += 1
        moved = current[_LOCATION] != wanted[_LOCATION]
        if moved and not publish and venue_is_published(venue):
            problems.append(Problem(place.record.line_of("address"), "address",
                                    VENUE_NEEDS_PUBLISH.format(key=key)))
        if apply:  # (listings here that the file doesn't name move with it: the service)
            update_venue(venue, _venue_data(place), by=by, allow_published_move=publish)

    people = _by_key(Facilitator, parsed.facilitators)
    for key, person in parsed.facilitators.items():
        found = people.get(key)
        wanted_person = (person.name, person.bio, person.email, person.phone)
        if found is None:
            report.facilitators.created += 1
            if apply:
                people[key] = create_facilitator(FacilitatorData(
                    name=person.name, bio=person.bio, email=person.email, phone=person.phone,
                    show_email=bool(person.show_email), show_phone=bool(person.show_phone)),
                    by=by, external_key=key)
            continue
        # Without the opt-in columns a new address or number is never public without a new
        # opt-in (as in the app); with them, the file says the facilitator's choice.
        show_email = person.show_email if person.show_email is not None else \
            found.show_email and found.email == person.email
        show_phone = person.show_phone if person.show_phone is not None else \
            found.show_phone and found.phone == person.phone
        show_email, show_phone = bool(show_email and person.email), bool(show_phone and person.phone)
        if (found.name, found.bio, found.email, found.phone, found.show_email, found.show_phone) \
                == (*wanted_person, show_email, show_phone):
            report.facilitators.unchanged += 1
        else:
            report.facilitators.updated += 1
            if apply:
                update_facilitator(found, FacilitatorData(
                    name=person.name, bio=person.bio, email=person.email, phone=person.phone,
                    show_email=show_email, show_phone=show_phone), by=by)

    groups = _by_key(Group, (g.key for g in parsed.groups), *_group_loads())
    for record in parsed.groups:
        place = places[record.venue_key]
        group = groups.get(record.key)
        if group is None:
            if not apply and record.organisation is None and undecided:
                problems.append(Problem(record.line, "organisation", (
                    f"you belong to several organisations: say which runs new group "
                    f"'{record.key}' in the organisation column")))
            report.groups.created += 1
            report.schedules.created += len(record.schedules)
            if not apply:
                report.meetings.created += sum(len(r.cancellations) + len(r.moves)
                                               for r in record.schedules)
            if apply:
                with _at(record):
                    group = create_group(
                        _listing_data(record, venues[record.venue_key].id,
                                      [people[k].id for k in _people_keys(record)],
                                      organisation_id(record)),
                        by=by, accept_public_venue=True, external_key=record.key)
                    for schedule_record in record.schedules:
                        schedule = add_schedule(group, _schedule_data(schedule_record), by=by)
                        if parsed.has_exceptions:
                            _reconcile_meetings(schedule, schedule_record, venues, report, apply=True, by=by)
                    (publish_listing if publish else submit_for_review)(group, by=by)
                audit("group.imported", by=by, group=group, details={"outcome": "created"})
            continue

        listing_changed = _listing_state(group) != _wanted_listing(record) or (
            record.organisation is not None and (
                group.organisation is None or group.organisation.name != record.organisation))
        public_changed = _public_state(group) != _wanted_public(record, place,
                                                               venues.get(record.venue_key))
        publishes = publish and group.status != ListingStatus.published
        wanted_people = tuple(sorted(_people_keys(record)))
        people_changed = parsed.has_facilitators and wanted_people != tuple(sorted(
            f.external_key or f"#{f.id}" for f in group.facilitators))
        plan = _plan_schedules(group, record, parsed.has_pauses)
        meetings_before = vars(report.meetings).copy()
        if parsed.has_exceptions:
            for schedule, schedule_record in plan.kept + plan.updated:
                _reconcile_meetings(schedule, schedule_record, venues, report, apply=False, by=by)
            report.meetings.created += sum(len(r.cancellations) + len(r.moves) for r in plan.created)
        meetings_changed = any(vars(report.meetings)[k] != meetings_before[k]
                               for k in ("created", "updated", "deleted"))
        schedules_changed = bool(plan.updated or plan.created or plan.deleted) or meetings_changed

        # What the app reviews: content, tags, venue, area, and hiding→showing the address.
        # Hiding it (becoming sensitive) is never delayed; a moved venue is checked above.
        area_changed = record.is_sensitive and group.is_sensitive and \
            group.area_name != _wanted_public(record, place, venues.get(record.venue_key))[4]
        reviewed_change = listing_changed or area_changed or \
            (group.is_sensitive and not record.is_sensitive)
        if group.status == ListingStatus.published and not publish and reviewed_change:
            problems.append(Problem(record.line, "group_key", PUBLISHED_NEEDS_PUBLISH.format(key=record.key)))

        report.schedules.unchanged += len(plan.kept)
        report.schedules.updated += len(plan.updated)
        report.schedules.created += len(plan.created)
        report.schedules.deleted += len(plan.deleted)
        if not (listing_changed or public_changed or publishes or people_changed or schedules_changed):
            report.groups.unchanged += 1
            if apply:
                mark_confirmed(group)  # the source still lists it as it is: a refresh confirms
            continue
        report.groups.updated += 1
        if not apply:
            continue
        with _at(record):
            mark_confirmed(group)
            if listing_changed or public_changed or people_changed:
                # What the app would review was refused above unless ``publish``: at once.
                people_ids = [people[k].id for k in _people_keys(record)] \
                    if parsed.has_facilitators else [f.id for f in group.facilitators]
                apply_listing(group, _listing_data(record, venues[record.venue_key].id, people_ids,
                                                   organisation_id(record)), by=by)
            for schedule, schedule_record in plan.updated:
                update_schedule(schedule, _schedule_data(
                    schedule_record, keep_pause=None if parsed.has_pauses else schedule.paused_until),
                    by=by)
            created = [(add_schedule(group, _schedule_data(r), by=by), r) for r in plan.created]
            for schedule in plan.deleted:
                delete_schedule(schedule, by=by)
            if parsed.has_exceptions:
                scratch = ImportReport()  # counted above, in the check
                for schedule, schedule_record in plan.kept + plan.updated + created:
                    _reconcile_meetings(schedule, schedule_record, venues, scratch, apply=True, by=by)
            if publishes:
                publish_listing(group, by=by)
        group.updated_at = now_utc()
        audit("group.imported", by=by, group=group, details={"outcome": "updated"})
    return report, problems


def _people_keys(record: GroupRecord) -> tuple[str, ...]:
    return record.facilitator_keys or ((record.facilitator_key,) if record.facilitator_key else ())


def _tally(counts: Any, *, known: bool) -> None:
    """One more meeting change counted as updated (it existed) or created."""
    name = "updated" if known else "created"
    setattr(counts, name, getattr(counts, name) + 1)


def _reconcile_meetings(schedule: Schedule, record: ScheduleRecord, venues: dict[str, Any],
                        report: ImportReport, *, apply: bool, by: Any = None) -> None:
    """The file is the truth for the schedule's cancelled and moved meetings: each through the
    meeting services (cancel, move, undo), as an organizer would."""
    cancelled = {c.original_start: c.reason for c in schedule.cancellations} if schedule.id else {}
    moved = {m.original_start: (m.new_start, m.new_duration_minutes,
                                m.new_venue.external_key if m.new_venue else None, m.note)
             for m in schedule.changes} if schedule.id else {}
    wanted: set[dt.datetime] = set()
    with _at_row(record):
        for c in record.cancellations:
            wanted.add(c.original_start)
            if cancelled.get(c.original_start) == c.reason:
                report.meetings.unchanged += 1
                continue
            _tally(report.meetings, known=c.original_start in cancelled or c.original_start in moved)
            if apply:
                cancel_meeting(schedule, c.original_start, c.reason, by=by)
        for m in record.moves:
            wanted.add(m.original_start)
            state = (m.new_start, m.new_duration_minutes, m.new_venue_key, m.note)
            if moved.get(m.original_start) == state:
                report.meetings.unchanged += 1
                continue
            _tally(report.meetings, known=m.original_start in cancelled or m.original_start in moved)
            if apply:
                move_meeting(schedule, m.original_start, m.new_start, note=m.note,
                             new_duration_minutes=m.new_duration_minutes,
                             new_venue=_venue_by_key(venues, m.new_venue_key), by=by)
        for start in (set(cancelled) | set(moved)) - wanted:
            report.meetings.deleted += 1
            if apply:
                undo_meeting_change(schedule, start, by=by)


def _venue_by_key(venues: dict[str, Any], key: str | None) -> Any:
    if not key:
        return None
    if key not in venues:
        venues[key] = db.session.scalar(sa.select(Venue).where(Venue.external_key == key))
    return venues[key]


@contextlib.contextmanager
def _at_row(record: ScheduleRecord) -> Iterator[None]:
    """A meeting service's refusal (a reason naming a private place…) is the row's problem."""
    try:
        yield
    except InvalidInput as exc:
        column = "moves" if record.moves else "cancellations"
        raise _Rejected([Problem(record.line, column, m)
                         for messages in exc.field_errors.values() for m in messages]
                        or [Problem(record.line, column, exc.detail)]) from None


def _group_loads() -> tuple[Any, ...]:
    return (selectinload(Group.venue), selectinload(Group.conditions),
            selectinload(Group.audiences), selectinload(Group.languages),
            selectinload(Group.access_features), selectinload(Group.facilitators),
            selectinload(Group.organisation),
            selectinload(Group.schedules).selectinload(Schedule.cancellations),
            selectinload(Group.schedules).selectinload(Schedule.changes)
            .selectinload(MeetingChange.new_venue))


@dataclass
class _SchedulePlan:
    kept: list[tuple[Schedule, ScheduleRecord]] = field(default_factory=list)
    updated: list[tuple[Schedule, ScheduleRecord]] = field(default_factory=list)
    created: list[ScheduleRecord] = field(default_factory=list)
    deleted: list[Schedule] = field(default_factory=list)


def _plan_schedules(group: Group, record: GroupRecord, pauses: bool = False) -> _SchedulePlan:
    """Equal schedules are kept; the rest are paired in order (an edit keeps the series' UID,
    cancellations and pause), then added or deleted. With ``pauses`` (the file has the column)
    a schedule's pause is part of what must be equal."""
    plan = _SchedulePlan()
    stored = list(group.schedules)
    unmatched: list[ScheduleRecord] = []
    for schedule_record in record.schedules:
        key = _record_key(schedule_record) + ((schedule_record.paused_until,) if pauses else ())
        same = next((s for s in stored
                     if _stored_key(s) + ((s.paused_until,) if pauses else ()) == key), None)
        if same is None:
            unmatched.append(schedule_record)
        else:
            stored.remove(same)
            plan.kept.append((same, schedule_record))
    for schedule, schedule_record in zip(stored, unmatched, strict=False):
        plan.updated.append((schedule, schedule_record))
    plan.created = unmatched[len(stored):]
    plan.deleted = stored[len(unmatched):]
    return plan


def _schedule_data(record: ScheduleRecord, *, keep_pause: Any = None) -> ScheduleData:
    """The schedule service's input for a row. ``keep_pause``: a file without the
    ``paused_until`` column keeps the stored schedule's pause (set in the app, not in the file)."""
    spec = record.spec()
    return ScheduleData(kind=spec.kind, start_time=spec.start_time,
                        duration_minutes=spec.duration_minutes, first_date=spec.first_date,
                        interval=spec.interval, weekdays=spec.weekdays, positions=spec.positions,
                        month_day=spec.month_day, last_date=spec.last_date,
                        paused_until=keep_pause if keep_pause is not None else spec.paused_until)


def _venue_data(place: _Place) -> VenueData:
    record = place.record
    return VenueData(name=record.name, address=record.address, town=record.town,
                     country=record.country, postcode=record.postcode, latitude=place.latitude,
                     longitude=place.longitude,
                     timezone=place.timezone if place.timezone_overridden else "",
                     access=tuple(sorted(record.access)), region=place.region)


@contextlib.contextmanager
def _at(record: GroupRecord) -> Iterator[None]:
    """A service's refusal while writing (the database changed since the check, or a rule the
    file check doesn't know) becomes the row's problem: the whole file is refused."""
    try:
        yield
    except InvalidInput as exc:
        columns = {"organisation_id": "organisation"}
        problems = [Problem(record.line_of(columns.get(name, name)), columns.get(name, name), m)
                    for name, messages in exc.field_errors.items() for m in messages]
        raise _Rejected(problems or [Problem(record.line, "group_key", exc.detail)]) from None
