"""Admin decisions: approve or reject listings and edits, archive and restore, roles; problem
reports from anyone. Each is one transaction with its audit entry; mail goes out after commit,
one message per recipient (nobody sees anyone else's address).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import mail
from ..accounts.models import Role, User
from ..audit import audit
from ..db import now_utc
from ..exceptions import InvalidInput, NotFound
from ..extensions import db
from ..groups.confirmation import mark_confirmed, request_confirmation
from ..groups.models import Group, ListingStatus
from ..groups.queries import find_pending_revision, recent_meetings
from ..groups.services import ListingData, apply_listing, check_listing_version
from ..schedules.recurrence import Meeting
from ..schedules.words import describe_meeting
from ..transactions import conflicts, transaction
from ..urls import absolute_url
from .models import ListingRevision, ProblemReport, RevisionStatus

log = logging.getLogger(__name__)



def N_(message: str) -> str:
    """Marks ``message`` for the catalogues; it is translated where it is shown."""
    return message


# Marked, not translated here: forms, pages and each reader's mail translate the words.
REPORT_KINDS = {
    "did_not_happen": N_("A meeting didn't happen"),
    "details_wrong": N_("The details are wrong"),
    "closed": N_("The group has closed"),
    "safety": N_("A safety or privacy concern"),
    "other": N_("Something else"),
}


def _reason(text: str, *, required: bool) -> str:
    reason = " ".join((text or "").split())
    if required and not reason:
        raise InvalidInput(_("Give a reason: the organizer will see it."),
                           field_errors={"reason": [_("Give a reason: the organizer will see it.")]})
    if len(reason) > 500:
        raise InvalidInput(field_errors={"reason": [_("Keep it under 500 characters.")]})
    return reason


def _tell_organizers(group: Group, write: Callable[[], tuple[str, str]]) -> None:
    """Queued in the decision's transaction: sent if and only if the decision commits. Each
    organizer reads it in their own language: ``write`` makes the subject and body in it."""
    for organizer in group.organizers:
        with mail.speaking(mail.language_of(organizer)):
            subject, body = write()
        mail.send(organizer.email, subject, body)


def _approved_mail(group: Group, what: str, note: str) -> tuple[str, str]:
    if what == "listing":
        news = _('Your listing "%(name)s" is now public.', name=group.name)
    else:
        news = _('Your changes to "%(name)s" are now public.', name=group.name)
    body = f"{news}\n\n{absolute_url('groups.detail', group_id=group.id, slug=group.slug)}\n"
    if note:
        body += "\n" + _("Note from the reviewer: %(note)s", note=note) + "\n"
    return _("Approved: %(name)s", name=group.name), body


def _rejected_mail(group: Group, what: str, note: str) -> tuple[str, str]:
    if what == "listing":
        news = _('An admin could not approve your listing "%(name)s".', name=group.name)
    else:
        news = _('An admin could not approve your changes to "%(name)s".', name=group.name)
    body = (f"{news}\n\n" + _("Reason: %(reason)s", reason=note) + "\n\n"
            + _("You can edit and submit again from your dashboard: %(url)s",
                url=absolute_url("manage.dashboard"))
            + "\n")
    return _("Changes needed: %(name)s", name=group.name), body


def _problem_mail(group: Group, kind: str, text: str, missed: Meeting | None,
                  language: str) -> tuple[str, str]:
    when = ""
    if missed is not None:
        meeting = describe_meeting(missed, clock=current_app.config["CLOCK"], language=language)
        when = "\n" + _("Meeting: %(meeting)s", meeting=meeting) + "\n"
    body = (_('Someone reported a problem with "%(name)s": %(problem)s.', name=group.name,
              problem=_(REPORT_KINDS[kind]))
            + f"\n{when}\n{text}\n\n"
            + f"{absolute_url('groups.detail', group_id=group.id, slug=group.slug)}\n")
    return _("Problem reported: %(name)s", name=group.name), body


def _transaction(fn: Any) -> Any:
    """Run the whole decision as one transaction (services below are short); a race with another
    writer on the same row is a conflict (409, nothing written), not a 500."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with conflicts(_("Someone else changed this at the same moment. Nothing was changed: "
                       "check it and try again.")):
            return fn(*args, **kwargs)
    return wrapper


