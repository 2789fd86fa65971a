"""`groupfinder export csv`: listings as the CSV the import reads back to the same data."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Group, ListingStatus
from groupfinder.interop import csvformat
from groupfinder.interop.csv_export import export_csv
from groupfinder.interop.importing import import_listings
from groupfinder.schedules.models import Cancellation, MeetingChange, Schedule
from groupfinder.venues.models import Venue

from .test_import import EXAMPLE, _counts

# --- the whole demo, there and back ----------------------------------------------------------


def _state() -> dict[str, object]:
    """Everything an export promises to carry, by natural key (no ids, versions or times)."""
    db.session.expire_all()
    venues = {v.external_key: (v.name, v.address, v.postcode, v.town, v.country, v.latitude,
                               v.longitude, v.timezone, v.timezone_overridden, v.is_private,
                               tuple(sorted(a.slug for a in v.access_features)))
              for v in db.session.scalars(sa.select(Venue).options(selectinload(Venue.access_features)))}
    people = {f.external_key: (f.name, f.bio, f.email, f.phone, f.show_email, f.show_phone)
              for f in db.session.scalars(sa.select(Facilitator))}
    groups = {}
    for g in db.session.scalars(sa.select(Group).options(
            selectinload(Group.schedules).selectinload(Schedule.cancellations),
            selectinload(Group.schedules).selectinload(Schedule.changes))):
        schedules = tuple(
            (s.kind, s.interval, s.weekdays, s.positions, s.month_day, s.start_time,
             s.duration_minutes, s.first_date, s.last_date, s.paused_until, s.days_mask,
             tuple((c.original_start, c.reason) for c in s.cancellations),
             tuple((m.original_start, m.new_start, m.new_duration_minutes,
                    m.new_venue.external_key if m.new_venue else None, m.note) for m in s.changes))
            for s in g.schedules)
        groups[g.external_key] = (
            g.name, g.slug, g.description, g.what_to_expect, g.cost, g.contact_email, g.website,
            g.status, g.is_sensitive, g.area_name, g.public_lat, g.public_lng, g.public_cell,
            g.venue.external_key, tuple(sorted(c.slug for c in g.conditions)),
            tuple(sorted(a.slug for a in g.audiences)), tuple(sorted(x.slug for x in g.languages)),
            tuple(sorted(a.slug for a in g.access_features)),
            tuple(sorted(f.external_key for f in g.facilitators)), schedules,
            g.organisation.name if g.organisation else None)
    return {"venues": venues, "facilitators": people, "groups": groups}


def test_the_whole_demo_round_trips_byte_for_byte_and_field_for_field(demo_app, app):
    """Demo in database A → CSV → empty database B (same reference data) → CSV again."""
    with demo_app.app_context():
        started = time.perf_counter()
        first = export_csv()
        exported = time.perf_counter()
        before = _state()
    assert not first.skipped
    with app.app_context():
        imported = time.perf_counter()
        report = import_listings(first.body, publish=True)
        second_started = time.perf_counter()
        second = export_csv()
        finished = time.perf_counter()
        assert report.ok, [str(p) for p in report.errors[:10]]
        assert not report.warnings, [str(p) for p in report.warnings[:10]]
        after = _state()
        again = import_listings(second.body, publish=True)  # and a second import changes nothing
        assert again.ok and not again.changes, again.summary()

    assert second.body == first.body
    assert after == before
    groups, venues, people = before["groups"], before["venues"], before["facilitators"]
    assert (len(groups), len(venues), len(people)) == (706, 410, 250)
    # What the hand-written export lost (issue 11): all of it is here.
    assert sum(len(g[18]) == 2 for g in groups.values()) == 212      # second facilitators
    assert sum(p[4] or p[5] for p in people.values()) == 131          # contact opt-ins
    schedules = [s for g in groups.values() for s in g[19]]
    assert sum(len(s[11]) for s in schedules) == 25                   # cancellations
    assert sum(len(s[12]) for s in schedules) == 10                   # moves
    assert sum(s[9] is not None for s in schedules) == 7              # pauses
    assert report.rows == first.rows == 784 + 212
    print(f"\ndemo round trip: {first.rows} rows, {len(first.body):,} bytes: export "
          f"{exported - started:.1f} s, import {second_started - imported:.1f} s, export "
          f"{finished - second_started:.1f} s")  # figures for the reader; speed is not asserted


def test_an_export_is_the_import_format_with_a_fixed_header(demo_app):
    body = export_csv().body
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == csvformat.COLUMNS
    assert all(len(r) == len(csvformat.COLUMNS) for r in rows)
    parsed = csvformat.parse(body)
    assert not parsed.errors and len(parsed.groups) == 706


# --- formula injection -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "=1+1", "+44 161 496 0000", "-x", "@SUM(A1)", "\tTab", "\rCR", "'=already", "''+two",
    "'plain", "plain", "", "-2.22871", "=", "'", "a=b"])
def test_neutralise_is_undone_exactly_by_restore(value):
    cell = csvformat.neutralise(value)
    assert csvformat.restore(cell) == value
    if value[:1] in ("=", "+", "@", "\t", "\r") or value.startswith("-x"):
        assert cell.startswith("'")
    assert csvformat.neutralise("-2.22871") == "-2.22871"  # a number is not a formula


def test_formula_cells_are_neutralised_and_come_back_as_they_were(app, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("Tea and Talk for Anxiety", "=1+2 Tea", 1)
    # An apostrophe before a formula character is the neutralising one: two keep one.
    text = text.replace("Sam has run peer groups since 2019.", "''@Sam runs peer groups.", 1)
    assert import_listings(text, publish=True).ok
    body = export_csv().body.decode("utf-8-sig")
    assert ",'=1+2 Tea," in body and ",''@Sam runs peer groups.," in body
    for row in csv.reader(io.StringIO(body, newline="")):
        assert not any(c[:1] in ("=", "+", "@", "\t", "\r") for c in row)
        assert not any(c[:1] == "-" and not csvformat.NUMBER.fullmatch(c) for c in row)
    group = db.session.scalar(sa.select(Group).where(Group.external_key == "ex-man-tea"))
    assert group.name == "=1+2 Tea"
    assert db.session.scalar(sa.select(Facilitator.bio).where(
        Facilitator.external_key == "ex-fac-sam")) == "'@Sam runs peer groups."
    again = import_listings(body.encode(), publish=True)
    assert again.ok and not again.changes, again.summary()


# --- the optional columns, and old files -----------------------------------------------------


def test_an_old_file_imports_as_before_and_a_rerun_with_the_export_changes_nothing(app):
    report = import_listings(EXAMPLE, publish=True)
    assert report.ok and "meetings" not in report.summary()
    body = export_csv().body
    again = import_listings(body, publish=True)
    assert again.ok and not again.changes, again.summary()
    assert export_csv().body == body


def _schedule_row(body: bytes, key: str) -> tuple[list[str], int, int]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    header = rows[0]
    index = next(i for i, r in enumerate(rows) if r[header.index("group_key")] == key)
    return header, index, len(rows)


def _edit(body: bytes, key: str, **cells: str) -> bytes:
    """The first schedule row of group ``key`` with ``cells``; facilitator columns on every row of
    the same facilitator (its rows must agree)."""
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    header = rows[0]
    person = {c: cells.pop(c) for c in list(cells) if c.startswith("facilitator_show")}
    if person:
        first = next(r for r in rows[1:] if r[header.index("group_key")] == key)
        for row in rows[1:]:
            if row[header.index("facilitator_key")] == first[header.index("facilitator_key")]:
                for column, value in person.items():
                    row[header.index(column)] = value
    for row in rows[1:]:
        if row[header.index("group_key")] == key and not row[0]:
            for column, value in cells.items():
                row[header.index(column)] = value
            break
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def test_the_file_is_the_truth_for_cancellations_moves_pauses_and_opt_ins(app):
    assert import_listings(EXAMPLE, publish=True).ok
    body = export_csv().body
    edited = _edit(body, "ex-man-tea",
                   cancellations="2026-01-13 19:00: Public holiday\n2026-01-20 19:00: Hall closed",
                   moves="2026-01-27 19:00 > 2026-01-28 18:30, 60 min, at ex-ven-lds-1: Other hall",
                   paused_until="2026-01-01", facilitator_show_email="yes")
    report = import_listings(edited, publish=True)
    assert report.ok, [str(p) for p in report.errors]
    assert "meetings: 3 created" in report.summary()
    schedule = db.session.scalar(sa.select(Schedule).join(Group).where(
        Group.external_key == "ex-man-tea").order_by(Schedule.id))
    assert [(c.original_start.day, c.reason) for c in schedule.cancellations] == [
        (13, "Public holiday"), (20, "Hall closed")]
    (move,) = schedule.changes
    assert (move.new_start.day, move.new_start.hour, move.new_duration_minutes,
            move.new_venue.external_key, move.note) == (28, 18, 60, "ex-ven-lds-1", "Other hall")
    assert schedule.paused_until.isoformat() == "2026-01-01"
    assert db.session.scalar(sa.select(Facilitator.show_email).where(
        Facilitator.external_key == "ex-fac-sam")) is True
    rerun = import_listings(export_csv().body, publish=True)
    assert rerun.ok and not rerun.changes, rerun.summary()
    # Taking them out again undoes them through the meeting services.
    report = import_listings(body, publish=True)
    assert report.ok and "meetings: 0 created, 0 updated, 0 unchanged, 3 deleted" in report.summary()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cancellation)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingChange)) == 0
    assert export_csv().body == body


@pytest.mark.parametrize(("cells", "column", "message"), [
    ({"cancellations": "2026-01-14 19:00: Not a Tuesday"}, "cancellations",
     "not one of this schedule's meetings"),
    ({"cancellations": "13/01/2026 19:00 holiday"}, "cancellations", "is not a cancelled meeting"),
    ({"cancellations": "2026-01-13 19:00"}, "cancellations", "give the reason"),
    ({"moves": "2026-01-13 19:00 > 2026-01-14 19:00, at nowhere-1"}, "moves",
     "venue 'nowhere-1' is neither in this file"),
    ({"moves": "2026-01-13 19:00 to Wednesday"}, "moves", "is not a moved meeting"),
    ({"cancellations": "2026-01-13 19:00: x", "moves": "2026-01-13 19:00 > 2026-01-14 19:00"},
     "moves", "is given twice"),
    ({"paused_until": "soon"}, "paused_until", "is not a date"),
    ({"facilitator_show_email": "maybe"}, "facilitator_show_email", "is not yes or no"),
    ({"record": "meeting"}, "record", "is not a kind of row"),
])
def test_bad_optional_cells_are_line_errors_and_nothing_is_written(app, cells, column, message):
    assert import_listings(EXAMPLE, publish=True).ok
    body = export_csv().body
    header, index, _ = _schedule_row(body, "ex-man-tea")
    before = _counts()
    report = import_listings(_edit(body, "ex-man-tea", **cells), publish=True)
    assert not report.ok and not report.written
    problem = next(p for p in report.errors if message in p.message)
    assert (problem.line, problem.column) == (index + 1, column)
    assert _counts() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cancellation)) == 0


def test_facilitator_and_venue_rows_must_hold_only_their_own_columns(app):
    text = EXAMPLE.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=csvformat.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    writer.writerow({"record": "facilitator", "group_key": "ex-man-tea", "facilitator_key": "ex-fac-2",
                     "facilitator_name": "Jo", "name": "A group name here"})
    writer.writerow({"record": "venue", "venue_key": "ex-ven-x", "venue_name": "Hall",
                     "address": "1 Road", "town": "Leeds", "country": "GB", "latitude": "53.8",
                     "longitude": "-1.55", "kind": "weekly"})
    report = import_listings(out.getvalue())
    messages = {(p.column, p.message.split(";")[0]) for p in report.errors}
    assert ("name", "A facilitator row gives only facilitator_bio, facilitator_email, "
            "facilitator_key, facilitator_name, facilitator_phone, facilitator_show_email, "
            "facilitator_show_phone, group_key") in messages
    assert any(c == "kind" and m.startswith("A venue row gives only") for c, m in messages)
    assert _counts()["groups"] == 0


# --- the command -------------------------------------------------------------------------------


def test_the_command_writes_a_private_file_or_standard_output(app, tmp_path: Path):
    assert import_listings(EXAMPLE, publish=True).ok
    runner = app.test_cli_runner()
    target = tmp_path / "listings.csv"
    result = runner.invoke(args=["export", "csv", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "6 rows for 5 groups written to" in result.output
    assert target.read_bytes() == export_csv().body
    assert target.stat().st_mode & 0o077 == 0
    stdout = runner.invoke(args=["export", "csv"])
    assert stdout.exit_code == 0 and "ex-man-tea" in stdout.output


def test_the_command_exports_one_organizers_own_listings(app):
    from tests.factories import make_user

    assert import_listings(EXAMPLE, publish=True).ok
    alice = make_user("alice@example.org")
    tea = db.session.scalar(sa.select(Group).where(Group.external_key == "ex-man-tea"))
    tea.organizers = [alice]
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "csv", "--organizer", "alice@example.org"])
    assert result.exit_code == 0, result.output
    assert "ex-man-tea" in result.output and "ex-lds" not in result.output
    # Sam is the importer's (the system's), not Alice's: no private contact details.
    assert "sam@example.org" not in result.output and "0161 496 0001" not in result.output
    missing = runner.invoke(args=["export", "csv", "--organizer", "nobody@example.org"])
    assert missing.exit_code != 0 and "No account has the email" in missing.output
    assert tea.status == ListingStatus.published
