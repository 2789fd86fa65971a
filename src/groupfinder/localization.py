"""Flask side of languages: Flask-Babel, the choice of language per request, and the links
between the same page in each language (the switcher and ``hreflang`` alternates).

The rules of the choice live in ``i18n``'s docstring. Only a request that renders words asks
for its language (Flask-Babel asks lazily); when the browser's header decided it, the answer
carries ``Vary: Accept-Language`` (``hooks``).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, get_locale, get_translations

from . import i18n

babel = Babel()


def enabled_languages(app: Flask | None = None) -> tuple[str, ...]:
    return (app or current_app).extensions["groupfinder.languages"]


def select_language() -> str:
    if not has_request_context():
        # A service's message under the CLI or a worker (app context, no request): English.
        return current_app.config["DEFAULT_LANGUAGE"]
    languages = enabled_languages()
    code = request.environ.get(i18n.ENVIRON_KEY)
    if code in languages:
        return code
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    g.language_negotiated = True
    return request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LANGUAGE"]


def current_language() -> str:
    """The request's language code ("en", "es", "cy"); the default outside a request."""
    try:
        chosen = g.get("_flask_babel")  # once chosen, read where Flask-Babel keeps it (a page
        locale = getattr(chosen, "babel_locale", None) or get_locale()  # asks ~100 times)
    except RuntimeError:
        locale = None
    return locale.language if locale is not None else current_app.config["DEFAULT_LANGUAGE"]


def _language_links() -> list[dict[str, Any]]:
    """This page in each language: its code, its own name, its URL path and whether it is the
    one shown (the switcher and ``<link rel=alternate hreflang>``)."""
    here = current_language()
    if _no_such_page():  # each language's home, never an echo of whatever was asked for
        path, query = "/", ""
    else:
        path, query = request.path, request.query_string.decode("latin-1")
    if query:
        query = "&".join(p for p in query.split("&") if _kept_in_other_languages(p))
    root = request.environ.get("groupfinder.script_root", "")
    links = []
    for code in enabled_languages():
        href = f"{root}/{code}{path if path != '/' else '/'}"
        if query:
            href += "?" + query
        links.append({"code": code, "name": i18n.NATIVE_NAMES.get(code, code), "href": href,
                      "current": code == here})
    return links


def _no_such_page() -> bool:
    """No route matched, or a static file that isn't there: a page that doesn't exist."""
    endpoint = request.endpoint or ""
    return (request.routing_exception is not None or endpoint == "static"
            or endpoint.endswith(".static"))


def _kept_in_other_languages(pair: str) -> bool:
    """The page's own parameters follow it into each language, except ``lang`` (the link says
    it) and a return link the page itself refused (it must not reappear in ours)."""
    if pair.startswith("lang="):
        return False
    if pair.startswith("back="):
        from urllib.parse import unquote_plus

        from .groups.return_link import safe_back

        return safe_back(unquote_plus(pair[5:])) is not None
    return True


def _unprefixed_path() -> str:
    """This page's path with no language (the ``x-default`` alternate: the browser chooses)."""
    root = request.environ.get("groupfinder.script_root", "")
    return root + ("/" if _no_such_page() else request.path)


def catalogue() -> Any:
    """The request's translations, found once per request: Flask-Babel looks them up again on
    every call (a few µs each, hundreds per page). Kept where Flask-Babel keeps its own
    (``force_locale`` and ``refresh`` reset it), so a forced language is honoured."""
    ctx = g.get("_flask_babel")
    found = getattr(ctx, "babel_translations", None)
    if found is None:
        found = get_translations()
        ctx = g.get("_flask_babel")
        if ctx is not None:
            ctx.babel_translations = found
    return found


def _gettext(message: str) -> str:
    return catalogue().gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue().ngettext(singular, plural, n)


def _pgettext(context: str, message: str) -> str:
    return catalogue().pgettext(context, message)


def _npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return catalogue().npgettext(context, singular, plural, n)


def _term(item: Any, kind: str, field: str = "name") -> str:
    """``{{ condition|term('condition') }}``: a vocabulary entry (a model or the read model's
    ``Term``) in the page's language; ``field`` is ``name`` or ``description``."""
    english = getattr(item, field, None) or ""
    return i18n.term_text(current_language(), kind, getattr(item, "slug", ""), english, field=field)


def _terms_sorted(items: Any, kind: str) -> list[Any]:
    """Vocabulary entries in the order of their names in the page's language ("Ansiedad" before
    "Depresión"); English keeps the order given (the database's, by name)."""
    code = current_language()
    items = list(items)
    if code == "en":
        return items

    return sorted(items, key=lambda item: _sort_key(code, kind, getattr(item, "slug", ""),
                                                     getattr(item, "name", "") or ""))


@lru_cache(maxsize=1024)
def _sort_key(code: str, kind: str, slug: str, english: str) -> str:
    name = i18n.term_text(code, kind, slug, english)
    return "".join(c for c in unicodedata.normalize("NFD", name.casefold()) if not unicodedata.combining(c))


def init_localization(app: Flask) -> None:
    wanted = tuple(c.strip() for c in str(app.config["LANGUAGES"]).split(",") if c.strip())
    app.extensions["groupfinder.languages"] = wanted
    babel.init_app(app, default_locale=app.config["DEFAULT_LANGUAGE"],
                   default_translation_directories=str(i18n.TRANSLATIONS_DIR),
                   locale_selector=select_language)
    app.wsgi_app = _ScriptRoot(i18n.LanguagePrefix(app.wsgi_app, wanted))  # type: ignore[method-assign]
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext)
    app.jinja_env.filters["term"] = _term
    app.jinja_env.filters["terms_sorted"] = _terms_sorted
    app.jinja_env.globals.update(current_language=current_language, language_links=_language_links,
                                 unprefixed_path=_unprefixed_path)


class _ScriptRoot:
    """Remembers the script root before a language prefix is added to it: static files and the
    other languages' links are built from it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ["groupfinder.script_root"] = environ.get("SCRIPT_NAME", "")
        return self.app(environ, start_response)
