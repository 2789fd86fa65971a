"""Admin review pages: the queue, one listing (approve, reject, archive, restore), the audit log,
accounts and roles, problem reports, listings nobody has confirmed lately. Thin: load →
authorize → validate → one service → redirect.

Every view is ``admin_required`` (organizers get 403, anonymous visitors go to sign-in), and
every response is ``Cache-Control: no-store, private``: these pages hold exact addresses and
account emails.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from ..db import now_utc
from ..exceptions import ConflictError, InvalidInput, NotFound
from ..extensions import db
from ..formfields import add_service_errors
from ..groups.confirmation import policy as confirmation_policy
from ..groups.models import ListingStatus, status_label
from ..groups.queries import find_pending_revision
from ..groups.services import ListingData
from ..permissions import admin_required
from ..venues.models import Venue
from ..venues.services import release_place
from . import services
from .forms import (
    ApproveForm,
    ArchiveForm,
    AuditFilterForm,
    RejectForm,
    ResolveReportForm,
    RestoreForm,
    RoleForm,
)
from .queries import (
    AuditFilters,
    action_label,
    describe_listing,
    diff_listing,
    freshness_overview,
    get_report,
    get_review_group,
    get_user,
    list_audit,
    list_audit_actions,
    list_groups,
    list_private_places,
    list_queue,
    list_reports,
    list_users,
    privacy_flags,
)

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.after_request
def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.app_template_global("review_action_label")
def _action_label(action: str) -> str:
    return action_label(action)


@bp.app_template_global("review_status_label")
def _status_label(status: str) -> str:
    return status_label(status)


def _admin() -> Any:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _add_service_errors(form: FlaskForm, exc: InvalidInput | ConflictError,
                        problems: list[str]) -> None:
    """Put a service's per-field messages on the form's fields; anything else in ``problems``."""
    problems.extend(add_service_errors(form, exc.field_errors))
    if not exc.field_errors:
        problems.append(exc.detail)


def _summary(forms: dict[str, FlaskForm | None], problems: list[str]) -> tuple[dict, dict]:
    """Errors for the page's error summary, keyed by the id of the control to focus."""
    errors: dict[str, list[str]] = {}
    for prefix, form in forms.items():
        if form is None:
            continue
        for name, messages in form.errors.items():
            if name == "csrf_token":
                problems = [*problems, *messages]
                continue
            errors[f"{prefix}-{name}"] = list(messages)
    targets = {}
    if problems:
        errors["_problems"] = list(problems)
        targets["_problems"] = ""
    return errors, targets


# --- the queue and the listings ----------------------------------------------------------------

@bp.get("/")
@admin_required
def queue() -> Any:
    return render_template("review/queue.html", items=list_queue())


@bp.get("/groups")
@admin_required
def groups() -> Any:
    raw = request.args.get("status", "")
    status = ListingStatus(raw) if raw in {s.value for s in ListingStatus} else None
    return render_template("review/groups.html", groups=list_groups(status), status=status,
                           statuses=list(ListingStatus))


def _render_listing(group: Any, *, status: int = 200, problems: list[str] | None = None,
                    **forms: FlaskForm) -> Any:
    revision = find_pending_revision(group) if group.status == ListingStatus.published else None
    submitted = ListingData.from_json(revision.proposed) if revision else ListingData.of(group)
    defaults = {"version": str(group.version)}
    approve_form = forms.get("approve") or ApproveForm(formdata=None, data=defaults)
    reject_form = forms.get("reject") or RejectForm(formdata=None, data=defaults)
    # A re-rendered form keeps what was typed, but always carries the version now shown.
    approve_form.version.data = reject_form.version.data = str(group.version)
    archive_form = forms.get("archive") or ArchiveForm(formdata=None)
    restore_form = forms.get("restore") or RestoreForm(formdata=None)
    errors, targets = _summary({"approve": forms.get("approve"), "reject": forms.get("reject"),
                                "archive": forms.get("archive"), "restore": forms.get("restore")},
                               problems or [])
    history = list_audit(1, AuditFilters(group_id=group.id), per_page=10)
    body = render_template(
        "review/listing.html", group=group, revision=revision, details=describe_listing(submitted),
        flags=privacy_flags(submitted),
        changes=diff_listing(group, revision) if revision else [],
        awaiting=group.status == ListingStatus.pending_review or revision is not None,
        approve_form=approve_form, reject_form=reject_form, archive_form=archive_form,
        restore_form=restore_form, errors=errors, targets=targets, history=history)
    return body, status


