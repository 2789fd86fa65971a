"""The organizer's venue pages (/manage/venues): create and edit, find on the map."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..exceptions import AmbiguousPlace, GeocodingUnavailable, InvalidInput
from ..extensions import db
from ..organizer import Errors, bp, form_errors, save
from ..permissions import organizer_required, require_owned
from .forms import VenueForm
from .models import Venue
from .services import LOCKED_MESSAGE, create_venue, timezone_at, update_venue, venue_is_published

GEOCODE_FAILED = _l("We couldn't find that address on the map. Check it, or enter the latitude and "
                    "longitude.")


def geocoder() -> Any:
    return current_app.extensions["groupfinder.geocoding"]


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
            return None, {"address": [_("Address search is unavailable right now. Try again in a "
                                        "minute, or enter the latitude and longitude yourself.")]}
    if origin is None:
        message = str(GEOCODE_FAILED)
        if isinstance(first_error, AmbiguousPlace):
            labels = ", ".join(c["label"] for c in first_error.candidates[:5])
            message = _("Several places match. Add the postcode or ZIP code. (Matches: %(labels)s.)",
                        labels=labels)
        return None, {"address": [message]}
    form.latitude.data, form.longitude.data = origin.latitude, origin.longitude
    try:
        form.timezone.data = timezone_at(origin.latitude, origin.longitude)
    except InvalidInput:
        form.timezone.data = ""
    return origin, {}



def _venue_page(form: VenueForm, venue: Venue | None) -> Any:
    errors: Errors = {}
    origin = None
    conflict = None
    status = 200
    if request.method == "POST":
        if not form.validate():
            errors = form_errors(form)
        elif form.preview.data:
            origin, errors = _find_on_map(form)
        else:
            data = form.venue_data()
            saved, errors, conflict = save(
                form, venue, lambda: create_venue(data, by=current_user),
                lambda version: update_venue(venue, data, by=current_user, expected_version=version))
            if saved:
                flash(_("Venue saved.") if venue else _("Venue saved. You can now choose it for a group."),
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
