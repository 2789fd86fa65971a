"""The organizer pages under /manage, through HTTP with CSRF on: create, edit, review, privacy,
conflicts and isolation between organizers."""

from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from groupfinder.accounts.models import User
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Condition, Group, ListingStatus
from groupfinder.organisations.services import OrganisationData, create_organisation
from groupfinder.review.models import ListingRevision
from groupfinder.schedules.models import Schedule
from groupfinder.venues.models import Venue

from ..factories import make_group, make_schedule, make_venue, sign_in

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def client_a(client, alice):  # type: ignore[no-untyped-def]
    sign_in(client, alice)
    return client


def token(client, url: str = "/manage/groups/new") -> str:  # type: ignore[no-untyped-def]
    page = client.get(url)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)[:500]
    return match.group(1)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def group_form(tok: str, **kw: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": tok, "name": "Tuesday Talk", "description": "A calm evening group.",
        "what_to_expect": "Tea and a chat.", "cost": "Free", "contact_email": "", "website": "",
        "conditions": ["anxiety"], "languages": ["en"], "venue_id": "", "area_name": "",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def owned_group(user: User, **kw: object) -> Group:
    venue = kw.pop("venue", None) or make_venue(owner_id=user.id)
    group = make_group(venue=venue, **kw)  # type: ignore[arg-type]
    group.organizers = [user]
    group.conditions = [db.session.scalar(sa.select(Condition).where(Condition.slug == "anxiety"))]
    db.session.commit()
    return group


def second_tuesdays(now: dt.datetime, count: int) -> list[dt.date]:
    """Independent of recurrence.py: the next ``count`` 2nd Tuesdays at 19:00 London time."""
    out: list[dt.date] = []
    year, month = now.year, now.month
    while len(out) < count:
        first = dt.date(year, month, 1)
        day = first + dt.timedelta(days=(1 - first.weekday()) % 7 + 7)
        if dt.datetime.combine(day, dt.time(19), LONDON) >= now:
            out.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def long_date(d: dt.date) -> str:
    return f"{d:%A} {d.day} {d:%B} {d.year}"


# --- the whole journey -----------------------------------------------------------------------


def test_organizer_creates_a_group_with_venue_schedule_and_facilitator_and_submits_it(client_a, alice):
    tok = token(client_a, "/manage/venues/new")
    venue_fields = {"csrf_token": tok, "name": "St Mary's Hall", "address": "12 Oak Street",
                    "town": "Manchester", "postcode": "M1 1AE", "country": "GB",
                    "latitude": "", "longitude": "", "timezone": "", "timezone_other": ""}
    preview = client_a.post("/manage/venues/new", data={**venue_fields, "preview": "Find on map"})
    assert preview.status_code == 200
    page = text_of(preview)
    assert "M1 1, Manchester" in page
    lat = re.search(r'name="latitude" value="([^"]+)"', page).group(1)
    lng = re.search(r'name="longitude" value="([^"]+)"', page).group(1)
    assert abs(float(lat) - 53.48) < 0.05 and abs(float(lng) + 2.23) < 0.05
    assert '<option value="Europe/London" selected>' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Venue)) == 0  # preview saves nothing

    # The organizer corrects the point a little, then saves.
    saved = client_a.post("/manage/venues/new", data={
        **venue_fields, "latitude": "53.4771", "longitude": lng, "timezone": "Europe/London",
        "save": "Save venue"})
    assert saved.status_code == 302
    venue = db.session.scalar(sa.select(Venue))
    assert (venue.owner_id, venue.latitude, venue.timezone) == (alice.id, 53.4771, "Europe/London")

    created = client_a.post("/manage/groups/new", data=group_form(tok, venue_id=str(venue.id)))
    assert created.status_code == 302
    group = db.session.scalar(sa.select(Group))
    assert group.status == ListingStatus.draft and group.organizers == [alice]
    assert created.headers["Location"].endswith(f"/manage/groups/{group.id}")

    schedule_fields = {"csrf_token": tok, "kind": "monthly_weekday", "interval": "1",
                       "weekdays": ["1"], "positions": ["2"], "month_day": "", "start_time": "19:00",
                       "duration_minutes": "90", "first_date": dt.date.today().isoformat(),
                       "last_date": "", "paused_until": ""}
    url = f"/manage/groups/{group.id}/schedules/new"
    shown = client_a.post(url, data={**schedule_fields, "preview": "Preview"})
    assert shown.status_code == 200
    page = text_of(shown)
    assert "2nd Tuesday of the month, 7:00–8:30 pm" in page
    dates = re.findall(r"<time datetime=\"([^\"]+)\">", page)
    expected = second_tuesdays(dt.datetime.now(dt.UTC), 5)
    assert [dt.datetime.fromisoformat(d).date() for d in dates] == expected
    for day in expected:
        assert long_date(day) in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Schedule)) == 0
    assert client_a.post(url, data={**schedule_fields, "save": "Save"}).status_code == 302
    schedule = db.session.scalar(sa.select(Schedule))
    assert (schedule.kind, schedule.weekdays, schedule.positions, schedule.days_mask) == \
        ("monthly_weekday", "1", "2", 0b10)

    made = client_a.post("/manage/facilitators/new", data={
        "csrf_token": tok, "name": "Sam", "bio": "Peer supporter.", "email": "sam@example.org",
        "phone": "", "show_email": "y", "save": "Save"})
    assert made.status_code == 302
    sam = db.session.scalar(sa.select(Facilitator))
    assert (sam.owner_id, sam.show_email, sam.show_phone) == (alice.id, True, False)

    edit = client_a.get(f"/manage/groups/{group.id}")
    version = re.search(r'name="version" value="(\d+)"', text_of(edit)).group(1)
    assert client_a.post(f"/manage/groups/{group.id}", data=group_form(
        tok, venue_id=str(venue.id), facilitator_ids=[str(sam.id)], version=version)).status_code == 302
    db.session.expire_all()
    assert [f.name for f in group.facilitators] == ["Sam"]

    done = client_a.post(f"/manage/groups/{group.id}/submit", data={"csrf_token": tok})
    assert done.status_code == 302
    db.session.expire_all()
    assert group.status == ListingStatus.pending_review
    dashboard = text_of(client_a.get("/manage/"))
    assert "Tuesday Talk" in dashboard and "Waiting for review" in dashboard
    assert "St Mary's Hall" in dashboard and "Sam" in dashboard


