"""The results page (issue 10): results first, the count, chips and "Clear all", what to drop
when nothing matches, the next matching meeting and its label, "when" and the next-meeting
order, pages with a range and a way back, the searched country's words and units, the place
"Use my location" found, and a printable list that shows no more than the page may."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.groups.models import Condition
from groupfinder.groups.search import run_results_page

from ..factories import make_group, make_schedule, make_venue

M1 = (53.4824, -2.2352)  # the M1 1 sector's point: what "M1 1AE" is searched from
NYC = (40.7506, -73.9972)  # by 10001
# Tuesday 1 December 2026, 18:20 in London (GMT)
NOW = dt.datetime(2026, 12, 1, 18, 20, tzinfo=dt.UTC)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def group_at(km_north: float, *, weekdays: str = "1", start: dt.time = dt.time(19),
             conditions: tuple[str, ...] = (), point: tuple[float, float] = M1, **kw):  # type: ignore[no-untyped-def]
    lat, lng = point
    venue_kw = kw.pop("venue_kw", {})
    venue = make_venue(latitude=lat + km_north / 111.2, longitude=lng, **venue_kw)
    group = make_group(venue=venue, schedules=[make_schedule(weekdays=weekdays, start_time=start)], **kw)
    if conditions:
        group.conditions = list(db.session.scalars(sa.select(Condition).where(Condition.slug.in_(conditions))))
    return group


def links(page: str, cls: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(text, query pairs) of every link with class ``cls``."""
    found = re.findall(rf'<a class="{cls}" href="([^"]*)"[^>]*>(.*?)</a>', page, re.S)
    return [(re.sub(r"<[^>]+>", "", body).strip(), parse_qsl(urlsplit(href).query)) for href, body in found]


def test_count_chips_and_clear_all(client):
    for km in (1, 2, 3):
        group_at(km, weekdays="0", conditions=("anxiety",))
    for km in (1.5, 2.5):
        group_at(km, weekdays="1", conditions=("depression",))
    db.session.commit()
    page = text(client.get("/search", query_string={"where": "M1 1AE", "condition": "anxiety", "day": "mon"}))
    assert "Groups near M1 1AE" in page
    assert "Anxiety, Mondays · within 10 miles of M1 1AE" in page  # the folded form's summary
    assert "3 groups within 10 miles, nearest first" in page
    chips = dict(links(page, "chip"))
    assert set(chips) == {"Remove filter: Anxiety×", "Remove filter: Mondays×"}
    assert chips["Remove filter: Anxiety×"] == [("where", "M1 1AE"), ("day", "mon")]
    assert chips["Remove filter: Mondays×"] == [("where", "M1 1AE"), ("condition", "anxiety")]
    clear = dict(links(page, "chips__clear"))
    assert clear == {"Clear all filters": [("where", "M1 1AE")]}
    everything = text(client.get("/search?" + "&".join(f"{k}={v}" for k, v in clear["Clear all filters"])))
    assert "5 groups within 10 miles, nearest first" in everything


def test_the_folded_form_opens_by_itself_only_on_errors(client):
    group_at(1)
    db.session.commit()
    page = text(client.get("/search", query_string={"where": "M1 1AE"}))
    assert '<details class="search-summary">' in page
    assert 'href="#results-heading"' in page  # the skip link straight to the results
    bad = client.get("/search", query_string={"where": "M1 1AE", "starts_after": "25:00"})
    assert bad.status_code == 422 and "search-summary" not in text(bad)  # the whole form, open
    assert 'id="starts_after"' in text(bad)


def test_nothing_found_says_which_filter_to_drop(client):
    for km in (1, 2, 3):
        group_at(km, weekdays="1", conditions=("depression",))  # Tuesdays
    for km in (1.5, 2.5):
        group_at(km, weekdays="0", conditions=("anxiety",))  # Mondays
    group_at(60, weekdays="1", conditions=("anxiety",))  # far away, Tuesdays
    db.session.commit()
    page = text(client.get("/search", query_string={"where": "M1 1AE", "condition": "anxiety", "day": "tue"}))
    assert "No groups within 10 miles of M1 1AE match Anxiety and Tuesdays." in page
    advice = dict(re.findall(r'<li><a href="([^"]*)">(Without[^<]*)</a>', page))
    by_words = {v: dict(parse_qsl(urlsplit(k).query)) for k, v in advice.items()}
    assert by_words == {
        "Without the topic filter (Anxiety) there are 3 groups.": {"where": "M1 1AE", "day": "tue"},
        "Without the day filter (Tuesdays) there are 2 groups.": {"where": "M1 1AE", "condition": "anxiety"},
    }
    assert "Or keep every filter: the nearest match is about 37 mi away" in page


