"""The data token, and every public ETag made from it, moves only when public data changes.

Were it bumped by every commit, anyone polling the Meeting Guide export or a calendar feed would
learn that an account was just registered, a draft saved or a problem reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles

from groupfinder.accounts import passwords
from groupfinder.accounts.models import Role, User
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Condition, Group, Language, ListingStatus
from groupfinder.groups.services import ListingData, add_co_organizer, update_group
from groupfinder.readcache import DataGeneration
from groupfinder.review.models import AuditEntry
from groupfinder.schedules.models import Cancellation, Schedule
from groupfinder.venues.models import Venue

from ..factories import make_group, make_schedule, make_user, make_venue, sign_in

PASSWORD = "tangerine lighthouse parable"


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def published(app) -> Group:  # type: ignore[no-untyped-def]
    """A published group, committed: the public outputs have something to show."""
    group = make_group(name="Lakeside Group")
    group.conditions = [db.session.scalar(sa.select(Condition).where(Condition.slug == "anxiety"))]
    group.languages = [db.session.scalar(sa.select(Language).where(Language.slug == "en"))]
    db.session.commit()
    return group


def token() -> str:
    value = db.session.scalar(sa.select(DataGeneration.token).where(DataGeneration.id == 1)) or "-"
    db.session.commit()  # end the read: the app's writes must not wait for it
    return value


def public_etags(client, group_id: int) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """The token, the Meeting Guide export's ETag and a published group's feed's ETag."""
    export = client.get("/api/meeting-guide.json")
    feed = client.get(f"/groups/{group_id}/calendar.ics")
    assert export.status_code == 200 and feed.status_code == 200
    return token(), export.headers["ETag"], feed.headers["ETag"]


def csrf(client, url: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)[:500]
    return found.group(1)


def account(email: str = "ann@example.org", role: Role = Role.organizer) -> User:
    user = make_user(email, role, password_hash=passwords.hash_password(PASSWORD))
    db.session.commit()
    return user


def group_form(tok: str, **kw: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": tok, "name": "Tuesday Talk", "description": "A calm evening group.",
        "what_to_expect": "Tea and a chat.", "cost": "Free", "contact_email": "", "website": "",
        "conditions": ["anxiety"], "languages": ["en"], "venue_id": "", "area_name": "",
    }
    data.update(kw)
    return data


SCHEDULE_FIELDS = {"kind": "weekly", "interval": "1", "weekdays": ["1"], "positions": [],
                   "month_day": "", "start_time": "19:00", "duration_minutes": "90",
                   "first_date": "2026-01-06", "last_date": "", "paused_until": ""}


# --- nothing public changes: no ETag moves ------------------------------------------------------

