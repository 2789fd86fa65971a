"""Schedule, date and distance words in Spanish and Welsh: Babel's names, dates, lists, clock and
decimals whatever the catalogues hold (translators fill them as we go), whole sentences from the
catalogues, and English exactly as before."""

from __future__ import annotations

import datetime as dt
import gettext
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from groupfinder import i18n
from groupfinder.geo.distance import display_distance
from groupfinder.geo.locale import format_day, place_locale, radius_words
from groupfinder.schedules import words
from groupfinder.schedules.recurrence import Frequency, RecurrenceSpec
from groupfinder.schedules.words import (
    describe,
    describe_current,
    describe_meeting,
    describe_move,
    describe_pause,
    format_date,
    format_long_date,
    format_time,
    format_time_range,
    ordinal,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
LONDON = ZoneInfo("Europe/London")
ENGLISH_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
                 "December", "June", " am", " pm")


def spec(kind: Frequency = Frequency.weekly, start=(19, 0), minutes=90, **kw) -> RecurrenceSpec:
    return RecurrenceSpec(kind=kind, start_time=dt.time(*start), duration_minutes=minutes,
                          first_date=kw.pop("first_date", dt.date(2026, 1, 1)),
                          timezone="Europe/London", **kw)


def moved(new: dt.datetime, was: dt.datetime, location: str | None = "St Mary's Hall"):
    return SimpleNamespace(starts_at=new, original_start=was, location=location,
                           ends_at=new + dt.timedelta(minutes=90))


# --- English: the same bytes, with or without language="en" ---------------------------------

ENGLISH = [
    (spec(weekdays=(TUE,)), "Every Tuesday, 7:00–8:30 pm"),
    (spec(weekdays=(THU,), interval=2), "Every other Thursday, 7:00–8:30 pm"),
    (spec(weekdays=(MON, WED, FRI), interval=2), "Every other week on Monday, Wednesday and Friday, 7:00–8:30 pm"),
    (spec(weekdays=(MON,), interval=3), "Every 3 weeks on Monday, 7:00–8:30 pm"),
    (spec(Frequency.monthly_weekday, weekdays=(SAT,), positions=(1, 3), start=(10, 0), minutes=120),
     "1st and 3rd Saturday of the month, 10:00 am–12:00 pm"),
    (spec(Frequency.monthly_weekday, weekdays=(TUE,), positions=(-1,)), "Last Tuesday of the month, 7:00–8:30 pm"),
    (spec(Frequency.monthly_weekday, weekdays=(TUE,), positions=(2,), interval=2),
     "Every other month on the 2nd Tuesday, 7:00–8:30 pm"),
    (spec(Frequency.monthly_weekday, weekdays=(TUE, THU), positions=(2, -1), interval=3),
     "Every 3 months on the 2nd and last Tuesday and Thursday, 7:00–8:30 pm"),
    (spec(Frequency.monthly_date, month_day=-1, start=(11, 30)), "Monthly on the last day, 11:30 am–1:00 pm"),
    (spec(Frequency.monthly_date, month_day=21, interval=4), "Every 4 months on the 21st, 7:00–8:30 pm"),
    (spec(Frequency.once, first_date=dt.date(2026, 12, 6)), "Once, Sunday 6 December 2026, 7:00–8:30 pm"),
    (spec(weekdays=(TUE,), last_date=dt.date(2026, 6, 30)), "Every Tuesday, 7:00–8:30 pm, until Tuesday 30 June 2026"),
]


@pytest.mark.parametrize(("rule", "text"), ENGLISH)
def test_english_is_unchanged(rule: RecurrenceSpec, text: str) -> None:
    assert describe(rule) == text
    assert describe(rule, language="en") == text