def test_the_card_shows_the_next_meeting_that_matches_the_day_filter(client):
    group_at(1, weekdays="0,3")  # Mondays and Thursdays
    db.session.commit()
    for day, name in (("mon", "Monday"), ("thu", "Thursday")):
        page = text(client.get("/search", query_string={"where": "M1 1AE", "day": day}))
        when = re.search(r'class="result__when">([^<]*)<', page).group(1)
        assert when.startswith(name), when


def test_units_words_and_dates_follow_the_searched_country(client, app):
    group_at(1)  # Tuesdays in Manchester
    group_at(1, point=NYC, venue_kw={"country": "US", "postcode": "10001", "town": "New York",
                                     "timezone": "America/New_York"})
    db.session.commit()
    uk = text(client.get("/search", query_string={"where": "M1 1AE"}))
    assert '<label for="where">Postcode, town or address</label>' in uk
    assert "within 10 miles" in uk and re.search(r"<dd>(about [\d.]+|under 0\.5) mi</dd>", uk)
    assert re.search(r'result__when">Tuesday \d{1,2} [A-Z][a-z]+, ', uk)  # Tuesday 8 December
    us = text(client.get("/search", query_string={"where": "10001"}))
    assert "Groups near 10001" in us
    assert '<label for="where">ZIP code, city or address</label>' in us
    assert re.search(r"<dd>(about [\d.]+|under 0\.5) mi</dd>", us)
    assert re.search(r'result__when">Tuesday, [A-Z][a-z]+ \d{1,2}, ', us)  # Tuesday, December 8
    app.config["DISTANCE_UNIT"] = "km"  # the setting forces km everywhere
    try:
        forced = text(client.get("/search", query_string={"where": "M1 1AE"}))
    finally:
        app.config["DISTANCE_UNIT"] = "auto"
    assert "within 25 km" in forced and re.search(r"<dd>(about [\d.]+|under 0\.5) km</dd>", forced)


def test_a_radius_is_read_in_the_searched_countrys_unit(client):
    group_at(12)  # 7.5 miles
    db.session.commit()
    assert "1 group within 10 miles" in text(client.get("/search", query_string={"where": "M1 1AE", "radius": "10"}))
    assert "No groups within 5 miles" in text(client.get("/search", query_string={"where": "M1 1AE", "radius": "5"}))


def results(app, **args):  # type: ignore[no-untyped-def]
    with app.test_request_context("/search"):
        outcome = run_results_page({"where": ["M1 1AE"], **{k: [v] for k, v in args.items()}}, now=NOW)
        return [(c.result.group.name, c.label) for c in outcome.cards], outcome


def test_when_filters_labels_and_the_next_meeting_order(app):
    group_at(1, weekdays="3", name="Near Thursday")  # Thursday 3 December
    group_at(3, weekdays="2", start=dt.time(10), name="Middle Wednesday")  # tomorrow
    group_at(5, weekdays="1", name="Far Tuesday")  # today at 19:00, in 40 minutes
    db.session.commit()
    nearest, outcome = results(app)
    assert [n for n, _ in nearest] == ["Near Thursday", "Middle Wednesday", "Far Tuesday"]
    assert dict(nearest) == {"Near Thursday": None, "Middle Wednesday": "Tomorrow",
                             "Far Tuesday": "Starting in 40 min"}
    assert outcome.count == "3 groups within 10 miles, nearest first"
    soonest, outcome = results(app, sort="next")
    assert [n for n, _ in soonest] == ["Far Tuesday", "Middle Wednesday", "Near Thursday"]
    assert outcome.count == "3 groups within 10 miles, next meeting first"
    assert results(app, when="today")[0] == [("Far Tuesday", "Starting in 40 min")]
    assert results(app, when="tomorrow")[0] == [("Middle Wednesday", "Tomorrow")]
    assert len(results(app, when="week")[0]) == 3
    today, outcome = results(app, when="today")
    assert outcome.count == "1 group meeting today within 10 miles"
    assert [c.label for c in outcome.chips] == ["Today"]


