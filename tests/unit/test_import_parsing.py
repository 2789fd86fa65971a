"""The listings CSV format (interop.csvformat): pure parsing, every problem with its line."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from groupfinder.interop import csvformat
from groupfinder.interop.csvformat import Problem, Vocabulary, parse
from groupfinder.schedules.recurrence import Frequency

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "import-example.csv"


def _vocabulary() -> Vocabulary:
    def slugs(name: str, scope: str | None = None) -> frozenset[str]:
        with open(ROOT / "data" / "vocabularies" / name, newline="", encoding="utf-8") as fh:
            return frozenset(r["slug"] for r in csv.DictReader(fh) if scope in (None, r.get("scope")))

    return Vocabulary(conditions=slugs("conditions.csv"), audiences=slugs("audiences.csv"),
                      languages=slugs("languages.csv"),
                      group_access=slugs("access_features.csv", "group"),
                      venue_access=slugs("access_features.csv", "venue"))


VOCAB = _vocabulary()

HEADER = ("group_key,name,conditions,venue_key,venue_name,address,postcode,town,country,latitude,"
          "longitude,kind,interval,weekdays,positions,month_day,start_time,duration_minutes,"
          "first_date,last_date")
GOOD = ("g1,Tea and Talk,anxiety,v1,Example Hall,12 Example Street,M4 1ZZ,Manchester,GB,53.48412,"
        "-2.22871,weekly,1,tue,,,19:00,90,2026-01-06,")


def _file(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def _row(**changes: str) -> str:
    """GOOD with some cells replaced, by column name."""
    cells = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    cells.update(changes)
    return ",".join(cells[c] for c in HEADER.split(","))


def _errors(text: str | bytes, vocab: Vocabulary | None = VOCAB) -> list[tuple[int, str | None]]:
    return [(p.line, p.column) for p in parse(text, vocab).errors]


def _messages(text: str | bytes) -> str:
    return "\n".join(str(p) for p in parse(text, VOCAB).problems)


# --- the example file and the happy path ---------------------------------------------------------


def test_example_file_parses_without_errors_and_covers_every_kind():
    parsed = parse(EXAMPLE.read_bytes(), VOCAB)
    assert parsed.errors == [] and parsed.warnings == []
    assert parsed.rows == 6
    assert len(parsed.groups) == 5 and len(parsed.venues) == 3 and len(parsed.facilitators) == 2
    kinds = {s.kind for g in parsed.groups for s in g.schedules}
    assert kinds == set(Frequency)
    tea = next(g for g in parsed.groups if g.key == "ex-man-tea")
    assert [s.line for s in tea.schedules] == [2, 3]
    assert tea.schedules[1].positions == (-1,) and tea.schedules[1].weekdays == (5,)
    assert any(g.is_sensitive and g.area_name == "Manchester city centre" for g in parsed.groups)
    assert parsed.venues["ex-ven-lds-1"].latitude is None  # to be placed from its postcode


def test_example_file_has_only_fictional_contacts():
    text = EXAMPLE.read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        for column in ("contact_email", "facilitator_email"):
            assert not row[column] or row[column].endswith("@example.org")
        assert not row["website"] or row["website"].startswith("https://example.org/")


def test_a_group_row_can_leave_group_and_venue_columns_empty_after_the_first():
    second = "g1,,,,,,,,,,,monthly_date,,,,last,10:00,60,2026-01-31,"
    parsed = parse(_file(GOOD, second), VOCAB)
    assert parsed.errors == []
    (group,) = parsed.groups
    assert [s.kind for s in group.schedules] == [Frequency.weekly, Frequency.monthly_date]
    assert group.schedules[1].month_day == -1


def test_values_are_read_generously():
    row = _row(weekdays='"Tuesday, thurs"', kind="Weekly", country="gb", postcode="m4  1zz")
    parsed = parse(_file(row), VOCAB)
    assert parsed.errors == []
    assert parsed.groups[0].schedules[0].weekdays == (1, 3)
    venue = parsed.venues["v1"]
    assert (venue.country, venue.postcode) == ("GB", "M4 1ZZ")


def test_header_names_are_matched_case_and_space_insensitively():
    header = HEADER.replace("group_key", "Group Key").replace("first_date", "First-Date")
    assert parse(_file(GOOD, header=header), VOCAB).errors == []


def test_positions_accept_numbers_ordinals_and_last():
    row = _row(kind="monthly_weekday", weekdays="wed", positions="1st;3;last")
    parsed = parse(_file(row), VOCAB)
    assert parsed.errors == [] and parsed.groups[0].schedules[0].positions == (1, 3, -1)


# --- encodings and line endings --------------------------------------------------------------------


def test_utf8_bom_is_ignored():
    data = "\ufeff".encode() + _file(GOOD).encode()
    parsed = parse(data, VOCAB)
    assert parsed.errors == [] and parsed.groups[0].key == "g1"


def test_crlf_line_endings_and_line_numbers():
    bad = _row(group_key="g2", weekdays="someday")
    data = _file(GOOD, bad).replace("\n", "\r\n").encode()
    assert _errors(data) == [(3, "weekdays")]
    assert parse(_file(GOOD).replace("\n", "\r\n"), VOCAB).errors == []


def test_a_multiline_cell_keeps_the_following_line_numbers_right():
    header = HEADER + ",description"
    first = GOOD + ',"Line one\nline two\nline three"'
    bad = _row(group_key="g2", start_time="7pm") + ","
    parsed = parse(_file(first, bad, header=header).replace("\n", "\r\n"), VOCAB)
    assert [(p.line, p.column) for p in parsed.errors] == [(5, "start_time")]
    # the first group kept its line breaks, normalised to \n
    assert parse(_file(first, header=header), VOCAB).groups[0].description == \
        "Line one\nline two\nline three"


def test_not_utf8_names_the_line():
    data = _file(GOOD, _row(group_key="g2")).encode() + "g3,Caf\u00e9".encode("latin-1") + b"\n"
    problems = parse(data, VOCAB).errors
    assert [(p.line, p.column) for p in problems] == [(4, None)]
    assert "UTF-8" in problems[0].message


def test_nul_character_names_the_line():
    assert _errors(_file(GOOD, "g2\x00,x")) == [(3, None)]


def test_unterminated_quote_is_reported():
    problems = parse(_file(GOOD, 'g2,"Tea'), VOCAB).errors
    assert problems and problems[0].line == 3


# --- sizes ----------------------------------------------------------------------------------------


def test_empty_file_and_header_only():
    assert "empty" in str(parse(b"", VOCAB).errors[0])
    assert _errors(_file()) == [(1, None)]


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(csvformat, "MAX_ROWS", 3)
    rows = [_row(group_key=f"g{i}") for i in range(5)]
    problems = parse(_file(*rows), VOCAB).errors
    assert [(p.line, p.column) for p in problems] == [(5, None)]
    assert "more than 3 rows" in problems[0].message


def test_too_large_a_file(monkeypatch):
    monkeypatch.setattr(csvformat, "MAX_BYTES", 100)
    problems = parse(_file(GOOD, GOOD).encode(), VOCAB).errors
    assert [(p.line, p.column) for p in problems] == [(0, None)]
    assert str(problems[0]).startswith("file: ")


# --- the header -------------------------------------------------------------------------------------


def test_missing_required_columns_are_listed():
    header = HEADER.replace("conditions,", "").replace(",first_date", "")
    row = GOOD.replace(",anxiety", "").replace(",2026-01-06", "")
    problems = parse(_file(row, header=header), VOCAB).errors
    assert [(p.line, p.column) for p in problems] == [(1, None)]
    assert "conditions, first_date" in problems[0].message


def test_unknown_column_is_an_error_with_a_suggestion():
    header = HEADER.replace("weekdays", "weekday")
    problems = parse(_file(GOOD, header=header), VOCAB).errors
    assert [(p.line, p.column) for p in problems][0] == (1, "weekday")
    assert "did you mean 'weekdays'" in problems[0].message


def test_duplicate_and_empty_column_names():
    assert (1, "name") in _errors(_file(GOOD + ",x", header=HEADER + ",name"))
    assert (1, None) in _errors(_file(GOOD + ",x", header=HEADER + ","))


def test_extra_cells_beyond_the_header():
    assert _errors(_file(GOOD + ",surplus")) == [(2, None)]


# --- cell errors, each with its line and column -------------------------------------------------------


@pytest.mark.parametrize(("changes", "column", "words"), [
    ({"weekdays": "tues;funday"}, "weekdays", "'funday' is not a day; use mon, tue"),
    ({"weekdays": "t"}, "weekdays", "'t' is not a day"),
    ({"start_time": "7pm"}, "start_time", "24-hour HH:MM"),
    ({"start_time": "24:00"}, "start_time", "not a time"),
    ({"duration_minutes": "ninety"}, "duration_minutes", "not a whole number"),
    ({"duration_minutes": "0"}, "duration_minutes", "between 1 minute and 24 hours"),
    ({"first_date": "06/01/2026"}, "first_date", "use YYYY-MM-DD"),
    ({"first_date": "2026-02-30"}, "first_date", "not a real date"),
    ({"last_date": "2025-01-01"}, "last_date", "on or after the first date"),
    ({"kind": "fortnightly"}, "kind", "weekly with interval 2"),
    ({"interval": "13"}, "interval", "every 1 to 12 weeks"),
    ({"interval": "x"}, "interval", "not a whole number"),
    ({"kind": "monthly_weekday", "weekdays": "tue", "positions": "5"}, "positions",
     "not a week of the month"),
    ({"kind": "monthly_weekday", "weekdays": "tue"}, "positions", "which week of the month"),
    ({"kind": "monthly_date", "weekdays": "", "month_day": "31"}, "month_day", "Not every month has a day 31"),
    ({"kind": "monthly_date", "weekdays": "", "month_day": "first"}, "month_day", "not a day of the month"),
    ({"kind": "monthly_date", "month_day": "3"}, "weekdays", "apply only to weekly"),
    ({"kind": "once", "weekdays": "", "last_date": "2026-02-01"}, "last_date", "no separate last date"),
    ({"kind": ""}, "kind", "every row is one schedule"),
    ({"venue_key": "v2", "country": "FR"}, "country", "use GB or US"),
    ({"venue_key": "v2", "latitude": "north"}, "latitude", "not a number"),
    ({"venue_key": "v2", "latitude": "95"}, "latitude", "between -90 and 90"),
    ({"venue_key": "v2", "longitude": ""}, "longitude", "both latitude and longitude"),
    ({"conditions": "anxeity"}, "conditions", "did you mean 'anxiety'"),
    ({"conditions": "zzzz"}, "conditions", "see /api/v1/conditions"),
    ({"group_key": "has space"}, "group_key", "is not a key"),
    ({"group_key": ""}, "group_key", "every row"),
    ({"venue_key": "bad key!"}, "venue_key", "is not a key"),
    ({"name": ""}, "name", "Give the group a name"),
    ({"venue_key": "v2", "venue_name": ""}, "venue_name", "Give the venue name"),
])
def test_a_bad_cell_names_its_line_and_column(changes, column, words):
    problems = parse(_file(GOOD, _row(group_key="g2", **changes) if "group_key" not in changes
                           else _row(**changes)), VOCAB).errors
    assert [(p.line, p.column) for p in problems] == [(3, column)], problems
    assert words in problems[0].message


@pytest.mark.parametrize(("header_extra", "cell", "column", "words"), [
    ("is_sensitive", "maybe", "is_sensitive", "'maybe' is not yes or no"),
    ("timezone", "Europe/Londn", "timezone", "not a time zone"),
    ("audiences", "kids", "audiences", "not an audience we know"),
    ("languages", "klingon", "languages", "not a language we know"),
    ("access", "step-free", "access", "a feature of the venue, not the group; put it in venue_access"),
    ("venue_access", "childcare", "venue_access", "put it in access"),
    ("cost", "x" * 121, "cost", "under 120 characters"),
    ("facilitator_name", "Sam", "facilitator_name", "Give facilitator_key too"),
])
def test_optional_columns_are_checked(header_extra, cell, column, words):
    problems = parse(_file(GOOD + ",", _row(group_key="g2") + f",{cell}",
                           header=HEADER + f",{header_extra}"), VOCAB).errors
    assert [(p.line, p.column) for p in problems] == [(3, column)], problems
    assert words in problems[0].message


def test_problem_text_says_line_and_column():
    problem = Problem(7, "weekdays", "'tues' is not a day; use mon, tue, …")
    assert str(problem) == "line 7, weekdays: 'tues' is not a day; use mon, tue, …"
    assert str(Problem(0, None, "Too big.")) == "file: Too big."
    assert str(Problem(3, "latitude", "placed", "warning")) == "line 3, latitude: placed (warning)"


def test_every_error_in_a_file_is_reported_not_just_the_first():
    rows = [GOOD, _row(group_key="g2", weekdays="noday"), _row(group_key="g3", first_date="soon"),
            _row(group_key="g4", conditions="nope")]
    assert _errors(_file(*rows)) == [(3, "weekdays"), (4, "first_date"), (5, "conditions")]


def test_slugs_are_not_checked_without_a_vocabulary():
    assert _errors(_file(_row(conditions="anything")), vocab=None) == []


# --- rows of one group, venue or facilitator must agree ---------------------------------------------------


def test_conflicting_group_values_between_rows():
    second = _row(name="Tea and Talk Two", weekdays="thu")
    problems = parse(_file(GOOD, second), VOCAB).errors
    assert [(p.line, p.column) for p in problems] == [(3, "name")]
    assert "differs from 'Tea and Talk' on line 2 for group 'g1'" in problems[0].message


def test_conflicting_venue_values_across_groups():
    other = _row(group_key="g2", address="99 Other Road")
    problems = parse(_file(GOOD, other), VOCAB).errors
    assert [(p.line, p.column) for p in problems] == [(3, "address")]
    assert "for venue 'v1'" in problems[0].message


def test_same_values_written_differently_agree():
    second = _row(conditions="ANXIETY", postcode="m4 1zz", weekdays="fri")
    assert _errors(_file(GOOD, second)) == []


def test_duplicate_schedule_in_one_group():
    assert _errors(_file(GOOD, _row())) == [(3, None)]


def test_facilitator_needs_a_name_and_rows_must_agree():
    header = HEADER + ",facilitator_key,facilitator_name,facilitator_bio"
    rows = [GOOD + ",f1,,", _row(group_key="g2") + ",f2,Ana,Hi", _row(group_key="g3") + ",f2,Ann,Hi"]
    problems = parse(_file(*rows, header=header), VOCAB).errors
    assert [(p.line, p.column) for p in problems] == [(2, "facilitator_name"), (4, "facilitator_name")]


def test_facilitator_columns_absent_means_leave_facilitators_alone():
    assert parse(_file(GOOD), VOCAB).has_facilitators is False
    header = HEADER + ",facilitator_key"
    assert parse(_file(GOOD + ",", header=header), VOCAB).has_facilitators is True


# --- sensitive groups -------------------------------------------------------------------------------------


SENSITIVE_HEADER = HEADER + ",is_sensitive,description,area_name"


@pytest.mark.parametrize(("description", "area", "column", "words"), [
    ("Meets at Example Hall.", "", "description", "Don't name the venue"),
    ("Come to example street, upstairs.", "", "description", "Don't give the street"),
    ("Postcode M4 1ZZ.", "", "description", "full postcode"),
    ("We are at 53.4841, -2.2287.", "", "description", "coordinates near the venue"),
    ("A confidential group.", "M4 1ZZ", "area_name", "first part of the postcode"),
])
def test_sensitive_group_text_must_not_locate_its_venue(description, area, column, words):
    row = GOOD + f",yes,{description!r},{area}".replace("'", '"')
    problems = parse(_file(row, header=SENSITIVE_HEADER), VOCAB).errors
    assert [(p.line, p.column) for p in problems] == [(2, column)], problems
    assert words in problems[0].message


def test_the_same_text_is_fine_for_an_ordinary_group():
    row = GOOD + ',no,"Meets at Example Hall, M4 1ZZ.",'
    assert parse(_file(row, header=SENSITIVE_HEADER), VOCAB).errors == []


def test_sensitive_facilitator_bio_is_checked():
    header = SENSITIVE_HEADER + ",facilitator_key,facilitator_name,facilitator_bio"
    row = GOOD + ',yes,A circle.,,f1,Sam,"Sam opens Example Hall each week."'
    problems = parse(_file(row, header=header), VOCAB).errors
    assert [(p.line, p.column) for p in problems] == [(2, "facilitator_bio")]


def test_area_name_on_an_ordinary_group_is_a_warning_and_ignored():
    parsed = parse(_file(GOOD + ",no,,Ancoats", header=SENSITIVE_HEADER), VOCAB)
    assert parsed.errors == [] and [(p.line, p.column) for p in parsed.warnings] == [(2, "area_name")]
    assert parsed.groups[0].area_name is None


def test_schedule_record_spec_round_trips():
    (group,) = parse(_file(GOOD), VOCAB).groups
    spec = group.schedules[0].spec("Europe/London")
    assert spec.first_date == dt.date(2026, 1, 6) and spec.weekdays == (1,)
    assert spec.timezone == "Europe/London"
