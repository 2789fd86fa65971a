"""Venue and accessibility features."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, now_utc
from ..extensions import db

if TYPE_CHECKING:
    from ..accounts.models import User

venue_access = sa.Table(
    "venue_access_features",
    db.metadata,
    sa.Column("venue_id", sa.ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("access_feature_id", sa.ForeignKey("access_features.id", ondelete="CASCADE"),
              primary_key=True),
)


class AccessFeature(db.Model):
    """Controlled vocabulary; ``scope`` says whether a venue or a group holds it."""

    __tablename__ = "access_features"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    scope: Mapped[str] = mapped_column(sa.String(10), default="venue")  # venue | group


class Venue(db.Model):
    """A place; its exact address and point are read only through ``privacy`` for the public.

    ``is_private``: the place hosts (or has hosted) a sensitive listing, so every listing that
    meets here shows only its area; set by ``venues.places`` as soon as a sensitive listing
    points here, cleared only by an admin. ``address_was_public``: a published listing showed the
    exact address before the place became private (people may have copied it).
    """

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(300))
    postcode: Mapped[str] = mapped_column(sa.String(16), default="")
    town: Mapped[str] = mapped_column(sa.String(120))
    country: Mapped[str] = mapped_column(sa.String(2))
    # ISO 3166-2 ("US-TX", "GB-SCT"), checked against the postcode's by ``venues.services``;
    # "" only where the gazetteer knows none (a Crown dependency, or no data loaded yet).
    region: Mapped[str] = mapped_column(sa.String(6), default="", server_default="")
    latitude: Mapped[float]
    longitude: Mapped[float]
    timezone: Mapped[str] = mapped_column(sa.String(64))
    timezone_overridden: Mapped[bool] = mapped_column(default=False)
    is_private: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    address_was_public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    access_features: Mapped[list[AccessFeature]] = relationship(
        secondary=venue_access, order_by=AccessFeature.slug)
    owner: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
    )
