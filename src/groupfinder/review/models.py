"""Problem reports. (Pending edits live with listings in ``groups.models``; the audit log in
``audit``; both re-exported here, where they used to live.)"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..audit.models import AuditEntry  # noqa: F401  (re-exported: it used to live here)
from ..db import UTCDateTime, now_utc
from ..extensions import db
from ..groups.models import Group, ListingRevision, RevisionStatus  # noqa: F401  (re-exported)


class ProblemReport(db.Model):
    """Someone reported a problem with a listing. Holds no reporter identity at all."""

    __tablename__ = "problem_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    # For "did not happen": the meeting's local date (which one was missed).
    meeting_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now_utc)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    group: Mapped[Group] = relationship()
