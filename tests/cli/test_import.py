"""`groupfinder import-listings FILE [--dry-run] [--publish]`: all rows or none, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from groupfinder.accounts.models import Role, User
from groupfinder.errors import PermissionDenied
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Group, ListingStatus
from groupfinder.interop.importing import import_listings
from groupfinder.review.models import AuditEntry
from groupfinder.schedules.models import Schedule
from groupfinder.venues.models import Venue

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "import-example.csv"
SENSITIVE_VENUE = ("Ancoats Example Rooms", "12 Example Street", "Example Street", "M4 1ZZ",
                   "53.48412", "-2.22871")


def run(app, *args: str | Path):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["import-listings", *(str(a) for a in args)])


def _copy(tmp_path: Path, replace: dict[str, str] | None = None, *, name: str = "in.csv") -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _append(path: Path, **cells: str) -> None:
    header = EXAMPLE.read_text(encoding="utf-8").splitlines()[0].split(",")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(",".join(cells.get(c, "") for c in header) + "\n")


def _counts() -> dict[str, int]:
    return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Group, Venue, Facilitator, Schedule, AuditEntry)}


def _snapshot() -> list[tuple]:
    """Every imported row's stored values (versions and sequences included)."""
    db.session.expire_all()
    out: list[tuple] = []
    for model in (Group, Venue, Facilitator, Schedule):
        for row in db.session.scalars(sa.select(model).order_by(model.id)):
            out.append(tuple(sorted((c.key, str(getattr(row, c.key)))
                                    for c in sa.inspect(model).column_attrs)))
    return out


def _group(key: str) -> Group:
    return db.session.scalar(sa.select(Group).where(Group.external_key == key))


# --- a valid file ---------------------------------------------------------------------------------


def test_valid_file_with_publish_imports_and_appears_in_search(app, client):
    result = run(app, EXAMPLE, "--publish")
    assert result.exit_code == 0, result.output
    assert "groups: 5 created, 0 updated, 0 unchanged" in result.output
    assert "venues: 3 created" in result.output and "schedules: 6 created" in result.output
    assert "line 4, latitude: no coordinates, so venue 'ex-ven-lds-1' is placed at the centre " \
           "of LS1 4" in result.output
    body = client.get("/api/v1/groups?where=M4+1AE").get_json()
    names = {r["name"] for r in body["results"]}
    assert {"Tea and Talk for Anxiety", "Women's Survivors Circle"} <= names
    brooklyn = client.get("/api/v1/groups?where=11221").get_json()
    assert {"Brooklyn Grief Circle", "Coping with Winter Workshop"} <= \
        {r["name"] for r in brooklyn["results"]}
    leeds = client.get("/api/v1/groups?where=Leeds").get_json()
    assert "Walk and Talk Leeds" in {r["name"] for r in leeds["results"]}

    tea = _group("ex-man-tea")
    assert tea.status == ListingStatus.published and tea.published_at is not None
    assert [s.kind for s in tea.schedules] == ["weekly", "monthly_weekday"]
    assert tea.venue.timezone == "Europe/London" and not tea.venue.timezone_overridden
    assert [f.name for f in tea.facilitators] == ["Sam"]
    leeds_venue = _group("ex-lds-walk").venue
    assert (leeds_venue.latitude, leeds_venue.longitude) == (53.79532, -1.55261)
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "import.applied"))
    assert audit.details["groups"]["created"] == 5 and audit.details["publish"] is True


