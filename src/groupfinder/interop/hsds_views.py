"""Open Referral HSDS 3.0 read-only API under ``/hsds`` (public; mapping in ``interop.hsds``).

Thin: parse the parameters → take the cached index (``hsds_queries.hsds_index``) → slice a
page or pick one entity → answer with its bytes. Lists use HSDS's ``Page`` envelope
(``total_items``, ``total_pages``, ``page_number``, ``size``, ``first_page``, ``last_page``,
``empty``, ``contents``). Parameters are checked strictly, because HSDS filters are cumulative
and a filter silently ignored would answer a different question: an unknown, repeated or
malformed parameter, or an HSDS parameter this API does not offer, is a 400 problem+json.
Unknown ids are a 404 problem+json. A conditional GET whose ETag matches is answered 304
before anything is loaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, request

from ..errors import InvalidInput, NotFound
from ..lazytext import text as _
from ..permissions import public_blueprint
from ..readcache import current_token
from ..urls import absolute_url
from .hsds import HSDS_VERSION
from .hsds_openapi import PROFILE_URL, openapi_document
from .hsds_queries import Collection, Entry, hsds_index

bp = public_blueprint(Blueprint("hsds", __name__, url_prefix="/hsds"))

CACHE_CONTROL = "public, max-age=900"
PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 100
PAGE_MAX = 1_000_000
COMMON = frozenset({"page", "per_page", "format", "search"})
BY_SERVICE = frozenset({"organization_id", "taxonomy_term_id", "taxonomy_id", "modified_after"})
FILTERS: dict[str, frozenset[str]] = {
    "services": BY_SERVICE,
    "service_at_locations": BY_SERVICE,
    "organizations": frozenset(),
    "locations": frozenset(),
    "taxonomies": frozenset(),
    "taxonomy_terms": frozenset({"taxonomy_id", "top_only", "parent_id"}),
}
# HSDS 3.0 parameters this API does not offer (README, "Open Referral HSDS").
UNSUPPORTED = frozenset({"minimal", "full", "full_service", "postcode", "proximity"})
NAMES = {"services": "service", "organizations": "organization", "locations": "location",
         "service_at_locations": "service at location", "taxonomies": "taxonomy",
         "taxonomy_terms": "taxonomy term"}


class BadParameter(InvalidInput):
    status = 400
    type_slug = "invalid-parameter"
    title = "A query parameter is not valid"


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _version() -> str:
    return f"{current_token(stale_ok=True)}/{_today().isoformat()}"  # as feeds: ≤ 1 s stale


def _etag(version: str) -> str:
    config = current_app.config
    query = sorted(request.args.items(multi=True))
    key = (version, config["BASE_URL"], config.get("CLOCK", "12h"), request.path, query)
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


def _respond(body: Callable[[], bytes], *, cached: bool = True) -> Any:
    etag = _etag(_version()) if cached else None
    if etag and request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(body(), status=200)
        response.headers["Content-Type"] = "application/json; charset=utf-8"
    if etag:
        response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _index() -> dict[str, Collection]:
    return hsds_index(_version(), _today())


# --- parameters --------------------------------------------------------------------------------


def _int(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise BadParameter(_("%(name)s must be a whole number from %(low)s to %(high)s.", name=name, low=low,
                             high=high),
                           field_errors={name: [_("Give a whole number from %(low)s to %(high)s.", low=low,
                                                  high=high)]})
    return number


def _bool(name: str, value: str) -> bool:
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise BadParameter(_("%(name)s must be true or false.", name=name),
                       field_errors={name: [_("Give true or false.")]})


def _instant(name: str, value: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadParameter(_("%(name)s must be an ISO 8601 date or date-time.", name=name),
                           field_errors={name: [_("Give a date like 2026-12-01 or a date-time like "
                                                  "2026-12-01T09:00:00Z.")]}) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _params(collection: str) -> dict[str, str]:
    allowed = COMMON | FILTERS[collection]
    errors: dict[str, list[str]] = {}
    for name, values in request.args.lists():
        if name in UNSUPPORTED:
            errors[name] = [_("This API does not offer this HSDS parameter.")]
        elif name not in allowed:
            errors[name] = [_("Unknown parameter here.")]
        elif len(values) > 1:
            errors[name] = [_("Give this parameter once.")]
    if errors:
        raise BadParameter(_("Some query parameters are not accepted here."), field_errors=errors)
    params = request.args.to_dict()
    if params.get("format", "json") != "json":
        raise BadParameter(_("Only format=json is offered."), field_errors={"format": [_("Use json.")]})
    return params


def _matches(entry: Entry, params: dict[str, str], since: dt.datetime | None) -> bool:
    if "search" in params and params["search"].strip().casefold() not in entry.text:
        return False
    if "organization_id" in params and entry.organization_id != params["organization_id"]:
        return False
    for name in ("taxonomy_term_id", "taxonomy_id"):
        if name in params and params[name] not in entry.tags:
            return False
    if since is not None and (entry.modified is None or entry.modified < since):
        return False
    # Our vocabularies are flat: every term is a top-level term and none has a parent.
    if "parent_id" in params:
        return False
    return True


def _page_body(entries: list[Entry], page: int, per_page: int) -> bytes:
    total = len(entries)
    pages = max(1, math.ceil(total / per_page))
    chosen = entries[(page - 1) * per_page: page * per_page]
    head = {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(chosen),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not chosen,
    }
    return (json.dumps(head, separators=(",", ":"))[:-1].encode() + b',"contents":['
            + b",".join(e.item for e in chosen) + b"]}")


def _list(collection: str) -> Any:
    params = _params(collection)
    page = _int("page", params.get("page", "1"), 1, PAGE_MAX)
    per_page = _int("per_page", params.get("per_page", str(PER_PAGE_DEFAULT)), 1, PER_PAGE_MAX)
    if "top_only" in params:
        _bool("top_only", params["top_only"])  # every term is top-level: nothing to filter
    since = _instant("modified_after", params["modified_after"]) if "modified_after" in params else None

    def body() -> bytes:
        entries = [e for e in _index()[collection].entries if _matches(e, params, since)]
        return _page_body(entries, page, per_page)

    return _respond(body)


def _one(collection: str, hsds_id: str) -> Any:
    if request.args:
        raise BadParameter(_("This endpoint takes no query parameters."),
                           field_errors={k: [_("Unknown parameter here.")] for k in request.args})
    entry = _index()[collection].get(hsds_id.lower())
    if entry is None:
        raise NotFound(_("We couldn't find that %(kind)s. It may no longer be listed.",
                         kind=NAMES[collection]))
    return _respond(lambda: entry.full)


# --- endpoints ---------------------------------------------------------------------------------


@bp.get("/")
def info() -> Any:
    body = {"version": HSDS_VERSION, "profile": PROFILE_URL,
            "openapi_url": absolute_url("hsds.openapi")}
    return _respond(lambda: json.dumps(body).encode(), cached=False)


@bp.get("/openapi.json")
def openapi() -> Any:
    return _respond(lambda: json.dumps(openapi_document(absolute_url("hsds.info").rstrip("/")), ensure_ascii=False).encode(), cached=False)


def _register(collection: str) -> None:
    bp.add_url_rule(f"/{collection}", f"{collection}", lambda: _list(collection), methods=["GET"])
    bp.add_url_rule(f"/{collection}/<hsds_id>", f"{collection}_one",
                    lambda hsds_id: _one(collection, hsds_id), methods=["GET"])


for _name in FILTERS:
    _register(_name)
