"""The one place that turns any error into HTML or problem+json.

Services raise the domain exceptions of ``exceptions.py`` (re-exported here for the views);
views never build error responses by hand. Nothing here echoes request input, configuration or
a traceback back to the person.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from .exceptions import (  # noqa: F401  (re-exported: views catch them from here)
    AmbiguousPlace,
    ConflictError,
    GeocodingUnavailable,
    GroupfinderError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PlaceNotFound,
    ServiceUnavailable,
)

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://groupfinder.example.org/problems/"


def wants_problem_json() -> bool:
    """The APIs (ours and HSDS) and the feeds answer errors as problem+json; pages as HTML."""
    return request.path.startswith(("/api/", "/hsds/")) or request.path.endswith(".ics")


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    type_slug: str,
    field_errors: Mapping[str, Sequence[str]] | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Any:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + type_slug,
        "title": str(title),
        "status": status,
        "detail": str(detail),
        "errors": {k: [str(m) for m in v] for k, v in (field_errors or {}).items()},
    }
    body.update(extra or {})
    rid = getattr(g, "request_id", None)
    if rid:
        body["request_id"] = rid
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def _html_error(status: int, title: str, detail: str, headers: Mapping[str, str] | None = None) -> Any:
    template = f"errors/{status}.html" if status in (404, 500) else "errors/error.html"
    body = render_template(template, status=status, title=title, detail=detail)
    return body, status, dict(headers or {})


def _retry_headers(exc: Exception) -> dict[str, str]:
    retry = getattr(exc, "retry_after", None)
    return {"Retry-After": str(retry)} if retry else {}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(GroupfinderError)
    def _domain(exc: GroupfinderError) -> Any:
        headers = _retry_headers(exc)
        title, detail = translated(exc.title), translated(exc.detail)
        if wants_problem_json():
            return problem_response(
                exc.status, title, detail, type_slug=exc.type_slug,
                field_errors=exc.field_errors, extra=exc.extra, headers=headers,
            )
        return _html_error(exc.status, title, detail, headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        slug = exc.name.lower().replace(" ", "-")  # the type stays English: an identifier
        title = str(_HTTP_TITLES.get(status, exc.name))
        detail = str(_GENERIC_DETAIL.get(status, exc.description or title))
        headers = {}
        allow = exc.get_response().headers.get("Allow") if status == 405 else None
        if allow:
            headers["Allow"] = allow
        if wants_problem_json():
            return problem_response(status, title, detail, type_slug=slug, headers=headers)
        return _html_error(status, title, detail, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        from sqlalchemy.exc import OperationalError
        from sqlalchemy.exc import TimeoutError as PoolTimeout

        from .extensions import db

        db.session.rollback()
        if isinstance(exc, PoolTimeout) or (isinstance(exc, OperationalError) and _is_unavailable(exc)):
            log.warning("database unavailable: %s", type(getattr(exc, "orig", exc)).__name__)
            return _domain(ServiceUnavailable())
        if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
            raise exc
        log.exception("unhandled error")
        title = _("Something went wrong on our side")
        detail = _("We have noted it. Please try again later.")
        if wants_problem_json():
            return problem_response(500, title, detail, type_slug="internal-error")
        return _html_error(500, title, detail)


def _is_unavailable(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(s in text for s in (
        "database is locked", "could not connect", "connection refused", "connection failed",
        "server closed the connection", "unable to open database", "timeout expired",
        "too many clients", "the database system is starting up",
        "the database system is shutting down", "canceling statement due to statement timeout",
        "terminating connection"))


_GENERIC_DETAIL = {
    400: _l("The request could not be understood."),
    404: _l("We couldn't find that page. It may have moved, or the group may no longer be listed."),
    405: _l("That method is not allowed here."),
    413: _l("The request is too large."),
    429: _l("Too many requests. Please wait a moment and try again."),
}

# Werkzeug's names of the statuses we answer with, so they can be translated (the problem
# ``type`` is still made from Werkzeug's English name).
_HTTP_TITLES = {
    400: _l("Bad Request"),
    401: _l("Unauthorized"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    406: _l("Not Acceptable"),
    409: _l("Conflict"),
    410: _l("Gone"),
    412: _l("Precondition Failed"),
    413: _l("Request Entity Too Large"),
    414: _l("Request URI Too Long"),
    415: _l("Unsupported Media Type"),
    422: _l("Unprocessable Entity"),
    429: _l("Too Many Requests"),
    500: _l("Internal Server Error"),
    501: _l("Not Implemented"),
    502: _l("Bad Gateway"),
    503: _l("Service Unavailable"),
}

# The domain exceptions' own titles (``exceptions.py`` is pure and holds them in English):
# marked here so they are extracted, and translated when the error is shown.
_DOMAIN_TEXT = {
    "Bad request": _l("Bad request"),
    "Not found": _l("Not found"),
    "Not allowed": _l("Not allowed"),
    "Some of the input is not valid": _l("Some of the input is not valid"),
    "Someone else changed this first": _l("Someone else changed this first"),
    "We couldn't find that place": _l("We couldn't find that place"),
    "Several places match": _l("Several places match"),
    "Address search is unavailable right now": _l("Address search is unavailable right now"),
    "The service is busy; please try again in a moment":
        _l("The service is busy; please try again in a moment"),
    "Too many requests": _l("Too many requests"),
}


def translated(text: Any) -> str:
    """A title or detail in the request's language: already translated (a raise site's ``_()``
    or ``_l()``), or one of the exceptions' English defaults looked up here."""
    if not isinstance(text, str):
        return str(text)  # a lazy string
    known = _DOMAIN_TEXT.get(text)
    return str(known) if known is not None else text
