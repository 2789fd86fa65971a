"""Privacy belongs to the place (docs/security-privacy.md §2.3a), through HTTP with CSRF on.

A venue that any sensitive listing uses, moves a meeting to or proposes is private: every listing
there shows only its area. Two venue records at the same postcode within 100 m are one place.
Forms answer nothing about records the caller doesn't own. Public text that changes without
review is held to the same rule. Only an admin makes a place public again.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import h3
import pytest
import sqlalchemy as sa

from groupfinder.accounts.models import Role, User
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Condition, Group
from groupfinder.review.models import AuditEntry
from groupfinder.schedules.recurrence import next_meetings
from groupfinder.schedules.services import move_meeting
from groupfinder.venues import places
from groupfinder.venues.models import Venue

from .. import factories
from ..factories import make_group, make_schedule, make_venue, sign_in

LONDON = ZoneInfo("Europe/London")
# A church hall in Leeds; the probes below aim at it.
HALL = dict(name="St Quillan's Hall", address="15 Quillan Row", postcode="LS6 2QQ", town="Leeds",
            latitude=53.81530, longitude=-1.56010)


def make_user(email: str, role: Role = Role.organizer) -> User:
    user = factories.make_user(email, role)
    db.session.commit()
    return user


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def csrf(client, url: str = "/manage/groups/new") -> str:  # type: ignore[no-untyped-def]
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def listing(user: User, venue: Venue, **kw: object) -> Group:
    group = make_group(venue=venue, **kw)  # type: ignore[arg-type]
    group.organizers = [user]
    group.conditions = [db.session.scalar(sa.select(Condition).where(Condition.slug == "anxiety"))]
    db.session.commit()
    return group


def location(client, group: Group) -> dict:  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/groups/{group.id}").get_json()["location"]


def cell_centre(lat: float, lng: float) -> tuple[float, float]:
    c = h3.cell_to_latlng(h3.latlng_to_cell(lat, lng, 7))
    return round(c[0], 4), round(c[1], 4)


# --- the place, not the listing --------------------------------------------------------------


def test_an_ordinary_group_sharing_a_sensitive_groups_venue_shows_only_the_area(client, alice):
    hall = make_venue(owner_id=alice.id, **HALL)
    ordinary = listing(alice, hall, name="Open Tuesday Circle")
    assert location(client, ordinary)["venue_name"] == HALL["name"]  # public, for now

    listing(alice, hall, name="Survivors' Evening", is_sensitive=True, area_name="Headingley")
    loc = location(client, ordinary)
    assert loc["approximate"] is True and loc["venue_name"] is None and loc["address"] is None
    assert (loc["latitude"], loc["longitude"]) == cell_centre(HALL["latitude"], HALL["longitude"])
    page = text_of(client.get(f"/groups/{ordinary.id}/{ordinary.slug}"))
    assert "also hosts a group whose location is kept private" in page
    for secret in (HALL["name"], "Quillan Row", HALL["postcode"], "53.8153", "-1.5601"):
        assert secret not in page
    # Search orders and measures from the public point too.
    found = client.get("/api/v1/groups", query_string={
        "lat": HALL["latitude"], "lng": HALL["longitude"], "radius_km": 5}).get_json()["results"]
    row = next(r for r in found if r["id"] == ordinary.id)
    assert row["location"]["approximate"] is True and row["distance_km"] > 0
    hall = db.session.get(Venue, hall.id)
    assert hall.is_private and hall.address_was_public


def test_two_records_of_one_place_are_private_together(app, alice, bob):
    hall = make_venue(owner_id=alice.id, **HALL)
    # bob's own record of the same hall: same postcode (written differently), ~60 m away
    same = make_venue(owner_id=bob.id, **{**HALL, "name": "Quillan Annexe", "postcode": "ls62qq",
                                          "latitude": 53.81560, "longitude": -1.55940})
    far = make_venue(owner_id=bob.id, **{**HALL, "name": "Quillan Lodge", "latitude": 53.81800})
    other_postcode = make_venue(owner_id=bob.id, **{**HALL, "name": "Next Door",
                                                    "postcode": "LS6 2QR", "latitude": 53.81535})
    db.session.commit()
    bobs = listing(bob, same, name="Bob's Walk")
    listing(alice, hall, is_sensitive=True)
    for venue, private in ((hall, True), (same, True), (far, False), (other_postcode, False)):
        assert db.session.get(Venue, venue.id).is_private is private, venue.name
    assert db.session.get(Group, bobs.id).public_cell is not None


def test_a_new_venue_at_a_private_place_is_private_at_once(app, alice, bob):
    listing(alice, make_venue(owner_id=alice.id, **HALL), is_sensitive=True)
    later = make_venue(owner_id=bob.id, **{**HALL, "name": "Bob's record", "latitude": 53.81540})
    db.session.commit()
    assert db.session.get(Venue, later.id).is_private


def test_moving_a_sensitive_meeting_makes_the_new_venue_private(client, alice):
    sensitive = listing(alice, make_venue(owner_id=alice.id), is_sensitive=True,
                        schedules=[make_schedule()])
    annex = make_venue(owner_id=alice.id, **HALL)
    neighbour = listing(alice, annex, name="Annex Knitting Circle")
    assert location(client, neighbour)["approximate"] is False
    schedule = sensitive.schedules[0]
    first = next_meetings(schedule.spec("Europe/London"), dt.datetime.now(dt.UTC), 1)[0]
    move_meeting(schedule, first.original_start, first.original_start, new_venue=annex, by=alice)
    assert db.session.get(Venue, annex.id).is_private
    assert location(client, neighbour)["approximate"] is True
    meetings = client.get(f"/api/v1/groups/{sensitive.id}").get_json()
    assert HALL["name"] not in str(meetings)


def test_a_pending_edit_that_moves_a_sensitive_listing_hides_the_new_venue_now(client, alice):
    sensitive = listing(alice, make_venue(owner_id=alice.id), is_sensitive=True,
                        area_name="Leeds")
    hall = make_venue(owner_id=alice.id, **HALL)
    db.session.commit()
    sign_in(client, alice)
    page = text_of(client.get(f"/manage/groups/{sensitive.id}"))
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client.post(f"/manage/groups/{sensitive.id}", data={
        "csrf_token": tok, "name": sensitive.name, "description": sensitive.description,
        "what_to_expect": sensitive.what_to_expect, "cost": "Free", "conditions": ["anxiety"],
        "languages": ["en"], "venue_id": str(hall.id), "is_sensitive": "y", "area_name": "Leeds",
        "version": version})
    assert response.status_code == 302
    assert db.session.get(Venue, hall.id).is_private  # before any review


# --- no answer about what you don't own ------------------------------------------------------


def _normalised(response) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    body = re.sub(r'(name="csrf_token" value=")[^"]+', r"\1", response.get_data(as_text=True))
    body = re.sub(r'<option value="\d+"', '<option value=""', body)
    return response.status_code, body


PROBES = {
    "description": HALL["name"],
    "what_to_expect": "Come to Quillan Row, by the side door.",
    "name": "Group at LS6 2QQ",
    "area_name": f"{HALL['latitude'] + 0.001:.5f}, {HALL['longitude']:.5f}",
}


def test_the_listing_form_answers_someone_elses_venue_like_a_missing_one(client, alice, bob):
    hall = make_venue(owner_id=alice.id, **HALL)
    listing(alice, hall, is_sensitive=True)
    # Control: with her own venue, alice does get a privacy message for each probe.
    sign_in(client, alice)
    for field, text in PROBES.items():
        own = client.post("/manage/groups/new", data={
            "csrf_token": csrf(client), "name": "Probe", "conditions": ["anxiety"],
            "languages": ["en"], "is_sensitive": "y", "venue_id": str(hall.id), field: text})
        said = text_of(own)
        assert own.status_code == 422 and ("Don't" in said or "must not" in said), field
    client.post("/accounts/logout", data={"csrf_token": csrf(client, "/manage/")})

    sign_in(client, bob)
    for field, text in PROBES.items():
        answers = []
        for venue_id in (str(hall.id), "999999"):
            data = {"csrf_token": csrf(client), "name": "Probe", "conditions": ["anxiety"],
                    "languages": ["en"], "is_sensitive": "y", "venue_id": venue_id, field: text}
            answers.append(client.post("/manage/groups/new", data=data))
        (status_a, body_a), (status_b, body_b) = map(_normalised, answers)
        assert status_a == status_b == 422, field
        assert body_a == body_b, field
        assert "Choose from your own list." in html.unescape(body_a)
        assert "Don't" not in html.unescape(body_a)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)
                             .where(Group.name == "Probe")) == 0


def test_a_facilitator_id_that_is_not_yours_reads_as_unknown(client, alice, bob):
    theirs = Facilitator(owner_id=alice.id, name="Robin")
    db.session.add(theirs)
    db.session.commit()
    sign_in(client, bob)
    answers = [client.post("/manage/groups/new", data={
        "csrf_token": csrf(client), "name": "Probe", "conditions": ["anxiety"], "languages": ["en"],
        "facilitator_ids": [fid]}) for fid in (str(theirs.id), "999999")]
    assert [a.status_code for a in answers] == [422, 422]
    assert _normalised(answers[0])[1] == _normalised(answers[1])[1]


# --- choosing a venue whose address is already out ------------------------------------------


def test_choosing_a_public_venue_for_a_sensitive_listing_asks_first_and_review_flags_it(client, alice):
    hall = make_venue(owner_id=alice.id, **HALL)
    ordinary = listing(alice, hall, name="Open Tuesday Circle")
    sign_in(client, alice)
    data = {"name": "Thursday Survivors", "conditions": ["anxiety"], "languages": ["en"],
            "venue_id": str(hall.id), "is_sensitive": "y", "area_name": "Headingley"}
    first = client.post("/manage/groups/new", data={"csrf_token": csrf(client), **data})
    assert first.status_code == 422
    page = text_of(first)
    assert "already public" in page and 'name="accept_public_venue"' in page
    assert 'value="Thursday Survivors"' in page  # the person's input is kept
    assert not db.session.get(Venue, hall.id).is_private
    second = client.post("/manage/groups/new", data={"csrf_token": csrf(client), **data,
                                                      "accept_public_venue": "y"})
    assert second.status_code == 302
    assert location(client, ordinary)["approximate"] is True
    created = db.session.scalar(sa.select(Group).where(Group.name == "Thursday Survivors"))
    admin = make_user("admin@example.org", Role.admin)
    sign_in(client, admin)
    review = text_of(client.get(f"/review/groups/{created.id}"))
    assert "was public before it became private" in review


# --- one rule for public text ----------------------------------------------------------------


def _next_tuesday() -> dt.datetime:
    now = dt.datetime.now(LONDON)
    day = now.date() + dt.timedelta(days=(1 - now.weekday()) % 7)
    if dt.datetime.combine(day, dt.time(19), LONDON) < now:
        day += dt.timedelta(days=7)
    return dt.datetime.combine(day, dt.time(19))


@pytest.mark.parametrize("action,field,text", [
    ("cancel", "reason", "Meeting at St Quillan's Hall instead"),
    ("cancel", "reason", "Moved to 15 Quillan Row this week"),
    ("move", "note", "Now at LS6 2QQ"),
])
def test_a_reason_or_note_that_locates_a_private_place_is_refused(client, alice, action, field, text):
    hall = make_venue(owner_id=alice.id, **HALL)
    listing(alice, hall, is_sensitive=True)
    # An ordinary group of the same organizer elsewhere: its notes are public text too.
    ordinary = listing(alice, make_venue(owner_id=alice.id), schedules=[make_schedule()])
    sign_in(client, alice)
    url = f"/manage/groups/{ordinary.id}/meetings"
    first = _next_tuesday()
    data = {"csrf_token": csrf(client, url), "schedule_id": str(ordinary.schedules[0].id),
            "original_start": first.isoformat(), "action": action, field: text}
    if action == "move":
        data.update(new_date=(first + dt.timedelta(days=1)).date().isoformat(), new_time="18:00")
    response = client.post(url, data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "Don't" in page
    body = client.get(f"/api/v1/groups/{ordinary.id}").get_data(as_text=True)
    assert "Quillan" not in body and "LS6 2QQ" not in body
    # The message names no secret it found (the form may echo what was typed, nothing more).
    assert page.count("Quillan") <= text.count("Quillan")


def test_a_bio_and_a_venue_name_are_held_to_the_same_rule(client, alice):
    hall = make_venue(owner_id=alice.id, **HALL)
    listing(alice, hall, is_sensitive=True)
    sign_in(client, alice)
    bio = client.post("/manage/facilitators/new", data={
        "csrf_token": csrf(client, "/manage/facilitators/new"), "name": "Robin",
        "bio": "Find me at 15 Quillan Row on Thursdays."})
    assert bio.status_code == 422 and "Don't give the street" in text_of(bio)
    other = make_venue(owner_id=alice.id, name="Library", address="1 Book Lane", postcode="LS1 1AA")
    db.session.commit()
    page = text_of(client.get(f"/manage/venues/{other.id}"))
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    renamed = client.post(f"/manage/venues/{other.id}", data={
        "csrf_token": csrf(client, f"/manage/venues/{other.id}"), "name": "Library (not St Quillan's Hall)",
        "address": "1 Book Lane", "postcode": "LS1 1AA", "town": "Leeds", "country": "GB",
        "latitude": "53.8", "longitude": "-1.55", "timezone": "Europe/London", "version": version})
    assert renamed.status_code == 422 and "Don't name the venue" in text_of(renamed)


def test_control_characters_in_a_single_line_field_are_refused(client, alice):
    sign_in(client, alice)
    response = client.post("/manage/groups/new", data={
        "csrf_token": csrf(client), "name": "Tuesday\r\nX-Injected: 1", "conditions": ["anxiety"],
        "languages": ["en"]})
    assert response.status_code == 422
    assert "one line" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 0


# --- only an admin makes a place public again ------------------------------------------------


def test_an_admin_releases_a_place_only_when_no_sensitive_listing_uses_it(client, alice):
    hall = make_venue(owner_id=alice.id, **HALL)
    ordinary = listing(alice, hall, name="Open Tuesday Circle")
    sensitive = listing(alice, hall, is_sensitive=True)
    admin = make_user("admin@example.org", Role.admin)
    sign_in(client, admin)
    page = text_of(client.get("/review/places"))
    assert HALL["name"] in page and "Open Tuesday Circle" in page
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = db.session.get(Venue, hall.id).version
    refused = client.post(f"/review/places/{hall.id}/release",
                          data={"csrf_token": tok, "version": str(version)})
    assert refused.status_code == 422 and "stays private" in text_of(refused)
    assert location(client, ordinary)["approximate"] is True

    # The sensitive group moves elsewhere: the place may be released, by an admin only.
    sensitive = db.session.get(Group, sensitive.id)
    sensitive.venue = make_venue(owner_id=alice.id)
    places.apply_public_location(sensitive)
    db.session.commit()
    assert location(client, ordinary)["approximate"] is True  # still private until decided
    released = client.post(f"/review/places/{hall.id}/release",
                           data={"csrf_token": tok, "version": str(db.session.get(Venue, hall.id).version)})
    assert released.status_code == 303
    assert location(client, ordinary)["venue_name"] == HALL["name"]
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "venue.made_public"))


def test_organizers_cannot_release_a_place(client, alice):
    hall = make_venue(owner_id=alice.id, **HALL)
    listing(alice, hall, is_sensitive=True)
    sign_in(client, alice)
    response = client.post(f"/review/places/{hall.id}/release",
                           data={"csrf_token": csrf(client, "/manage/")})
    assert response.status_code == 403
    assert db.session.get(Venue, hall.id).is_private
    assert not db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "venue.made_public"))


def test_a_record_swept_into_someone_elses_private_place_answers_no_question(client, alice, bob):
    """Bob's own venue at the place alice's sensitive group hides is private too, but until Bob
    has a public listing there, nothing he writes is refused because of it: a refusal would tell
    him a sensitive group meets within 100 m. The review page flags the text instead."""
    listing(alice, make_venue(owner_id=alice.id, **HALL), is_sensitive=True)
    bobs = make_venue(owner_id=bob.id, **{**HALL, "name": "Quillan Parish Rooms",
                                          "latitude": 53.81545})
    db.session.commit()
    assert db.session.get(Venue, bobs.id).is_private
    sign_in(client, bob)
    saved = client.post("/manage/groups/new", data={
        "csrf_token": csrf(client), "name": "Bob's Tuesday Talk", "conditions": ["anxiety"],
        "languages": ["en"], "venue_id": str(bobs.id),
        "description": "We meet at Quillan Parish Rooms, 15 Quillan Row."})
    assert saved.status_code == 302
    draft = db.session.scalar(sa.select(Group).where(Group.name == "Bob's Tuesday Talk"))
    admin = make_user("admin@example.org", Role.admin)
    sign_in(client, admin)
    assert "names or locates this private place" in text_of(client.get(f"/review/groups/{draft.id}"))

    # Once Bob has a published listing there, its public page already shows only the area:
    # the rule applies to what he writes from then on.
    draft = db.session.get(Group, draft.id)
    draft.status = "published"
    db.session.commit()
    sign_in(client, bob)
    refused = client.post("/manage/facilitators/new", data={
        "csrf_token": csrf(client, "/manage/facilitators/new"), "name": "Robin",
        "bio": "Find me at Quillan Parish Rooms."})
    assert refused.status_code == 422 and "Don't name the venue" in text_of(refused)
