"""Feeds over HTTP: an empty feed is still a valid calendar (one harmless component that says
why it is empty), and Last-Modified moves when something leaves a feed, so a client that only
sends If-Modified-Since drops a deleted series."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlencode

import pytest
from icalendar import Calendar

from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import ListingStatus
from groupfinder.schedules.models import Cancellation
from tests.engines import available_engines, skip_for_missing

from ..factories import make_group, make_schedule

UTC = dt.UTC
WINDOW = (dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2028, 1, 1, tzinfo=UTC))
HERE = {"where": "M1 1AE"}


def _unfold(body: bytes) -> str:
    return body.decode().replace("\r\n ", "")


def _components(body: bytes) -> list[str]:
    """The VCALENDAR's direct components, by name."""
    return [c.name for c in Calendar.from_ical(body).subcomponents]


def _prop(body: bytes, name: str) -> str:
    found = re.search(rf"^{name}(?:;[^:\r\n]*)?:(.*?)\r?$", _unfold(body), flags=re.M)
    assert found, name
    return found.group(1).replace("\\,", ",").replace("\\;", ";")


def _last_modified(response) -> dt.datetime:  # type: ignore[no-untyped-def]
    return parsedate_to_datetime(response.headers["Last-Modified"])


def _check_empty(body: bytes, reason: str) -> None:
    cal = Calendar.from_ical(body)
    cal.validate()  # PRODID, VERSION and at least one component (RFC 5545 §3.4, §3.6)
    assert _components(body) == ["VJOURNAL"]
    assert "BEGIN:VEVENT" not in body.decode() and "BEGIN:VTODO" not in body.decode()
    journal = cal.subcomponents[0]
    assert str(journal["SUMMARY"]) == reason and journal.get("UID") and journal.get("DTSTAMP")
    assert "DTSTART" not in journal  # tied to no day
    assert _prop(body, "X-WR-CALDESC").startswith(reason)
    assert _prop(body, "DESCRIPTION").startswith(reason)
    usable, missing = available_engines()
    for eng in usable:  # each engine reads it and finds nothing to show
        assert eng.expand(body, *WINDOW) == [], eng.name
    skip_for_missing(missing)


# --- empty feeds ---------------------------------------------------------------------------------

def test_a_group_without_schedules_has_a_valid_feed_that_says_why_it_is_empty(client):
    group = make_group(name="Quiet Circle", schedules=[])
    db.session.commit()
    r = client.get(f"/groups/{group.id}/calendar.ics")
    assert r.status_code == 200
    assert _prop(r.data, "X-WR-CALNAME") == "Quiet Circle"
    _check_empty(r.data, "No meetings are listed for Quiet Circle at the moment.")


def test_a_facilitator_with_nothing_upcoming_has_a_valid_empty_feed(client):
    person = Facilitator(name="Sam Carter", bio="Peer supporter.")
    group = make_group(name="Calm Minds", schedules=[make_schedule(
        kind="once", weekdays="", first_date=dt.date(2026, 1, 6))])
    # its only meeting is cancelled: nothing to show
    group.schedules[0].cancellations.append(
        Cancellation(original_start=dt.datetime(2026, 1, 6, 19), reason="Closed"))
    group.facilitators.append(person)
    db.session.commit()
    r = client.get(f"/facilitators/{person.id}/calendar.ics")
    assert r.status_code == 200
    _check_empty(r.data, "No meetings led by Sam Carter are listed at the moment.")


def test_a_search_without_matches_has_a_valid_feed_that_says_why_it_is_empty(client):
    make_group(name="Far Away Group")  # near M1 1AE, but not an anxiety group
    db.session.commit()
    r = client.get("/search/calendar.ics?" + urlencode({**HERE, "condition": "anxiety"}))
    assert r.status_code == 200, r.data[:300]
    assert _prop(r.data, "X-WR-CALNAME") == "Anxiety groups near M1 1AE"
    _check_empty(r.data, "No meetings match this search right now.")


def test_a_feed_with_meetings_has_no_placeholder(client):
    group = make_group()
    db.session.commit()
    body = client.get(f"/groups/{group.id}/calendar.ics").data
    assert "VJOURNAL" not in _components(body) and "VEVENT" in _components(body)
    assert not _prop(body, "X-WR-CALDESC").startswith("No meetings")


