"""Which language a request gets: the URL first (a /es/ prefix or ?lang=), then Accept-Language,
then the setting; links keep it; public pages still set no cookie."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from groupfinder.config import ConfigError, load

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _lang(response) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def _vary(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.strip() for value in response.headers.getlist("Vary") for v in value.split(",")}


@pytest.mark.parametrize(("url", "headers", "expected"), [
    ("/about", {}, "en"),
    ("/es/about", {}, "es"),
    ("/cy/about", {"Accept-Language": "es"}, "cy"),
    ("/en/about", {"Accept-Language": "cy"}, "en"),
    ("/about?lang=cy", {"Accept-Language": "es"}, "cy"),
    ("/about?lang=xx", {}, "en"),
    ("/about", {"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}, "cy"),
    ("/about", {"Accept-Language": "es-MX,es;q=0.9"}, "es"),
    ("/about", {"Accept-Language": "fr,de;q=0.9"}, "en"),
    ("/es", {}, "es"),
])
def test_the_language_comes_from_the_url_then_the_browser(client, url: str, headers: dict,  # type: ignore[no-untyped-def]
                                                          expected: str) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert _lang(response) == expected
    assert response.headers["Content-Language"] == expected
    assert "Set-Cookie" not in response.headers  # a language is never remembered in a cookie


def test_only_the_browsers_choice_varies_by_accept_language(client) -> None:  # type: ignore[no-untyped-def]
    assert "Accept-Language" in _vary(client.get("/about", headers={"Accept-Language": "es"}))
    assert "Accept-Language" not in _vary(client.get("/es/about", headers={"Accept-Language": "cy"}))
    assert "Accept-Language" not in _vary(client.get("/about?lang=es"))


def test_answers_without_words_choose_no_language(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz", headers={"Accept-Language": "es"})
    assert "Content-Language" not in response.headers
    assert "Accept-Language" not in _vary(response)


def test_links_keep_the_language_and_static_files_do_not(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/cy/").get_data(as_text=True)
    assert 'href="/cy/about"' in page
    assert 'href="/static/css/site.css' in page and "/cy/static/" not in page
    assert client.get("/cy/static/css/site.css").status_code == 200  # an old link still works


def test_every_page_links_to_itself_in_each_language(client, app: Flask) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/es/about?x=1&lang=es").get_data(as_text=True)
    base = app.config["BASE_URL"]
    for code in ("en", "es", "cy"):
        assert f'<link rel="alternate" hreflang="{code}" href="{base}/{code}/about?x=1">' in page
        assert re.search(rf'<a href="/{code}/about\?x=1" hreflang="{code}" lang="{code}"', page)
    assert f'<link rel="alternate" hreflang="x-default" href="{base}/about">' in page
    assert re.search(r'<a href="/es/about\?x=1"[^>]*aria-current="true">Español</a>', page)


def test_redirects_stay_in_the_language(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/es/manage/")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/es/accounts/login")
    assert "next=/es/manage/" in response.headers["Location"]


def test_a_language_prefix_does_not_hide_the_sign_in_page_from_the_next_check(app) -> None:  # type: ignore[no-untyped-def]
    from groupfinder.accounts.views import safe_next

    assert safe_next("/es/manage/") == "/es/manage/"
    assert safe_next("/cy/accounts/login") is None and safe_next("/accounts/logout") is None


def test_the_default_language_is_a_setting(client, app: Flask) -> None:  # type: ignore[no-untyped-def]
    app.config["DEFAULT_LANGUAGE"] = "cy"
    try:
        assert _lang(client.get("/about")) == "cy"
        assert _lang(client.get("/about", headers={"Accept-Language": "es"})) == "es"
    finally:
        app.config["DEFAULT_LANGUAGE"] = "en"


def test_language_settings_are_checked_at_start(tmp_path, backend: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(str(tmp_path), {"TESTING": True, "LANGUAGES": "en,fr", "DEFAULT_LANGUAGE": "de"})
    text = str(caught.value)
    assert "GROUPFINDER_LANGUAGES must list some of en, es, cy" in text
    assert "GROUPFINDER_DEFAULT_LANGUAGE must be one of" in text


def test_the_search_forms_lists_follow_the_translated_names(client) -> None:  # type: ignore[no-untyped-def]
    from groupfinder import i18n

    if i18n.translations("es").pgettext("condition", "Anxiety") == "Anxiety":
        pytest.skip("no compiled Spanish catalogue")
    labels = re.findall(r'<label for="condition-\d+">([^<]+)</label>', client.get("/es/").get_data(as_text=True))
    assert len(labels) > 5 and "Ansiedad" in labels
    keys = [label.casefold().replace("á", "a").replace("é", "e").replace("í", "i").replace("ó", "o")
            .replace("ú", "u") for label in labels]
    assert keys == sorted(keys)
    english = re.findall(r'<label for="condition-\d+">([^<]+)</label>', client.get("/en/").get_data(as_text=True))
    assert english == sorted(english, key=str.casefold)


def test_hsds_parameter_errors_speak_the_language(client) -> None:  # type: ignore[no-untyped-def]
    english = client.get("/hsds/services?bogus=1").get_json()
    spanish = client.get("/es/hsds/services?bogus=1").get_json()
    assert english["status"] == spanish["status"] == 400
    assert english["detail"] == "Some query parameters are not accepted here."
    from groupfinder import i18n

    assert spanish["detail"] == i18n.gettext("es", "Some query parameters are not accepted here.")
