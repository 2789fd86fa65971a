"""The one decider of what the public may see: locations, contacts, and log redaction.

Pure; no Flask, no session. Privacy belongs to the *place* (docs/security-privacy.md §2.3a): a venue
that hosts any sensitive listing is private, and every listing that meets there, sensitive or
not, shows only its area; its public point is the centre of the venue's H3 resolution-7 cell,
computed once when the venue's address or privacy changes and stored on the group. Every public
computation (distance, order, radius, pages, API, feeds, exports) uses only the stored public
point. Nothing public ever carries a private venue's name, street, postcode or exact point.
Templates, serializers and feeds never read ``venue.address`` or ``venue.latitude``: they ask
this module. Which venues are private is decided by ``venues.places`` (it needs the database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Protocol

import h3

from .lazytext import text as _

H3_RESOLUTION = 7
EXACT_DECIMALS = 5
CELL_DECIMALS = 4


# Two venue records at the same postcode and this close are one place for the privacy rule.
SAME_PLACE_KM = 0.1

# Why a location is only an area (``PublicLocation.reason``), for the sentence pages show.
SENSITIVE = "sensitive"
SHARED_PLACE = "shared_place"


class _VenueLike(Protocol):
    name: str
    address: str
    postcode: str
    town: str
    country: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PublicPoint:
    latitude: float
    longitude: float
    cell: str | None
    area_name: str


@dataclass(frozen=True)
class PublicLocation:
    """What anyone may see of where a group meets."""

    approximate: bool
    area: str
    latitude: float
    longitude: float
    venue_name: str | None = None
    address: str | None = None
    postcode: str | None = None
    town: str | None = None
    reason: str = ""  # SENSITIVE or SHARED_PLACE when approximate
    # The state or UK nation (ISO 3166-2, "US-GA"; "" when unknown), shown in every case: it is
    # far coarser than the area. ``locality``: the venue's town, in every case too, only for
    # the standard address forms that need a town to be found on a map ("Area, City, ST, USA").
    region: str = ""
    locality: str | None = None
    country: str = ""

    @property
    def town_line(self) -> str:
        """The postal address's town line: "Atlanta, GA 30303" (US), "Salford M5 4WT" (UK);
        empty when approximate (no postcode or ZIP is ever public then)."""
        if self.approximate:
            return ""
        from .geo.regions import town_line

        return town_line(self.country, self.town or "", self.region, self.postcode or "")

    @property
    def one_line(self) -> str:
        """Text for LOCATION in feeds and calendar links."""
        if self.approximate:
            return _("%(area)s (approximate area)", area=self.area)
        if self.country == "US" and self.region:  # "…, Atlanta, GA 30303": findable by a map app
            return ", ".join(p for p in (self.venue_name, self.address, self.town_line) if p)
        parts = [self.venue_name, self.address, self.town, self.postcode]
        return ", ".join(p for p in parts if p)


def default_area_name(venue: _VenueLike) -> str:
    """A district or town: the UK outward code with the town, or the US town."""
    if venue.country == "GB" and venue.postcode:
        outward = venue.postcode.strip().upper().split()[0]
        return f"{venue.town} ({outward})" if venue.town else outward
    return venue.town


_HOUSE_NUMBER = re.compile(r"\b\d+[a-z]?\b", re.I)


def validate_area_name(area: str, venue: _VenueLike) -> list[str]:
    """Field messages when an organizer's area label would locate the venue."""
    text = area.strip()
    problems = []
    if not text:
        problems.append("Give an area, such as a district or town.")
        return problems
    lowered = text.lower()
    street = _HOUSE_NUMBER.sub("", venue.address).strip(" ,").lower()
    if venue.name and venue.name.lower() in lowered:
        problems.append("The area must not name the venue.")
    if street and street in lowered:
        problems.append("The area must not contain the street.")
    postcode = venue.postcode.replace(" ", "").lower()
    if venue.country == "GB" and len(postcode) >= 5 and postcode in lowered.replace(" ", ""):
        problems.append("Use only the first part of the postcode (for example M1), not the full one.")
    return problems


_COORDINATE = re.compile(r"(-?\d{1,3}\.\d{2,})\s*[,;/ ]\s*(-?\d{1,3}\.\d{2,})")


def _as_places(places: Any) -> list[Any]:
    if places is None:
        return []
    if isinstance(places, (list, tuple, set, frozenset)):
        return [p for p in places if p is not None]
    return [places]


def N_(message: str) -> str:
    """Marks ``message`` for the catalogues; forms translate it where it is shown."""
    return message


