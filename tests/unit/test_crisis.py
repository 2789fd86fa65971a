"""The footer's urgent-help line: the right numbers for the country and the language, as links,
each sentence a whole message (its English checked here; translations are the catalogues')."""

from __future__ import annotations

import gettext
import re

import pytest
from markupsafe import Markup

from groupfinder import crisis, i18n


def _html(country: str | None, language: str) -> str:
    return " ".join(str(html) for html, _ in crisis.crisis_lines(country, language))


def _links(country: str | None, language: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', _html(country, language))


def test_uk_in_english() -> None:
    lines = crisis.crisis_lines("GB", "en")
    assert lines[0] == (Markup('If you are in crisis or your life is at risk, call '
                               '<a href="tel:999">999</a> or go to A&amp;E.'), True)
    assert [urgent for _, urgent in lines] == [True, False, False]
    assert _links("GB", "en") == ["tel:999", "tel:116123", "tel:111"]
    assert "Samaritans on <a href=\"tel:116123\">116 123</a> (free, 24 hours)" in _html("GB", "en")
    assert "NHS <a href=\"tel:111\">111</a>" in _html("gb", "en")


def test_uk_in_welsh_offers_the_welsh_language_line_first_and_111_press_2() -> None:
    assert _links("GB", "cy") == ["tel:999", "tel:08081640123", "tel:116123", "tel:111"]
    assert crisis.sentences("GB", "cy")[-1] is crisis.GB_NHS_WALES
    assert "press 2" in crisis.GB_NHS_WALES.message
    assert crisis.sentences("GB", "es") == crisis.sentences("GB", "en")


def test_us_in_english_and_in_spanish() -> None:
    assert _links("US", "en") == ["tel:911", "tel:988"]
    assert "go to the ER" in _html("US", "en")
    assert _links("US", "es") == ["tel:911", "tel:988", "sms:988?body=AYUDA"]
    assert crisis.sentences("US", "cy") == crisis.sentences("US", "en")


@pytest.mark.parametrize("country", [None, "", "FR", "ie"])
def test_elsewhere_the_local_emergency_number(country: str | None) -> None:
    assert crisis.sentences(country, "en") == (crisis.EMERGENCY_ELSEWHERE,)
    assert "your local emergency number" in _html(country, "en")
    assert _links(country, "es") == []


def test_every_placeholder_is_filled() -> None:
    for lines in crisis.LINES.values():
        for sentence in lines:
            wanted = set(re.findall(r"%\((\w+)\)s", sentence.message))
            given = {name for name, _ in sentence.numbers} | {name for name, _ in sentence.names}
            assert wanted == given, sentence.message
        assert lines[0].urgent and not any(s.urgent for s in lines[1:])


def test_a_translation_is_escaped_and_keeps_its_links(monkeypatch: pytest.MonkeyPatch) -> None:
    class Catalogue(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return {crisis.GB_EMERGENCY.message: "Ffoniwch %(emergency)s <nawr> & A&E."}.get(message, message)

    monkeypatch.setattr(i18n, "translations", lambda code: Catalogue())
    html, urgent = crisis.crisis_lines("GB", "cy")[0]
    assert urgent
    assert html == Markup('Ffoniwch <a href="tel:999">999</a> &lt;nawr&gt; &amp; A&amp;E.')
