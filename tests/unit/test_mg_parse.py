"""The Meeting Guide feed reader (interop.mg_parse): pure, every real-site quirk we know of."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from groupfinder.interop import mg_parse
from groupfinder.interop.mg_parse import Vocabulary, parse, parse_days, parse_time, plain_text, split_address

VOCAB = Vocabulary(
    conditions=frozenset({"anxiety", "grief-and-loss"}),
    audiences=frozenset({"women", "men", "lgbtq", "young-people", "older-adults"}),
    languages=frozenset({"en", "es", "pl"}),
    group_access=frozenset({"childcare", "sign-language"}),
    venue_access=frozenset({"step-free", "accessible-toilet"}))

BASE = {"name": "Evening Group", "slug": "evening", "day": 2, "time": "19:00",
        "address": "1 Test Street", "city": "Leeds", "postal_code": "LS1 4DY", "country": "GB"}


def one(**fields: object) -> mg_parse.ParsedFeed:
    entry = {**BASE, **fields}
    return parse(json.dumps([{k: v for k, v in entry.items() if v is not None}]), VOCAB)


def test_bom_and_windows_line_endings_are_read():
    data = "\ufeff" + json.dumps([BASE], indent=2).replace("\n", "\r\n")
    feed = parse(data.encode("utf-8"), VOCAB)
    assert not feed.problems and feed.entries[0].key == "evening"


def test_an_object_holding_meetings_is_read_and_other_documents_are_refused():
    assert parse(json.dumps({"meetings": [BASE]}), VOCAB).entries
    for data in (b"<html></html>", b'{"a": 1}', b"\xff\xfe"):
        feed = parse(data, VOCAB)
        assert feed.fatal and not feed.entries


@pytest.mark.parametrize(("value", "days"), [
    (0, (6,)), (1, (0,)), ("6", (5,)), ([1, 3], (0, 2)), (["0", 5], (4, 6)), ("Monday", (0,)),
    (None, ()), ([], ()), (7, None), (True, None), ("Mon", None)])
def test_days_sunday_first_become_our_weekdays(value, days):
    assert parse_days(value) == days


@pytest.mark.parametrize(("text", "time"), [
    ("19:00", (19, 0)), ("7:05", (7, 5)), ("19:00:00", (19, 0)), ("7:00 PM", (19, 0)),
    ("7pm", (19, 0)), ("12:00 AM", (0, 0)), ("12:30 p.m.", (12, 30)), ("24:00", (0, 0)),
    ("25:00", None), ("13:00 PM", None), ("noon", None), ("", None)])
def test_times(text, time):
    assert parse_time(text) == time


def test_end_time_gives_the_duration_and_its_absence_one_hour():
    assert one(end_time="20:30").entries[0].duration_minutes == 90
    assert one(end_time=None).entries[0].duration_minutes == 60
    assert one(time="23:30", end_time="00:30").entries[0].duration_minutes == 60


def test_html_in_notes_is_plain_text_and_scripts_are_gone():
    feed = one(notes="<p>Ring the <b>bell</b> &amp; wait.</p><script>steal()</script>"
                     "<ul><li>Tea</li><li>Biscuits</li></ul>",
               location_notes="Side door<br>2nd floor")
    assert feed.entries[0].description == ("Ring the bell & wait.\n\nTea\n\nBiscuits\n\n"
                                           "Side door\n2nd floor")
    assert plain_text("a\r\n\r\n\r\nb\u0007c") == "a\n\nb c"


def test_types_map_to_our_vocabularies_and_the_rest_are_counted():
    entry = one(types=["W", "X", "XB", "EN", "S", "C-ANXIETY", "ASL", "O", "BE", "RUS", "TC"]).entries[0]
    assert entry.audiences == ("women",)
    assert entry.venue_access == ("accessible-toilet", "step-free")
    assert entry.access == ("sign-language",)
    assert entry.languages == ("en", "es")
    assert entry.conditions == ("anxiety",)
    assert entry.temporarily_closed
    feed = one(types=["O", "BE", "RUS", "C-UNKNOWN"])
    assert feed.ignored_types == Counter({"O": 1, "BE": 1, "RUS": 1, "C-UNKNOWN": 1})
    assert one(types="W, Y").entries[0].audiences == ("women", "young-people")  # sheet style


@pytest.mark.parametrize(("fields", "code"), [
    ({"attendance_option": "online"}, mg_parse.ONLINE),
    ({"attendance_option": "inactive"}, mg_parse.ONLINE),
    ({"address": None, "conference_url": "https://zoom.example/j/1"}, mg_parse.ONLINE),
    ({"approximate": "yes"}, mg_parse.APPROXIMATE),
    ({"address": None}, mg_parse.NO_ADDRESS),
    ({"day": None}, mg_parse.NO_TIME),
    ({"time": None}, mg_parse.NO_TIME),
    ({"country": None, "postal_code": None}, mg_parse.NO_ADDRESS),
    ({"day": 9}, mg_parse.INVALID),
    ({"time": "evening"}, mg_parse.INVALID),
    ({"slug": None}, mg_parse.INVALID),
])
def test_entries_that_cannot_be_placed_in_person_are_skipped_with_the_reason(fields, code):
    feed = one(**fields)
    assert not feed.entries
    (problem,) = feed.problems
    assert problem.code == code and problem.level == "error" and problem.index == 0


def test_a_hybrid_meeting_with_an_address_is_in_person():
    assert one(attendance_option="hybrid", conference_url="https://zoom.example/j/1").entries


def test_a_duplicate_slug_is_skipped():
    feed = parse(json.dumps([BASE, {**BASE, "name": "Copy"}]), VOCAB)
    assert [e.name for e in feed.entries] == ["Evening Group"]
    assert "same slug" in feed.problems[0].message


@pytest.mark.parametrize(("text", "parts"), [
    ("4953 W Addison St, Chicago, IL 60641, USA", ("4953 W Addison St", "Chicago", "IL", "60641", "US")),
    ("2841 Walnut Street, Atlanta 30303, USA", ("2841 Walnut Street", "Atlanta", "", "30303", "US")),
    ("1 Main St, Test City, TX 12345", ("1 Main St", "Test City", "TX", "12345", "US")),
    ("14 Example Row, Leeds, LS1 4DY, UK", ("14 Example Row", "Leeds", "", "LS1 4DY", "GB")),
    ("6 Mount Street, Manchester M2 5NS, UK", ("6 Mount Street", "Manchester", "", "M2 5NS", "GB")),
    ("Flat 2, 10 High St, London SW1A 1AA, United Kingdom",
     ("Flat 2, 10 High St", "London", "", "SW1A 1AA", "GB")),
])
def test_formatted_addresses_are_split(text, parts):
    found = split_address(text)
    assert (found["address"], found["town"], found["state"], found["postcode"], found["country"]) == parts


def test_formatted_address_alone_is_enough():
    entry = one(address=None, city=None, postal_code=None, country=None,
                formatted_address="1 Main St, Test City, TX 12345, USA").entries[0]
    assert (entry.address, entry.town, entry.state, entry.postcode, entry.country) == (
        "1 Main St", "Test City", "TX", "12345", "US")


def test_coordinates_and_optional_fields():
    entry = one(latitude="53.8", longitude=-1.55, timezone="Europe/London", region="Leeds",
                sub_region="City Centre", url="https://example.org/m/1",
                contact_1_email="not an email", slug=42).entries[0]
    assert (entry.latitude, entry.longitude, entry.key) == (53.8, -1.55, "42")
    assert (entry.region, entry.sub_region, entry.website, entry.contact_email) == (
        "Leeds", "City Centre", "https://example.org/m/1", None)
    assert one(latitude=0, longitude=0).entries[0].latitude is None
