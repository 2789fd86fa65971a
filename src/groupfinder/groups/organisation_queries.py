"""Public reads on organisations: their page, feed, API answers and sitemap. (Here, not in
``organisations``: an organisation's public side is the listings it runs, and ``organisations``
sits below ``groups``.)

An organisation is public only once it runs a published group: a team's name isn't shown
anywhere before its first listing passed review. Its groups load as search's do (one batch, a
fixed number of statements), and every place in them is shown through ``privacy``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ..exceptions import NotFound
from ..extensions import db
from ..organisations.models import Organisation
from ..schedules.recurrence import Meeting
from .models import Group, ListingStatus
from .queries import load_groups, next_meeting

NOT_FOUND = "We couldn't find that organisation. It may not run any listed groups at the moment."


def _published() -> sa.ColumnElement[bool]:
    return Group.status == ListingStatus.published


def _listed() -> list[sa.ColumnElement[bool]]:
    """Search's own rule: published and not hidden for going unconfirmed."""
    return [_published(), Group.hidden_since.is_(None)]


def public_organisation_ids() -> sa.Select[tuple[int]]:
    """The ids of organisations that run at least one published group (for ``in_`` filters)."""
    return sa.select(Group.organisation_id).where(_published(), Group.organisation_id.is_not(None))


def get_public_organisation(slug: str) -> Organisation:
    """A public organisation by slug; ``NotFound`` for an unknown one or one with no published
    group (the same answer, so a draft's organisation can't be probed)."""
    org = db.session.scalar(sa.select(Organisation).where(
        Organisation.slug == slug, Organisation.id.in_(public_organisation_ids())))
    if org is None:
        raise NotFound(NOT_FOUND)
    return org


def list_organisation_groups(org: Organisation, *, listed_only: bool = True) -> list[Group]:
    """The organisation's published groups (also not hidden, with ``listed_only``), by name,
    loaded with everything public outputs show."""
    where = _listed() if listed_only else [_published()]
    ids = db.session.scalars(sa.select(Group.id).where(Group.organisation_id == org.id, *where)).all()
    return sorted(load_groups(ids).values(), key=lambda g: (g.name.casefold(), g.id))


@dataclass(frozen=True)
class OrganisationGroup:
    group: Group
    next_meeting: Meeting | None


def organisation_page_groups(org: Organisation, now: dt.datetime) -> list[OrganisationGroup]:
    """What the organisation's page lists: its listed groups, each with its next meeting."""
    return [OrganisationGroup(g, next_meeting(g, now)) for g in list_organisation_groups(org)]


def list_public_organisations(*, after: str | None = None, limit: int = 20) -> list[Organisation]:
    """Public organisations by slug, from the one after ``after``: up to ``limit + 1`` (the
    extra one says that another page follows)."""
    stmt = sa.select(Organisation).where(Organisation.id.in_(public_organisation_ids()))
    if after is not None:
        stmt = stmt.where(Organisation.slug > after)
    return list(db.session.scalars(stmt.order_by(Organisation.slug).limit(limit + 1)))


def listed_group_counts(org_ids: list[int]) -> dict[int, int]:
    """How many listed groups each organisation runs (one statement)."""
    if not org_ids:
        return {}
    rows = db.session.execute(
        sa.select(Group.organisation_id, sa.func.count()).where(
            Group.organisation_id.in_(org_ids), *_listed()).group_by(Group.organisation_id))
    return {oid: int(n) for oid, n in rows}


def sitemap_rows() -> list[tuple[str, dt.datetime]]:
    """(slug, last modified) of every organisation with a listed group: the latest of its own
    ``updated_at`` and its listed groups' changes and confirmations."""
    latest = sa.func.max(sa.case((Group.updated_at > Group.confirmed_at, Group.updated_at),
                                 else_=Group.confirmed_at))
    rows = db.session.execute(
        sa.select(Organisation.slug, Organisation.updated_at, latest)
        .join(Group, Group.organisation_id == Organisation.id)
        .where(*_listed())
        .group_by(Organisation.id, Organisation.slug, Organisation.updated_at)
        .order_by(Organisation.slug))
    return [(slug, max(d for d in (own, groups) if d is not None)) for slug, own, groups in rows]
