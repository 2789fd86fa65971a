"""The organizer pages under /manage: groups, venues, schedules, meetings and facilitators.

Thin views: load (every object through an ownership check: another organizer's answers 404)
→ validate the Flask-WTF form → call one service → redirect, or re-render with the person's input
and a message per field (422 for bad input, 409 when someone else saved first). Services own the
writes and the transaction; nothing here commits. Every response is ``no-store, private``: these
pages show exact addresses and private contact details.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..exceptions import (
    AmbiguousPlace,
    ConflictError,
    GeocodingUnavailable,
    InvalidInput,
    NotFound,
)
from ..extensions import db
from ..facilitators.forms import OPT_IN_HINT, FacilitatorForm
from ..facilitators.models import Facilitator
from ..facilitators.services import create_facilitator, update_facilitator
from ..groups.forms import SENSITIVE_HINT, ConfirmForm, CoOrganizerForm, GroupForm
from ..groups.models import Group, status_label
from ..groups.search import geocoder
from ..groups.services import (
    ListingData,
    add_co_organizer,
    create_group,
    get_group_for_editor,
    submit_for_review,
    update_group,
)
from ..permissions import organizer_required, require_owned
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
from ..venues.forms import VenueForm
from ..venues.models import Venue
from ..venues.services import LOCKED_MESSAGE, create_venue, timezone_at, update_venue, venue_is_published
from . import queries

bp = Blueprint("manage", __name__, url_prefix="/manage")

Errors = dict[str, list[str]]

CO_ORGANIZER_SENT = ("If that email address belongs to an organizer account, they can now edit "
                     "this group. We don't say whether an account exists.")
GEOCODE_FAILED = "We couldn't find that address on the map. Check it, or enter the latitude and longitude."


@bp.after_request
def _private(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"status_label": status_label, "field_value": field_value,
            "clock": current_app.config["CLOCK"]}


def field_value(field: Any) -> Any:
    """What to show in a control: the person's raw input when it could not be parsed."""
    if field.errors and field.raw_data:
        return field.raw_data[0]
    if isinstance(field.data, dt.time):
        return field.data.strftime("%H:%M")
    return "" if field.data is None else field.data


def _form_errors(form: Any) -> Errors:
    return {name: list(messages) for name, messages in form.errors.items()
            if name and name != "csrf_token" and isinstance(messages, list)}


def _merge(*parts: Errors) -> Errors:
    out: Errors = {}
    for part in parts:
        for name, messages in part.items():
            out.setdefault(name, []).extend(m for m in messages if m not in out.get(name, []))
    return out


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
                errors = exc.field_errors
            else:
                flash("Group saved as a draft. Add when it meets, then submit it for review.", "success")
                return redirect(url_for(".group_edit", group_id=group.id))
        else:
            errors = _form_errors(form)
    return render_template("manage/group_form.html", form=form, errors=errors, group=None,
                           sensitive_hint=SENSITIVE_HINT), 422 if errors else 200


def _render_group(group: Group, form: GroupForm, *, errors: Errors | None = None,
                  co_form: CoOrganizerForm | None = None, co_errors: Errors | None = None,
                  conflict: str | None = None, status: int = 200) -> Any:
    pending = queries.find_pending_revision(group)
    return render_template(
        "manage/group_form.html", form=form, errors=errors or {}, group=group,
        co_form=co_form or CoOrganizerForm(formdata=None), co_errors=co_errors or {},
        confirm_form=ConfirmForm(formdata=None), pending=pending, conflict=conflict,
        current=ListingData.of(group) if conflict else None, sensitive_hint=SENSITIVE_HINT,
        schedules=[(s, describe(s.spec(group_timezone(group)), clock=current_app.config["CLOCK"]))
                   for s in group.schedules]), status


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@organizer_required
def group_edit(group_id: int) -> Any:
    group = get_group_for_editor(group_id, current_user)
    form = GroupForm().load_choices(current_user, group)
    if request.method == "GET":
        pending = queries.find_pending_revision(group)
        form.fill(ListingData.from_json(pending.proposed) if pending else ListingData.of(group))
        form.version.data = group.version
        return _render_group(group, form)
    if not form.validate():
        return _render_group(group, form, errors=_form_errors(form), status=422)
    was_sensitive = group.is_sensitive
    expected = form.version.data if form.version.data is not None else -1
    try:
        outcome = update_group(group, form.listing_data(), by=current_user, expected_version=expected,
                               accept_public_venue=bool(form.accept_public_venue.data))
    except (ConflictError, StaleDataError) as exc:
        db.session.expire_all()
        form.version.data = group.version  # saving again now overwrites, knowingly
        message = exc.detail if isinstance(exc, ConflictError) else ConflictError.title
        return _render_group(group, form, conflict=message, status=409)
    except InvalidInput as exc:
        return _render_group(group, form, errors=exc.field_errors, status=422)
    if group.is_sensitive and not was_sensitive:
        flash("The exact location is now hidden from the public. Addresses published before may "
              "already have been copied elsewhere.", "warning")
    if outcome == "pending_review":
        flash("Your changes are waiting for review. Until they are approved, the public sees the "
              "published version.", "success")
    else:
        flash("Changes saved.", "success")
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
            for messages in exc.field_errors.values():
                for message in messages:
                    flash(message, "error")
        else:
            flash("Submitted for review. We'll email you when it's decided.", "success")
    return redirect(url_for(".group_edit", group_id=group.id))