def public_text_problems(text: str, places: Any) -> list[str]:
    """Why public text would locate a private place (a field error, never a silent strip): a
    venue's name, its street, its full postcode, or a point within 500 m of it. ``places`` is
    one venue or several; the messages never quote what they found."""
    from .geo.distance import haversine_km

    venues = _as_places(places)
    if not text or not venues:
        return []
    lowered = " ".join(text.lower().split())
    squashed = lowered.replace(" ", "")
    problems: list[str] = []

    def add(message: str) -> None:
        if message not in problems:
            problems.append(message)

    points = []
    for m in _COORDINATE.finditer(text):
        lat, lng = float(m.group(1)), float(m.group(2))
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            points.append((lat, lng))
    for venue in venues:
        name = " ".join((venue.name or "").lower().split())
        if name and len(name) >= 3 and name in lowered:
            add(N_("Don't name the venue: the public sees only the area."))
        street = " ".join(_HOUSE_NUMBER.sub("", venue.address or "").strip(" ,").lower().split())
        if street and len(street) >= 4 and street in lowered:
            add(N_("Don't give the street: the organiser shares the address privately."))
        postcode = (venue.postcode or "").replace(" ", "").lower()
        if venue.country == "GB" and len(postcode) >= 5 and postcode in squashed:
            add(N_("Don't give the full postcode: the public sees only the area."))
        if any(haversine_km(lat, lng, venue.latitude, venue.longitude) < 0.5 for lat, lng in points):
            add(N_("Don't give coordinates near the venue."))
    return problems


def is_hidden(*, is_sensitive: bool, venue: Any) -> bool:
    """Whether a listing at ``venue`` shows only its area: it is sensitive, or its place is."""
    return bool(is_sensitive or (venue is not None and getattr(venue, "is_private", False)))


def compute_public_point(*, is_sensitive: bool, venue: _VenueLike,
                         area_name: str | None = None) -> PublicPoint:
    """Decide the stored public point of a listing at ``venue``. Deterministic; no randomness.

    A sensitive listing, or any listing at a private venue, gets the centre of the venue's H3
    cell and an area name (the organizer's for a sensitive listing, else the district/town)."""
    if not is_hidden(is_sensitive=is_sensitive, venue=venue):
        return PublicPoint(round(venue.latitude, EXACT_DECIMALS), round(venue.longitude, EXACT_DECIMALS),
                           None, venue.town)
    cell = h3.latlng_to_cell(venue.latitude, venue.longitude, H3_RESOLUTION)
    lat, lng = h3.cell_to_latlng(cell)
    return PublicPoint(round(lat, CELL_DECIMALS), round(lng, CELL_DECIMALS), cell,
                       (area_name or "").strip() or default_area_name(venue))


class _GroupLike(Protocol):
    is_sensitive: bool
    public_lat: float | None
    public_lng: float | None
    public_cell: str | None
    area_name: str | None
    venue: Any


def public_location(group: _GroupLike) -> PublicLocation | None:
    """The location anyone may see; ``None`` when the group has no venue yet.

    Approximate when the listing is sensitive, its venue is private, or its stored point is a
    cell centre: any one of them is enough (a half-applied change can only hide more)."""
    if group.public_lat is None or group.public_lng is None:
        return None
    v = group.venue
    if group.is_sensitive or getattr(group, "public_cell", None) or \
            is_hidden(is_sensitive=False, venue=v):
        return PublicLocation(approximate=True,
                              area=group.area_name or (default_area_name(v) if v else ""),
                              latitude=group.public_lat, longitude=group.public_lng,
                              reason=SENSITIVE if group.is_sensitive else SHARED_PLACE,
                              region=getattr(v, "region", "") or "" if v else "",
                              locality=getattr(v, "town", None) or None if v else None,
                              country=v.country if v else "")
    return PublicLocation(
        approximate=False, area=group.area_name or (v.town if v else ""),
        latitude=group.public_lat, longitude=group.public_lng,
        venue_name=v.name if v else None, address=v.address if v else None,
        postcode=v.postcode or None if v else None, town=v.town if v else None,
        region=getattr(v, "region", "") or "" if v else "", locality=v.town if v else None,
        country=v.country if v else "",
    )


def moved_location(venue: Any) -> str | None:
    """What a moved meeting may say of where it moves to: a private venue's area only."""
    if venue is None:
        return None
    if is_hidden(is_sensitive=False, venue=venue):
        return _("%(area)s (approximate area)", area=default_area_name(venue))
    return venue.name


def public_exceptions(group: _GroupLike, exceptions: tuple[Any, ...]) -> tuple[Any, ...]:
    """A sensitive group's moved meeting keeps its area: even an area label of the new venue is
    dropped (its place became private when the move was saved; this is the second lock)."""
    if not group.is_sensitive:
        return exceptions
    return tuple(replace(e, new_location=None) if getattr(e, "new_location", None) else e
                 for e in exceptions)


@dataclass(frozen=True)
class PublicContact:
    email: str | None
    phone: str | None


def public_contact(facilitator: Any) -> PublicContact:
    """A facilitator's contact details, each only if they opted in to show it."""
    return PublicContact(
        email=facilitator.email if facilitator.show_email and facilitator.email else None,
        phone=facilitator.phone if facilitator.show_phone and facilitator.phone else None,
    )


# --- logs ------------------------------------------------------------------------------------

def redact_query_string(query: str) -> str:
    """Keep which parameters were used, never their values: what a person searched for
    (``condition=self-harm``) is as private as where they searched from."""
    if not query:
        return ""
    return "&".join(f"{pair.partition('=')[0]}=…" for pair in query.split("&") if pair)
