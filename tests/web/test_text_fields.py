"""Forms refuse control characters in one-line fields (a CR/LF would end an iCalendar or mail
line early) and invalid email addresses: the form comes back with the person's input and a
message on the field, and nothing is saved. CSRF stays on."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from groupfinder.accounts.models import User
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Group
from groupfinder.review.models import ProblemReport
from groupfinder.schedules.models import Cancellation
from groupfinder.validation import EMAIL_MESSAGE, MULTI_LINE_MESSAGE, SINGLE_LINE_MESSAGE
from groupfinder.venues.models import Venue

from .. import factories
from ..factories import make_group, sign_in

INJECTED = "Name\r\nX-Injected: 1"


@pytest.fixture
def organizer(app: Flask, client):  # type: ignore[no-untyped-def]
    user = factories.make_user("alice@example.org")
    db.session.commit()
    sign_in(client, user)
    return user


def csrf(client, url: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert found
    return found.group(1)


def page_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def count(model: type) -> int:
    value = db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
    db.session.commit()
    return value


def assert_refused(response, message: str, kept: str, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422
    page = page_of(response)
    assert message in page
    assert kept in page  # the person's input, to correct
    assert f'id="{field}-error"' in response.get_data(as_text=True) or \
        re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"',
                  response.get_data(as_text=True))


def test_a_group_name_with_a_line_break_is_refused_and_kept(client, organizer):
    tok = csrf(client, "/manage/groups/new")
    response = client.post("/manage/groups/new", data={
        "csrf_token": tok, "name": INJECTED, "description": "Fine\r\nover two lines.",
        "what_to_expect": "Tea.", "cost": "Free", "contact_email": "", "website": "",
        "conditions": ["anxiety"], "languages": ["en"], "venue_id": "", "area_name": ""})
    assert_refused(response, SINGLE_LINE_MESSAGE, INJECTED, "name")
    assert MULTI_LINE_MESSAGE not in page_of(response)  # line breaks are fine in a description
    assert count(Group) == 0


def test_a_group_description_with_an_escape_and_a_bad_contact_email_are_refused(client, organizer):
    """(A NUL never gets this far: the app answers 400 to any request holding one.)"""
    tok = csrf(client, "/manage/groups/new")
    response = client.post("/manage/groups/new", data={
        "csrf_token": tok, "name": "Tuesday Talk", "description": "Red\x1b[31m text",
        "what_to_expect": "", "cost": "Free", "contact_email": "someone@@example.org",
        "website": "", "conditions": ["anxiety"], "languages": ["en"], "venue_id": "",
        "area_name": ""})
    assert response.status_code == 422
    page = page_of(response)
    assert MULTI_LINE_MESSAGE in page and EMAIL_MESSAGE in page
    assert 'value="someone@@example.org"' in page
    assert count(Group) == 0


def test_a_venue_address_with_a_line_break_is_refused_and_kept(client, organizer):
    tok = csrf(client, "/manage/venues/new")
    response = client.post("/manage/venues/new", data={
        "csrf_token": tok, "name": "St Mary's Hall", "address": "12 Oak Street\nX-Injected: 1",
        "town": "Manchester", "postcode": "M1 1AE", "country": "GB", "latitude": "53.4771",
        "longitude": "-2.2346", "timezone": "Europe/London", "timezone_other": "",
        "save": "Save venue"})
    assert_refused(response, SINGLE_LINE_MESSAGE, "12 Oak Street\nX-Injected: 1", "address")
    assert count(Venue) == 0


def test_a_facilitator_with_a_control_character_or_a_bad_email_is_refused(client, organizer):
    tok = csrf(client, "/manage/facilitators/new")
    response = client.post("/manage/facilitators/new", data={
        "csrf_token": tok, "name": INJECTED, "bio": "Peer supporter.\nTwenty years.",
        "email": "sam-at-example.org", "phone": "0161\x1b[2J", "save": "Save"})
    assert response.status_code == 422
    page = page_of(response)
    assert SINGLE_LINE_MESSAGE in page and EMAIL_MESSAGE in page
    assert 'value="sam-at-example.org"' in page and "X-Injected: 1" in page
    assert count(Facilitator) == 0


def test_a_cancellation_reason_with_a_line_break_is_refused(client, organizer):
    group = make_group()
    group.organizers = [organizer]
    db.session.commit()
    url = f"/manage/groups/{group.id}/meetings"
    page = client.get(url).get_data(as_text=True)
    first = re.search(r'name="original_start" value="([^"]+)"', page).group(1)
    response = client.post(url, data={
        "csrf_token": csrf(client, url), "action": "cancel", "schedule_id": str(group.schedules[0].id),
        "original_start": first, "reason": "Hall closed\r\nDTSTART:20270101T000000"})
    assert response.status_code == 422
    assert SINGLE_LINE_MESSAGE in page_of(response)
    assert count(Cancellation) == 0


def test_registration_refuses_a_name_with_a_line_break(client):
    tok = csrf(client, "/accounts/register")
    response = client.post("/accounts/register", data={
        "csrf_token": tok, "email": "ann@example.org", "password": "tangerine lighthouse parable",
        "display_name": INJECTED})
    assert response.status_code == 422
    page = page_of(response)
    assert SINGLE_LINE_MESSAGE in page and "X-Injected: 1" in page
    assert count(User) == 0


def test_a_problem_report_with_a_control_character_is_refused(client):
    group = make_group()
    db.session.commit()
    url = f"/groups/{group.id}/report"
    response = client.post(url, data={"csrf_token": csrf(client, url), "kind": "other",
                                      "message": "Nobody\x07came"})
    assert response.status_code == 422
    assert MULTI_LINE_MESSAGE in page_of(response)
    assert count(ProblemReport) == 0
