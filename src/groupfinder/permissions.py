"""Who may do what, in one place.

Every route is classified as public, organizer or admin (a test fails on an unclassified one):
- public: anyone, signed in or not; shows only published listings through ``privacy``.
- organizer: a signed-in, enabled account; sees and edits only its own groups, venues and
  facilitators (someone else's answers 404, so ids can't be probed).
- admin: reviews listings, manages accounts; organizers get 403.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from .exceptions import NotFound

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC, ORGANIZER, ADMIN = "public", "organizer", "admin"


def public_blueprint(bp: Blueprint) -> Blueprint:
    """Every route of ``bp`` is public."""
    bp.access = PUBLIC  # type: ignore[attr-defined]
    return bp


def public(view: F) -> F:
    view._access = PUBLIC  # type: ignore[attr-defined]
    return view


def _sign_in() -> Any:
    if request.path.startswith("/api/"):
        abort(401)
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def organizer_required(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return _sign_in()
        return view(*args, **kwargs)

    wrapper._access = ORGANIZER  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def admin_required(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return _sign_in()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapper._access = ADMIN  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def access_of(app: Any, endpoint: str) -> str | None:
    """The classification of an endpoint (function-level wins over blueprint-level)."""
    if endpoint == "static":
        return PUBLIC
    view = app.view_functions[endpoint]
    level = getattr(view, "_access", None)
    if level is None and "." in endpoint:
        bp = app.blueprints.get(endpoint.rsplit(".", 1)[0])
        level = getattr(bp, "access", None)
    return level


def can_edit_group(user: Any, group: Any) -> bool:
    """Who may edit a listing: an admin, or one of its organizers. The only copy of the rule:
    ``groups.services.get_group_for_editor`` (behind every /manage page of a group) asks it."""
    return bool(user.is_authenticated and (user.is_admin or user in group.organizers))


def can_edit_owned(user: Any, item: Any) -> bool:
    """Venues and facilitators belong to the organizer who created them."""
    return bool(user.is_authenticated and (user.is_admin or item.owner_id == user.id))


def require_owned(user: Any, item: Any, what: str) -> Any:
    if item is None or not can_edit_owned(user, item):
        raise NotFound(f"We couldn't find that {what} among yours.")
    return item