@bp.get("/groups/<int:group_id>")
@admin_required
def listing(group_id: int) -> Any:
    return _render_listing(get_review_group(group_id))


def _decide(group_id: int, form: ApproveForm | RejectForm, key: str) -> Any:
    group = get_review_group(group_id)
    problems: list[str] = []
    status = 422
    if form.validate_on_submit():
        try:
            if isinstance(form, ApproveForm):
                what = services.approve(group, by=_admin(), reason=form.note.data or "",
                                        expected_version=form.expected_version())
                flash(_("Approved: “%(name)s” is public now.", name=group.name) if what == "listing"
                      else _("Approved: the changes to “%(name)s” are public now.", name=group.name),
                      "success")
            else:
                what = services.reject(group, form.reason.data or "", by=_admin(),
                                       expected_version=form.expected_version())
                flash(_("Rejected the listing “%(name)s”; the organizers were told why.",
                        name=group.name) if what == "listing"
                      else _("Rejected the edit of “%(name)s”; the organizers were told why.",
                             name=group.name), "success")
        except ConflictError:
            problems.append(_("The organizer changed this listing while you were reviewing it. "
                            "Nothing was decided: check the version below and decide again."))
            status = 409
            group = get_review_group(group_id)
        except InvalidInput as exc:
            _add_service_errors(form, exc, problems)
            group = get_review_group(group_id)
        else:
            return redirect(url_for("review.queue"), 303)
    return _render_listing(group, status=status, problems=problems, **{key: form})


@bp.post("/groups/<int:group_id>/approve")
@admin_required
def approve(group_id: int) -> Any:
    return _decide(group_id, ApproveForm(), "approve")


@bp.post("/groups/<int:group_id>/reject")
@admin_required
def reject(group_id: int) -> Any:
    return _decide(group_id, RejectForm(), "reject")


@bp.post("/groups/<int:group_id>/archive")
@admin_required
def archive(group_id: int) -> Any:
    group = get_review_group(group_id)
    form = ArchiveForm()
    problems: list[str] = []
    status = 422
    if form.validate_on_submit():
        try:
            services.archive(group, form.reason.data or "", by=_admin())
        except (InvalidInput, ConflictError) as exc:  # a race: 409, nothing written
            _add_service_errors(form, exc, problems)
            status = 409 if isinstance(exc, ConflictError) else 422
            db.session.expire_all()
            group = get_review_group(group_id)
        else:
            flash(_("Archived “%(name)s”: it is no longer public.", name=group.name), "success")
            return redirect(url_for("review.listing", group_id=group.id), 303)
    return _render_listing(group, status=status, problems=problems, archive=form)


@bp.post("/groups/<int:group_id>/restore")
@admin_required
def restore(group_id: int) -> Any:
    group = get_review_group(group_id)
    form = RestoreForm()
    problems: list[str] = []
    status = 422
    if form.validate_on_submit():
        try:
            services.restore(group, by=_admin(), reason=form.reason.data or "")
        except (InvalidInput, ConflictError) as exc:  # a race: 409, nothing written
            _add_service_errors(form, exc, problems)
            status = 409 if isinstance(exc, ConflictError) else 422
            db.session.expire_all()
            group = get_review_group(group_id)
        else:
            flash(_("Restored “%(name)s” as a draft: it goes public again only after it is "
                    "submitted and approved.", name=group.name), "success")
            return redirect(url_for("review.listing", group_id=group.id), 303)
    return _render_listing(group, status=status, problems=problems, restore=form)


# --- private places --------------------------------------------------------------------------

class ReleasePlaceForm(FlaskForm):
    """A bare POST with its CSRF token and the version of the place shown."""


def _render_places(*, status: int = 200, problems: list[str] | None = None) -> Any:
    return render_template("review/places.html", places=list_private_places(),
                           problems=problems or [], form=ReleasePlaceForm(formdata=None)), status


@bp.get("/mail")
@admin_required
def mail_problems() -> Any:
    from .. import mail

    return render_template("review/mail.html", items=mail.troubled(),
                           mask=mail.mask_address, max_attempts=mail.MAX_ATTEMPTS)


@bp.get("/places")
@admin_required
def places() -> Any:
    return _render_places()