def test_submitting_without_venue_or_schedule_says_what_is_missing(client_a, alice):
    tok = token(client_a)
    client_a.post("/manage/groups/new", data=group_form(tok))
    group = db.session.scalar(sa.select(Group))
    response = client_a.post(f"/manage/groups/{group.id}/submit", data={"csrf_token": tok},
                             follow_redirects=True)
    page = text_of(response)
    assert "Choose where the group meets" in page and "Add when the group meets" in page
    db.session.expire_all()
    assert group.status == ListingStatus.draft


def test_dashboard_shows_status_pending_edit_and_rejection_reason(client_a, alice):
    owned_group(alice, name="Rejected One", status=ListingStatus.rejected,
                review_reason="Please add what to expect.")
    published = owned_group(alice, name="Live One")
    db.session.add(ListingRevision(group=published, proposed={"name": "Live One"},
                                   submitted_by_id=alice.id))
    db.session.commit()
    page = text_of(client_a.get("/manage/"))
    assert "Not approved: Please add what to expect." in page
    assert "An edit is waiting for review" in page
    assert "Published" in page


# --- bad input: re-rendered with the input kept and a message per field ----------------------


def test_group_form_bad_input_keeps_input_and_marks_each_field(client_a):
    tok = token(client_a)
    response = client_a.post("/manage/groups/new", data=group_form(
        tok, name="", description="My own words here", conditions=[], website="not a url",
        contact_email="nobody"))
    assert response.status_code == 422
    page = text_of(response)
    assert "Give the group a name." in page
    assert "Choose at least one topic" in page
    assert "Give a full web address" in page
    assert "My own words here" in page and 'value="not a url"' in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 0


def test_venue_form_bad_input_keeps_input_and_marks_each_field(client_a):
    tok = token(client_a)
    response = client_a.post("/manage/venues/new", data={
        "csrf_token": tok, "name": "", "address": "1 Elm Road", "town": "", "postcode": "M1 1AE",
        "country": "GB", "latitude": "fifty", "longitude": "", "timezone": "", "save": "Save"})
    assert response.status_code == 422
    page = text_of(response)
    assert "Enter a number in decimal degrees" in page and 'value="fifty"' in page
    assert 'value="1 Elm Road"' in page

    response = client_a.post("/manage/venues/new", data={
        "csrf_token": tok, "name": "", "address": "1 Elm Road", "town": "", "postcode": "M1 1AE",
        "country": "GB", "latitude": "", "longitude": "", "timezone": "", "save": "Save"})
    page = text_of(response)
    assert response.status_code == 422
    assert "Give the venue a name." in page and "Give the town or city." in page
    assert "Find the venue on the map" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Venue)) == 0


