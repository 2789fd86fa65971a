"""Rate limits on Redis cost at most one round trip per request (issue 15): an API GET, limited,
one (the moving window's acquire script); a page or feed that no limit applies to, none.

Counted, not timed: every command redis-py sends goes through ``Connection.send_packed_command``
(a pipeline sends once), so the number of calls during one request is its number of round
trips. Against the real Redis at GROUPFINDER_TEST_REDIS_URL (skipped when it doesn't answer).
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from redis.connection import Connection

from groupfinder.extensions import db

from ..conftest import _prepare, make_app

REDIS_URL = os.environ.get("GROUPFINDER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="module")
def redis_app(tmp_path_factory):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    tmp = tmp_path_factory.mktemp("limiter-redis")
    app = make_app(f"sqlite:///{tmp / 'limits.sqlite3'}", RATELIMIT_ENABLED=True,
                   RATELIMIT_STORAGE_URI=REDIS_URL)
    _prepare(app, demo=False)
    with app.app_context():
        yield app
        db.engine.dispose()


@pytest.fixture
def round_trips(monkeypatch):
    sent: list[bytes] = []
    original = Connection.send_packed_command

    def counting(self, command, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent.append(b"".join(command) if isinstance(command, list | tuple) else command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(Connection, "send_packed_command", counting)
    return sent


def _client_address() -> str:
    n = uuid.uuid4().int
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


@pytest.mark.parametrize("path,expected", [
    ("/api/v1/conditions", 1),  # API_LIMIT: one acquire, no read-back for headers
    ("/api/v1/ping", 1),
    ("/about", 0),  # no limit applies: Redis is not asked
    ("/search?where=Leeds", 0),
    ("/search/calendar.ics?where=Leeds", 0),  # cached: a cold build is counted, a hit is not
])
def test_one_round_trip_at_most(redis_app, round_trips, path, expected):
    client = redis_app.test_client()
    address = _client_address()
    warm = client.get(path, environ_base={"REMOTE_ADDR": address})  # connects, loads scripts
    assert warm.status_code == 200, warm.data[:300]
    round_trips.clear()
    r = client.get(path, environ_base={"REMOTE_ADDR": address})
    assert r.status_code == 200
    assert len(round_trips) == expected, round_trips
    assert not [h for h in r.headers.keys() if h.lower().startswith("x-ratelimit")]


def test_a_cold_search_feed_build_is_counted_once_per_window(redis_app, round_trips):
    client = redis_app.test_client()
    address = _client_address()
    client.get("/api/v1/ping", environ_base={"REMOTE_ADDR": address})  # connection and scripts
    round_trips.clear()
    radius = 5 + uuid.uuid4().int % 100  # a search this process has not built yet
    r = client.get(f"/search/calendar.ics?where=Leeds&radius_km={radius}",
                   environ_base={"REMOTE_ADDR": address})
    assert r.status_code == 200
    assert len(round_trips) == 2  # SEARCH_FEED_BUILD_LIMIT's two windows (minute, hour)
