"""The per-request machinery (issue 15): public answers open no session and don't ask who is
signed in; ``Vary: Cookie`` only on answers that read a cookie; the security headers of each
response class; the request log line; compression (gzip and brotli, ETags, BREACH rule); the
search feed's guards (unknown parameters, one cache entry per question, a limit on cold builds).
"""

from __future__ import annotations

import gzip
import logging
from urllib.parse import urlencode

import brotli
import pytest
from flask import Flask

from groupfinder.accounts.models import Role, User
from groupfinder.db import now_utc
from groupfinder.extensions import db, login_manager

from ..conftest import _prepare, make_app

LONDON_FEED = "/search/calendar.ics?" + urlencode({"where": "London", "radius_km": "50"})


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}


def _sign_in(app: Flask, client) -> User:
    user = User(email="org@example.org", role=Role.organizer, email_confirmed_at=now_utc())
    db.session.add(user)
    db.session.commit()
    with client.session_transaction() as s:
        s["_user_id"] = user.get_id()
    return user


# --- no session work on public answers -----------------------------------------------------------

def test_public_answers_without_a_cookie_open_no_session_and_ask_no_one_who_is_signed_in(
        demo_app, demo_client, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("session or sign-in machinery ran for a cookie-less public GET")

    monkeypatch.setattr(demo_app.session_interface, "get_signing_serializer", refuse)
    monkeypatch.setattr(login_manager, "_load_user", refuse)
    for path in ("/", "/about", "/search?where=Leeds", "/api/v1/conditions", "/api/v1/ping",
                 LONDON_FEED, "/no-such-page"):
        r = demo_client.get(path)
        assert r.status_code in (200, 404), (path, r.status_code)
        assert not r.headers.getlist("Set-Cookie"), path


def test_anonymous_pages_api_and_feeds_do_not_vary_on_cookie(demo_client):
    for path in ("/", "/about", "/search?where=Leeds", "/api/v1/groups?where=Leeds",
                 "/api/v1/conditions", LONDON_FEED, "/sitemap.xml", "/no-such-page"):
        r = demo_client.get(path)
        assert "cookie" not in _vary(r), (path, r.headers.get("Vary"))


def test_a_signed_in_page_varies_on_cookie_and_is_not_stored(app, client):
    _sign_in(app, client)
    r = client.get("/")
    assert r.status_code == 200
    assert "cookie" in _vary(r)
    assert r.headers["Cache-Control"] == "no-store, private"


def test_the_api_and_feeds_do_not_vary_on_cookie_even_for_a_signed_in_client(app, client):
    _sign_in(app, client)
    for path in ("/api/v1/conditions", "/api/v1/ping", "/search/calendar.ics?where=Leeds"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "cookie" not in _vary(r), (path, r.headers.get("Vary"))
        assert not r.headers.getlist("Set-Cookie"), path


# --- headers per response class ------------------------------------------------------------------

def test_each_response_class_gets_its_headers_once(demo_client):
    page, api, feed = (demo_client.get(p) for p in ("/about", "/api/v1/conditions", LONDON_FEED))
    for r in (page, api, feed):
        for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                     "Referrer-Policy", "Permissions-Policy", "Strict-Transport-Security",
                     "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy", "X-Request-Id"):
            assert len(r.headers.getlist(name)) == 1, (r.request.path, name)
    assert page.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in page.headers
    assert feed.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "Access-Control-Allow-Origin" not in feed.headers
    assert api.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert api.headers["Access-Control-Allow-Origin"] == "*"


def test_hsts_only_over_https(demo_client):
    assert "Strict-Transport-Security" in demo_client.get("/about").headers
    plain = demo_client.get("/about", base_url="http://localhost")
    assert "Strict-Transport-Security" not in plain.headers
    assert "Content-Security-Policy" in plain.headers


def test_the_request_log_has_one_line_with_the_id_and_no_values(demo_client, caplog):
    caplog.set_level(logging.INFO, logger="groupfinder.request")
    r = demo_client.get("/search?where=Leeds&condition=anxiety", headers={"X-Request-Id": "req-42"})
    assert r.headers["X-Request-Id"] == "req-42"
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "groupfinder.request"]
    assert len(lines) == 1
    assert lines[0].startswith("GET /search?where=…&condition=… 200 ")
    assert "Leeds" not in lines[0] and "anxiety" not in lines[0]


