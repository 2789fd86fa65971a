"""The venue form's State or nation field: a select, blank works it out, a mismatch is marked."""

from __future__ import annotations

import html

import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.venues.models import Venue

from .test_manage import client_a, token  # noqa: F401

FIELDS = {"name": "Hall", "address": "1 Test Street", "town": "Test City", "postcode": "12345",
          "country": "US", "latitude": "42.8142", "longitude": "-73.9396", "timezone": "",
          "timezone_other": "", "save": "Save venue"}


def test_the_form_offers_each_countrys_regions_and_a_blank_choice(client_a):  # noqa: F811
    page = client_a.get("/manage/venues/new").get_data(as_text=True)
    assert '<option value="" selected>Work it out from the ZIP or postcode</option>' in page
    assert '<optgroup label="United States">' in page and '<option value="US-TX">Texas (TX)</option>' in page
    assert '<option value="GB-WLS">Wales (WLS)</option>' in page


def test_a_state_that_contradicts_the_zip_keeps_the_input_and_marks_the_field(client_a):  # noqa: F811
    tok = token(client_a, "/manage/venues/new")
    response = client_a.post("/manage/venues/new", data={**FIELDS, "csrf_token": tok, "region": "US-TX"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "ZIP 12345 is in New York (US-NY), not Texas (US-TX)." in page
    assert '<option value="US-TX" selected>' in page and 'value="Test City"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Venue)) == 0


def test_a_blank_state_is_worked_out_and_shown_on_edit(client_a):  # noqa: F811
    tok = token(client_a, "/manage/venues/new")
    response = client_a.post("/manage/venues/new", data={**FIELDS, "csrf_token": tok, "region": ""})
    assert response.status_code == 302
    venue = db.session.scalar(sa.select(Venue))
    assert venue.region == "US-NY"
    page = client_a.get(f"/manage/venues/{venue.id}").get_data(as_text=True)
    assert '<option value="US-NY" selected>New York (NY)</option>' in page
