"""A search in words: chips that each remove one filter, "Clear all", the count, the page's
range, what to drop when nothing matches; and the results page's own parameters."""

from __future__ import annotations

import datetime as dt

import pytest

from groupfinder.exceptions import InvalidInput
from groupfinder.groups.criteria import parse_page_args
from groupfinder.groups.summary import (
    Advice,
    advice_text,
    applied_kinds,
    chips,
    clear_all,
    count_text,
    kind_values,
    nothing_text,
    range_text,
    replaced,
    summary_line,
)

NAMES = {"condition": {"anxiety": "Anxiety", "ocd": "OCD"}, "language": {"cy": "Welsh"},
         "access": {"step-free": "Step-free access"}}
PAIRS = (("where", "M1 1AE"), ("radius", "10"), ("condition", "anxiety"), ("condition", "ocd"),
         ("day", "mon,Thu"), ("when", "today"), ("starts_after", "18:00"), ("language", "cy"),
         ("access", "step-free"), ("sort", "next"), ("page", "3"))


def make_chips():  # type: ignore[no-untyped-def]
    return chips(PAIRS, conditions=("anxiety", "ocd"), days=(0, 3), when="today",
                 starts_after=dt.time(18), starts_before=None, audiences=(), languages=("cy",),
                 access=("step-free",), names=NAMES)


def test_one_chip_per_value_each_removing_only_itself_and_the_page():
    by_label = {c.label: c for c in make_chips()}
    assert list(by_label) == ["Anxiety", "OCD", "Mondays", "Thursdays", "Today",
                              "Starts 6:00 pm or later", "In Welsh", "Step-free access"]
    rest = ("where", "M1 1AE"), ("radius", "10"), ("sort", "next")
    anxiety = by_label["Anxiety"].remove
    assert ("condition", "anxiety") not in anxiety and ("condition", "ocd") in anxiety
    assert ("page", "3") not in anxiety and all(p in anxiety for p in rest)
    # one day out of a comma list: the other stays
    assert ("day", "Thu") in by_label["Mondays"].remove
    assert ("day", "mon") in by_label["Thursdays"].remove
    assert not any(k in ("when", "this_week") for k, _ in by_label["Today"].remove)
    assert not any(k == "starts_after" for k, _ in by_label["Starts 6:00 pm or later"].remove)


def test_clear_all_keeps_the_place_distance_and_order():
    assert clear_all(PAIRS) == (("where", "M1 1AE"), ("radius", "10"), ("sort", "next"))


def test_summary_line():
    assert summary_line(make_chips()[:3], "10 miles", "M1 1AE") == \
        "Anxiety, OCD, Mondays · within 10 miles of M1 1AE"
    assert summary_line([], "25 km", "Leeds") == "All groups · within 25 km of Leeds"


@pytest.mark.parametrize("args, text", [
    (dict(total=47, at_least=False, radius="25 km", when=None, sort="nearest"),
     "47 groups within 25 km, nearest first"),
    (dict(total=1, at_least=False, radius="10 miles", when=None, sort="nearest"),
     "1 group within 10 miles"),
    (dict(total=100, at_least=True, radius="10 miles", when="today", sort="next"),
     "100+ groups meeting today within 10 miles, next meeting first"),
    (dict(total=900, at_least=False, radius="50 km", when=None, sort="next", sorted_among=300),
     "900 groups within 50 km, next meeting first among the nearest 300"),
])
def test_count_text(args, text):
    total = args.pop("total")
    assert count_text(total, **args) == text


def test_range_text():
    assert range_text(20, 20, 47, at_least=False) == "21–40 of 47"
    assert range_text(40, 7, 47, at_least=False) == "41–47 of 47"
    assert range_text(40, 1, 41, at_least=False) == "41 of 41"
    assert range_text(0, 20, 300, at_least=True) == "1–20 of 300+"


def test_empty_state_words():
    some = make_chips()
    assert nothing_text([c for c in some if c.kind == "day"], "10 miles", "M1 1AE") == \
        "No groups within 10 miles of M1 1AE match Mondays and Thursdays."
    assert applied_kinds(some) == ["condition", "day", "when", "time", "language", "access"]
    assert kind_values(some, "day") == "Mondays or Thursdays"
    tip = Advice("day", "day", 6, False, (), "Mondays or Thursdays")
    assert advice_text(tip) == "Without the day filter (Mondays or Thursdays) there are 6 groups."
    assert advice_text(Advice("when", "“Today”", 1, False, ())) == "Without the “Today” filter there is 1 group."
    assert advice_text(Advice("condition", "topic", 100, True, (), "OCD")) == \
        "Without the topic filter (OCD) there are 100+ groups."


def test_replaced_sets_one_parameter_and_drops_the_page():
    assert replaced(PAIRS[:2] + (("page", "3"),), "page", "2") == \
        (("where", "M1 1AE"), ("radius", "10"), ("page", "2"))
    assert replaced(PAIRS[:2] + (("page", "3"),), "page", None) == PAIRS[:2]


def test_page_arguments():
    assert parse_page_args({}) == parse_page_args({"when": [""], "sort": ["nearest"]})
    parsed = parse_page_args({"when": ["Today"], "sort": ["next"], "page": ["3"]})
    assert (parsed.when, parsed.sort, parsed.page) == ("today", "next", 3)
    assert parse_page_args({"this_week": ["true"]}).when == "week"  # an old link
    assert parse_page_args({"when": ["tomorrow"], "this_week": ["true"]}).when == "tomorrow"
    with pytest.raises(InvalidInput) as info:
        parse_page_args({"when": ["someday"], "sort": ["alphabetical"], "page": ["0"]})
    assert set(info.value.field_errors) == {"when", "sort", "page"}


def test_the_summary_line_starts_with_a_capital_whatever_the_first_chip():
    from groupfinder.groups.summary import Chip

    assert summary_line([Chip("day", "los lunes", ())], "10 mi", "10001").startswith("Los lunes · ")
