"""Maps and directions on public pages: Leaflet from our own origin, the CSP widened for the tile
origin's images only, and the map and directions partials drawing what the public may see (an
area is its hexagon; no venue point and no directions for a private place)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import h3
import pytest
from flask import render_template_string

from groupfinder import config, privacy
from groupfinder.groups.queries import SearchCriteria, search_groups
from groupfinder.security import CSP, content_security_policy

from ..factories import make_group, make_venue
from .test_security_headers import parse_csp

HALL = dict(name="St Quillan's Hall", address="15 Quillan Row", postcode="LS6 2QQ", town="Leeds",
            latitude=53.81530, longitude=-1.56010)
LIBRARY = dict(name="Headrow Library", address="2 Calverley Street", postcode="LS1 3AB",
               town="Leeds", latitude=53.80010, longitude=-1.54910)
SECRETS = ("St Quillan", "Quillan Row", "LS6 2QQ", "53.8153", "-1.5601", "53.81530", "-1.56010")
PAGE = """{% from "groups/_map.html" import map_assets, results_map, group_map %}
{%- from "groups/_directions.html" import directions -%}
<head>{{ map_assets() }}</head>
{{ results_map(hits, list_id="results-list") }}<ol id="results-list"></ol>
{%- for hit in hits %}{{ group_map(hit.group) }}{{ directions(hit.group) }}{% endfor %}"""


def islands(page: str) -> dict[str, dict]:
    found = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', page, re.S)
    return {name: json.loads(body) for name, body in found}


@pytest.fixture
def leeds(app):  # type: ignore[no-untyped-def]
    """A public library; a sensitive group at a church hall, and an ordinary group sharing it."""
    library = make_group(venue=make_venue(**LIBRARY), name="Library Circle")
    hall = make_venue(**HALL)
    ordinary = make_group(venue=hall, name="Open Tuesday Circle")
    sensitive = make_group(venue=hall, name="Survivors' Evening", is_sensitive=True,
                           area_name="Headingley")
    from groupfinder.extensions import db

    db.session.commit()
    return {"library": library, "ordinary": ordinary, "sensitive": sensitive}


def render(app, groups_in_order=None):  # type: ignore[no-untyped-def]
    page = search_groups(SearchCriteria(latitude=53.80, longitude=-1.55, radius_km=10),
                         now=dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC))
    with app.test_request_context("/search?where=Leeds"):
        return render_template_string(PAGE, hits=page.hits), page.hits


# --- the vendor files ------------------------------------------------------------------------


@pytest.mark.parametrize("path,kind", [
    ("leaflet/{v}/leaflet.js", "text/javascript; charset=utf-8"),
    ("leaflet/{v}/leaflet.css", "text/css; charset=utf-8"),
    ("leaflet/{v}/images/marker-icon.png", "image/png"),
    ("leaflet-markercluster/{m}/leaflet.markercluster.js", "text/javascript; charset=utf-8"),
    ("leaflet-markercluster/{m}/MarkerCluster.css", "text/css; charset=utf-8"),
])
def test_leaflet_is_served_from_our_origin_cached_for_a_year(client, path, kind):
    from groupfinder.groups.map_views import VENDOR

    url = "/static/vendor/" + path.format(v=VENDOR["leaflet"][0], m=VENDOR["leaflet-markercluster"][0])
    r = client.get(url)
    assert r.status_code == 200 and r.headers["Content-Type"] == kind
    cache = r.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert len(r.data) > 100


@pytest.mark.parametrize("path", [
    "leaflet/0.0.1/leaflet.js",  # another version: a stale URL is not served as this one
    "nothing/1.0/x.js",
    "leaflet/{v}/../../__init__.py",
    "leaflet/{v}/%2e%2e/__init__.py",
    "leaflet/{v}/leaflet.txt",
])
def test_only_the_vendor_files_of_the_installed_version_are_served(client, path):
    from groupfinder.groups.map_views import VENDOR

    r = client.get("/static/vendor/" + path.format(v=VENDOR["leaflet"][0]))
    assert r.status_code == 404


def test_the_map_assets_are_all_local_and_answer(app, client):
    with app.test_request_context("/"):
        head = render_template_string('{% from "groups/_map.html" import map_assets %}{{ map_assets() }}')
    urls = re.findall(r'(?:href|src)="([^"]+)"', head)
    assert len(urls) == 6 and all(u.startswith("/static/") for u in urls)
    assert all(client.get(u).status_code == 200 for u in urls)
    assert head.count(" defer") == 3


# --- the CSP ---------------------------------------------------------------------------------


def test_the_tile_origin_is_allowed_for_images_and_nothing_else(client):
    csp = parse_csp(client.get("/").headers["Content-Security-Policy"])
    assert csp["img-src"] == ["'self'", "https://tile.openstreetmap.org"]
    others = {k: v for k, v in csp.items() if k != "img-src"}
    assert not any("openstreetmap" in value for values in others.values() for value in values)
    assert others == {k: v.split() for k, v in CSP.items() if k != "img-src"}


@pytest.mark.parametrize("url,img", [
    ("https://tiles.example.org:8443/osm/{z}/{x}/{y}.png?key=abc",
     "'self' https://tiles.example.org:8443"),
    ("", "'self'"),  # maps off: nothing added
])
def test_the_csp_follows_the_tile_setting(url, img):
    assert content_security_policy({"MAP_TILE_URL": url})["img-src"] == img


@pytest.mark.parametrize("url", [
    "http://tile.openstreetmap.org/{z}/{x}/{y}.png",  # not https
    "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",  # a host per request: no one origin
    "https://tile.openstreetmap.org/tiles.png",  # no {z}/{x}/{y}
    "https://tile.example.org; script-src *//{z}/{x}/{y}.png",
    "tile.openstreetmap.org/{z}/{x}/{y}.png",
])
def test_a_tile_url_that_cant_be_one_origin_stops_the_app(tmp_path, url):
    with pytest.raises(config.ConfigError) as raised:
        config.load(str(tmp_path), {"TESTING": True, "MAP_TILE_URL": url}, environ={})
    assert any("MAP_TILE_URL" in p for p in raised.value.problems)


def test_tiles_on_this_machine_may_be_plain_http(tmp_path):
    values = config.load(str(tmp_path), {"TESTING": True,
                                         "MAP_TILE_URL": "http://127.0.0.1:8080/{z}/{x}/{y}.png"},
                         environ={})
    assert content_security_policy(values)["img-src"] == "'self' http://127.0.0.1:8080"


# --- the partials ----------------------------------------------------------------------------


def test_the_results_map_draws_pins_for_public_places_and_hexagons_for_areas(app, leeds):
    page, hits = render(app)
    data = islands(page)["results-map-data"]
    assert data["tiles"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert 'href="https://www.openstreetmap.org/copyright"' in data["attribution"]
    by_name = {f["properties"]["name"]: f for f in data["features"]}
    assert [f["properties"]["name"] for f in data["features"]] == [h.group.name for h in hits]
    library = by_name["Library Circle"]
    assert library["geometry"] == {"type": "Point", "coordinates": [-1.5491, 53.8001]}
    assert library["properties"]["url"] == f"/groups/{leeds['library'].id}/{leeds['library'].slug}"
    assert library["properties"]["distance"].endswith(" mi")  # as the page words it (UK: miles)
    assert library["properties"]["next"]  # the next meeting, as the page words it
    cell = h3.latlng_to_cell(HALL["latitude"], HALL["longitude"], privacy.H3_RESOLUTION)
    hexagon = [[round(lng, 5), round(lat, 5)] for lat, lng in h3.cell_to_boundary(cell)]
    for name in ("Survivors' Evening", "Open Tuesday Circle"):  # sensitive, and its neighbour
        f = by_name[name]
        assert f["geometry"]["type"] == "Polygon" and f["geometry"]["coordinates"][0][:-1] == hexagon
        assert f["properties"]["approximate"] is True


def test_a_private_place_leaves_no_venue_point_name_or_directions_anywhere(app, leeds):
    page, _ = render(app)
    text = html.unescape(page)
    for secret in SECRETS:
        assert secret not in text, secret
    for key in ("sensitive", "ordinary"):
        group = leeds[key]
        with app.test_request_context(f"/groups/{group.id}/{group.slug}"):
            alone = render_template_string(
                '{% from "groups/_map.html" import group_map %}'
                '{% from "groups/_directions.html" import directions %}'
                "{{ group_map(group) }}|{{ directions(group) }}", group=group)
        island, links = alone.split("|")
        assert links.strip() == ""  # no directions at all
        assert "geo:" not in alone and "google.com/maps" not in alone
        assert islands(island)[f"group-map-{group.id}-data"]["features"][0]["geometry"]["type"] == "Polygon"
        for secret in SECRETS:
            assert secret not in html.unescape(alone), secret
        # Not even the public cell centre is a point the map could pin.
        assert f"{group.public_lat}" not in alone


def test_a_public_place_has_a_pin_and_directions(app, leeds):
    library = leeds["library"]
    with app.test_request_context(f"/groups/{library.id}/{library.slug}"):
        out = render_template_string(
            '{% from "groups/_map.html" import group_map %}'
            '{% from "groups/_directions.html" import directions %}'
            "{{ group_map(group) }}{{ directions(group) }}", group=library)
    data = islands(out)[f"group-map-{library.id}-data"]
    assert data["features"][0]["geometry"] == {"type": "Point", "coordinates": [-1.5491, 53.8001]}
    hrefs = re.findall(r'href="([^"]+)"', out)
    assert [h.split(":")[0] for h in hrefs] == ["geo", "https", "https", "https"]
    assert html.unescape(hrefs[0]) == "geo:53.80010,-1.54910?q=53.80010,-1.54910(Library%20Circle)"
    assert "Get directions" in out and "Open in your maps app" in out


def test_maps_start_hidden_and_the_switch_names_its_state(app, leeds):
    page, _ = render(app)
    switch = re.search(r'<div class="map-switch"[^>]*>', page).group(0)
    assert " hidden" in switch and 'role="group"' in switch and 'aria-label="' in switch
    buttons = re.findall(r'<button type="button"[^>]*>(\w+)</button>', page)
    assert buttons == ["List", "Map"]
    assert 'data-view="list" aria-controls="results-list" aria-pressed="true"' in page
    assert 'data-view="map" aria-controls="results-map" aria-pressed="false"' in page
    box = re.search(r'<div class="map map--results"[^>]*>', page).group(0)
    assert " hidden" in box and 'data-list="results-list"' in box
    assert re.search(r'class="map__canvas"[^>]*role="region" aria-label="[^"]+"', page)
    for fig in re.findall(r'<figure class="map map--group"[^>]*>', page):
        assert " hidden" in fig


def test_a_name_cannot_close_the_data_block(app):
    make_group(venue=make_venue(**LIBRARY), name="</script><script>alert(1)</script>")
    from groupfinder.extensions import db

    db.session.commit()
    page, _ = render(app)
    body = re.search(r'id="results-map-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in body
    assert json.loads(body)["features"][0]["properties"]["name"].startswith("</script>")


def test_no_tile_url_no_map(app, leeds, monkeypatch):
    monkeypatch.setitem(app.config, "MAP_TILE_URL", "")
    page, _ = render(app)
    for marker in ("data-map", "map-switch", "application/json", "leaflet", "map.js", "map.css"):
        assert marker not in page, marker
    assert "Get directions" in page  # directions don't need tiles


def test_the_attribution_is_text_with_https_links_only():
    from groupfinder.groups.map_views import attribution_html

    assert str(attribution_html("© [OSM](https://osm.org/c) & <b>x</b> [bad](javascript:alert(1))")) == (
        '© <a href="https://osm.org/c">OSM</a> &amp; &lt;b&gt;x&lt;/b&gt; [bad](javascript:alert(1))')


def test_the_leak_scanner_tells_a_hexagon_from_the_venue_it_hides():
    """A hexagon's corners share 3- or 4-decimal digits with a venue in the cell by chance; the
    scanner must not call that a leak, and must still find the venue's point in any precision."""
    from groupfinder.groups.mapdata import cell_polygon

    from ..leakcheck import scenario as leak
    from ..leakcheck.scan import find_markers, readable_texts

    venues = [(leak.VENUE_LAT, leak.VENUE_LNG), (leak.MOVED_LAT, leak.MOVED_LNG),
              (leak.PENDING_LAT, leak.PENDING_LNG), (leak.B_SHARED_LAT, leak.B_SHARED_LNG)]
    coincidences = 0
    for lat, lng in venues:
        markers = leak.coordinate_forms(lat, lng)
        hexagon = json.dumps({"type": "Polygon", "coordinates": cell_polygon(
            h3.latlng_to_cell(lat, lng, privacy.H3_RESOLUTION))})
        coincidences += any(m in hexagon for m in markers)  # what plain substrings would flag
        assert find_markers(readable_texts(hexagon, "application/json"), markers,
                            where="map", part="body") == []
        for leaked in (f"[{lng:.5f}, {lat:.5f}]", f"{lat:.4f},{lng:.4f}", f"{lat:.3f} {lng:.3f}",
                       f"{lat:.6f}", json.dumps([round(lng, 4), round(lat, 4)]),
                       f"q={lat:.4f}%2C{lng:.4f}"):
            assert find_markers(readable_texts(leaked), markers, where="x", part="body"), leaked
    assert coincidences  # the case this guards against really happens with these venues