def test_a_meeting_under_way_is_in_progress_and_still_today(app):
    group_at(1, weekdays="1", name="Tuesday Evening")  # 19:00–20:30
    db.session.commit()
    with app.test_request_context("/search"):
        outcome = run_results_page({"where": ["M1 1AE"], "when": ["today"]},
                                   now=dt.datetime(2026, 12, 1, 19, 45, tzinfo=dt.UTC))
    assert [c.label for c in outcome.cards] == ["In progress"]
    with app.test_request_context("/search"):
        after = run_results_page({"where": ["M1 1AE"], "when": ["today"]},
                                 now=dt.datetime(2026, 12, 1, 20, 45, tzinfo=dt.UTC))
    assert after.cards == [] and "“Today”" in after.advice[0][1]


def test_pages_have_a_range_and_a_way_back(client):
    for i in range(25):
        group_at(0.2 + i * 0.2, name=f"Group {i:02d}")
    db.session.commit()
    first = text(client.get("/search", query_string={"where": "M1 1AE"}))
    assert "25 groups within 10 miles, nearest first" in first and "1–20 of 25" in first
    assert 'rel="prev"' not in first
    nxt = re.search(r'href="([^"]*)" rel="next"', first).group(1)
    assert dict(parse_qsl(urlsplit(nxt).query)) == {"where": "M1 1AE", "page": "2"}
    second = text(client.get(nxt))
    assert "21–25 of 25" in second and 'rel="next"' not in second
    assert re.findall(r'<a href="[^"]*">(Group \d\d)</a>', second) == [f"Group {i}" for i in range(20, 25)]
    back = re.search(r'href="([^"]*)" rel="prev"', second).group(1)
    assert dict(parse_qsl(urlsplit(back).query)) == {"where": "M1 1AE"}
    past = text(client.get("/search", query_string={"where": "M1 1AE", "page": "9"}))
    assert "21–25 of 25" in past  # past the end: the last page


def test_use_my_location_shows_the_place_found_and_keeps_the_point(client):
    group_at(1)
    db.session.commit()
    page = text(client.get("/search", query_string={"lat": "53.48", "lng": "-2.24"}))
    label = re.search(r'<input type="text" id="where" name="where" value="([^"]*)"', page).group(1)
    assert label and label.startswith("M")  # a postcode sector, e.g. "M2 2, Manchester"
    assert 'name="lat" value="53.48"' in page
    again = text(client.get("/search", query_string={"where": label, "lat": "53.48", "lng": "-2.24"}))
    assert f"Groups near {label}" in again  # the point, not the place's centre
    typed = text(client.get("/search", query_string={"where": "Leeds", "lat": "53.48", "lng": "-2.24"}))
    assert "Groups near Leeds" in typed  # something else typed replaces the point


def test_print_lines_show_no_more_than_the_public_may_see(client):
    public = group_at(1, contact_email="hello@example.org", name="Open Circle")
    hidden = group_at(2, is_sensitive=True, name="Quiet Circle")
    db.session.commit()
    page = text(client.get("/search", query_string={"where": "M1 1AE"}))
    cards = dict(re.findall(r'id="group-\d+-name">\s*<a[^>]*>([^<]*)</a>.*?<div class="result__print">(.*?)</div>',
                            page, re.S))
    assert public.venue.address in cards["Open Circle"] and "hello@example.org" in cards["Open Circle"]
    assert hidden.venue.address not in page and hidden.venue.name not in page
    assert "Every Tuesday" in cards["Quiet Circle"]


@pytest.mark.parametrize("query, message", [
    ({"when": "someday"}, '<a href="#when-1">Choose any day, today, tomorrow or this week.</a>'),
    ({"sort": "alphabetical"}, "<li>Sort by nearest or by next meeting.</li>"),
    ({"page": "0"}, "<li>The page must be a whole number from 1 to 500.</li>"),
])
def test_bad_page_parameters_are_explained(client, query, message):
    r = client.get("/search", query_string={"where": "M1 1AE", **query})
    assert r.status_code == 422 and message in text(r)
