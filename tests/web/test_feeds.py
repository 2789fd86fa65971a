"""The .ics endpoints through the app: every demo feed expands, in three independent engines
(recurring_ical_events, ical.js, libical), to exactly the meetings recurrence.py gives; HTTP
caching; privacy of sensitive venues and facilitators' contacts; one-meeting files; and a
cancellation and a move showing up in subscribers' calendars.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.feeds.ical import Series
from groupfinder.groups.models import Group, ListingStatus
from groupfinder.schedules.models import Cancellation, MeetingChange, Schedule
from groupfinder.schedules.recurrence import Frequency, next_meetings
from groupfinder.schedules.services import days_mask
from groupfinder.venues.models import Venue
from groupfinder.venues.places import apply_public_location
from tests.conftest import DEMO_TODAY
from tests.engines import (
    ENGINE_NAMES,
    ENGINES,
    Occurrence,
    available_engines,
    describe_difference,
    engine,
    skip_for_missing,
)
from tests.engines.reference import expected

UTC = dt.UTC
WINDOW = (dt.datetime.combine(DEMO_TODAY, dt.time(), UTC),
          dt.datetime.combine(DEMO_TODAY.replace(year=DEMO_TODAY.year + 2), dt.time(), UTC))
UID_HOST = "groups.example.test"  # conftest's BASE_URL
CALENDAR_TYPE = "text/calendar; charset=utf-8"
FACILITATORS = ("fac-ldn-001", "fac-nyc-001")
SEARCHES = {
    "leeds-depression": {"where": "LS1 4", "condition": "depression"},
    "new-york": {"where": "10001"},
}


# --- helpers -------------------------------------------------------------------------------------

def unfold(body: bytes) -> str:
    """The feed's text with folded lines joined (CRLF + space continues a line)."""
    return body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")


def unescape(text: str) -> str:
    return (text.replace("\\n", "\n").replace("\\N", "\n").replace("\\,", ",")
            .replace("\\;", ";").replace("\\\\", "\\"))


def vevents(body: bytes) -> list[str]:
    return re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", unfold(body), flags=re.S)


def prop(block: str, name: str) -> list[str]:
    return re.findall(rf"^{name}(?:;[^:\r\n]*)?:([^\r\n]*)", block, flags=re.M)


def series_of(schedule: Schedule, zone: str) -> Series:
    """What recurrence.py needs to know about one schedule; UIDs as the feed promises them."""
    return Series(
        uid=f"schedule-{schedule.id}@{UID_HOST}", summary="", description="", location="",
        geo=None, url="", spec=schedule.spec(zone), exceptions=schedule.exceptions(),
        sequence=schedule.sequence,
        pause_from=schedule.updated_at if schedule.paused_until else None,
    )


def group_series(group: Group) -> list[Series]:
    if group.venue is None or group.status != ListingStatus.published:
        return []
    return [series_of(s, group.venue.timezone) for s in group.schedules]


def all_groups() -> list[Group]:
    return list(db.session.scalars(
        sa.select(Group).order_by(Group.id).options(
            selectinload(Group.venue), selectinload(Group.facilitators),
            selectinload(Group.schedules).selectinload(Schedule.cancellations),
            selectinload(Group.schedules).selectinload(Schedule.changes))))


def check(engine_name: str, got: list[Occurrence], want: list[Occurrence], what: str) -> None:
    assert got == want, f"{engine_name} on {what}:\n{describe_difference(got, want)}"


@dataclasses.dataclass
class Demo:
    """Every demo feed fetched once per backend, with the expected meetings of each."""

    group_ids: list[int]
    group_feeds: dict[int, bytes]
    other_feeds: dict[str, bytes]  # "facilitator fac-ldn-001", "search new-york"
    want: dict[str, list[Occurrence]]  # same keys as feeds(): "group 12", ...
    expansions: dict[str, dict[str, list[Occurrence]]] = dataclasses.field(default_factory=dict)

    def feeds(self) -> dict[str, bytes]:
        return {**{f"group {gid}": body for gid, body in self.group_feeds.items()}, **self.other_feeds}

    def expand(self, engine_name: str) -> dict[str, list[Occurrence]]:
        """All feeds in one engine call."""
        if engine_name not in self.expansions:
            feeds = self.feeds()
            results = ENGINES[engine_name].expand_many(list(feeds.values()), *WINDOW)
            self.expansions[engine_name] = dict(zip(feeds, results, strict=True))
        return self.expansions[engine_name]


