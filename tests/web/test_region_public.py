"""The state shows where the address is public (group page, API), and a private place still
shows neither street nor ZIP anywhere: only its area, with the state in the API."""

from __future__ import annotations

import html

from groupfinder.extensions import db

from ..factories import make_group, make_schedule, make_venue


def _us_venue(**kw):  # type: ignore[no-untyped-def]
    return make_venue(**{"name": "Zq Walnut Hall", "address": "2841 Zqwalnut Street",
                         "postcode": "30303", "town": "Atlanta", "country": "US",
                         "region": "US-GA", "latitude": 33.7525, "longitude": -84.3915,
                         "timezone": "America/New_York", **kw})


def test_a_public_us_address_shows_its_state_on_the_page_and_in_the_api(client):
    group = make_group(venue=_us_venue(), schedules=[make_schedule()])
    db.session.commit()
    page = html.unescape(client.get(f"/groups/{group.id}/{group.slug}").get_data(as_text=True))
    assert "2841 Zqwalnut Street<br>Atlanta, GA 30303" in page
    location = client.get(f"/api/v1/groups/{group.id}").get_json()["location"]
    assert location["address"] == "2841 Zqwalnut Street, Atlanta, GA 30303"
    assert location["region"] == "US-GA"


def test_a_uk_address_keeps_its_form_and_gives_its_nation_in_the_api(client):
    group = make_group(venue=make_venue(address="12 Zqoak Street", region="GB-ENG"),
                       schedules=[make_schedule()])
    db.session.commit()
    location = client.get(f"/api/v1/groups/{group.id}").get_json()["location"]
    assert location["address"] == "12 Zqoak Street, Manchester M1 1AE"
    assert location["region"] == "GB-ENG"


def test_a_private_place_shows_its_state_but_never_street_or_zip(client):
    group = make_group(venue=_us_venue(), is_sensitive=True, area_name="Riverside",
                       schedules=[make_schedule()])
    db.session.commit()
    location = client.get(f"/api/v1/groups/{group.id}").get_json()["location"]
    assert (location["approximate"], location["area"], location["region"]) == (True, "Riverside", "US-GA")
    assert location["address"] is None and location["venue_name"] is None
    for url in (f"/groups/{group.id}/{group.slug}", f"/api/v1/groups/{group.id}"):
        text = client.get(url).get_data(as_text=True)
        assert "30303" not in text and "Zqwalnut" not in text and "Zq Walnut Hall" not in text


def test_a_us_calendar_location_has_the_state(client):
    group = make_group(venue=_us_venue(), schedules=[make_schedule()])
    db.session.commit()
    body = client.get(f"/groups/{group.id}/calendar.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "LOCATION:Zq Walnut Hall\\, 2841 Zqwalnut Street\\, Atlanta\\, GA 30303" in body
