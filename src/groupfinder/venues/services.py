"""Venue rules: the time zone comes from the point unless the organizer overrides it; the region
(state or UK nation) comes from the ZIP or postcode, and a typed one must agree with it."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import privacy, validation
from ..audit import audit
from ..db import now_utc
from ..exceptions import InvalidInput
from ..extensions import db
from ..geo import gazetteer, regions
from ..geo.parsing import ParseError, classify
from ..groups.models import Group, ListingStatus
from ..transactions import check_version, conflicts, transaction
from .models import AccessFeature, Venue
from .places import apply_public_location, private_places_known_to, same_place


@functools.cache
def _finder():  # type: ignore[no-untyped-def]
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def timezone_at(latitude: float, longitude: float) -> str:
    """The IANA zone of a point, offline; ``InvalidInput`` at sea or off the map."""
    name = _finder().timezone_at(lat=latitude, lng=longitude)
    if not name:
        raise InvalidInput(_("That point is not inside any time zone; check the location."),
                           field_errors={"timezone": [_("Choose the time zone for this venue.")]})
    return name


@functools.cache
def _known_zones() -> frozenset[str]:
    """The IANA zones on this machine; read once (a directory walk of tzdata, ~20 ms)."""
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(_("Unknown time zone %(name)s.", name=repr(name)),
                           field_errors={"timezone": [_("Choose a time zone from the list.")]}) from None
    if name not in _known_zones():
        raise InvalidInput(_("Unknown time zone %(name)s.", name=repr(name)),
                           field_errors={"timezone": [_("Choose a time zone from the list.")]})
    return name


# --- writes: create and edit a venue ---------------------------------------------------------
# Rules (decided here): a venue belongs to the organizer who created it; its exact address and
# point are private to them. A venue used by a *published* listing keeps its address and point:
# moving it would move a public listing without review, so the organizer creates a new venue and
# chooses it for the group (a reviewed edit). Its name, time zone and access features may change.

LOCATION_FIELDS = ("address", "postcode", "town", "country", "latitude", "longitude")
LOCKED_MESSAGE = _l("A published listing meets here, so its address and point can't change. "
                    "Create a new venue and choose it for the group instead (that change is "
                    "reviewed).")


@dataclass(frozen=True)
class VenueData:
    """What an organizer edits on a venue, as plain values."""

    name: str
    address: str
    town: str
    country: str
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    timezone: str = ""  # empty: taken from the point
    access: tuple[str, ...] = ()
    region: str = ""  # "TX", "Texas" or "US-TX"; empty: taken from the ZIP/postcode (or point)


# --- the region: from the ZIP or postcode, checked against it ---------------------------------


@dataclass(frozen=True)
class RegionAnswer:
    code: str  # ISO 3166-2, or "" when nothing says it
    problem: str | None = None  # the field message when the typed region can't be right


def _code_row(country: str, postcode: str) -> tuple[gazetteer.GazetteerRow, str] | None:
    """The gazetteer's ZIP, postcode sector or district for a venue's code, with the code as
    people write it ("12345", "CF10 1AB"), or None."""
    if not postcode.strip():
        return None
    try:
        parsed = classify(postcode, (country,))
    except ParseError:
        return None
    if not parsed.is_postcode or parsed.country != country:
        return None
    for kind, key in parsed.lookups:
        row = gazetteer.find_code(db.session, country, kind, key)
        if row is not None:
            return row, parsed.code or row.code or ""
    return None


def _region_mismatch(country: str, code: str, found: str, given: str) -> str:
    """ "ZIP 12345 is in New York (US-NY), not Texas (US-TX)." (one sentence per country)."""
    if country == "US":
        return _("ZIP %(code)s is in %(found)s, not %(given)s.", code=code, found=found, given=given)
    return _("Postcode %(code)s is in %(found)s, not %(given)s.", code=code, found=found,
             given=given)


def _region_outside(country: str, code: str, place: str, given: str) -> str:
    """A code in no region of the country (Jersey under GB)."""
    if country == "US":
        return _("ZIP %(code)s is in %(place)s, not %(given)s; leave the state empty.", code=code,
                 place=place, given=given)
    return _("Postcode %(code)s is in %(place)s, not %(given)s; leave the nation empty.",
             code=code, place=place, given=given)


def resolve_region(country: str, postcode: str, typed: str = "", *,
                   latitude: float | None = None, longitude: float | None = None) -> RegionAnswer:
    """The region to store for a venue, and the message when the typed one is wrong.

    Typed ("TX", "Texas", "US-TX") and the ZIP/postcode known: they must agree ("ZIP 12345 is
    in New York (US-NY), not Texas (US-TX)"), never a silent pick of either. Typed only: kept.
    Blank: the ZIP's or postcode's region, else the nearest ZIP or sector to the point (a UK
    venue may have no postcode), else "". Reads the gazetteer in the caller's session.
    """
    if country not in regions.SUBDIVISIONS:
        return RegionAnswer("")
    try:
        given = regions.parse_region(typed, country)
    except regions.RegionError as exc:
        return RegionAnswer("", str(exc))
    known = _code_row(country, postcode)
    if known is not None:
        row, code = known
        found = regions.region_of_admin1(country, row.admin1)
        if given is None:
            return RegionAnswer(found.code if found else "")
        if found is None:
            # Guernsey, Jersey, the Isle of Man: filed under GB, in no nation of it.
            return RegionAnswer("", _region_outside(country, code, row.admin1, given.label))
        if found != given:
            return RegionAnswer(found.code, _region_mismatch(country, code, found.label, given.label))
        return RegionAnswer(given.code)
    if given is not None:
        return RegionAnswer(given.code)
    if latitude is not None and longitude is not None:
        # No country filter: with one, SQLite scans the country's rows by the (country, key)
        # index (70 ms) instead of the box on (kind, lat, lng) (6 ms); GB and US lie far apart.
        near = gazetteer.nearest_label(db.session, latitude, longitude)
        if near is not None and near.row.country == country:
            found = regions.region_of_admin1(country, near.row.admin1)
            return RegionAnswer(found.code if found else "")
    return RegionAnswer("")


def validate_venue(data: VenueData, venue: Any = None, by: Any = None) -> dict[str, list[str]]:
    """Per-field messages. A public venue's name changes without review, so it must not locate
    a private place its organizer knows (``venue``: the one being edited, if any)."""
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        if message not in errors.get(name, []):
            errors.setdefault(name, []).append(message)

    for name in ("name", "address", "town", "postcode", "country", "timezone", "region"):
        if problem := validation.single_line_problem(getattr(data, name)):
            err(name, problem)
    if by is not None and not (venue is not None and venue.is_private):
        owners = [by, venue.owner if venue is not None else None]
        places = [p for p in private_places_known_to(db.session, owners)
                  if venue is None or p.id != venue.id]
        for message in privacy.public_text_problems(data.name, places):
            err("name", message)

    if not data.name.strip():
        err("name", _("Give the venue a name."))
    elif len(data.name) > 200:
        err("name", _("Keep the name under 200 characters."))
    if not data.address.strip():
        err("address", _("Give the street address."))
    elif len(data.address) > 300:
        err("address", _("Keep the address under 300 characters."))
    if not data.town.strip():
        err("town", _("Give the town or city."))
    elif len(data.town) > 120:
        err("town", _("Keep the town under 120 characters."))
    if len(data.postcode) > 16:
        err("postcode", _("Keep the postcode under 16 characters."))
    if not re.fullmatch(r"[A-Z]{2}", data.country or ""):
        err("country", _("Choose the country."))
    if data.latitude is None or data.longitude is None:
        err("latitude", _("Find the venue on the map, or enter its latitude and longitude."))
    else:
        if not -90 <= data.latitude <= 90:
            err("latitude", _("Latitude is between -90 and 90."))
        if not -180 <= data.longitude <= 180:
            err("longitude", _("Longitude is between -180 and 180."))
    if "country" not in errors and "region" not in errors and "postcode" not in errors:
        if problem := resolve_region(data.country, data.postcode, data.region).problem:
            err("region", problem)
    return errors


def _resolve_timezone(data: VenueData) -> tuple[str, bool]:
    """(zone, overridden): the organizer's zone if given, else the point's."""
    assert data.latitude is not None and data.longitude is not None
    try:
        from_point: str | None = timezone_at(data.latitude, data.longitude)
    except InvalidInput:
        from_point = None
    if data.timezone.strip():
        zone = check_timezone(data.timezone.strip())
        return zone, zone != from_point
    if from_point is None:
        raise InvalidInput(_("That point is not inside any time zone."),
                           field_errors={"timezone": [_("Choose the time zone for this venue.")]})
    return from_point, False


def _venue_access(slugs: tuple[str, ...]) -> list[Any]:
    rows = {a.slug: a for a in db.session.scalars(sa.select(AccessFeature).where(
        AccessFeature.slug.in_(slugs), AccessFeature.scope == "venue"))}
    unknown = [s for s in slugs if s not in rows]
    if unknown:
        raise InvalidInput(field_errors={"access": [_("Unknown: %(slugs)s.",
                                                           slugs=", ".join(unknown))]})
    return [rows[s] for s in slugs]


def _write_venue(venue: Any, data: VenueData) -> None:
    venue.name = data.name.strip()
    venue.address = " ".join(data.address.split())
    venue.postcode = " ".join(data.postcode.upper().split())
    venue.town = " ".join(data.town.split())
    venue.country = data.country
    venue.region = resolve_region(data.country, data.postcode, data.region,
                                  latitude=data.latitude, longitude=data.longitude).code
    venue.latitude = data.latitude
    venue.longitude = data.longitude
    venue.timezone, venue.timezone_overridden = _resolve_timezone(data)
    venue.access_features = _venue_access(data.access)


def _invalid(errors: dict[str, list[str]]) -> InvalidInput:
    return InvalidInput(_("Please correct the marked fields."), field_errors=errors)


def create_venue(data: VenueData, *, by: Any, external_key: str | None = None) -> Any:
    """A new venue owned by ``by`` (``None``: the system, e.g. the demo seeder; ``external_key``
    is the seeder's or an importer's stable key). Raises ``InvalidInput`` per field; nothing
    written then."""
    with transaction():
        errors = validate_venue(data, None, by)
        if errors:
            raise _invalid(errors)
        venue = Venue(owner_id=getattr(by, "id", None), external_key=external_key)
        _write_venue(venue, data)
        db.session.add(venue)
        db.session.flush()
        audit("venue.created", by=by, details={"venue_id": venue.id})
    return venue


def venue_is_published(venue: Any) -> bool:
    """Whether a published listing meets at ``venue`` (its address and point are then fixed)."""
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(Group).where(
        Group.venue_id == venue.id, Group.status == ListingStatus.published)))


def update_venue(venue: Any, data: VenueData, *, by: Any, expected_version: int | None = None,
                 allow_published_move: bool = False) -> None:
    """Save an edit of ``venue``.

    ``ConflictError`` when ``expected_version`` is not the stored version (someone saved first);
    ``InvalidInput`` per field, including a changed address or point while a published listing
    meets there (``allow_published_move``: an admin's import with ``--publish`` may). When the
    address or point changes, the stored public point of every listing at the venue is
    recomputed (the only time it is). Nothing is written on an error.
    """
    with conflicts(_("Someone else saved this venue at the same moment; check it and save again.")):
        check_version(venue, expected_version,
                      _("Someone else saved this venue while you were editing. Your changes are "
                        "below; check them against the current version and save again."))
        errors = validate_venue(data, venue, by)
        if errors:
            raise _invalid(errors)
        before = tuple(getattr(venue, f) for f in LOCATION_FIELDS)
        _write_venue(venue, data)
        moved = tuple(getattr(venue, f) for f in LOCATION_FIELDS) != before
        if moved and not allow_published_move and venue_is_published(venue):
            raise _invalid({"address": [str(LOCKED_MESSAGE)]})
        if moved:
            for group in db.session.scalars(sa.select(Group).where(Group.venue_id == venue.id)):
                apply_public_location(group)
        venue.updated_at = now_utc()
        audit("venue.edited", by=by, details={"venue_id": venue.id, "moved": moved})



# --- an admin's decision: a private place shows its address again ----------------------------

STILL_SENSITIVE_MESSAGE = _l("A sensitive listing still meets at this place (or a pending edit "
                             "or a moved meeting points to it), so it stays private.")


def release_place(venue: Any, *, by: Any, expected_version: int | None = None) -> list[Any]:
    """Make a private place public again, with every venue record at the same place; returns the
    listings that show its exact address from now on.

    Only an admin decides this (the review page shows those listings first), and only when no
    sensitive listing uses the place any more: ``InvalidInput`` otherwise, nothing written.
    """
    from .places import sensitive_uses

    with conflicts(_("This place changed at the same moment; check it again.")):
        check_version(venue, expected_version,
                      _("This place changed while you were looking at it; check it again."))
        place = same_place(db.session, venue)
        if sensitive_uses(db.session, [v.id for v in place]):
            raise InvalidInput(str(STILL_SENSITIVE_MESSAGE),
                               field_errors={"venue": [str(STILL_SENSITIVE_MESSAGE)]})
        exposed: list[Any] = []
        for v in place:
            v.is_private = False
            v.updated_at = now_utc()
            for group in db.session.scalars(sa.select(Group).where(Group.venue_id == v.id)):
                apply_public_location(group)
                exposed.append(group)
        audit("venue.made_public", by=by, details={"venue_ids": [v.id for v in place],
                                                     "group_ids": [g.id for g in exposed]})
    return exposed