_DEMO: dict[str, Demo] = {}


def _search_hits(app: Any, params: dict[str, str]) -> list[Group]:
    from groupfinder.groups.search import run_search

    with app.test_request_context("/search/calendar.ics", query_string=params):
        from flask import request

        outcome = run_search(request.args.to_dict(flat=False), radius_param="radius_km",
                             default_limit=200, max_limit=200)
        return [hit.group for hit in outcome.page.hits]


@pytest.fixture
def demo(demo_app, demo_client, backend) -> Demo:  # type: ignore[no-untyped-def]
    if backend in _DEMO:
        return _DEMO[backend]
    groups = all_groups()
    by_id = {g.id: g for g in groups}
    feeds, want = {}, {}
    for g in groups:
        r = demo_client.get(f"/groups/{g.id}/calendar.ics")
        assert r.status_code == 200, (g.id, r.status_code)
        feeds[g.id] = r.data
        want[f"group {g.id}"] = expected(group_series(g), *WINDOW)
    others = {}
    for key in FACILITATORS:
        person = db.session.scalar(sa.select(Facilitator).where(Facilitator.external_key == key))
        assert person is not None, key
        r = demo_client.get(f"/facilitators/{person.id}/calendar.ics")
        assert r.status_code == 200, (key, r.status_code)
        led = [g for g in groups if person in g.facilitators]
        assert len(led) >= 10, key
        others[f"facilitator {key}"] = r.data
        want[f"facilitator {key}"] = expected([s for g in led for s in group_series(g)], *WINDOW)
    for name, params in SEARCHES.items():
        r = demo_client.get("/search/calendar.ics?" + urlencode(params))
        assert r.status_code == 200, (name, r.status_code, r.data[:500])
        hits = _search_hits(demo_app, params)
        assert hits, name
        others[f"search {name}"] = r.data
        want[f"search {name}"] = expected(
            [s for g in hits for s in group_series(by_id[g.id])], *WINDOW)
    _DEMO[backend] = Demo([g.id for g in groups], feeds, others, want)
    return _DEMO[backend]


# --- every demo feed in every engine ---------------------------------------------------------------

def test_the_demo_exercises_the_hard_cases(demo):
    groups = all_groups()
    kinds = {Frequency(s.kind) for g in groups for s in g.schedules}
    assert kinds == set(Frequency)
    assert any(g.is_sensitive for g in groups)
    schedules = [s for g in groups for s in g.schedules]
    assert sum(len(s.cancellations) for s in schedules) >= 10
    assert sum(len(s.changes) for s in schedules) >= 5
    assert any(s.paused_until for s in schedules)
    assert any(s.last_date for s in schedules)
    # cancellations and moves fall inside the window, so the comparison sees them
    for s in schedules:
        for c in [*s.cancellations, *s.changes]:
            assert c.original_start.date() >= DEMO_TODAY


@pytest.mark.parametrize("engine_name", ENGINE_NAMES)
def test_every_group_feed_expands_like_recurrence(engine_name, demo):
    engine(engine_name)
    expanded = demo.expand(engine_name)
    wrong = [key for key in demo.feeds() if key.startswith("group ")
             and expanded[key] != demo.want[key]]
    assert len(demo.group_feeds) == len(demo.group_ids) >= 650
    if wrong:
        first = wrong[0]
        pytest.fail(f"{engine_name}: {len(wrong)} of {len(demo.group_feeds)} group feeds differ, "
                    f"e.g. {first}:\n{describe_difference(expanded[first], demo.want[first])}")


@pytest.mark.parametrize("key", FACILITATORS)
@pytest.mark.parametrize("engine_name", ENGINE_NAMES)
def test_facilitator_feed_expands_like_recurrence(engine_name, key, demo):
    engine(engine_name)
    what = f"facilitator {key}"
    check(engine_name, demo.expand(engine_name)[what], demo.want[what], what)
    assert len({o.uid for o in demo.want[what]}) >= 10


