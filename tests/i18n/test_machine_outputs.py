"""Feeds, the API and mail speak the language asked for (?lang=, a /es/ prefix, Accept-Language),
and every cache and validator of words is per language: a feed's ETag differs by language and a
304 only answers the language it was made for. The English words themselves are the existing
tests' business; Spanish ones are only asserted from a tiny catalogue forced here (translators
are still writing the real one)."""

from __future__ import annotations

import gettext
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask_babel import gettext as _
from flask_babel import refresh

from groupfinder import i18n, mail
from groupfinder.extensions import db

from ..factories import make_group

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

HERE = {"where": "M1 1AE"}


def _vary(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.strip() for value in response.headers.getlist("Vary") for v in value.split(",")}


def _feed_url(client) -> str:  # type: ignore[no-untyped-def]
    group = make_group(name="Quiet Circle")
    db.session.commit()
    return f"/groups/{group.id}/calendar.ics"


def test_a_feeds_etag_differs_per_language_and_a_304_needs_the_same_language(client):
    url = _feed_url(client)
    english = client.get(url)
    spanish = client.get(url + "?lang=es")
    prefixed = client.get("/es" + url)
    assert english.status_code == spanish.status_code == prefixed.status_code == 200
    assert english.headers["ETag"] != spanish.headers["ETag"]
    # Behind the prefix the feed's links keep it: other bytes, another validator.
    assert prefixed.headers["ETag"] not in (english.headers["ETag"], spanish.headers["ETag"])
    assert b"/es/groups/" in prefixed.data and b"/es/groups/" not in spanish.data

    # English's validator does not answer Spanish, nor the other way round.
    assert client.get(url + "?lang=es", headers={"If-None-Match": english.headers["ETag"]}
                      ).status_code == 200
    assert client.get(url, headers={"If-None-Match": spanish.headers["ETag"]}).status_code == 200
    assert client.get(url + "?lang=es", headers={"If-None-Match": spanish.headers["ETag"]}
                      ).status_code == 304
    assert client.get(url, headers={"If-None-Match": english.headers["ETag"]}).status_code == 304


def test_a_feed_chosen_by_accept_language_varies_by_it_even_when_not_modified(client):
    url = _feed_url(client)
    first = client.get(url, headers={"Accept-Language": "es"})
    assert first.status_code == 200 and "Accept-Language" in _vary(first)
    again = client.get(url, headers={"Accept-Language": "es", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and "Accept-Language" in _vary(again)
    # Asked by the URL: the answer does not depend on the header.
    by_url = client.get(url + "?lang=es", headers={"Accept-Language": "cy"})
    assert by_url.status_code == 200 and "Accept-Language" not in _vary(by_url)
    assert by_url.headers["ETag"] == first.headers["ETag"]


def test_the_search_feed_takes_lang(client):
    make_group(name="Quiet Circle")
    db.session.commit()
    for lang in ("es", "cy", "en"):
        r = client.get("/search/calendar.ics?" + urlencode({**HERE, "lang": lang}))
        assert r.status_code == 200, r.data[:300]
    refused = client.get("/search/calendar.ics?" + urlencode({**HERE, "langue": "es"}))
    assert refused.status_code == 400  # other unknown parameters are still refused


def test_the_api_takes_lang_and_accept_language(client):
    make_group(name="Quiet Circle")
    db.session.commit()
    r = client.get("/api/v1/groups?" + urlencode({**HERE, "lang": "es"}))
    assert r.status_code == 200
    assert r.get_json()["results"][0]["name"] == "Quiet Circle"  # typed data stays as typed
    assert client.get("/es/api/v1/conditions").status_code == 200
    negotiated = client.get("/api/v1/groups?" + urlencode(HERE), headers={"Accept-Language": "es"})
    assert negotiated.status_code == 200 and "Accept-Language" in _vary(negotiated)
    problem = client.get("/api/v1/groups?" + urlencode({**HERE, "limit": "x", "lang": "es"}))
    assert problem.status_code == 422 or problem.status_code == 400
    body = problem.get_json()
    assert set(body) >= {"type", "title", "status", "detail", "errors"} and "limit" in body["errors"]


class _Tiny(gettext.NullTranslations):
    WORDS = {
        "Limit must be a whole number from 1 to %(max)s.": "El límite debe ser un número entero del 1 al %(max)s.",
        "Some search parameters are not valid.": "Algunos parámetros de búsqueda no son válidos.",
        "%(name)s (moved)": "%(name)s (cambiada)",
    }

    def gettext(self, message: str) -> str:
        return self.WORDS.get(message, message)


@pytest.fixture
def tiny_spanish(monkeypatch):  # type: ignore[no-untyped-def]
    real = i18n.translations
    monkeypatch.setattr(i18n, "translations", lambda code: _Tiny() if code == "es" else real(code))


def test_messages_made_outside_the_request_are_read_in_its_language(client, tiny_spanish):
    make_group(name="Quiet Circle")
    db.session.commit()
    spanish = client.get("/api/v1/groups?" + urlencode({**HERE, "limit": "0", "lang": "es"})).get_json()
    assert spanish["detail"] == "Algunos parámetros de búsqueda no son válidos."
    assert spanish["errors"]["limit"] == ["El límite debe ser un número entero del 1 al 100."]
    english = client.get("/api/v1/groups?" + urlencode({**HERE, "limit": "0"})).get_json()
    assert english["detail"] == "Some search parameters are not valid."
    assert english["errors"]["limit"] == ["Limit must be a whole number from 1 to 100."]


def test_a_mail_speaks_the_requests_language_or_the_default(app: Flask):
    # The fixture's application context outlives these requests: forget each one's choice.
    with app.test_request_context("/?lang=es"):
        refresh()
        with mail.speaking() as code:
            assert code == "es" and _("Quiet") == "Quiet"
    with app.test_request_context("/", headers={"Accept-Language": "cy"}):
        refresh()
        with mail.speaking() as code:
            assert code == "cy"
    refresh()
    with app.app_context(), mail.speaking() as code:  # a job or the CLI: no request
        assert code == app.config["DEFAULT_LANGUAGE"]
        assert _("Quiet") == "Quiet"  # gettext has a language, not an error