def test_registering_an_account_changes_no_public_etag(client, published):
    before = public_etags(client, published.id)
    r = client.post("/accounts/register", data={
        "csrf_token": csrf(client, "/accounts/register"), "email": "new@example.org",
        "password": PASSWORD, "display_name": "Newcomer"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    db.session.commit()
    assert public_etags(client, published.id) == before


def test_signing_in_and_out_changes_no_public_etag(client, published):
    account()
    before = public_etags(client, published.id)
    r = client.post("/accounts/login", data={"csrf_token": csrf(client, "/accounts/login"),
                                             "email": "ann@example.org", "password": PASSWORD})
    assert r.status_code == 302 and "/accounts/login" not in r.headers["Location"]
    assert client.get("/accounts/password").status_code == 200  # signed in
    assert public_etags(client, published.id) == before
    r = client.post("/accounts/logout", data={"csrf_token": csrf(client, "/accounts/password")})
    assert r.status_code == 302
    assert client.get("/accounts/password").status_code == 302  # signed out: session token rotated
    assert public_etags(client, published.id) == before


def test_a_draft_made_and_edited_through_the_manage_forms_changes_no_public_etag(client, published):
    alice = account()
    sign_in(client, alice)
    before = public_etags(client, published.id)
    tok = csrf(client, "/manage/groups/new")

    venue = client.post("/manage/venues/new", data={
        "csrf_token": tok, "name": "St Mary's Hall", "address": "12 Oak Street", "town": "Manchester",
        "postcode": "M1 1AE", "country": "GB", "latitude": "53.4771", "longitude": "-2.2346",
        "timezone": "Europe/London", "timezone_other": "", "save": "Save venue"})
    assert venue.status_code == 302
    venue_id = db.session.scalar(sa.select(Venue.id).where(Venue.owner_id == alice.id))
    assert client.post("/manage/groups/new", data=group_form(tok, venue_id=str(venue_id))).status_code == 302
    draft = db.session.scalar(sa.select(Group).where(Group.name == "Tuesday Talk"))
    assert draft.status == ListingStatus.draft
    assert public_etags(client, published.id) == before

    version = re.search(r'name="version" value="(\d+)"',
                        client.get(f"/manage/groups/{draft.id}").get_data(as_text=True)).group(1)
    edited = client.post(f"/manage/groups/{draft.id}", data=group_form(
        tok, venue_id=str(venue_id), description="Changed while a draft.", version=version))
    assert edited.status_code == 302
    schedule = client.post(f"/manage/groups/{draft.id}/schedules/new",
                           data={"csrf_token": tok, **SCHEDULE_FIELDS, "save": "Save"})
    assert schedule.status_code == 302
    db.session.expire_all()
    assert draft.description == "Changed while a draft." and len(draft.schedules) == 1
    assert public_etags(client, published.id) == before


def test_a_problem_report_changes_no_public_etag(client, published):
    before = public_etags(client, published.id)
    url = f"/groups/{published.id}/report"
    r = client.post(url, data={"csrf_token": csrf(client, url), "kind": "details_wrong",
                               "message": "The phone number is out of date."})
    assert r.status_code == 303
    assert public_etags(client, published.id) == before


def test_private_writes_about_a_published_group_change_no_public_etag(client, published):
    """A pending edit, an audit entry, a co-organizer, an unused venue or facilitator."""
    alice, bob = account(), account("bob@example.org")
    published.organizers = [alice]
    published.venue.owner_id = alice.id
    db.session.commit()
    before = public_etags(client, published.id)

    data = dataclasses.replace(ListingData.of(published), description="Waiting for review.")
    stamp, version = published.updated_at, published.version
    assert update_group(published, data, by=alice) == "pending_review"
    # What the export and feeds show did not move; the version did (a second editor conflicts).
    assert published.updated_at == stamp and published.version == version + 1
    add_co_organizer(published, "bob@example.org", by=alice)
    db.session.add(AuditEntry(actor_id=alice.id, action="test.noted"))
    spare = make_venue(owner_id=alice.id)
    person = Facilitator(name="Sam", owner_id=alice.id)
    db.session.add(person)
    db.session.commit()
    spare.name, person.bio = "Renamed, unused", "Not on any public listing."
    bob.display_name = "Bob"
    db.session.commit()
    assert public_etags(client, published.id) == before


def test_a_draft_written_directly_changes_no_token(app, published):
    before = token()
    draft = make_group(status=ListingStatus.draft, venue=published.venue)
    db.session.commit()
    draft.name = "Renamed draft"
    draft.schedules[0].start_time = dt.time(20)
    draft.schedules[0].cancellations.append(Cancellation(original_start=dt.datetime(2026, 1, 13, 19)))
    db.session.commit()
    for status in (ListingStatus.pending_review, ListingStatus.rejected, ListingStatus.archived):
        draft.status = status
        db.session.commit()
    db.session.delete(draft)
    db.session.commit()
    assert token() == before


# --- public changes: the ETags move -------------------------------------------------------------

def test_changing_a_published_groups_schedule_changes_the_etags(client, published):
    alice = account()
    published.organizers = [alice]
    db.session.commit()
    sign_in(client, alice)
    schedule = published.schedules[0]
    before = public_etags(client, published.id)
    url = f"/manage/groups/{published.id}/schedules/{schedule.id}"
    r = client.post(url, data={"csrf_token": csrf(client, url), **SCHEDULE_FIELDS,
                               "start_time": "18:30", "version": str(schedule.version), "save": "Save"})
    assert r.status_code == 302
    after = public_etags(client, published.id)
    assert all(a != b for a, b in zip(before, after, strict=True))


def test_cancelling_a_published_meeting_changes_the_etags(client, published):
    alice = account()
    published.organizers = [alice]
    db.session.commit()
    sign_in(client, alice)
    before = public_etags(client, published.id)
    url = f"/manage/groups/{published.id}/meetings"
    page = client.get(url).get_data(as_text=True)
    first = re.search(r'name="original_start" value="([^"]+)"', page).group(1)
    r = client.post(url, data={"csrf_token": csrf(client, url), "action": "cancel",
                               "schedule_id": str(published.schedules[0].id),
                               "original_start": first, "reason": "Hall closed"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cancellation)) == 1
    after = public_etags(client, published.id)
    assert all(a != b for a, b in zip(before, after, strict=True))


def test_publishing_by_review_changes_the_etags(client, published):
    admin = account("admin@example.org", Role.admin)
    waiting = make_group(name="Waiting Group", status=ListingStatus.pending_review)
    db.session.commit()
    sign_in(client, admin)
    before = public_etags(client, published.id)
    url = f"/review/groups/{waiting.id}"
    r = client.post(f"{url}/approve", data={"csrf_token": csrf(client, url),
                                            "version": str(waiting.version)})
    assert r.status_code == 303
    db.session.expire_all()
    assert waiting.status == ListingStatus.published
    after = public_etags(client, published.id)
    assert after[0] != before[0] and after[1] != before[1]
    assert after[2] != before[2]  # every public ETag follows the one token
    assert "Waiting Group" in client.get("/api/meeting-guide.json").get_data(as_text=True)


@pytest.mark.parametrize("change", ["venue", "facilitator", "unpublish", "delete_schedule"])
def test_what_a_published_group_shows_changes_the_token(app, published, change):
    person = Facilitator(name="Sam")
    published.facilitators = [person]
    db.session.commit()
    before = token()
    if change == "venue":
        published.venue.name = "The Annexe"
    elif change == "facilitator":
        person.bio = "Peer supporter."
    elif change == "unpublish":
        published.status = ListingStatus.archived
    else:
        db.session.delete(published.schedules[0])
    db.session.commit()
    assert token() != before


def test_a_venue_a_published_meeting_moved_to_is_public(app, published):
    from groupfinder.schedules.models import MeetingChange

    hall = make_venue(name="Other Hall")
    published.schedules[0].changes.append(MeetingChange(
        original_start=dt.datetime(2026, 1, 13, 19), new_start=dt.datetime(2026, 1, 14, 19),
        new_venue=hall))
    db.session.commit()
    before = token()
    hall.name = "Renamed Hall"
    db.session.commit()
    assert token() != before


def test_publishing_a_draft_and_its_later_schedule_change_are_public(app, published):
    draft = make_group(status=ListingStatus.draft, schedules=[make_schedule()])
    db.session.commit()
    before = token()
    draft.status = ListingStatus.published
    db.session.commit()
    published_token = token()
    assert published_token != before
    db.session.get(Schedule, draft.schedules[0].id).duration_minutes = 60
    db.session.commit()
    assert token() != published_token
