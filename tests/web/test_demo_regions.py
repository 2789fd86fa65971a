"""Every demo venue has its state or nation, the one its ZIP or postcode is in (the seeder
writes through the venue service, which works it out from the gazetteer)."""

from __future__ import annotations

import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.geo import regions
from groupfinder.venues.models import Venue
from groupfinder.venues.services import resolve_region


def test_every_demo_venue_has_the_region_of_its_zip_or_postcode(demo_app):
    venues = list(db.session.scalars(sa.select(Venue)))
    assert len(venues) > 100
    by_country: dict[str, int] = {}
    for v in venues:
        assert regions.from_code(v.region) is not None, (v.external_key, v.postcode, v.region)
        assert v.region.startswith(v.country + "-")
        # The stored region is the one the ZIP/postcode says, and typing it back is accepted.
        assert resolve_region(v.country, v.postcode, "").code in (v.region, ""), v.external_key
        assert resolve_region(v.country, v.postcode, v.region).problem is None, v.external_key
        by_country[v.country] = by_country.get(v.country, 0) + 1
    assert set(by_country) == {"GB", "US"}
