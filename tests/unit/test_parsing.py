"""geo.parsing: cleaning, keys and classification (pure; no app, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groupfinder.geo.parsing import (
    Kind,
    ParseError,
    classify,
    clean,
    code_key,
    fold,
    matches_qualifier,
    parse_coordinates,
)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
outward = st.one_of(
    st.builds(lambda a, d: a + d, st.sampled_from(["M", "B", "L", "G"]), st.integers(1, 9).map(str)),
    st.builds(lambda a, d: a + d, st.sampled_from(["EH", "SW", "LS", "CF"]), st.integers(1, 99).map(str)),
    st.builds(lambda a, d, x: a + d + x, st.sampled_from(["SW", "EC", "W"]), st.integers(1, 9).map(str),
              st.sampled_from(list("ABCDEFGHJKMNPRSTUVWXY"))),
)
inward = st.builds(lambda d, a, b: d + a + b, st.integers(0, 9).map(str),
                   st.sampled_from(list(LETTERS)), st.sampled_from(list(LETTERS)))


def test_full_uk_postcode_is_canonicalised_and_looked_up_by_sector_then_district():
    q = classify("m1 1ae")
    assert q.kind == Kind.uk_full_postcode
    assert q.code == "M1 1AE"
    assert q.lookups == (("postcode_sector", "M1 1"), ("postcode_district", "M1"))


def test_partial_postcode_keeps_its_space_so_sector_and_district_differ():
    sector, district = classify("EH1 1"), classify("EH11")
    assert (sector.kind, sector.code) == (Kind.uk_sector, "EH1 1")
    assert (district.kind, district.code) == (Kind.uk_district, "EH11")


def test_incomplete_postcode_gets_the_friendly_message():
    q = classify("SW1A 1A")
    assert q.kind == Kind.malformed_postcode
    assert q.message == ("'SW1A 1A' isn't a complete UK postcode. Try the full one (like SW1A 1AA) "
                         "or just the first part (SW1A).")


def test_zip_keeps_leading_zero_and_accepts_zip_plus_four():
    assert classify("02134").code == "02134"
    q = classify("10001-1234")
    assert (q.kind, q.code, q.country) == (Kind.us_zip, "10001", "US")


def test_zip_outside_configured_countries_says_what_is_covered():
    q = classify("10001", countries=("GB",))
    assert q.kind == Kind.unsupported_code
    assert q.message == "We only list groups in the UK at the moment."


def test_uk_postcode_is_not_recognised_when_only_us_is_configured():
    assert classify("SW1A 1AA", countries=("US",)).kind == Kind.unsupported_code


def test_postcode_at_the_end_of_an_address_is_used():
    q = classify("10 Downing St, London SW1A 2AA")
    assert (q.kind, q.code) == (Kind.uk_full_postcode, "SW1A 2AA")


def test_coordinates_are_rounded_to_three_places():
    q = classify(" 53.48123, -2.24567 ")
    assert (q.kind, q.lat, q.lng) == (Kind.coordinates, 53.481, -2.246)


def test_out_of_range_latitude_is_refused_with_a_field():
    with pytest.raises(ParseError) as info:
        parse_coordinates("95", "0")
    assert info.value.field == "lat"
    assert "between −90 and 90" in info.value.message


def test_non_numeric_longitude_is_refused():
    with pytest.raises(ParseError) as info:
        parse_coordinates("51.5", "east")
    assert info.value.field == "lng"


def test_place_with_qualifier_after_comma():
    q = classify("Brooklyn, NY")
    assert q.kind == Kind.place
    first = q.places[0]
    assert (first.name, first.key, first.qualifiers) == ("Brooklyn", "brooklyn", ("NY",))
    assert not first.fallback


def test_address_falls_back_to_its_last_part():
    q = classify("14 High Street, Cardiff")
    assert q.places[0].name == "14 High Street"
    fallbacks = [c.name for c in q.places if c.fallback]
    assert fallbacks == ["Cardiff"]


def test_trailing_state_code_without_comma_is_a_strict_qualifier():
    q = classify("Springfield IL")
    split = [c for c in q.places if c.strict]
    assert split[0].name == "Springfield" and split[0].qualifiers == ("IL",)


def test_state_abbreviation_matches_the_state_name():
    assert matches_qualifier("NY", country="US", admin1="New York", admin2=None)
    assert not matches_qualifier("NY", country="US", admin1="Ohio", admin2=None)


def test_qualifier_matches_local_authority_and_country_aliases():
    assert matches_qualifier("Isle of Wight", country="GB", admin1="England", admin2="Isle of Wight")
    assert matches_qualifier("Wight", country="GB", admin1="England", admin2="Isle of Wight")
    assert matches_qualifier("UK", country="GB", admin1="Wales", admin2="Newport")
    assert not matches_qualifier("of", country="GB", admin1="England", admin2="Isle of Wight")


def test_fold_strips_accents_case_and_punctuation():
    assert fold("Stoke-on-Trent") == fold("stoke on trent") == "stoke on trent"
    assert fold("King's Lynn") == fold("Kings Lynn")
    assert fold("Zürich") == "zurich"
    assert fold("Saint Helier") == fold("St. Helier") == "st helier"


def test_code_key_collapses_spaces_and_upper_cases():
    assert code_key(" eh1   1 ") == "EH1 1"


def test_clean_refuses_empty_long_and_control_text():
    for bad in ("", "   ", "x" * 201, "Leeds\x00", "Leeds\x1b[31m"):
        with pytest.raises(ParseError):
            clean(bad)
    assert clean("  Leeds\t \n  UK ") == "Leeds UK"
    assert clean("Le\u200beds") == "Leeds"


@given(outward, inward, st.sampled_from(["", " ", "  "]), st.booleans())
def test_any_spacing_or_case_of_a_full_postcode_gives_the_same_code(out, inw, gap, lower):
    text = out + gap + inw
    if lower:
        text = text.lower()
    q = classify(text)
    assert q.kind == Kind.uk_full_postcode
    assert q.code == f"{out} {inw}"
    assert q.lookups[0] == ("postcode_sector", f"{out} {inw[0]}")


@given(st.text(max_size=250))
def test_classify_only_ever_raises_parse_error(text):
    try:
        q = classify(text)
    except ParseError as exc:
        assert exc.message
    else:
        assert q.text == clean(text)


@given(st.text(max_size=250))
def test_clean_is_idempotent(text):
    try:
        once = clean(text)
    except ParseError:
        return
    assert clean(once) == once
    assert len(once) <= 200


@given(st.text(max_size=80))
def test_fold_is_idempotent_and_has_no_outer_spaces(text):
    key = fold(text)
    assert fold(key) == key
    assert key == key.strip()


@given(st.floats(-90, 90), st.floats(-180, 180))
def test_valid_coordinates_round_trip_within_rounding(lat, lng):
    rlat, rlng = parse_coordinates(lat, lng)
    assert abs(rlat - lat) <= 0.0005 + 1e-9 and abs(rlng - lng) <= 0.0005 + 1e-9


@given(st.integers(0, 99999))
def test_every_five_digit_code_is_a_zip_with_its_zeros(n):
    text = f"{n:05d}"
    q = classify(text, countries=("US",))
    assert (q.kind, q.code) == (Kind.us_zip, text)


@pytest.mark.parametrize("text, state", [
    ("Test City, TX 12345", "TX"), ("Test City, Texas 12345", "TX"), ("Austin, Texas, 78701", "TX"),
    ("Atlanta GA 30303", "GA"), ("2841 Walnut Street, Atlanta, GA 30303, USA", "GA"),
    ("Test City, 12345", None), ("5 Zq Avenue, New York 10001", None),  # the city, not the state
    ("1600 Pennsylvania Ave, Washington 20500", None)])
def test_the_state_written_before_a_zip_is_kept_for_the_check(text, state):
    q = classify(text)
    assert q.kind == Kind.us_zip and q.state == state
