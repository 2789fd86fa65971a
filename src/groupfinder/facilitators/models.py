"""Facilitator."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, now_utc
from ..extensions import db


class Facilitator(db.Model):
    """Public: name and bio. ``email``/``phone`` are private unless ``show_*`` is set."""

    __tablename__ = "facilitators"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(120))
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    show_email: Mapped[bool] = mapped_column(default=False)
    show_phone: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    __mapper_args__ = {"version_id_col": version}