def test_venue_preview_of_an_unknown_place_says_so(client_a):
    tok = token(client_a)
    response = client_a.post("/manage/venues/new", data={
        "csrf_token": tok, "name": "Hall", "address": "Nowhere Lane", "town": "Qqqqzzz",
        "postcode": "", "country": "GB", "preview": "Find on map"})
    assert response.status_code == 422
    assert "We couldn't find that address on the map" in text_of(response)
    assert 'value="Nowhere Lane"' in text_of(response)


def test_schedule_form_bad_input_gives_recurrence_messages_per_field(client_a, alice):
    group = owned_group(alice)
    tok = token(client_a)
    response = client_a.post(f"/manage/groups/{group.id}/schedules/new", data={
        "csrf_token": tok, "kind": "monthly_weekday", "interval": "1", "weekdays": ["3"],
        "start_time": "7pm", "duration_minutes": "", "first_date": "2026-12-01",
        "last_date": "2026-11-01", "save": "Save"})
    assert response.status_code == 422
    page = text_of(response)
    assert "Enter a time like 19:00" in page and 'value="7pm"' in page
    response = client_a.post(f"/manage/groups/{group.id}/schedules/new", data={
        "csrf_token": tok, "kind": "monthly_weekday", "interval": "1", "weekdays": ["3"],
        "start_time": "19:00", "duration_minutes": "", "first_date": "2026-12-01",
        "last_date": "2026-11-01", "save": "Save"})
    page = text_of(response)
    assert response.status_code == 422
    assert "Choose which week of the month" in page
    assert "Enter how long a meeting lasts" in page
    assert "The last date must be on or after the first date." in page
    assert 'value="2026-11-01"' in page
    db.session.expire_all()
    assert len(group.schedules) == 1


def test_facilitator_form_bad_input_keeps_input_and_marks_each_field(client_a):
    tok = token(client_a)
    response = client_a.post("/manage/facilitators/new", data={
        "csrf_token": tok, "name": "", "bio": "Kind words", "email": "not-an-email",
        "phone": "", "show_phone": "y"})
    assert response.status_code == 422
    page = text_of(response)
    assert "Give the facilitator's name" in page
    assert "Give an email address like name@example.org." in page
    assert "Give a phone number to show it." in page
    assert "Kind words" in page and 'value="not-an-email"' in page
    assert "only if you tick this" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Facilitator)) == 0


def test_co_organizer_bad_email_is_marked_and_kept(client_a, alice):
    group = owned_group(alice)
    response = client_a.post(f"/manage/groups/{group.id}/co-organizers",
                             data={"csrf_token": token(client_a), "email": "nope"})
    assert response.status_code == 422
    page = text_of(response)
    assert "Give an email address like name@example.org." in page and 'value="nope"' in page


def test_co_organizer_answer_is_the_same_whether_or_not_the_account_exists(client_a, alice, bob):
    group = owned_group(alice)
    tok = token(client_a)
    answers = []
    for email in ("bob@example.org", "ghost@example.org"):
        response = client_a.post(f"/manage/groups/{group.id}/co-organizers",
                                 data={"csrf_token": tok, "email": email}, follow_redirects=True)
        answers.append(re.search(r'class="notice notice--success">([^<]+)<', text_of(response)).group(1))
    assert answers[0] == answers[1]
    db.session.expire_all()
    assert {u.email for u in group.organizers} == {"alice@example.org", "bob@example.org"}


