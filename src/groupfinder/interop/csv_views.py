"""Download the listings CSV (``interop.csv_export``): ``GET /manage/export.csv`` for an
organizer (their own groups, venues and facilitators), ``GET /review/export.csv`` for an admin
(everything). Registered on the ``manage`` and ``review`` blueprints when this module is imported
(``app._register_blueprints``).

The file holds exact addresses and, for their owners, private contact details: it is sent as an
attachment, ``Cache-Control: no-store, private``, and never cached on the server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response
from flask_login import current_user

from ..organizer import bp as manage_bp
from ..permissions import admin_required, organizer_required
from ..review.views import bp as review_bp
from .csv_export import MEDIA_TYPE, export_csv


def _download(user: Any, name: str) -> Response:
    result = export_csv(user)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    response = Response(result.body, status=200, mimetype="text/csv")
    response.headers["Content-Type"] = MEDIA_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@manage_bp.get("/export.csv")
@organizer_required
def export_csv_download() -> Response:
    """The signed-in organizer's listings (an admin's own export is the review one)."""
    return _download(_OwnOnly(current_user), "my-listings")


@review_bp.get("/export.csv")
@admin_required
def export_csv_all() -> Response:
    return _download(current_user, "all-listings")


class _OwnOnly:
    """The person as an organizer: an admin downloading from /manage gets their own listings,
    as the page says, not everyone's."""

    is_admin = False

    def __init__(self, user: Any) -> None:
        self.id = user.id
