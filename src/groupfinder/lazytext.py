"""Messages made in pure code (a CSV parser, search criteria, a geocoder), in the language of
whoever they are for, without that code knowing Flask.

The current language is the request's (Flask-Babel's choice, or a ``force_locale``), else
``DEFAULT_LANGUAGE`` (CLI, background jobs), else English (no application loaded).

- ``text("Line %(line)s: …", line=3)`` (imported as ``_``): a plain ``str`` in the current
  language, made now. Most messages: they are made while answering the person who reads them,
  and every consumer (joins, stored reports, JSON) gets a ``str``.
- ``lazy(…)`` (imported as ``_l``): for module constants, made before any language is known;
  ``str()`` of it reads it in the current language. Unlike Flask-Babel's ``LazyString`` it has
  no ``__html__``: values may be what someone typed, so Jinja escapes it like any other text.
- ``N_(…)`` marks a message translated later with ``i18n.gettext(code, …)``.

Extraction finds them as ``_``, ``_l`` and ``N_`` (the Makefile's keywords).
"""

from __future__ import annotations

import sys
from typing import Any

from . import i18n


def language() -> str:
    """The language messages are read in now (see the module's docstring). ``localization`` is
    looked up, not imported: pure modules use this one and stay free of Flask."""
    localization = sys.modules.get(f"{__package__}.localization")
    if localization is None:  # no application loaded: English
        return "en"
    try:
        return str(localization.current_language())
    except RuntimeError:  # outside an application context
        return "en"


class LazyText:
    __slots__ = ("message", "plural", "n", "variables")

    def __init__(self, message: str, plural: str | None = None, n: int | None = None, /,
                 **variables: Any) -> None:
        self.message, self.plural, self.n, self.variables = message, plural, n, variables

    def in_language(self, code: str) -> str:
        catalogue = i18n.translations(code)  # values may be named anything, even "code"
        if self.plural is not None and self.n is not None:
            return catalogue.ngettext(self.message, self.plural, self.n) % {
                "num": self.n, **self._values(code)}
        text = catalogue.gettext(self.message)
        return text % self._values(code) if self.variables else text

    def _values(self, code: str) -> dict[str, Any]:
        """Values that are lazy themselves ("the UK") are read in the same language."""
        return {k: v.in_language(code) if isinstance(v, LazyText) else v
                for k, v in self.variables.items()}

    def __str__(self) -> str:
        return self.in_language(language())

    def __repr__(self) -> str:
        return repr(self.in_language("en"))

    def __eq__(self, other: object) -> bool:
        return str(self) == (str(other) if isinstance(other, LazyText) else other)

    def __hash__(self) -> int:
        return hash(self.in_language("en"))

    def __len__(self) -> int:
        return len(str(self))

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def __getattr__(self, name: str) -> Any:  # str methods: .startswith, .lower, …
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(str(self), name)


def lazy(message: str, /, **variables: Any) -> LazyText:
    """``message`` (``%(name)s`` placeholders) translated when it is read."""
    return LazyText(message, **variables)


def lazy_plural(singular: str, plural: str, n: int, /, **variables: Any) -> LazyText:
    """``%(num)s`` is ``n``."""
    return LazyText(singular, plural, n, **variables)


def N_(message: str) -> str:  # noqa: N802
    """Marks ``message`` for extraction where it is translated later (``i18n.gettext(code, N_(…))``)."""
    return message


def text(message: str, /, **variables: Any) -> str:
    """``message`` in the current language now, as a plain ``str``: for messages kept as text
    (a CSV import's problems, read by the person who ran the import, or logged by a job)."""
    return LazyText(message, **variables).in_language(language())
