"""A pending edit stored before organisations existed still loads, and keeps the organisation."""

from __future__ import annotations

from dataclasses import replace

from groupfinder.groups.services import ListingData
from groupfinder.review.queries import changed_fields

OLD_REVISION = {  # a ListingRevision.proposed written before organisation_id was a field
    "name": "Tuesday Talk", "description": "", "what_to_expect": "", "cost": "Free",
    "contact_email": None, "website": None, "conditions": ["anxiety"], "audiences": [],
    "languages": ["en"], "access": [], "is_sensitive": False, "area_name": None,
    "venue_id": 3, "facilitator_ids": [4],
}


def test_an_old_revision_loads_with_no_organisation_and_changes_none():
    old = ListingData.from_json(OLD_REVISION)
    assert old.organisation_id is None and old.facilitator_ids == (4,)
    current = replace(old, organisation_id=7)
    assert changed_fields(current, old) == []
    assert changed_fields(current, replace(old, organisation_id=8)) == ["organisation_id"]


def test_the_organisation_survives_the_json_round_trip():
    data = ListingData(name="Tuesday Talk", conditions=("anxiety",), organisation_id=7)
    assert ListingData.from_json(data.to_json()) == data
