"""A schedule in words, the same words on pages, in the API and in feeds, in any language.

Pure and locale-free: every function takes ``language`` ("en", "es", "cy"; English by default)
and ``describe`` gives "Every Tuesday, 7:00–8:30 pm", "1st and 3rd Saturday of the month,
10:00 am–12:00 pm", "Monthly on the last day, 18:00–19:30" (24-hour clock) and so on. English
times are joined by an en dash; with the 12-hour clock "am"/"pm" is written once when both
times share it ("7:00–8:30 pm") and on both when they differ ("11:30 am–1:00 pm"). Midday is
"12:00 pm" and midnight "12:00 am". English dates read "Saturday 6 December 2026".

Other languages: the sentences are whole messages in the catalogues (``i18n``), so translators
can order and inflect them; weekday and month names, dates, lists and the clock come from
Babel's data for the language ("martes, 1 de diciembre de 2026", "19:00"), whatever the
``CLOCK`` setting (it is English's choice). Ordinals are the language's own ("1.º", "2il"),
and the nth weekday of the month is one message per position ("2nd %(days)s"), with the
weekday after an ordinal offered apart (Welsh mutates it: "ail ddydd Mawrth").
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from .. import i18n
from ..geo.locale import format_date_in
from .recurrence import Frequency, RecurrenceSpec

__all__ = ["describe", "describe_move", "describe_pause", "format_date", "format_long_date",
           "format_time", "ordinal"]

Clock = Literal["12h", "24h"]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
# Welsh numeric ordinals ("y 3ydd", "yr 21ain"), for days of the month and weeks of it.
_WELSH_SUFFIXES = {1: "af", 2: "il", 3: "ydd", 4: "ydd", 5: "ed", 6: "ed", 11: "eg", 13: "eg",
                   14: "eg", 16: "eg", 17: "eg", 19: "eg"}


_Words = i18n.Words  # the catalogue of one language, for pure code


def ordinal(n: int, *, language: str = "en") -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd"; Spanish "1.º", Welsh "1af", "2il"."""
    if language == "es":
        return f"{n}.º"
    if language == "cy":
        suffix = _WELSH_SUFFIXES.get(n, "fed" if n <= 20 else "ain")
        return f"{n}{suffix}"
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def join_list(words: list[str], *, language: str = "en", style: str = "standard") -> str:
    """["a", "b", "c"] -> "a, b and c" (``style="or"``: "a or b or c"), English as it always
    read (no serial comma); other languages by Babel ("a, b y c", "a o b"), with Welsh's
    "a"/"ac" chosen by the next word's first letter."""
    if len(words) <= 1:
        return "".join(words)
    if language == "en":
        if style == "or":
            return " or ".join(words)
        return ", ".join(words[:-1]) + " and " + words[-1]
    from babel.lists import format_list

    text = format_list(list(words), style=style, locale=language)  # type: ignore[arg-type]
    if "a(c) " in text:  # Welsh CLDR: "ac" before a vowel, "a" before a consonant
        head, _, tail = text.rpartition("a(c) ")
        text = head + ("ac " if tail[:1].lower() in "aeiouwyâêîôûŵŷ" else "a ") + tail
    return text


def day_name(weekday: int, *, language: str = "en") -> str:
    """A weekday (0 = Monday) as it reads inside a sentence: "Tuesday", "martes", "dydd Mawrth"."""
    if language == "en":
        return DAY_NAMES[weekday]
    from babel.dates import get_day_names

    name = get_day_names("wide", locale=language)[weekday]
    return name[:1].lower() + name[1:]


def _day_after_ordinal(t: _Words, weekday: int) -> str:
    """The weekday after "2nd": the catalogue's form when it has one (Welsh soft mutation,
    "ail ddydd Mawrth"), else the name as in any sentence."""
    if t.code == "en":
        return DAY_NAMES[weekday]
    english = DAY_NAMES[weekday]
    forms = (
        t.pgettext("weekday after an ordinal", "Monday"),
        t.pgettext("weekday after an ordinal", "Tuesday"),
        t.pgettext("weekday after an ordinal", "Wednesday"),
        t.pgettext("weekday after an ordinal", "Thursday"),
        t.pgettext("weekday after an ordinal", "Friday"),
        t.pgettext("weekday after an ordinal", "Saturday"),
        t.pgettext("weekday after an ordinal", "Sunday"),
    )
    found = forms[weekday]
    return found if found != english else day_name(weekday, language=t.code)


