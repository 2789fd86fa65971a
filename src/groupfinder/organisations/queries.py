"""Reads on organisations and teams (read-only; the management pages and other features)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..exceptions import NotFound
from ..extensions import db
from .models import Invitation, MemberRole, Membership, Organisation


def organisation_by_slug(slug: str) -> Organisation | None:
    """The organisation with this slug, or ``None``."""
    return db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))


def organisations_of(user: Any) -> list[Organisation]:
    """The organisations ``user`` belongs to (any role), by name."""
    if user is None or not getattr(user, "is_authenticated", True) or user.id is None:
        return []
    return list(db.session.scalars(
        sa.select(Organisation).join(Membership).where(Membership.user_id == user.id)
        .order_by(sa.func.lower(Organisation.name), Organisation.id)))


def organisation_ids_of(user: Any) -> sa.Select[Any]:
    """A subquery of the ids of ``user``'s organisations (for ``in_`` filters)."""
    return sa.select(Membership.organisation_id).where(Membership.user_id == user.id)


def role_in(user: Any, org: Organisation) -> MemberRole | None:
    """``user``'s role in ``org``, or ``None`` when they aren't on its team."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    m = db.session.get(Membership, (org.id, user.id))
    return m.role if m is not None else None


def team_of(org: Organisation) -> list[Membership]:
    """The team, owners first, then by name or email (their users loaded in the same query)."""
    from ..accounts.models import User

    return list(db.session.scalars(
        sa.select(Membership).join(User).where(Membership.organisation_id == org.id)
        .options(sa.orm.contains_eager(Membership.user))
        .order_by(Membership.role != MemberRole.owner,
                  sa.func.lower(sa.func.coalesce(sa.func.nullif(User.display_name, ""), User.email)))))


def pending_invitations(org: Organisation) -> list[Invitation]:
    """Invitations not yet accepted nor expired, newest first (shown to owners only)."""
    from ..db import now_utc

    return list(db.session.scalars(
        sa.select(Invitation).where(Invitation.organisation_id == org.id,
                                    Invitation.accepted_at.is_(None),
                                    Invitation.expires_at > now_utc())
        .order_by(Invitation.created_at.desc())))


def get_organisation_for_member(org_id: int, user: Any) -> Organisation:
    """An organisation ``user`` belongs to (admins: any); ``NotFound`` otherwise, as for a
    missing one (ids can't be probed)."""
    from .. import permissions

    org = db.session.get(Organisation, org_id)
    if org is None or not permissions.can_see_organisation(user, org):
        raise NotFound("We couldn't find that organisation among yours.")
    return org