# --- Last-Modified moves when something leaves a feed -------------------------------------------

def _wait_for_next_second() -> None:
    """HTTP dates have whole seconds: make the change in a later second than the first answer."""
    import time

    time.sleep(1.05 - (time.time() % 1))


def _check_moved(client, url: str, before, changed_at: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    after = client.get(url)
    assert after.status_code == 200
    assert after.data != before.data
    assert after.headers["ETag"] != before.headers["ETag"]
    assert _last_modified(after) > _last_modified(before)
    assert _last_modified(after) >= changed_at.replace(microsecond=0)
    # A client that only knows the old date gets the new feed, not 304 ...
    since = {"If-Modified-Since": before.headers["Last-Modified"]}
    assert client.get(url, headers=since).status_code == 200
    # ... and one that knows the new date gets 304.
    now = {"If-Modified-Since": after.headers["Last-Modified"]}
    assert client.get(url, headers=now).status_code == 304


def test_deleting_a_schedule_moves_the_group_feeds_last_modified(client):
    first, second = make_schedule(weekdays="1"), make_schedule(weekdays="3")
    group = make_group(schedules=[first, second])
    db.session.commit()
    url = f"/groups/{group.id}/calendar.ics"
    before = client.get(url)
    assert before.status_code == 200 and before.data.count(b"BEGIN:VEVENT") == 2
    # The remaining schedule's stamps are all older than the deletion: they alone can't move it.
    assert _last_modified(before) >= max(first.updated_at, second.updated_at).replace(microsecond=0)

    _wait_for_next_second()
    deleted_at = dt.datetime.now(UTC)
    group.schedules.remove(second)
    db.session.commit()
    _check_moved(client, url, before, deleted_at)
    assert client.get(url).data.count(b"BEGIN:VEVENT") == 1


def test_last_modified_never_goes_backwards(client):
    first, second = make_schedule(weekdays="1"), make_schedule(weekdays="3")
    group = make_group(schedules=[first, second])
    db.session.commit()
    url = f"/groups/{group.id}/calendar.ics"
    before = client.get(url)
    changed_at = dt.datetime.now(UTC)
    group.schedules.remove(second)  # within the same second, maybe: the date can't be later
    db.session.commit()
    after = client.get(url)
    assert _last_modified(after) >= _last_modified(before)
    assert _last_modified(after) >= changed_at.replace(microsecond=0)
    assert after.headers["ETag"] != before.headers["ETag"]  # the ETag tells them apart anyway
    assert client.get(url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 200


@pytest.mark.parametrize("status", [ListingStatus.archived, ListingStatus.draft])
def test_a_group_leaving_a_search_moves_the_search_feeds_last_modified(client, status):
    staying = make_group(name="Staying Group")
    leaving = make_group(name="Leaving Group")
    db.session.commit()
    url = "/search/calendar.ics?" + urlencode(HERE)
    before = client.get(url)
    assert before.status_code == 200
    assert f"schedule-{leaving.schedules[0].id}@".encode() in before.data

    _wait_for_next_second()
    changed_at = dt.datetime.now(UTC)
    leaving.status = status
    db.session.commit()
    _check_moved(client, url, before, changed_at)
    body = client.get(url).data
    assert f"schedule-{leaving.schedules[0].id}@".encode() not in body
    assert f"schedule-{staying.schedules[0].id}@".encode() in body


def test_an_unpublished_group_feed_is_gone_and_an_old_date_is_not_304(client):
    group = make_group()
    db.session.commit()
    url = f"/groups/{group.id}/calendar.ics"
    before = client.get(url)
    group.status = ListingStatus.archived
    db.session.commit()
    r = client.get(url, headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert r.status_code == 404


def test_last_modified_is_never_in_the_future(client):
    group = make_group()
    db.session.commit()
    r = client.get(f"/groups/{group.id}/calendar.ics")
    assert _last_modified(r) <= dt.datetime.now(UTC)
    assert r.headers["Last-Modified"] == format_datetime(_last_modified(r), usegmt=True)
