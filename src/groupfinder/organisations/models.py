"""Organisation, its team (memberships with roles) and pending invitations."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, now_utc
from ..extensions import db

if TYPE_CHECKING:
    from ..accounts.models import User


class MemberRole(enum.StrEnum):
    """``owner`` manages the team and the organisation's details; ``member`` manages its groups."""

    owner = "owner"
    member = "member"


class Organisation(db.Model):
    """Public: name, description and website are shown on its page, feeds, HSDS and schema.org."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    website: Mapped[str | None] = mapped_column(sa.String(300))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Membership.user_id")

    __mapper_args__ = {"version_id_col": version}


class Membership(db.Model):
    __tablename__ = "organisation_members"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[MemberRole] = mapped_column(
        sa.Enum(MemberRole, native_enum=False, length=20, validate_strings=True),
        default=MemberRole.member)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class Invitation(db.Model):
    """An emailed invitation to join a team. Only a hash of the token is stored; the address is
    private (never shown to anyone but the organisation's owners)."""

    __tablename__ = "organisation_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[MemberRole] = mapped_column(
        sa.Enum(MemberRole, native_enum=False, length=20, validate_strings=True),
        default=MemberRole.member)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
