"""The search and group pages render from the same cached, privacy-filtered read model as the API
(groups.public): a fixed number of SQL statements whatever the results or schedules, the same
meetings on the page, in the API and in the calendar feed, and nothing private in the cache."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from flask import current_app

from groupfinder import privacy
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.public import Occurrences, public_group, public_groups
from groupfinder.groups.queries import load_groups, merged_meetings, upcoming_meetings
from groupfinder.readcache import cache, estimate_size
from groupfinder.schedules.models import Cancellation
from groupfinder.schedules.recurrence import Frequency, next_meetings

from ..engines import RecurringIcalEvents
from ..factories import make_group, make_schedule, make_venue, move_second_meeting, statements

SEARCH = {"where": "M1 1AE"}  # the factory venue is in Manchester city centre




def _get(client, url, **kw):  # type: ignore[no-untyped-def]
    response = client.get(url, **kw)
    assert response.status_code == 200, url
    return response


def _statements_for(client, url, **kw) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(cold, warm): statements besides the search's, for the first request after a data
    change, then for the next."""
    cache().clear()
    current_app.extensions.pop("groupfinder.token_memo", None)  # as a commit forgets it
    with statements() as cold:
        _get(client, url, **kw)
    with statements() as warm:
        _get(client, url, **kw)
    return len(_loads(cold)), len(_loads(warm))


def _loads(seen: list[str]) -> list[str]:
    """Statements other than the search's own (its expanding box takes more steps where groups
    are sparse, whatever loads them)."""
    return [s for s in seen if not ("public_lat" in s and "BETWEEN" in s.upper())]


def _busy_group(n_schedules: int):  # type: ignore[no-untyped-def]
    group = make_group(schedules=[make_schedule(weekdays=str(d)) for d in range(n_schedules)])
    group.facilitators = [Facilitator(name=f"Person {i}", bio="Hello") for i in range(n_schedules)]
    db.session.flush()
    now = dt.datetime.now(dt.UTC)
    for schedule in group.schedules:
        first = next_meetings(schedule.spec("Europe/London"), now, 1)[0]
        db.session.add(Cancellation(schedule=schedule, original_start=first.original_start,
                                    reason="Closed"))
    return group


def test_group_page_statements_do_not_grow_with_schedules(app, client):
    small, big = make_group(), _busy_group(5)
    db.session.commit()
    counts = [_statements_for(client, f"/groups/{g.id}/{g.slug}") for g in (small, big)]
    assert counts[0] == counts[1]
    cold, warm = counts[0]
    assert warm <= 2  # at most the data token (a visitor reuses one read < 1 s ago), nothing else
    assert cold <= 12


def test_search_page_statements_do_not_grow_with_results(app, client):
    make_group()
    db.session.commit()
    few = _statements_for(client, "/search", query_string=SEARCH)
    for n in range(12):
        _busy_group(1 + n % 3)
    db.session.commit()
    many = _statements_for(client, "/search", query_string=SEARCH)
    assert few == many
    assert many[1] <= 3  # token, BEGIN, the geocoder: no group and no vocabulary is loaded


# --- the same meetings everywhere ------------------------------------------------------------------

