"""Domain exceptions: what services, pure cores and parsers raise.

Pure (no Flask), so that any module may raise them; ``errors.py`` maps them onto HTTP (HTML
pages or problem+json). ``status`` and ``type_slug`` are data for that mapping, not behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class GroupfinderError(Exception):
    """Base of every domain error; ``status`` is the HTTP status it maps to."""

    status = 400
    type_slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        field_errors: Mapping[str, Sequence[str]] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.field_errors = {k: list(v) for k, v in (field_errors or {}).items()}
        self.extra = dict(extra or {})


class NotFound(GroupfinderError):
    status = 404
    type_slug = "not-found"
    title = "Not found"


class PermissionDenied(GroupfinderError):
    status = 403
    type_slug = "forbidden"
    title = "Not allowed"


class InvalidInput(GroupfinderError):
    status = 422
    type_slug = "invalid-input"
    title = "Some of the input is not valid"


class ConflictError(GroupfinderError):
    status = 409
    type_slug = "conflict"
    title = "Someone else changed this first"


class PlaceNotFound(InvalidInput):
    type_slug = "place-not-found"
    title = "We couldn't find that place"


class AmbiguousPlace(InvalidInput):
    """Several places match; ``candidates`` lets the person choose."""

    type_slug = "ambiguous-place"
    title = "Several places match"

    def __init__(self, detail: str, *, candidates: Sequence[Mapping[str, Any]], **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.candidates = [dict(c) for c in candidates]
        self.extra.setdefault("candidates", self.candidates)


class GeocodingUnavailable(GroupfinderError):
    status = 503
    type_slug = "geocoding-unavailable"
    title = "Address search is unavailable right now"
    retry_after = 30


class ServiceUnavailable(GroupfinderError):
    status = 503
    type_slug = "unavailable"
    title = "The service is busy; please try again in a moment"
    retry_after = 1


class RateLimited(GroupfinderError):
    """Too many requests of a costly kind from one client (``retry_after``: seconds)."""

    status = 429
    type_slug = "too-many-requests"
    title = "Too many requests"
    retry_after = 60

    def __init__(self, detail: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))