def test_english_pause_move_meeting_and_dates_are_unchanged() -> None:
    paused = spec(weekdays=(TUE,), paused_until=dt.date(2026, 3, 1))
    assert describe_current(paused, dt.date(2026, 1, 5), language="en") == (
        "Every Tuesday, 7:00–8:30 pm (not meeting until Sunday 1 March)")
    assert describe_pause(paused, dt.date(2025, 6, 5), language="en") == "Not meeting until Sunday 1 March 2026"
    new, was = dt.datetime(2026, 12, 9, 19, tzinfo=LONDON), dt.datetime(2026, 12, 8, 19, tzinfo=LONDON)
    assert describe_move(moved(new, was), language="en") == (
        "Moved to Wednesday 9 December, 7:00 pm at St Mary's Hall, instead of Tuesday 8 December")
    assert describe_move(moved(new.replace(day=8, hour=20), was, None), clock="24h") == (
        "Moved to Tuesday 8 December, 20:00, instead of 19:00")
    assert describe_meeting(moved(new, was), language="en") == "Wednesday 9 December 2026, 7:00–8:30 pm GMT"
    assert format_long_date(dt.date(2026, 12, 1)) == "1 December 2026"
    assert format_date(dt.date(2026, 12, 1), year=False, language="en") == "Tuesday 1 December"
    assert [ordinal(n) for n in (1, 2, 3, 11, 22)] == ["1st", "2nd", "3rd", "11th", "22nd"]


def test_english_places_and_distances_are_unchanged() -> None:
    uk, us = place_locale("GB"), place_locale("US", language="en")
    assert (uk.where_label, uk.code_word, uk.unit_words) == ("Postcode, town or address", "postcode", "miles")
    assert (us.where_label, us.code_word) == ("ZIP code, city or address", "ZIP code")
    assert format_day(dt.date(2026, 12, 1), us, today=dt.date(2026, 11, 1)) == "Tuesday, December 1"
    assert radius_words(1.609344, "mi") == "1 mile"
    assert radius_words(16.09344 * 1.5, "mi", language="en") == "15 miles"
    assert radius_words(4.0, "mi") == "2.5 miles"
    assert display_distance(4.0, "km") == "about 4 km"
    assert display_distance(0.2, "mi", language="en") == "under 0.5 mi"


# --- Spanish and Welsh: Babel's parts, whatever the catalogue holds ---------------------------


@pytest.mark.parametrize("language", ["es", "cy"])
def test_no_english_names_or_twelve_hour_clock(language: str) -> None:
    texts = [describe_current(rule, dt.date(2026, 1, 5), clock="12h", language=language)
             for rule, _ in ENGLISH]
    new, was = dt.datetime(2026, 12, 9, 19, tzinfo=LONDON), dt.datetime(2026, 12, 8, 19, tzinfo=LONDON)
    texts += [describe_move(moved(new, was), language=language),
              describe_meeting(moved(new, was), language=language)]
    for text in texts:
        assert not any(name in text for name in ENGLISH_NAMES), text
        assert not any(o in text for o in ("1st", "2nd", "3rd", "21st")), text


def test_spanish_names_dates_and_clock() -> None:
    assert format_date(dt.date(2026, 12, 1), language="es") == "martes, 1 de diciembre de 2026"
    assert format_date(dt.date(2026, 12, 1), year=False, language="es") == "martes, 1 de diciembre"
    assert format_long_date(dt.date(2026, 12, 1), language="es") == "1 de diciembre de 2026"
    assert format_time(dt.time(19, 0), "12h", language="es") == "19:00"
    assert format_time_range(dt.time(19, 0), dt.time(20, 30), "12h", language="es") == "19:00–20:30"
    assert "lunes, miércoles y viernes" in describe(spec(weekdays=(FRI, MON, WED)), language="es")
    monthly = spec(Frequency.monthly_weekday, weekdays=(SAT,), positions=(1, 3))
    assert "sábado" in describe(monthly, language="es")
    assert ordinal(2, language="es") == "2.º"


def test_welsh_names_dates_and_clock() -> None:
    assert format_date(dt.date(2026, 12, 1), language="cy") == "Dydd Mawrth, 1 Rhagfyr 2026"
    assert format_date(dt.date(2026, 12, 1), year=False, language="cy") == "Dydd Mawrth, 1 Rhagfyr"
    assert format_time(dt.time(9, 0), "12h", language="cy") == "09:00"
    assert "dydd Llun a dydd Mercher" in describe(spec(weekdays=(MON, WED)), language="cy")
    assert [ordinal(n, language="cy") for n in (1, 2, 3, 4, 5, 7, 11, 20, 21, 28)] == [
        "1af", "2il", "3ydd", "4ydd", "5ed", "7fed", "11eg", "20fed", "21ain", "28ain"]
    # "a" before a consonant, "ac" before a vowel (CLDR writes "a(c)")
    assert words.join_list(["un", "dau", "un"], language="cy").endswith(" ac un")
    assert words.join_list(["un", "dau"], language="cy") == "un a dau"


