"""Pieces of pages kept between requests (``fragments``): the same page as rendered afresh, new
after a change, per language, never a signed-in account's; and what a visitor's request skips."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from groupfinder.extensions import db
from groupfinder.geo.geocoding import GeocodingService
from groupfinder.groups.search import geocoder
from groupfinder.readcache import ReadCache, cache

from ..factories import make_group, make_user, make_venue, sign_in, statements

SEARCH = "/search?where=M1+1AE"
_NONCE = re.compile(r'nonce="[^"]*"')


@contextmanager
def uncached(app: Flask) -> Iterator[None]:
    """The app with a read cache that keeps nothing: every page rendered afresh."""
    kept = app.extensions["groupfinder.readcache"] if "groupfinder.readcache" in app.extensions \
        else cache()
    app.extensions["groupfinder.readcache"] = ReadCache(0)
    try:
        yield
    finally:
        app.extensions["groupfinder.readcache"] = kept


def _body(client, url: str, **kw) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url, **kw)
    assert response.status_code == 200, url
    return _NONCE.sub("", response.get_data(as_text=True))


def _pages(group) -> list[str]:  # type: ignore[no-untyped-def]
    detail = f"/groups/{group.id}/{group.slug}"
    return ["/", SEARCH, SEARCH + "&condition=anxiety&day=tue", detail,
            detail + "?back=%2Fsearch%3Fwhere%3DM1%2B1AE&from_lat=53.48&from_lng=-2.24",
            "/cy/", "/cy" + SEARCH, "/es" + detail, "/about"]


def test_pages_from_kept_pieces_are_the_pages_rendered_afresh(app, client):
    group = make_group(name="Kept Pieces Circle")
    private = make_group(name="Survivors Circle", is_sensitive=True,
                         venue=make_venue(name="Hidden Hall"))
    db.session.commit()
    for url in _pages(group) + [f"/groups/{private.id}/{private.slug}"]:
        first, kept = _body(client, url), _body(client, url)  # the second is from the cache
        with uncached(app):
            fresh = _body(client, url)
        assert kept == first == fresh, url
    assert any(key[0] == "fragment" for key in cache().keys())
    assert "Hidden Hall" not in "".join(str(v) for v in _cached_fragments())


def _cached_fragments() -> list[str]:
    store = cache()
    return [store._lru[key].value for key in store.keys() if key[0] == "fragment"]


def test_a_change_shows_on_the_next_page(app, client):
    group = make_group(name="Before Circle")
    db.session.commit()
    detail = f"/groups/{group.id}/{group.slug}"
    assert "Before Circle" in _body(client, detail) and "Before Circle" in _body(client, SEARCH)
    group.name, group.what_to_expect = "After Circle", "Biscuits and a warm welcome."
    db.session.commit()
    page, results = _body(client, detail), _body(client, SEARCH)
    assert "After Circle" in page and "Biscuits and a warm welcome." in page
    assert "After Circle" in results and "Before Circle" not in results + page


def test_each_language_has_its_own_pieces(app, client):
    group = make_group()
    db.session.commit()
    detail = f"/groups/{group.id}/{group.slug}"
    english, welsh = _body(client, detail), _body(client, "/cy" + detail)
    assert "Upcoming meetings" in english and "Report a problem" in english
    assert "Upcoming meetings" not in welsh and "Report a problem" not in welsh
    # Links in kept pieces keep the page's prefix.
    assert '<a class="site-name" href="/cy/">' in welsh and '<a class="site-name" href="/">' in english
    assert _body(client, detail) == english


def test_a_signed_in_menu_is_never_kept(app, client):
    make_group()
    user = make_user("kept@example.test")
    db.session.commit()
    visitor = app.test_client()
    assert "Sign in" in _body(visitor, "/")
    sign_in(client, user)
    signed_in = _body(client, "/")
    assert "Your listings" in signed_in and "Sign out" in signed_in
    assert "Sign in" in _body(visitor, "/") and "Your listings" not in _body(visitor, "/")
    assert not any("Sign out" in str(v) for v in _cached_fragments())


def test_a_form_with_errors_is_rendered_afresh(app, client):
    response = client.get("/search?where=ZZ99+9ZZ&radius=oops")
    assert response.status_code == 422
    assert "ZZ99 9ZZ" in response.get_data(as_text=True)
    assert not any("search-form" in key for key in cache().keys())


# --- what a signed-out visitor's request skips ---------------------------------------------------



def _token_reads(seen: list[str]) -> int:
    return sum("data_generation" in s for s in seen)


def test_a_visitor_reuses_the_data_version_a_signed_in_organizer_reads_it(app, client):
    group = make_group()
    user = make_user("fresh@example.test")
    db.session.commit()
    detail = f"/groups/{group.id}/{group.slug}"
    visitor = app.test_client()
    _body(visitor, detail)
    with statements() as seen:
        _body(visitor, detail)
    assert seen == []  # the page, its pieces and the data version: all kept
    sign_in(client, user)
    _body(client, detail)
    with statements() as seen:
        _body(client, detail)
    assert _token_reads(seen) == 1


def test_a_commit_is_seen_at_once_by_the_next_visitor(app, client):
    group = make_group(name="Seen Circle")
    db.session.commit()
    detail = f"/groups/{group.id}/{group.slug}"
    _body(client, detail)
    group.name = "Seen At Once Circle"
    db.session.commit()  # in this process: the kept data version is forgotten
    assert "Seen At Once Circle" in _body(client, detail)


def test_a_postcode_is_looked_up_once(app):
    service = geocoder()
    assert isinstance(service, GeocodingService)
    first = service.resolve(text="M1 1AE")
    with statements() as seen:
        again = service.resolve(text="M1 1AE")
    assert again == first and seen == []
    service._labels_checked = 0.0  # a minute later the gazetteer's version is looked at again
    with statements() as seen:
        assert service.resolve(text="M1 1AE") == first
    assert seen  # the version (unchanged): the place is still kept
