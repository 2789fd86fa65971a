"""Account pages: register, confirm, sign in and out, reset and change a password.

Thin: form → one service → redirect, or the form again with the person's input (never a
password) and a message per field. Every page answers ``Cache-Control: no-store``. Signing in
starts a new session (``session.clear()`` then ``login_user``); signing out, resetting or changing
a password rotate the account's session token, so copied cookies stop working.

Emailed links (confirm, reset) carry their token in the query string: gunicorn's recommended
access-log format (``%(U)s``) and the app's request log leave query values out. The landing moves
the token into the signed session cookie and redirects to the same page without it, so the page
the form is on, the ``Location`` and every later ``Referer`` are token-free. Links of the old
form (``/accounts/confirm/<token>``) put the token in the path, which access logs keep: they
are werkzeug aliases, redirected to the token-free page without the token, where they meet the
usual "this link doesn't work any more" (tokens made for them can't be used: see ``tokens``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm

from .. import i18n
from ..exceptions import InvalidInput
from ..permissions import organizer_required, public
from ..security import remember_address
from . import services
from .forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    RegistrationForm,
    add_errors,
    field_errors,
)

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

@bp.after_request
def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/…``, no scheme, host or backslash), else None."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target or any(ord(c) < 32 or ord(c) == 127
                                                         for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    path = parts.path
    if len(path) > 3 and path[3] == "/" and path[1:3] in i18n.LANGUAGES:  # /es/accounts/login
        path = path[3:]
    if path.startswith(("/accounts/login", "/accounts/logout")):
        return None
    return target


def after_sign_in_url() -> str:
    """The organizer's dashboard once it exists; the home page until then."""
    if "manage.dashboard" in current_app.view_functions:
        return url_for("manage.dashboard")
    return url_for("pages.home")


def _page(template: str, form: FlaskForm | None = None, status: int = 200, **context: Any) -> Any:
    errors = field_errors(form) if form is not None else {}
    if form is not None and form.is_submitted() and status == 200 and errors:
        status = 422
    return render_template(template, form=form, errors=errors, **context), status


def _start_session(user: Any, *, remember: bool) -> None:
    """A fresh session for ``user``: nothing of the one before it is carried over."""
    session.clear()
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
@public
def register() -> Any:
    form = RegistrationForm()
    status = 200
    if form.validate_on_submit():
        try:  # (the confirmation mail waits in the outbox: SMTP being down loses nothing)
            services.register_user(form.email.data, form.password.data,
                                   form.display_name.data or "")
        except InvalidInput as exc:
            add_errors(form, exc.field_errors)
            status = 422
        else:
            return redirect(url_for("accounts.check_email", sent="register"))
    return _page("accounts/register.html", form, status)


@bp.get("/check-email")
@public
def check_email() -> Any:
    sent = request.args.get("sent")
    return _page("accounts/check_email.html", sent="reset" if sent == "reset" else "register")


# session keys holding a link's token between its landing and the form
CONFIRM_TOKEN = "confirm_token"
RESET_TOKEN = "reset_token"


def _land(session_key: str) -> Any | None:
    """On a link's landing (``GET …?token=``): keep the token in the session and redirect to the
    same page without it. ``None`` on any other request."""
    if request.method not in ("GET", "HEAD") or "token" not in request.args:
        return None
    token = request.args.get("token", "")
    if token and len(token) <= 1000:
        session[session_key] = token
    else:
        session.pop(session_key, None)
    return redirect(url_for(request.endpoint or "accounts.login"), code=303)


@bp.route("/confirm", methods=["GET", "POST"])
@bp.route("/confirm/<token>", methods=["GET", "POST"], alias=True)  # old links: see module doc
@public
def confirm_email(token: str | None = None) -> Any:
    landing = _land(CONFIRM_TOKEN)
    if landing is not None:
        return landing
    kept = session.get(CONFIRM_TOKEN, "")
    try:
        services.check_confirm_token(kept)  # first: a dead link's page needs no form (no cookie)
        form = ConfirmForm()
        if form.validate_on_submit():
            services.confirm_email(kept)
            session.pop(CONFIRM_TOKEN, None)
            flash(_("Thank you: your email address is confirmed. You can sign in now."))
            return redirect(url_for("accounts.login"))
    except services.InvalidToken as exc:
        session.pop(CONFIRM_TOKEN, None)
        return _page("accounts/invalid_link.html", status=400, detail=exc.detail,
                     purpose="confirm")
    return _page("accounts/confirm.html", form)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    form = LoginForm()
    if not form.is_submitted():
        form.next.data = safe_next(request.args.get("next")) or ""
    problem = None
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.SignInFailed as exc:
            problem, status = exc.detail, 422
        else:
            remember_address(user.email)
            target = safe_next(form.next.data) or after_sign_in_url()
            _start_session(user, remember=bool(form.remember.data))
            return redirect(target)
    return _page("accounts/login.html", form, status, problem=problem)


@bp.post("/logout")
@public
def logout() -> Any:
    if current_user.is_authenticated:
        services.sign_out_everywhere(current_user._get_current_object())
    session.clear()
    logout_user()  # after clear(): it leaves the note that deletes the remember-me cookie
    flash(_("You have signed out."))
    return redirect(url_for("accounts.login"))


@bp.route("/reset", methods=["GET", "POST"])
@public
def reset_request() -> Any:
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)  # (the mail waits in the outbox)
        return redirect(url_for("accounts.check_email", sent="reset"))
    return _page("accounts/reset_request.html", form, 200)


@bp.route("/new-password", methods=["GET", "POST"])
@bp.route("/reset/<token>", methods=["GET", "POST"], alias=True)  # old links: see module doc
@public
def reset_password(token: str | None = None) -> Any:
    landing = _land(RESET_TOKEN)
    if landing is not None:
        return landing
    kept = session.get(RESET_TOKEN, "")
    try:
        user = services.check_reset_token(kept)
        form = PasswordResetForm(email=user.email, context=(user.display_name,))
        status = 200
        if form.validate_on_submit():
            try:
                services.reset_password(kept, form.password.data)
            except InvalidInput as exc:
                add_errors(form, exc.field_errors)
                status = 422
            else:
                session.clear()  # the token goes with it
                logout_user()
                remember_address(user.email)  # the link proved the owner: see security
                flash(_("Your new password is set, and every device that was signed in has been "
                      "signed out. Sign in with your new password."))
                return redirect(url_for("accounts.login"))
    except services.InvalidToken as exc:
        session.pop(RESET_TOKEN, None)
        return _page("accounts/invalid_link.html", status=400, detail=exc.detail,
                     purpose="reset")
    return _page("accounts/reset.html", form, status, email=user.email)


@bp.route("/password", methods=["GET", "POST"])
@organizer_required
def change_password() -> Any:
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except InvalidInput as exc:
            add_errors(form, exc.field_errors)
            status = 422
        else:
            # The token rotated: this session carries on under the new id, every other one ends.
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            _start_session(user, remember=remember_cookie in request.cookies)
            flash(_("Your password is changed. Any other device that was signed in has been "
                  "signed out."))
            return redirect(url_for("accounts.change_password"))
    return _page("accounts/change_password.html", form, status)
