"""Accounts: registration, email confirmation, sign-in, password reset and change, admins.

Rules (decided here, nowhere else):
- No account enumeration (ASVS 6.3.8): registering with a taken address, asking for a reset of an
  unknown one, and signing in with an unknown address or a wrong password all answer exactly as
  the other case does, and do comparable work (a password hash, one mail, a dummy verify) so the
  time taken does not tell either. Only someone who typed the right password learns that the
  account still needs its email confirmed.
- Addresses are checked and kept as ``validation.normalize_email`` gives them (email-validator's
  normal form, lower-cased), so ``Ann@Example.org`` and ``ann@example.org`` are one account.
- Resetting or changing a password, and signing out, rotate ``User.session_token``, which ends
  every session and remember-me cookie of the account (Flask-Login's id embeds the token).
- The language of the page someone registers, signs in or resets their password on becomes
  ``User.language``: mail that others' actions or background jobs send them speaks it
  (``mail.language_of``). A failed sign-in or someone else's registration attempt changes nothing.
- Every public service is one transaction; on a domain error nothing was written. Mail is
  queued in the outbox in the same transaction as the change it tells of (``mail.send``), so it
  goes out if and only if that change commits, and a mail server that is down only delays it.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from .. import localization, mail, validation
from ..db import now_utc
from ..exceptions import GroupfinderError, InvalidInput
from ..extensions import db
from ..transactions import transaction
from ..urls import absolute_url
from .models import Role, User
from .passwords import check_needs_rehash, hash_password, password_problems, verify_password
from .tokens import MAX_AGE, Purpose, make_token, read_token

log = logging.getLogger(__name__)

SIGN_IN_FAILED = _l("The email address or password is not right. Check them and try again.")
# The account pages' wording of ``validation.EMAIL_MESSAGE`` (they say "Enter your …" throughout).
EMAIL_MESSAGE = _l("Enter an email address like name@example.org.")
DISPLAY_NAME_MAX = 120


class SignInFailed(InvalidInput):
    """Unknown address, wrong password, or a disabled account with a wrong password."""

    type_slug = "sign-in-failed"
    title = _l("Sign-in failed")

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        super().__init__(detail or str(SIGN_IN_FAILED), **kw)


class EmailNotConfirmed(SignInFailed):
    """The password was right, but the address was never confirmed (a new link was sent)."""


class AccountDisabled(SignInFailed):
    """The password was right, but an admin switched the account off."""


class InvalidToken(GroupfinderError):
    status = 400
    type_slug = "invalid-link"
    title = _l("This link doesn't work any more")


# --- helpers --------------------------------------------------------------------------------

def _valid_email(email: str) -> str:
    """The address as stored (``validation.normalize_email``), or ``InvalidInput`` on ``email``."""
    if not (email or "").strip():
        raise InvalidInput(_("Please correct the marked fields."),
                           field_errors={"email": [_("Enter your email address.")]})
    try:
        return validation.normalize_email(email)
    except validation.InvalidEmail as exc:
        message = str(EMAIL_MESSAGE) if str(exc) == validation.EMAIL_MESSAGE else _(str(exc))
        raise InvalidInput(_("Please correct the marked fields."),
                           field_errors={"email": [message]}) from None


def _policy_email(email: str) -> str:
    """The address as the password policy compares it, valid or not (all problems at once)."""
    try:
        return validation.normalize_email(email)
    except validation.InvalidEmail:
        return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account with this address; ``None`` for any other, an invalid address included."""
    try:
        address = validation.normalize_email(email)
    except validation.InvalidEmail:
        return None
    return db.session.scalar(sa.select(User).where(User.email == address))


def _page_language() -> str | None:
    """The language of the page in use; ``None`` outside a request (the CLI records none)."""
    return localization.current_language() if has_request_context() else None


def _hours(purpose: Purpose) -> str:
    hours = MAX_AGE[purpose] // 3600
    return ngettext("%(num)d hour", "%(num)d hours", hours)