def _groups() -> dict[str, object]:
    weekly = make_group(name="Weekly Circle")
    fortnightly = make_group(name="Fortnightly Circle", schedules=[make_schedule(interval=2)])
    second_tuesday = make_group(name="Second Tuesday Circle", schedules=[make_schedule(
        kind=Frequency.monthly_weekday, weekdays="1", positions="2")])
    cancelled = make_group(name="Cancelled Circle")
    moved = make_group(name="Moved Circle")
    private = make_group(name="Private Circle", venue=make_venue(is_private=True))
    sensitive = make_group(name="Sensitive Circle", is_sensitive=True, area_name="Ancoats")
    db.session.flush()
    schedule = cancelled.schedules[0]
    for m in next_meetings(schedule.spec("Europe/London"), dt.datetime.now(dt.UTC), 3)[:2]:
        db.session.add(Cancellation(schedule=schedule, original_start=m.original_start,
                                    reason="Hall closed"))
    move_second_meeting(moved, "In the garden room")
    return {"weekly": weekly, "fortnightly": fortnightly, "2nd Tuesday": second_tuesday,
            "cancelled": cancelled, "moved": moved, "private": private, "sensitive": sensitive}


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def test_page_api_and_feed_show_the_same_meetings(app, client):
    groups = _groups()
    db.session.commit()
    engine = RecurringIcalEvents()
    if engine.missing():
        pytest.skip(engine.missing())
    for label, group in groups.items():
        page = _get(client, f"/groups/{group.id}/{group.slug}").get_data(as_text=True)
        body = _get(client, f"/api/v1/groups/{group.id}").get_json()
        feed = _get(client, f"/groups/{group.id}/calendar.ics").data

        api_next = _instant(body["next_meeting"]["starts_at"])
        api_meetings = [(_instant(m["starts_at"]), m["status"]) for m in body["meetings"]]
        page_next = _instant(re.search(r'class="next-up" data-starts-at="([^"]+)"', page)[1])
        page_meetings = [(_instant(at), status) for status, at in re.findall(
            r'<li class="meeting meeting--(\w+)" data-starts-at="([^"]+)"', page)]
        ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page,
                                  re.S)[1])
        assert page_next == api_next == _instant(ld["startDate"]), label
        assert page_meetings == api_meetings[:len(page_meetings)] and len(page_meetings) == 8, label
        happening = [at for at, status in api_meetings if status != "cancelled"]
        assert happening[0] == api_next, label
        now = dt.datetime.now(dt.UTC)
        expanded = engine.expand_many([feed], now, happening[-1] + dt.timedelta(seconds=1))[0]
        assert [o.start for o in expanded] == happening, label
        if label == "cancelled":
            assert [s for _, s in api_meetings[:2]] == ["cancelled", "cancelled"]
        if label == "moved":
            assert "moved" in {s for _, s in api_meetings}


def test_search_card_shows_the_pages_next_meeting(app, client):
    groups = _groups()
    db.session.commit()
    body = _get(client, "/api/v1/groups", query_string=SEARCH).get_json()
    listed = {r["id"]: r["next_meeting"]["starts_at"] for r in body["results"]}
    for group in groups.values():
        page = _get(client, f"/groups/{group.id}/{group.slug}").get_data(as_text=True)
        shown = re.search(r'class="next-up" data-starts-at="([^"]+)"', page)[1]
        assert _instant(listed[group.id]) == _instant(shown)


# --- the read model itself -------------------------------------------------------------------------

def test_the_cached_view_of_a_private_place_holds_only_its_area(app):
    groups = _groups()
    db.session.commit()
    for label in ("private", "sensitive"):
        group = load_groups([groups[label].id])[groups[label].id]
        view = public_group(group)
        # privacy reads the view exactly as it reads the group
        assert privacy.public_location(view) == privacy.public_location(group)
        text = repr(view)
        for secret in (group.venue.name, group.venue.address, group.venue.postcode,
                       f"{group.venue.latitude:.4f}", f"{group.venue.longitude:.4f}"):
            assert secret not in text, (label, secret)
    public = load_groups([groups["weekly"].id])[groups["weekly"].id]
    assert privacy.public_location(public_group(public)) == privacy.public_location(public)


def test_hidden_contact_details_never_reach_the_view(app):
    group = make_group()
    group.facilitators = [Facilitator(name="Sam", email="sam@example.org", phone="0161 000 0000",
                                      show_email=False, show_phone=True)]
    db.session.commit()
    view = public_groups([group.id])[group.id]
    assert "sam@example.org" not in repr(view)
    assert privacy.public_contact(view.facilitators[0]) == privacy.public_contact(group.facilitators[0])


def test_cached_occurrences_answer_as_the_schedules_do(app):
    """For every moment over the next weeks the cached expansion gives what expanding the
    schedules again gives, and it is rebuilt (not wrong) once too few meetings are left."""
    groups = _groups()
    db.session.commit()
    start = dt.datetime.now(dt.UTC)
    for group in groups.values():
        view = public_groups([group.id])[group.id]
        for hours in range(0, 24 * 70, 17):
            now = start + dt.timedelta(hours=hours)
            for count in (1, 6, 8, 10):
                assert upcoming_meetings(view, now, count) == merged_meetings(view, now, count)
        assert estimate_size(view) < 20_000


def test_occurrences_that_cannot_tell_say_so() -> None:
    since = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    occ = Occurrences.of(since, [], complete=False)
    assert occ.after(since, 1) is None
    assert occ.between(since, since + dt.timedelta(days=1)) is None
    assert occ.after(since - dt.timedelta(seconds=1), 1) is None
    assert Occurrences.of(since, [], complete=True).after(since, 3) == []
