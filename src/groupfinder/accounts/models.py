"""User and roles. Sign-in pages come with the organizers issue; the model is here from day one."""

from __future__ import annotations

import datetime as dt
import enum
import secrets

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, now_utc
from ..extensions import db


class Role(enum.StrEnum):
    organizer = "organizer"
    admin = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, native_enum=False, length=20, validate_strings=True), default=Role.organizer)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    email_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Part of Flask-Login's id: rotating it ends every session of this user.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), default=lambda: secrets.token_urlsafe(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    # The language last used to register, sign in or reset the password: mails that someone
    # else's action or a background job sends this person speak it (``mail.language_of``).
    language: Mapped[str | None] = mapped_column(sa.String(8))

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_enabled

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        """End every existing session of this account (sign-out everywhere, role or password
        change): Flask-Login's id embeds the token, so old cookies stop matching."""
        self.session_token = secrets.token_urlsafe(32)
