"""schema.org JSON-LD, read back by a JSON-LD processor (pyld): the schedules of weekly,
fortnightly and "2nd Tuesday" groups, and a private place as its area only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pyld import jsonld

from groupfinder.extensions import db
from groupfinder.groups.structured_data import group_json_ld
from groupfinder.schedules.recurrence import Frequency
from groupfinder.venues.places import apply_public_location

from ..factories import make_group, make_schedule

S = "https://schema.org/"
TODAY = dt.date(2026, 12, 3)


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    """schema.org's context, offline: its vocabulary is what the assertions read."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": {"@context": {"@vocab": S}}}


def expand(data: dict[str, Any]) -> dict[str, Any]:
    [node] = jsonld.expand(data, {"documentLoader": _loader})
    return node


def values(node: dict[str, Any], name: str) -> list[Any]:
    return [v.get("@value", v.get("@id")) for v in node.get(S + name, [])]


def ld(group) -> dict[str, Any]:
    data = group_json_ld(group, url=f"https://example.org/groups/{group.id}", next_meeting=None,
                         today=TODAY)
    assert data is not None
    return expand(data)


@pytest.mark.parametrize("schedule, frequency, by_day, month_week", [
    (dict(kind=Frequency.weekly, weekdays="1"), "P1W", [S + "Tuesday"], []),
    (dict(kind=Frequency.weekly, interval=2, weekdays="3"), "P2W", [S + "Thursday"], []),
    (dict(kind=Frequency.monthly_weekday, weekdays="1", positions="2"), "P1M", [S + "Tuesday"], [2]),
    (dict(kind=Frequency.monthly_weekday, weekdays="1", positions="-1"), "P1M", [S + "Tuesday"], [-1]),
])
def test_the_schedule_reads_back(app, schedule, frequency, by_day, month_week):
    group = make_group(schedules=[make_schedule(start_time=dt.time(19), duration_minutes=90,
                                                **schedule)])
    db.session.commit()
    node = ld(group)
    assert node["@type"] == [S + "Event"]
    [sched] = node[S + "eventSchedule"]
    assert sched["@type"] == [S + "Schedule"]
    assert values(sched, "repeatFrequency") == [frequency]
    assert values(sched, "byDay") == by_day
    assert values(sched, "byMonthWeek") == month_week
    assert values(sched, "startTime") == ["19:00:00"] and values(sched, "endTime") == ["20:30:00"]
    assert values(sched, "scheduleTimezone") == ["Europe/London"]
    assert values(sched, "duration") == ["PT1H30M"]


def test_a_public_place_has_its_address_and_point(app):
    group = make_group()
    db.session.commit()
    place = ld(group)[S + "location"][0]
    address = place[S + "address"][0]
    assert values(address, "streetAddress") == [group.venue.address]
    assert values(address, "postalCode") == [group.venue.postcode]
    assert place[S + "geo"][0]["@type"] == [S + "GeoCoordinates"]


def test_a_private_place_is_only_its_area(app):
    group = make_group(is_sensitive=True, area_name="Manchester (M1)")
    apply_public_location(group)
    db.session.commit()
    data = group_json_ld(group, url="https://example.org/g", next_meeting=None, today=TODAY)
    text = repr(data)
    venue = group.venue
    for secret in (venue.name, venue.address, venue.postcode, str(venue.latitude)):
        assert secret not in text
    place = expand(data)[S + "location"][0]
    assert values(place, "name") == ["Manchester (M1)"]
    geo = place[S + "geo"][0]
    assert geo["@type"] == [S + "GeoCircle"]
    midpoint = geo[S + "geoMidpoint"][0]
    assert values(midpoint, "latitude") == [group.public_lat]


def test_a_group_without_a_place_has_none(app):
    group = make_group()
    group.venue = None
    assert group_json_ld(group, url="x", next_meeting=None, today=TODAY) is None


def test_the_group_page_carries_it_and_its_feed_links(client):
    import json
    import re

    group = make_group(name="Harbour Circle")
    db.session.commit()
    page = client.get(f"/groups/{group.id}/{group.slug}").get_data(as_text=True)
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found
    data = json.loads(found.group(1))
    assert data["@type"] == "Event" and data["name"] == "Harbour Circle"
    assert data["eventSchedule"][0]["byDay"] == ["https://schema.org/Tuesday"]
    assert f'href="/groups/{group.id}/calendar.ics"' in page
    assert f'href="/api/v1/groups/{group.id}"' in page
