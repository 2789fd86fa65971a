"""Every audit action, with the words an admin reads for it (in the request's language; English
outside one).

One table, so that a new action can't be written without a label (a test checks every member
has one) and the audit log's filter lists them all.
"""

from __future__ import annotations

import enum

from flask_babel import gettext


def N_(message: str) -> str:
    """Marks ``message`` for the catalogues; ``label`` translates it when read."""
    return message


class AuditAction(enum.StrEnum):
    group_created = "group.created"
    group_edited = "group.edited"
    group_submitted = "group.submitted"
    group_made_sensitive = "group.made_sensitive"
    group_co_organizer_added = "group.co_organizer_added"
    group_imported = "group.imported"
    group_published = "group.published"
    group_confirmed = "group.confirmed"
    group_flagged_out_of_date = "group.flagged_out_of_date"
    group_hidden_unconfirmed = "group.hidden_unconfirmed"
    import_applied = "import.applied"
    source_added = "source.added"
    source_refreshed = "source.refreshed"
    schedule_added = "schedule.added"
    schedule_edited = "schedule.edited"
    schedule_deleted = "schedule.deleted"
    venue_created = "venue.created"
    venue_edited = "venue.edited"
    venue_made_public = "venue.made_public"
    facilitator_created = "facilitator.created"
    facilitator_edited = "facilitator.edited"
    review_approved_listing = "review.approved_listing"
    review_approved_edit = "review.approved_edit"
    review_rejected_listing = "review.rejected_listing"
    review_rejected_edit = "review.rejected_edit"
    review_archived = "review.archived"
    review_restored = "review.restored"
    account_role_changed = "account.role_changed"
    account_admin_created = "account.admin_created"
    report_resolved = "report.resolved"
    organisation_created = "organisation.created"
    organisation_edited = "organisation.edited"
    organisation_invited = "organisation.invited"
    organisation_joined = "organisation.joined"
    organisation_role_changed = "organisation.role_changed"
    organisation_member_removed = "organisation.member_removed"
    organisation_member_left = "organisation.member_left"

    @property
    def label(self) -> str:
        return gettext(LABELS[self])


LABELS: dict[AuditAction, str] = {
    AuditAction.group_created: N_("Created a listing"),
    AuditAction.group_edited: N_("Edited a listing"),
    AuditAction.group_submitted: N_("Submitted a listing for review"),
    AuditAction.group_made_sensitive: N_("Hid a listing's exact address"),
    AuditAction.group_co_organizer_added: N_("Added a co-organizer"),
    AuditAction.group_imported: N_("Imported a listing"),
    AuditAction.group_published: N_("Published a listing directly (no review)"),
    AuditAction.group_confirmed: N_("Confirmed a listing is still correct"),
    AuditAction.group_flagged_out_of_date: N_("Marked a listing \"may be out of date\" (no answer to two reminders)"),
    AuditAction.group_hidden_unconfirmed: N_("Took an unconfirmed listing out of search results"),
    AuditAction.import_applied: N_("Imported a file of listings"),
    AuditAction.source_added: N_("Added a listing source (a Meeting Guide feed)"),
    AuditAction.source_refreshed: N_("Refreshed the listings of a source"),
    AuditAction.schedule_added: N_("Added meeting times"),
    AuditAction.schedule_edited: N_("Changed meeting times"),
    AuditAction.schedule_deleted: N_("Deleted meeting times"),
    AuditAction.venue_created: N_("Added a venue"),
    AuditAction.venue_edited: N_("Edited a venue"),
    AuditAction.venue_made_public: N_("Showed a private place's address again"),
    AuditAction.facilitator_created: N_("Added a facilitator"),
    AuditAction.facilitator_edited: N_("Edited a facilitator"),
    AuditAction.review_approved_listing: N_("Approved a new listing (published)"),
    AuditAction.review_approved_edit: N_("Approved an edit (published)"),
    AuditAction.review_rejected_listing: N_("Rejected a new listing"),
    AuditAction.review_rejected_edit: N_("Rejected an edit"),
    AuditAction.review_archived: N_("Archived a listing"),
    AuditAction.review_restored: N_("Restored a listing (to draft)"),
    AuditAction.account_role_changed: N_("Changed an account's role"),
    AuditAction.account_admin_created: N_("Created or promoted an admin account"),
    AuditAction.report_resolved: N_("Resolved a problem report"),
    AuditAction.organisation_created: N_("Created an organisation"),
    AuditAction.organisation_edited: N_("Edited an organisation's details"),
    AuditAction.organisation_invited: N_("Invited someone to an organisation's team"),
    AuditAction.organisation_joined: N_("Joined an organisation's team (accepted an invitation)"),
    AuditAction.organisation_role_changed: N_("Changed a team member's role"),
    AuditAction.organisation_member_removed: N_("Removed someone from an organisation's team"),
    AuditAction.organisation_member_left: N_("Left an organisation's team"),
}


def label_of(action: str) -> str:
    """The words for a stored action; an unknown one (from an older release) as it is."""
    try:
        return AuditAction(action).label
    except ValueError:
        return action
