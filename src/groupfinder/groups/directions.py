"""Directions links to a group's place: the person's own maps app (``geo:``), OpenStreetMap,
Google Maps and Apple Maps.

Pure; no Flask, no session. Built only from a ``privacy.PublicLocation``, and only when it is
exact: a place shown as its area (a sensitive group, or any group at a private place) has no
directions at all, so nothing here can carry a private venue's point to another site. The
person's own position or searched place is never put in a link: each maps app starts from where
the person is, and the destination is all the other site learns (our pages send no Referer).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from .. import i18n
from ..privacy import EXACT_DECIMALS, PublicLocation


@dataclass(frozen=True)
class DirectionsLink:
    kind: str  # "geo", "osm", "google", "apple"
    label: str
    url: str


def _coordinates(location: PublicLocation) -> str:
    return f"{round(location.latitude, EXACT_DECIMALS):.{EXACT_DECIMALS}f}," \
           f"{round(location.longitude, EXACT_DECIMALS):.{EXACT_DECIMALS}f}"


def _label(name: str) -> str:
    # Android reads the label between the last parentheses: keep the name's own out of it.
    return " ".join(name.replace("(", " ").replace(")", " ").split())


def geo_uri(location: PublicLocation, name: str) -> str:
    """RFC 5870 ``geo:`` with the ``q=lat,lng(label)`` form Android maps apps read for a
    labelled pin (iOS offers the Apple Maps link instead)."""
    point = _coordinates(location)
    label = _label(name)
    query = quote(point, safe=",") + (f"({quote(label, safe='')})" if label else "")
    return f"geo:{point}?q={query}"


def directions_links(location: PublicLocation | None, name: str,
                     language: str = "en") -> list[DirectionsLink]:
    """Links that open directions to an exact public place; ``[]`` for an area or no place.
    ``language``: the code the words are in (the other links are the apps' own names)."""
    if location is None or location.approximate:
        return []
    point = _coordinates(location)
    return [
        DirectionsLink("geo", i18n.translations(language).gettext("Open in your maps app"),
                       geo_uri(location, name)),
        DirectionsLink("osm", "OpenStreetMap",
                       "https://www.openstreetmap.org/directions?" + urlencode({"route": f";{point}"})),
        DirectionsLink("google", "Google Maps",
                       "https://www.google.com/maps/dir/?" + urlencode(
                           {"api": "1", "destination": point})),
        DirectionsLink("apple", "Apple Maps",
                       "https://maps.apple.com/?" + urlencode({"daddr": point, "q": _label(name)})),
    ]
