"""robots.txt keeps crawlers out of private and endless paths; the sitemaps list every public
page and nothing else."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import ListingStatus
from groupfinder.pages import sitemap

from ..factories import make_group

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locs(client, path: str) -> list[str]:
    r = client.get(path)
    assert r.status_code == 200 and r.mimetype == "application/xml"
    root = ET.fromstring(r.data)
    return [e.text for e in root.iterfind(".//s:loc", NS)]


def paths(urls: list[str]) -> list[str]:
    return [re.sub(r"^https?://[^/]+", "", u) for u in urls]


def test_robots_keeps_crawlers_out_of_private_and_parameterised_paths(client):
    r = client.get("/robots.txt")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    for path in ("/accounts/", "/manage/", "/review/", "/search?", "/listings/", "/es/manage/",
                 "/cy/accounts/", "/es/search?"):
        assert f"Disallow: {path}" in text
    assert re.search(r"^Sitemap: https?://\S+/sitemap\.xml$", text, re.M)


def test_the_sitemap_lists_every_public_page_and_nothing_private(app, client):
    person = Facilitator(name="Sam Example", bio="Runs it.")
    hidden_person = Facilitator(name="Only In Drafts", bio="")
    db.session.add_all([person, hidden_person])
    public = make_group(name="Open Circle")
    public.facilitators.append(person)
    draft = make_group(name="Draft Circle", status=ListingStatus.draft)
    draft.facilitators.append(hidden_person)
    archived = make_group(name="Old Circle", status=ListingStatus.archived)
    unconfirmed = make_group(name="Unconfirmed Circle", hidden_since=now_utc())
    db.session.commit()

    index = paths(locs(client, "/sitemap.xml"))
    assert index == ["/sitemaps/pages-1.xml", "/sitemaps/groups-1.xml", "/sitemaps/facilitators-1.xml",
                     "/sitemaps/organisations-1.xml"]
    assert paths(locs(client, "/sitemaps/pages-1.xml")) == ["/", "/about", "/privacy"]
    groups = paths(locs(client, "/sitemaps/groups-1.xml"))
    assert groups == [f"/groups/{public.id}/{public.slug}"]
    for other in (draft, archived, unconfirmed):
        assert not any(f"/groups/{other.id}/" in g for g in groups)
    assert paths(locs(client, "/sitemaps/facilitators-1.xml")) == [f"/facilitators/{person.id}"]
    body = client.get("/sitemaps/groups-1.xml").get_data(as_text=True)
    assert re.search(r"<lastmod>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</lastmod>", body)


def test_every_listed_page_answers_200(client):
    make_group(name="Open Circle")
    db.session.commit()
    for part in locs(client, "/sitemap.xml"):
        for url in paths(locs(client, paths([part])[0])):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("path", ["/sitemaps/groups-0.xml", "/sitemaps/groups-2.xml",
                                  "/sitemaps/pages-2.xml", "/sitemaps/other-1.xml",
                                  "/sitemaps/organisations-2.xml",
                                  "/sitemaps/groups-99999999999.xml"])
def test_a_part_that_does_not_exist_is_404(client, path):
    assert client.get(path).status_code == 404


def test_large_sites_are_split_into_parts(app, monkeypatch):
    monkeypatch.setattr(sitemap, "CHUNK", 2)
    ids = [make_group(name=f"Circle {n}").id for n in range(5)]
    db.session.commit()
    parts = sitemap.chunk_counts()[0]
    assert parts == -(-max(ids) // 2)  # id ranges of 2 up to the highest id
    listed = [gid for c in range(parts) for gid, _slug, _mod in sitemap.group_rows(c)]
    assert listed == ids and all(len(sitemap.group_rows(c)) <= 2 for c in range(parts))
