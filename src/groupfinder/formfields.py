"""What every form shares: validators for ``validation``'s checks, so every form refuses what
the services, the CSV importer and the CLI refuse, in the same words, and shows it on the field
with the person's input kept (a CR or LF in a name would otherwise end an iCalendar or mail line
early); the one way a service's per-field messages reach a form; and the bare confirm form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import ValidationError

from . import validation


class SingleLine:
    """No control characters at all (CR and LF included): names, address lines, phone…"""

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and (problem := validation.single_line_problem(field.data)):
            raise ValidationError(_(problem))


class MultiLine:
    """Line breaks and tabs, but no other control character: descriptions, bios, reasons."""

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and (problem := validation.multi_line_problem(field.data)):
            raise ValidationError(_(problem))


class ValidEmail:
    """An email address as ``email-validator`` accepts it (an empty value is left to
    ``Optional``/``DataRequired``). ``message`` replaces the general "like name@example.org"
    message only, for pages that word it their own way; "too long" stays as it is."""

    def __init__(self, message: Any = None) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        problem = validation.email_problem(field.data if isinstance(field.data, str) else None)
        if problem:
            if self.message and problem == validation.EMAIL_MESSAGE:
                raise ValidationError(str(self.message))
            raise ValidationError(_(problem))


class ServiceChecked:
    """Mixin for a form whose service checks more rules than its fields do. The views call the
    service only when the form is valid, so when one of these validators refuses a value the
    service's own messages are added too (``service_problems``): the form comes back with every
    problem marked at once, not one round per rule."""

    def service_problems(self) -> dict[str, list[str]]:
        return {}

    def validate(self, extra_validators: Any = None) -> bool:
        if super().validate(extra_validators):  # type: ignore[misc]
            return True
        fields = self._fields  # type: ignore[attr-defined]
        if fields.get("csrf_token") is not None and fields["csrf_token"].errors:
            return False  # not a form this person sent: nothing more to check
        add_service_errors(self, self.service_problems())
        return False


def add_service_errors(form: Any, field_errors: Mapping[str, Sequence[str]], *,
                       fallback: str | None = None) -> list[str]:
    """Put a service's per-field messages on the form's fields (each once), a name the form
    doesn't have on ``fallback`` if given; returns the messages no field took, for the page's
    error summary. A message a service keeps in English (a ``validation`` constant) is
    translated here; one it already translated passes through unchanged."""
    left: list[str] = []
    fields = form._fields
    for name, english in field_errors.items():
        messages = [_(m) if isinstance(m, str) else str(m) for m in english]
        field = fields.get(name) or (fields.get(fallback) if fallback else None)
        if field is None:
            left += [m for m in messages if m not in left]
            continue
        field.errors = [*field.errors, *(m for m in messages if m not in field.errors)]
    return left


class ConfirmForm(FlaskForm):
    """A bare POST with its CSRF token (confirm, submit, delete, sign out); ``version`` is the
    version of the thing shown, where a stale click must not act."""

    version = HiddenField()
