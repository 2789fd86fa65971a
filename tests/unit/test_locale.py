"""The searched country's words and units: ZIP code, miles and US dates in the US; postcode,
miles and UK dates in the UK; km elsewhere; the setting forces a unit."""

from __future__ import annotations

import datetime as dt

import pytest

from groupfinder.geo.locale import (
    default_radius,
    format_day,
    place_locale,
    radius_words,
    searched_place,
)

TODAY = dt.date(2026, 11, 20)


def test_each_country_reads_at_home():
    us, gb, other = place_locale("US"), place_locale("gb"), place_locale("IE")
    assert (us.unit, us.code_word, us.where_label) == ("mi", "ZIP code", "ZIP code, city or address")
    assert (gb.unit, gb.code_word, gb.where_label) == ("mi", "postcode", "Postcode, town or address")
    assert other.unit == "km" and place_locale(None).unit == "km"


@pytest.mark.parametrize("setting, unit", [("km", "km"), ("mi", "mi"), ("auto", "mi")])
def test_the_setting_forces_a_unit(setting, unit):
    assert place_locale("GB", setting).unit == unit
    assert place_locale("US", setting).code_word == "ZIP code"  # the words stay the country's


def test_dates_in_each_countrys_order():
    day = dt.date(2026, 12, 1)
    assert format_day(day, place_locale("US"), today=TODAY) == "Tuesday, December 1"
    assert format_day(day, place_locale("GB"), today=TODAY) == "Tuesday 1 December"
    far = dt.date(2027, 7, 6)  # more than six months away: the year is written
    assert format_day(far, place_locale("US"), today=TODAY) == "Tuesday, July 6, 2027"
    assert format_day(far, place_locale("GB"), today=TODAY) == "Tuesday 6 July 2027"


def test_default_radius_is_the_forms_nearest_choice_in_miles():
    assert default_radius("km", 25.0) == 25.0
    assert default_radius("mi", 25.0) == 10.0  # 15.5 miles: the form offers 10 and 25
    assert default_radius("mi", 50.0) == 25.0


def test_radius_words():
    assert radius_words(16.09344, "mi") == "10 miles"
    assert radius_words(1.609344, "mi") == "1 mile"
    assert radius_words(25.0, "km") == "25 km"
    assert radius_words(25.0, "mi") == "15.5 miles"


@pytest.mark.parametrize("typed, label, precision, shown", [
    ("M1 1AE", "M1 1, Manchester", "postcode_sector", "M1 1AE"),
    ("m1   1ae", "M1 1, Manchester", "postcode_sector", "M1 1AE"),
    ("10001", "10001, New York", "zip", "10001"),
    ("leeds", "Leeds", "place", "Leeds"),
    ("Newport", "Newport, Wales", "place", "Newport, Wales"),
    ("10 Downing Street, London", "Downing Street, Westminster", "address", "10 Downing Street, London"),
    (None, "M2 2, Manchester", "coordinates", "M2 2, Manchester"),
    ("53.48, -2.24", "M2 2, Manchester", "coordinates", "M2 2, Manchester"),
])
def test_the_searched_place_is_echoed_as_typed_or_in_full(typed, label, precision, shown):
    assert searched_place(typed, label, precision) == shown
