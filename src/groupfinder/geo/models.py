"""The gazetteer (offline places and postcodes) and the online geocoder's cache."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, now_utc
from ..extensions import db


class GazetteerEntry(db.Model):
    """One place or postcode area; loaded from ``data/gazetteer/*.csv.gz``, never edited."""

    __tablename__ = "gazetteer"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2))
    # postcode_sector | postcode_district | zip | place
    kind: Mapped[str] = mapped_column(sa.String(20))
    code: Mapped[str | None] = mapped_column(sa.String(16))
    # lookup key: codes upper case without spaces (sectors keep one space); names folded
    key: Mapped[str] = mapped_column(sa.String(120))
    name: Mapped[str] = mapped_column(sa.String(120))
    admin1: Mapped[str | None] = mapped_column(sa.String(120))
    admin2: Mapped[str | None] = mapped_column(sa.String(120))
    lat: Mapped[float]
    lng: Mapped[float]
    population: Mapped[int | None]
    source: Mapped[str] = mapped_column(sa.String(40))

    __table_args__ = (
        sa.Index("ix_gazetteer_country_key", "country", "key"),
        sa.Index("ix_gazetteer_kind_lat_lng", "kind", "lat", "lng"),
    )


class GeocodeCache(db.Model):
    """Answers of the online geocoder, keyed by the normalised query; never who asked."""

    __tablename__ = "geocode_cache"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # sha256 hex
    provider: Mapped[str] = mapped_column(sa.String(40))
    found: Mapped[bool]
    label: Mapped[str | None] = mapped_column(sa.String(300))
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    hits: Mapped[int] = mapped_column(default=0)
