"""``/hsds``: the Open Referral HSDS 3.0 read-only API on the demo listings and on hand-made
ones, on both backends. Every answer is validated against the official 3.0 schemas
(tests/schemas/hsds-3.0); private places appear only as areas; paging; errors as problem+json.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import sqlalchemy as sa

from groupfinder import privacy
from groupfinder.extensions import db
from groupfinder.groups.models import Condition, Group, ListingStatus
from groupfinder.groups.queries import load_groups
from groupfinder.interop import hsds_views
from groupfinder.interop.hsds import hsds_id
from groupfinder.organisations.models import Organisation
from groupfinder.schedules.recurrence import Frequency
from tests import hsds_schemas
from tests.conftest import DEMO_TODAY
from tests.factories import make_group, make_schedule, make_venue

COLLECTIONS = list(hsds_schemas.FULL_SCHEMAS)
PROBLEM = "application/problem+json"


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setattr(hsds_views, "_today", lambda: DEMO_TODAY)
    return DEMO_TODAY


def get_json(client: Any, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.data[:300])
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return response.get_json()


def walk(client: Any, collection: str, per_page: int = 100, query: str = "") -> tuple[list[Any], list[bytes]]:
    """Every page of a list: (its items, the raw bodies)."""
    items, bodies, page = [], [], 1
    while True:
        response = client.get(f"/hsds/{collection}?per_page={per_page}&page={page}{query}")
        assert response.status_code == 200, response.data[:300]
        body = response.get_json()
        assert not hsds_schemas.errors(hsds_schemas.page_schema(collection), body), collection
        items += body["contents"]
        bodies.append(response.data)
        if body["last_page"]:
            return items, bodies
        page += 1


_DEMO: dict[str, dict[str, Any]] = {}


@pytest.fixture
def hsds_demo(backend: str, demo_client: Any, fixed_today: dt.date) -> dict[str, Any]:
    """Every list page and every entity of the demo, fetched once per backend (read-only data)."""
    if backend not in _DEMO:
        _DEMO[backend] = _fetch_demo(demo_client)
    return {**_DEMO[backend], "client": demo_client}


def _fetch_demo(demo_client: Any) -> dict[str, Any]:
    lists, bodies = {}, []
    for name in COLLECTIONS:
        lists[name], raw = walk(demo_client, name)
        bodies += raw
    full: dict[str, dict[str, Any]] = {name: {} for name in COLLECTIONS}
    for name in COLLECTIONS:
        for item in lists[name]:
            response = demo_client.get(f"/hsds/{name}/{item['id']}")
            assert response.status_code == 200
            full[name][item["id"]] = response.get_json()
            bodies.append(response.data)
    return {"lists": lists, "full": full, "text": "\n".join(b.decode("utf-8") for b in bodies)}


def public_demo_groups() -> dict[int, Group]:
    ids = db.session.scalars(sa.select(Group.id).where(
        Group.status == ListingStatus.published, Group.hidden_since.is_(None)))
    return load_groups(list(ids))


GROUP_URL = re.compile(r"^https://groups\.example\.test/groups/(\d+)/")


# --- the demo ---------------------------------------------------------------------------------


def test_root_says_version_profile_and_openapi(backend, demo_client):
    body = get_json(demo_client, "/hsds/")
    assert not hsds_schemas.errors(hsds_schemas.INFO_SCHEMA, body)
    assert body["version"] == "3.0"
    assert body["openapi_url"] == "https://groups.example.test/hsds/openapi.json"
    document = get_json(demo_client, "/hsds/openapi.json")
    assert document["openapi"] == "3.1.0"
    assert {"/", "/services", "/services/{id}", "/organizations/{id}", "/locations/{id}"} <= set(document["paths"])
    assert document["servers"] == [{"url": "https://groups.example.test/hsds"}]


def test_every_answer_on_the_demo_validates(backend, hsds_demo):
    for name in COLLECTIONS:
        assert hsds_demo["lists"][name], name
        ids = [item["id"] for item in hsds_demo["lists"][name]]
        assert len(ids) == len(set(ids)), f"{name}: an id twice"
        schema = hsds_schemas.full_schema(name)
        for hid, obj in hsds_demo["full"][name].items():
            assert obj["id"] == hid
            assert not hsds_schemas.errors(schema, obj), (name, hid, hsds_schemas.errors(schema, obj)[:3])


def test_every_public_demo_group_is_a_service_and_nothing_else_is(backend, hsds_demo):
    groups = public_demo_groups()
    services = hsds_demo["full"]["services"]
    assert {GROUP_URL.match(s["url"]).group(1) for s in services.values()} == {str(g) for g in groups}
    assert set(services) == {hsds_id("service", gid) for gid in groups}
    unlisted = db.session.scalars(sa.select(Group.id).where(sa.or_(
        Group.status != ListingStatus.published, Group.hidden_since.is_not(None)))).all()
    for gid in unlisted:
        assert f"/groups/{gid}/" not in hsds_demo["text"]
    # Each service's organization exists, and each one's service_at_location points at a location.
    orgs, locations = hsds_demo["full"]["organizations"], hsds_demo["full"]["locations"]
    for s in services.values():
        assert s["organization_id"] in orgs
        for sal in s.get("service_at_locations", []):
            assert sal["location_id"] in locations and sal["location"] == locations[sal["location_id"]]


def number_forms(value: float) -> list[str]:
    return [json.dumps(round(value, d)) for d in (5, 6)] + [repr(value)]


def test_private_places_appear_only_as_their_area(backend, hsds_demo):
    text = hsds_demo["text"]
    groups = public_demo_groups()
    hidden = [g for g in groups.values() if privacy.public_location(g).approximate]
    assert len(hidden) >= 8
    assert any(g.venue.is_private and not g.is_sensitive for g in hidden) or \
        any(g.is_sensitive for g in hidden)
    shown = [g for g in groups.values() if not privacy.public_location(g).approximate]
    public_text = set()
    for g in shown:  # what listings at public places rightly publish
        v = g.venue
        public_text |= {v.name, v.address, v.postcode, *number_forms(v.latitude), *number_forms(v.longitude)}
    checked = 0
    locations = hsds_demo["full"]["locations"]
    for g in hidden:
        v = g.venue
        secrets = [v.name, v.address, *number_forms(v.latitude), *number_forms(v.longitude)]
        if v.country == "GB":
            secrets += [v.postcode, v.postcode.replace(" ", "")]
        for secret in secrets:
            if secret and secret not in public_text:
                assert secret not in text, (g.name, secret)
                checked += 1
        location = locations[hsds_id("location/group", g.id)]
        assert "addresses" not in location
        assert location["name"] == privacy.public_location(g).area
        assert (location["latitude"], location["longitude"]) == (g.public_lat, g.public_lng)
        assert hsds_id("location/venue", v.id) not in text  # not linked to the venue's own id
    assert checked >= 40


def test_public_places_carry_their_address(backend, hsds_demo):
    groups = public_demo_groups()
    locations = hsds_demo["full"]["locations"]
    seen = 0
    for g in groups.values():
        loc = privacy.public_location(g)
        if loc.approximate:
            continue
        location = locations[hsds_id("location/venue", g.venue.id)]
        (address,) = location["addresses"]
        assert (address["address_1"], address["city"], address["country"]) == (loc.address, loc.town, g.venue.country)
        seen += 1
    assert seen >= 100


def test_schedules_of_the_demo_are_rrules_with_zone_and_offset(backend, hsds_demo):
    kinds = set()
    for s in hsds_demo["full"]["services"].values():
        for sch in s.get("schedules", []):
            assert sch["freq"] in ("WEEKLY", "MONTHLY") and sch["wkst"] == "MO"
            assert re.fullmatch(r"\d{2}:\d{2}[+-]\d{2}:\d{2}", sch["opens_at"])
            offset = sch["opens_at"][5:]
            hours = int(offset[1:3]) + int(offset[4:]) / 60
            assert sch["timezone"] == (hours if offset[0] == "+" else -hours)
            zone = [a["value"] for a in sch["attributes"] if a["link_type"] == "timezone"]
            assert zone and zone[0] in sch["notes"]
            kinds.add((sch["freq"], sch["interval"] > 1, "count" in sch,
                       bool(re.match(r"-?\d", sch.get("byday", ""))), "bymonthday" in sch))
    # weekly, every N weeks, one-off, nth weekday of the month, day of the month
    assert {("WEEKLY", False, False, False, False), ("WEEKLY", True, False, False, False),
            ("WEEKLY", False, True, False, False), ("MONTHLY", False, False, True, False),
            ("MONTHLY", False, False, False, True)} <= kinds


# --- paging, filters, errors, caching ------------------------------------------------------------


def test_paging_walks_every_item_once(backend, demo_client, fixed_today):
    everything, _ = walk(demo_client, "services", per_page=100)
    small, bodies = walk(demo_client, "services", per_page=37)
    assert [i["id"] for i in small] == [i["id"] for i in everything]
    total = len(everything)
    first = json.loads(bodies[0])
    assert (first["total_items"], first["total_pages"], first["page_number"], first["size"]) == \
        (total, -(-total // 37), 1, 37)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    last = json.loads(bodies[-1])
    assert last["last_page"] and not last["first_page"] and last["size"] == total - 37 * (len(bodies) - 1)
    beyond = get_json(demo_client, f"/hsds/services?per_page=37&page={len(bodies) + 1}")
    assert beyond["contents"] == [] and beyond["empty"] and beyond["size"] == 0
    default = get_json(demo_client, "/hsds/services")
    assert default["size"] == hsds_views.PER_PAGE_DEFAULT


@pytest.mark.parametrize("query", [
    "page=0", "page=x", "page=1.5", "per_page=0", f"per_page={hsds_views.PER_PAGE_MAX + 1}",
    "per_page=-3", "page=1&page=2", "colour=blue", "full=true", "minimal=true", "postcode=M1",
    "format=ndjson", "modified_after=yesterday", "top_only=maybe",
])
def test_bad_parameters_are_400_problems(backend, demo_client, query):
    url = "/hsds/taxonomy_terms?" if "top_only" in query else "/hsds/services?"
    response = demo_client.get(url + query)
    assert response.status_code == 400, query
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == 400 and body["errors"]


def test_detail_takes_no_parameters(backend, demo_client, fixed_today):
    sid = get_json(demo_client, "/hsds/services?per_page=1")["contents"][0]["id"]
    response = demo_client.get(f"/hsds/services/{sid}?full=true")
    assert response.status_code == 400 and response.mimetype == PROBLEM


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_unknown_ids_are_404_problems(backend, demo_client, fixed_today, collection):
    for hid in (hsds_id("service", 999999), "not-an-id", "<script>"):
        response = demo_client.get(f"/hsds/{collection}/{hid}")
        assert response.status_code == 404 and response.mimetype == PROBLEM
        assert hid not in response.get_data(as_text=True)
    # An id of another kind is not found either.
    other = hsds_id("organization/group", 1) if collection == "services" else hsds_id("service", 1)
    assert demo_client.get(f"/hsds/{collection}/{other}").status_code == 404


def test_filters_are_cumulative(backend, demo_client, fixed_today):
    services, _ = walk(demo_client, "services")
    one = services[0]
    by_org, _ = walk(demo_client, "services", query=f"&organization_id={one['organization_id']}")
    assert one["id"] in {s["id"] for s in by_org}
    assert all(s["organization_id"] == one["organization_id"] for s in by_org)
    term = get_json(demo_client, "/hsds/taxonomy_terms?search=anxiety")["contents"][0]
    with_term, _ = walk(demo_client, "services", query=f"&taxonomy_term_id={term['id']}")
    assert 0 < len(with_term) < len(services)
    for s in with_term[:20]:
        full = get_json(demo_client, f"/hsds/services/{s['id']}")
        assert term["id"] in {a["taxonomy_term_id"] for a in full["attributes"]}
    both, _ = walk(demo_client, "services",
                   query=f"&taxonomy_term_id={term['id']}&organization_id={one['organization_id']}")
    assert {s["id"] for s in both} == {s["id"] for s in with_term} & {s["id"] for s in by_org}
    in_taxonomy, _ = walk(demo_client, "services", query=f"&taxonomy_id={term['taxonomy_id']}")
    assert len(in_taxonomy) >= len(with_term)
    found, _ = walk(demo_client, "services", query="&search=" + one["name"].split()[0].upper())
    assert one["id"] in {s["id"] for s in found}
    assert get_json(demo_client, "/hsds/services?modified_after=2999-01-01")["total_items"] == 0
    assert get_json(demo_client, "/hsds/services?modified_after=2000-01-01T00:00:00Z")["total_items"] == len(services)
    assert get_json(demo_client, "/hsds/taxonomy_terms?parent_id=x")["total_items"] == 0


def test_conditional_get_and_cors(backend, demo_client, fixed_today):
    first = demo_client.get("/hsds/services?per_page=5")
    assert first.headers["Access-Control-Allow-Origin"] == "*" and first.headers["ETag"]
    again = demo_client.get("/hsds/services?per_page=5", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    other = demo_client.get("/hsds/services?per_page=6", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


# --- hand-made listings -------------------------------------------------------------------------


def test_unpublished_and_hidden_groups_are_left_out_and_changes_show(backend, app, client, fixed_today):
    shown = make_group(name="Zq Shown")
    hidden = make_group(name="Zq Unconfirmed", hidden_since=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    others = [make_group(name=f"Zq {s.value}", status=s) for s in ListingStatus if s is not ListingStatus.published]
    db.session.commit()
    services = get_json(client, "/hsds/services")["contents"]
    assert [s["name"] for s in services] == ["Zq Shown"]
    text = "".join(client.get(f"/hsds/{name}").get_data(as_text=True) for name in COLLECTIONS)
    for g in [hidden, *others]:
        assert g.name not in text and g.venue.name not in text
    shown.name = "Zq Renamed"
    db.session.commit()
    assert get_json(client, "/hsds/services")["contents"][0]["name"] == "Zq Renamed"
    assert get_json(client, "/hsds/services")["contents"][0]["id"] == hsds_id("service", shown.id)


def test_hand_made_schedules_map_to_the_expected_rrule_fields(backend, app, client, fixed_today):
    venue = make_venue(name="Zq Hall", timezone="Europe/London")
    schedules = [
        make_schedule(weekdays="1", first_date=dt.date(2026, 1, 6)),                       # weekly
        make_schedule(weekdays="3", interval=2, first_date=dt.date(2026, 1, 8)),           # fortnightly
        make_schedule(kind=Frequency.monthly_weekday, weekdays="1", positions="2",
                      first_date=dt.date(2026, 1, 1)),                                      # 2nd Tuesday
        make_schedule(kind=Frequency.once, weekdays="", first_date=dt.date(2026, 12, 10)),  # one-off
        make_schedule(weekdays="4", last_date=dt.date(2026, 6, 30)),                       # ended
    ]
    group = make_group(name="Zq Schedules", venue=venue, schedules=schedules)
    db.session.commit()
    service = get_json(client, f"/hsds/services/{hsds_id('service', group.id)}")
    assert not hsds_schemas.errors(hsds_schemas.full_schema("services"), service)
    got = {s["id"]: s for s in service["schedules"]}
    want = {
        schedules[0].id: {"freq": "WEEKLY", "interval": 1, "byday": "TU", "dtstart": "2026-01-06"},
        schedules[1].id: {"freq": "WEEKLY", "interval": 2, "byday": "TH", "dtstart": "2026-01-08"},
        schedules[2].id: {"freq": "MONTHLY", "interval": 1, "byday": "2TU", "dtstart": "2026-01-13"},
        schedules[3].id: {"freq": "WEEKLY", "interval": 1, "byday": "TH", "count": 1,
                          "dtstart": "2026-12-10", "valid_to": "2026-12-10"},
    }
    assert set(got) == {hsds_id("schedule", sid) for sid in want}
    for sid, fields in want.items():
        sch = got[hsds_id("schedule", sid)]
        assert {k: sch.get(k) for k in fields} == fields, sid
        assert (sch["opens_at"], sch["closes_at"], sch["timezone"]) == ("19:00+00:00", "20:30+00:00", 0)
        assert sch["service_at_location_id"] == service["service_at_locations"][0]["id"]
    assert service["service_at_locations"][0]["schedules"] == service["schedules"]


def test_organisation_and_stand_in(backend, app, client, fixed_today):
    org = Organisation(name="Zq Mind Branch", slug="zq-mind", description="Local branch.",
                       website="https://mind.example.org")
    db.session.add(org)
    db.session.flush()
    a = make_group(name="Zq A", organisation_id=org.id)
    b = make_group(name="Zq B", organisation_id=org.id)
    c = make_group(name="Zq C", website="https://c.example.org")
    db.session.commit()
    orgs = {o["id"]: o for o in get_json(client, "/hsds/organizations")["contents"]}
    assert set(orgs) == {hsds_id("organization", org.id), hsds_id("organization/group", c.id)}
    full = get_json(client, f"/hsds/organizations/{hsds_id('organization', org.id)}")
    assert not hsds_schemas.errors(hsds_schemas.full_schema("organizations"), full)
    assert (full["name"], full["website"]) == ("Zq Mind Branch", "https://mind.example.org")
    assert sorted(s["id"] for s in full["services"]) == sorted(hsds_id("service", g.id) for g in (a, b))
    mine = get_json(client, f"/hsds/services?organization_id={hsds_id('organization', org.id)}")
    assert mine["total_items"] == 2
    stand_in = orgs[hsds_id("organization/group", c.id)]
    assert stand_in["name"] == "Zq C" and "stand-in" in stand_in["description"]


def test_private_venue_of_a_hand_made_group_never_appears(backend, app, client, fixed_today):
    venue = make_venue(name="Zq Secret Room", address="77 Zqhidden Road", postcode="M4 7ZZ",
                       latitude=53.48371, longitude=-2.23622, is_private=True)
    group = make_group(name="Zq Quiet Group", venue=venue,
                       conditions=[db.session.scalar(sa.select(Condition).limit(1))])
    db.session.commit()
    text = ""
    for name in COLLECTIONS:
        items = get_json(client, f"/hsds/{name}")["contents"]
        text += json.dumps(items)
        for item in items:
            text += client.get(f"/hsds/{name}/{item['id']}").get_data(as_text=True)
    assert "Zq Quiet Group" in text  # the control: the group itself is there
    for secret in ("Zq Secret Room", "Zqhidden", "M4 7ZZ", "M47ZZ", "53.48371", "-2.23622"):
        assert secret not in text, secret
    location = get_json(client, f"/hsds/locations/{hsds_id('location/group', group.id)}")
    assert location["name"] == privacy.public_location(group).area and "addresses" not in location
