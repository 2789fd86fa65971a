"""A US address's state and its ZIP must agree: "Test City, TX 12345" is not placed in
Schenectady, NY (ZIP 12345) with the state ignored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from groupfinder.errors import InvalidInput
from groupfinder.geo.geocoding import GazetteerGeocoder, GeocodingService
from groupfinder.geo.models import GeocodeCache

MESSAGE = ("ZIP 12345 is in New York (US-NY), not Texas (US-TX). Check the ZIP code and the state.")


@pytest.fixture()
def factory(engine):
    with Session(engine) as session:
        session.execute(sa.delete(GeocodeCache))
        session.commit()
    return sessionmaker(bind=engine)


@pytest.mark.parametrize("text", ["Test City, TX 12345", "Test City, Texas 12345",
                                  "1 Main St, Test City, TX 12345, USA", "Test City TX 12345"])
def test_a_zip_in_another_state_than_the_one_written_is_an_error(factory, text):
    with pytest.raises(InvalidInput) as info:
        GeocodingService(factory, ["GB", "US"]).resolve(text)
    assert info.value.field_errors == {"where": [MESSAGE]}


def test_the_geopy_geocoder_gives_no_answer_rather_than_the_zips_state(factory):
    geocoder = GazetteerGeocoder(factory, countries=["US"])
    assert geocoder.geocode("Test City, TX 12345") is None
    assert geocoder.geocode("Schenectady, NY 12345").raw["admin1"] == "New York"


@pytest.mark.parametrize("text", ["Schenectady, NY 12345", "Test City, 12345",
                                  "2841 Walnut Street, Atlanta, GA 30303, USA",
                                  "5 Zq Avenue, New York 10001"])
def test_a_state_that_agrees_or_none_places_the_zip(factory, text):
    origin = GeocodingService(factory, ["GB", "US"]).resolve(text)
    assert origin.precision == "zip" and origin.country == "US"