def _decision() -> contextlib.AbstractContextManager[None]:
    """``transaction()`` for approve and reject. An organizer's save committed between the admin's
    read and this write is the same conflict as a stale ``expected_version``: 409, nothing
    written, not 500."""
    return conflicts(_("The organizer changed this listing at the same moment. Nothing was "
                     "decided: check it and decide again."))


def approve(group: Group, *, by: User, reason: str = "", expected_version: int | None = None) -> str:
    """Publish a pending listing, or apply its pending edit. Returns what was approved.

    ``expected_version`` is the group version the admin reviewed: if the organizer changed the
    listing since, ``ConflictError`` is raised and nothing is written (no approving unseen text).
    """
    note = _reason(reason, required=False)
    with _decision():
        check_listing_version(group, expected_version)
        revision = find_pending_revision(group)
        if group.status == ListingStatus.pending_review:
            group.status = ListingStatus.published
            group.published_at = group.published_at or now_utc()
            group.review_reason = ""
            mark_confirmed(group)  # reviewed today: the clock starts at publication, not drafting
            what = "listing"
        elif group.status == ListingStatus.published and revision is not None:
            # Applied with the submitter's rights: their venues and facilitators.
            submitter = revision.submitted_by or by
            apply_listing(group, ListingData.from_json(revision.proposed), by=submitter)
            revision.status = RevisionStatus.approved
            revision.decided_by_id, revision.decided_at, revision.reason = by.id, now_utc(), note
            group.review_reason = ""
            group.updated_at = now_utc()
            what = "edit"
        else:
            raise InvalidInput(_("There is nothing waiting for review on this listing."))
        audit(f"review.approved_{what}", by=by, group=group, reason=note)
    _tell_organizers(group, lambda: _approved_mail(group, what, note))
    return what


def reject(group: Group, reason: str, *, by: User, expected_version: int | None = None) -> str:
    """Reject a pending listing (back to the organizer) or a pending edit (the published
    version stays). The reason is required and shown to the organizer. ``expected_version`` as
    for ``approve``."""
    note = _reason(reason, required=True)
    with _decision():
        check_listing_version(group, expected_version)
        revision = find_pending_revision(group)
        if group.status == ListingStatus.pending_review:
            group.status = ListingStatus.rejected
            what = "listing"
        elif revision is not None:
            revision.status = RevisionStatus.rejected
            revision.decided_by_id, revision.decided_at, revision.reason = by.id, now_utc(), note
            what = "edit"
        else:
            raise InvalidInput(_("There is nothing waiting for review on this listing."))
        group.review_reason = note
        audit(f"review.rejected_{what}", by=by, group=group, reason=note)
    _tell_organizers(group, lambda: _rejected_mail(group, what, note))
    return what


@_transaction
def archive(group: Group, reason: str, *, by: User) -> None:
    """Take a listing out of every public output; it can be restored."""
    note = _reason(reason, required=True)
    if group.status == ListingStatus.archived:
        raise InvalidInput(_("This listing is already archived."))
    audit("review.archived", by=by, group=group, reason=note,
          details={"previous_status": group.status.value})
    group.status = ListingStatus.archived
    # A pending edit of an archived listing must not resurface (and be approvable) later.
    for revision in db.session.scalars(sa.select(ListingRevision).where(
            ListingRevision.group_id == group.id, ListingRevision.status == RevisionStatus.pending)).all():
        revision.status = RevisionStatus.withdrawn


@_transaction
def restore(group: Group, *, by: User, reason: str = "") -> None:
    """Bring an archived listing back to draft: it is reviewed again before going public."""
    if group.status != ListingStatus.archived:
        raise InvalidInput(_("Only an archived listing can be restored."))
    group.status = ListingStatus.draft
    audit("review.restored", by=by, group=group, reason=_reason(reason, required=False))


