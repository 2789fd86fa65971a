"""The organizer's organisation pages (/manage/organisations): the list with a create form, and
one organisation's page (details, team, invitations, roles, leaving).

Every member sees the page and the team; only owners (and admins) change the details and the
team (``permissions.can_manage_organisation``; a member gets 403). Anyone else's organisation
answers 404, as a missing one does. Inviting answers the same whether or not the address has an
account (no enumeration).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..exceptions import InvalidInput, PermissionDenied
from ..formfields import ConfirmForm
from ..organizer import Errors, bp, form_errors, save, translated
from ..permissions import can_manage_organisation, organizer_required
from . import queries
from .forms import InviteForm, OrganisationForm, RoleForm
from .models import Organisation
from .services import (
    change_role,
    create_organisation,
    invite,
    remove_member,
    update_organisation,
)


@bp.route("/organisations", methods=["GET", "POST"])
@organizer_required
def organisations() -> Any:
    form = OrganisationForm()
    errors: Errors = {}
    if request.method == "POST":
        if form.validate():
            try:
                org = create_organisation(form.organisation_data(), by=current_user)
            except InvalidInput as exc:
                errors = translated(exc.field_errors)
            else:
                flash(_("Organisation created. You are its owner: invite your team below."), "success")
                return redirect(url_for(".organisation", org_id=org.id))
        else:
            errors = form_errors(form)
    return render_template("organisations/manage_list.html", form=form, errors=errors,
                           organisations=queries.organisations_of(current_user)), \
        422 if errors else 200


def _page(org: Organisation, *, form: OrganisationForm | None = None, errors: Errors | None = None,
          invite_form: InviteForm | None = None, invite_errors: Errors | None = None,
          conflict: str | None = None, status: int = 200) -> Any:
    owner = can_manage_organisation(current_user, org)
    if form is None:
        form = OrganisationForm(formdata=None)
        form.fill(org)
        form.version.data = org.version
    return render_template(
        "organisations/manage_detail.html", org=org, is_owner=owner, form=form,
        errors=errors or {}, conflict=conflict, my_role=queries.role_in(current_user, org),
        invite_form=invite_form or InviteForm(formdata=None), invite_errors=invite_errors or {},
        team=queries.team_of(org), role_form=RoleForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        invitations=queries.pending_invitations(org) if owner else []), status


def _owned(org_id: int) -> Organisation:
    org = queries.get_organisation_for_member(org_id, current_user)
    if not can_manage_organisation(current_user, org):
        raise PermissionDenied(_("Only the organisation's owners can do this."))
    return org


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@organizer_required
def organisation(org_id: int) -> Any:
    org = queries.get_organisation_for_member(org_id, current_user)
    if request.method == "GET":
        return _page(org)
    org = _owned(org_id)
    form = OrganisationForm()
    if not form.validate():
        return _page(org, form=form, errors=form_errors(form), status=422)
    saved, errors, conflict = save(
        form, org, lambda: None,
        lambda version: update_organisation(org, form.organisation_data(), by=current_user,
                                            expected_version=version))
    if not saved:
        return _page(org, form=form, errors=errors, conflict=conflict,
                     status=409 if conflict else 422)
    flash(_("Details saved. They show on the organisation's public page at once."), "success")
    return redirect(url_for(".organisation", org_id=org.id))


@bp.post("/organisations/<int:org_id>/invite")
@organizer_required
def organisation_invite(org_id: int) -> Any:
    org = _owned(org_id)
    form = InviteForm()
    try:
        if not form.validate():
            raise InvalidInput(field_errors=form_errors(form))
        invite(org, form.email.data or "", form.role.data, by=current_user)
    except InvalidInput as exc:
        return _page(org, invite_form=form, invite_errors=translated(exc.field_errors), status=422)
    flash(_("If %(email)s can be invited, we've sent an invitation to it. The link works once, "
            "for 14 days.", email=(form.email.data or "").strip()), "success")
    return redirect(url_for(".organisation", org_id=org.id))


@bp.post("/organisations/<int:org_id>/members/<int:user_id>/role")
@organizer_required
def organisation_member_role(org_id: int, user_id: int) -> Any:
    org = _owned(org_id)
    form = RoleForm()
    if form.validate():
        try:
            change_role(org, user_id, form.role.data, by=current_user)
        except InvalidInput as exc:
            flash(exc.detail, "error")
        else:
            flash(_("Role changed."), "success")
    return redirect(url_for(".organisation", org_id=org.id))


@bp.post("/organisations/<int:org_id>/members/<int:user_id>/remove")
@organizer_required
def organisation_member_remove(org_id: int, user_id: int) -> Any:
    org = _owned(org_id)
    if ConfirmForm().validate():
        try:
            remove_member(org, user_id, by=current_user)
        except InvalidInput as exc:
            flash(exc.detail, "error")
        else:
            flash(_("Removed from the team."), "success")
    return redirect(url_for(".organisation", org_id=org.id))


@bp.post("/organisations/<int:org_id>/leave")
@organizer_required
def organisation_leave(org_id: int) -> Any:
    org = queries.get_organisation_for_member(org_id, current_user)
    if queries.role_in(current_user, org) is None:  # an admin who isn't on the team
        raise PermissionDenied(_("You aren't on this organisation's team."))
    if ConfirmForm().validate():
        try:
            remove_member(org, current_user.id, by=current_user)
        except InvalidInput as exc:
            flash(exc.detail, "error")
            return redirect(url_for(".organisation", org_id=org.id))
        flash(_("You have left %(organisation)s.", organisation=org.name), "success")
        return redirect(url_for(".organisations"))
    return redirect(url_for(".organisation", org_id=org.id))
