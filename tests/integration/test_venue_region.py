"""A venue's region: filled from its ZIP or postcode, and checked against it on every write."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from groupfinder.accounts.models import Role, User
from groupfinder.db import now_utc
from groupfinder.errors import InvalidInput
from groupfinder.extensions import db
from groupfinder.venues.models import Venue
from groupfinder.venues.services import VenueData, create_venue, resolve_region, update_venue


@pytest.fixture
def organizer(app) -> User:  # type: ignore[no-untyped-def]
    user = User(email="org@example.org", role=Role.organizer, email_confirmed_at=now_utc())
    db.session.add(user)
    db.session.commit()
    return user


ATLANTA = VenueData(name="Hall", address="2841 Walnut Street", town="Atlanta", country="US",
                    postcode="30303", latitude=33.7525, longitude=-84.3915)
SCHENECTADY = VenueData(name="Hall", address="1 Test Street", town="Test City", country="US",
                        postcode="12345", latitude=42.8142, longitude=-73.9396)
CARDIFF = VenueData(name="Hall", address="1 Queen Street", town="Cardiff", country="GB",
                    postcode="CF10 1AB", latitude=51.4816, longitude=-3.1791)


def test_a_blank_region_is_filled_from_the_zip_or_postcode(organizer):
    assert create_venue(ATLANTA, by=organizer).region == "US-GA"
    assert create_venue(CARDIFF, by=organizer).region == "GB-WLS"


@pytest.mark.parametrize("typed", ["NY", "New York", "US-NY", "us-ny"])
def test_a_typed_state_is_stored_as_its_iso_code(organizer, typed):
    venue = create_venue(VenueData(**{**SCHENECTADY.__dict__, "region": typed}), by=organizer)
    assert venue.region == "US-NY"


def test_a_zip_in_another_state_is_a_field_error_and_nothing_is_written(organizer):
    with pytest.raises(InvalidInput) as caught:
        create_venue(VenueData(**{**SCHENECTADY.__dict__, "region": "TX"}), by=organizer)
    assert caught.value.field_errors == {
        "region": ["ZIP 12345 is in New York (US-NY), not Texas (US-TX)."]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Venue)) == 0


def test_a_postcode_in_another_nation_is_a_field_error(organizer):
    with pytest.raises(InvalidInput) as caught:
        create_venue(VenueData(**{**CARDIFF.__dict__, "region": "England"}), by=organizer)
    assert caught.value.field_errors["region"] == [
        "Postcode CF10 1AB is in Wales (GB-WLS), not England (GB-ENG)."]


def test_an_unknown_state_or_one_of_another_country_is_a_field_error(organizer):
    with pytest.raises(InvalidInput) as caught:
        create_venue(VenueData(**{**ATLANTA.__dict__, "region": "Georgia, Europe"}), by=organizer)
    assert "is not a state of the US" in caught.value.field_errors["region"][0]
    with pytest.raises(InvalidInput) as caught:
        create_venue(VenueData(**{**CARDIFF.__dict__, "region": "US-GA"}), by=organizer)
    assert caught.value.field_errors["region"] == ["Georgia (US-GA) is not in the UK."]


def test_an_edit_refills_and_rechecks_the_region(organizer):
    venue = create_venue(ATLANTA, by=organizer)
    db.session.execute(sa.update(Venue).values(region=""))  # as a venue saved before regions
    db.session.commit()
    db.session.refresh(venue)
    update_venue(venue, VenueData(**{**ATLANTA.__dict__, "name": "New name"}), by=organizer)
    assert venue.region == "US-GA"
    with pytest.raises(InvalidInput):
        update_venue(venue, VenueData(**{**ATLANTA.__dict__, "region": "AL"}), by=organizer)
    db.session.rollback()
    assert db.session.get(Venue, venue.id).region == "US-GA"


def test_without_a_postcode_the_region_comes_from_the_point(app):
    assert resolve_region("GB", "", "", latitude=55.9533, longitude=-3.1883).code == "GB-SCT"
    assert resolve_region("GB", "", "Scotland").code == "GB-SCT"
    assert resolve_region("GB", "", "").code == ""


def test_a_crown_dependency_postcode_has_no_nation(app):
    assert resolve_region("GB", "GY1 1AA", "").code == ""
    answer = resolve_region("GB", "GY1 1AA", "England")
    assert answer.problem == "Postcode GY1 1AA is in Guernsey, not England (GB-ENG); leave the nation empty."
