"""The page a reminder's "still correct" link opens: no sign-in, one button.

Like the account links, the token moves from the query string into the session at once and the
page redirects to itself without it (it never sits in the address bar, history or a Referer).
Opening the page writes nothing (mail scanners open links); the button does.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for

from ..formfields import ConfirmForm
from ..localization import current_language
from ..permissions import public
from .confirmation import InvalidConfirmLink, confirm_with_link, read_confirm_token
from .freshness import confirmed_note

bp = Blueprint("confirm", __name__)

TOKEN_KEY = "listing_confirm_tokens"  # {listing id: token}: one organizer may open several
MAX_KEPT = 8  # the session is a cookie: keep the latest few links only

@bp.after_request
def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/listings/confirm", methods=["GET", "POST"])
@public
def confirm() -> Any:
    """``?token=`` lands (kept in the session per listing, then ``?listing=<id>``); each
    listing's page and button use that listing's own link, so two reminders opened in two tabs
    each confirm what they show."""
    kept: dict[str, str] = dict(session.get(TOKEN_KEY) or {})
    if request.method == "GET" and "token" in request.args:
        token = request.args.get("token", "")
        try:
            group, _user = read_confirm_token(token)
        except InvalidConfirmLink:
            return redirect(url_for(".confirm"), 303)
        kept.pop(str(group.id), None)
        kept[str(group.id)] = token
        session[TOKEN_KEY] = dict(list(kept.items())[-MAX_KEPT:])
        return redirect(url_for(".confirm", listing=group.id), 303)
    listing = request.args.get("listing", "")
    token = kept.get(listing, "")
    try:
        group, _user = read_confirm_token(token)
        form = ConfirmForm()
        if form.validate_on_submit():
            group = confirm_with_link(token)
            kept.pop(listing, None)
            session[TOKEN_KEY] = kept
            return render_template("groups/confirmed.html", group=group,
                                   confirmed=confirmed_note(group, current_language()))
    except InvalidConfirmLink as exc:
        if listing in kept:
            kept.pop(listing)
            session[TOKEN_KEY] = kept
        return render_template("groups/confirm_invalid.html", detail=exc.detail), 400
    return render_template("groups/confirm.html", group=group, form=form)
