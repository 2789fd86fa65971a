"""schema.org JSON-LD for a group's page, so search engines and apps can read when and where it
meets, and for an organisation's page (its groups' events). Built only from what the page itself
shows: a private place is its area with a ``GeoCircle`` around the published cell centre, never
the venue's address or point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from .. import privacy
from ..schedules.recurrence import Meeting
from ..schedules.schema_org import event_schedule

AREA_RADIUS_M = 1500  # about an H3 resolution-7 cell: the published point says no more than this


def _place(group: Any, loc: privacy.PublicLocation) -> dict[str, Any]:
    country = group.venue.country if group.venue is not None else None
    if loc.approximate:
        return {"@type": "Place", "name": loc.area,
                "address": {"@type": "PostalAddress", "addressLocality": loc.area,
                            **({"addressCountry": country} if country else {})},
                "geo": {"@type": "GeoCircle",
                        "geoMidpoint": {"@type": "GeoCoordinates", "latitude": loc.latitude,
                                        "longitude": loc.longitude},
                        "geoRadius": AREA_RADIUS_M}}
    address = {"@type": "PostalAddress", "streetAddress": loc.address or None,
               "addressLocality": loc.town or None, "postalCode": loc.postcode or None,
               "addressCountry": country}
    return {"@type": "Place", "name": loc.venue_name or loc.area,
            "address": {k: v for k, v in address.items() if v},
            "geo": {"@type": "GeoCoordinates", "latitude": loc.latitude,
                    "longitude": loc.longitude}}


def group_json_ld(group: Any, *, url: str, next_meeting: Meeting | None,
                  today: dt.date, organisation_url: str | None = None) -> dict[str, Any] | None:
    """An ``Event`` with its ``eventSchedule``; ``None`` for a group with no place yet. With
    ``organisation_url``, the organisation that runs it is the event's ``organizer``."""
    loc = privacy.public_location(group)
    if loc is None or group.venue is None:
        return None
    zone = group.venue.timezone
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": group.name,
        "url": url,
        "description": (group.description or "").strip() or None,
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "isAccessibleForFree": (group.cost or "Free").strip().lower() == "free",
        "location": _place(group, loc),
        "eventSchedule": [event_schedule(s.spec(zone), today) for s in group.schedules],
        "keywords": ", ".join(c.name for c in group.conditions) or None,
        "inLanguage": [lang.slug for lang in group.languages] or None,
    }
    org = getattr(group, "organisation", None)
    if org is not None and organisation_url:
        data["organizer"] = {"@type": "Organization", "name": org.name, "url": organisation_url}
    if next_meeting is not None:
        data["startDate"] = next_meeting.starts_at.isoformat()
        data["endDate"] = next_meeting.ends_at.isoformat()
    return {k: v for k, v in data.items() if v is not None}


def organisation_json_ld(org: Any, *, url: str, groups: Sequence[tuple[Any, Meeting | None]],
                         group_url: Callable[[Any], str], now: dt.datetime) -> dict[str, Any]:
    """An organisation's page: an ``Organization`` with ``sameAs`` its website and one ``Event``
    per (group, next meeting) it runs, each as the group's own page gives it."""
    events = []
    for group, upcoming in groups:
        zone = ZoneInfo(group.venue.timezone) if group.venue is not None else dt.UTC
        event = group_json_ld(group, url=group_url(group), next_meeting=upcoming,
                              today=now.astimezone(zone).date(), organisation_url=url)
        if event is not None:
            event.pop("@context", None)
            events.append(event)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": org.name,
        "url": url,
        "description": (org.description or "").strip() or None,
        "sameAs": org.website or None,
        "event": events or None,
    }
    return {k: v for k, v in data.items() if v is not None}