# --- compression ---------------------------------------------------------------------------------

@pytest.mark.parametrize("coding,decode", [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_a_feed_compressed_decodes_to_the_same_bytes_with_its_own_etag(demo_client, coding, decode):
    plain = demo_client.get(LONDON_FEED)
    assert plain.status_code == 200 and len(plain.data) > 1024
    assert "Content-Encoding" not in plain.headers
    assert "accept-encoding" in _vary(plain)
    packed = demo_client.get(LONDON_FEED, headers={"Accept-Encoding": coding})
    assert packed.headers["Content-Encoding"] == coding
    assert "accept-encoding" in _vary(packed)
    assert decode(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 3
    assert int(packed.headers["Content-Length"]) == len(packed.data)
    # Never the identity body's strong validator.
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + f':{coding}"'
    again = demo_client.get(LONDON_FEED, headers={"Accept-Encoding": coding})
    assert again.data == packed.data  # the kept copy


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_conditional_gets_of_a_feed_with_and_without_accept_encoding(demo_client, coding):
    plain_tag = demo_client.get(LONDON_FEED).headers["ETag"]
    packed_tag = demo_client.get(LONDON_FEED, headers={"Accept-Encoding": coding}).headers["ETag"]
    r = demo_client.get(LONDON_FEED, headers={"If-None-Match": packed_tag, "Accept-Encoding": coding})
    assert r.status_code == 304 and r.headers["ETag"] == packed_tag and not r.data
    assert "accept-encoding" in _vary(r)
    r = demo_client.get(LONDON_FEED, headers={"If-None-Match": plain_tag})
    assert r.status_code == 304 and r.headers["ETag"] == plain_tag
    # A validator for a stale body is a full answer, compressed as asked.
    r = demo_client.get(LONDON_FEED, headers={"If-None-Match": '"stale:gzip"', "Accept-Encoding": coding})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == coding


def test_anonymous_pages_and_the_api_are_compressed_small_answers_are_not(demo_client):
    page = demo_client.get("/search?where=Leeds", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"
    plain = demo_client.get("/search?where=Leeds")
    assert "Content-Encoding" not in plain.headers and "accept-encoding" in _vary(plain)
    api = demo_client.get("/api/v1/groups?where=Leeds", headers={"Accept-Encoding": "br"})
    assert api.headers.get("Content-Encoding") == "br"
    tiny = demo_client.get("/api/v1/ping", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in tiny.headers and tiny.get_json() == {"status": "ok"}


def test_static_files_compressed_stream_decodes_and_revalidates(demo_client):
    plain = demo_client.get("/static/css/site.css")
    packed = demo_client.get("/static/css/site.css", headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.data) == plain.data
    tag = packed.headers["ETag"]
    assert tag != plain.headers["ETag"]
    again = demo_client.get("/static/css/site.css",
                            headers={"Accept-Encoding": "br", "If-None-Match": tag})
    assert again.status_code == 304


def test_pages_that_may_hold_a_csrf_token_or_personal_data_are_not_compressed(app, client):
    form = client.get("/accounts/login", headers={"Accept-Encoding": "gzip, br"})
    assert form.headers.getlist("Set-Cookie") and 'name="csrf_token"' in form.get_data(as_text=True)
    assert "Content-Encoding" not in form.headers
    _sign_in(app, client)
    page = client.get("/manage/", headers={"Accept-Encoding": "gzip, br"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    home = client.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in home.headers
    # The same client's API answers hold no secret: compressed.
    api = client.get("/api/v1/conditions", headers={"Accept-Encoding": "gzip"})
    assert len(api.data) < 1024 or api.headers.get("Content-Encoding") == "gzip"


# --- the search feed's guards --------------------------------------------------------------------

def test_the_search_feed_refuses_unknown_parameters_naming_them(demo_client):
    r = demo_client.get("/search/calendar.ics?where=Leeds&x=1&conditon=anxiety")
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "'conditon'" in body and "'x'" in body
    tagged = demo_client.get("/search/calendar.ics?where=Leeds&utm_source=newsletter&fbclid=abc")
    assert tagged.status_code == 200
    assert tagged.headers["ETag"] == demo_client.get("/search/calendar.ics?where=Leeds").headers["ETag"]


def test_urls_asking_the_same_question_share_one_feed(demo_client):
    tags = {demo_client.get(f"/search/calendar.ics?{q}").headers["ETag"] for q in (
        "where=Leeds", "where=Leeds&radius_km=25", "radius_km=25.0&where=Leeds",
        "where=Leeds&day=mon,tue", "day=tue&day=mon&where=Leeds", "where=Leeds&day=Tuesday,mon")}
    assert len(tags) == 2  # with and without the days, whatever the spelling and order


def test_cold_builds_of_search_feeds_are_limited_per_client_cached_ones_are_not(
        tmp_path, monkeypatch):
    import groupfinder.feeds.views as feed_views

    monkeypatch.setattr(feed_views, "SEARCH_FEED_BUILD_LIMIT", "2 per minute")
    app = make_app(f"sqlite:///{tmp_path / 'limits.sqlite3'}", RATELIMIT_ENABLED=True,
                   RATELIMIT_STORAGE_URI="memory://")
    _prepare(app, demo=False)
    with app.app_context():
        c = app.test_client()
        first = c.get("/search/calendar.ics?where=Leeds&radius_km=10")
        assert first.status_code == 200
        assert c.get("/search/calendar.ics?where=Leeds&radius_km=11").status_code == 200
        refused = c.get("/search/calendar.ics?where=Leeds&radius_km=12")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        # Already built: served from the cache, not counted.
        assert c.get("/search/calendar.ics?radius_km=10&where=Leeds").status_code == 200
        # Another client address has its own count.
        other = c.get("/search/calendar.ics?where=Leeds&radius_km=12",
                      environ_base={"REMOTE_ADDR": "10.9.9.9"})
        assert other.status_code == 200
        db.engine.dispose()


# --- engine options and bounded caches -----------------------------------------------------------

def test_postgresql_connections_are_recycled_not_pinged_on_every_checkout():
    from groupfinder.app import _engine_options

    pg = _engine_options("postgresql+psycopg://u@h/db")
    assert pg["pool_recycle"] == 1800 and not pg.get("pool_pre_ping")
    assert pg["hide_parameters"] is True
    assert _engine_options("sqlite:////tmp/x.sqlite3") == {"hide_parameters": True}


def test_the_compressed_copies_are_bounded_in_bytes():
    from groupfinder.compression import _BoundedBytes

    kept = _BoundedBytes(1000)
    for i in range(50):
        kept.set(f"k{i}", bytes(100))
    kept.set("huge", bytes(5000))  # bigger than the whole cache: not kept
    assert kept.get("huge") is None
    assert sum(len(kept.get(f"k{i}") or b"") for i in range(50)) <= 1000
    assert kept.get("k49") == bytes(100)  # the newest stay


def test_the_search_pages_feed_link_carries_only_what_the_feed_takes(demo_client):
    import html
    import re

    page = demo_client.get("/search?where=Leeds&day=mon&utm_source=mail&foo=1&page=1")
    assert page.status_code == 200
    links = {html.unescape(u) for u in re.findall(r'(https?://[^"\s]*calendar\.ics\?[^"\s]*)',
                                                   page.get_data(as_text=True))}
    assert links
    for link in links:
        assert "foo" not in link and "utm_source" not in link and "page=" not in link, link
        path = link.split("://", 1)[1].split("/", 1)[1]
        r = demo_client.get("/" + path)
        assert r.status_code == 200, (link, r.data[:300])