def _greeting(user: User | None) -> str:
    if user is not None and user.display_name:
        return _("Hello %(name)s,", name=user.display_name)
    return _("Hello,")


# The mails are in the language of the page that caused them (the person reads it there).

def _send_confirmation(user: User) -> None:
    link = absolute_url("accounts.confirm_email", token=make_token(user, Purpose.confirm_email))
    mail.send(user.email, _("Confirm your email address for groupfinder"), (
        f"{_greeting(user)}\n\n"
        + _("Please confirm your email address to finish setting up your groupfinder account:")
        + f"\n\n{link}\n\n"
        + _("The link works for %(duration)s. If it has expired, sign in and we will send you a "
            "new one.", duration=_hours(Purpose.confirm_email))
        + "\n\n"
        + _("If you didn't create an account, you can ignore this email: nothing happens without "
            "the link.")
        + "\n"))


def _send_already_registered(user: User) -> None:
    # Someone else's attempt: in the account holder's language, not the stranger's page's.
    with mail.speaking(mail.language_of(user)):
        _write_already_registered(user)


def _write_already_registered(user: User) -> None:
    login = absolute_url("accounts.login")
    reset = absolute_url("accounts.reset_request")
    if user.email_confirmed_at is None:
        confirm = absolute_url("accounts.confirm_email",
                               token=make_token(user, Purpose.confirm_email))
        extra = (_("Your account is not confirmed yet. To confirm it, open this link:")
                 + f"\n\n{confirm}\n\n"
                 + _("Then sign in with the password you chose the first time, or set a new one "
                     "here:")
                 + f"\n\n{reset}\n")
    else:
        extra = (_("If it was you, you can sign in here:") + f"\n\n{login}\n\n"
                 + _("or, if you don't remember your password, set a new one here:")
                 + f"\n\n{reset}\n")
    mail.send(user.email, _("Someone tried to register with your address on groupfinder"), (
        f"{_greeting(user)}\n\n"
        + _("Someone tried to create a groupfinder account with this email address, but there "
            "already is an account with it.")
        + f"\n\n{extra}\n"
        + _("If it wasn't you, you don't need to do anything: your account has not changed.")
        + "\n"))


def _send_reset(user: User) -> None:
    link = absolute_url("accounts.reset_password", token=make_token(user, Purpose.reset_password))
    mail.send(user.email, _("Set a new password for groupfinder"), (
        f"{_greeting(user)}\n\n"
        + _("Someone (we hope you) asked to set a new password for your groupfinder account. "
            "Open this link to choose one:")
        + f"\n\n{link}\n\n"
        + _("The link works once, for %(duration)s.", duration=_hours(Purpose.reset_password))
        + "\n\n"
        + _("If you didn't ask, you can ignore this email: your password has not changed.")
        + "\n"))


def _send_no_account(email: str) -> None:
    register = absolute_url("accounts.register")
    mail.send(email, _("About your groupfinder password request"), (
        _("Hello,") + "\n\n"
        + _("Someone (we hope you) asked to set a new password for a groupfinder account with "
            "this email address, but there is no account with it.")
        + "\n\n"
        + _("If it was you, perhaps you registered with another address. You can also create an "
            "account here:")
        + f"\n\n{register}\n\n"
        + _("If you didn't ask, you can ignore this email.")
        + "\n"))


def _notify_password_changed(user: User) -> None:
    mail.send(user.email, _("Your groupfinder password was changed"), (
        f"{_greeting(user)}\n\n"
        + _("The password of your groupfinder account was just changed, and every device that "
            "was signed in has been signed out.")
        + "\n\n"
        + _("If this wasn't you, set a new password straight away:")
        + f"\n\n{absolute_url('accounts.reset_request')}\n"))


# --- services -------------------------------------------------------------------------------

