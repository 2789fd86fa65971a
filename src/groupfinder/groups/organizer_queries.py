"""Reads for the organizer pages: their own groups, venues and facilitators, and upcoming meetings.

Read-only; exact venue data is fine here because only the owner (or a co-organizer, or an admin)
reaches these pages, and every response carries ``Cache-Control: no-store, private``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..facilitators.models import Facilitator
from ..schedules.models import Schedule
from ..schedules.recurrence import Meeting, next_meetings
from ..schedules.services import group_timezone
from ..venues.models import Venue
from .models import Group, ListingRevision, RevisionStatus, group_organizers


@dataclass(frozen=True)
class GroupRow:
    group: Group
    has_pending_edit: bool
    rejection_reason: str | None


def list_own_groups(user: Any) -> list[GroupRow]:
    """The user's groups and their organisations' groups, with their status, whether an edit
    awaits review, and the reason of the last rejection (of the listing, or of its last edit)."""
    from ..organisations.queries import organisation_ids_of

    theirs = sa.select(group_organizers.c.group_id).where(group_organizers.c.user_id == user.id)
    groups = list(db.session.scalars(
        sa.select(Group).where(sa.or_(Group.id.in_(theirs),
                                      Group.organisation_id.in_(organisation_ids_of(user))))
        .options(selectinload(Group.schedules), selectinload(Group.organisation))
        .order_by(Group.name, Group.id)))
    ids = [g.id for g in groups]
    latest: dict[int, ListingRevision] = {}
    if ids:
        for rev in db.session.scalars(sa.select(ListingRevision).where(
                ListingRevision.group_id.in_(ids),
                ListingRevision.status != RevisionStatus.withdrawn).order_by(ListingRevision.id)):
            latest[rev.group_id] = rev
    rows = []
    for g in groups:
        rev = latest.get(g.id)
        pending = rev is not None and rev.status == RevisionStatus.pending
        reason = None
        if g.status == "rejected":
            reason = g.review_reason or _("No reason was given.")
        elif rev is not None and rev.status == RevisionStatus.rejected:
            reason = rev.reason or g.review_reason or _("No reason was given.")
        rows.append(GroupRow(g, pending, reason))
    return rows


def list_own(model: type, user: Any) -> list[Any]:
    """Their own and their teams' (``permissions.team_scope``)."""
    from ..permissions import team_scope

    return list(db.session.scalars(sa.select(model).where(team_scope(model, user))
                                   .order_by(model.name, model.id)))


def list_own_venues(user: Any) -> list[Venue]:
    return list_own(Venue, user)


def list_own_facilitators(user: Any) -> list[Facilitator]:
    return list_own(Facilitator, user)


@dataclass(frozen=True)
class MeetingRow:
    schedule: Schedule
    meeting: Meeting

    @property
    def key(self) -> str:
        return f"{self.schedule.id}|{self.meeting.original_start.isoformat()}"


def list_upcoming_meetings(group: Group, now: dt.datetime, count: int = 12) -> list[MeetingRow]:
    """The next ``count`` meetings over all schedules, exact (not the public view): cancelled
    and moved ones included and marked."""
    if group.venue is None:
        return []
    zone = group_timezone(group)
    rows = [MeetingRow(s, m) for s in group.schedules
            for m in next_meetings(s.spec(zone), now, count, s.exceptions())]
    rows.sort(key=lambda r: (r.meeting.starts_at.astimezone(dt.UTC), r.meeting.original_start))
    return rows[:count]
