"""A listing source: a Meeting Guide JSON feed (URL or file) that ``interop.sources`` refreshes.

Public: its name and when it was last refreshed are shown on each listing that came from it
(provenance). Private: the address it is read from, the HTTP validators and the last report
(operators read them with ``groupfinder sources list``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, now_utc
from ..extensions import db
from ..organisations.models import Organisation


class Source(db.Model):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # An http(s) URL or a path on this machine.
    url: Mapped[str] = mapped_column(sa.String(500))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    # The condition given to an entry whose types name none (Meeting Guide has no such field).
    default_condition: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    # The last refresh that wrote (a no-change refresh soon after another writes nothing).
    last_refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_result: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # HTTP validators of the last fetched document, for a conditional GET.
    etag: Mapped[str | None] = mapped_column(sa.String(200))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))

    organisation: Mapped[Organisation | None] = relationship()
