"""Public pages of groups: search results, a group, a facilitator. Thin: parse → query → render."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ..exceptions import AmbiguousPlace, GeocodingUnavailable, InvalidInput
from ..extensions import db
from ..facilitators.models import Facilitator
from ..geo.distance import haversine_km
from ..geo.locale import place_locale
from ..localization import current_language
from ..permissions import public_blueprint
from ..privacy import public_location
from ..urls import absolute_url
from .criteria import SEARCH_PARAMS
from .freshness import confirmed_note
from .queries import (
    get_public_view,
    list_facilitator_groups,
    next_meeting,
    search_form_context,
    upcoming_meetings,
)
from .return_link import origin_point, safe_back
from .search import page_locale, run_results_page
from .structured_data import group_json_ld

bp = public_blueprint(Blueprint("groups", __name__))


@bp.get("/search")
def search() -> Any:
    args = request.args.to_dict(flat=False)
    locale = page_locale(None)
    context: dict[str, Any] = {"args": request.args, "errors": {}, "outcome": None,
                               "candidates": [], "suggestions": [], "unit": locale.unit,
                               "locale": locale, "where_value": None, **search_form_context()}
    status = 200
    try:
        outcome = context["outcome"] = run_results_page(args)
    except AmbiguousPlace as exc:
        context["candidates"] = exc.candidates
        context["errors"] = exc.field_errors
    except (InvalidInput, GeocodingUnavailable) as exc:
        context["errors"] = exc.field_errors or {"where": [exc.detail]}
        context["suggestions"] = exc.extra.get("suggestions", [])
        status = 503 if isinstance(exc, GeocodingUnavailable) else 422
    else:
        # The searched place's country names its crisis lines (the footer, _crisis.html).
        context.update(unit=outcome.locale.unit, locale=outcome.locale,
                       crisis_country=outcome.origin.country)
        if outcome.located:  # "Use my location": the box shows the place that was found
            context["where_value"] = outcome.origin.label
        if outcome.request.where:
            # Subscribable only for a typed place: a shared location never goes into a feed URL.
            # Only what the feed takes (it refuses other parameters; this page ignores them).
            params = [(k, v) for k, v in outcome.pairs
                      if k in SEARCH_PARAMS and k not in ("lat", "lng", "this_week")]
            if outcome.options.when == "week":
                params.append(("this_week", "true"))
            params.append(("radius_km", f"{outcome.request.radius_km:g}"))
            context["feed_url"] = absolute_url("feeds.search") + "?" + urlencode(params)
    headers = {"Retry-After": str(GeocodingUnavailable.retry_after)} if status == 503 else {}
    return render_template("groups/search.html", **context), status, headers


@bp.get("/groups/<int:group_id>")
@bp.get("/groups/<int:group_id>/<slug>")
def detail(group_id: int, slug: str | None = None) -> Any:
    group = get_public_view(group_id)  # the read model: no ORM graph, meetings cached
    back = safe_back(request.args.get("back"))
    origin = origin_point(request.args.get("from_lat"), request.args.get("from_lng"))
    if slug != group.slug:  # keep the way back and the searched place through the redirect
        keep = {k: v for k, v in (("back", back), ("from_lat", origin and f"{origin[0]:.3f}"),
                                  ("from_lng", origin and f"{origin[1]:.3f}")) if v}
        return redirect(url_for("groups.detail", group_id=group.id, slug=group.slug, **keep), 301)
    now = dt.datetime.now(dt.UTC)
    meetings = upcoming_meetings(group, now, 8)
    loc = public_location(group)
    # From the public point only (a private place's cell centre), as search measures it.
    distance_km = (haversine_km(origin[0], origin[1], loc.latitude, loc.longitude)
                   if origin is not None and loc is not None else None)
    next_up = next_meeting(group, now)
    zone = ZoneInfo(group.venue.timezone) if group.venue is not None else dt.UTC
    json_ld = group_json_ld(
        group, url=absolute_url("groups.detail", group_id=group.id, slug=group.slug),
        next_meeting=next_up, today=now.astimezone(zone).date(),
        organisation_url=group.organisation and absolute_url(
            "organisations.page", slug=group.organisation.slug))
    # The group's own country chooses miles or km (DISTANCE_UNIT may force one), as search does.
    unit = place_locale(group.venue.country if group.venue is not None else None,
                        current_app.config["DISTANCE_UNIT"]).unit
    return render_template("groups/detail.html", group=group, meetings=meetings,
                           next_up=next_up, now=now, json_ld=json_ld, unit=unit,
                           crisis_country=group.venue.country if group.venue is not None else None,
                           back=back, distance_km=distance_km,
                           confirmed=confirmed_note(group, current_language()),
                           out_of_date=group.out_of_date_since is not None,
                           hidden_from_search=group.hidden_since is not None)


@bp.get("/facilitators/<int:facilitator_id>")
def facilitator(facilitator_id: int) -> Any:
    person = db.session.get(Facilitator, facilitator_id)
    groups = list_facilitator_groups(person) if person else []
    if person is None or not groups:  # only facilitators of published groups are public
        abort(404)
    return render_template("groups/facilitator.html", facilitator=person, groups=groups)


