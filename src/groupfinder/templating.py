"""Template helpers: formatting only, and every location or contact through ``privacy``.

Words, dates, times and distances come out in the page's language (``current_language``); the
pure modules that make them take it as ``language``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from . import __version__, crisis, i18n, privacy
from .fragments import FragmentCache
from .geo.distance import display_distance
from .geo.locale import PlaceLocale, place_locale
from .localization import current_language
from .schedules.recurrence import Meeting
from .schedules.words import describe_current, describe_meeting, describe_move, format_long_date
from .urls import absolute_url, google_subscribe_url, webcal_url


def _first_country() -> str | None:
    countries = current_app.config.get("GEOCODER_COUNTRIES") or ("GB",)
    if isinstance(countries, str):
        countries = countries.split(",")
    return str(countries[0]).strip().upper() or None


def _default_locale() -> PlaceLocale:
    """Words and units before anything is searched: those of the first configured country."""
    return place_locale(_first_country(), str(current_app.config["DISTANCE_UNIT"]),
                        language=current_language())


def _distance(km: float) -> str:
    return display_distance(km, _default_locale().unit, language=current_language())


def _distance_in(km: float, unit: str = "km") -> str:
    return display_distance(km, unit, language=current_language())


def _meeting_when(meeting: Meeting) -> str:
    return describe_meeting(meeting, clock=current_app.config["CLOCK"], language=current_language())


def _moved_text(meeting: Meeting) -> str:
    return describe_move(meeting, clock=current_app.config["CLOCK"], language=current_language())


def _long_date(value: dt.date) -> str:
    """"1 December 2026"; "1 de diciembre de 2026" (Babel's long date in other languages)."""
    return format_long_date(value, language=current_language())


def _crisis_lines(country: str | None = None) -> list[tuple[Any, bool]]:
    """The footer's urgent-help sentences for the page's place (``crisis_country``), else the
    first configured country."""
    return crisis.crisis_lines(country or _first_country(), current_language())


def _search_feed_title(request: Any, origin_label: str) -> str:
    from .feeds.views import search_feed_title  # late: templating loads before the blueprints

    return search_feed_title(request, origin_label)


def _schedule_texts(group: Any) -> list[str]:
    from .groups.public import PublicGroup, schedule_texts  # late: templating loads first

    language = current_language()
    if isinstance(group, PublicGroup):  # the read model: worded once a day per data version
        return list(schedule_texts(group, current_app.config["CLOCK"], language))
    zone = group.venue.timezone if group.venue else "UTC"
    today = dt.datetime.now(ZoneInfo(zone)).date()
    return [describe_current(s.spec(zone), today, clock=current_app.config["CLOCK"], language=language)
            for s in group.schedules]


def _access_names(group: Any) -> list[str]:
    """The group's and its venue's access features, by slug, named in the page's language."""
    features = {a.slug: a.name for a in group.access_features}
    if group.venue is not None:
        features.update({a.slug: a.name for a in group.venue.access_features})
    language = current_language()
    return [i18n.term_text(language, "access", k, features[k]) for k in sorted(features)]


def _public_id(group: Any) -> int | None:
    """A group's id when it is the public read model (the same for every visitor of this data
    version, so its markup may be kept: ``fragments``), else None (render afresh)."""
    from .groups.public import PublicGroup  # late: templating loads first

    return group.id if isinstance(group, PublicGroup) else None


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.add_extension(FragmentCache)
    app.jinja_env.filters["distance"] = _distance
    app.jinja_env.filters["meeting_when"] = _meeting_when
    app.jinja_env.filters["distance_in"] = _distance_in  # issue 10: {{ km|distance_in('mi') }}
    app.jinja_env.filters["moved_text"] = _moved_text  # issue 10: "Moved to Wednesday 9 December, 7:00 pm at …"
    app.jinja_env.filters["long_date"] = _long_date
    app.jinja_env.globals.update(
        public_location=privacy.public_location,
        default_locale=_default_locale,  # issue 10: the search form's words and unit
        public_contact=privacy.public_contact,
        schedule_texts=_schedule_texts,
        public_id=_public_id,
        access_names=_access_names,
        crisis_lines=_crisis_lines,  # issue 14: the footer's urgent-help line
        absolute_url=absolute_url,
        webcal_url=webcal_url,
        google_subscribe_url=google_subscribe_url,
        search_feed_title=_search_feed_title,  # issue 10: a search feed's X-WR-CALNAME
        app_version=__version__,
        current_year=lambda: dt.date.today().year,
    )