@bp.post("/groups/<int:group_id>/co-organizers")
@organizer_required
def co_organizer(group_id: int) -> Any:
    group = get_group_for_editor(group_id, current_user)
    co_form = CoOrganizerForm()
    try:
        if not co_form.validate():
            raise InvalidInput(field_errors=_form_errors(co_form))
        add_co_organizer(group, co_form.email.data or "", by=current_user)
    except InvalidInput as exc:
        form = GroupForm(formdata=None).load_choices(current_user, group)
        form.fill(ListingData.of(group))
        form.version.data = group.version
        return _render_group(group, form, co_form=co_form, co_errors=exc.field_errors, status=422)
    flash(CO_ORGANIZER_SENT, "success")
    return redirect(url_for(".group_edit", group_id=group.id))


# --- venues ----------------------------------------------------------------------------------


def _own_venue(venue_id: int) -> Venue:
    return require_owned(current_user, db.session.get(Venue, venue_id), "venue")


def _find_on_map(form: VenueForm) -> tuple[Any, Errors]:
    """Geocode the typed address (most precise text first); fill the point and time zone."""
    # Nothing is written yet: end this request's transaction so SQLite's write lock, taken when
    # a POST begins, is not held while the geocoder (which may write its cache) works.
    db.session.rollback()
    first_error: InvalidInput | None = None
    origin = None
    for text in form.geocoding_text():
        try:
            origin = geocoder().resolve(text=text)
            break
        except InvalidInput as exc:  # PlaceNotFound, AmbiguousPlace, malformed text
            first_error = first_error or exc
        except GeocodingUnavailable:
            return None, {"address": ["Address search is unavailable right now. Try again in a "
                                      "minute, or enter the latitude and longitude yourself."]}
    if origin is None:
        message = GEOCODE_FAILED
        if isinstance(first_error, AmbiguousPlace):
            labels = ", ".join(c["label"] for c in first_error.candidates[:5])
            message = f"Several places match. Add the postcode or ZIP code. (Matches: {labels}.)"
        return None, {"address": [message]}
    form.latitude.data, form.longitude.data = origin.latitude, origin.longitude
    try:
        form.timezone.data = timezone_at(origin.latitude, origin.longitude)
    except InvalidInput:
        form.timezone.data = ""
    return origin, {}


def _save(form: Any, item: Any, create: Callable[[], Any],
          update: Callable[[int], Any]) -> tuple[bool, Errors, str | None]:
    """Create (``item`` is None) or update with the version the form was loaded at.

    Returns (saved, field errors, conflict message). On a conflict the form's hidden version
    becomes the current one, so saving again knowingly overwrites; the person's input is kept.
    """
    try:
        if item is None:
            create()
        else:
            update(form.version.data if form.version.data is not None else -1)
    except ConflictError as exc:
        db.session.expire_all()
        form.version.data = item.version if item is not None else None
        return False, {}, exc.detail
    except InvalidInput as exc:
        return False, exc.field_errors, None
    return True, {}, None


def _venue_page(form: VenueForm, venue: Venue | None) -> Any:
    errors: Errors = {}
    origin = None
    conflict = None
    status = 200
    if request.method == "POST":
        if not form.validate():
            errors = _form_errors(form)
        elif form.preview.data:
            origin, errors = _find_on_map(form)
        else:
            data = form.venue_data()
            saved, errors, conflict = _save(
                form, venue, lambda: create_venue(data, by=current_user),
                lambda version: update_venue(venue, data, by=current_user, expected_version=version))
            if saved:
                flash("Venue saved." if venue else "Venue saved. You can now choose it for a group.",
                      "success")
                return redirect(url_for(".dashboard"))
            if conflict:
                status = 409
        if errors:
            status = 422
    form.load_choices()
    return render_template("manage/venue_form.html", form=form, venue=venue, errors=errors,
                           origin=origin, conflict=conflict, locked_message=LOCKED_MESSAGE,
                           locked=venue is not None and venue_is_published(venue)), status


@bp.route("/venues/new", methods=["GET", "POST"])
@organizer_required
def venue_new() -> Any:
    form = VenueForm()
    if request.method == "GET":
        form.country.data = (current_app.config.get("GEOCODER_COUNTRIES") or ("GB",))[0]
    return _venue_page(form, None)


@bp.route("/venues/<int:venue_id>", methods=["GET", "POST"])
@organizer_required
def venue_edit(venue_id: int) -> Any:
    venue = _own_venue(venue_id)
    form = VenueForm()
    if request.method == "GET":
        form.fill(venue)
        form.version.data = venue.version
    return _venue_page(form, venue)


# --- schedules -------------------------------------------------------------------------------


