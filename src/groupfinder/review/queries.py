"""Read-only queries for the admin review pages: the queue, a listing's diff, the audit log,
problem reports, accounts and the listings' freshness.

Admin-only: unlike every public output, these show exact venue addresses and account emails.
Nothing here may be used by a public page. Each query loads what its page shows in a fixed
number of statements, however many rows there are.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.models import Role, User
from ..audit import AuditAction, AuditEntry, label_of
from ..exceptions import NotFound
from ..extensions import db
from ..facilitators.models import Facilitator
from ..groups.freshness import Facts, Freshness, Policy
from ..groups.freshness import state as freshness_state
from ..groups.models import (
    Audience,
    Condition,
    Group,
    Language,
    ListingReminder,
    ListingStatus,
)
from ..groups.services import ListingData
from ..i18n import term_text
from ..localization import current_language
from ..organisations.models import Organisation
from ..venues.models import AccessFeature, Venue
from .models import ListingRevision, ProblemReport, RevisionStatus

FIELD_LABELS: dict[str, Any] = {  # lazy: read with field_label()
    "name": _l("Name"),
    "description": _l("Description"),
    "what_to_expect": _l("What to expect"),
    "cost": _l("Cost"),
    "contact_email": _l("Contact email"),
    "website": _l("Website"),
    "conditions": _l("Topics"),
    "audiences": _l("Who it's for"),
    "languages": _l("Languages"),
    "access": _l("Accessibility"),
    "is_sensitive": _l("Sensitive (exact address hidden from the public)"),
    "area_name": _l("Public area name"),
    "venue_id": _l("Venue"),
    "facilitator_ids": _l("Facilitators"),
    "organisation_id": _l("Organisation"),
}



_TERM_KINDS = {"conditions": "condition", "audiences": "audience", "languages": "language",
               "access": "access"}
_SET_FIELDS = {"conditions", "audiences", "languages", "access", "facilitator_ids"}
_VOCABULARIES: dict[str, type] = {
    "conditions": Condition, "audiences": Audience, "languages": Language, "access": AccessFeature,
}


def field_label(name: str) -> str:
    """A listing field's label in the page's language."""
    return str(FIELD_LABELS[name])


def action_label(action: str) -> str:
    return label_of(action)


# --- the queue ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueItem:
    """A new listing (``revision`` is None) or an edit of a published one, waiting for review."""

    group: Group
    revision: ListingRevision | None
    submitted_at: dt.datetime
    changed: list[str]  # field labels an edit changes; empty for a new listing

    @property
    def kind(self) -> str:
        return "new" if self.revision is None else "edit"


def _normalized(data: ListingData, name: str) -> Any:
    value = getattr(data, name)
    if name in _SET_FIELDS:
        return frozenset(value or ())
    if isinstance(value, str):
        return value.strip()
    return value


def changed_fields(before: ListingData, after: ListingData) -> list[str]:
    """Names of the ``ListingData`` fields that differ (order of many-valued fields ignored)."""
    return [f.name for f in fields(ListingData)
            if _normalized(before, f.name) != _normalized(after, f.name)
            # an edit stored before organisations existed keeps the organisation
            and not (f.name == "organisation_id" and after.organisation_id is None)]


def list_queue() -> list[QueueItem]:
    """Listings waiting for review, oldest submission first: new listings (``pending_review``)
    and published listings with a pending edit. Four statements plus one per loaded relation."""
    submitted = (sa.select(sa.func.max(AuditEntry.at))
                 .where(AuditEntry.group_id == Group.id, AuditEntry.action == AuditAction.group_submitted)
                 .correlate(Group).scalar_subquery())
    new_rows = db.session.execute(
        sa.select(Group, submitted.label("submitted_at"))
        .where(Group.status == ListingStatus.pending_review)
        .options(selectinload(Group.organizers), selectinload(Group.venue))).all()
    items = [QueueItem(group, None, submitted_at or group.updated_at, [])
             for group, submitted_at in new_rows]
    revisions = db.session.scalars(
        sa.select(ListingRevision)
        .join(Group, Group.id == ListingRevision.group_id)
        .where(ListingRevision.status == RevisionStatus.pending,
               Group.status == ListingStatus.published)
        .options(selectinload(ListingRevision.submitted_by),
                 selectinload(ListingRevision.group).options(
                     selectinload(Group.organizers), selectinload(Group.venue),
                     selectinload(Group.conditions), selectinload(Group.audiences),
                     selectinload(Group.languages), selectinload(Group.access_features),
                     selectinload(Group.facilitators)))).all()
    for revision in revisions:
        changed = changed_fields(ListingData.of(revision.group),
                                 ListingData.from_json(revision.proposed))
        items.append(QueueItem(revision.group, revision, revision.submitted_at,
                               [field_label(name) for name in changed]))
    items.sort(key=lambda item: (item.submitted_at, item.group.id))
    return items


# --- one listing: details and diff -------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _venue_text(venue: Venue | None) -> str:
    # Admins review the exact place; never reuse this for a public output.
    if venue is None:
        return _("No venue yet")
    parts = [venue.name, venue.address, venue.town, venue.postcode]
    return ", ".join(p for p in parts if p)


class _Names:
    """Every name a set of listings refers to, loaded in one statement per kind."""

    def __init__(self, listings: Iterable[ListingData]) -> None:
        listings = list(listings)
        self.vocab: dict[str, dict[str, str]] = {}
        for name, model in _VOCABULARIES.items():
            slugs = {s for data in listings for s in getattr(data, name)}
            self.vocab[name] = dict(db.session.execute(
                sa.select(model.slug, model.name).where(model.slug.in_(slugs))).all()) \
                if slugs else {}
        venue_ids = {data.venue_id for data in listings if data.venue_id is not None}
        self.venues = {v.id: v for v in db.session.scalars(
            sa.select(Venue).where(Venue.id.in_(venue_ids)))} if venue_ids else {}
        person_ids = {i for data in listings for i in data.facilitator_ids}
        self.people = dict(db.session.execute(
            sa.select(Facilitator.id, Facilitator.name).where(Facilitator.id.in_(person_ids)))
            .all()) if person_ids else {}
        org_ids = {data.organisation_id for data in listings if data.organisation_id is not None}
        self.organisations = dict(db.session.execute(
            sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids)))
            .all()) if org_ids else {}

    def text(self, data: ListingData, name: str) -> str:
        value = getattr(data, name)
        if name in _VOCABULARIES:
            kind = _TERM_KINDS[name]
            language = current_language()
            names = sorted(term_text(language, kind, s, self.vocab[name][s])
                           if s in self.vocab[name] else _("%(slug)s (unknown)", slug=s)
                           for s in value)
            return ", ".join(names) or _("None")
        if name == "facilitator_ids":
            return ", ".join(sorted(self.people[i] if i in self.people else _("#%(id)s (removed)", id=i)
                                    for i in value)) or _("None")
        if name == "venue_id":
            if value is None:
                return _("No venue yet")
            venue = self.venues.get(value)
            return _venue_text(venue) if venue else _("#%(id)s (removed)", id=value)
        if name == "is_sensitive":
            return _("Yes") if value else _("No")
        if name == "organisation_id" and value is not None:
            return (self.organisations[value] if value in self.organisations
                    else _("#%(id)s (removed)", id=value))
        if value is None or (isinstance(value, str) and not value.strip()):
            return _("None")
        return str(value).strip()


def describe_listing(data: ListingData) -> list[tuple[str, str]]:
    """Every field of a listing as (label, text) for an admin: names, not slugs or ids."""
    names = _Names([data])
    return [(field_label(f.name), names.text(data, f.name)) for f in fields(ListingData)]


def diff_listing(group: Group, revision: ListingRevision) -> list[Change]:
    """What ``revision`` would change on ``group``'s published version, field by field."""
    before, after = ListingData.of(group), ListingData.from_json(revision.proposed)
    changed = changed_fields(before, after)
    if not changed:
        return []
    names = _Names([before, after])
    return [Change(field_label(name), names.text(before, name), names.text(after, name))
            for name in changed]


