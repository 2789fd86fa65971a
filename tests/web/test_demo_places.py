"""The demo shows the place rule: some sensitive groups at places of their own, some sharing a
place with ordinary groups whose pages then show only the area and say why; none of them
publishes what the listing form would refuse."""

from __future__ import annotations

import sqlalchemy as sa

from groupfinder import privacy
from groupfinder.extensions import db
from groupfinder.groups.models import Group
from groupfinder.venues.models import Venue


def test_demo_sensitive_groups_meet_at_private_places_shared_and_not(demo_client):
    groups = db.session.scalars(sa.select(Group)).all()
    by_venue: dict[int, list[Group]] = {}
    for g in groups:
        by_venue.setdefault(g.venue_id, []).append(g)
    sensitive_venues = {g.venue_id for g in groups if g.is_sensitive}
    own = [v for v in sensitive_venues if len(by_venue[v]) == 1]
    shared = [v for v in sensitive_venues if len(by_venue[v]) > 1]
    assert len(own) >= 5 and len(shared) >= 5
    assert all(db.session.get(Venue, v).is_private for v in sensitive_venues)
    # Only those places (and any other record of the same place) are private.
    private = set(db.session.scalars(sa.select(Venue.id).where(Venue.is_private)))
    assert private >= sensitive_venues
    # Seeded in one transaction: no address was ever public before its place became private.
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Venue)
                                 .where(Venue.address_was_public))

    ordinary = next(g for v in shared for g in by_venue[v] if not g.is_sensitive)
    page = demo_client.get(f"/groups/{ordinary.id}/{ordinary.slug}").get_data(as_text=True)
    venue = db.session.get(Venue, ordinary.venue_id)
    assert "Approximate area" in page and "also hosts a group" in page
    assert venue.name not in page and venue.address not in page
    api = demo_client.get(f"/api/v1/groups/{ordinary.id}").get_json()["location"]
    assert api["approximate"] is True and api["address"] is None


def test_no_demo_listing_at_a_private_place_names_it(demo_client):
    for group in db.session.scalars(sa.select(Group).join(Venue, Venue.id == Group.venue_id)
                                    .where(Venue.is_private)):
        for text in (group.name, group.description, group.what_to_expect, group.area_name or ""):
            assert privacy.public_text_problems(text, group.venue) == [], (group.id, text)
        for person in group.facilitators:
            assert privacy.public_text_problems(person.bio, group.venue) == [], (group.id, person.id)
        for schedule in group.schedules:
            for c in schedule.cancellations:
                assert privacy.public_text_problems(c.reason, group.venue) == []
            for m in schedule.changes:
                assert privacy.public_text_problems(m.note, group.venue) == []