def test_meeting_forms_bad_input_is_marked_and_kept(client_a, alice):
    group = owned_group(alice)
    tok = token(client_a)
    schedule = group.schedules[0]
    first = _next_tuesday()
    url = f"/manage/groups/{group.id}/meetings"
    base = {"csrf_token": tok, "schedule_id": str(schedule.id), "original_start": first.isoformat()}
    response = client_a.post(url, data={**base, "action": "cancel", "reason": ""})
    assert response.status_code == 422 and "Give a short reason." in text_of(response)
    response = client_a.post(url, data={**base, "action": "move", "new_date": "",
                                        "new_time": "18:30", "note": "Upstairs"})
    page = text_of(response)
    assert response.status_code == 422
    assert "Enter the new date." in page and 'value="18:30"' in page and 'value="Upstairs"' in page
    db.session.expire_all()
    assert schedule.sequence == 0 and not schedule.cancellations and not schedule.changes


# --- CSRF --------------------------------------------------------------------------------------


def test_a_post_without_csrf_token_is_refused_and_writes_nothing(client_a, alice):
    group = owned_group(alice)
    response = client_a.post("/manage/groups/new", data={"name": "X", "conditions": ["anxiety"]})
    assert response.status_code == 400
    response = client_a.post(f"/manage/groups/{group.id}/co-organizers", data={"email": "b@example.org"})
    assert response.status_code == 400
    response = client_a.post("/manage/facilitators/new", data={"name": "Sam"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Facilitator)) == 0


# --- optimistic locking ------------------------------------------------------------------------


def test_second_save_from_the_same_version_is_refused_with_input_kept(app, alice):
    group = owned_group(alice, status=ListingStatus.draft)
    first, second = app.test_client(), app.test_client()
    sign_in(first, alice)
    sign_in(second, alice)
    url = f"/manage/groups/{group.id}"
    loaded = []
    for c in (first, second):
        page = text_of(c.get(url))
        loaded.append((re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
                       re.search(r'name="version" value="(\d+)"', page).group(1)))
    venue = str(group.venue_id)
    ok = first.post(url, data=group_form(loaded[0][0], description="First editor's text",
                                         venue_id=venue, version=loaded[0][1]))
    assert ok.status_code == 302
    refused = second.post(url, data=group_form(loaded[1][0], description="Second editor's text",
                                               venue_id=venue, version=loaded[1][1]))
    assert refused.status_code == 409
    page = text_of(refused)
    assert "Someone else saved this listing while you were editing" in page
    assert "Second editor's text" in page  # their input, kept
    assert "First editor's text" in page   # the current version, shown
    db.session.expire_all()
    assert group.description == "First editor's text"
    # Saving again from the re-rendered form (now carrying the current version) goes through.
    new_version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert int(new_version) == group.version
    again = second.post(url, data=group_form(loaded[1][0], description="Second editor's text",
                                             venue_id=venue, version=new_version))
    assert again.status_code == 302
    db.session.expire_all()
    assert group.description == "Second editor's text"


def test_venue_and_schedule_and_facilitator_edits_are_version_checked(client_a, alice):
    group = owned_group(alice)
    venue, schedule = group.venue, group.schedules[0]
    person = Facilitator(owner_id=alice.id, name="Sam")
    db.session.add(person)
    db.session.commit()
    tok = token(client_a)
    stale = {"version": "0"}
    v = client_a.post(f"/manage/venues/{venue.id}", data={
        "csrf_token": tok, "name": "Renamed", "address": venue.address, "town": venue.town,
        "postcode": venue.postcode, "country": "GB", "latitude": str(venue.latitude),
        "longitude": str(venue.longitude), "timezone": "Europe/London", **stale})
    assert v.status_code == 409 and 'value="Renamed"' in text_of(v)
    s = client_a.post(f"/manage/groups/{group.id}/schedules/{schedule.id}", data={
        "csrf_token": tok, "kind": "weekly", "interval": "1", "weekdays": ["2"],
        "start_time": "18:00", "duration_minutes": "60", "first_date": "2026-01-06", **stale})
    assert s.status_code == 409 and 'value="18:00"' in text_of(s)
    f = client_a.post(f"/manage/facilitators/{person.id}", data={
        "csrf_token": tok, "name": "Samantha", **stale})
    assert f.status_code == 409 and 'value="Samantha"' in text_of(f)
    db.session.expire_all()
    assert (venue.name != "Renamed", schedule.weekdays, person.name) == (True, "1", "Sam")


# --- isolation between organizers ---------------------------------------------------------------


