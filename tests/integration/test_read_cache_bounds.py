"""The read cache stays within its byte cap, holds one entry per question (not per URL), never
serves an answer past the day (or, for "this week", the hour) it was for, and its token row
exists from the first migration run."""

from __future__ import annotations

import datetime as dt
import threading
import types
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.orm import Session

from groupfinder import readcache
from groupfinder.db import writing
from groupfinder.extensions import db
from groupfinder.feeds import views as feed_views
from groupfinder.groups import search as search_module
from groupfinder.readcache import MB, DataGeneration, ReadCache, cache, estimate_size
from groupfinder.schedules.recurrence import Frequency

from ..conftest import database_url, make_app
from ..factories import make_group, make_schedule

FEED = "/search/calendar.ics"
HERE = {"lat": "53.477", "lng": "-2.235", "radius_km": "10"}


@pytest.fixture
def fresh_cache(app, monkeypatch):  # type: ignore[no-untyped-def]
    """This app's cache, empty, at a 1 MB cap (the setting's path: ``cache()`` reads it)."""
    monkeypatch.setitem(app.config, "READ_CACHE_MB", 1)
    monkeypatch.delitem(app.extensions, "groupfinder.readcache", raising=False)
    store = cache()
    assert store.max_bytes == MB and len(store) == 0
    return store


@pytest.fixture
def builds(monkeypatch):  # type: ignore[no-untyped-def]
    """Counts search-feed builds."""
    calls: list[tuple] = []
    real = feed_views._build_search_feed

    def counted(question):  # type: ignore[no-untyped-def]
        calls.append(question)
        return real(question)

    monkeypatch.setattr(feed_views, "_build_search_feed", counted)
    return calls


def search_feed_keys(store: ReadCache) -> list:
    return [k for k in store.keys() if k[0] == "feed" and k[1][0] == "feeds.search"]


# --- bytes ------------------------------------------------------------------------------------


def test_the_cache_never_holds_more_bytes_than_its_cap(app, fresh_cache):
    store, token = fresh_cache, readcache.current_token()
    body = b"BEGIN:VCALENDAR\r\n" + b"X" * 100_000
    for i in range(60):  # 60 x 100 kB bodies into 1 MB
        store.put(("feed", i), token, (body + str(i).encode(), dt.datetime.now(dt.UTC), "s.ics"))
        assert store.total_bytes <= MB
    for i in range(2000):  # and many middling other values
        store.put(("group-summary", i), token, ({"name": f"Group {i}", "schedules": ["x" * 500] * 4},
                                                None))
        assert store.total_bytes <= MB
    assert 0 < len(store) < 2000
    assert store.get(("feed", 0), token) is None  # the oldest went first
    assert store.get(("group-summary", 1999), token) is not None
    assert store.total_bytes > MB * 0.9  # measured, not counted: the cap is used, not undershot


def test_sizes_measure_what_is_stored(app, fresh_cache):
    store, token = fresh_cache, readcache.current_token()
    store.put("small", token, b"x")
    small = store.total_bytes
    store.put("big", token, b"x" * 200_000)
    assert 200_000 <= store.total_bytes - small < 200_000 + 1000
    assert estimate_size({"a": [b"x" * 1000, "y" * 1000]}) > 2000
    store.put("too big", token, b"x" * (2 * MB))  # larger than the whole cap: not cached
    assert store.get("too big", token) is None and store.get("big", token) is not None


def test_a_zero_cap_turns_the_cache_off(app):
    store = ReadCache(0)
    assert store.get_or_build("k", "t", lambda: 1) == 1
    assert len(store) == 0 and store.total_bytes == 0


def test_an_entry_of_another_token_is_a_miss_and_is_dropped(app, fresh_cache):
    fresh_cache.put("k", "old", b"x" * 1000)
    assert fresh_cache.get("k", "new") is None
    assert len(fresh_cache) == 0


# --- keys: one entry per question -------------------------------------------------------------


def test_junk_query_parameters_add_no_entry_and_no_build(app, client, fresh_cache, builds):
    """Tracking extras are ignored (one entry, one build); unknown parameters are refused
    before anything is built, so neither can be used to make a worker build feed after feed."""
    make_group(name="Junk-proof group")
    db.session.commit()
    etags = set()
    for i in range(1, 51):
        r = client.get(FEED + "?" + urlencode({**HERE, "utm_source": str(i), "fbclid": str(i)}))
        assert r.status_code == 200 and b"Junk-proof group" in r.data
        etags.add(r.headers["ETag"])
        refused = client.get(FEED + "?" + urlencode({**HERE, "x": str(i)}))
        assert refused.status_code == 400 and "take 'x'" in refused.get_data(as_text=True)
    assert len(builds) == 1
    assert len(search_feed_keys(fresh_cache)) == 1
    assert len(etags) == 1


def test_the_same_question_in_other_words_shares_one_entry(app, client, fresh_cache, builds):
    make_group()
    db.session.commit()
    urls = [FEED + "?" + urlencode({**HERE, "condition": "anxiety,depression", "day": "mon"}),
            FEED + "?" + urlencode([("day", "Monday"), ("condition", "depression"),
                                    ("condition", "anxiety"), *HERE.items(), ("utm_source", "x")]),
            FEED + "?" + urlencode({**HERE, "lat": "53.4771", "condition": "depression,anxiety",
                                    "day": "MON"})]
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert len(builds) == 1 and len(search_feed_keys(fresh_cache)) == 1
    client.get(FEED + "?" + urlencode({**HERE, "condition": "anxiety"}))  # another question
    assert len(builds) == 2 and len(search_feed_keys(fresh_cache)) == 2


