"""A sensitive group's venue never reaches a public output; distances use its public point."""

from __future__ import annotations

import html
import html as html_module
import json
import re

import h3
import pytest
import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.geo.distance import haversine_km
from groupfinder.groups.models import Group

CRLF_FOLD = re.compile(rb"\r\n[ \t]")


def sensitive_groups() -> list[Group]:
    return list(db.session.scalars(sa.select(Group).where(Group.is_sensitive).order_by(Group.id)))


def secrets_of(group: Group, *, own_record: bool = False) -> list[str]:
    """The venue's identifying strings; the bare street name only in the group's own record
    (other, public venues may share a street name)."""
    v = group.venue
    out = [v.name, v.address, f"{v.latitude:.5f}", f"{v.longitude:.5f}",
           f"{v.latitude:.4f}", f"{v.longitude:.4f}"]
    if own_record or v.country == "GB":  # a UK unit postcode is a street; a ZIP is an area
        out.append(v.postcode)
    if own_record:
        out.append(re.sub(r"^\d+[a-z]?\s+", "", v.address))
    return [s for s in out if s]


def venue_is_public(group: Group) -> bool:
    """Another published, ordinary group meets at the same venue, so the venue itself is public
    (what must never appear is a link between it and the sensitive group)."""
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(Group).where(
        Group.venue_id == group.venue_id, Group.id != group.id, ~Group.is_sensitive,
        Group.status == "published")))


def assert_clean(text: str, group: Group, *, own_record: bool = False) -> None:
    text = html.unescape(text)
    for secret in secrets_of(group, own_record=own_record):
        assert secret not in text, f"{secret!r} leaked for group {group.id}"


def test_demo_has_sensitive_groups_in_both_countries(demo_app):
    countries = {g.venue.country for g in sensitive_groups()}
    assert countries == {"GB", "US"}


def test_demo_covers_sensitive_groups_sharing_a_venue_and_alone(demo_app):
    shared = [venue_is_public(g) for g in sensitive_groups()]
    assert any(shared) and not all(shared)


def test_public_point_is_the_cell_centre_not_the_venue(demo_app):
    for g in sensitive_groups():
        cell = h3.latlng_to_cell(g.venue.latitude, g.venue.longitude, 7)
        lat, lng = h3.cell_to_latlng(cell)
        assert (g.public_lat, g.public_lng) == (round(lat, 4), round(lng, 4))
        assert haversine_km(g.public_lat, g.public_lng, g.venue.latitude, g.venue.longitude) > 0.01


def test_api_search_and_detail_show_only_the_area(demo_client):
    for g in sensitive_groups():
        detail = demo_client.get(f"/api/v1/groups/{g.id}")
        assert detail.status_code == 200
        body = detail.get_json()
        loc = body["location"]
        assert loc["approximate"] is True and loc["address"] is None and loc["venue_name"] is None
        assert (loc["latitude"], loc["longitude"]) == (g.public_lat, g.public_lng)
        assert_clean(detail.get_data(as_text=True), g, own_record=True)
        near = demo_client.get("/api/v1/groups", query_string={
            "lat": f"{g.venue.latitude:.3f}", "lng": f"{g.venue.longitude:.3f}", "limit": "100",
            "radius_km": "10"})
        hits = [r for r in near.get_json()["results"] if r["id"] == g.id]
        assert hits, "a sensitive group is still findable near its area"
        assert_clean(json.dumps(hits[0]), g, own_record=True)
        if not venue_is_public(g):
            assert_clean(near.get_data(as_text=True), g)


def test_distance_and_order_use_the_public_point(demo_client):
    g = sensitive_groups()[0]
    # Search from the exact venue: the distance reported is from the public point.
    body = demo_client.get("/api/v1/groups", query_string={
        "lat": f"{g.venue.latitude:.3f}", "lng": f"{g.venue.longitude:.3f}", "limit": "100"}).get_json()
    origin = body["origin"]
    hit = next(r for r in body["results"] if r["id"] == g.id)
    expected = haversine_km(origin["latitude"], origin["longitude"], g.public_lat, g.public_lng)
    assert hit["distance_km"] == round(expected, 1)


def test_html_pages_show_only_the_area(demo_client):
    for g in sensitive_groups():
        page = demo_client.get(f"/groups/{g.id}/{g.slug}")
        assert page.status_code == 200
        page_html = page.get_data(as_text=True)
        assert g.area_name in html_module.unescape(page_html)
        assert_clean(page_html, g, own_record=True)
        results = demo_client.get("/search", query_string={
            "lat": f"{g.venue.latitude:.3f}", "lng": f"{g.venue.longitude:.3f}", "radius": "5"})
        assert results.status_code == 200
        if not venue_is_public(g):
            assert_clean(results.get_data(as_text=True), g)


@pytest.mark.parametrize("path", ["/groups/{id}/calendar.ics"])
def test_feeds_show_only_the_area(demo_client, path):
    for g in sensitive_groups():
        r = demo_client.get(path.format(id=g.id))
        assert r.status_code == 200
        unfolded = CRLF_FOLD.sub(b"", r.get_data()).decode()
        assert "GEO:" not in unfolded
        assert g.area_name in unfolded.replace("\\,", ",")
        assert_clean(unfolded.replace("\\,", ","), g, own_record=True)