def test_another_organizer_gets_404_for_every_manage_url_of_a_group(client, alice, bob):
    group = owned_group(alice, status=ListingStatus.draft)
    schedule = group.schedules[0]
    person = Facilitator(owner_id=alice.id, name="Sam Quill", email="sam@example.org")
    db.session.add(person)
    db.session.commit()
    org = create_organisation(OrganisationData(name="Alice's charity"), by=alice)
    before = (group.version, group.venue.version, schedule.version, person.version)
    sign_in(client, bob)
    tok = token(client)
    gid, sid, oid = group.id, schedule.id, org.id
    urls = [
        f"/manage/groups/{gid}", f"/manage/groups/{gid}/submit", f"/manage/groups/{gid}/co-organizers",
        f"/manage/groups/{gid}/confirm", f"/manage/venues/{group.venue_id}", f"/manage/groups/{gid}/schedules/new",
        f"/manage/groups/{gid}/schedules/{sid}", f"/manage/groups/{gid}/schedules/{sid}/delete",
        f"/manage/groups/{gid}/meetings", f"/manage/facilitators/{person.id}",
        f"/manage/organisations/{oid}", f"/manage/organisations/{oid}/invite",
        f"/manage/organisations/{oid}/members/{alice.id}/role",
        f"/manage/organisations/{oid}/members/{alice.id}/remove",
        f"/manage/organisations/{oid}/leave",
    ]
    covered = {rule.endpoint for rule in client.application.url_map.iter_rules()
               if rule.endpoint.startswith("manage.") and rule.arguments}
    assert covered == {"manage.group_edit", "manage.group_submit", "manage.co_organizer", "manage.group_confirm",
                       "manage.venue_edit", "manage.schedule_new", "manage.schedule_edit",
                       "manage.schedule_delete", "manage.meetings", "manage.facilitator_edit",
                       "manage.organisation", "manage.organisation_invite",
                       "manage.organisation_member_role", "manage.organisation_member_remove",
                       "manage.organisation_leave"}
    post = {"csrf_token": tok, "name": "Hijacked", "email": "bob@example.org", "version": "1",
            "kind": "weekly", "weekdays": ["1"], "start_time": "10:00", "duration_minutes": "60",
            "first_date": "2026-12-01", "conditions": ["anxiety"], "languages": ["en"],
            "action": "cancel", "schedule_id": str(sid), "reason": "x",
            "original_start": _next_tuesday().isoformat(), "address": "1 X St", "town": "Y",
            "country": "GB", "latitude": "53.4", "longitude": "-2.2"}
    for url in urls:
        if not url.endswith(("/submit", "/co-organizers", "/delete", "/confirm", "/invite",
                             "/role", "/remove", "/leave")):
            assert client.get(url).status_code == 404, url
        assert client.post(url, data=post).status_code == 404, url
    # The organizer's own groups and venues exist, and someone else's id in a form is refused.
    mine = client.post("/manage/groups/new", data=group_form(tok, venue_id=str(group.venue_id),
                                                          facilitator_ids=[str(person.id)]))
    assert mine.status_code == 422 and "Choose from your own list." in text_of(mine)
    db.session.expire_all()
    assert (group.version, group.venue.version, schedule.version, person.version) == before
    assert group.organizers == [alice] and group.name != "Hijacked"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 1
    assert "Sam Quill" not in text_of(client.get("/manage/"))  # (the footer names the Samaritans)


def test_a_schedule_of_another_group_is_404_under_ones_own_group(client_a, alice, bob):
    mine = owned_group(alice)
    theirs = owned_group(bob)
    other = theirs.schedules[0]
    assert client_a.get(f"/manage/groups/{mine.id}/schedules/{other.id}").status_code == 404
    response = client_a.post(f"/manage/groups/{mine.id}/schedules/{other.id}/delete",
                             data={"csrf_token": token(client_a)})
    assert response.status_code == 404
    assert db.session.get(Schedule, other.id) is not None


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in ("/manage/", "/manage/groups/new", "/manage/venues/new"):
        response = client.get(url)
        assert response.status_code in (302, 401)
        if response.status_code == 302:
            assert "/accounts/login" in response.headers["Location"]


def test_every_manage_response_is_private_and_not_stored(client_a, alice):
    group = owned_group(alice)
    for url in ("/manage/", f"/manage/groups/{group.id}", "/manage/groups/999999",
                f"/manage/venues/{group.venue_id}"):
        assert client_a.get(url).headers["Cache-Control"] == "no-store, private", url


