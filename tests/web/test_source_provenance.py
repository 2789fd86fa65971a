"""A listing kept from a source says so: on its page and in the API's group JSON."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.groups.models import Group
from groupfinder.interop.sources import add_source, refresh_source
from tests.factories import make_group

FEED = Path(__file__).resolve().parents[1] / "integration" / "feeds" / "tsml_site.json"
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


def test_group_page_and_api_name_the_source_and_its_last_refresh(app, client):
    source = add_source("District 9 Intergroup", str(FEED), default_condition="addiction-recovery")
    refresh_source(source, now=NOW)
    group = db.session.scalar(sa.select(Group).where(Group.source_key == "saturday-morning-big-book"))
    page = client.get(f"/groups/{group.id}/{group.slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Listed from District 9 Intergroup, refreshed 3 December 2026" in html
    data = client.get(f"/api/v1/groups/{group.id}").get_json()
    assert data["source"] == {"name": "District 9 Intergroup",
                              "refreshed_at": "2026-12-03T10:00:00+00:00"}
    assert str(FEED) not in page.get_data(as_text=True)  # where it is read from is not public


def test_a_listing_made_here_has_no_source(app, client):
    group = make_group()
    db.session.commit()
    page = client.get(f"/groups/{group.id}/{group.slug}").get_data(as_text=True)
    assert "Listed from" not in page
    assert client.get(f"/api/v1/groups/{group.id}").get_json()["source"] is None
