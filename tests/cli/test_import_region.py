"""The CSV import's optional ``region`` (or ``state``) column: checked against the ZIP or
postcode (a mismatch refuses the file at its line), worked out from it when empty or absent."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.interop import csvformat
from groupfinder.interop.importing import import_listings
from groupfinder.venues.models import Venue

HEADER = ["group_key", "name", "conditions", "venue_key", "venue_name", "address", "postcode",
          "town", "country", "latitude", "longitude", "kind", "weekdays", "start_time",
          "duration_minutes", "first_date"]


def _file(rows: list[dict[str, str]], region_header: str | None = "state") -> str:
    header = HEADER + ([region_header] if region_header else [])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for n, row in enumerate(rows):
        cells = {"group_key": f"g{n}", "name": f"Group {n}", "conditions": "anxiety",
                 "venue_key": f"v{n}", "venue_name": "Hall", "address": f"{n} Test Street",
                 "kind": "weekly", "weekdays": "tue", "start_time": "19:00",
                 "duration_minutes": "90", "first_date": "2026-01-06", **row}
        if region_header:
            cells[region_header] = cells.pop("region", "")
        writer.writerow([cells.get(c, "") for c in header])
    return out.getvalue()


TEST_CITY = {"postcode": "12345", "town": "Test City", "country": "US", "latitude": "42.8142",
             "longitude": "-73.9396"}
ATLANTA = {"postcode": "30303", "town": "Atlanta", "country": "US", "latitude": "33.7525",
           "longitude": "-84.3915"}
CARDIFF = {"postcode": "CF10 1AB", "town": "Cardiff", "country": "GB", "latitude": "51.4816",
           "longitude": "-3.1791"}


def test_a_state_that_contradicts_the_zip_refuses_the_file_at_its_line(app):
    report = import_listings(_file([{**ATLANTA, "region": "GA"}, {**TEST_CITY, "region": "TX"}]))
    assert not report.ok and not report.written
    assert [(p.line, p.column, p.message) for p in report.errors] == [
        (3, "region", "venue 'v1': ZIP 12345 is in New York (US-NY), not Texas (US-TX).")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Venue)) == 0


def test_a_state_that_is_no_state_is_a_line_error(app):
    report = import_listings(_file([{**ATLANTA, "region": "Georgia (the country)"}]))
    assert [(p.line, p.column) for p in report.errors] == [(2, "region")]
    assert "is not a state of the US" in report.errors[0].message


def test_states_and_nations_given_or_worked_out_are_stored_as_iso_codes(app):
    report = import_listings(_file([{**ATLANTA, "region": "Georgia"}, {**TEST_CITY, "region": ""},
                                    {**CARDIFF, "region": "wls"}], region_header="Region"))
    assert report.ok and report.written, report.errors
    got = dict(db.session.execute(sa.select(Venue.external_key, Venue.region)).all())
    assert got == {"v0": "US-GA", "v1": "US-NY", "v2": "GB-WLS"}


def test_without_the_column_the_region_is_worked_out_and_a_rerun_changes_nothing(app):
    data = _file([ATLANTA, CARDIFF], region_header=None)
    assert import_listings(data).written
    assert set(db.session.scalars(sa.select(Venue.region))) == {"US-GA", "GB-WLS"}
    again = import_listings(data)
    assert again.ok and not again.written and again.venues.unchanged == 2


def test_the_parser_reads_state_as_region_and_keeps_the_iso_code():
    parsed = csvformat.parse(_file([{**TEST_CITY, "region": "tx"}]))
    assert parsed.venues["v0"].region == "US-TX" and not parsed.errors


def test_the_export_writes_the_region_and_imports_back_unchanged(app):
    from groupfinder.interop.csv_export import export_csv

    assert import_listings(_file([{**ATLANTA, "region": "GA"}, CARDIFF])).written
    body = export_csv().body.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {r["venue_key"]: r["region"] for r in rows if r["venue_key"]} == {"v0": "US-GA", "v1": "GB-WLS"}
    again = import_listings(body.encode("utf-8"))
    assert again.ok and not again.written and again.venues.unchanged == 2