@pytest.mark.parametrize("name", list(SEARCHES))
@pytest.mark.parametrize("engine_name", ENGINE_NAMES)
def test_search_feed_expands_like_recurrence(engine_name, name, demo):
    engine(engine_name)
    what = f"search {name}"
    check(engine_name, demo.expand(engine_name)[what], demo.want[what], what)
    assert demo.want[what]


def test_feed_uids_are_exactly_the_schedules(demo):
    for g in all_groups():
        uids = {u for block in vevents(demo.group_feeds[g.id]) for u in prop(block, "UID")}
        assert uids <= {f"schedule-{s.id}@{UID_HOST}" for s in g.schedules}, g.id
        assert {o.uid for o in demo.want[f"group {g.id}"]} <= uids, g.id


# --- HTTP ----------------------------------------------------------------------------------------

def _feed_urls(demo_client) -> list[str]:  # type: ignore[no-untyped-def]
    gid = db.session.scalar(sa.select(sa.func.min(Group.id)))
    fid = db.session.scalar(sa.select(Facilitator.id).where(Facilitator.external_key == FACILITATORS[0]))
    return [f"/groups/{gid}/calendar.ics", f"/facilitators/{fid}/calendar.ics",
            "/search/calendar.ics?" + urlencode(SEARCHES["new-york"])]


def test_headers_etag_and_304(demo_client):
    for url in _feed_urls(demo_client):
        first = demo_client.get(url)
        assert first.status_code == 200, url
        assert first.headers["Content-Type"] == CALENDAR_TYPE
        etag = first.headers.get("ETag")
        assert etag and first.headers.get("Last-Modified"), url
        second = demo_client.get(url)
        assert second.data == first.data, f"{url}: two GETs differ"
        assert second.headers["ETag"] == etag
        cached = demo_client.get(url, headers={"If-None-Match": etag})
        assert cached.status_code == 304, url
        assert cached.data == b""
        assert demo_client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_unknown_feeds_are_404(demo_client):
    assert demo_client.get("/groups/999999/calendar.ics").status_code == 404
    assert demo_client.get("/facilitators/999999/calendar.ics").status_code == 404


@pytest.mark.parametrize("params", [{"where": "LS1 4", "radius_km": "lots"},
                                    {"where": "LS1 4", "condition": "no-such-condition"},
                                    {"where": "LS1 4", "limit": "-3"}])
def test_search_feed_with_a_bad_parameter_is_422_problem_json(demo_client, params):
    r = demo_client.get("/search/calendar.ics?" + urlencode(params))
    assert r.status_code == 422, (params, r.data[:300])
    assert r.mimetype == "application/problem+json"
    problem = r.get_json()
    assert problem["status"] == 422 and problem["title"]
    assert not r.data.startswith(b"BEGIN:VCALENDAR")


# --- privacy -------------------------------------------------------------------------------------

def test_sensitive_venues_never_appear(demo):
    sensitive = [g for g in all_groups() if g.is_sensitive]
    assert len(sensitive) >= 8
    feeds = demo.feeds()
    for g in sensitive:
        venue = g.venue
        assert venue is not None
        street = re.sub(r"^\s*\d+[a-z]?\s*", "", venue.address, flags=re.I)
        secrets = {venue.name, venue.address, street, venue.postcode,
                   venue.postcode.replace(" ", ""), f"{venue.latitude:.5f}", f"{venue.longitude:.5f}",
                   f"{venue.latitude:.4f}", f"{venue.longitude:.4f}", repr(venue.latitude),
                   repr(venue.longitude)}
        secrets = {s.lower() for s in secrets if s and len(s) >= 4}
        own = unfold(demo.group_feeds[g.id])
        uids = {f"schedule-{s.id}@{UID_HOST}" for s in g.schedules}
        texts = [own, unescape(own)]
        for body in feeds.values():  # the group's events in every feed that carries them
            for block in vevents(body):
                if set(prop(block, "UID")) & uids:
                    texts += [block, unescape(block)]
                    assert not prop(block, "GEO"), g.id
        assert "\nGEO" not in own
        for text in texts:
            lowered = text.lower()
            leaked = [s for s in secrets if s in lowered]
            assert not leaked, f"sensitive group {g.id} leaks {leaked}"


