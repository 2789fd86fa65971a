"""Group, its controlled vocabularies, listing status, and a published listing's pending edit."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, now_utc
from ..extensions import db
from ..facilitators.models import Facilitator
from ..organisations.models import Organisation
from ..sources.models import Source
from ..venues.models import AccessFeature, Venue
from . import search_masks  # noqa: F401  (its flush hook keeps the search masks)

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..schedules.models import Schedule


class ListingStatus(enum.StrEnum):
    draft = "draft"
    pending_review = "pending_review"
    published = "published"
    rejected = "rejected"
    archived = "archived"

    @property
    def label(self) -> str:
        """The words organizers and admins both read (one table, so they never disagree), in the
        request's language (English outside one)."""
        return gettext(STATUS_LABELS[self])


def N_(message: str) -> str:
    """Marks ``message`` for the catalogues; ``ListingStatus.label`` translates it when read."""
    return message


STATUS_LABELS: dict[ListingStatus, str] = {
    ListingStatus.draft: N_("Draft"),
    ListingStatus.pending_review: N_("Waiting for review"),
    ListingStatus.published: N_("Published"),
    ListingStatus.rejected: N_("Not approved"),
    ListingStatus.archived: N_("Archived"),
}


def status_label(status: str) -> str:
    try:
        return ListingStatus(status).label
    except ValueError:
        return str(status)


def _link(name: str, left: str, right: str, right_table: str) -> sa.Table:
    return sa.Table(
        name,
        db.metadata,
        sa.Column(left, sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(right, sa.ForeignKey(f"{right_table}.id", ondelete="CASCADE"), primary_key=True,
                  index=True),
    )


group_conditions = _link("group_conditions", "group_id", "condition_id", "conditions")
group_audiences = _link("group_audiences", "group_id", "audience_id", "audiences")
group_languages = _link("group_languages", "group_id", "language_id", "languages")
group_access = _link("group_access_features", "group_id", "access_feature_id", "access_features")
group_facilitators = _link("group_facilitators", "group_id", "facilitator_id", "facilitators")
group_organizers = _link("group_organizers", "group_id", "user_id", "users")


class _Vocabulary:
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))


class Condition(_Vocabulary, db.Model):
    __tablename__ = "conditions"
    description: Mapped[str] = mapped_column(sa.String(300), default="")


class Audience(_Vocabulary, db.Model):
    __tablename__ = "audiences"
    description: Mapped[str] = mapped_column(sa.String(300), default="")


class Language(_Vocabulary, db.Model):
    """``slug`` is a BCP 47 tag."""

    __tablename__ = "languages"


class Group(db.Model):
    """A listing. ``public_*`` and ``area_name`` are decided by ``privacy`` and stored once."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    what_to_expect: Mapped[str] = mapped_column(sa.Text, default="")
    cost: Mapped[str] = mapped_column(sa.String(120), default="Free")
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    status: Mapped[ListingStatus] = mapped_column(
        sa.Enum(ListingStatus, native_enum=False, length=20, validate_strings=True),
        default=ListingStatus.draft)
    is_sensitive: Mapped[bool] = mapped_column(default=False)
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venues.id", ondelete="RESTRICT"))
    # The organisation that runs the listing; its team manages it together (permissions).
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    # Provenance (interop.sources): the feed the listing came from, its key there, and a hash
    # of the listing as that feed last made it (a different hash now: edited here since).
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sources.id", ondelete="SET NULL"))
    source_key: Mapped[str | None] = mapped_column(sa.String(100))
    source_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # The public location: the venue's point, or for a sensitive group its H3 cell's centre.
    public_lat: Mapped[float | None]
    public_lng: Mapped[float | None]
    public_cell: Mapped[str | None] = mapped_column(sa.String(20))
    area_name: Mapped[str | None] = mapped_column(sa.String(120))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The admin's reason when the listing (or its last edit) was rejected; shown to organizers.
    review_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # Freshness (groups.freshness): when an organizer (or its source's refresh) last said the
    # details are right; set when nobody answered two reminders ("may be out of date"); set
    # when it then left search results. Public: pages, API, feeds and exports show them.
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    out_of_date_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    hidden_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Derived for search's condition and day filters, kept by groups.search_masks on every
    # flush; in the search index so a filtered search reads only the index.
    search_conditions: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    search_days_open: Mapped[int] = mapped_column(default=0, server_default="0")
    search_days_ending: Mapped[int] = mapped_column(default=0, server_default="0")

    venue: Mapped[Venue | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    source: Mapped[Source | None] = relationship()
    conditions: Mapped[list[Condition]] = relationship(
        secondary=group_conditions, order_by=Condition.slug)
    audiences: Mapped[list[Audience]] = relationship(
        secondary=group_audiences, order_by=Audience.slug)
    languages: Mapped[list[Language]] = relationship(
        secondary=group_languages, order_by=Language.slug)
    access_features: Mapped[list[AccessFeature]] = relationship(
        secondary=group_access, order_by=AccessFeature.slug)
    facilitators: Mapped[list[Facilitator]] = relationship(
        secondary=group_facilitators, order_by=Facilitator.name)
    organizers: Mapped[list[User]] = relationship(secondary=group_organizers)
    schedules: Mapped[list[Schedule]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="Schedule.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # Nearest-first search: expanding bounding box over the public point (docs/geo.md §3.6),
        # covering every column the search's common filters read (groups.search_masks).
        sa.Index("ix_groups_search", "status", "public_lat", "public_lng", "hidden_since",
                 "search_conditions", "search_days_open", "search_days_ending", "id"),
    )


# One listing per entry of a source (the entry's key is the feed's primary key).
sa.Index("uq_groups_source_id_source_key", Group.source_id, Group.source_key, unique=True)


class ListingReminder(db.Model):
    """The reminders sent since a listing was last confirmed. Private bookkeeping, in its own
    row so that sending a reminder neither bumps the listing's version (an organizer's open
    edit form stays valid) nor counts as a public change."""

    __tablename__ = "listing_reminders"

    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    sent: Mapped[int] = mapped_column(default=0)
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Asked for before the usual time (reports that meetings did not happen).
    requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group] = relationship()


class RevisionStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"


class ListingRevision(db.Model):
    """An edit of a published group's content or location, waiting for an admin.

    The group keeps showing its last approved version until this is approved; ``proposed`` holds
    the complete proposed listing (``groups.services.ListingData`` as JSON).
    """

    __tablename__ = "listing_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    proposed: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[RevisionStatus] = mapped_column(
        sa.Enum(RevisionStatus, native_enum=False, length=20, validate_strings=True),
        default=RevisionStatus.pending)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")

    group: Mapped[Group] = relationship()
    submitted_by: Mapped[User | None] = relationship("User", foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship("User", foreign_keys=[decided_by_id])
