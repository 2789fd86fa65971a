import math

from geopy.distance import great_circle
from hypothesis import given
from hypothesis import strategies as st

from groupfinder.geo.distance import bounding_box, display_distance, haversine_km

lat = st.floats(-80, 80)
lng = st.floats(-179.9, 179.9)


@given(lat, lng, lat, lng)
def test_haversine_agrees_with_geopy_great_circle(a, b, c, d):
    assert math.isclose(haversine_km(a, b, c, d), great_circle((a, b), (c, d)).km,
                        rel_tol=2e-3, abs_tol=1e-6)


@given(lat, lng, st.floats(0.5, 200), st.floats(0, 359.9), st.floats(0, 1))
def test_bounding_box_contains_every_point_within_the_radius(a, b, r, bearing, frac):
    from geopy.distance import great_circle as gc

    p = gc(kilometers=r * frac * 0.999).destination((a, b), bearing)
    box = bounding_box(a, b, r)
    assert box.south <= p.latitude <= box.north
    assert any(w <= p.longitude <= e for w, e in box.lng_ranges)


def test_box_across_the_antimeridian_is_split_in_two():
    box = bounding_box(-17.7, 179.9, 50)
    assert len(box.lng_ranges) == 2


def test_distances_are_shown_rounded_and_prefixed():
    assert display_distance(3.26) == "about 3.5 km"
    assert display_distance(0.2) == "under 0.5 km"
    assert display_distance(12.6) == "about 13 km"
    assert display_distance(16.09344, "mi") == "about 10 mi"


def test_a_group_just_inside_the_radius_due_east_is_inside_the_box():
    """Found by the property above: the box's longitude was measured on the ellipsoid."""
    east = great_circle(kilometers=0.999).destination((0.0, 0.0), 90.0)
    (west_edge, east_edge), = bounding_box(0.0, 0.0, 1.0).lng_ranges
    assert west_edge <= east.longitude <= east_edge
