"""Every feature's models, imported so the metadata is complete (Alembic, create_all, shell)."""

from .accounts.models import Role, User
from .audit.models import AuditEntry
from .facilitators.models import Facilitator
from .geo.models import GazetteerEntry, GeocodeCache
from .groups.models import (
    Audience,
    Condition,
    Group,
    Language,
    ListingRevision,
    ListingStatus,
    RevisionStatus,
)
from .mail import OutboxMail
from .organisations.models import Invitation, Membership, Organisation
from .readcache import DataGeneration
from .review.models import ProblemReport
from .schedules.models import Cancellation, MeetingChange, Schedule
from .sources.models import Source
from .venues.models import AccessFeature, Venue

__all__ = [
    "AccessFeature", "AuditEntry", "Audience", "DataGeneration", "ListingRevision", "ProblemReport",
    "RevisionStatus", "Cancellation", "Condition", "Facilitator", "GazetteerEntry",
    "GeocodeCache", "Group", "Invitation", "Membership", "Organisation", "Language", "ListingStatus", "MeetingChange", "OutboxMail", "Role", "Schedule", "Source",
    "User", "Venue",
]
