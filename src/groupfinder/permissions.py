"""Who may do what, in one place.

Every route is classified as public, organizer or admin (a test fails on an unclassified one):
- public: anyone, signed in or not; shows only published listings through ``privacy``.
- organizer: a signed-in, enabled account; sees and edits only its own groups, venues and
  facilitators and its organisations' (someone else's answers 404, so ids can't be probed).
- admin: reviews listings, manages accounts; organizers get 403.

Organisations (teams): every member (any role) of a group's organisation may edit the group, as
its organizers may. A venue or facilitator may be edited and chosen by its owner, by a fellow
member of any organisation its owner belongs to, and by the members of an organisation one of
whose groups uses it (so a team keeps managing a place after the colleague who added it left).
A team shares its places: members see each other's private addresses, as co-organizers do.
Only owners (and admins) manage the team and the organisation's details.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
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
    # script_root: back to the page in the language it was asked in (/es/manage/…).
    return redirect(url_for("accounts.login", next=request.script_root + request.full_path.rstrip("?")))


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


def _membership(user: Any, organisation_id: int | None) -> Any:
    from .extensions import db
    from .organisations.models import Membership

    if organisation_id is None or not user.is_authenticated:
        return None
    return db.session.get(Membership, (organisation_id, user.id))


def can_edit_group(user: Any, group: Any) -> bool:
    """Who may edit a listing: an admin, one of its organizers, or a member of its organisation.
    The only copy of the rule: ``groups.services.get_group_for_editor`` (behind every /manage
    page of a group) asks it."""
    return bool(user.is_authenticated and (
        user.is_admin or user in group.organizers
        or _membership(user, group.organisation_id) is not None))


def team_scope(model: Any, user: Any) -> Any:
    """SQL condition on ``model`` (``Venue`` or ``Facilitator``): the rows ``user`` may edit and
    choose for a listing, admins aside (see the module docstring). The one copy of that rule:
    the pickers, the services' id checks and ``can_edit_owned`` all use it."""
    import sqlalchemy as sa

    from .groups.models import Group, group_facilitators
    from .organisations.models import Membership
    from .venues.models import Venue

    mine = sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
    fellows = sa.select(Membership.user_id).where(Membership.organisation_id.in_(mine))
    if model is Venue:
        used = sa.select(Group.venue_id).where(Group.organisation_id.in_(mine),
                                               Group.venue_id.is_not(None))
    else:
        used = (sa.select(group_facilitators.c.facilitator_id)
                .join(Group, Group.id == group_facilitators.c.group_id)
                .where(Group.organisation_id.in_(mine)))
    return sa.or_(model.owner_id == user.id, model.owner_id.in_(fellows), model.id.in_(used))


def can_edit_owned(user: Any, item: Any) -> bool:
    """Venues and facilitators: their owner, the owner's teams, and the teams whose groups use
    them (``team_scope``); admins any."""
    if not user.is_authenticated:
        return False
    if user.is_admin or item.owner_id == user.id:
        return True
    import sqlalchemy as sa

    from .extensions import db

    model = type(item)
    return db.session.scalar(sa.select(sa.literal(True)).where(
        model.id == item.id, team_scope(model, user))) is not None


def can_see_organisation(user: Any, org: Any) -> bool:
    """Its management page, with the team list: members (any role) and admins."""
    return bool(user.is_authenticated and (
        user.is_admin or _membership(user, org.id) is not None))


def can_manage_organisation(user: Any, org: Any) -> bool:
    """The organisation's details, its team and invitations: owners and admins."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    from .organisations.models import MemberRole

    m = _membership(user, org.id)
    return m is not None and m.role == MemberRole.owner


def require_owned(user: Any, item: Any, what: str) -> Any:
    if item is None or not can_edit_owned(user, item):
        if what == "venue":
            raise NotFound(_("We couldn't find that venue among yours."))
        if what == "facilitator":
            raise NotFound(_("We couldn't find that facilitator among yours."))
        raise NotFound(_("We couldn't find that %(what)s among yours.", what=what))
    return item
