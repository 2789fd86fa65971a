"""A big feed is kept deflated in the worker's cache and answered exactly as built."""

from __future__ import annotations

from groupfinder.feeds.views import DEFLATE_OVER, Deflated
from groupfinder.readcache import ReadCache, cache

FEED = "/search/calendar.ics?where=London&radius_km=50"


def test_a_big_feed_is_kept_deflated_and_answered_as_built(demo_app, demo_client):
    first = demo_client.get(FEED)
    assert first.status_code == 200 and len(first.data) > DEFLATE_OVER
    kept = [entry.value[0] for key, entry in cache()._lru.items() if key[0] == "feed"]
    deflated = [body for body in kept if isinstance(body, Deflated)]
    assert deflated and all(len(body) <= DEFLATE_OVER for body in kept if body not in deflated)
    assert min(len(body) for body in deflated) * 3 < len(first.data)  # a third of the memory
    again = demo_client.get(FEED)  # from the cache
    store = demo_app.extensions["groupfinder.readcache"]
    demo_app.extensions["groupfinder.readcache"] = ReadCache(0)
    try:
        fresh = demo_client.get(FEED)  # built afresh, never kept
    finally:
        demo_app.extensions["groupfinder.readcache"] = store
    assert again.data == first.data
    assert fresh.data.count(b"BEGIN:VEVENT") == first.data.count(b"BEGIN:VEVENT")
    assert again.headers["ETag"] == first.headers["ETag"]