def privacy_flags(data: ListingData) -> list[str]:
    """What a reviewer must know about where ``data`` meets (the review diff shows these)."""
    from ..venues.places import same_place

    if data.venue_id is None:
        return []
    venue = db.session.get(Venue, data.venue_id)
    if venue is None:
        return []
    flags = []
    place = same_place(db.session, venue)
    if data.is_sensitive and any(v.address_was_public for v in place):
        flags.append(_("This venue's exact address was public before it became private: people "
                       "may already have copied it. Consider asking the organizer to choose "
                       "another venue for this sensitive group."))
    if not data.is_sensitive and any(v.is_private for v in place):
        flags.append(_("A sensitive group also meets at this place, so this listing shows only "
                       "the area."))
    if any(v.is_private for v in place) or data.is_sensitive:
        from .. import privacy

        named = [field_label(name) for name in ("name", "description", "what_to_expect")
                 if privacy.public_text_problems(getattr(data, name) or "", place)]
        if named:
            flags.append(_("%(fields)s: names or locates this private place (its name, street, "
                           "postcode or a nearby point). Ask the organizer to take it out.",
                           fields=", ".join(named)))
    return flags


@dataclass(frozen=True)
class PrivatePlace:
    """A private place for the admin's page: its venue records and the listings there."""

    venues: list[Venue]
    groups: list[Group]
    still_sensitive: bool

    @property
    def venue(self) -> Venue:
        return self.venues[0]


