"""The page a reminder's "still correct" link opens: no sign-in, one button.

Like the account links, the token moves from the query string into the session at once and the
page redirects to itself without it (it never sits in the address bar, history or a Referer).
Opening the page writes nothing (mail scanners open links); the button does.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for

from ..formfields import ConfirmForm
from ..permissions import public
from .confirmation import InvalidConfirmLink, confirm_with_link, read_confirm_token
from .freshness import confirmed_note

bp = Blueprint("confirm", __name__)

TOKEN_KEY = "listing_confirm_token"


@bp.after_request
def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/listings/confirm", methods=["GET", "POST"])
@public
def confirm() -> Any:
    if request.method == "GET" and "token" in request.args:
        token = request.args.get("token", "")
        if token and len(token) <= 1000:
            session[TOKEN_KEY] = token
        else:
            session.pop(TOKEN_KEY, None)
        return redirect(url_for(".confirm"), 303)
    kept = session.get(TOKEN_KEY, "")
    try:
        group, _user = read_confirm_token(kept)
        form = ConfirmForm()
        if form.validate_on_submit():
            group = confirm_with_link(kept)
            session.pop(TOKEN_KEY, None)
            return render_template("groups/confirmed.html", group=group,
                                   confirmed=confirmed_note(group))
    except InvalidConfirmLink as exc:
        session.pop(TOKEN_KEY, None)
        return render_template("groups/confirm_invalid.html", detail=exc.detail), 400
    return render_template("groups/confirm.html", group=group, form=form)
