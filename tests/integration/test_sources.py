"""Listing sources (issue 11 item 4): a Meeting Guide feed kept here as listings.

Feeds in ``feeds/`` imitate real sites (README there). Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from groupfinder.audit.models import AuditEntry
from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.groups.models import Group, ListingStatus
from groupfinder.groups.services import ListingData, apply_listing
from groupfinder.interop import sources as sources_module
from groupfinder.interop.sources import (
    CONFIRM_EVERY,
    PAUSE_DAYS,
    Fetched,
    SourceError,
    add_source,
    refresh_source,
)
from groupfinder.organisations.models import Organisation
from groupfinder.readcache import DataGeneration
from groupfinder.schedules.models import Schedule
from groupfinder.venues.models import Venue
from groupfinder.venues.services import VenueData

FEEDS = Path(__file__).parent / "feeds"
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


def _feed(name: str) -> list[dict]:
    return json.loads((FEEDS / name).read_text(encoding="utf-8-sig"))


class FakeFetch:
    """The fetching port: serves ``body`` (bytes, or entries as JSON), or 304, or fails."""

    def __init__(self, body: bytes | list[dict] | None = None, *, error: str | None = None) -> None:
        self.calls: list[tuple[str, str | None, str | None]] = []
        self.set(body)
        self.error = error

    def set(self, body: bytes | list[dict] | None) -> None:
        self.body = json.dumps(body).encode() if isinstance(body, list) else body

    def __call__(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        self.calls.append((url, etag, last_modified))
        if self.error:
            raise SourceError(self.error)
        return Fetched(self.body, etag='"v1"', last_modified="Thu, 03 Dec 2026 09:00:00 GMT")


def _source(name: str = "District 9", feed: str = "tsml_site.json", **kw):  # type: ignore[no-untyped-def]
    return add_source(name, str(FEEDS / feed), default_condition=kw.pop("default_condition",
                                                                         "addiction-recovery"), **kw)


def _listings(source) -> dict[str, Group]:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return {g.source_key: g for g in db.session.scalars(
        sa.select(Group).where(Group.source_id == source.id))}


def _snapshot() -> list[tuple]:
    db.session.expire_all()
    out: list[tuple] = []
    for model in (Group, Venue, Schedule):
        for row in db.session.scalars(sa.select(model).order_by(model.id)):
            out.append(tuple(sorted((c.key, str(getattr(row, c.key)))
                                    for c in sa.inspect(model).column_attrs)))
    return out


def _token() -> str:
    return db.session.scalar(sa.select(DataGeneration.token).where(DataGeneration.id == 1)) or "-"


def _audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def test_first_refresh_lists_the_in_person_entries_and_says_why_the_others_are_not(app):
    org = Organisation(slug="district-9", name="District 9 Intergroup")
    db.session.add(org)
    db.session.commit()
    source = _source(organisation="district-9")
    report = refresh_source(source, now=NOW)

    assert report.error is None and report.written
    assert sorted(i.key for i in report.added) == [
        "saturday-morning-big-book", "thursday-step-study", "tuesday-womens-anxiety-circle"]
    skipped = {i.key: i.reason for i in report.skipped}
    assert "online only" in skipped["lunchtime-online"]
    assert "by appointment" in skipped["by-appointment"]
    assert report.ignored_types == {"O": 1, "D": 1, "C": 1, "B": 1, "ST": 1}

    listings = _listings(source)
    women = listings["tuesday-womens-anxiety-circle"]
    assert women.status == ListingStatus.published and women.organisation_id == org.id
    assert [c.slug for c in women.conditions] == ["anxiety"]  # its C-ANXIETY type
    assert [a.slug for a in women.audiences] == ["women"]
    assert [lang.slug for lang in women.languages] == ["en"]
    assert [a.slug for a in women.venue.access_features] == ["step-free"]
    assert women.description == ("Use the side door & ring the bell.\n\nTea from 6:45.\n\n"
                                 "Parking behind the hall.\nStep-free entrance.")
    assert "<" not in women.description and "alert" not in women.description
    assert women.contact_email == "sam@example.org"
    assert women.website == "https://district9.example.org/meetings/tuesday-womens-anxiety-circle"
    venue = women.venue
    assert (venue.name, venue.address, venue.town, venue.postcode, venue.country) == (
        "St. Mark's Parish Hall", "120 Example Avenue", "Schenectady", "12305", "US")
    assert venue.timezone == "America/New_York" and not venue.timezone_overridden
    (schedule,) = women.schedules
    assert (schedule.weekdays, schedule.start_time, schedule.duration_minutes) == ("1", dt.time(19), 90)
    assert women.confirmed_at == NOW

    book = listings["saturday-morning-big-book"]  # hybrid: in person too
    assert [a.slug for a in book.audiences] == ["young-people"]
    assert [lang.slug for lang in book.languages] == ["es"]
    assert [a.slug for a in book.venue.access_features] == ["accessible-toilet"]
    assert [c.slug for c in book.conditions] == ["addiction-recovery"]  # the default

    closed = listings["thursday-step-study"]  # TC: paused, not hidden or guessed
    assert closed.schedules[0].paused_until == NOW.date() + dt.timedelta(days=PAUSE_DAYS)
    assert [a.slug for a in closed.audiences] == ["men"]
    db.session.expire_all()
    assert source.last_refreshed_at == NOW and source.last_result["counts"]["added"] == 3


def test_a_second_refresh_with_nothing_changed_writes_nothing(app):
    source = _source()
    refresh_source(source, now=NOW)
    before = (_snapshot(), _token(), _audit_count())

    report = refresh_source(source, now=NOW + dt.timedelta(hours=1))
    assert report.changes == 0 and not report.written and report.unchanged == 3
    assert (_snapshot(), _token(), _audit_count()) == before


def test_a_later_refresh_confirms_what_the_feed_still_lists(app):
    from groupfinder.groups.models import ListingReminder

    source = _source()
    refresh_source(source, now=NOW)
    group = _listings(source)["saturday-morning-big-book"]
    group.out_of_date_since = group.hidden_since = NOW
    db.session.add(ListingReminder(group_id=group.id, sent=2, last_sent_at=NOW))
    db.session.commit()
    token = _token()
    later = NOW + CONFIRM_EVERY + dt.timedelta(minutes=1)
    report = refresh_source(source, now=later)
    assert report.changes == 0 and report.written and report.confirmed == 3
    listings = _listings(source)
    assert all(g.confirmed_at == later for g in listings.values())
    assert listings["saturday-morning-big-book"].out_of_date_since is None
    assert listings["saturday-morning-big-book"].hidden_since is None
    assert db.session.get(ListingReminder, group.id) is None
    assert _token() != token  # confirmed dates are public: feeds and pages change


def test_a_changed_entry_changes_only_its_listing_and_says_what_changed(app):
    fetch = FakeFetch(_feed("tsml_site.json"))
    source = _source()
    refresh_source(source, fetch=fetch, now=NOW)
    other = _listings(source)["saturday-morning-big-book"]
    other_version = other.version
    entries = _feed("tsml_site.json")
    entries[0]["time"], entries[0]["end_time"] = "19:30", "21:00"
    entries[0]["name"] = "Tuesday Women's Anxiety Group"
    fetch.set(entries)

    report = refresh_source(source, fetch=fetch, now=NOW + dt.timedelta(hours=1))
    assert [(i.key, i.reason) for i in report.changed] == [(
        "tuesday-womens-anxiety-circle",
        "renamed from \"Tuesday Women's Anxiety Circle\", meeting time")]
    assert report.unchanged == 2
    listings = _listings(source)
    group = listings["tuesday-womens-anxiety-circle"]
    assert group.name == "Tuesday Women's Anxiety Group"
    assert group.schedules[0].start_time == dt.time(19, 30)
    assert group.schedules[0].sequence == 1  # calendars replace their copy
    assert listings["saturday-morning-big-book"].version == other_version
    # ...and the refresh after that is idempotent again
    assert refresh_source(source, fetch=fetch, now=NOW + dt.timedelta(hours=2)).changes == 0


def test_a_listing_edited_here_is_never_overwritten_or_archived_by_the_feed(app):
    fetch = FakeFetch(_feed("tsml_site.json"))
    source = _source()
    refresh_source(source, fetch=fetch, now=NOW)
    group = _listings(source)["tuesday-womens-anxiety-circle"]
    edited = dataclasses.replace(ListingData.of(group), description="Edited by the organizer.")
    apply_listing(group, edited, by=None)

    entries = _feed("tsml_site.json")
    entries[0]["notes"] = "The feed's new notes."
    fetch.set(entries)
    report = refresh_source(source, fetch=fetch, now=NOW + dt.timedelta(hours=1))
    (kept,) = report.kept
    assert kept.key == "tuesday-womens-anxiety-circle"
    assert kept.reason.startswith(f"edited locally since {now_utc():%-d %b %Y}")
    assert report.changes == 0
    assert _listings(source)["tuesday-womens-anxiety-circle"].description == "Edited by the organizer."

    fetch.set(entries[1:])  # gone from the feed: still theirs
    report = refresh_source(source, fetch=fetch, now=NOW + dt.timedelta(hours=2))
    assert [i.key for i in report.kept] == ["tuesday-womens-anxiety-circle"]
    assert "no longer in the feed" in report.kept[0].reason and not report.removed
    assert _listings(source)["tuesday-womens-anxiety-circle"].status == ListingStatus.published


def test_an_entry_gone_from_the_feed_is_archived_not_deleted(app):
    fetch = FakeFetch(_feed("tsml_site.json"))
    source = _source()
    refresh_source(source, fetch=fetch, now=NOW)
    entries = _feed("tsml_site.json")
    online = dict(entries[1], attendance_option="online", address="", latitude=None,
                  longitude=None, formatted_address="Schenectady, NY, USA")
    fetch.set([entries[0], online])  # Thursday's gone; Saturday's now online only

    report = refresh_source(source, fetch=fetch, now=NOW + dt.timedelta(hours=1))
    assert sorted((i.key, i.reason) for i in report.removed) == [
        ("saturday-morning-big-book", "now online only"),
        ("thursday-step-study", "no longer in the feed")]
    listings = _listings(source)
    assert listings["thursday-step-study"].status == ListingStatus.archived
    assert listings["saturday-morning-big-book"].status == ListingStatus.archived
    assert listings["tuesday-womens-anxiety-circle"].status == ListingStatus.published
    assert refresh_source(source, fetch=fetch, now=NOW + dt.timedelta(hours=2)).changes == 0


def test_sheet_quirks_day_arrays_12_hour_times_and_places_from_the_zip(app):
    source = _source("Sheet", "sheet_site.json", default_condition="general-wellbeing")
    report = refresh_source(source, now=NOW)
    assert sorted(i.key for i in report.added) == ["101", "102"]
    listings = _listings(source)
    grief = listings["101"]
    schedule = grief.schedules[0]
    assert (schedule.weekdays, schedule.start_time, schedule.duration_minutes) == ("0,2", dt.time(19), 60)
    assert [c.slug for c in grief.conditions] == ["grief-and-loss"]
    assert [a.slug for a in grief.audiences] == ["lgbtq"]
    assert grief.venue.timezone == "America/New_York"
    assert abs(grief.venue.latitude - 33.75) < 0.1  # placed offline from ZIP 30303
    leeds = listings["102"]
    assert (leeds.venue.address, leeds.venue.town, leeds.venue.postcode, leeds.venue.country) == (
        "14 Example Row", "Leeds", "LS1 4DY", "GB")
    assert leeds.venue.timezone == "Europe/London"
    assert [a.slug for a in leeds.access_features] == ["childcare", "sign-language"]
    assert leeds.description == "Everyone welcome."
    skipped = {i.key: i.reason for i in report.skipped}
    assert skipped["104"] == "no name."


@pytest.mark.skipif("region" not in {f.name for f in dataclasses.fields(VenueData)},
                    reason="venues have no region yet")
def test_a_texas_address_with_a_new_york_zip_is_reported_never_placed(app):
    source = _source("Sheet", "sheet_site.json", default_condition="general-wellbeing")
    report = refresh_source(source, now=NOW)
    reason = {i.key: i.reason for i in report.skipped}["103"]
    assert "12345" in reason and "New York" in reason and "Texas" in reason
    assert "103" not in _listings(source)


def test_not_modified_and_failed_fetches(app):
    fetch = FakeFetch(_feed("tsml_site.json"))
    source = _source()
    refresh_source(source, fetch=fetch, now=NOW)
    assert fetch.calls[-1][1:] == (None, None)
    fetch.set(None)  # 304
    before = _snapshot()
    report = refresh_source(source, fetch=fetch, now=NOW + dt.timedelta(hours=1))
    assert fetch.calls[-1][1:] == ('"v1"', "Thu, 03 Dec 2026 09:00:00 GMT")
    assert report.not_modified and report.changes == 0 and not report.written
    assert _snapshot() == before

    failing = FakeFetch(error="https://example.org/feed answered HTTP 500.")
    report = refresh_source(source, fetch=failing, now=NOW + dt.timedelta(days=2))
    assert report.error == "https://example.org/feed answered HTTP 500." and not report.written
    assert _snapshot() == before  # no listing archived, none confirmed
    db.session.expire_all()
    assert source.last_result["error"] == report.error and source.last_refreshed_at == NOW


def test_a_feed_that_is_not_json_changes_nothing(app):
    source = _source()
    refresh_source(source, now=NOW)
    before = _snapshot()
    report = refresh_source(source, fetch=FakeFetch(b"<html>Maintenance</html>"),
                            now=NOW + dt.timedelta(days=1))
    assert report.error and "not JSON" in report.error
    assert _snapshot() == before


def test_a_file_source_is_read_with_a_size_limit(tmp_path):
    path = tmp_path / "feed.json"
    path.write_bytes(b"[]")
    assert sources_module.fetch_location(str(path)).body == b"[]"
    with pytest.raises(SourceError, match="larger than"):
        sources_module.fetch_location(str(path), max_bytes=1)
    with pytest.raises(SourceError, match="Can't read"):
        sources_module.fetch_location(str(tmp_path / "missing.json"))


def test_add_source_checks_its_fields(app):
    from groupfinder.exceptions import InvalidInput

    _source()
    with pytest.raises(InvalidInput) as exc:
        add_source("District 9", "ftp://example.org/x", organisation="nope",
                   default_condition="no-such-condition")
    assert set(exc.value.field_errors) == {"name", "url", "organisation", "default_condition"}


def test_our_own_meeting_guide_export_imports_back(app, tmp_path):
    from groupfinder.groups.models import Audience, Condition, Language
    from groupfinder.interop.meeting_guide import export_meeting_guide, meeting_guide_json
    from tests.factories import make_group, make_schedule, make_venue

    venue = make_venue(name="Friends Meeting House", address="6 Mount Street", postcode="M2 5NS",
                       town="Manchester", latitude=53.4781, longitude=-2.2441)
    group = make_group(name="Manchester Anxiety Peer Group", venue=venue,
                       description="A friendly group.", contact_email="hello@example.org",
                       schedules=[make_schedule(weekdays="1,3", start_time=dt.time(18, 30),
                                                duration_minutes=90)])
    group.conditions = [db.session.scalar(sa.select(Condition).where(Condition.slug == "anxiety"))]
    group.audiences = [db.session.scalar(sa.select(Audience).where(Audience.slug == "women"))]
    group.languages = [db.session.scalar(sa.select(Language).where(Language.slug == "en"))]
    db.session.commit()
    path = tmp_path / "ours.json"
    path.write_bytes(meeting_guide_json(export_meeting_guide(today=NOW.date())))

    source = add_source("Ourselves", str(path))
    report = refresh_source(source, now=NOW)
    assert not report.skipped and len(report.added) == 2  # one entry per weekday
    for listing in _listings(source).values():
        assert listing.name == "Manchester Anxiety Peer Group"
        assert [c.slug for c in listing.conditions] == ["anxiety"]
        assert [a.slug for a in listing.audiences] == ["women"]
        assert listing.contact_email == "hello@example.org"
        assert (listing.venue.address, listing.venue.postcode, listing.venue.town,
                listing.venue.country) == ("6 Mount Street", "M2 5NS", "Manchester", "GB")
        assert (listing.venue.latitude, listing.venue.longitude) == (53.4781, -2.2441)
        (schedule,) = listing.schedules
        assert (schedule.start_time, schedule.duration_minutes) == (dt.time(18, 30), 90)
    assert sorted(g.schedules[0].weekdays for g in _listings(source).values()) == ["1", "3"]
    assert refresh_source(source, now=NOW + dt.timedelta(hours=1)).changes == 0


def test_the_daily_job_refreshes_every_source_and_logs_it(app, caplog):
    from groupfinder import tasks

    source = _source()
    _source("Broken", "sheet_site.json")
    db.session.commit()
    broken = sources_module.find_source("Broken")
    broken.url = str(FEEDS / "missing.json")
    db.session.commit()
    due = [t for t in tasks.huey_for(app).read_periodic(dt.datetime(2027, 1, 4, 4, 40))
           if t.name == "refresh_sources"]
    assert len(due) == 1
    assert not [t for t in tasks.huey_for(app).read_periodic(dt.datetime(2027, 1, 4, 4, 41))
                if t.name == "refresh_sources"]
    with caplog.at_level("INFO", logger="groupfinder.tasks"):
        result = due[0].execute()
    assert result["District 9"]["added"] == 3 and result["Broken"]["added"] == 0
    assert "source Broken not refreshed: Can't read" in caplog.text
    assert "source District 9 refreshed" in caplog.text
    assert len(_listings(source)) == 3


def test_a_uk_county_in_state_is_not_a_region_error(app):
    entry = {"name": "Leeds Group", "slug": "leeds", "day": 2, "time": "18:00",
             "address": "14 Example Row", "city": "Leeds", "state": "West Yorkshire",
             "postal_code": "LS1 4DY", "country": "GB"}
    source = _source("UK", "sheet_site.json")
    report = refresh_source(source, fetch=FakeFetch([entry]), now=NOW)
    assert [i.key for i in report.added] == ["leeds"], report.summary()


def test_the_feeds_time_zone_is_honoured(app):
    entry = {"name": "Border Group", "slug": "border", "day": 2, "time": "18:00",
             "address": "120 Example Avenue", "city": "Schenectady", "state": "NY",
             "postal_code": "12305", "country": "US", "latitude": 42.81424, "longitude": -73.93957,
             "timezone": "America/Chicago"}
    source = _source()
    refresh_source(source, fetch=FakeFetch([entry]), now=NOW)
    venue = _listings(source)["border"].venue
    assert (venue.timezone, venue.timezone_overridden) == ("America/Chicago", True)
    assert refresh_source(source, fetch=FakeFetch([entry]), now=NOW + dt.timedelta(hours=1)).changes == 0


def test_entries_sharing_a_place_share_one_venue_whatever_the_feeds_order(app):
    base = {"day": 2, "time": "18:00", "address": "9 Model Road", "city": "Schenectady",
            "state": "NY", "postal_code": "12305", "country": "US", "latitude": 42.8101,
            "longitude": -73.9502}
    entries = [{**base, "name": "A", "slug": "a", "location": "Grace Church"},
               {**base, "name": "B", "slug": "b", "location": "Grace Church Hall", "types": ["X"]}]
    fetch = FakeFetch(entries)
    source = _source()
    refresh_source(source, fetch=fetch, now=NOW)
    listings = _listings(source)
    assert listings["a"].venue_id == listings["b"].venue_id
    assert listings["a"].venue.name == "Grace Church"
    assert [a.slug for a in listings["a"].venue.access_features] == ["step-free"]
    fetch.set(entries[::-1])
    assert refresh_source(source, fetch=fetch, now=NOW + dt.timedelta(hours=1)).changes == 0


def test_an_http_source_is_fetched_conditionally(tmp_path):
    """The real port against a loopback server: ETag and Last-Modified sent back, 304 read as
    "not modified", an error status and a body over the limit said in words."""
    import http.server
    import threading

    seen: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(dict(self.headers))
            if self.path == "/broken":
                self.send_response(500)
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            body = b"[]" * 10
            self.send_response(200)
            self.send_header("ETag", '"v1"')
            self.send_header("Last-Modified", "Thu, 03 Dec 2026 09:00:00 GMT")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        first = sources_module.fetch_location(f"{base}/feed.json", timeout=5)
        assert (first.body, first.etag, first.last_modified) == (
            b"[]" * 10, '"v1"', "Thu, 03 Dec 2026 09:00:00 GMT")
        again = sources_module.fetch_location(f"{base}/feed.json", first.etag, first.last_modified,
                                              timeout=5)
        assert again.body is None and again.etag == '"v1"'
        assert seen[-1]["If-Modified-Since"] == "Thu, 03 Dec 2026 09:00:00 GMT"
        with pytest.raises(SourceError, match="answered HTTP 500"):
            sources_module.fetch_location(f"{base}/broken", timeout=5)
        with pytest.raises(SourceError, match="larger than"):
            sources_module.fetch_location(f"{base}/feed.json", timeout=5, max_bytes=4)
    finally:
        server.shutdown()
        server.server_close()


def test_a_refusal_while_writing_writes_nothing_at_all(app, monkeypatch):
    from groupfinder.exceptions import InvalidInput

    real, calls = sources_module.publish, []

    def publish_twice(group, *, by):  # type: ignore[no-untyped-def]
        calls.append(group)
        if len(calls) == 2:
            raise InvalidInput("refused", field_errors={"status": ["Refused for the test."]})
        real(group, by=by)

    monkeypatch.setattr(sources_module, "publish", publish_twice)
    source = _source()
    report = refresh_source(source, now=NOW)
    assert report.error == "a write was refused, so nothing was written: Refused for the test."
    assert not report.written
    assert _snapshot() == [] and not _listings(source)
    db.session.expire_all()
    assert source.last_refreshed_at is None and source.last_result["error"] == report.error
