"""Calendar offers, the same everywhere (issue 10, item 8): four ways in (webcal, Google,
Outlook.com, the file) on the group and facilitator pages from one partial; a search feed is named
for its place and filters and holds only the schedules that match them; a moved meeting reads
naturally in feeds too, in the site's clock."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import render_template_string

from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.feeds.series import search_feed_name
from groupfinder.groups.models import Condition
from groupfinder.schedules.recurrence import Meeting
from groupfinder.schedules.words import describe_move

from ..factories import make_group, make_schedule, move_second_meeting

BASE = "https://groups.example.test"  # conftest's BASE_URL
OFFER_TEXTS = ["Apple Calendar or Outlook (on a computer, phone or tablet)", "Google Calendar",
               "Outlook.com", "Download calendar file (.ics)"]


def _offers(page: str) -> list[tuple[str, str]]:
    """(href, text) of each link in the page's calendar offers."""
    block = page[page.index('<ul class="calendar__links">'):]
    block = block[:block.index("</ul>")]
    links = re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', block, flags=re.S)
    return [(href.replace("&amp;", "&"), re.sub(r"<[^>]+>", "", text)) for href, text in links]


def _check_offers(offers: list[tuple[str, str]], feed_path: str, name: str) -> None:
    feed = BASE + feed_path
    assert [text for _, text in offers] == OFFER_TEXTS
    (webcal, _), (google, _), (outlook, _), (download, _) = offers
    assert webcal == "webcal://" + feed.split("://", 1)[1]
    assert google.startswith("https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F")
    parts = urlsplit(outlook)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "outlook.live.com", "/calendar/0/addfromweb")
    assert parse_qs(parts.query) == {"url": [feed], "name": [name]}
    assert download == feed_path


def test_group_and_facilitator_pages_offer_the_same_four_ways(client):
    person = Facilitator(name="Sam Carter", bio="Peer supporter.")
    group = make_group(name="Calm Minds")
    group.facilitators.append(person)
    db.session.commit()
    group_page = client.get(f"/groups/{group.id}/{group.slug}").get_data(as_text=True)
    person_page = client.get(f"/facilitators/{person.id}").get_data(as_text=True)
    _check_offers(_offers(group_page), f"/groups/{group.id}/calendar.ics", "Calm Minds")
    _check_offers(_offers(person_page), f"/facilitators/{person.id}/calendar.ics",
                  "Meetings led by Sam Carter")
    for page in (group_page, person_page):
        assert page.count('class="panel calendar"') == 1


def test_the_partial_renders_for_a_search_feed(app):
    """As the search page will use it: one import, three arguments."""
    with app.test_request_context("/search?where=M1+1AE"):
        html = render_template_string(
            '{% from "groups/_calendar_offers.html" import calendar_offers %}'
            '{{ calendar_offers(feed, "Anxiety groups near M1 1AE", "/search/calendar.ics?where=M1+1AE",'
            ' heading="Add these groups to your calendar", id="search-calendar") }}',
            feed=BASE + "/search/calendar.ics?where=M1+1AE")
    assert 'id="search-calendar-heading">Add these groups to your calendar</h2>' in html
    offers = _offers(html)
    assert [t for _, t in offers] == OFFER_TEXTS
    assert parse_qs(urlsplit(offers[2][0]).query)["name"] == ["Anxiety groups near M1 1AE"]


# --- search feeds --------------------------------------------------------------------------------

def _unfold(body: bytes) -> str:
    return body.decode().replace("\r\n ", "")


def _calname(body: bytes) -> str:
    return re.search(r"^X-WR-CALNAME:(.*?)\r?$", _unfold(body), flags=re.M).group(1).replace("\\,", ",")


def _uids(body: bytes) -> set[str]:
    return set(re.findall(r"^UID:(schedule-\d+)@", _unfold(body), flags=re.M))


def _anxiety_group_meeting_monday_and_thursday():
    monday = make_schedule(weekdays="0", start_time=dt.time(18, 30), first_date=dt.date(2026, 1, 5))
    thursday = make_schedule(weekdays="3", start_time=dt.time(11), first_date=dt.date(2026, 1, 8))
    group = make_group(name="Anxiety Circle", schedules=[monday, thursday])
    group.conditions.append(db.session.scalar(sa.select(Condition).where(Condition.slug == "anxiety")))
    db.session.commit()
    return group, monday, thursday


