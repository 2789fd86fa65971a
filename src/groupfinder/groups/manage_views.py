"""The organizer's listing pages (/manage): the dashboard, a listing, its schedules and its
single meetings (cancel, move, undo). Schedules and meetings hang off a listing, so their
pages live with it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..exceptions import ConflictError, InvalidInput, NotFound
from ..extensions import db
from ..localization import current_language
from ..organizer import Errors, bp, form_errors, now, save, translated
from ..permissions import organizer_required
from ..schedules.forms import MeetingForm, ScheduleForm
from ..schedules.models import Schedule
from ..schedules.recurrence import next_meetings
from ..schedules.services import (
    add_schedule,
    cancel_meeting,
    delete_schedule,
    group_timezone,
    move_meeting,
    undo_meeting_change,
    update_schedule,
    validate_schedule,
)
from ..schedules.words import describe
from . import organizer_queries as queries
from .confirmation import confirm_signed_in
from .forms import SENSITIVE_HINT, ConfirmForm, CoOrganizerForm, GroupForm
from .models import Group, status_label
from .queries import find_pending_revision
from .services import (
    ListingData,
    add_co_organizer,
    create_group,
    get_group_for_editor,
    submit_for_review,
    update_group,
)


@bp.context_processor
def _status_words() -> dict[str, Any]:
    return {"status_label": status_label}


CO_ORGANIZER_SENT = _l("If that email address belongs to an organizer account, they can now "
                       "edit this group. We don't say whether an account exists.")


# --- dashboard -------------------------------------------------------------------------------


@bp.get("/")
@organizer_required
def dashboard() -> Any:
    return render_template(
        "manage/dashboard.html", rows=queries.list_own_groups(current_user),
        venues=queries.list_own_venues(current_user),
        facilitators=queries.list_own_facilitators(current_user))


# --- groups ----------------------------------------------------------------------------------


@bp.route("/groups/new", methods=["GET", "POST"])
@organizer_required
def group_new() -> Any:
    form = GroupForm().load_choices(current_user)
    errors: Errors = {}
    if request.method == "POST":
        if form.validate():
            try:
                group = create_group(form.listing_data(), by=current_user,
                                     accept_public_venue=bool(form.accept_public_venue.data))
            except InvalidInput as exc:
                errors = translated(exc.field_errors)
            else:
                flash(_("Group saved as a draft. Add when it meets, then submit it for review."), "success")
                return redirect(url_for(".group_edit", group_id=group.id))
        else:
            errors = form_errors(form)
    return render_template("manage/group_form.html", form=form, errors=errors, group=None,
                           sensitive_hint=SENSITIVE_HINT), 422 if errors else 200


def _render_group(group: Group, form: GroupForm, *, errors: Errors | None = None,
                  co_form: CoOrganizerForm | None = None, co_errors: Errors | None = None,
                  conflict: str | None = None, status: int = 200) -> Any:
    pending = find_pending_revision(group)
    return render_template(
        "manage/group_form.html", form=form, errors=errors or {}, group=group,
        co_form=co_form or CoOrganizerForm(formdata=None), co_errors=co_errors or {},
        confirm_form=ConfirmForm(formdata=None), pending=pending, conflict=conflict,
        current=ListingData.of(group) if conflict else None, sensitive_hint=SENSITIVE_HINT,
        schedules=[(s, describe(s.spec(group_timezone(group)), clock=current_app.config["CLOCK"],
                                  language=current_language()))
                   for s in group.schedules]), status


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@organizer_required
def group_edit(group_id: int) -> Any:
    group = get_group_for_editor(group_id, current_user)
    form = GroupForm().load_choices(current_user, group)
    if request.method == "GET":
        pending = find_pending_revision(group)
        form.fill(ListingData.from_json(pending.proposed) if pending else ListingData.of(group))
        form.version.data = group.version
        return _render_group(group, form)
    if not form.validate():
        return _render_group(group, form, errors=form_errors(form), status=422)
    was_sensitive = group.is_sensitive
    expected = form.version.data if form.version.data is not None else -1
    try:
        outcome = update_group(group, form.listing_data(), by=current_user, expected_version=expected,
                               accept_public_venue=bool(form.accept_public_venue.data))
    except (ConflictError, StaleDataError) as exc:
        db.session.expire_all()
        form.version.data = group.version  # saving again now overwrites, knowingly
        message = exc.detail if isinstance(exc, ConflictError) else _(ConflictError.title)
        return _render_group(group, form, conflict=message, status=409)
    except InvalidInput as exc:
        return _render_group(group, form, errors=translated(exc.field_errors), status=422)
    if group.is_sensitive and not was_sensitive:
        flash(_("The exact location is now hidden from the public. Addresses published before may "
              "already have been copied elsewhere."), "warning")
    if outcome == "pending_review":
        flash(_("Your changes are waiting for review. Until they are approved, the public sees the "
              "published version."), "success")
    else:
        flash(_("Changes saved."), "success")
    return redirect(url_for(".group_edit", group_id=group.id))


@bp.post("/groups/<int:group_id>/submit")
@organizer_required
def group_submit(group_id: int) -> Any:
    group = get_group_for_editor(group_id, current_user)
    form = ConfirmForm()
    if form.validate():
        try:
            submit_for_review(group, by=current_user)
        except InvalidInput as exc:
            for messages in translated(exc.field_errors).values():
                for message in messages:
                    flash(message, "error")
        else:
            flash(_("Submitted for review. We'll email you when it's decided."), "success")
    return redirect(url_for(".group_edit", group_id=group.id))


@bp.post("/groups/<int:group_id>/confirm")
@organizer_required
def group_confirm(group_id: int) -> Any:
    group = get_group_for_editor(group_id, current_user)
    if ConfirmForm().validate() and confirm_signed_in(group, by=current_user):
        flash(_("Thank you: the listing now says its details were confirmed today."), "success")
    return redirect(url_for(".group_edit", group_id=group.id))


@bp.post("/groups/<int:group_id>/co-organizers")
@organizer_required
def co_organizer(group_id: int) -> Any:
    group = get_group_for_editor(group_id, current_user)
    co_form = CoOrganizerForm()
    try:
        if not co_form.validate():
            raise InvalidInput(field_errors=form_errors(co_form))
        add_co_organizer(group, co_form.email.data or "", by=current_user)
    except InvalidInput as exc:
        form = GroupForm(formdata=None).load_choices(current_user, group)
        form.fill(ListingData.of(group))
        form.version.data = group.version
        return _render_group(group, form, co_form=co_form, co_errors=translated(exc.field_errors), status=422)
    flash(str(CO_ORGANIZER_SENT), "success")
    return redirect(url_for(".group_edit", group_id=group.id))


# --- schedules -------------------------------------------------------------------------------


def _own_schedule(group: Group, schedule_id: int) -> Schedule:
    schedule = db.session.get(Schedule, schedule_id)
    if schedule is None or schedule.group_id != group.id:
        raise NotFound(_("We couldn't find that schedule among yours."))
    return schedule


def _schedule_page(group: Group, form: ScheduleForm, schedule: Schedule | None) -> Any:
    errors: Errors = {}
    preview = None
    conflict = None
    status = 200
    zone = group_timezone(group)
    if request.method == "POST":
        if not form.validate():
            errors = form_errors(form)
        elif form.preview.data:
            try:
                spec = validate_schedule(form.schedule_data(), zone)
            except InvalidInput as exc:
                errors = translated(exc.field_errors)
            else:
                preview = {"text": describe(spec, clock=current_app.config["CLOCK"], language=current_language()),
                           "meetings": next_meetings(spec, now(), 5)}
        else:
            saved, errors, conflict = save(
                form, schedule, lambda: add_schedule(group, form.schedule_data(), by=current_user),
                lambda version: update_schedule(schedule, form.schedule_data(), by=current_user,
                                                expected_version=version))
            if saved:
                flash(_("Schedule saved. It is shown at once, with calendar feeds updated."), "success")
                return redirect(url_for(".group_edit", group_id=group.id))
            if conflict:
                status = 409
        if errors:
            status = 422
    current = None
    if schedule is not None and conflict:
        current = describe(schedule.spec(zone), clock=current_app.config["CLOCK"], language=current_language())
    return render_template("manage/schedule_form.html", group=group, form=form, schedule=schedule,
                           errors=errors, preview=preview, conflict=conflict, current=current,
                           zone=zone, confirm_form=ConfirmForm(formdata=None)), status


@bp.route("/groups/<int:group_id>/schedules/new", methods=["GET", "POST"])
@organizer_required
def schedule_new(group_id: int) -> Any:
    group = get_group_for_editor(group_id, current_user)
    form = ScheduleForm()
    if request.method == "GET":
        form.kind.data = "weekly"
        form.first_date.data = now().date()
    return _schedule_page(group, form, None)


@bp.route("/groups/<int:group_id>/schedules/<int:schedule_id>", methods=["GET", "POST"])
@organizer_required
def schedule_edit(group_id: int, schedule_id: int) -> Any:
    group = get_group_for_editor(group_id, current_user)
    schedule = _own_schedule(group, schedule_id)
    form = ScheduleForm()
    if request.method == "GET":
        form.fill(schedule)
        form.version.data = schedule.version
    return _schedule_page(group, form, schedule)


@bp.post("/groups/<int:group_id>/schedules/<int:schedule_id>/delete")
@organizer_required
def schedule_delete(group_id: int, schedule_id: int) -> Any:
    group = get_group_for_editor(group_id, current_user)
    schedule = _own_schedule(group, schedule_id)
    form = ConfirmForm()
    if form.validate():
        try:
            text = form.version.data or ""  # ASCII and short: "²".isdigit() is true, int() refuses it
            expected = int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
            delete_schedule(schedule, by=current_user, expected_version=expected)
        except ConflictError as exc:
            flash(exc.detail, "error")
        else:
            flash(_("Schedule deleted."), "success")
    return redirect(url_for(".group_edit", group_id=group.id))


# --- single meetings -------------------------------------------------------------------------


@bp.route("/groups/<int:group_id>/meetings", methods=["GET", "POST"])
@organizer_required
def meetings(group_id: int) -> Any:
    group = get_group_for_editor(group_id, current_user)
    failed: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        form = MeetingForm()
        schedule = next((s for s in group.schedules if s.id == form.schedule_id.data), None)
        original = form.original()
        if schedule is None or original is None:
            raise NotFound(_("We couldn't find that meeting among yours."))
        errors = {} if form.validate() else form_errors(form)
        status = 422
        if not errors:
            try:
                _change_meeting(schedule, original, form)
            except ConflictError as exc:  # a race with another change: their input stays
                db.session.expire_all()
                errors, status = {"meeting": [exc.detail]}, 409
            except (InvalidInput, NotFound) as exc:
                errors = translated(exc.field_errors) or {"meeting": [exc.detail]}
            else:
                return redirect(url_for(".meetings", group_id=group.id))
        failed = {"key": f"{schedule.id}|{original.isoformat()}", "form": form,
                  "action": form.action.data, "errors": errors}
    return render_template("manage/meetings.html", group=group, failed=failed,
                           rows=queries.list_upcoming_meetings(group, now(), 12),
                           zone=group_timezone(group)), status


def _change_meeting(schedule: Schedule, original: dt.datetime, form: MeetingForm) -> None:
    action = form.action.data
    if action == "cancel":
        cancel_meeting(schedule, original, form.reason.data or "", by=current_user)
        flash(_("Meeting cancelled. It stays listed as cancelled, with your reason."), "success")
    elif action == "move":
        missing: Errors = {}
        if form.new_date.data is None:
            missing["new_date"] = [_("Enter the new date.")]
        if form.new_time.data is None:
            missing["new_time"] = [_("Enter the new start time.")]
        if missing:
            raise InvalidInput(_("Enter the new date and time."), field_errors=missing)
        new_start = dt.datetime.combine(form.new_date.data, form.new_time.data)
        errors_as = {"new_start": "new_date"}
        try:
            move_meeting(schedule, original, new_start, note=form.note.data or "", by=current_user)
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, field_errors={errors_as.get(k, k): v for k, v in
                                                         exc.field_errors.items()}) from None
        flash(_("Meeting moved."), "success")
    elif action == "undo":
        undo_meeting_change(schedule, original, by=current_user)
        flash(_("The meeting happens as scheduled again."), "success")
    else:
        raise InvalidInput(_("Choose what to do with this meeting."),
                           field_errors={"meeting": [_("Choose cancel, move or undo.")]})