def test_private_facilitator_contacts_never_appear(demo):
    people = db.session.scalars(sa.select(Facilitator)).all()
    hidden = [p.email for p in people if p.email and not p.show_email]
    hidden += [p.phone for p in people if p.phone and not p.show_phone]
    assert len(hidden) > 100
    for key, body in demo.feeds().items():
        text = unfold(body)
        lowered = (text + unescape(text)).lower()
        leaked = [h for h in hidden if h.lower() in lowered]
        assert not leaked, f"{key} leaks {leaked[:3]}"


# --- one meeting ---------------------------------------------------------------------------------

def _stamp(naive: dt.datetime) -> str:
    return naive.strftime("%Y-%m-%dT%H%M")


def _one_meeting_check(demo_client, group: Group, original: dt.datetime,
                       starts: dt.datetime, ends: dt.datetime) -> list[str]:  # type: ignore[no-untyped-def]
    r = demo_client.get(f"/groups/{group.id}/meetings/{_stamp(original)}.ics")
    assert r.status_code == 200, (group.id, original, r.status_code)
    assert r.headers["Content-Type"] == CALENDAR_TYPE
    usable, missing = available_engines()
    for eng in usable:
        got = eng.expand(r.data, *WINDOW)
        assert [(o.start, o.end) for o in got] == [(starts.astimezone(UTC), ends.astimezone(UTC))], eng
    return missing


def test_one_meeting_ics_for_an_upcoming_meeting(demo_client, demo):
    after = WINDOW[0] + dt.timedelta(days=1)
    groups = all_groups()
    plain = next(g for g in groups if len(g.schedules) == 1 and g.venue
                 and g.schedules[0].kind == Frequency.weekly and not g.schedules[0].changes
                 and not g.schedules[0].cancellations and not g.schedules[0].paused_until)
    m = next_meetings(plain.schedules[0].spec(plain.venue.timezone), after, 2)[1]
    missing = _one_meeting_check(demo_client, plain, m.original_start, m.starts_at, m.ends_at)
    moved = next(g for g in groups if g.venue and any(s.changes for s in g.schedules))
    schedule = next(s for s in moved.schedules if s.changes)
    change = schedule.changes[0]
    m = next(x for x in next_meetings(schedule.spec(moved.venue.timezone), after, 10,
                                      schedule.exceptions())
             if x.original_start == change.original_start)
    assert m.status == "moved"
    _one_meeting_check(demo_client, moved, change.original_start, m.starts_at, m.ends_at)
    skip_for_missing(missing)


def test_one_meeting_ics_is_404_for_cancelled_or_made_up_meetings(demo_client, demo):
    cancelled = next(g for g in all_groups() if any(s.cancellations for s in g.schedules))
    original = next(s for s in cancelled.schedules if s.cancellations).cancellations[0].original_start
    assert demo_client.get(f"/groups/{cancelled.id}/meetings/{_stamp(original)}.ics").status_code == 404
    gid = demo.group_ids[0]
    made_up = dt.datetime.combine(DEMO_TODAY + dt.timedelta(days=9), dt.time(3, 17))
    assert demo_client.get(f"/groups/{gid}/meetings/{_stamp(made_up)}.ics").status_code == 404
    assert demo_client.get(f"/groups/{gid}/meetings/tomorrow.ics").status_code == 404
    assert demo_client.get(f"/groups/999999/meetings/{_stamp(made_up)}.ics").status_code == 404


# --- a cancellation and a move reach subscribers ------------------------------------------------------

def _make_group() -> Group:
    venue = Venue(name="Albion Rooms", address="14 Albion Street", postcode="LS1 6AG", town="Leeds",
                  country="GB", latitude=53.79690, longitude=-1.54750, timezone="Europe/London")
    schedule = Schedule(kind=Frequency.weekly, interval=1, weekdays="1", positions="",
                        start_time=dt.time(19, 0), duration_minutes=90,
                        first_date=dt.date(2026, 3, 3))
    schedule.days_mask = days_mask(schedule.spec("UTC"))
    group = Group(name="Albion Anxiety Circle", slug="albion-anxiety-circle", venue=venue,
                  description="A peer group.", status=ListingStatus.published,
                  published_at=dt.datetime(2026, 3, 1, tzinfo=UTC), schedules=[schedule])
    apply_public_location(group)
    db.session.add(group)
    db.session.commit()
    return group


