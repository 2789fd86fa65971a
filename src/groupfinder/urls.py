"""Absolute URLs built from the configured public origin, never from the request's Host."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def absolute_url(endpoint: str, **values: Any) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def webcal_url(https_url: str) -> str:
    return "webcal://" + https_url.split("://", 1)[1]


def google_subscribe_url(feed_url: str) -> str:
    from urllib.parse import quote

    return "https://calendar.google.com/calendar/r?cid=" + quote(webcal_url(feed_url), safe="")