def _clock_parts(t: dt.time) -> tuple[str, str]:
    hour = t.hour % 12 or 12
    return f"{hour}:{t.minute:02d}", "am" if t.hour < 12 else "pm"


def format_time(t: dt.time, clock: Clock = "12h", *, language: str = "en") -> str:
    """7:00 pm (12h) or 19:00 (24h); other languages their own clock ("19:00")."""
    if language != "en":
        from babel.dates import format_time as babel_time

        return babel_time(t.replace(tzinfo=None), "short", locale=language)
    if clock == "24h":
        return f"{t.hour:02d}:{t.minute:02d}"
    digits, half = _clock_parts(t)
    return f"{digits} {half}"


def format_time_range(start: dt.time, end: dt.time, clock: Clock = "12h", *,
                      language: str = "en") -> str:
    """7:00–8:30 pm; 11:30 am–1:00 pm; 19:00–20:30 (en dash, no spaces around it); other
    languages as their own clock writes a range ("19:00–20:30")."""
    if language != "en":
        from babel.dates import format_interval

        return format_interval(start.replace(tzinfo=None), end.replace(tzinfo=None), "Hm",
                               locale=language)
    if clock == "24h":
        return f"{format_time(start, clock)}–{format_time(end, clock)}"
    (s_digits, s_half), (e_digits, e_half) = _clock_parts(start), _clock_parts(end)
    if s_half == e_half:
        return f"{s_digits}–{e_digits} {e_half}"
    return f"{s_digits} {s_half}–{e_digits} {e_half}"


def format_date(d: dt.date, *, year: bool = True, language: str = "en") -> str:
    """Saturday 6 December 2026 (or Saturday 6 December with ``year=False``); other languages
    in Babel's full format ("martes, 1 de diciembre de 2026", "Dydd Mawrth, 1 Rhagfyr 2026")."""
    if language != "en":
        return format_date_in(d, language, year=year)
    text = f"{DAY_NAMES[d.weekday()]} {d.day} {MONTH_NAMES[d.month - 1]}"
    return f"{text} {d.year}" if year else text


def format_long_date(d: dt.date, *, language: str = "en") -> str:
    """A date without its weekday: "1 December 2026"; Babel's long date in other languages
    ("1 de diciembre de 2026", "1 Rhagfyr 2026")."""
    if language != "en":
        from babel.dates import format_date as babel_date

        return babel_date(d, "long", locale=language)
    return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def _end_time(spec: RecurrenceSpec) -> dt.time:
    start = dt.datetime.combine(dt.date(2000, 1, 1), spec.start_time.replace(tzinfo=None))
    return (start + dt.timedelta(minutes=spec.duration_minutes)).time()


def _days(weekdays: tuple[int, ...], language: str) -> str:
    return join_list([day_name(d, language=language) for d in sorted(weekdays)], language=language)


def _position_word(t: _Words, p: int) -> str:
    """A week of the month in a list of them ("1st and 3rd Saturday")."""
    if t.code == "en":
        return "last" if p == -1 else ordinal(p)
    words = {
        1: t.pgettext("week of the month, in a list", "1st"),
        2: t.pgettext("week of the month, in a list", "2nd"),
        3: t.pgettext("week of the month, in a list", "3rd"),
        4: t.pgettext("week of the month, in a list", "4th"),
        5: t.pgettext("week of the month, in a list", "5th"),
        -1: t.pgettext("week of the month, in a list", "last"),
    }
    found = words.get(p)
    if found is None or (p != -1 and found == ordinal(p)):
        return ordinal(p, language=t.code)
    return found


