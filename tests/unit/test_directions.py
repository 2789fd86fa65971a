"""Directions links (groups.directions): exact public places only, never an area."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from groupfinder import privacy
from groupfinder.groups.directions import directions_links, geo_uri

HALL = privacy.PublicLocation(approximate=False, area="Manchester", latitude=53.477123,
                              longitude=-2.234567, venue_name="St Anne's Hall",
                              address="14 Albion Street", postcode="M1 1AE", town="Manchester")


def links_by_kind(location, name="Tuesday Talk"):  # type: ignore[no-untyped-def]
    return {link.kind: link for link in directions_links(location, name)}


def test_a_public_place_has_the_maps_app_and_three_sites_in_that_order():
    links = directions_links(HALL, "Tuesday Talk")
    assert [(link.kind, link.label) for link in links] == [
        ("geo", "Open in your maps app"), ("osm", "OpenStreetMap"), ("google", "Google Maps"),
        ("apple", "Apple Maps")]


def test_the_geo_uri_is_rfc_5870_with_a_labelled_query():
    assert geo_uri(HALL, "Tuesday Talk") == "geo:53.47712,-2.23457?q=53.47712,-2.23457(Tuesday%20Talk)"


def test_the_geo_label_cannot_break_out_of_its_parentheses_or_the_uri():
    uri = geo_uri(HALL, "Hope (Leeds) & Co #1?")
    label = uri.split("(", 1)[1]
    assert label == "Hope%20Leeds%20%26%20Co%20%231%3F)"
    assert uri.count("(") == 1 and uri.count(")") == 1 and "#" not in uri and uri.count("?") == 1


def test_each_site_gets_the_destination_and_nothing_else():
    links = links_by_kind(HALL)
    osm = urlsplit(links["osm"].url)
    assert (osm.scheme, osm.netloc, osm.path) == ("https", "www.openstreetmap.org", "/directions")
    assert parse_qs(osm.query) == {"route": [";53.47712,-2.23457"]}
    google = urlsplit(links["google"].url)
    assert (google.netloc, google.path) == ("www.google.com", "/maps/dir/")
    assert parse_qs(google.query) == {"api": ["1"], "destination": ["53.47712,-2.23457"]}
    apple = urlsplit(links["apple"].url)
    assert apple.netloc == "maps.apple.com"
    assert parse_qs(apple.query) == {"daddr": ["53.47712,-2.23457"], "q": ["Tuesday Talk"]}


def test_coordinates_are_the_public_five_decimals():
    for link in directions_links(HALL, "x"):
        assert "53.477123" not in link.url and "53.47712" in link.url


@pytest.mark.parametrize("reason", [privacy.SENSITIVE, privacy.SHARED_PLACE])
def test_an_area_has_no_directions_at_all(reason):
    area = privacy.PublicLocation(approximate=True, area="Headingley", latitude=53.8153,
                                  longitude=-1.5601, reason=reason)
    assert directions_links(area, "Survivors' Evening") == []


def test_no_place_has_no_directions():
    assert directions_links(None, "Not yet placed") == []
