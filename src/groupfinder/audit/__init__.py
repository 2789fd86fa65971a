"""The audit log: what every feature's services record, and admins read under /review.

Its own package below every feature (it knows listings only by table name), so that groups,
venues, schedules, facilitators, accounts and review can all write to it without depending on
each other. ``audit()`` adds the entry to the caller's transaction; the caller commits.
"""

from __future__ import annotations

from typing import Any

from ..extensions import db
from .actions import AuditAction, label_of
from .models import AuditEntry

__all__ = ["AuditAction", "AuditEntry", "audit", "label_of"]


def audit(action: AuditAction | str, *, by: Any, group: Any = None, subject: Any = None,
          reason: str = "", details: dict[str, Any] | None = None) -> None:
    """Add an audit entry to the current transaction (flush-only). ``action`` must be one of
    ``AuditAction``: a ValueError here is a programming error, caught by the tests."""
    db.session.add(AuditEntry(actor_id=getattr(by, "id", None), action=AuditAction(action).value,
                              group=group, subject_user_id=getattr(subject, "id", None),
                              reason=reason, details=details or {}))