def _nth_weekday(t: _Words, p: int, days: str) -> str:
    """One week of the month and its weekdays, one whole message per week ("2nd %(days)s");
    until a catalogue has it, the language's numeric ordinal ("2.º martes")."""
    if p == 1:
        text = t.pgettext("weekday of the month", "1st %(days)s", days=days)
    elif p == 2:
        text = t.pgettext("weekday of the month", "2nd %(days)s", days=days)
    elif p == 3:
        text = t.pgettext("weekday of the month", "3rd %(days)s", days=days)
    elif p == 4:
        text = t.pgettext("weekday of the month", "4th %(days)s", days=days)
    elif p == -1:
        return t.pgettext("weekday of the month", "last %(days)s", days=days)
    else:
        text = ""
    if not text or (t.code != "en" and text == f"{ordinal(p)} {days}"):
        return t.pgettext("weeks of the month", "%(positions)s %(days)s",
                          positions=_position_word(t, p), days=days)
    return text


def _which(t: _Words, spec: RecurrenceSpec) -> str:
    """"1st Tuesday", "2nd and last Monday and Friday"."""
    ordered = sorted(spec.positions, key=lambda p: (p < 0, p))
    names = [_day_after_ordinal(t, d) for d in sorted(spec.weekdays)]
    days = join_list(names, language=t.code)
    if len(ordered) == 1:
        return _nth_weekday(t, ordered[0], days)
    positions = join_list([_position_word(t, p) for p in ordered], language=t.code)
    return t.pgettext("weeks of the month", "%(positions)s %(days)s", positions=positions, days=days)


# Days of the month whose Welsh ordinal is said with a vowel (ail, wythfed, unfed ar ddeg,
# ugeinfed…): the article before them is "yr", not "y".
_WELSH_VOWEL_ORDINALS = frozenset({2, 8, 11, 16, 17, 20, 21, 22, 28, 31})


def _day_of_month(n: int, language: str) -> str:
    """The day in "Monthly on the 15th": Spanish says "el día 15", with the number alone."""
    return str(n) if language == "es" else ordinal(n, language=language)


def _pattern(spec: RecurrenceSpec, t: _Words) -> str:
    kind = Frequency(spec.kind)
    interval = spec.interval
    lang = t.code
    if kind is Frequency.once:
        return t.gettext("Once, %(date)s", date=format_date(spec.first_date, language=lang))
    if kind is Frequency.weekly:
        days = _days(spec.weekdays, lang)
        if interval == 1:
            return t.gettext("Every %(days)s", days=days)
        if interval == 2 and len(spec.weekdays) == 1:
            return t.gettext("Every other %(day)s", day=days)
        if interval == 2:
            return t.gettext("Every other week on %(days)s", days=days)
        return t.ngettext("Every %(num)s week on %(days)s", "Every %(num)s weeks on %(days)s",
                          interval, days=days)
    if kind is Frequency.monthly_weekday:
        which = _which(t, spec)
        if interval == 1:
            return t.gettext("%(which)s of the month", which=which)
        if interval == 2:
            return t.gettext("Every other month on the %(which)s", which=which)
        return t.ngettext("Every %(num)s month on the %(which)s",
                          "Every %(num)s months on the %(which)s", interval, which=which)
    if spec.month_day == -1:
        if interval == 1:
            return t.gettext("Monthly on the last day")
        if interval == 2:
            return t.gettext("Every other month on the last day")
        return t.ngettext("Every %(num)s month on the last day",
                          "Every %(num)s months on the last day", interval)
    day = _day_of_month(spec.month_day or 0, lang)
    if interval == 1:
        text = t.gettext("Monthly on the %(day)s", day=day)
    elif interval == 2:
        text = t.gettext("Every other month on the %(day)s", day=day)
    else:
        text = t.ngettext("Every %(num)s month on the %(day)s", "Every %(num)s months on the %(day)s",
                          interval, day=day)
    if lang == "cy" and spec.month_day in _WELSH_VOWEL_ORDINALS:  # "yr ail", "yr wythfed"
        text = text.replace(f" y {day}", f" yr {day}")
    return text


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def describe(spec: RecurrenceSpec, *, clock: Clock = "12h", language: str = "en") -> str:
    """The schedule in one line: "Every other Thursday, 7:00–9:00 pm".

    A last date is added as ", until Tuesday 30 June 2026". The pause is not part of it (see
    ``describe_pause``).
    """
    t = _Words(language)
    times = format_time_range(spec.start_time, _end_time(spec), clock, language=language)
    text = t.gettext("%(pattern)s, %(times)s", pattern=_capitalized(_pattern(spec, t)), times=times)
    if spec.last_date is not None and Frequency(spec.kind) is not Frequency.once:
        text = t.gettext("%(text)s, until %(date)s", text=text,
                         date=format_date(spec.last_date, language=language))
    return text