def test_places_and_distances_in_the_language() -> None:
    us = place_locale("US", language="es")
    assert us.language == "es"
    assert format_day(dt.date(2026, 12, 1), us, today=dt.date(2026, 11, 1)) == "martes, 1 de diciembre"
    assert format_day(dt.date(2026, 12, 1), place_locale("GB"), language="cy") == "Dydd Mawrth, 1 Rhagfyr 2026"
    assert radius_words(4.0, "km", language="es") == "4 km"
    assert radius_words(2.5, "km", language="es") == "2,5 km"
    assert "2,5" in radius_words(4.0, "mi", language="es")
    assert "2.5" in radius_words(4.0, "mi", language="cy")  # Welsh writes a decimal point
    assert "3,5 km" in display_distance(3.4, "km", language="es")
    assert "0,5 mi" in display_distance(0.2, "mi", language="es")


# --- whole sentences from the catalogue -------------------------------------------------------


class _Catalogue(gettext.NullTranslations):
    def __init__(self, messages: dict[str, str], contexts: dict[tuple[str, str], str]) -> None:
        super().__init__()
        self.messages, self.contexts = messages, contexts

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)

    def pgettext(self, context: str, message: str) -> str:
        return self.contexts.get((context, message), message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.messages.get(singular if n == 1 else plural, singular if n == 1 else plural)


def test_sentences_and_mutated_weekdays_come_from_the_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    welsh = _Catalogue(
        {"%(which)s of the month": "%(which)s y mis", "Every %(days)s": "Bob %(days)s",
         "%(pattern)s, %(times)s": "%(pattern)s, %(times)s",
         "Every %(num)s weeks on %(days)s": "Bob %(num)s wythnos ar %(days)s"},
        {("weekday of the month", "2nd %(days)s"): "ail %(days)s",
         ("weekday after an ordinal", "Tuesday"): "ddydd Mawrth"})
    monkeypatch.setattr(i18n, "translations", lambda code: welsh if code == "cy" else gettext.NullTranslations())
    monthly = spec(Frequency.monthly_weekday, weekdays=(TUE,), positions=(2,))
    times = format_time_range(dt.time(19), dt.time(20, 30), language="cy")
    assert describe(monthly, language="cy") == f"Ail ddydd Mawrth y mis, {times}"
    assert describe(spec(weekdays=(TUE,)), language="cy") == f"Bob dydd Mawrth, {times}"
    assert describe(spec(weekdays=(MON,), interval=3), language="cy").startswith("Bob 3 wythnos ar dydd Llun")
    assert describe(monthly) == "2nd Tuesday of the month, 7:00–8:30 pm"


def test_welsh_says_yr_before_an_ordinal_said_with_a_vowel():
    import pytest

    from groupfinder import i18n
    from groupfinder.schedules.recurrence import Frequency, RecurrenceSpec
    from groupfinder.schedules.words import describe

    if i18n.translations("cy").gettext("Monthly on the %(day)s") == "Monthly on the %(day)s":
        pytest.skip("no compiled Welsh catalogue")

    def monthly(day: int) -> str:
        spec = RecurrenceSpec(kind=Frequency.monthly_date, month_day=day, start_time=dt.time(19),
                              duration_minutes=60, first_date=dt.date(2026, 1, 1),
                              timezone="Europe/London")
        return describe(spec, language="cy")

    assert " yr 2il" in monthly(2) and " yr 8fed" in monthly(8)
    assert " y 15fed" in monthly(15) and " yr " not in monthly(15)


def test_lists_in_welsh_choose_a_or_ac_by_the_next_word():
    from groupfinder.schedules.words import join_list

    assert join_list(["Dolen sain", "Ystafell dawel"], language="cy").endswith(" ac Ystafell dawel")
    assert join_list(["Ystafell dawel", "Dolen sain"], language="cy").endswith(" a Dolen sain")
    assert join_list(["A", "B", "C"]) == "A, B and C"
    assert join_list(["A", "B", "C"], style="or") == "A or B or C"
    assert "a(c)" not in join_list(["x", "y"], language="cy")