# --- published listings, review and privacy -------------------------------------------------------


def test_a_published_groups_edit_waits_for_review_and_the_public_keeps_the_old_text(client_a, client, alice):
    group = owned_group(alice, description="The approved text.")
    page = text_of(client_a.get(f"/manage/groups/{group.id}"))
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client_a.post(f"/manage/groups/{group.id}", data=group_form(
        tok, name=group.name, description="A brand new text.", venue_id=str(group.venue_id),
        version=version), follow_redirects=True)
    assert "waiting for review" in text_of(response)
    assert "A brand new text." in text_of(response)  # the form shows the pending edit
    public = client.get(f"/api/v1/groups/{group.id}").get_json()
    assert public["description"] == "The approved text."
    detail = text_of(client.get(f"/groups/{group.id}/{group.slug}"))
    assert "The approved text." in detail and "A brand new text." not in detail
    assert "An edit is waiting for review" in text_of(client_a.get("/manage/"))


def test_turning_sensitive_on_applies_at_once(client_a, client, alice):
    group = owned_group(alice)
    assert client.get(f"/api/v1/groups/{group.id}").get_json()["location"]["approximate"] is False
    page = text_of(client_a.get(f"/manage/groups/{group.id}"))
    assert "never the venue name, street, postcode or exact point" in page
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client_a.post(f"/manage/groups/{group.id}", data=group_form(
        tok, name=group.name, description=group.description, what_to_expect=group.what_to_expect,
        venue_id=str(group.venue_id), is_sensitive="y", area_name="Ancoats", version=version),
        follow_redirects=True)
    assert "may already have been copied" in text_of(response)
    location = client.get(f"/api/v1/groups/{group.id}").get_json()["location"]
    assert location["approximate"] is True and location["area"] == "Ancoats"
    assert location["address"] is None and location["venue_name"] is None


def test_a_sensitive_groups_text_naming_its_street_is_refused(client_a, alice):
    venue = make_venue(owner_id=alice.id, address="14 Acacia Avenue")
    group = owned_group(alice, venue=venue, status=ListingStatus.draft)
    page = text_of(client_a.get(f"/manage/groups/{group.id}"))
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client_a.post(f"/manage/groups/{group.id}", data=group_form(
        tok, description="We meet on Acacia Avenue, round the back.", venue_id=str(venue.id),
        is_sensitive="y", version=version))
    assert response.status_code == 422
    page = text_of(response)
    assert "Don't give the street" in page
    assert 'id="description-error"' in page and "We meet on Acacia Avenue, round the back." in page
    db.session.expire_all()
    assert group.is_sensitive is False and "Acacia" not in group.description


def test_a_published_venue_keeps_its_address_but_may_be_renamed(client_a, alice):
    group = owned_group(alice)
    venue = group.venue
    tok = token(client_a)
    fields = {"csrf_token": tok, "name": venue.name, "address": venue.address, "town": venue.town,
              "postcode": venue.postcode, "country": "GB", "latitude": str(venue.latitude),
              "longitude": str(venue.longitude), "timezone": venue.timezone,
              "version": str(venue.version), "save": "Save"}
    moved = client_a.post(f"/manage/venues/{venue.id}", data={**fields, "address": "99 Other Road"})
    assert moved.status_code == 422
    assert "create a new venue and choose it for the group instead (that change is reviewed)" in \
        text_of(moved).lower().replace("create a new venue", "create a new venue")
    renamed = client_a.post(f"/manage/venues/{venue.id}", data={**fields, "name": "The Annexe"})
    assert renamed.status_code == 302
    db.session.expire_all()
    assert (venue.name, venue.address != "99 Other Road") == ("The Annexe", True)


# --- single meetings --------------------------------------------------------------------------


def _next_tuesday() -> dt.datetime:
    """The next weekly Tuesday 19:00 meeting of a factory schedule, naive local."""
    now = dt.datetime.now(LONDON)
    day = now.date() + dt.timedelta(days=(1 - now.weekday()) % 7)
    if dt.datetime.combine(day, dt.time(19), LONDON) < now:
        day += dt.timedelta(days=7)
    return dt.datetime.combine(day, dt.time(19))


