"""The footer's urgent-help line: the numbers that help in the page's country, in its language.

Pure (no Flask): a table of what to say per country and language, each sentence one message for
translators with its numbers and service names as placeholders, rendered as safe HTML whose
numbers are ``tel:`` (or ``sms:``) links. The country is the page's place when it has one (a
searched place, a group's venue), else the first of ``GEOCODER_COUNTRIES``; a country missing
from the table gets the general advice to call the local emergency number.

GB: 999, Samaritans on 116 123 (free, 24 hours) and NHS 111; in Welsh the Samaritans' Welsh
Language Line comes first, and 111 with its mental health option (press 2, NHS 111 Wales).
US: 911 and the 988 Suicide & Crisis Lifeline; in Spanish, 988's Spanish line (press 2, or text
AYUDA to 988).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from markupsafe import Markup, escape

from . import i18n


def N_(message: str) -> str:  # noqa: N802
    """Marks ``message`` for ``make messages``; translated when the line is rendered."""
    return message


@dataclass(frozen=True)
class Number:
    """A number as written ("116 123") and as dialled ("116123"); ``sms`` links a text."""

    shown: str
    dial: str
    sms: str | None = None  # the text's body ("AYUDA"), for an ``sms:`` link

    @property
    def href(self) -> str:
        if self.sms is not None:
            return f"sms:{self.dial}?body={self.sms}"
        return f"tel:{self.dial}"


@dataclass(frozen=True)
class Sentence:
    """One sentence: an English message with ``%(name)s`` placeholders, filled with numbers
    (links) and service names (translated names, themselves messages)."""

    message: str
    numbers: tuple[tuple[str, Number], ...] = ()
    names: tuple[tuple[str, str], ...] = ()
    urgent: bool = False  # the first, strong sentence


EMERGENCY_ELSEWHERE = Sentence(
    N_("If you are in crisis or your life is at risk, call your local emergency number or go to "
       "the nearest emergency department."), urgent=True)
GB_EMERGENCY = Sentence(
    # Translators: the footer's first sentence, in bold; %(emergency)s is 999 (a link).
    N_("If you are in crisis or your life is at risk, call %(emergency)s or go to A&E."),
    numbers=(("emergency", Number("999", "999")),), urgent=True)
GB_SAMARITANS = Sentence(
    # Translators: %(service)s is the Samaritans' name, %(phone)s their number (a link).
    N_("To talk to someone, call %(service)s on %(phone)s (free, 24 hours)."),
    numbers=(("phone", Number("116 123", "116123")),), names=(("service", N_("Samaritans")),))
GB_SAMARITANS_WELSH = Sentence(
    # Translators: shown in Welsh only; %(service)s is the line's name, %(phone)s its number.
    N_("To talk to someone in Welsh, call the %(service)s on %(phone)s (free)."),
    numbers=(("phone", Number("0808 164 0123", "08081640123")),),
    # Translators: the service's name; in Welsh, the name the Samaritans use for it.
    names=(("service", N_("Samaritans Welsh Language Line")),))
GB_NHS = Sentence(
    # Translators: reads "call NHS 111": %(service)s is "NHS", %(phone)s is 111 (a link).
    N_("For urgent medical help that is not an emergency, call %(service)s %(phone)s."),
    numbers=(("phone", Number("111", "111")),), names=(("service", N_("NHS")),))
GB_NHS_WALES = Sentence(
    # Translators: shown in Welsh only; %(phone)s is 111 (a link), %(service)s "NHS 111 Wales".
    N_("For urgent help with your mental health, call %(phone)s and press 2 (%(service)s)."),
    numbers=(("phone", Number("111", "111")),),
    # Translators: the service's name; in Welsh "GIG 111 Cymru".
    names=(("service", N_("NHS 111 Wales")),))
US_EMERGENCY = Sentence(
    # Translators: the footer's first sentence, in bold; %(emergency)s is 911 (a link).
    N_("If you are in crisis or your life is at risk, call %(emergency)s or go to the ER."),
    numbers=(("emergency", Number("911", "911")),), urgent=True)
US_988 = Sentence(
    # Translators: %(phone)s is 988 (a link), %(service)s the lifeline's name.
    N_("Call or text %(phone)s for the %(service)s (free, 24 hours)."),
    numbers=(("phone", Number("988", "988")),),
    # Translators: the service's name; in Spanish "Línea 988 de Prevención del Suicidio y Crisis".
    names=(("service", N_("988 Suicide & Crisis Lifeline")),))
US_988_SPANISH = Sentence(
    # Translators: shown in Spanish only; %(phone)s and %(text)s are 988 (links to call and to
    # text); AYUDA is the word to send, keep it as it is.
    N_("For help in Spanish from the %(service)s, call %(phone)s and press 2, or text AYUDA to "
       "%(text)s."),
    numbers=(("phone", Number("988", "988")), ("text", Number("988", "988", sms="AYUDA"))),
    names=(("service", N_("988 Suicide & Crisis Lifeline")),))

# What to say, by (country, language); ``None`` is any other language.
LINES: dict[tuple[str, str | None], tuple[Sentence, ...]] = {
    ("GB", None): (GB_EMERGENCY, GB_SAMARITANS, GB_NHS),
    ("GB", "cy"): (GB_EMERGENCY, GB_SAMARITANS_WELSH, GB_SAMARITANS, GB_NHS_WALES),
    ("US", None): (US_EMERGENCY, US_988),
    ("US", "es"): (US_EMERGENCY, US_988_SPANISH),
}


def sentences(country: str | None, language: str) -> tuple[Sentence, ...]:
    """The sentences for ``country`` (ISO code, any case) in ``language``."""
    code = (country or "").strip().upper()
    found = LINES.get((code, language)) or LINES.get((code, None))
    return found or (EMERGENCY_ELSEWHERE,)


def render(sentence: Sentence, language: str) -> Markup:
    """A sentence in ``language``, escaped, with its numbers as links."""
    gettext = partial(i18n.gettext, language)
    values: dict[str, Markup] = {
        name: Markup('<a href="{}">{}</a>').format(number.href, number.shown)
        for name, number in sentence.numbers}
    values.update({name: escape(gettext(english)) for name, english in sentence.names})
    text = escape(gettext(sentence.message))
    return Markup(text % values) if values else text


def crisis_lines(country: str | None, language: str) -> list[tuple[Markup, bool]]:
    """What the footer shows: each sentence as HTML and whether it is the urgent one."""
    return [(render(s, language), s.urgent) for s in sentences(country, language)]