def test_without_publish_new_groups_wait_for_review_and_are_not_public(app, client):
    result = run(app, EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "new groups: pending review" in result.output
    statuses = set(db.session.scalars(sa.select(Group.status)))
    assert statuses == {ListingStatus.pending_review}
    body = client.get("/api/v1/groups?where=M4+1AE").get_json()
    assert not {r["name"] for r in body["results"]} & {"Tea and Talk for Anxiety"}


def test_service_with_a_user_owns_what_it_creates_and_only_admins_publish(app):
    organizer = User(email="org@example.org", role=Role.organizer)
    admin = User(email="admin@example.org", role=Role.admin)
    db.session.add_all([organizer, admin])
    db.session.commit()
    with pytest.raises(PermissionDenied):
        import_listings(EXAMPLE, by=organizer, publish=True)
    assert _counts()["groups"] == 0
    report = import_listings(EXAMPLE.read_bytes(), by=organizer)
    assert report.ok and report.written
    tea = _group("ex-man-tea")
    assert tea.organizers == [organizer] and tea.venue.owner_id == organizer.id
    assert import_listings(EXAMPLE, by=admin, publish=True).groups.updated == 5


# --- all or nothing ----------------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_writes_nothing_and_names_the_line(app, tmp_path):
    path = _copy(tmp_path, {"2026-01-07": "2026-13-07", ",15,19:00": ",32,19:00"})
    before = _counts()
    result = run(app, path, "--publish")
    assert result.exit_code == 1
    assert "line 5, first_date: '2026-13-07' is not a real date" in result.output
    assert "line 6, month_day:" in result.output
    assert "2 error(s)" in result.output and "nothing was imported" in result.output
    assert _counts() == before == {"groups": 0, "venues": 0, "facilitators": 0, "schedules": 0,
                                   "audit_entries": 0}


def test_unknown_vocabulary_and_app_rules_are_line_errors(app, tmp_path):
    path = _copy(tmp_path, {"grief-and-loss": "grief", "https://example.org/brooklyn-grief": "example.org/x",
                            "sam@example.org": "sam-at-example"})
    result = run(app, path)
    assert result.exit_code == 1
    assert "line 2, facilitator_email: Give an email address like name@example.org." in result.output
    assert "line 6, conditions: 'grief' is not a condition we know" in result.output
    assert "line 6, website: Give a full web address starting with https://." in result.output
    assert _counts()["groups"] == 0


def test_control_characters_and_bad_emails_are_line_errors_and_nothing_is_written(app, tmp_path):
    """As in the forms: one-line text refuses every control character (a CR/LF would end an
    iCalendar or mail line early), emails must be valid; each problem once, at its line."""
    path = _copy(tmp_path, {
        "Tea and Talk for Anxiety": '"Tea and Talk\r\nX-Injected: 1"',  # the record spans lines 2-3
        "Sam has run peer groups": "Sam has run\x07 peer groups",
        "3 Sample Lane": "3 Sample Lane\x1b[2J",
        "walk@example.org": "walk@@example.org",
    })
    result = run(app, path, "--publish")
    assert result.exit_code == 1
    output = result.output
    expected = [
        "line 2, name: Keep this on one line, without special control characters.",
        "line 2, facilitator_bio: Remove the special control characters from this text.",
        "line 5, contact_email: Give an email address like name@example.org.",
        "line 5, address: Keep this on one line, without special control characters.",
    ]
    for line in expected:
        assert output.count(line) == 1, (line, output)
    assert "Traceback" not in output and "nothing was imported" in output
    assert _counts() == {"groups": 0, "venues": 0, "facilitators": 0, "schedules": 0,
                         "audit_entries": 0}


def test_line_breaks_are_fine_in_descriptions(app, tmp_path):
    path = _copy(tmp_path, {"A relaxed peer-support circle": '"A relaxed\r\npeer-support circle',
                            "Fictional example listing.,\"Tea,": 'Fictional example listing.","Tea,'})
    result = run(app, path, "--dry-run")
    assert result.exit_code == 0, result.output


def test_a_venue_that_cant_be_placed_is_a_line_error(app, tmp_path):
    path = _copy(tmp_path, {"LS1 4XX,Leeds": "ZZ99 9ZZ,Nowhereville"})
    result = run(app, path)
    assert result.exit_code == 1
    assert "line 4, latitude: we couldn't place venue 'ex-ven-lds-1'" in result.output
    assert _counts()["venues"] == 0


def test_a_failure_while_writing_leaves_the_database_unchanged(app, tmp_path, monkeypatch):
    from groupfinder.interop import importing

    assert run(app, EXAMPLE, "--publish").exit_code == 0
    before, counts = _snapshot(), _counts()
    path = _copy(tmp_path, {"Tea and Talk for Anxiety": "Tea and Talk", "19:00,90,2026-01-06":
                            "18:45,90,2026-01-06", "Brooklyn Grief Circle": "Brooklyn Grief Group"})
    _append(path, group_key="ex-new", name="New Group", conditions="depression",
            venue_key="ex-ven-man-1", kind="once", start_time="10:00", duration_minutes="60",
            first_date="2026-12-12")
    calls = []

    def flaky(real):  # type: ignore[no-untyped-def]
        def write(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(1)
            result = real(*args, **kwargs)
            if len(calls) == 2:  # the renamed groups and two schedules are already in the database
                db.session.flush()
                raise RuntimeError("disk on fire")
            return result
        return write

    # The importer writes schedules through the schedule services: break the second write.
    monkeypatch.setattr(importing, "update_schedule", flaky(importing.update_schedule))
    monkeypatch.setattr(importing, "add_schedule", flaky(importing.add_schedule))
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_listings(path, publish=True)
    assert _snapshot() == before and _counts() == counts


def test_a_failure_on_the_first_import_leaves_nothing_behind(app, monkeypatch):
    calls = []

    def explode(mapper, connection, target):  # type: ignore[no-untyped-def]
        calls.append(target)
        if len(calls) == 4:
            raise RuntimeError("crash after three schedules")

    sa.event.listen(Schedule, "before_insert", explode)
    try:
        with pytest.raises(RuntimeError):
            import_listings(EXAMPLE, publish=True)
    finally:
        sa.event.remove(Schedule, "before_insert", explode)
    assert len(calls) == 4
    assert _counts() == {"groups": 0, "venues": 0, "facilitators": 0, "schedules": 0,
                         "audit_entries": 0}


# --- idempotence, dry runs and updates ---------------------------------------------------------------


def test_a_rerun_changes_nothing(app):
    first = run(app, EXAMPLE, "--publish")
    assert first.exit_code == 0, first.output
    before, counts = _snapshot(), _counts()
    second = run(app, EXAMPLE, "--publish")
    assert second.exit_code == 0, second.output
    assert "groups: 0 created, 0 updated, 5 unchanged" in second.output
    assert "schedules: 0 created, 0 updated, 6 unchanged" in second.output
    assert "Nothing to change" in second.output
    assert _snapshot() == before and _counts() == counts  # not even an audit entry
    third = run(app, EXAMPLE)  # without --publish: published groups stay published
    assert third.exit_code == 0 and "5 unchanged" in third.output


def test_dry_run_writes_nothing_and_says_what_would_change(app, tmp_path):
    result = run(app, EXAMPLE, "--dry-run", "--publish")
    assert result.exit_code == 0, result.output
    assert "groups: 5 created" in result.output and "Dry run" in result.output
    assert _counts() == {"groups": 0, "venues": 0, "facilitators": 0, "schedules": 0,
                         "audit_entries": 0}
    assert run(app, EXAMPLE, "--publish").exit_code == 0
    before = _snapshot()
    path = _copy(tmp_path, {"Tea, a short": "Coffee, a short"})
    dry = run(app, path, "--dry-run", "--publish")
    assert "groups: 0 created, 1 updated, 4 unchanged" in dry.output
    assert _snapshot() == before
    bad = run(app, _copy(tmp_path, {"tue,": "tues-ish,"}, name="bad.csv"), "--dry-run")
    assert bad.exit_code == 1 and "line 2, weekdays: 'tues-ish' is not a day" in bad.output


def test_a_changed_schedule_is_updated_in_place_with_a_new_sequence(app, tmp_path):
    assert run(app, EXAMPLE, "--publish").exit_code == 0
    tea = _group("ex-man-tea")
    weekly = tea.schedules[0]
    schedule_id, sequence = weekly.id, weekly.sequence
    path = _copy(tmp_path, {"19:00,90,2026-01-06": "18:30,90,2026-01-06"})
    result = run(app, path)  # schedules of a published group change without --publish
    assert result.exit_code == 0, result.output
    assert "schedules: 0 created, 1 updated, 5 unchanged" in result.output
    db.session.expire_all()
    weekly = db.session.get(Schedule, schedule_id)
    assert weekly.start_time.strftime("%H:%M") == "18:30" and weekly.sequence == sequence + 1
    assert _group("ex-man-tea").status == ListingStatus.published


def test_a_removed_schedule_row_deletes_the_schedule(app, tmp_path):
    assert run(app, EXAMPLE, "--publish").exit_code == 0
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    path = tmp_path / "fewer.csv"
    path.write_text("".join(lines[:2] + lines[3:]))
    result = run(app, path)
    assert result.exit_code == 0, result.output
    assert "schedules: 0 created, 0 updated, 5 unchanged, 1 deleted" in result.output
    assert len(_group("ex-man-tea").schedules) == 1


def test_a_published_groups_listing_changes_only_with_publish(app, tmp_path):
    assert run(app, EXAMPLE, "--publish").exit_code == 0
    before = _snapshot()
    path = _copy(tmp_path, {"Brooklyn Grief Circle": "Brooklyn Grief Group"})
    refused = run(app, path)
    assert refused.exit_code == 1
    assert "line 6, group_key: group 'ex-nyc-grief' is published; importing a change to its " \
           "listing needs --publish" in refused.output
    assert _snapshot() == before
    accepted = run(app, path, "--publish")
    assert accepted.exit_code == 0 and "1 updated" in accepted.output
    assert _group("ex-nyc-grief").name == "Brooklyn Grief Group"


def test_moving_a_published_venue_needs_publish(app, tmp_path):
    assert run(app, EXAMPLE, "--publish").exit_code == 0
    path = _copy(tmp_path, {"100 Example Avenue": "200 Example Avenue"})
    refused = run(app, path)
    assert refused.exit_code == 1 and "venue 'ex-ven-nyc-1' is used by a published group" in refused.output
    assert run(app, path, "--publish").exit_code == 0
    assert _group("ex-nyc-grief").venue.address == "200 Example Avenue"


def test_making_a_published_group_sensitive_needs_no_publish(app, tmp_path):
    assert run(app, EXAMPLE, "--publish").exit_code == 0
    path = _copy(tmp_path, {"yourself.,depression,everyone,en,,Free,,,,,ex-ven-nyc-1":
                            "yourself.,depression,everyone,en,,Free,,,yes,Bushwick,ex-ven-nyc-1"})
    result = run(app, path)
    assert result.exit_code == 0, result.output
    group = _group("ex-nyc-winter")
    assert group.is_sensitive and group.area_name == "Bushwick" and group.public_cell


# --- privacy -------------------------------------------------------------------------------------------


def test_sensitive_groups_imported_venue_never_appears_in_public(app, client):
    assert run(app, EXAMPLE, "--publish").exit_code == 0
    group = _group("ex-man-survivors")
    assert group.is_sensitive and group.area_name == "Manchester city centre"
    assert group.public_cell is not None
    search = client.get("/api/v1/groups?where=M4+1AE&radius_km=5").get_json()
    (entry,) = [r for r in search["results"] if r["name"] == "Women's Survivors Circle"]
    assert entry["location"]["approximate"] is True and entry["location"]["address"] is None
    pages = [str(entry), client.get(f"/api/v1/groups/{group.id}").get_data(as_text=True),
             client.get(f"/groups/{group.id}").get_data(as_text=True),
             client.get(f"/groups/{group.id}/calendar.ics").get_data(as_text=True)]
    for text in pages:
        for secret in SENSITIVE_VENUE:
            assert secret not in text


def test_sensitive_text_naming_a_geocoded_venue_is_refused(app, tmp_path):
    path = _copy(tmp_path, {
        "Walk and Talk Leeds,A gentle walk by the river followed by a hot drink.":
        "Walk and Talk Leeds,A gentle walk from 3 Sample Lane.",
        "Donations welcome,walk@example.org,,,,": "Donations welcome,walk@example.org,,yes,,"})
    result = run(app, path)
    assert result.exit_code == 1
    assert "line 4, description: Don't give the street" in result.output
    assert _counts()["groups"] == 0


def test_facilitator_contacts_are_imported_private(app, client, tmp_path):
    assert run(app, EXAMPLE, "--publish").exit_code == 0
    sam = db.session.scalar(sa.select(Facilitator).where(Facilitator.external_key == "ex-fac-sam"))
    assert sam.email == "sam@example.org" and sam.phone == "0161 496 0001"
    assert not sam.show_email and not sam.show_phone
    tea = _group("ex-man-tea")
    text = client.get(f"/api/v1/groups/{tea.id}").get_data(as_text=True)
    assert "Sam" in text and "sam@example.org" not in text and "496 0001" not in text
    # An opt-in made in the app survives a re-import of the same address ...
    sam.show_email = True
    db.session.commit()
    assert run(app, EXAMPLE).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Facilitator, sam.id).show_email is True
    # ... but not a new address.
    path = _copy(tmp_path, {"sam@example.org": "sam.new@example.org"})
    assert run(app, path).exit_code == 0
    db.session.expire_all()
    sam = db.session.get(Facilitator, sam.id)
    assert sam.email == "sam.new@example.org" and sam.show_email is False
