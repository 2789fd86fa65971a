"""Maps and directions on public pages: Leaflet served from our own origin, and the template
helpers the map and directions partials call (``templates/groups/_map.html``,
``templates/groups/_directions.html``).

The vendor files come from the ``xstatic-leaflet`` and ``xstatic-leaflet-markercluster``
packages (no CDN). Their URLs carry the package's version, so they are cached for a year as
immutable and a new release is a new URL. The helpers read a group's place only through
``privacy.public_location``; what a map may draw is decided by ``mapdata`` and which directions
exist by ``directions`` (both pure).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xstatic.pkg.leaflet as _leaflet
import xstatic.pkg.leaflet_markercluster as _markercluster
from flask import Blueprint, abort, current_app, send_from_directory, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from .. import privacy
from ..localization import catalogue, current_language
from ..permissions import public_blueprint
from .directions import DirectionsLink, directions_links
from .mapdata import MapItem, feature_collection

bp = public_blueprint(Blueprint("maps", __name__))

VENDOR: dict[str, tuple[str, Path]] = {
    "leaflet": (_leaflet.VERSION, Path(_leaflet.BASE_DIR)),
    "leaflet-markercluster": (_markercluster.VERSION, Path(_markercluster.BASE_DIR)),
}
# What is served from them (nothing else: the packages hold other files too).
VENDOR_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".map": "application/json",
}
YEAR = 365 * 24 * 3600


@bp.get("/static/vendor/<package>/<version>/<path:filename>")
def vendor(package: str, version: str, filename: str) -> Any:
    found = VENDOR.get(package)
    suffix = Path(filename).suffix
    if found is None or version != found[0] or suffix not in VENDOR_TYPES:
        abort(404)
    response = send_from_directory(found[1], filename, max_age=YEAR,
                                   mimetype=VENDOR_TYPES[suffix].split(";")[0])
    response.headers["Content-Type"] = VENDOR_TYPES[suffix]
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.app_template_global()
def vendor_url(package: str, filename: str) -> str:
    """The versioned URL of a file of a vendored package, e.g. ('leaflet', 'leaflet.js')."""
    return url_for("maps.vendor", package=package, version=VENDOR[package][0], filename=filename)


_LINK = re.compile(r"\[([^\]\n]+)\]\((https://[^\s()<>\"']+)\)")


def attribution_html(text: str) -> Markup:
    """The tiles' credit as safe HTML: text escaped, ``[text](https://…)`` made a link."""
    out, last = [], 0
    for m in _LINK.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup('<a href="{}">{}</a>').format(m.group(2), m.group(1)))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


@bp.app_template_global()
def map_settings() -> dict[str, Any] | None:
    """The tile template and its credit; ``None`` when maps are turned off."""
    tiles = current_app.config.get("MAP_TILE_URL") or ""
    if not tiles:
        return None
    return {"tiles": tiles,
            "attribution": str(attribution_html(str(current_app.config.get("MAP_ATTRIBUTION", ""))))}


def _text(filter_name: str, value: Any) -> str:
    if value is None:
        return ""
    return str(current_app.jinja_env.filters[filter_name](value))


def _item(group: Any, *, distance_km: float | None = None, next_meeting: Any = None,
          distance_text: str | None = None, next_text: str | None = None) -> MapItem | None:
    location = privacy.public_location(group)
    if location is None:
        return None
    return MapItem(
        id=group.id, name=group.name,
        url=url_for("groups.detail", group_id=group.id, slug=group.slug),
        location=location, cell=getattr(group, "public_cell", None),
        next_meeting=next_text if next_text is not None else _text("meeting_when", next_meeting),
        distance=distance_text if distance_text is not None else _text("distance", distance_km))


@bp.app_template_global()
def results_map_data(hits: Iterable[Any]) -> dict[str, Any] | None:
    """The map of a page of search results; ``None`` when maps are off or nothing has a place.

    Each hit needs ``group``; ``distance_km`` and ``next_meeting`` are shown through the page's
    own ``distance`` and ``meeting_when`` filters, unless the hit carries the finished texts as
    ``distance_text`` / ``next_meeting_text``."""
    settings = map_settings()
    if settings is None:
        return None
    items = [_item(hit.group, distance_km=getattr(hit, "distance_km", None),
                   next_meeting=getattr(hit, "next_meeting", None),
                   distance_text=getattr(hit, "distance_text", None),
                   next_text=getattr(hit, "next_meeting_text", None)) for hit in hits]
    placed = [i for i in items if i is not None]
    data = _in_language(placed, feature_collection(placed))
    if not data["features"]:
        return None
    return {**settings, **data, "words": map_words(len(data["features"]))}


@bp.app_template_global()
def group_map_data(group: Any) -> dict[str, Any] | None:
    """The small map of one group's place (its area when the place is private)."""
    settings = map_settings()
    item = _item(group) if settings is not None else None
    if item is None:
        return None
    return {**settings, **_in_language([item], feature_collection([item])), "words": map_words(1)}


def _in_language(items: list[MapItem], data: dict[str, Any]) -> dict[str, Any]:
    """An area's "where" in the page's language (``mapdata`` words it in English)."""
    for item, found in zip(items, data["features"], strict=True):
        loc = item.location
        if loc.approximate:
            found["properties"]["where"] = (_("Approximate area: %(area)s", area=loc.area)
                                            if loc.area else _("Approximate area"))
    return data


def map_words(most: int) -> dict[str, Any]:
    """What map.js writes, in the page's language: ``{}`` stands for a value, and a count's
    words are listed for every count up to ``most`` (no plural rules in the browser)."""
    counts = range(1, most + 1)
    words = catalogue()  # once: Flask-Babel's ngettext formats each number with Babel too
    return {
        "next": _("Next meeting: %(when)s", when="{}"),
        "distance": _("Distance: %(distance)s", distance="{}"),
        "area": _("Approximate area"),
        "groups": {n: words.ngettext("%(num)d group", "%(num)d groups", n) % {"num": n}
                   for n in counts},
        "in_area": {n: words.ngettext("%(num)d group in this approximate area",
                                      "%(num)d groups in this approximate area", n) % {"num": n}
                    for n in counts},
        "here": {n: words.ngettext("%(num)d group here; zoom in", "%(num)d groups here; zoom in",
                                   n) % {"num": n} for n in counts},
    }


@bp.app_template_global()
def group_directions(group: Any) -> list[DirectionsLink]:
    """Directions to the group's place; none when the public sees only its area."""
    return directions_links(privacy.public_location(group), group.name, current_language())
