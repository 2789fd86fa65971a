"""Distance maths shared by search and display. Pure; no Flask, no session.

The same haversine (mean Earth radius) is used in SQL and in Python, so the distance shown is the
distance sorted on, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import sqlalchemy as sa

from .. import i18n

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180  # of a great circle on that sphere
KM_PER_MILE = 1.609344


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlng = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def haversine_sql(lat_col: sa.ColumnElement[float], lng_col: sa.ColumnElement[float],
                  lat: float | sa.ColumnElement[float],
                  lng: float | sa.ColumnElement[float]) -> sa.ColumnElement[float]:
    """The haversine as a SQL expression with bound parameters (SQLite math functions or UDFs).

    ``lat``/``lng`` are values or bind parameters (to reuse one statement for many points)."""
    f = sa.func
    lat_p = lat if isinstance(lat, sa.ColumnElement) else sa.literal(lat, sa.Float)
    lng_p = lng if isinstance(lng, sa.ColumnElement) else sa.literal(lng, sa.Float)
    a = (f.power(f.sin(f.radians(lat_col - lat_p) / 2), 2)
         + f.cos(f.radians(lat_p)) * f.cos(f.radians(lat_col))
         * f.power(f.sin(f.radians(lng_col - lng_p) / 2), 2))
    return 2 * EARTH_RADIUS_KM * f.asin(f.sqrt(a))


@dataclass(frozen=True)
class Box:
    south: float
    north: float
    # one or two longitude ranges (two when the box crosses the antimeridian)
    lng_ranges: tuple[tuple[float, float], ...]


def bounding_box(lat: float, lng: float, radius_km: float) -> Box:
    """A box that contains every point within ``radius_km`` of (lat, lng)."""
    dlat = radius_km / 110.574
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    cos_lat = math.cos(math.radians(min(abs(lat) + dlat, 89.9)))
    # A degree of longitude on the equator of the sphere distances are measured on (111.195 km),
    # not WGS84's 111.320: with the ellipsoid's, a group just inside the radius due east or west
    # of the place fell outside the box and was never found.
    dlng = radius_km / (KM_PER_DEGREE * cos_lat)
    if dlng >= 180:
        return Box(south, north, ((-180.0, 180.0),))
    west, east = lng - dlng, lng + dlng
    if west < -180:
        return Box(south, north, ((west + 360, 180.0), (-180.0, east)))
    if east > 180:
        return Box(south, north, ((west, 180.0), (-180.0, east - 360)))
    return Box(south, north, ((west, east),))


def to_unit(km: float, unit: str) -> float:
    return km / KM_PER_MILE if unit == "mi" else km


def format_number(value: float, language: str) -> str:
    """A distance's number as ``language`` writes it, at most one decimal ("2,5" in Spanish)."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.#", locale=language)


def display_distance(km: float, unit: str = "km", *, language: str = "en") -> str:
    """'about 3.5 km': half steps under 10, whole numbers beyond (docs/security-privacy.md §2.3.5);
    in the page's ``language`` ("about 2,5 km" in Spanish's words and decimal comma)."""
    value = to_unit(km, unit)
    gettext = partial(i18n.gettext, language)  # named so ``make messages`` finds its messages
    if value < 0.5:
        limit = "0.5" if language == "en" else format_number(0.5, language)
        # Translators: a distance, "under 0.5 km" or "under 0.5 mi".
        return gettext("under %(distance)s", distance=f"{limit} {unit}")
    shown = round(value * 2) / 2 if value < 10 else round(value)
    if language != "en":
        text = format_number(shown, language)
    else:
        text = f"{shown:.1f}".rstrip("0").rstrip(".") if value < 10 else f"{shown:.0f}"
    # Translators: a distance, rounded: "about 3.5 km" or "about 2 mi".
    return gettext("about %(distance)s", distance=f"{text} {unit}")