def test_a_group_feed_ignores_its_query_string(app, client, fresh_cache):
    group = make_group()
    db.session.commit()
    for i in range(20):
        assert client.get(f"/groups/{group.id}/calendar.ics?x={i}").status_code == 200
    assert len([k for k in fresh_cache.keys() if k[0] == "feed"]) == 1


# --- the day is part of the key ---------------------------------------------------------------


class _Clock:
    """``datetime`` whose ``now`` is ``at`` (in the search use case and the feed's key)."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at
        clock = self

        class Frozen(dt.datetime):
            @classmethod
            def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
                return clock.at.astimezone(tz) if tz else clock.at.replace(tzinfo=None)

        self.module = types.SimpleNamespace(datetime=Frozen, timedelta=dt.timedelta, UTC=dt.UTC,
                                            date=dt.date, time=dt.time)


def test_a_this_week_answer_cached_yesterday_is_not_served_today(app, client, fresh_cache, builds,
                                                                  monkeypatch):
    yesterday = dt.datetime(2026, 12, 8, 12, tzinfo=dt.UTC)
    # Its only meeting is yesterday at 19:00: in yesterday's "next 7 days", not in today's.
    group = make_group(name="Meets once", schedules=[make_schedule(
        kind=Frequency.once, weekdays="", first_date=yesterday.date(), start_time=dt.time(19))])
    db.session.commit()
    clock = _Clock(yesterday)
    monkeypatch.setattr(search_module, "dt", clock.module)
    monkeypatch.setattr(feed_views, "_now", lambda: clock.at)
    url = FEED + "?" + urlencode({**HERE, "this_week": "true"})
    uid = f"schedule-{group.schedules[0].id}@".encode()

    first = client.get(url)
    assert first.status_code == 200 and uid in first.data
    assert client.get(url).data == first.data and len(builds) == 1  # cached for the day

    clock.at = yesterday + dt.timedelta(days=1)
    today = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert today.status_code == 200  # yesterday's ETag no longer matches
    assert uid not in today.data
    assert len(builds) == 2


def test_every_search_feed_is_for_one_day_and_this_week_for_one_hour(app, client, fresh_cache,
                                                                      builds, monkeypatch):
    make_group()
    db.session.commit()
    at = dt.datetime(2026, 12, 8, 10, tzinfo=dt.UTC)
    monkeypatch.setattr(feed_views, "_now", lambda: at)
    plain, week = FEED + "?" + urlencode(HERE), FEED + "?" + urlencode({**HERE, "this_week": "1"})
    client.get(plain), client.get(week)
    at = at + dt.timedelta(hours=1)
    client.get(plain), client.get(week)
    assert len(builds) == 3  # the plain feed was reused within its day
    at = at + dt.timedelta(days=1)
    client.get(plain)
    assert len(builds) == 4


# --- the token row ----------------------------------------------------------------------------


def test_the_token_row_exists_right_after_upgrading_an_empty_database(backend, tmp_path):
    app = make_app(database_url(backend, "token_row", tmp_path))
    with app.app_context():
        upgrade()
        tokens = db.session.scalars(sa.select(DataGeneration.token)).all()
        db.session.remove()
        db.engine.dispose()
    assert len(tokens) == 1 and len(tokens[0]) == 32


def test_two_first_writers_both_commit_when_the_row_is_missing(app):
    """The upsert: on PostgreSQL a plain INSERT by the second writer failed its commit."""
    db.session.execute(sa.delete(DataGeneration))
    db.session.commit()
    failures: list[BaseException] = []
    engine = db.engine
    first = Session(engine)
    with writing():
        readcache._bump(first)  # the row is inserted, not yet committed

    def second_writer() -> None:
        try:
            with writing(), Session(engine) as second:
                readcache._bump(second)  # waits for the first writer's commit
                second.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(0.5)
    first.commit()
    first.close()
    thread.join(10)
    assert not thread.is_alive() and failures == []
    assert len(db.session.scalars(sa.select(DataGeneration.token)).all()) == 1
    db.session.commit()


def test_a_public_change_recreates_a_missing_row(app):
    db.session.execute(sa.delete(DataGeneration))
    db.session.commit()
    make_group()
    db.session.commit()
    assert db.session.get(DataGeneration, 1) is not None


def test_a_group_summary_cached_on_another_local_day_is_rebuilt(app, client, fresh_cache):
    """Search results reuse each group's cached summary; its schedule texts ("paused until …")
    depend on the group's local date, so one cached on another day is a miss."""
    group = make_group(schedules=[make_schedule()])
    db.session.commit()
    first = client.get("/api/v1/groups", query_string=HERE).get_json()["results"]
    assert [r["id"] for r in first] == [group.id]
    key = ("group-summary", group.id, "en")  # one summary per language
    token = readcache.current_token()
    summary, upcoming, day = fresh_cache.get(key, token)
    fresh_cache.put(key, token, ({**summary, "schedules": ["STALE"]}, upcoming, day))
    assert client.get("/api/v1/groups", query_string=HERE).get_json()["results"][0]["schedules"] == ["STALE"]
    fresh_cache.put(key, token, ({**summary, "schedules": ["STALE"]}, upcoming,
                                 day - dt.timedelta(days=1)))
    again = client.get("/api/v1/groups", query_string=HERE).get_json()["results"]
    assert again[0]["schedules"] == summary["schedules"] != ["STALE"]