def _sequence(body: bytes, uid: str) -> int:
    block = next(b for b in vevents(body) if prop(b, "UID") == [uid] and not prop(b, "RECURRENCE-ID"))
    return int(prop(block, "SEQUENCE")[0])


def test_cancel_then_move_a_meeting(client):
    group = _make_group()
    schedule = group.schedules[0]
    url = f"/groups/{group.id}/calendar.ics"
    uid = f"schedule-{schedule.id}@{UID_HOST}"

    usable, missing = available_engines()

    def fetch_and_compare() -> tuple[bytes, str, list[Occurrence]]:
        db.session.expire_all()
        r = client.get(url)
        assert r.status_code == 200
        want = expected([series_of(schedule, "Europe/London")], *WINDOW)
        for eng in usable:
            check(eng.name, eng.expand(r.data, *WINDOW), want, url)
        return r.data, r.headers["ETag"], want

    body0, etag0, want0 = fetch_and_compare()
    zone = "Europe/London"
    upcoming = next_meetings(schedule.spec(zone), WINDOW[0], 20)
    target = upcoming[2]
    assert Occurrence(uid, target.starts_at.astimezone(UTC), target.ends_at.astimezone(UTC)) in want0

    schedule.cancellations.append(Cancellation(original_start=target.original_start, reason="Closed"))
    schedule.sequence += 1
    db.session.commit()
    body1, etag1, want1 = fetch_and_compare()
    gone = Occurrence(uid, target.starts_at.astimezone(UTC), target.ends_at.astimezone(UTC))
    assert gone not in want1 and len(want1) == len(want0) - 1
    assert _sequence(body1, uid) > _sequence(body0, uid)
    assert etag1 != etag0
    assert client.get(url, headers={"If-None-Match": etag0}).status_code == 200

    # the last meeting before the clocks go forward, moved to the Wednesday after, at 18:00
    moving = [m for m in upcoming if m.starts_at.date() < dt.date(2027, 3, 28)][-1]
    new_start = dt.datetime(2027, 3, 31, 18, 0)
    schedule.changes.append(MeetingChange(original_start=moving.original_start, new_start=new_start,
                                          note="Moved to Wednesday this week"))
    schedule.sequence += 1
    db.session.commit()
    body2, etag2, want2 = fetch_and_compare()
    old = Occurrence(uid, moving.starts_at.astimezone(UTC), moving.ends_at.astimezone(UTC))
    new = [o for o in want2 if o.start == dt.datetime(2027, 3, 31, 17, 0, tzinfo=UTC)]  # BST
    assert old not in want2 and len(new) == 1 and len(want2) == len(want1)
    assert new[0].end - new[0].start == dt.timedelta(minutes=90)
    assert _sequence(body2, uid) > _sequence(body1, uid)
    assert etag2 not in (etag0, etag1)
    skip_for_missing(missing)


@pytest.mark.parametrize(("shift", "label"), [(dt.timedelta(days=-3), "three days earlier"),
                                              (dt.timedelta(days=40), "six weeks later")])
def test_one_meeting_ics_for_a_meeting_moved_far(client, shift, label):
    """The one-meeting file finds a moved meeting wherever it moved to."""
    group = _make_group()
    schedule = group.schedules[0]
    zone = "Europe/London"
    original = next_meetings(schedule.spec(zone), WINDOW[0], 3)[2].original_start
    schedule.changes.append(MeetingChange(original_start=original, new_start=original + shift,
                                          note=f"Moved {label}"))
    schedule.sequence += 1
    db.session.commit()
    m = next(x for x in next_meetings(schedule.spec(zone), WINDOW[0], 20, schedule.exceptions())
             if x.original_start == original)
    r = client.get(f"/groups/{group.id}/meetings/{_stamp(original)}.ics")
    assert r.status_code == 200, label
    usable, missing = available_engines()
    for eng in usable:
        got = eng.expand(r.data, *WINDOW)
        assert [(o.start, o.end) for o in got] == [(m.starts_at.astimezone(UTC),
                                                    m.ends_at.astimezone(UTC))], eng
    skip_for_missing(missing)
