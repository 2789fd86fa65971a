"""Which language a request speaks, and the message catalogues for code outside a request.

A language comes from the URL first, so a shared link keeps it and public pages still set no
cookie: a ``/es/…`` prefix (``LanguagePrefix`` moves it into ``SCRIPT_NAME``, so every
``url_for`` on that page keeps it) or ``?lang=es`` (feeds: a subscription keeps its language).
Then the browser's ``Accept-Language`` (the answer then varies by it), then the
``DEFAULT_LANGUAGE`` setting. English is written in the source; ``es`` and ``cy`` are catalogues
in ``translations/`` (``make messages`` extracts and updates them, install compiles them).

Pure modules (schedule words, place words) take a language code and use ``translations(code)``
directly: the same catalogues Flask-Babel loads for a request, without needing one.
"""

from __future__ import annotations

import gettext as _gettext
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "es", "cy")
NATIVE_NAMES = {"en": "English", "es": "Español", "cy": "Cymraeg"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
ENVIRON_KEY = "groupfinder.language"


@cache
def translations(code: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``code`` (English and unknown codes: the source strings)."""
    if code == "en" or code not in LANGUAGES:
        return _gettext.NullTranslations()
    from babel.support import Translations

    return Translations.load(str(TRANSLATIONS_DIR), [code], DOMAIN)


def gettext(code: str, message: str, **variables: Any) -> str:
    """``message`` in ``code``, formatted with ``variables`` (``%(name)s``) when given."""
    text = translations(code).gettext(message)
    return text % variables if variables else text


def pgettext(code: str, context: str, message: str, **variables: Any) -> str:
    text = translations(code).pgettext(context, message)
    return text % variables if variables else text


def ngettext(code: str, singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(code).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


class LanguagePrefix:
    """WSGI middleware: ``/es/groups/1`` is the app's ``/groups/1`` spoken in Spanish.

    The prefix moves from ``PATH_INFO`` to ``SCRIPT_NAME``, so routes, ``request.path`` and the
    request log see the path without it while ``url_for`` builds links with it.
    """

    def __init__(self, app: Any, languages: tuple[str, ...] = LANGUAGES) -> None:
        self.app = app
        self.prefixes = {f"/{code}": code for code in languages}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO") or ""
        if len(path) >= 3 and path[0] == "/":
            head = path[:3]
            code = self.prefixes.get(head)
            if code is not None and (len(path) == 3 or path[3] == "/"):
                environ["PATH_INFO"] = path[3:] or "/"
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + head
                environ[ENVIRON_KEY] = code
        return self.app(environ, start_response)


# A vocabulary's kind → the context its words carry in the catalogues (``i18n_extract``).
TERM_CONTEXTS = {"condition": "condition", "audience": "audience", "access": "access feature"}


@cache
def _language_names(code: str) -> dict[str, str]:
    from babel import Locale

    return dict(Locale.parse(code).languages)


def term_text(code: str, kind: str, slug: str, english: str, *, field: str = "name") -> str:
    """A vocabulary entry's name (or description) in ``code``: conditions, audiences and access
    features from the catalogues, languages by Babel's own names ("inglés", "Saesneg")."""
    if code == "en" or not english:
        return english
    if kind == "language" and field == "name":
        name = _language_names(code).get(slug)
        return name[:1].upper() + name[1:] if name else english
    context = TERM_CONTEXTS.get(kind)
    return translations(code).pgettext(context, english) if context else english


class Words:
    """One language's catalogue for pure code, with the method names ``make messages`` looks
    for: ``t = Words(language); t.gettext("Starts at %(time)s", time=…)``."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def gettext(self, message: str, **variables: Any) -> str:
        return gettext(self.code, message, **variables)

    def pgettext(self, context: str, message: str, **variables: Any) -> str:
        return pgettext(self.code, context, message, **variables)

    def ngettext(self, singular: str, plural: str, n: int, **variables: Any) -> str:
        return ngettext(self.code, singular, plural, n, **variables)