@bp.post("/places/<int:venue_id>/release")
@admin_required
def release(venue_id: int) -> Any:
    venue = db.session.get(Venue, venue_id)
    if venue is None or not venue.is_private:
        raise NotFound(_("There is no private place with that number."))
    form = ReleasePlaceForm()
    if not form.validate_on_submit():
        return _render_places(status=422, problems=[_("The form expired; try again.")])
    version = request.form.get("version", "")
    try:
        exposed = release_place(venue, by=_admin(),
                                expected_version=int(version) if version.isdigit() and
                                len(version) < 10 else None)
    except (ConflictError, InvalidInput) as exc:
        db.session.expire_all()
        return _render_places(status=409 if isinstance(exc, ConflictError) else 422,
                              problems=[exc.detail])
    flash(ngettext("The exact address is public again for %(num)d listing(s).",
                   "The exact address is public again for %(num)d listing(s).", len(exposed)),
          "success")
    return redirect(url_for("review.places"), 303)


# --- audit log ---------------------------------------------------------------------------------

@bp.get("/audit")
@admin_required
def audit() -> Any:
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = [SelectChoice("", _("Any action"))] + [
        SelectChoice(a, action_label(a)) for a in list_audit_actions()]
    status = 200
    if form.validate():
        filters = AuditFilters(group_id=form.group.data, action=form.action.data or None)
        page = form.page.data or 1
    else:
        filters, page, status = AuditFilters(), 1, 422
    result = list_audit(page, filters)
    params = {k: v for k, v in (("group", filters.group_id), ("action", filters.action)) if v}
    return render_template("review/audit.html", form=form, result=result, filters=filters,
                           params=params), status


# --- accounts ------------------------------------------------------------------------------------

def _render_users(*, failed: tuple[int, RoleForm] | None = None, problems: list[str] | None = None,
                  status: int = 200) -> Any:
    users = list_users()
    forms: dict[int, RoleForm] = {}
    for user in users:
        if failed is not None and failed[0] == user.id:
            forms[user.id] = failed[1]
        else:
            forms[user.id] = RoleForm(formdata=None, data={"role": user.role.value})
    errors: dict[str, list[str]] = {}
    targets: dict[str, str] = {}
    if failed is not None:
        errors, targets = _summary({f"user-{failed[0]}": failed[1]}, problems or [])
    body = render_template("review/users.html", users=users, forms=forms, errors=errors,
                           targets=targets)
    return body, status


@bp.get("/users")
@admin_required
def users() -> Any:
    return _render_users()


@bp.post("/users/<int:user_id>/role")
@admin_required
def set_role(user_id: int) -> Any:
    user = get_user(user_id)
    form = RoleForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            services.set_role(user, form.role.data, by=_admin(), reason=form.reason.data or "")
        except InvalidInput as exc:
            _add_service_errors(form, exc, problems)
        else:
            who = user.display_name or user.email
            flash(_("%(who)s is now an admin.", who=who) if user.is_admin
                  else _("%(who)s is now an organizer.", who=who), "success")
            return redirect(url_for("review.users"), 303)
    return _render_users(failed=(user_id, form), problems=problems, status=422)


# --- problem reports -----------------------------------------------------------------------------

def _render_reports(*, failed: tuple[int, ResolveReportForm] | None = None,
                    problems: list[str] | None = None, status: int = 200) -> Any:
    show_all = request.args.get("show") == "all"
    reports = list_reports(open_only=not show_all)
    forms = {r.id: (failed[1] if failed and failed[0] == r.id else ResolveReportForm(formdata=None))
             for r in reports if r.resolved_at is None}
    errors: dict[str, list[str]] = {}
    targets: dict[str, str] = {}
    if failed is not None:
        errors, targets = _summary({f"report-{failed[0]}": failed[1]}, problems or [])
    body = render_template("review/reports.html", reports=reports, forms=forms, show_all=show_all,
                           kinds=services.REPORT_KINDS, errors=errors, targets=targets)
    return body, status


@bp.get("/reports")
@admin_required
def reports() -> Any:
    return _render_reports()


@bp.post("/reports/<int:report_id>/resolve")
@admin_required
def resolve_report(report_id: int) -> Any:
    report = get_report(report_id)
    form = ResolveReportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            services.resolve_report(report, by=_admin(), reason=form.reason.data or "")
        except InvalidInput as exc:
            _add_service_errors(form, exc, problems)
        else:
            flash(_("Marked the report as resolved."), "success")
            return redirect(url_for("review.reports"), 303)
    return _render_reports(failed=(report_id, form), problems=problems, status=422)


# --- freshness -----------------------------------------------------------------------------------

@bp.get("/freshness")
@admin_required
def freshness() -> Any:
    p = confirmation_policy()
    return render_template("review/freshness.html", overview=freshness_overview(now_utc(), p),
                           policy=p)
