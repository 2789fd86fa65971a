"""What search engines may crawl: ``robots.txt`` and the sitemaps (sitemaps.org 0.9).

``/sitemap.xml`` is always an index of files of at most ``CHUNK`` URLs (the protocol allows
50,000 a file), so a site of any size is listed the same way: the site's own pages, then the
published groups and the facilitators of published groups in id ranges, then the organisations
that run a listed group (one file: ``groups.organisation_queries.sitemap_rows``). A listing that left
search for going unconfirmed is left out too (its page stays for those who have the link).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from xml.sax.saxutils import escape

import sqlalchemy as sa

from ..extensions import db
from ..facilitators.models import Facilitator
from ..groups.models import Group, ListingStatus, group_facilitators
from ..i18n import LANGUAGES

CHUNK = 40_000
STATIC_PAGES = ("pages.home", "pages.about", "pages.privacy_notice")
XMLNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

# Paths that are private, per person, or endless (every parameter combination of a search).
ROBOTS_DISALLOW = ("/accounts/", "/manage/", "/review/", "/listings/", "/search?",
                   "/search/calendar.ics", "/api/v1/groups?", "/groups/*/report")


def robots_txt(sitemap_url: str, languages: tuple[str, ...] = LANGUAGES) -> str:
    """The same paths under each language's prefix too (``/es/accounts/``): the pages are the
    same pages."""
    paths = [*ROBOTS_DISALLOW, *(f"/{code}{path}" for code in languages
                                 for path in ROBOTS_DISALLOW if not path.startswith("/api/"))]
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in paths), "Allow: /", "",
             f"Sitemap: {sitemap_url}", ""]
    return "\n".join(lines)


def _listed() -> list[sa.ColumnElement[bool]]:
    return [Group.status == ListingStatus.published, Group.hidden_since.is_(None)]


def group_rows(chunk: int) -> list[tuple[int, str, dt.datetime]]:
    """(id, slug, last modified) of the listed groups in the ``chunk``-th id range."""
    low, high = chunk * CHUNK, (chunk + 1) * CHUNK
    rows = db.session.execute(
        sa.select(Group.id, Group.slug, Group.updated_at, Group.confirmed_at)
        .where(*_listed(), Group.id > low, Group.id <= high).order_by(Group.id))
    return [(gid, slug, max(updated, confirmed)) for gid, slug, updated, confirmed in rows]


def facilitator_rows(chunk: int) -> list[tuple[int, dt.datetime]]:
    """(id, last modified) of facilitators of listed groups (only those have public pages)."""
    low, high = chunk * CHUNK, (chunk + 1) * CHUNK
    public = sa.select(group_facilitators.c.facilitator_id).join(
        Group, Group.id == group_facilitators.c.group_id).where(*_listed())
    rows = db.session.execute(
        sa.select(Facilitator.id, Facilitator.updated_at)
        .where(Facilitator.id.in_(public), Facilitator.id > low, Facilitator.id <= high)
        .order_by(Facilitator.id))
    return [(fid, updated) for fid, updated in rows]


def chunk_counts() -> tuple[int, int]:
    """How many id ranges the groups and the facilitators need (at least one each)."""
    top_group = db.session.scalar(sa.select(sa.func.max(Group.id)).where(*_listed())) or 0
    top_person = db.session.scalar(sa.select(sa.func.max(Facilitator.id))) or 0
    return max(1, -(-top_group // CHUNK)), max(1, -(-top_person // CHUNK))


def _w3c(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def urlset(entries: Iterable[tuple[str, dt.datetime | None]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{XMLNS}">']
    for loc, modified in entries:
        lastmod = f"<lastmod>{_w3c(modified)}</lastmod>" if modified else ""
        out.append(f"<url><loc>{escape(loc)}</loc>{lastmod}</url>")
    out.append("</urlset>\n")
    return "\n".join(out)


def sitemap_index(locations: Iterable[str]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{XMLNS}">']
    out += [f"<sitemap><loc>{escape(loc)}</loc></sitemap>" for loc in locations]
    out.append("</sitemapindex>\n")
    return "\n".join(out)
