"""Account forms. They check presence and shape; the rules (password policy, who exists) are the
services'. Password fields never render their value back."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..formfields import (
    ConfirmForm,  # noqa: F401  (re-exported for the views)
    SingleLine,
    ValidEmail,
    add_service_errors,
)
from .passwords import password_problems
from .services import EMAIL_MESSAGE


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _email_field(label: Any = None) -> EmailField:
    return EmailField(label or _l("Email address"), filters=[_strip], validators=[
        DataRequired(_l("Enter your email address.")),
        Length(max=254, message=_l("That email address is too long.")),
        ValidEmail(EMAIL_MESSAGE),
    ])


def _password_field(label: Any, missing: Any) -> PasswordField:
    # No Length validator: it would render a maxlength, and browsers cut pasted passwords short
    # without a word (ASVS 6.2.8). The policy's bounds and messages are the services'.
    return PasswordField(label, validators=[DataRequired(missing)])


def _check_policy(field: Any, *, email: str, context: tuple[str, ...] = ()) -> None:
    """The service's password policy, early, so every field's message shows at once."""
    problems = password_problems(field.data or "", email=email or "", context=context)
    if problems:
        raise ValidationError(problems[0])


class RegistrationForm(FlaskForm):
    display_name = StringField(_l("Your name (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=120, message=_l("Keep your name under 120 characters.")), SingleLine()])
    email = _email_field()
    password = _password_field(_l("Choose a password"), _l("Choose a password."))

    def validate_password(self, field: Any) -> None:
        _check_policy(field, email=(self.email.data or "").lower(),
                      context=(self.display_name.data or "",))


class LoginForm(FlaskForm):
    email = _email_field()
    password = _password_field(_l("Password"), _l("Enter your password."))
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class PasswordResetRequestForm(FlaskForm):
    email = _email_field()


class PasswordResetForm(FlaskForm):
    password = _password_field(_l("New password"), _l("Choose a new password."))

    def __init__(self, *args: Any, email: str = "", context: tuple[str, ...] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._policy = {"email": email, "context": context}

    def validate_password(self, field: Any) -> None:
        _check_policy(field, **self._policy)


class ChangePasswordForm(FlaskForm):
    current_password = _password_field(_l("Current password"), _l("Enter your current password."))
    new_password = _password_field(_l("New password"), _l("Choose a new password."))


def add_errors(form: FlaskForm, field_errors: dict[str, list[str]]) -> None:
    """Show a service's per-field messages on the form's fields (unknown names on ``email``)."""
    add_service_errors(form, field_errors, fallback="email")


def field_errors(form: FlaskForm) -> dict[str, list[str]]:
    """Every field's messages, in form order (fresh: ``form.errors`` is cached by WTForms)."""
    return {f.name: list(f.errors) for f in form if f.errors and f.name != "csrf_token"}
