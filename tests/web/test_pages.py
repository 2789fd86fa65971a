"""Server-rendered pages: search, results, a group, a facilitator, errors; no JavaScript needed."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Group


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_home_has_a_labelled_search_form(demo_client):
    r = demo_client.get("/")
    assert r.status_code == 200
    page = text(r)
    assert 'name="where"' in page and "<label" in page
    assert 'action="/search"' in page


def test_search_by_postcode_lists_nearest_groups(demo_client):
    r = demo_client.get("/search", query_string={"where": "M1 1AE"})
    assert r.status_code == 200
    page = text(r)
    assert "Groups near M1 1AE" in page  # the full postcode, as typed
    listed = page[page.index('id="results-list"'):]  # the list (the map's data repeats them)
    distances = [float(x or 0) for x in  # a UK place: miles
                 re.findall(r"(?:about (\d+(?:\.\d)?)|under 0\.5) mi", listed)]
    assert len(distances) >= 10 and distances == sorted(distances)


def test_bad_input_re_renders_the_form_with_the_input_and_a_message_per_field(demo_client):
    r = demo_client.get("/search", query_string={
        "where": "ZZ99 9ZZ", "starts_after": "25:99", "condition": "unicorns"})
    assert r.status_code == 422
    page = text(r)
    assert 'value="ZZ99 9ZZ"' in page
    assert "HH:MM" in page
    assert "Unknown condition" in page


def test_unknown_postcode_is_explained(demo_client):
    r = demo_client.get("/search", query_string={"where": "ZZ99 9ZZ"})
    assert r.status_code == 422
    assert "ZZ99 9ZZ" in text(r)


def test_ambiguous_place_offers_choices_that_keep_filters(demo_client):
    r = demo_client.get("/search", query_string={"where": "Springfield", "condition": "anxiety"})
    page = text(r)
    assert "Springfield, IL" in page
    links = re.findall(r'href="(/search\?[^"]*Springfield[^"]*)"', page)
    assert links and all("condition=anxiety" in link for link in links)


def test_filters_narrow_the_page(demo_client):
    everything = text(demo_client.get("/search", query_string={"where": "Leeds"}))
    filtered = text(demo_client.get("/search", query_string={"where": "Leeds", "condition": "ocd"}))
    assert filtered.count('class="result') <= everything.count('class="result')


def test_group_page_shows_schedule_meetings_and_calendar_links(demo_client):
    group = db.session.scalars(sa.select(Group).where(~Group.is_sensitive).order_by(Group.id)).first()
    r = demo_client.get(f"/groups/{group.id}")
    assert r.status_code == 301
    r = demo_client.get(r.headers["Location"])
    page = text(r)
    assert group.name in page and group.venue.address in page
    assert f"/groups/{group.id}/calendar.ics" in page
    assert "webcal://" in page and "calendar.google.com" in page


def test_cancelled_meetings_are_struck_through(demo_client):
    group = next(g for g in db.session.scalars(sa.select(Group).order_by(Group.id))
                 if any(s.cancellations for s in g.schedules))
    page = text(demo_client.get(f"/groups/{group.id}/{group.slug}"))
    assert "<del" in page and "Cancelled" in page


def test_facilitator_page_shows_only_public_contact(demo_client):
    private = db.session.scalars(sa.select(Facilitator).where(
        ~Facilitator.show_email, ~Facilitator.show_phone).order_by(Facilitator.id)).first()
    r = demo_client.get(f"/facilitators/{private.id}")
    assert r.status_code == 200
    page = text(r)
    assert private.name in page
    assert private.email not in page and private.phone not in page


def test_missing_pages_are_helpful_404s_that_echo_nothing(demo_client):
    r = demo_client.get("/groups/99999999")
    assert r.status_code == 404
    r = demo_client.get("/no-such-page-<script>")
    assert r.status_code == 404
    assert "<script>" not in r.get_data(as_text=True)
    assert "Find a group" in text(r) or "search" in text(r).lower()


def test_about_and_privacy_pages(demo_client):
    assert "GeoNames" in text(demo_client.get("/about"))
    assert "location" in text(demo_client.get("/privacy")).lower()


def test_health_endpoints(demo_client):
    assert demo_client.get("/healthz").get_json() == {"status": "ok"}
    r = demo_client.get("/readyz")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"


def test_no_inline_scripts_or_external_assets(demo_client):
    page = demo_client.get("/search", query_string={"where": "Leeds"}).get_data(as_text=True)
    # (a map's data block, <script type="application/json">, is never executed: not a script)
    assert not re.search(r'<script(?![^>]*\b(?:src=|type="application/json"))', page)
    assert not re.search(r'(src|href)="https?://(?!groups\.example\.test)[^"]*\.(js|css)', page)


def test_meets_this_week_filter_is_offered_and_kept(demo_client):
    """An old this_week=true link reads as the "When it meets: in the next 7 days" choice."""
    for query in ({"this_week": "true"}, {"when": "week"}):
        page = text(demo_client.get("/search", query_string={"where": "Leeds", **query}))
        assert re.search(r'name="when"\s+value="week"\s*checked', page)


def test_a_typed_search_can_be_subscribed_to_but_a_shared_location_cannot(demo_client):
    page = text(demo_client.get("/search", query_string={"where": "LS1 4", "condition": "grief-and-loss",
                                                         "radius": "10"}))
    links = re.findall(r'href="(https://groups\.example\.test/search/calendar\.ics\?[^"]*)"', page)
    # The radius is in the searched place's unit (miles in the UK); the feed's is in km.
    assert links and "radius_km=16.09" in links[0] and "condition=grief-and-loss" in links[0]
    feed = demo_client.get(links[0].replace("https://groups.example.test", ""))
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    located = text(demo_client.get("/search", query_string={"lat": "53.8", "lng": "-1.55"}))
    assert "/search/calendar.ics" not in located


def test_a_result_leads_to_its_page_and_back_to_the_same_results(demo_client):
    r = demo_client.get("/search", query_string={"where": "M1 1AE", "condition": "anxiety"})
    page = r.get_data(as_text=True)
    listed = page[page.index('id="results-list"'):]
    link = html.unescape(re.search(r'<a href="(/groups/[^"]+)"', listed).group(1))
    assert "back=" in link and "from_lat=" in link and "from_lng=" in link
    group_page = demo_client.get(link)
    assert group_page.status_code == 200
    body = html.unescape(group_page.get_data(as_text=True))
    back = re.search(r'<a[^>]*href="(/search\?[^"]+)"[^>]*>\s*Back to results', body)
    assert back and "where=M1+1AE" in back.group(1) and "condition=anxiety" in back.group(1)
    assert "from the place you searched" in body