def list_private_places(limit: int = 300) -> list[PrivatePlace]:
    """Private places, those no sensitive listing uses any more first (they may be released)."""
    from ..venues.places import same_place, sensitive_uses

    venues = db.session.scalars(sa.select(Venue).where(Venue.is_private)
                                .order_by(Venue.town, Venue.name, Venue.id).limit(limit)).all()
    seen: set[int] = set()
    out = []
    for venue in venues:
        if venue.id in seen:
            continue
        place = [v for v in same_place(db.session, venue) if v.is_private]
        seen |= {v.id for v in place}
        ids = [v.id for v in place]
        groups = db.session.scalars(sa.select(Group).where(Group.venue_id.in_(ids))
                                    .order_by(Group.name, Group.id)).all()
        out.append(PrivatePlace(place, list(groups), bool(sensitive_uses(db.session, ids))))
    return sorted(out, key=lambda p: p.still_sensitive)


def get_review_group(group_id: int) -> Group:
    """Any listing, whatever its status, with what its review page shows; ``NotFound`` if none."""
    group = db.session.scalar(sa.select(Group).where(Group.id == group_id).options(
        selectinload(Group.organizers), selectinload(Group.venue), selectinload(Group.schedules),
        selectinload(Group.conditions), selectinload(Group.audiences),
        selectinload(Group.languages), selectinload(Group.access_features),
        selectinload(Group.facilitators)))
    if group is None:
        raise NotFound(_("There is no listing with that number."))
    return group


def list_groups(status: ListingStatus | None, *, limit: int = 200) -> list[Group]:
    """Listings of one status (or all), most recently changed first, for finding one to act on."""
    stmt = (sa.select(Group).options(selectinload(Group.organizers), selectinload(Group.venue))
            .order_by(Group.updated_at.desc(), Group.id.desc()).limit(limit))
    if status is not None:
        stmt = stmt.where(Group.status == status)
    return list(db.session.scalars(stmt))


# --- audit log ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilters:
    group_id: int | None = None
    action: str | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def list_audit(page: int = 1, filters: AuditFilters | None = None, *,
               per_page: int = 50) -> AuditPage:
    """One page of the audit log, newest first (ties by id), with actor, subject and listing
    loaded. A page past the end is empty, not an error."""
    filters = filters or AuditFilters()
    page = max(1, page)
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.group_id is not None:
        conditions.append(AuditEntry.group_id == filters.group_id)
    if filters.action:
        conditions.append(AuditEntry.action == filters.action)
    total = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(*conditions)) or 0
    entries = list(db.session.scalars(
        sa.select(AuditEntry).where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
        .options(selectinload(AuditEntry.actor), selectinload(AuditEntry.subject_user),
                 selectinload(AuditEntry.group))))
    return AuditPage(entries, page, per_page, total)


def list_audit_actions() -> list[str]:
    """Every action recorded so far plus the known ones, for the filter's choices."""
    seen = set(db.session.scalars(sa.select(AuditEntry.action).distinct()))
    return sorted(seen | {a.value for a in AuditAction}, key=action_label)