def register_user(email: str, password: str, display_name: str = "") -> None:
    """Start an organizer account and mail a confirmation link.

    If the address already has an account, that person gets a "someone tried to register with
    your address" mail instead; the caller sees the same outcome either way (nothing returned).
    Raises ``InvalidInput`` per field (email, password, display_name) before anything is written
    or queued; the mail waits in the outbox when the mail server is down.
    """
    display_name = (display_name or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        email = _valid_email(email)
    except InvalidInput as exc:
        errors.update(exc.field_errors)
    if len(display_name) > DISPLAY_NAME_MAX:
        errors["display_name"] = [_("Keep your name under %(max)s characters.", max=DISPLAY_NAME_MAX)]
    problems = password_problems(password, email=_policy_email(email), context=[display_name])
    if problems:
        errors["password"] = problems
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)

    # The mail is queued in the same transaction as the account: it goes out after the commit,
    # so a mail server that is down delays the mail, never the registration.
    # Hashed before the write transaction: SQLite's write lock is never held through Argon2.
    password_hash = hash_password(password)  # also the work either branch costs: timing tells nothing
    try:
        with transaction():
            existing = find_user_by_email(email)
            if existing is None:
                user = User(email=email, display_name=display_name, role=Role.organizer,
                            password_hash=password_hash, language=_page_language())
                db.session.add(user)
                db.session.flush()
                _send_confirmation(user)
            else:
                _send_already_registered(existing)
    except IntegrityError:
        # Someone registered the same address at the same moment: now it is an existing one.
        with transaction():
            existing = find_user_by_email(email)
            if existing is not None:
                _send_already_registered(existing)
    log.info("account.register")


def check_confirm_token(token: str) -> User:
    """The account a confirmation link is for (read-only); ``InvalidToken`` if it can't be used."""
    user = read_token(token, Purpose.confirm_email)
    if user is None:
        raise InvalidToken(_("This confirmation link has expired or has already been used. If "
                             "you have confirmed already, just sign in; otherwise sign in and we "
                             "will send you a new link."))
    return user


def confirm_email(token: str) -> User:
    """Mark the address of the token's account as confirmed. The link then stops working."""
    with transaction():
        user = check_confirm_token(token)
        user.email_confirmed_at = now_utc()
    log.info("account.email_confirmed user=%s", user.id)
    return user


