"""How a searched place's country reads: the word for its codes, its distance unit, its dates.

Pure; no Flask, no session. Words come in the page's language (``language``: "en", "es", "cy"),
from the catalogues through ``i18n``; numbers and dates in languages other than English are
Babel's ("2,5 km", "martes, 1 de diciembre"). The country is the one the geocoder found for the searched place
(``Origin.country``, "GB" or "US" from the gazetteer); ``None`` or another country reads in
kilometres with day-month dates. The ``DISTANCE_UNIT`` setting is ``auto`` (miles in the UK and
the US, km elsewhere), or ``km`` / ``mi`` to force one unit everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, partial

from .. import i18n
from .distance import KM_PER_MILE, format_number
from .parsing import Kind, ParseError, classify

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
MILES_COUNTRIES = frozenset({"GB", "US"})
UNITS = ("auto", "km", "mi")
# The radius choices the search form offers, in the unit shown (templates/_search_form.html).
RADIUS_CHOICES = (5, 10, 25, 50, 100)
FAR_DAYS = 183  # a date further away than about six months is written with its year


@dataclass(frozen=True)
class PlaceLocale:
    country: str | None
    unit: str  # "km" or "mi"
    code_word: str  # "postcode" or "ZIP code" (in ``language``)
    month_first: bool  # US dates: "Tuesday, December 1"
    language: str = "en"  # the language its words are in

    @property
    def unit_words(self) -> str:
        """The unit in a sentence: "miles" or "km"."""
        if self.unit != "mi":
            return "km"
        gettext = partial(i18n.gettext, self.language)  # named so ``make messages`` finds it
        return gettext("miles")

    @property
    def where_label(self) -> str:
        """The search box's label: "Postcode, town or address" / "ZIP code, city or address"."""
        gettext = partial(i18n.gettext, self.language)
        if self.country == "US":
            return gettext("ZIP code, city or address")
        return gettext("Postcode, town or address")


def place_locale(country: str | None, distance_unit: str = "auto", *,
                 language: str = "en") -> PlaceLocale:
    """``distance_unit`` is the setting: ``auto`` follows the country, ``km``/``mi`` force;
    ``language`` the page's."""
    code = (country or "").upper() or None
    if distance_unit in ("km", "mi"):
        unit = distance_unit
    else:
        unit = "mi" if code in MILES_COUNTRIES else "km"
    gettext = partial(i18n.gettext, language)
    word = gettext("ZIP code") if code == "US" else gettext("postcode")
    return PlaceLocale(country=code, unit=unit, code_word=word, month_first=code == "US",
                       language=language)


@cache
def _date_patterns(language: str) -> tuple[str, str]:
    """Babel's full date pattern for ``language``, with and without its year
    ("EEEE, d 'de' MMMM 'de' y" and "EEEE, d 'de' MMMM")."""
    from babel import Locale

    full = Locale.parse(language).date_formats["full"].pattern
    return full, re.sub(r"[\s,]*(?:'[^']*'\s*)?y+\.?", "", full).strip(" ,")


def format_date_in(day: dt.date, language: str, *, year: bool = True) -> str:
    """A date in a language other than English, as Babel writes it in full: "martes, 1 de
    diciembre de 2026", "Dydd Mawrth, 1 Rhagfyr 2026" (without the year: "martes, 1 de
    diciembre"). English is written by ``schedules.words.format_date`` and ``format_day``."""
    from babel.dates import format_date as babel_date

    with_year, without = _date_patterns(language)
    return babel_date(day, with_year if year else without, locale=language)


def format_day(day: dt.date, locale: PlaceLocale, *, today: dt.date | None = None,
               language: str | None = None) -> str:
    """"Tuesday 1 December" (UK and elsewhere) or "Tuesday, December 1" (US); the year is added
    when ``today`` is not given or the date is more than about six months from it. Other
    languages (``language``, else the locale's) write it their own way, whatever the country."""
    far = today is None or abs((day - today).days) > FAR_DAYS
    language = language or locale.language
    if language != "en":
        return format_date_in(day, language, year=far)
    name, month = DAY_NAMES[day.weekday()], MONTH_NAMES[day.month - 1]
    if locale.month_first:
        text = f"{name}, {month} {day.day}"
        return f"{text}, {day.year}" if far else text
    text = f"{name} {day.day} {month}"
    return f"{text} {day.year}" if far else text


def default_radius(unit: str, default_km: float) -> float:
    """The search radius, in ``unit``, when none is given: ``default_km`` itself in km; in miles
    the form's choice nearest to it (25 km → 10 mi), so the form shows what was searched."""
    if unit != "mi":
        return default_km
    wanted = default_km / KM_PER_MILE
    return float(min(RADIUS_CHOICES, key=lambda r: abs(r - wanted)))


def radius_words(radius_km: float, unit: str, *, language: str = "en") -> str:
    """"10 miles", "1 mile", "25 km", "15.5 miles" (at most one decimal; "2,5 km" in Spanish)."""
    value = round(radius_km / KM_PER_MILE if unit == "mi" else radius_km, 1)
    shown = f"{value:g}" if language == "en" else format_number(value, language)
    if unit != "mi":
        return f"{shown} km"
    # A plural form needs a whole number: a fraction reads as "many" does (1.5 miles).
    n = int(value) if value == int(value) else 100
    ngettext = partial(i18n.ngettext, language)
    return ngettext("%(distance)s mile", "%(distance)s miles", n, distance=shown)


def searched_place(typed: str | None, label: str, precision: str,
                   countries: tuple[str, ...] = ("GB", "US")) -> str:
    """The place to echo: a typed postcode or ZIP in full and in its usual form ("M1 1AE", not
    the sector "M1 1" it was found by); a typed address as typed; a place by the gazetteer's name
    for it ("Newport, Wales"); a shared location by the place it is nearest to."""
    if not typed or precision == "coordinates":
        return label
    try:
        query = classify(typed, countries)
    except ParseError:
        return label
    if query.is_postcode and query.code:
        return query.code
    if query.kind == Kind.coordinates:
        return label
    if precision == "address":
        return query.text
    return label
