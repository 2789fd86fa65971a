"""Distance maths shared by search and display. Pure; no Flask, no session.

The same haversine (mean Earth radius) is used in SQL and in Python, so the distance shown is the
distance sorted on, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa

EARTH_RADIUS_KM = 6371.0088
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
    dlng = radius_km / (111.320 * cos_lat)
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


def display_distance(km: float, unit: str = "km") -> str:
    """'about 3.5 km': half steps under 10, whole numbers beyond (docs/security-privacy.md §2.3.5)."""
    value = to_unit(km, unit)
    if value < 0.5:
        return f"under 0.5 {unit}"
    shown = round(value * 2) / 2 if value < 10 else round(value)
    text = f"{shown:.1f}".rstrip("0").rstrip(".") if value < 10 else f"{shown:.0f}"
    return f"about {text} {unit}"