@pytest.mark.parametrize(("params", "name", "kept"), [
    ({"where": "m1 1ae", "condition": "anxiety", "day": "mon"},
     "Anxiety groups on Mondays near M1 1AE", {"monday"}),
    ({"where": "M1 1AE", "day": "thu"}, "Support groups on Thursdays near M1 1AE", {"thursday"}),
    ({"where": "M1 1AE", "starts_after": "17:00"}, "Support groups starting from 5:00 pm near M1 1AE",
     {"monday"}),
    ({"where": "M1 1AE", "day": ["mon", "thu"], "starts_before": "12:00"},
     "Support groups on Mondays or Thursdays, starting by 12:00 pm, near M1 1AE", {"thursday"}),
    ({"where": "M1 1AE", "condition": "anxiety"}, "Anxiety groups near M1 1AE", {"monday", "thursday"}),
])
def test_search_feed_names_its_filters_and_holds_only_matching_schedules(client, params, name, kept):
    group, monday, thursday = _anxiety_group_meeting_monday_and_thursday()
    r = client.get("/search/calendar.ics?" + urlencode(params, doseq=True))
    assert r.status_code == 200, r.data[:300]
    assert _calname(r.data) == name
    ids = {"monday": f"schedule-{monday.id}", "thursday": f"schedule-{thursday.id}"}
    assert _uids(r.data) == {ids[k] for k in kept}


def test_the_search_page_can_name_the_offer_as_the_feed_names_itself(app, client):
    _anxiety_group_meeting_monday_and_thursday()
    params = {"where": "M1 1AE", "condition": "anxiety", "day": "mon"}
    body = client.get("/search/calendar.ics?" + urlencode(params)).data
    with app.test_request_context("/search"):
        from groupfinder.groups.search import run_search
        outcome = run_search({k: [v] for k, v in params.items()})
        title = render_template_string("{{ search_feed_title(o.request, o.origin.label) }}", o=outcome)
    assert title == _calname(body) == "Anxiety groups on Mondays near M1 1AE"


def test_search_feed_name_in_the_24_hour_clock_and_with_every_kind_of_filter():
    assert search_feed_name(place="Leeds", conditions=["Anxiety", "Depression"], days=[0],
                            starts_after=dt.time(18), starts_before=dt.time(21),
                            audiences=["Women"], languages=["Welsh"], access=["Step-free access"],
                            clock="24h") == (
        "Anxiety or Depression groups for Women, in Welsh, with step-free access, on Mondays, "
        "starting 18:00–21:00, near Leeds")
    assert search_feed_name(place="10001") == "Support groups near 10001"


# --- moved meetings ------------------------------------------------------------------------------

def _meeting(original: dt.datetime, new: dt.datetime, location: str | None = None) -> Meeting:
    from zoneinfo import ZoneInfo
    zone = ZoneInfo("Europe/London")
    return Meeting(original_start=original, starts_at=new.replace(tzinfo=zone),
                   ends_at=(new + dt.timedelta(minutes=90)).replace(tzinfo=zone), status="moved",
                   location=location)


@pytest.mark.parametrize(("clock", "text"), [
    ("12h", "Moved to Wednesday 9 December, 7:00 pm at St Mary's Hall, instead of Tuesday 8 December"),
    ("24h", "Moved to Wednesday 9 December, 19:00 at St Mary's Hall, instead of Tuesday 8 December"),
])
def test_describe_move_in_both_clocks(clock, text):
    m = _meeting(dt.datetime(2026, 12, 8, 19), dt.datetime(2026, 12, 9, 19), "St Mary's Hall")
    assert describe_move(m, clock=clock) == text


def test_describe_move_of_the_time_only_and_far_away():
    same_day = _meeting(dt.datetime(2026, 12, 8, 19), dt.datetime(2026, 12, 8, 18, 30))
    assert describe_move(same_day) == "Moved to Tuesday 8 December, 6:30 pm, instead of 7:00 pm"
    assert describe_move(same_day, clock="24h") == "Moved to Tuesday 8 December, 18:30, instead of 19:00"
    far = _meeting(dt.datetime(2026, 12, 8, 19), dt.datetime(2027, 7, 1, 19))
    assert describe_move(far) == "Moved to Thursday 1 July 2027, 7:00 pm, instead of Tuesday 8 December 2026"


@pytest.mark.parametrize(("clock", "time_text"), [("12h", "6:30 pm"), ("24h", "18:30")])
def test_a_moved_meeting_in_the_feed_says_where_and_when_in_the_sites_clock(app, client, monkeypatch,
                                                                              clock, time_text):
    monkeypatch.setitem(app.config, "CLOCK", clock)
    group = make_group(name="Calm Minds")
    new_start = move_second_meeting(group, "The hall is booked")
    db.session.commit()
    body = _unfold(client.get(f"/groups/{group.id}/calendar.ics").data)
    override = [b for b in body.split("BEGIN:VEVENT") if "RECURRENCE-ID" in b]
    assert len(override) == 1
    assert "SUMMARY:Calm Minds (moved)\r\n" in override[0]
    description = re.search(r"^DESCRIPTION:(.*)$", override[0], flags=re.M).group(1)
    day = f"{new_start:%A} {new_start.day} {new_start:%B}"
    assert description.startswith(f"Moved to {day}\\, {time_text}\\, instead of ")
    assert "\\nOrganiser's note: The hall is booked\\n" in description
