"""What a map may draw (groups.mapdata): a public place is a point, an area is its H3 hexagon and
carries no point at all."""

from __future__ import annotations

import json

import h3
import pytest

from groupfinder import privacy
from groupfinder.groups.mapdata import MapItem, area_cell, cell_polygon, feature, feature_collection


class Venue:
    name = "St Quillan's Hall"
    address = "15 Quillan Row"
    postcode = "LS6 2QQ"
    town = "Leeds"
    country = "GB"
    latitude = 53.81530
    longitude = -1.56010
    is_private = False


class Group:
    def __init__(self, *, is_sensitive: bool, private_place: bool = False) -> None:
        self.venue = Venue()
        self.venue.is_private = private_place
        point = privacy.compute_public_point(is_sensitive=is_sensitive, venue=self.venue,
                                             area_name="Headingley" if is_sensitive else None)
        self.is_sensitive = is_sensitive
        self.public_lat, self.public_lng, self.public_cell = point.latitude, point.longitude, point.cell
        self.area_name = point.area_name


def item(group: Group) -> MapItem:
    location = privacy.public_location(group)
    assert location is not None
    return MapItem(id=7, name="A group", url="/groups/7/a-group", location=location,
                   cell=group.public_cell, next_meeting="Tue 1 Dec, 7pm", distance="about 2 km")


SECRETS = ("53.8153", "-1.5601", "15 Quillan", "St Quillan", "LS6 2QQ")


def test_a_public_place_is_a_point_at_its_public_coordinates():
    f = feature(item(Group(is_sensitive=False)))
    assert f["geometry"] == {"type": "Point", "coordinates": [-1.5601, 53.8153]}
    assert f["properties"]["approximate"] is False
    assert f["properties"]["where"] == "St Quillan's Hall, Leeds"
    assert f["properties"]["next"] == "Tue 1 Dec, 7pm" and f["properties"]["distance"] == "about 2 km"


@pytest.mark.parametrize("group", [Group(is_sensitive=True), Group(is_sensitive=False, private_place=True)],
                         ids=["sensitive", "shares-a-private-place"])
def test_an_area_is_its_cells_hexagon_and_nothing_locates_the_venue(group):
    f = feature(item(group))
    cell = h3.latlng_to_cell(Venue.latitude, Venue.longitude, privacy.H3_RESOLUTION)
    assert group.public_cell == cell
    assert f["geometry"]["type"] == "Polygon"
    ring = f["geometry"]["coordinates"][0]
    assert len(ring) == 7 and ring[0] == ring[-1]  # a closed hexagon
    expected = [[round(lng, 5), round(lat, 5)] for lat, lng in h3.cell_to_boundary(cell)]
    assert ring[:-1] == expected
    assert f["properties"]["approximate"] is True
    assert f["properties"]["where"].startswith("Approximate area: ")
    text = json.dumps(f)
    for secret in SECRETS:
        assert secret not in text, secret
    # No point of any kind: not the venue's, not even the public cell centre.
    assert "coordinates" not in json.dumps(f["properties"])
    assert str(group.public_lat) not in text and str(group.public_lng) not in text


def test_an_area_without_a_stored_cell_is_the_cell_of_its_public_point():
    group = Group(is_sensitive=True)
    location = privacy.public_location(group)
    assert area_cell(location, None) == group.public_cell
    assert area_cell(location, "not-a-cell") == group.public_cell


def test_a_coarsened_cell_is_drawn_at_its_own_resolution():
    coarse = h3.cell_to_parent(h3.latlng_to_cell(Venue.latitude, Venue.longitude, 7), 6)
    assert cell_polygon(coarse)[0][:-1] == [[round(lng, 5), round(lat, 5)]
                                            for lat, lng in h3.cell_to_boundary(coarse)]


def test_a_collection_keeps_the_lists_order():
    items = [item(Group(is_sensitive=False)), item(Group(is_sensitive=True))]
    data = feature_collection(items)
    assert data["type"] == "FeatureCollection"
    assert [f["geometry"]["type"] for f in data["features"]] == ["Point", "Polygon"]