# --- problem reports and accounts --------------------------------------------------------------

def list_reports(open_only: bool = True) -> list[ProblemReport]:
    """Problem reports, newest first, with their listing loaded."""
    stmt = (sa.select(ProblemReport).options(selectinload(ProblemReport.group))
            .order_by(ProblemReport.created_at.desc(), ProblemReport.id.desc()))
    if open_only:
        stmt = stmt.where(ProblemReport.resolved_at.is_(None))
    return list(db.session.scalars(stmt))


def get_report(report_id: int) -> ProblemReport:
    report = db.session.get(ProblemReport, report_id)
    if report is None:
        raise NotFound(_("There is no problem report with that number."))
    return report


def list_users() -> list[User]:
    """Every account, admins first, then by email."""
    return list(db.session.scalars(
        sa.select(User).order_by(sa.case((User.role == Role.admin, 0), else_=1), User.email)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no account with that number."))
    return user



# --- freshness: which published listings nobody has confirmed lately ----------------------------

STALE_LIMIT = 200


@dataclass(frozen=True)
class Organizer:
    user: User
    last_active_at: dt.datetime | None  # the newest audit entry they wrote, of any kind


@dataclass(frozen=True)
class StaleListing:
    """A published listing that is "may be out of date" or hidden from search."""

    group: Group
    state: Freshness
    organizers: list[Organizer]


@dataclass(frozen=True)
class FreshnessOverview:
    counts: dict[Freshness, int]  # every state, zero included
    stale: list[StaleListing]     # out of date or hidden, oldest confirmation first, capped
    limit: int

    @property
    def stale_total(self) -> int:
        return self.counts[Freshness.out_of_date] + self.counts[Freshness.hidden]

    @property
    def capped(self) -> bool:
        return self.stale_total > len(self.stale)


def freshness_counts(now: dt.datetime, policy: Policy) -> dict[Freshness, int]:
    """Published listings per state. One statement over the few columns ``freshness.state``
    reads (the listing's three dates and its reminder row), decided by ``state`` itself so this
    page and the daily run never disagree about what "due" means."""
    counts = dict.fromkeys(Freshness, 0)
    rows = db.session.execute(
        sa.select(Group.confirmed_at, Group.out_of_date_since, Group.hidden_since,
                  ListingReminder.sent, ListingReminder.last_sent_at, ListingReminder.requested_at)
        .outerjoin(ListingReminder, ListingReminder.group_id == Group.id)
        .where(Group.status == ListingStatus.published))
    for row in rows:
        facts = Facts(confirmed_at=row.confirmed_at, reminders_sent=row.sent or 0,
                      last_reminded_at=row.last_sent_at, requested_at=row.requested_at,
                      out_of_date_since=row.out_of_date_since, hidden_since=row.hidden_since)
        counts[freshness_state(facts, now, policy)] += 1
    return counts


def last_activity(user_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each of these accounts last did anything the audit log records (one statement);
    accounts that never did are absent."""
    ids = set(user_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(AuditEntry.actor_id, sa.func.max(AuditEntry.at))
        .where(AuditEntry.actor_id.in_(ids)).group_by(AuditEntry.actor_id)).all())


def freshness_overview(now: dt.datetime, policy: Policy, *,
                       limit: int = STALE_LIMIT) -> FreshnessOverview:
    """The counts, and the out-of-date and hidden listings (at most ``limit``, oldest
    confirmation first) with their organizers' last activity. Four statements."""
    counts = freshness_counts(now, policy)
    groups = list(db.session.scalars(
        sa.select(Group)
        .where(Group.status == ListingStatus.published,
               sa.or_(Group.out_of_date_since.is_not(None), Group.hidden_since.is_not(None)))
        .order_by(Group.confirmed_at, Group.id).limit(limit)
        .options(selectinload(Group.organizers))))
    active = last_activity(u.id for g in groups for u in g.organizers)
    stale = [StaleListing(g, Freshness.hidden if g.hidden_since else Freshness.out_of_date,
                          [Organizer(u, active.get(u.id))
                           for u in sorted(g.organizers, key=lambda u: u.id)])
             for g in groups]
    return FreshnessOverview(counts, stale, limit)
