"""The audit log's one table."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, now_utc
from ..extensions import db

if TYPE_CHECKING:  # named by string below: audit sits under every feature that writes to it
    from ..accounts.models import User
    from ..groups.models import Group


class AuditEntry(db.Model):
    """Who did what to which listing or account, when, and why. Written in the same transaction."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(40))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("groups.id", ondelete="SET NULL"),
                                                 index=True)
    subject_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship("User", foreign_keys=[actor_id])
    subject_user: Mapped[User | None] = relationship("User", foreign_keys=[subject_user_id])
    group: Mapped[Group | None] = relationship("Group")
