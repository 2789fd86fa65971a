"""Repeated searches from several points cannot narrow a sensitive group below its published
cell (docs/security-privacy.md §2.1–2.3): the public point never changes between requests, every
distance, radius filter and "nearest outside" answer is computed from it, so an attacker who
binary-searches the radius from four points and trilaterates recovers the H3 cell centre,
about a kilometre from the venue, never the venue.

The mutation tests break the rule (exact point stored; radius filter on the venue's point) and
check that the same attack and checks report it.
"""

from __future__ import annotations

import re
from typing import Any

import h3
import pytest
import sqlalchemy as sa

from groupfinder import privacy
from groupfinder.extensions import db
from groupfinder.geo.distance import display_distance, haversine_km
from groupfinder.groups import queries
from groupfinder.groups.models import Group
from groupfinder.venues.models import Venue
from groupfinder.venues.places import apply_public_location

from ..factories import make_group, make_schedule, make_venue
from ..leakcheck.scenario import VENUE_LAT, VENUE_LNG
from ..leakcheck.trilateration import attack, check, destination

VENUE = (VENUE_LAT, VENUE_LNG)


def seed() -> Group:
    """The sensitive group (venue ~980 m from its cell centre) and one far-away ordinary group."""
    venue = make_venue(name="Secret Hall", address="1 Hidden Road", postcode="LS9 8ZQ",
                       town="Leeds", latitude=VENUE_LAT, longitude=VENUE_LNG)
    group = make_group(venue=venue, is_sensitive=True, schedules=[make_schedule(weekdays="3")])
    make_group()  # Manchester, ~60 km away
    db.session.commit()
    return group


def test_the_venue_is_far_from_its_cell_centre():
    centre = h3.cell_to_latlng(h3.latlng_to_cell(*VENUE, 7))
    assert haversine_km(*centre, *VENUE) > 0.3


def test_trilateration_recovers_the_cell_centre_never_the_venue(app, client):
    group = seed()
    stored = (group.public_lat, group.public_lng)
    result = attack(client, group.id, near=VENUE)
    problems = check(result, venue=VENUE, stored=stored)
    assert problems == []
    centre = h3.cell_to_latlng(h3.latlng_to_cell(*VENUE, 7))
    assert haversine_km(*result.recovered, *centre) < 0.05
    assert haversine_km(*result.recovered, *VENUE) > 0.1
    # The attack really probed: every point saw the group, with distances and a "nearest
    # outside" answer, and the flip radii differ from the distances to the venue.
    assert all(p.distances and p.outside for p in result.probes)
    assert sum(abs(p.flip_km - haversine_km(*p.origin, *VENUE)) > 0.1 for p in result.probes) >= 3
    assert result.requests >= 4 * 32


def test_the_public_point_never_changes(app, client):
    group = seed()
    stored = (group.public_lat, group.public_lng)
    seen = set()
    for _ in range(5):
        loc = client.get(f"/api/v1/groups/{group.id}").get_json()["location"]
        seen.add((loc["latitude"], loc["longitude"], loc["approximate"]))
    assert seen == {(*stored, True)}
    # Deterministic: recomputing for the same venue gives the same point (no randomness).
    apply_public_location(group)
    assert (group.public_lat, group.public_lng) == stored


@pytest.mark.parametrize("bearing, km", [(20.0, 3.2), (140.0, 6.5), (255.0, 11.0)])
def test_the_search_page_shows_the_distance_to_the_public_point(app, client, bearing, km):
    group = seed()
    lat, lng = destination(*VENUE, bearing, km)
    page = client.get("/search", query_string={"lat": f"{lat:.3f}", "lng": f"{lng:.3f}",
                                               "radius": "25"}).get_data(as_text=True)
    shown = re.search(rf'id="group-{group.id}-name".*?<dt>Distance</dt>\s*<dd>(.*?)</dd>', page, re.S)
    assert shown is not None
    origin = (round(lat, 3), round(lng, 3))
    km = haversine_km(*origin, group.public_lat, group.public_lng)
    assert shown.group(1) == display_distance(km, "mi")  # a place in the UK: miles


# --- mutations: the attack must catch a broken rule ------------------------------------------


def _exact_point(*, is_sensitive: bool, venue: Any, area_name: str | None = None) -> privacy.PublicPoint:
    return privacy.PublicPoint(round(venue.latitude, 5), round(venue.longitude, 5), None,
                               area_name or venue.town)


def _radius_on_venue(original):  # type: ignore[no-untyped-def]
    """The Bumble/Tinder bug: show the public point, but filter and sort on the venue's."""
    def leaky(lat_col, lng_col, lat, lng):  # type: ignore[no-untyped-def]
        v, g = Venue.__table__, Group.__table__
        vlat = sa.select(v.c.latitude).where(v.c.id == g.c.venue_id).scalar_subquery()
        vlng = sa.select(v.c.longitude).where(v.c.id == g.c.venue_id).scalar_subquery()
        return original(vlat, vlng, lat, lng)
    return leaky


def test_attack_reports_an_exact_public_point(app, client, monkeypatch):
    monkeypatch.setattr(privacy, "compute_public_point", _exact_point)
    group = seed()
    result = attack(client, group.id, near=VENUE)
    problems = check(result, venue=VENUE, stored=(group.public_lat, group.public_lng))
    assert any("is not the cell centre" in p for p in problems), problems
    assert any("from the venue" in p for p in problems), problems
    assert haversine_km(*result.recovered, *VENUE) < 0.01  # the attacker found the venue


def test_attack_reports_a_radius_filter_on_the_venue(app, client, monkeypatch):
    monkeypatch.setattr(queries, "haversine_sql", _radius_on_venue(queries.haversine_sql))
    monkeypatch.setattr(queries, "_STATEMENTS", {})  # statements are cached per process
    group = seed()
    result = attack(client, group.id, near=VENUE)
    problems = check(result, venue=VENUE, stored=(group.public_lat, group.public_lng))
    assert any("radius filter flips at" in p for p in problems), problems
    assert any("distance_km" in p for p in problems), problems
    # (The bounding box still uses the public point, so from some query points the group only
    # enters once the box reaches it; from the others the flip is the venue's exact distance.)
    exact = [p for p in result.probes if abs(p.flip_km - haversine_km(*p.origin, *VENUE)) < 0.001]
    assert len(exact) >= 2
    assert any("from the cell centre" in p for p in problems), problems
    centre = h3.cell_to_latlng(h3.latlng_to_cell(*VENUE, 7))
    assert haversine_km(*result.recovered, *VENUE) < haversine_km(*centre, *VENUE) / 2
