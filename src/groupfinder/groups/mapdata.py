"""What a map may draw of groups: a GeoJSON FeatureCollection built from public locations.

Pure; no Flask, no session. Input is what ``privacy.public_location`` already decided (plus the
group's stored H3 cell); nothing here reads a venue. The rule (docs/security-privacy.md §2.3):
a place that is public is a ``Point`` at its public coordinates; a place shown only as its area
(a sensitive group, or any group at a private place) is the ``Polygon`` of its H3 cell and
carries no point at all: not the venue's, and not a marker position either, so a map can only
draw the hexagon. The cell comes from ``Group.public_cell``; when a half-applied change left it
empty it is derived from the public point, which still names only the cell that point lies in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import h3

from ..privacy import EXACT_DECIMALS, H3_RESOLUTION, PublicLocation

POLYGON_DECIMALS = 5


@dataclass(frozen=True)
class MapItem:
    """One group on a map: the texts its popup shows and where it is, as the public sees it."""

    id: int
    name: str
    url: str
    location: PublicLocation
    cell: str | None = None  # Group.public_cell
    next_meeting: str = ""
    distance: str = ""


def area_cell(location: PublicLocation, cell: str | None) -> str:
    """The H3 cell an approximate location is drawn as."""
    if cell and h3.is_valid_cell(cell):
        return cell
    return h3.latlng_to_cell(location.latitude, location.longitude, H3_RESOLUTION)


def cell_polygon(cell: str) -> list[list[list[float]]]:
    """GeoJSON Polygon coordinates of ``cell``: one closed ring of [longitude, latitude]."""
    ring = [[round(lng, POLYGON_DECIMALS), round(lat, POLYGON_DECIMALS)]
            for lat, lng in h3.cell_to_boundary(cell)]
    return [ring + [ring[0]]]


def feature(item: MapItem) -> dict[str, Any]:
    """A GeoJSON Feature for ``item``: a Point for a public place, its cell's Polygon for an area."""
    loc = item.location
    properties: dict[str, Any] = {
        "id": item.id, "name": item.name, "url": item.url,
        "next": item.next_meeting, "distance": item.distance,
        "approximate": loc.approximate,
    }
    if loc.approximate:
        properties["where"] = f"Approximate area: {loc.area}" if loc.area else "Approximate area"
        geometry: dict[str, Any] = {"type": "Polygon",
                                    "coordinates": cell_polygon(area_cell(loc, item.cell))}
    else:
        properties["where"] = ", ".join(p for p in (loc.venue_name, loc.town) if p)
        geometry = {"type": "Point",
                    "coordinates": [round(loc.longitude, EXACT_DECIMALS),
                                    round(loc.latitude, EXACT_DECIMALS)]}
    return {"type": "Feature", "id": item.id, "geometry": geometry, "properties": properties}


def feature_collection(items: Iterable[MapItem]) -> dict[str, Any]:
    """Every item with a place (in the order given: the list's order)."""
    return {"type": "FeatureCollection", "features": [feature(i) for i in items]}
