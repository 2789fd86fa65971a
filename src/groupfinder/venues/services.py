"""Venue rules: the time zone comes from the point unless the organizer overrides it."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..errors import InvalidInput


@functools.cache
def _finder():  # type: ignore[no-untyped-def]
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def timezone_at(latitude: float, longitude: float) -> str:
    """The IANA zone of a point, offline; ``InvalidInput`` at sea or off the map."""
    name = _finder().timezone_at(lat=latitude, lng=longitude)
    if not name:
        raise InvalidInput("That point is not inside any time zone; check the location.",
                           field_errors={"timezone": ["Choose the time zone for this venue."]})
    return name


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Unknown time zone {name!r}.",
                           field_errors={"timezone": ["Choose a time zone from the list."]}) from None
    if name not in available_timezones():
        raise InvalidInput(f"Unknown time zone {name!r}.",
                           field_errors={"timezone": ["Choose a time zone from the list."]})
    return name