@_transaction
def set_role(user: User, role: Role | str, *, by: User, reason: str = "") -> None:
    """Make an account an organizer or an admin. An admin cannot demote themselves (there must
    always be someone who can review)."""
    new_role = Role(role)
    if user.id == by.id and new_role != Role.admin:
        raise InvalidInput(field_errors={"role": [_("You can't remove your own admin role.")]})
    if user.role == new_role:
        return
    audit("account.role_changed", by=by, subject=user, reason=_reason(reason, required=False),
          details={"from": user.role.value, "to": new_role.value})
    user.role = new_role
    user.rotate_session_token()


NO_SHOW_REPORTS = 3  # "nobody was there" reports, from different days, that ask for confirmation


def report_problem(group: Group, kind: str, message: str, meeting: str = "", *,
                   now: dt.datetime | None = None) -> ProblemReport:
    """Anyone may report a problem with a public listing. Stores no reporter identity; tells the
    group's organizers and every admin, one message each. ``NotFound`` for a listing that is
    not public (nobody may learn it exists).

    ``meeting`` (for "did not happen") is the reported meeting's original start as the form
    offers it (``recent_meetings``). Three such reports made on different days since the
    listing was last confirmed ask its organizers to confirm it at once."""
    if group.status != ListingStatus.published:
        raise NotFound(_("We couldn't find that group. It may no longer be listed."))
    now = now or now_utc()
    text = (message or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in REPORT_KINDS:
        errors["kind"] = [_("Choose what the problem is.")]
    if len(text) > 2000:
        errors["message"] = [_("Keep it under 2,000 characters.")]
    if kind == "other" and not text:
        errors["message"] = [_("Tell us a little about the problem.")]
    missed = None
    if kind == "did_not_happen":
        recent = {meeting_key(m): m for m in recent_meetings(group, now)}
        if recent and meeting not in recent:
            errors["meeting"] = [_("Choose the meeting that didn't happen.")]
        missed = recent.get(meeting)
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)
    with transaction():
        report = ProblemReport(group=group, kind=kind, message=text, created_at=now,
                               meeting_on=missed.starts_at.date() if missed else None)
        db.session.add(report)
        # One mail per address, each in its reader's language.
        recipients = {u.email: u for u in db.session.scalars(
            sa.select(User).where(User.role == Role.admin, User.is_enabled))}
        recipients.update((u.email, u) for u in group.organizers if u.is_enabled)
        for address in sorted(recipients):
            with mail.speaking(mail.language_of(recipients[address])) as language:
                subject, body = _problem_mail(group, kind, text, missed, language)
            mail.send(address, subject, body)
        if kind == "did_not_happen" and _no_show_days(group) >= NO_SHOW_REPORTS:
            request_confirmation(group, now)
    return report


def meeting_key(meeting: Meeting) -> str:
    """How a form names a meeting: its original local start, minute precision."""
    return meeting.original_start.strftime("%Y-%m-%dT%H%M")


def _no_show_days(group: Group) -> int:
    """Different days on which someone said a meeting did not happen, since the listing was
    last confirmed (and not dismissed by an admin)."""
    days = db.session.scalars(sa.select(ProblemReport.created_at).where(
        ProblemReport.group_id == group.id, ProblemReport.kind == "did_not_happen",
        ProblemReport.resolved_at.is_(None), ProblemReport.created_at >= group.confirmed_at))
    return len({d.date() for d in days})


@_transaction
def resolve_report(report: ProblemReport, *, by: User, reason: str = "") -> None:
    """Mark a problem report as dealt with; audited (the report keeps no reporter identity)."""
    if report.resolved_at is not None:
        raise InvalidInput(_("This report was already marked as resolved."))
    report.resolved_at, report.resolved_by_id = now_utc(), by.id
    audit("report.resolved", by=by, group=report.group, reason=_reason(reason, required=False),
          details={"report_id": report.id, "kind": report.kind})
