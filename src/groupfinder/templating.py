"""Template helpers: formatting only, and every location or contact through ``privacy``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from . import __version__, privacy
from .geo.distance import display_distance
from .geo.locale import PlaceLocale, place_locale
from .schedules.recurrence import Meeting
from .schedules.words import describe_current, describe_meeting, describe_move
from .urls import absolute_url, google_subscribe_url, webcal_url


def _default_locale() -> PlaceLocale:
    """Words and units before anything is searched: those of the first configured country."""
    countries = current_app.config.get("GEOCODER_COUNTRIES") or ("GB",)
    if isinstance(countries, str):
        countries = countries.split(",")
    return place_locale(str(countries[0]).strip() or None, str(current_app.config["DISTANCE_UNIT"]))


def _distance(km: float) -> str:
    return display_distance(km, _default_locale().unit)


def _meeting_when(meeting: Meeting) -> str:
    return describe_meeting(meeting, clock=current_app.config["CLOCK"])


def _moved_text(meeting: Meeting) -> str:
    return describe_move(meeting, clock=current_app.config["CLOCK"])


def _search_feed_title(request: Any, origin_label: str) -> str:
    from .feeds.views import search_feed_title  # late: templating loads before the blueprints

    return search_feed_title(request, origin_label)


def _schedule_texts(group: Any) -> list[str]:
    from .groups.public import PublicGroup, schedule_texts  # late: templating loads first

    if isinstance(group, PublicGroup):  # the read model: worded once a day per data version
        return list(schedule_texts(group, current_app.config["CLOCK"]))
    zone = group.venue.timezone if group.venue else "UTC"
    today = dt.datetime.now(ZoneInfo(zone)).date()
    return [describe_current(s.spec(zone), today, clock=current_app.config["CLOCK"])
            for s in group.schedules]


def _access_names(group: Any) -> list[str]:
    features = {a.slug: a.name for a in group.access_features}
    if group.venue is not None:
        features.update({a.slug: a.name for a in group.venue.access_features})
    return [features[k] for k in sorted(features)]


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["distance"] = _distance
    app.jinja_env.filters["meeting_when"] = _meeting_when
    app.jinja_env.filters["distance_in"] = display_distance  # issue 10: {{ km|distance_in('mi') }}
    app.jinja_env.filters["moved_text"] = _moved_text  # issue 10: "Moved to Wednesday 9 December, 7:00 pm at …"
    app.jinja_env.filters["long_date"] = lambda value: f"{value:%-d %B %Y}"
    app.jinja_env.globals.update(
        public_location=privacy.public_location,
        default_locale=_default_locale,  # issue 10: the search form's words and unit
        public_contact=privacy.public_contact,
        schedule_texts=_schedule_texts,
        access_names=_access_names,
        absolute_url=absolute_url,
        webcal_url=webcal_url,
        google_subscribe_url=google_subscribe_url,
        search_feed_title=_search_feed_title,  # issue 10: a search feed's X-WR-CALNAME
        app_version=__version__,
        current_year=lambda: dt.date.today().year,
    )
