"""An organisation's public side: its page, its feed, search's ``organisation`` filter, the API,
the group page's "Run by", schema.org JSON-LD and the sitemap. Only an organisation that runs a
published group is public; a private place is only its area everywhere."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from pyld import jsonld

from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.groups.models import ListingStatus
from groupfinder.organisations.models import Organisation
from groupfinder.schedules.models import Cancellation
from groupfinder.schedules.recurrence import next_meetings
from groupfinder.venues.places import apply_public_location
from tests.engines import available_engines, describe_difference, skip_for_missing
from tests.engines.reference import expected

from ..factories import make_group, make_venue, move_second_meeting
from .test_feeds import WINDOW, series_of, unfold, vevents

S = "https://schema.org/"
SECRET_ADDRESS = "7 Hidden Lane"
SECRET_POSTCODE = "M4 6QQ"


def make_org(name: str = "Salford Wellbeing Network", **kw: Any) -> Organisation:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    org = Organisation(name=name, slug=slug, description=kw.pop("description", f"{name} runs peer groups."),
                       website=kw.pop("website", "https://salford-wellbeing.example.org"), **kw)
    db.session.add(org)
    db.session.flush()
    return org


def private_group(org: Organisation, **kw: Any):
    venue = make_venue(name="The Secret Room", address=SECRET_ADDRESS, postcode=SECRET_POSTCODE,
                       latitude=53.4862, longitude=-2.2251)
    group = make_group(venue=venue, organisation=org, is_sensitive=True,
                       area_name="Ancoats (M4)", **kw)
    apply_public_location(group)
    return group


@pytest.fixture
def org(app) -> Organisation:
    """An organisation with a public group, a private-place group, a draft and a hidden one."""
    org = make_org()
    make_group(name="Open Circle", organisation=org)
    private_group(org, name="Quiet Circle")
    make_group(name="Draft Circle", organisation=org, status=ListingStatus.draft)
    make_group(name="Unconfirmed Circle", organisation=org, hidden_since=now_utc())
    db.session.commit()
    return org


def leaks(text: str) -> list[str]:
    return [s for s in (SECRET_ADDRESS, SECRET_POSTCODE, "The Secret Room", "Hidden Lane")
            if s in text]


# --- the page ------------------------------------------------------------------------------------

def test_the_page_shows_who_they_are_and_their_listed_groups(client, org):
    r = client.get(f"/organisations/{org.slug}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<h1>Salford Wellbeing Network</h1>" in html
    assert "Salford Wellbeing Network runs peer groups." in html
    assert ('<a href="https://salford-wellbeing.example.org" rel="nofollow noopener">' in html)
    assert "Open Circle" in html and "Quiet Circle" in html
    assert "Draft Circle" not in html and "Unconfirmed Circle" not in html
    assert "Approximate area: Ancoats (M4)" in html
    assert html.count("Next meeting:") == 2
    assert "Subscribe to all their meetings" in html
    assert f"webcal://groups.example.test/organisations/{org.slug}.ics" in html
    assert (f'<link rel="alternate" type="text/calendar" title="Salford Wellbeing Network: meetings" '
            f'href="/organisations/{org.slug}.ics">') in html
    assert f'type="application/json" title="Salford Wellbeing Network (JSON)" href="/api/v1/organisations/{org.slug}"' in html
    assert leaks(html) == []


def test_an_unknown_slug_is_the_sites_404(client, org):
    r = client.get("/organisations/nobody-here")
    assert r.status_code == 404
    assert "Page not found" in r.get_data(as_text=True)


def test_an_organisation_with_only_drafts_is_not_public(client):
    team = make_org("Peachtree Peer Alliance")
    make_group(name="Not Yet Reviewed", organisation=team, status=ListingStatus.draft)
    make_group(name="Waiting", organisation=team, status=ListingStatus.pending_review)
    db.session.commit()
    for url in (f"/organisations/{team.slug}", f"/organisations/{team.slug}.ics",
                f"/api/v1/organisations/{team.slug}"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "Peachtree" not in r.get_data(as_text=True), url
    listed = client.get("/api/v1/organisations").get_json()
    assert listed == {"items": [], "next": None}
    r = client.get("/search?where=M1+1AE&organisation=peachtree-peer-alliance")
    assert r.status_code == 422 and "Peachtree Peer Alliance" not in r.get_data(as_text=True)


def test_the_group_page_says_who_runs_it(client, org):
    group = next(g for g in _groups(org) if g.name == "Open Circle")
    html = client.get(f"/groups/{group.id}/{group.slug}").get_data(as_text=True)
    assert (f'Run by <a href="/organisations/{org.slug}">Salford Wellbeing Network</a>') in html
    plain = make_group(name="Independent Circle")
    db.session.commit()
    assert "Run by" not in client.get(f"/groups/{plain.id}/{plain.slug}").get_data(as_text=True)


def _groups(org: Organisation):
    from groupfinder.groups.models import Group

    return db.session.query(Group).filter(Group.organisation_id == org.id).all()


# --- the feed ------------------------------------------------------------------------------------

def test_the_feed_holds_every_published_group_and_no_private_address(client, org):
    r = client.get(f"/organisations/{org.slug}.ics")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert r.headers["ETag"] and r.headers["Last-Modified"]
    text = unfold(r.data)
    assert "X-WR-CALNAME:Meetings run by Salford Wellbeing Network" in text
    summaries = set(re.findall(r"^SUMMARY:([^\r\n]*)", text, re.M))
    assert summaries == {"Open Circle", "Quiet Circle", "Unconfirmed Circle"}
    assert "Ancoats (M4) (approximate area)" in text
    assert leaks(text) == []
    again = client.get(f"/organisations/{org.slug}.ics", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    since = client.get(f"/organisations/{org.slug}.ics",
                       headers={"If-Modified-Since": r.headers["Last-Modified"]})
    assert since.status_code == 304


def test_an_organisation_whose_groups_have_no_meetings_gets_a_journal_saying_so(client):
    team = make_org("Riverside Mind Collective")
    make_group(name="Timeless", organisation=team, schedules=[])
    db.session.commit()
    text = unfold(client.get(f"/organisations/{team.slug}.ics").data)
    assert "BEGIN:VJOURNAL" in text and "BEGIN:VEVENT" not in text
    assert "No meetings of groups run by Riverside Mind Collective are listed" in text


def test_the_feed_follows_cancellations_and_moves_in_every_engine(client, org):
    group = next(g for g in _groups(org) if g.name == "Open Circle")
    schedule = group.schedules[0]
    target = next_meetings(schedule.spec("Europe/London"), dt.datetime.now(dt.UTC), 4)[3]
    schedule.cancellations.append(Cancellation(original_start=target.original_start, reason="Closed"))
    move_second_meeting(group, "The hall is booked")
    schedule.sequence += 1
    db.session.commit()
    db.session.expire_all()
    body = client.get(f"/organisations/{org.slug}.ics").data
    published = [g for g in _groups(org) if g.status == ListingStatus.published]
    want = expected([series_of(s, "Europe/London") for g in published for s in g.schedules], *WINDOW)
    uid = f"schedule-{schedule.id}@groups.example.test"
    assert not any(o.uid == uid and o.start == target.starts_at.astimezone(dt.UTC) for o in want)
    assert len(vevents(body)) >= 3
    usable, missing = available_engines()
    for eng in usable:
        got = eng.expand(body, *WINDOW)
        assert got == want, f"{eng.name}:\n{describe_difference(got, want)}"
    skip_for_missing(missing)


def test_the_feed_moves_when_a_group_leaves_it(client, org):
    first = client.get(f"/organisations/{org.slug}.ics")
    group = next(g for g in _groups(org) if g.name == "Open Circle")
    group.status = ListingStatus.archived
    db.session.commit()
    later = client.get(f"/organisations/{org.slug}.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert later.status_code == 200
    assert "Open Circle" not in unfold(later.data)


# --- search --------------------------------------------------------------------------------------

def test_search_filters_by_organisation_with_a_removable_chip(client, org):
    make_group(name="Someone Else's Circle")
    db.session.commit()
    html = client.get(f"/search?where=M1+1AE&organisation={org.slug}").get_data(as_text=True)
    assert "Open Circle" in html and "Quiet Circle" in html
    assert "Someone Else" not in html
    chip = re.search(r'<a[^>]*href="([^"]*)"[^>]*>(?:(?!</a>).)*Salford Wellbeing Network', html, re.S)
    assert chip, "a chip names the organisation"
    assert "organisation=" not in chip.group(1)
    everyone = client.get("/search?where=M1+1AE").get_data(as_text=True)
    assert "Someone Else" in everyone


def test_the_api_search_filters_by_organisation_and_says_who_runs_each_group(client, org):
    make_group(name="Someone Else's Circle")
    db.session.commit()
    body = client.get(f"/api/v1/groups?where=M1+1AE&organisation={org.slug}").get_json()
    names = {g["name"] for g in body["results"]}
    assert names == {"Open Circle", "Quiet Circle"}
    for g in body["results"]:
        assert g["organisation"] == {"slug": org.slug, "name": org.name,
                                     "url": f"https://groups.example.test/organisations/{org.slug}"}
    everyone = client.get("/api/v1/groups?where=M1+1AE").get_json()["results"]
    assert {g["name"]: g["organisation"] for g in everyone}["Someone Else's Circle"] is None
    bad = client.get("/api/v1/groups?where=M1+1AE&organisation=nobody")
    assert bad.status_code == 422 and "organisation" in bad.get_json()["errors"]


def test_the_search_feed_accepts_the_filter(client, org):
    make_group(name="Someone Else's Circle")
    db.session.commit()
    text = unfold(client.get(f"/search/calendar.ics?where=M1+1AE&organisation={org.slug}").data)
    assert "Open Circle" in text and "Someone Else" not in text
    assert "run by Salford Wellbeing Network" in text


# --- the API -------------------------------------------------------------------------------------

def test_the_api_lists_public_organisations_a_page_at_a_time(client, org):
    for name in ("Alder Peer Trust", "Birch Wellbeing Circle"):
        make_group(organisation=make_org(name))
    make_group(organisation=make_org("Draft Only Group"), status=ListingStatus.draft)
    db.session.commit()
    first = client.get("/api/v1/organisations?limit=2").get_json()
    assert [o["slug"] for o in first["items"]] == ["alder-peer-trust", "birch-wellbeing-circle"]
    second = client.get(first["next"].replace("https://groups.example.test", "")).get_json()
    assert [o["slug"] for o in second["items"]] == [org.slug] and second["next"] is None
    [item] = second["items"]
    assert item == {
        "slug": org.slug, "name": "Salford Wellbeing Network",
        "description": "Salford Wellbeing Network runs peer groups.",
        "website": "https://salford-wellbeing.example.org",
        "url": f"https://groups.example.test/organisations/{org.slug}",
        "api_url": f"https://groups.example.test/api/v1/organisations/{org.slug}",
        "calendar_url": f"https://groups.example.test/organisations/{org.slug}.ics",
        "group_count": 2}
    for bad in ("limit=0", "limit=x", "cursor=%%%", "cursor=AA"):
        r = client.get(f"/api/v1/organisations?{bad}")
        assert r.status_code == 422 and r.mimetype == "application/problem+json", bad


def test_the_api_gives_one_organisation_with_its_groups_privately(client, org):
    body = client.get(f"/api/v1/organisations/{org.slug}").get_json()
    assert body["name"] == "Salford Wellbeing Network" and body["group_count"] == 2
    groups = {g["name"]: g for g in body["groups"]}
    assert set(groups) == {"Open Circle", "Quiet Circle"}
    assert groups["Quiet Circle"]["location"]["approximate"] is True
    assert groups["Quiet Circle"]["location"]["address"] is None
    assert leaks(json.dumps(body)) == []
    assert client.get("/api/v1/organisations/nobody").status_code == 404


# --- schema.org ----------------------------------------------------------------------------------

def _loader(url: str, options: Any = None) -> dict[str, Any]:
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": {"@context": {"@vocab": S}}}


def _json_ld(html: str) -> dict[str, Any]:
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    [node] = jsonld.expand(json.loads(raw), {"documentLoader": _loader})
    return node


def _values(node: dict[str, Any], name: str) -> list[Any]:
    return [v.get("@value", v.get("@id")) for v in node.get(S + name, [])]


def test_the_page_describes_the_organisation_and_its_events_in_json_ld(client, org):
    html = client.get(f"/organisations/{org.slug}").get_data(as_text=True)
    node = _json_ld(html)
    assert node["@type"] == [S + "Organization"]
    assert _values(node, "name") == ["Salford Wellbeing Network"]
    assert _values(node, "sameAs") == ["https://salford-wellbeing.example.org"]
    assert _values(node, "url") == [f"https://groups.example.test/organisations/{org.slug}"]
    events = node[S + "event"]
    assert sorted(_values(e, "name")[0] for e in events) == ["Open Circle", "Quiet Circle"]
    for e in events:
        assert e["@type"] == [S + "Event"]
        [organizer] = e[S + "organizer"]
        assert _values(organizer, "name") == ["Salford Wellbeing Network"]
        assert e[S + "eventSchedule"]
    quiet = next(e for e in events if _values(e, "name") == ["Quiet Circle"])
    [place] = quiet[S + "location"]
    assert place[S + "geo"][0]["@type"] == [S + "GeoCircle"]
    assert leaks(html) == []


def test_the_group_page_names_its_organisation_as_organizer(client, org):
    group = next(g for g in _groups(org) if g.name == "Open Circle")
    node = _json_ld(client.get(f"/groups/{group.id}/{group.slug}").get_data(as_text=True))
    [organizer] = node[S + "organizer"]
    assert organizer["@type"] == [S + "Organization"]
    assert _values(organizer, "url") == [f"https://groups.example.test/organisations/{org.slug}"]


# --- the sitemap ---------------------------------------------------------------------------------

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_the_sitemap_lists_public_organisations_with_their_latest_change(client, org):
    hidden_only = make_org("Hidden Only Trust")
    make_group(organisation=hidden_only, hidden_since=now_utc())
    make_group(organisation=make_org("Drafts Only Trust"), status=ListingStatus.draft)
    db.session.commit()
    index = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/sitemaps/organisations-1.xml" in index
    root = ET.fromstring(client.get("/sitemaps/organisations-1.xml").data)
    entries = {u.find("s:loc", NS).text: u.find("s:lastmod", NS).text for u in root.iterfind("s:url", NS)}
    assert list(entries) == [f"https://groups.example.test/organisations/{org.slug}"]
    groups = [g for g in _groups(org) if g.status == ListingStatus.published and g.hidden_since is None]
    latest = max([org.updated_at] + [max(g.updated_at, g.confirmed_at) for g in groups])
    assert entries[f"https://groups.example.test/organisations/{org.slug}"] == \
        latest.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the demo's organisations --------------------------------------------------------------------

def _demo_orgs() -> list[Organisation]:
    import sqlalchemy as sa

    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.slug)))


def test_every_demo_group_is_run_by_one_of_its_fictional_organisations(demo_app):
    import sqlalchemy as sa

    from groupfinder.groups.models import Group

    orgs = _demo_orgs()
    assert 25 <= len(orgs) <= 40
    assert all(o.external_key.startswith("org-") for o in orgs)
    assert all(re.fullmatch(r"https://[a-z0-9-]+\.example\.(org|com|net)", o.website) for o in orgs)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)
                             .where(Group.organisation_id.is_(None))) == 0
    spread = {oid: n for oid, n in db.session.execute(
        sa.select(Group.organisation_id, sa.func.count()).group_by(Group.organisation_id))}
    assert min(spread.values()) >= 3


def test_demo_organisation_pages_feeds_and_api_never_show_a_private_address(demo_app, demo_client):
    import sqlalchemy as sa

    from groupfinder import privacy
    from groupfinder.groups.models import Group

    groups = list(db.session.scalars(sa.select(Group)))
    private = {g.venue for g in groups if (loc := privacy.public_location(g)) and loc.approximate}
    assert len(private) >= 8
    secrets = set()
    for v in private:
        secrets |= {v.address, f"{v.latitude:.5f}", f"{v.longitude:.5f}"}
        if v.country == "GB":
            secrets.add(v.postcode)
    orgs = _demo_orgs()
    for org in orgs:
        for url in (f"/organisations/{org.slug}", f"/organisations/{org.slug}.ics",
                    f"/api/v1/organisations/{org.slug}"):
            r = demo_client.get(url)
            assert r.status_code == 200, url
            text = unfold(r.data) if url.endswith(".ics") else r.get_data(as_text=True)
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{url} shows {leaked}"
    listed = demo_client.get("/api/v1/organisations?limit=100").get_json()
    assert [o["slug"] for o in listed["items"]] == [o.slug for o in orgs]
    assert sum(o["group_count"] for o in listed["items"]) >= 650


def test_a_national_demo_organisations_feed_expands_like_recurrence(demo_app, demo_client):
    import sqlalchemy as sa

    from groupfinder.groups.models import Group

    org = db.session.scalar(sa.select(Organisation).where(
        Organisation.external_key == "org-int-gentle-tide"))
    body = demo_client.get(f"/organisations/{org.slug}.ics").data
    groups = db.session.scalars(sa.select(Group).where(
        Group.organisation_id == org.id, Group.status == ListingStatus.published)).all()
    assert len({g.venue.timezone for g in groups}) >= 3  # a calendar across many towns and zones
    want = expected([series_of(s, g.venue.timezone) for g in groups for s in g.schedules], *WINDOW)
    usable, missing = available_engines()
    for eng in usable:
        got = eng.expand(body, *WINDOW)
        assert got == want, f"{eng.name}:\n{describe_difference(got, want)}"
    skip_for_missing(missing)


def test_the_organisation_endpoints_match_the_openapi_document(demo_client):
    from .test_openapi import API, Contract, _served

    contract = Contract(_served(demo_client))
    first = contract.check(demo_client.get(f"{API}/organisations?limit=2"), f"{API}/organisations")
    assert len(first["items"]) == 2 and first["next"]
    slug = first["items"][0]["slug"]
    detail = contract.check(demo_client.get(f"{API}/organisations/{slug}"), f"{API}/organisations/{{slug}}")
    assert detail["groups"] and all(g["organisation"]["slug"] == slug for g in detail["groups"])
    contract.check(demo_client.get(f"{API}/organisations/no-such-team"), f"{API}/organisations/{{slug}}")
    contract.check(demo_client.get(f"{API}/organisations?limit=0"), f"{API}/organisations")
    found = contract.check(demo_client.get(f"{API}/groups?where=M1+1AE&organisation={slug}"),
                           f"{API}/groups")
    assert all(g["organisation"]["slug"] == slug for g in found["results"])