def authenticate(email: str, password: str) -> User:
    """The account for this address and password, ready for ``login_user``.

    Raises ``SignInFailed`` with one message for an unknown address or a wrong password (a dummy
    hash is verified for unknown addresses, so both take as long). Only when the password is
    right: ``EmailNotConfirmed`` (a new confirmation link is mailed) or ``AccountDisabled``.
    A hash made with older Argon2 parameters is replaced, and the page's language becomes the
    account's (one short transaction, only when either changes).
    """
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user is not None else None, password or ""):
        log.info("auth.login.failure user=%s", user.id if user is not None else "-")
        raise SignInFailed()
    assert user is not None and user.password_hash is not None
    if not user.is_enabled:
        log.info("auth.login.refused user=%s reason=disabled", user.id)
        raise AccountDisabled(_("This account has been switched off. If you think that is a "
                                "mistake, please contact the site's team."))
    if user.email_confirmed_at is None:
        log.info("auth.login.refused user=%s reason=unconfirmed", user.id)
        _send_confirmation(user)  # queued in its own short transaction
        raise EmailNotConfirmed(_("Please confirm your email address first. We have sent you "
                                  "a new link; open it, then sign in."))
    new_hash = hash_password(password) if check_needs_rehash(user.password_hash) else None
    language = _page_language()
    if new_hash is not None or (language is not None and user.language != language):
        with transaction():
            if new_hash is not None:
                user.password_hash = new_hash
            if language is not None:
                user.language = language
    log.info("auth.login.success user=%s", user.id)
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link to the account with this address, or a "no account here" note to the
    address when there is none: the caller sees the same outcome either way. Writes only the
    mail, queued in the outbox (one short write)."""
    try:
        address = validation.normalize_email(email)
    except validation.InvalidEmail:
        return  # the form refuses such input; nothing to send to
    user = find_user_by_email(address)
    if user is not None:
        _send_reset(user)
    else:
        _send_no_account(address)
    log.info("account.reset_requested")


def check_reset_token(token: str) -> User:
    """The account a reset link is for (read-only); ``InvalidToken`` if it can't be used."""
    user = read_token(token, Purpose.reset_password)
    if user is None:
        raise InvalidToken(_("This link to set a new password has expired or has already been "
                             "used. You can ask for a new one."))
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link; ends every session of the account.

    The link then stops working (the password hash is part of its fingerprint). As the link
    proves the person reads the mailbox, an unconfirmed address becomes confirmed.
    Raises ``InvalidToken`` or ``InvalidInput`` on ``password``; nothing written then.
    """
    user = check_reset_token(token)
    problems = password_problems(new_password, email=user.email, context=[user.display_name])
    if problems:
        raise InvalidInput(_("Please correct the marked fields."), field_errors={"password": problems})
    new_hash = hash_password(new_password)  # before the write lock is taken
    with transaction():
        user = check_reset_token(token)  # again, inside: the link may have been used meanwhile
        user.password_hash = new_hash
        if user.email_confirmed_at is None:
            user.email_confirmed_at = now_utc()
        user.rotate_session_token()
        user.language = _page_language() or user.language
        _notify_password_changed(user)
    log.info("account.password_reset user=%s", user.id)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change a signed-in person's password; requires the current one (ASVS 6.2.3).

    Rotates the session token, so every other session and remember-me cookie ends; the caller
    signs this session in again with the new id. Raises ``InvalidInput`` on
    ``current_password``/``new_password``; nothing written then.
    """
    errors: dict[str, list[str]] = {}
    if not current_password:
        errors["current_password"] = [_("Enter your current password.")]
    elif not verify_password(user.password_hash, current_password):
        errors["current_password"] = [_("That is not your current password.")]
    problems = password_problems(new_password, email=user.email, context=[user.display_name])
    if problems:
        errors["new_password"] = problems
    elif new_password == current_password:
        errors["new_password"] = [
            _("Choose a password that is different from your current one.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)
    new_hash = hash_password(new_password)
    with transaction():
        user.password_hash = new_hash
        user.rotate_session_token()
        _notify_password_changed(user)
    log.info("account.password_changed user=%s", user.id)


def sign_out_everywhere(user: User) -> None:
    """End every session and remember-me cookie of the account (used by sign-out: Flask's session
    is a client-side cookie, so only rotating the token makes a copied cookie useless)."""
    with transaction():
        user.rotate_session_token()
    log.info("auth.logout user=%s", user.id)


def create_admin(email: str, password: str) -> tuple[User, bool]:
    """Create an admin account, or make the existing account with this address an admin.

    Either way the account gets this password, a confirmed address, is enabled, and all its
    sessions end (its role changed). Writes an ``account.admin_created`` audit entry.
    Returns the account and whether it is new. Raises ``InvalidInput`` on email/password.
    """
    from ..audit import audit

    errors: dict[str, list[str]] = {}
    try:
        email = _valid_email(email)
    except InvalidInput as exc:
        errors.update(exc.field_errors)
    problems = password_problems(password, email=_policy_email(email))
    if problems:
        errors["password"] = problems
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), field_errors=errors)
    new_hash = hash_password(password)
    with transaction():
        user = find_user_by_email(email)
        created = user is None
        if user is None:
            user = User(email=email, display_name="")
            db.session.add(user)
        user.role = Role.admin
        user.is_enabled = True
        user.password_hash = new_hash
        if user.email_confirmed_at is None:
            user.email_confirmed_at = now_utc()
        user.rotate_session_token()
        db.session.flush()
        audit("account.admin_created", by=None, subject=user, details={"created": created})
    log.info("account.admin_created user=%s created=%s", user.id, created)
    return user, created