def _pause_date(spec: RecurrenceSpec, today: dt.date, language: str) -> str | None:
    """The end of a pause that lasts, written with its year only when it is more than about
    six months away (where the weekday and month alone could be misread)."""
    until = spec.paused_until
    if until is None or until <= today:
        return None
    return format_date(until, year=(until - today).days > 183, language=language)


def describe_pause(spec: RecurrenceSpec, today: dt.date, *, language: str = "en") -> str | None:
    """"Not meeting until Monday 12 January" while a pause lasts, else None."""
    date = _pause_date(spec, today, language)
    return None if date is None else _Words(language).gettext("Not meeting until %(date)s", date=date)


def describe_current(spec: RecurrenceSpec, today: dt.date, *, clock: Clock = "12h",
                     language: str = "en") -> str:
    """``describe`` plus the pause, while there is one: what pages, the API and feeds show."""
    text = describe(spec, clock=clock, language=language)
    date = _pause_date(spec, today, language)
    if date is None:
        return text
    return _Words(language).gettext("%(text)s (not meeting until %(date)s)", text=text, date=date)


def describe_meeting(meeting: Any, *, clock: Clock = "12h", language: str = "en") -> str:
    """One meeting, e.g. "Tuesday 1 December 2026, 7:00–8:30 pm GMT" (its local time)."""
    start, end = meeting.starts_at, meeting.ends_at
    return _Words(language).gettext(
        "%(date)s, %(times)s %(zone)s", date=format_date(start.date(), language=language),
        times=format_time_range(start.time(), end.time(), clock, language=language),
        zone=start.tzname())


def describe_move(meeting: Any, *, clock: Clock = "12h", language: str = "en") -> str:
    """A moved meeting in one sentence, in the site's clock: "Moved to Wednesday 9 December,
    7:00 pm at St Mary's Hall, instead of Tuesday 8 December" (or "…, instead of 7:00 pm" when
    only the time changed). The place is ``meeting.location`` as ``privacy`` gave it (a
    private venue's area only). The organiser's note is not part of it: pages show it apart.
    """
    t = _Words(language)
    new, was = meeting.starts_at, meeting.original_start
    far = abs((new.date() - was.date()).days) > 183
    date = format_date(new.date(), year=far, language=language)
    time = format_time(new.time(), clock, language=language)
    place = meeting.location
    before = None
    if was.date() != new.date():
        before = format_date(was.date(), year=far, language=language)
    elif (was.hour, was.minute) != (new.hour, new.minute):
        before = format_time(was.time(), clock, language=language)
    if place and before:
        # Translators: "was" is the date, or the time when only the time changed.
        return t.gettext("Moved to %(date)s, %(time)s at %(place)s, instead of %(was)s",
                         date=date, time=time, place=place, was=before)
    if place:
        return t.gettext("Moved to %(date)s, %(time)s at %(place)s", date=date, time=time,
                         place=place)
    if before:
        # Translators: "was" is the date, or the time when only the time changed.
        return t.gettext("Moved to %(date)s, %(time)s, instead of %(was)s", date=date, time=time,
                         was=before)
    return t.gettext("Moved to %(date)s, %(time)s", date=date, time=time)
