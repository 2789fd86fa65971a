"""The organizer's facilitator pages (/manage/facilitators): create and edit."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..organizer import Errors, bp, form_errors, save
from ..permissions import organizer_required, require_owned
from .forms import OPT_IN_HINT, FacilitatorForm
from .models import Facilitator
from .services import create_facilitator, update_facilitator


def _facilitator_page(form: FacilitatorForm, person: Facilitator | None) -> Any:
    errors: Errors = {}
    conflict = None
    status = 200
    if request.method == "POST":
        if not form.validate():
            errors = form_errors(form)
        else:
            saved, errors, conflict = save(
                form, person, lambda: create_facilitator(form.facilitator_data(), by=current_user),
                lambda version: update_facilitator(person, form.facilitator_data(), by=current_user,
                                                   expected_version=version))
            if saved:
                flash(_("Facilitator saved."), "success")
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
