import datetime as dt

import pytest

from groupfinder.errors import InvalidInput
from groupfinder.groups.criteria import parse_search_args

VOCAB = {"condition": {"anxiety", "ptsd"}, "audience": {"women"}, "language": {"en", "cy"},
         "access": {"step-free", "hearing-loop"}}


def parse(**args):
    return parse_search_args({k: v if isinstance(v, list) else [v] for k, v in args.items()},
                             vocab=VOCAB)


def errors(**args):
    with pytest.raises(InvalidInput) as info:
        parse(**args)
    return info.value.field_errors


def test_a_full_search_is_parsed():
    req = parse(where="M1 1AE", radius_km="10", condition=["anxiety", "ptsd"], day=["tue", "sat"],
                starts_after="18:00", starts_before="20:30", audience="women", language="cy",
                access=["step-free", "hearing-loop"], limit="5")
    assert req.where == "M1 1AE" and req.radius_km == 10
    assert req.conditions == ("anxiety", "ptsd") and req.days == (1, 5)
    assert req.starts_after == dt.time(18) and req.starts_before == dt.time(20, 30)
    assert req.access == ("step-free", "hearing-loop") and req.limit == 5


def test_nothing_typed_asks_for_a_place():
    assert "where" in errors()


def test_lat_without_lng_is_refused_per_field():
    assert "lng" in errors(lat="53.4")


def test_out_of_range_values_name_their_field():
    e = errors(lat="95", lng="-2", radius_km="500", limit="0", starts_after="25:00", day="funday",
               condition="unicorns")
    assert set(e) == {"lat", "radius_km", "limit", "starts_after", "day", "condition"}


def test_coordinates_are_rounded_to_about_100_metres():
    req = parse(lat="53.480123", lng="-2.242456")
    assert (req.latitude, req.longitude) == (53.48, -2.242)


def test_non_finite_numbers_are_refused():
    assert "lat" in errors(lat="nan", lng="1")
    assert "radius_km" in errors(where="Leeds", radius_km="inf")


def test_radius_in_miles_is_converted_to_kilometres():
    req = parse_search_args({"where": ["Leeds"], "radius": ["10"]}, vocab=VOCAB,
                            radius_param="radius", unit="mi")
    assert round(req.radius_km, 3) == 16.093


def test_earliest_start_after_latest_is_refused():
    assert "starts_before" in errors(where="Leeds", starts_after="20:00", starts_before="18:00")


def test_a_typed_place_wins_over_coordinates():
    req = parse(where="Leeds", lat="51.5", lng="-0.1")
    assert req.where == "Leeds" and req.latitude is None and req.longitude is None