def test_cancel_move_and_undo_from_the_meetings_page_reach_the_public_api(client_a, client, alice):
    group = owned_group(alice, schedules=[make_schedule()])
    schedule = group.schedules[0]
    first = _next_tuesday()
    url = f"/manage/groups/{group.id}/meetings"
    page = text_of(client_a.get(url))
    assert first.isoformat() in page
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    base = {"csrf_token": tok, "schedule_id": str(schedule.id), "original_start": first.isoformat()}

    def first_status() -> str:
        return client.get(f"/api/v1/groups/{group.id}").get_json()["meetings"][0]["status"]

    assert first_status() == "scheduled"
    assert client_a.post(url, data={**base, "action": "cancel", "reason": "Hall closed"}).status_code == 302
    assert first_status() == "cancelled"
    assert client_a.post(url, data={**base, "action": "undo"}).status_code == 302
    assert first_status() == "scheduled"
    new_day = (first + dt.timedelta(days=1)).date().isoformat()
    moved = client_a.post(url, data={**base, "action": "move", "new_date": new_day,
                                     "new_time": "18:30", "note": "Wednesday this week"})
    assert moved.status_code == 302
    meetings = client.get(f"/api/v1/groups/{group.id}").get_json()["meetings"]
    assert any(m["status"] == "moved" and m["starts_at"].startswith(f"{new_day}T18:30")
               for m in meetings)
    db.session.expire_all()
    assert schedule.sequence == 3


def test_editing_a_schedule_raises_its_sequence_and_sets_days(client_a, alice):
    group = owned_group(alice)
    schedule = group.schedules[0]
    page = text_of(client_a.get(f"/manage/groups/{group.id}/schedules/{schedule.id}"))
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert 'value="19:00"' in page and 'id="weekdays-2" name="weekdays" value="1" checked' in page
    response = client_a.post(f"/manage/groups/{group.id}/schedules/{schedule.id}", data={
        "csrf_token": tok, "kind": "weekly", "interval": "2", "weekdays": ["0", "3"],
        "positions": ["2"], "month_day": "5", "start_time": "10:30", "duration_minutes": "60",
        "first_date": "2026-01-05", "version": str(schedule.version), "save": "Save"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (schedule.interval, schedule.weekdays, schedule.positions, schedule.month_day) == (2, "0,3", "", None)
    assert schedule.days_mask == 0b1001 and schedule.sequence == 1


@pytest.mark.parametrize("fields,words,first_dates", [
    ({"kind": "weekly", "weekdays": ["0", "2"], "interval": "1"}, "Every Monday and Wednesday",
     ["2027-03-01", "2027-03-03", "2027-03-08"]),
    ({"kind": "weekly", "weekdays": ["4"], "interval": "2"}, "Every other Friday",
     ["2027-03-05", "2027-03-19", "2027-04-02"]),
    ({"kind": "monthly_weekday", "weekdays": ["5"], "positions": ["-1"]}, "Last Saturday of the month",
     ["2027-03-27", "2027-04-24", "2027-05-29"]),
    ({"kind": "monthly_date", "month_day": "-1"}, "Monthly on the last day",
     ["2027-03-31", "2027-04-30", "2027-05-31"]),
    ({"kind": "monthly_date", "month_day": "15"}, "Monthly on the 15th",
     ["2027-03-15", "2027-04-15", "2027-05-15"]),
    ({"kind": "once"}, "", ["2027-03-01"]),
])
def test_the_schedule_preview_lists_the_next_dates_of_every_kind(client_a, alice, fields, words, first_dates):
    group = owned_group(alice)
    tok = token(client_a)
    response = client_a.post(f"/manage/groups/{group.id}/schedules/new", data={
        "csrf_token": tok, "start_time": "19:00", "duration_minutes": "90",
        "first_date": "2027-03-01", "preview": "Preview", **fields})
    assert response.status_code == 200, text_of(response)
    page = text_of(response)
    assert words in page
    dates = [d[:10] for d in re.findall(r"<time datetime=\"([^\"]+)\">", page)]
    assert dates[:len(first_dates)] == first_dates
    assert len(dates) == (1 if fields["kind"] == "once" else 5)


def test_deleting_a_schedule(client_a, alice):
    group = owned_group(alice)
    schedule = group.schedules[0]
    response = client_a.post(f"/manage/groups/{group.id}/schedules/{schedule.id}/delete",
                             data={"csrf_token": token(client_a), "version": str(schedule.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert group.schedules == []