def _own_schedule(group: Group, schedule_id: int) -> Schedule:
    schedule = db.session.get(Schedule, schedule_id)
    if schedule is None or schedule.group_id != group.id:
        raise NotFound("We couldn't find that schedule among yours.")
    return schedule


def _schedule_page(group: Group, form: ScheduleForm, schedule: Schedule | None) -> Any:
    errors: Errors = {}
    preview = None
    conflict = None
    status = 200
    zone = group_timezone(group)
    if request.method == "POST":
        if not form.validate():
            errors = _form_errors(form)
        elif form.preview.data:
            try:
                spec = validate_schedule(form.schedule_data(), zone)
            except InvalidInput as exc:
                errors = exc.field_errors
            else:
                preview = {"text": describe(spec, clock=current_app.config["CLOCK"]),
                           "meetings": next_meetings(spec, _now(), 5)}
        else:
            saved, errors, conflict = _save(
                form, schedule, lambda: add_schedule(group, form.schedule_data(), by=current_user),
                lambda version: update_schedule(schedule, form.schedule_data(), by=current_user,
                                                expected_version=version))
            if saved:
                flash("Schedule saved. It is shown at once, with calendar feeds updated.", "success")
                return redirect(url_for(".group_edit", group_id=group.id))
            if conflict:
                status = 409
        if errors:
            status = 422
    current = None
    if schedule is not None and conflict:
        current = describe(schedule.spec(zone), clock=current_app.config["CLOCK"])
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
        form.first_date.data = _now().date()
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
            flash("Schedule deleted.", "success")
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
            raise NotFound("We couldn't find that meeting among yours.")
        errors = {} if form.validate() else _form_errors(form)
        status = 422
        if not errors:
            try:
                _change_meeting(schedule, original, form)
            except ConflictError as exc:  # a race with another change: their input stays
                db.session.expire_all()
                errors, status = {"meeting": [exc.detail]}, 409
            except (InvalidInput, NotFound) as exc:
                errors = exc.field_errors or {"meeting": [exc.detail]}
            else:
                return redirect(url_for(".meetings", group_id=group.id))
        failed = {"key": f"{schedule.id}|{original.isoformat()}", "form": form,
                  "action": form.action.data, "errors": errors}
    return render_template("manage/meetings.html", group=group, failed=failed,
                           rows=queries.list_upcoming_meetings(group, _now(), 12),
                           zone=group_timezone(group)), status


def _change_meeting(schedule: Schedule, original: dt.datetime, form: MeetingForm) -> None:
    action = form.action.data
    if action == "cancel":
        cancel_meeting(schedule, original, form.reason.data or "", by=current_user)
        flash("Meeting cancelled. It stays listed as cancelled, with your reason.", "success")
    elif action == "move":
        missing: Errors = {}
        if form.new_date.data is None:
            missing["new_date"] = ["Enter the new date."]
        if form.new_time.data is None:
            missing["new_time"] = ["Enter the new start time."]
        if missing:
            raise InvalidInput("Enter the new date and time.", field_errors=missing)
        new_start = dt.datetime.combine(form.new_date.data, form.new_time.data)
        errors_as = {"new_start": "new_date"}
        try:
            move_meeting(schedule, original, new_start, note=form.note.data or "", by=current_user)
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, field_errors={errors_as.get(k, k): v for k, v in
                                                         exc.field_errors.items()}) from None
        flash("Meeting moved.", "success")
    elif action == "undo":
        undo_meeting_change(schedule, original, by=current_user)
        flash("The meeting happens as scheduled again.", "success")
    else:
        raise InvalidInput("Choose what to do with this meeting.",
                           field_errors={"meeting": ["Choose cancel, move or undo."]})


# --- facilitators ----------------------------------------------------------------------------


def _facilitator_page(form: FacilitatorForm, person: Facilitator | None) -> Any:
    errors: Errors = {}
    conflict = None
    status = 200
    if request.method == "POST":
        if not form.validate():
            errors = _form_errors(form)
        else:
            saved, errors, conflict = _save(
                form, person, lambda: create_facilitator(form.facilitator_data(), by=current_user),
                lambda version: update_facilitator(person, form.facilitator_data(), by=current_user,
                                                   expected_version=version))
            if saved:
                flash("Facilitator saved.", "success")
                return redirect(url_for(".dashboard"))
            if conflict:
                status = 409
        if errors:
            status = 422
    return render_template("manage/facilitator_form.html", form=form, person=person,
                           errors=errors, conflict=conflict, opt_in_hint=OPT_IN_HINT), status


@bp.route("/facilitators/new", methods=["GET", "POST"])
@organizer_required
def facilitator_new() -> Any:
    return _facilitator_page(FacilitatorForm(), None)


@bp.route("/facilitators/<int:facilitator_id>", methods=["GET", "POST"])
@organizer_required
def facilitator_edit(facilitator_id: int) -> Any:
    person = require_owned(current_user, db.session.get(Facilitator, facilitator_id), "facilitator")
    form = FacilitatorForm()
    if request.method == "GET":
        form.fill(person)
        form.version.data = person.version
    return _facilitator_page(form, person)
