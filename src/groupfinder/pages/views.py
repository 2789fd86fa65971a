"""Home, about, privacy, robots.txt and the sitemaps, and the health endpoints."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, render_template

from ..extensions import db
from ..groups.organisation_queries import sitemap_rows
from ..groups.queries import search_form_context
from ..permissions import public_blueprint
from ..readcache import cache, current_token
from ..urls import absolute_url
from . import sitemap

bp = public_blueprint(Blueprint("pages", __name__))

# The largest id a database integer column holds (PostgreSQL ``integer``). A larger id in a path
# names nothing: 404, not a driver's OverflowError or "integer out of range" (a 500).


@bp.get("/")
def home() -> Any:
    return render_template("pages/home.html", **search_form_context())


@bp.get("/about")
def about() -> Any:
    return render_template("pages/about.html")


@bp.get("/privacy")
def privacy_notice() -> Any:
    return render_template("pages/privacy.html")


def _xml(body: str) -> Response:
    response = Response(body, mimetype="application/xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/robots.txt")
def robots() -> Any:
    response = Response(sitemap.robots_txt(absolute_url("pages.sitemap_index")), mimetype="text/plain")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/sitemap.xml")
def sitemap_index() -> Any:
    def build() -> str:
        groups, people = sitemap.chunk_counts()
        return sitemap.sitemap_index(
            [absolute_url("pages.sitemap_part", part="pages", n=1)]
            + [absolute_url("pages.sitemap_part", part="groups", n=n) for n in range(1, groups + 1)]
            + [absolute_url("pages.sitemap_part", part="facilitators", n=n)
               for n in range(1, people + 1)]
            + [absolute_url("pages.sitemap_part", part="organisations", n=1)])
    return _xml(cache().get_or_build("sitemap-index", current_token(), build))


@bp.get("/sitemaps/<any(pages, groups, facilitators, organisations):part>-<int:n>.xml")
def sitemap_part(part: str, n: int) -> Any:
    # Organisations are few (each runs many groups): one file, like the site's own pages.
    if not 1 <= n <= 10_000 or (part in ("pages", "organisations") and n != 1):
        abort(404)
    if part in ("groups", "facilitators"):
        groups, people = cache().get_or_build("sitemap-counts", current_token(), sitemap.chunk_counts)
        if n > (groups if part == "groups" else people):
            abort(404)

    def build() -> str:
        if part == "pages":
            return sitemap.urlset((absolute_url(e), None) for e in sitemap.STATIC_PAGES)
        if part == "organisations":
            return sitemap.urlset((absolute_url("organisations.page", slug=slug), modified)
                                  for slug, modified in sitemap_rows())
        if part == "groups":
            return sitemap.urlset(
                (absolute_url("groups.detail", group_id=gid, slug=slug), modified)
                for gid, slug, modified in sitemap.group_rows(n - 1))
        return sitemap.urlset((absolute_url("groups.facilitator", facilitator_id=fid), modified)
                              for fid, modified in sitemap.facilitator_rows(n - 1))
    return _xml(cache().get_or_build(("sitemap", part, n), current_token(), build))


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Any:
    try:
        db.session.execute(sa.text("SELECT 1"))
        status, code = "ok", 200
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        status, code = "unavailable", 503
    response = jsonify({"status": status, "checks": {"database": status}})
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    if code == 503:
        response.headers["Retry-After"] = "5"
    return response
