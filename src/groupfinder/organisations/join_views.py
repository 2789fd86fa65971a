"""Accepting an invitation to a team: /organisations/join?token=….

Public route (the link arrives by mail): anyone may open it; only a signed-in account accepts,
by a POST with its CSRF token (opening the link never acts). As with the account links, the
token comes in the query string (which the request log leaves out), is kept in the session and
the page redirects to itself without it, so it stays out of the address bar and Referer.
Someone not signed in is asked to sign in (coming back here: signing in starts a new session, so
the sign-in link carries the token back) or to register first; only the account with the invited
address can accept. An unknown, used or expired link gets one answer.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..formfields import ConfirmForm
from ..permissions import public_blueprint
from .models import MemberRole
from .services import InvitationUnusable, WrongAccount, accept_invitation, find_invitation

bp = public_blueprint(Blueprint("organisation_join", __name__))

JOIN_TOKEN = "join_token"  # the session key holding the link's token


@bp.after_request
def _private(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store, private"
    return response


def _unusable(message: str) -> Any:
    session.pop(JOIN_TOKEN, None)
    return render_template("organisations/join.html", invitation=None, message=message), 404


@bp.route("/organisations/join", methods=["GET", "POST"])
def join() -> Any:
    if request.method in ("GET", "HEAD") and "token" in request.args:
        token = request.args.get("token", "")
        if token and len(token) <= 1000:
            session[JOIN_TOKEN] = token
        else:
            session.pop(JOIN_TOKEN, None)
        return redirect(url_for(".join"), code=303)
    token = session.get(JOIN_TOKEN, "")
    try:
        invitation = find_invitation(token)
    except InvitationUnusable as exc:
        return _unusable(exc.detail)
    org = invitation.organisation
    problem = None
    if request.method == "POST" and current_user.is_authenticated and ConfirmForm().validate():
        try:
            accept_invitation(token, by=current_user)
        except InvitationUnusable as exc:  # used in between
            return _unusable(exc.detail)
        except WrongAccount as exc:
            problem = exc.detail
        else:
            session.pop(JOIN_TOKEN, None)
            flash(_("Welcome to the team of %(organisation)s.", organisation=org.name), "success")
            return redirect(url_for("manage.organisation", org_id=org.id))
    return render_template("organisations/join.html", invitation=invitation, org=org,
                           is_owner_role=invitation.role == MemberRole.owner, problem=problem,
                           sign_in_url=url_for("accounts.login",
                                               next=url_for(".join", token=token)),
                           confirm_form=ConfirmForm(formdata=None), message=None), \
        422 if problem else 200
