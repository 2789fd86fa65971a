"""Pending edits of published listings and problem reports (the audit log: ``audit``)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..audit.models import AuditEntry  # noqa: F401  (re-exported: it used to live here)
from ..db import UTCDateTime, now_utc
from ..extensions import db
from ..groups.models import Group


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
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ProblemReport(db.Model):
    """Someone reported a problem with a listing. Holds no reporter identity at all."""

    __tablename__ = "problem_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    group: Mapped[Group] = relationship()
