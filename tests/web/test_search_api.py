"""The search API on the demo listings, checked against a brute-force answer computed in Python."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from groupfinder.extensions import db
from groupfinder.geo.distance import haversine_km
from groupfinder.groups.models import Group, ListingStatus


def brute_force(lat, lng, radius_km, predicate=lambda g: True, limit=20):
    groups = db.session.scalars(sa.select(Group).where(Group.status == ListingStatus.published)
                                .options(selectinload(Group.schedules),
                                         selectinload(Group.conditions),
                                         selectinload(Group.audiences),
                                         selectinload(Group.languages),
                                         selectinload(Group.access_features))).all()
    scored = []
    for g in groups:
        d = haversine_km(lat, lng, g.public_lat, g.public_lng)
        if d <= radius_km and predicate(g):
            scored.append((d, g.id))
    scored.sort()
    return [gid for _, gid in scored[:limit]]


def get(client, **params):
    return client.get("/api/v1/groups", query_string=params)


def test_m1_1ae_lists_manchester_groups_nearest_first(demo_client):
    r = get(demo_client, where="M1 1AE")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert "M1 1" in body["origin"]["label"]
    results = body["results"]
    assert len(results) == 20
    distances = [x["distance_km"] for x in results]
    assert distances == sorted(distances)
    assert results[0]["distance_km"] < 3
    towns = {g.venue.town for g in db.session.scalars(
        sa.select(Group).where(Group.id.in_([x["id"] for x in results])))}
    assert towns <= {"Manchester", "Salford"}


def test_results_equal_the_brute_force_nearest(demo_client):
    body = get(demo_client, where="M1 1AE", limit="30").get_json()
    o = body["origin"]
    assert [x["id"] for x in body["results"]] == brute_force(o["latitude"], o["longitude"], 25, limit=30)


def test_zip_10001_lists_new_york_groups(demo_client):
    body = get(demo_client, where="10001").get_json()
    assert body["results"]
    assert all(x["timezone"] == "America/New_York" for x in body["results"])
    assert body["results"][0]["distance_km"] < 5


@pytest.mark.parametrize("where", ["Leeds", "EH1 1", "Brooklyn, NY", "14 High Street, Cardiff"])
def test_towns_sectors_and_addresses_resolve(demo_client, where):
    r = get(demo_client, where=where)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["results"]


def test_newport_offers_a_did_you_mean_choice(demo_client):
    """The dominant Newport (Wales, 6x the next) is used, and the others are offered."""
    r = get(demo_client, where="Newport")
    assert r.status_code == 200
    body = r.get_json()
    assert body["origin"]["label"] == "Newport, Wales"
    labels = [c["label"] for c in body["did_you_mean"]]
    assert "Newport, Isle of Wight" in labels and "Newport, Telford and Wrekin" in labels
    other = body["did_you_mean"][0]
    assert get(demo_client, where=other["where"]).get_json()["origin"]["label"] == other["label"]


def test_a_name_without_a_dominant_place_asks_which_one(demo_client):
    r = get(demo_client, where="Springfield")
    assert r.status_code == 422
    assert r.mimetype == "application/problem+json"
    body = r.get_json()
    assert body["type"].endswith("ambiguous-place")
    assert body["errors"]["where"]
    labels = [c["label"] for c in body["candidates"]]
    assert len(labels) >= 2 and len(set(labels)) == len(labels)
    assert get(demo_client, where=body["candidates"][0]["where"]).status_code == 200


def test_unknown_postcode_gives_a_message_a_person_can_act_on(demo_client):
    r = get(demo_client, where="ZZ99 9ZZ")
    assert r.status_code == 422
    body = r.get_json()
    assert body["errors"]["where"]
    assert "ZZ99 9ZZ" in body["errors"]["where"][0]


@pytest.mark.parametrize("params,bad", [
    ({"where": "Leeds", "condition": "unicorns"}, "condition"),
    ({"where": "Leeds", "radius_km": "500"}, "radius_km"),
    ({"lat": "53.4"}, "lng"),
    ({"where": "Leeds", "starts_after": "7pm"}, "starts_after"),
    ({"where": "Leeds", "day": "someday"}, "day"),
    ({"where": "Leeds", "limit": "1000"}, "limit"),
    ({"where": "Leeds", "cursor": "not-a-cursor"}, "cursor"),
    ({}, "where"),
])
def test_bad_parameters_get_problem_json_per_field(demo_client, params, bad):
    r = get(demo_client, **params)
    assert 400 <= r.status_code < 500
    assert r.mimetype == "application/problem+json"
    body = r.get_json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert bad in body["errors"]


def _has(slugs_attr, slug):
    return lambda g: slug in {x.slug for x in getattr(g, slugs_attr)}


def _meets(day=None, after=None, before=None):
    today = dt.date(2026, 11, 25)

    def ok(g):
        for s in g.schedules:
            if s.last_date is not None and s.last_date < today:
                continue
            if day is not None and not s.days_mask & (1 << day):
                continue
            if after is not None and s.start_time < after:
                continue
            if before is not None and s.start_time > before:
                continue
            return True
        return False
    return ok


def _access(slug):
    return lambda g: slug in {a.slug for a in g.access_features} | {
        a.slug for a in g.venue.access_features}


FILTERS = [
    ({"condition": "anxiety"}, _has("conditions", "anxiety")),
    ({"audience": "women"}, _has("audiences", "women")),
    ({"language": "es"}, _has("languages", "es")),
    ({"access": "step-free"}, _access("step-free")),
    ({"day": "tue"}, _meets(day=1)),
    ({"starts_after": "18:00"}, _meets(after=dt.time(18))),
    ({"starts_before": "12:00"}, _meets(before=dt.time(12))),
    ({"condition": "depression", "day": "wed", "starts_after": "17:00"},
     lambda g: _has("conditions", "depression")(g) and _meets(day=2, after=dt.time(17))(g)),
    ({"access": "step-free", "audience": "adults"},
     lambda g: _access("step-free")(g) and _has("audiences", "adults")(g)),
]


@pytest.mark.parametrize("where", ["SW1A 1AA", "10001"])
@pytest.mark.parametrize("params,predicate", FILTERS)
def test_each_filter_narrows_exactly_alone_and_combined(demo_client, where, params, predicate):
    body = get(demo_client, where=where, radius_km="50", limit="100", **params).get_json()
    o = body["origin"]
    expected = brute_force(o["latitude"], o["longitude"], 50, predicate, limit=100)
    assert [x["id"] for x in body["results"]] == expected
    unfiltered = get(demo_client, where=where, radius_km="50", limit="100").get_json()
    assert len(body["results"]) <= len(unfiltered["results"])


def test_pages_follow_each_other_without_gaps_or_repeats(demo_client):
    first = get(demo_client, where="SW1A 1AA", limit="7").get_json()
    assert first["next"]
    query = first["next"].split("?", 1)[1]
    second = demo_client.get("/api/v1/groups?" + query).get_json()
    o = first["origin"]
    expected = brute_force(o["latitude"], o["longitude"], 25, limit=14)
    assert [x["id"] for x in first["results"] + second["results"]] == expected


def test_empty_radius_suggests_the_nearest_group(demo_client):
    # A point in the Scottish Highlands: no demo group within 5 km.
    body = get(demo_client, lat="57.0", lng="-4.5", radius_km="5").get_json()
    assert body["results"] == []
    assert body["nearest_outside_radius_km"] > 5


def test_group_detail_has_meetings_and_what_to_expect(demo_client):
    gid = get(demo_client, where="LS1 4").get_json()["results"][0]["id"]
    body = demo_client.get(f"/api/v1/groups/{gid}").get_json()
    assert body["what_to_expect"] and body["description"]
    assert 1 <= len(body["meetings"]) <= 10
    assert all(m["status"] in ("scheduled", "cancelled", "moved") for m in body["meetings"])
    starts = [dt.datetime.fromisoformat(m["starts_at"]) for m in body["meetings"]]
    assert starts == sorted(starts)
    assert starts[0].utcoffset() is not None


def test_unpublished_or_missing_group_is_404_problem(demo_client):
    r = demo_client.get("/api/v1/groups/999999")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


def test_vocabularies_are_listed(demo_client):
    for name in ("conditions", "audiences", "access-features", "languages"):
        items = demo_client.get(f"/api/v1/{name}").get_json()["items"]
        assert items and all({"slug", "name"} <= set(i) for i in items)


def test_search_loads_in_a_fixed_number_of_queries(demo_client):
    """No N+1: 50 results cost no more statements than 2 (a bound that does not grow)."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    app = demo_client.application
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        # Both cold: whatever earlier tests in this process cached must not count for one only.
        app.extensions.pop("groupfinder.readcache", None)
        body = get(demo_client, lat="51.501", lng="-0.142", radius_km="50", limit="2").get_json()
        few = len(statements)
        statements.clear()
        app.extensions.pop("groupfinder.readcache", None)
        body = get(demo_client, lat="51.501", lng="-0.142", radius_km="50", limit="50").get_json()
        many = len(statements)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(body["results"]) == 50
    assert many <= few + 3  # a few more radius steps at most, never one per result
    assert many <= 20
