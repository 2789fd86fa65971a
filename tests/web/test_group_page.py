"""The group page (issue 10, item 7): what a person needs to go comes first (next meeting, where,
distance from the searched place, contact), a private place shows only its area, "Back to
results" returns to the search and can't be pointed anywhere else, moved meetings read naturally
in the site's clock; and the chrome around it (icons, the one-row header, scrolling tables)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from groupfinder.accounts.models import Role
from groupfinder.extensions import db
from groupfinder.groups.return_link import MAX_BACK_LENGTH, origin_point, safe_back

from ..factories import make_group, make_user, make_venue, move_second_meeting, sign_in

BACK = "/search?where=M1+1AE&condition=anxiety&day=mon"


def _url(group, **params: str) -> str:
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    return f"/groups/{group.id}/{group.slug}" + (f"?{query}" if query else "")


def _page(client, url: str) -> str:
    """The page as people read it: the body (the head's schema.org data for machines is
    tested in test_structured_data.py, and its ISO times are not the site's clock)."""
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    text = r.get_data(as_text=True)
    return text[text.index("<body"):]


def _positions(page: str, *needles: str) -> list[int]:
    found = [page.find(n) for n in needles]
    assert all(i >= 0 for i in found), [n for n, i in zip(needles, found, strict=True) if i < 0]
    return found


def test_public_group_page_puts_when_where_distance_and_contact_first(client):
    venue = make_venue(name="Carers' Centre", address="88 Grove Road", latitude=53.4790,
                       longitude=-2.2360)
    group = make_group(venue=venue, contact_email="hello@example.org")
    db.session.commit()
    page = _page(client, _url(group, back=BACK, from_lat="53.477", from_lng="-2.235"))
    order = _positions(page, 'href="/search?where=M1+1AE&amp;condition=anxiety&amp;day=mon">Back to results',
                       "<h1>", 'id="next-up-heading"', 'id="where-heading"', "88 Grove Road",
                       "from the place you searched", 'id="group-map-slot"', 'id="contact-heading"',
                       "hello@example.org", 'id="about-heading"', 'id="expect-heading"',
                       'id="when-heading"', 'id="calendar-heading"')
    assert order == sorted(order)
    # 0.2 km away, in the unit of the page's country (the `distance` filter's choice)
    assert re.search(r"Under 0\.5 (km|mi) from the place you searched", page)
    # the next meeting is stated in the first panel, in the site's 12-hour clock
    first = page[page.index('id="next-up-heading"'):page.index('id="where-heading"')]
    assert re.search(r"Tuesday \d+ \w+ 20\d\d, 7:00–8:30 pm", first)


def test_no_distance_without_a_searched_place(client):
    group = make_group()
    db.session.commit()
    for url in (_url(group), _url(group, back=BACK), _url(group, from_lat="53.4"),
                _url(group, from_lat="nan", from_lng="1"), _url(group, from_lat="91", from_lng="0")):
        page = _page(client, url)
        assert "from the place you searched" not in page, url
    assert "Back to results" not in _page(client, _url(group))


def test_sensitive_group_page_shows_only_the_area(client):
    venue = make_venue(name="Secret Hall", address="7 Hidden Lane", postcode="M1 1AE")
    group = make_group(venue=venue, is_sensitive=True, area_name="Manchester (M1)")
    db.session.commit()
    page = _page(client, _url(group, back=BACK, from_lat="53.470", from_lng="-2.240"))
    for leak in ("Secret Hall", "Hidden Lane", "M1 1AE", f"{venue.latitude}", f"{venue.longitude}"):
        assert leak not in page, leak
    assert "Approximate area:</strong> Manchester (M1)" in page
    assert "(to the middle of the area)" in page
    assert "Get directions" not in page and "geo:" not in page
    _positions(page, 'id="next-up-heading"', 'id="where-heading"', 'id="contact-heading"')


def test_distance_is_measured_to_the_public_point():
    """The distance shown is to the area's centre, never to the venue: the same number search
    sorts on (a pure check of the helper's rounding too)."""
    assert origin_point("53.47712", "-2.23456") == (53.477, -2.235)
    assert origin_point("53.4", None) is None
    assert origin_point("inf", "0") is None


@pytest.mark.parametrize("back", [
    "https://evil.example/search?where=x",
    "//evil.example/search?where=x",
    "/\\evil.example/search?x",
    "/search?where=x\\@evil.example",
    "/searching?where=x",
    "/search",
    "search?where=x",
    "javascript:alert(1)//search?",
    "/search?where=x#frag",
    "/search?where=a b",
    '/search?where="><script>alert(1)</script>',
    "/search?where=x\r\nLocation: https://evil.example",
    "/search?" + "a" * MAX_BACK_LENGTH,
    "/SEARCH?where=x",
    "",
])
def test_back_that_is_not_our_search_is_dropped(client, back):
    assert safe_back(back) is None
    group = make_group()
    db.session.commit()
    page = _page(client, _url(group, back=back))
    assert "Back to results" not in page
    assert "evil.example" not in page and "<script>alert" not in page


def test_back_to_results_keeps_the_whole_search(client):
    back = "/search?where=M1+1AE&condition=anxiety&condition=depression&day=mon&starts_after=18%3A00&page=2"
    assert safe_back(back) == back
    group = make_group()
    db.session.commit()
    page = _page(client, _url(group, back=back))
    assert f'href="{back.replace("&", "&amp;")}">Back to results' in page


def test_old_slug_redirect_keeps_back_and_origin_and_drops_a_bad_back(client):
    group = make_group()
    db.session.commit()
    r = client.get(f"/groups/{group.id}/old-name?back={quote(BACK, safe='')}&from_lat=53.4771&from_lng=-2.2346")
    assert r.status_code == 301
    location = r.headers["Location"]
    assert location.startswith(f"/groups/{group.id}/{group.slug}?")
    kept = parse_qs(urlsplit(location).query)
    assert kept == {"back": [BACK], "from_lat": ["53.477"], "from_lng": ["-2.235"]}
    r = client.get(f"/groups/{group.id}/old-name?back=https://evil.example/")
    assert r.status_code == 301 and r.headers["Location"] == f"/groups/{group.id}/{group.slug}"


def _moved_group() -> tuple[object, dt.datetime]:
    group = make_group(venue=make_venue(name="Library Hall"))
    new_start = move_second_meeting(group, "The hall is booked for a wedding")
    db.session.commit()
    return group, new_start


@pytest.mark.parametrize(("clock", "time_text"), [("12h", "6:30 pm"), ("24h", "18:30")])
def test_moved_meeting_reads_naturally_in_the_sites_clock(app, client, monkeypatch, clock, time_text):
    monkeypatch.setitem(app.config, "CLOCK", clock)
    group, new_start = _moved_group()
    page = _page(client, _url(group))
    day = f"{new_start:%A} {new_start.day} {new_start:%B}"
    assert f"Moved to {day}, {time_text}, instead of " in page
    assert "Organiser's note: The hall is booked for a wedding" in page
    assert "Moved: Moved" not in page and "Moved: " not in page
    if clock == "12h":
        assert not re.search(r"\b(1[3-9]|2[0-3]):[0-5]\d\b", page)  # no 24-hour time anywhere


# --- chrome: icons, header, tables -----------------------------------------------------------

@pytest.mark.parametrize(("path", "kind"), [
    ("/static/icons/icon.svg", "image/svg+xml"),
    ("/static/icons/icon-32.png", "image/png"),
    ("/static/icons/apple-touch-icon.png", "image/png"),
    ("/static/icons/icon-192.png", "image/png"),
    ("/static/icons/icon-512.png", "image/png"),
    ("/static/icons/icon-maskable-512.png", "image/png"),
    ("/static/icons/site.webmanifest", "application/manifest+json"),
])
def test_icons_are_served_with_their_type_and_linked_from_every_page(client, path, kind):
    r = client.get(path)
    assert r.status_code == 200
    assert r.mimetype == kind
    if kind == "image/png":
        assert r.data[:8] == b"\x89PNG\r\n\x1a\n"
        size = int.from_bytes(r.data[16:20], "big")
        assert str(size) in path or path.endswith("apple-touch-icon.png") and size == 180
    home = client.get("/").get_data(as_text=True)  # the head, where the icons are linked
    if not path.endswith(("192.png", "512.png")):  # those two are the manifest's
        assert f'href="{path}"' in home


def test_header_has_a_compact_menu_that_works_without_javascript(client):
    admin = make_user("admin@example.org", Role.admin)
    db.session.commit()
    sign_in(client, admin)
    page = _page(client, "/review/users")
    menu = page[page.index('<details class="site-menu">'):page.index("</details>")]
    assert '<summary class="site-menu__button">Menu</summary>' in menu
    for label in ("Find a group", "Your listings", "Review", "About", "Privacy", "Your account", "Sign out"):
        assert label in menu, label
    # the wide list holds the same links; CSS shows one of the two
    assert page.count('class="site-nav__full"') == 1


def test_admin_tables_scroll_inside_a_focusable_labelled_region(client):
    admin = make_user("admin@example.org", Role.admin)
    make_group()
    db.session.commit()
    sign_in(client, admin)
    for url in ("/review/users", "/review/groups"):
        page = _page(client, url)
        assert re.search(r'<div class="table-scroll" tabindex="0" role="region" aria-label="[^"]+">\s*<table', page), url


def test_the_distance_is_in_the_groups_countrys_unit(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "DISTANCE_UNIT", "auto")
    us = make_group(venue=make_venue(country="US", postcode="30303", town="Atlanta",
                                     latitude=33.7490, longitude=-84.3880, timezone="America/New_York"))
    db.session.commit()
    page = _page(client, _url(us, from_lat="33.760", from_lng="-84.390"))
    assert re.search(r"(About|Under) [\d.]+ mi from the place you searched", page), page[:0]
    monkeypatch.setitem(app.config, "DISTANCE_UNIT", "km")
    page = _page(client, _url(us, from_lat="33.760", from_lng="-84.390"))
    assert re.search(r"(About|Under) [\d.]+ km from the place you searched", page)
