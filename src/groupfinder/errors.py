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
        "title": title,
        "status": status,
        "detail": detail,
        "errors": {k: list(v) for k, v in (field_errors or {}).items()},
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
        if wants_problem_json():
            return problem_response(
                exc.status, exc.title, exc.detail, type_slug=exc.type_slug,
                field_errors=exc.field_errors, extra=exc.extra, headers=headers,
            )
        return _html_error(exc.status, exc.title, exc.detail, headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        title = exc.name
        detail = _GENERIC_DETAIL.get(status, exc.description or title)
        headers = {}
        allow = exc.get_response().headers.get("Allow") if status == 405 else None
        if allow:
            headers["Allow"] = allow
        if wants_problem_json():
            slug = title.lower().replace(" ", "-")
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
        title = "Something went wrong on our side"
        detail = "We have noted it. Please try again later."
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
    400: "The request could not be understood.",
    404: "We couldn't find that page. It may have moved, or the group may no longer be listed.",
    405: "That method is not allowed here.",
    413: "The request is too large.",
    429: "Too many requests. Please wait a moment and try again.",
}
