"""GET-only JSON endpoints; thin: parse → query → serialise."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from ..exceptions import InvalidInput
from ..extensions import csrf
from ..groups.criteria import MAX_LIMIT
from ..groups.models import Audience, Condition, Language
from ..groups.organisation_queries import (
    get_public_organisation,
    list_organisation_groups,
    list_public_organisations,
    listed_group_counts,
)
from ..groups.queries import get_public_view, list_vocabulary, next_meeting, upcoming_meetings
from ..groups.search import run_search
from ..i18n import term_text
from ..localization import current_language
from ..permissions import public_blueprint
from ..urls import absolute_url
from ..venues.models import AccessFeature
from . import schemas
from .openapi import openapi_document

bp = public_blueprint(Blueprint("api", __name__, url_prefix="/api/v1"))
csrf.exempt(bp)


@bp.get("/groups")
def groups() -> Any:
    outcome = run_search(request.args.to_dict(flat=False), load=False)
    page = outcome.page
    next_url = None
    if page.next_cursor:
        params = [(k, v) for k, vs in request.args.lists() if k != "cursor" for v in vs]
        params.append(("cursor", page.next_cursor))
        next_url = absolute_url("api.groups") + "?" + urlencode(params)
    body: dict[str, Any] = {
        "origin": schemas.dump_origin(outcome.origin),
        "radius_km": round(outcome.request.radius_km, 3),
        "results": schemas.dump_rows(page.rows, dt.datetime.now(dt.UTC)),
        "next": next_url,
    }
    if page.nearest_outside_km is not None:
        body["nearest_outside_radius_km"] = round(page.nearest_outside_km, 1)
    if outcome.origin.alternatives:
        body["did_you_mean"] = [a.as_dict() for a in outcome.origin.alternatives]
    return jsonify(body)


@bp.get("/groups/<int:group_id>")
def group(group_id: int) -> Any:
    grp = get_public_view(group_id)
    now = dt.datetime.now(dt.UTC)
    meetings = upcoming_meetings(grp, now, 10)
    coming = next((m for m in meetings if m.status != "cancelled"), None) or next_meeting(grp, now)
    return jsonify(schemas.dump_group_detail(grp, meetings, coming))


ORGANISATIONS_PER_PAGE = 20


@bp.get("/organisations")
def organisations() -> Any:
    """Public organisations by slug, a page at a time (``limit``, then follow ``next``)."""
    limit, after = _list_paging(request.args)
    found = list_public_organisations(after=after, limit=limit)
    page, more = found[:limit], len(found) > limit
    counts = listed_group_counts([o.id for o in page])
    next_url = None
    if more and page:
        next_url = absolute_url("api.organisations") + "?" + urlencode(
            [("limit", str(limit)), ("cursor", _encode_slug(page[-1].slug))])
    return jsonify({"items": [schemas.dump_organisation(o, group_count=counts.get(o.id, 0))
                              for o in page], "next": next_url})


@bp.get("/organisations/<slug>")
def organisation(slug: str) -> Any:
    org = get_public_organisation(slug)
    now = dt.datetime.now(dt.UTC)
    groups = list_organisation_groups(org)
    body = schemas.dump_organisation(org, group_count=len(groups))
    body["groups"] = [schemas.dump_group(g, distance_km=None, next_meeting=next_meeting(g, now))
                      for g in groups]
    return jsonify(body)


def _encode_slug(slug: str) -> str:
    return base64.urlsafe_b64encode(slug.encode()).decode().rstrip("=")


def _list_paging(args: Any) -> tuple[int, str | None]:
    """``limit`` (1–``MAX_LIMIT``) and the slug a ``cursor`` carries; ``InvalidInput`` per field."""
    errors: dict[str, list[str]] = {}
    limit, after = ORGANISATIONS_PER_PAGE, None
    text = (args.get("limit") or "").strip()
    if text:
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
            errors["limit"] = [_("Limit must be a whole number from 1 to %(max)s.", max=MAX_LIMIT)]
        else:
            limit = int(text)
    cursor = (args.get("cursor") or "").strip()
    if cursor:
        try:
            after = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            if not after or len(after) > 200 or not after.isprintable():
                raise ValueError(cursor)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            errors["cursor"] = [_("This cursor is not valid.")]
    if errors:
        raise InvalidInput(_("Some parameters are not valid."), field_errors=errors)
    return limit, after


def _vocabulary(model: type, kind: str, *extra: str) -> Any:
    """Slugs as they are; names and descriptions in the request's language."""
    code = current_language()

    def words(v: Any, field: str) -> Any:
        value = getattr(v, field)
        if field in ("name", "description") and isinstance(value, str):
            return term_text(code, kind, v.slug, value, field=field)
        return value

    items = [{"slug": v.slug, "name": words(v, "name"), **{e: words(v, e) for e in extra}}
             for v in list_vocabulary(model)]
    return jsonify({"items": items})


@bp.get("/conditions")
def conditions() -> Any:
    return _vocabulary(Condition, "condition", "description")


@bp.get("/audiences")
def audiences() -> Any:
    return _vocabulary(Audience, "audience", "description")


@bp.get("/languages")
def languages() -> Any:
    return _vocabulary(Language, "language")


@bp.get("/access-features")
def access_features() -> Any:
    return _vocabulary(AccessFeature, "access", "scope")


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


@bp.get("/ping")
def ping() -> Any:
    """The bare JSON route benchmarks compare against: no database, no work."""
    return jsonify({"status": "ok"})
