"""The organizer area under /manage: one blueprint, and what its pages share.

A thin shell: the pages themselves belong to their features (``venues.views``,
``facilitators.views``, ``groups.manage_views`` for a listing with its schedules and single
meetings, which hang off the listing). It sits beside ``permissions`` rather than in a package so
that any feature's views may register on it without depending on a layer above them.

Thin views: load (every object through an ownership check: another organizer's answers 404)
→ validate the Flask-WTF form → call one service → redirect, or re-render with the person's input
and a message per field (422 for bad input, 409 when someone else saved first). Services own the
writes and the transaction; nothing here commits. Every response is ``no-store, private``: these
pages show exact addresses and private contact details.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app
from flask_babel import gettext as _

from .exceptions import ConflictError, InvalidInput
from .extensions import db

bp = Blueprint("manage", __name__, url_prefix="/manage")

Errors = dict[str, list[str]]


@bp.after_request
def _private(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"field_value": field_value, "clock": current_app.config["CLOCK"]}


def field_value(field: Any) -> Any:
    """What to show in a control: the person's raw input when it could not be parsed."""
    if field.errors and field.raw_data:
        return field.raw_data[0]
    if isinstance(field.data, dt.time):
        return field.data.strftime("%H:%M")
    return "" if field.data is None else field.data


def form_errors(form: Any) -> Errors:
    return {name: list(messages) for name, messages in form.errors.items()
            if name and name != "csrf_token" and isinstance(messages, list)}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def save(form: Any, item: Any, create: Callable[[], Any],
          update: Callable[[int], Any]) -> tuple[bool, Errors, str | None]:
    """Create (``item`` is None) or update with the version the form was loaded at.

    Returns (saved, field errors, conflict message). On a conflict the form's hidden version
    becomes the current one, so saving again knowingly overwrites; the person's input is kept.
    """
    try:
        if item is None:
            create()
        else:
            update(form.version.data if form.version.data is not None else -1)
    except ConflictError as exc:
        db.session.expire_all()
        form.version.data = item.version if item is not None else None
        return False, {}, exc.detail
    except InvalidInput as exc:
        return False, translated(exc.field_errors), None
    return True, {}, None


def translated(field_errors: Any) -> Errors:
    """A service's per-field messages in the page's language: those a service keeps in English
    (``validation``'s checks) are translated here; those it translated pass through."""
    return {name: [_(str(m)) for m in messages] for name, messages in field_errors.items()}
