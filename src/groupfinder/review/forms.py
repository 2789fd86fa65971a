"""Forms of the admin review pages, and the public report-a-problem form.

Validation here is for the person filling the form in; the services check the same rules again
(they are the authority), and their ``InvalidInput`` is shown on the same fields.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from ..accounts.models import Role
from ..formfields import MultiLine
from .services import REPORT_KINDS

REASON_REQUIRED = "Give a reason: the organizer will see it."


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class _VersionedForm(FlaskForm):
    # The group version the admin looked at: a change since then is a conflict, not approved.
    version = HiddenField(validators=[Optional()])

    def expected_version(self) -> int | None:
        text = self.version.data or ""
        # ASCII and short: str.isdigit() also accepts "²", and int() refuses over 4300 digits.
        return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


class ApproveForm(_VersionedForm):
    note = TextAreaField("Note to the organizer (optional)", filters=[_strip],
                         validators=[Optional(), Length(max=500, message="Keep it under 500 characters."),
                                     MultiLine()])


class RejectForm(_VersionedForm):
    reason = TextAreaField("Reason (the organizer will see it)", filters=[_strip],
                           validators=[DataRequired(REASON_REQUIRED),
                                       Length(max=500, message="Keep it under 500 characters."),
                                       MultiLine()])


class ArchiveForm(FlaskForm):
    reason = TextAreaField("Why archive this listing?", filters=[_strip],
                           validators=[DataRequired("Give a reason for the audit log."),
                                       Length(max=500, message="Keep it under 500 characters."),
                                       MultiLine()])


class RestoreForm(FlaskForm):
    reason = TextAreaField("Why restore this listing?", filters=[_strip],
                           validators=[DataRequired("Give a reason for the audit log."),
                                       Length(max=500, message="Keep it under 500 characters."),
                                       MultiLine()])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(Role.organizer.value, "Organizer"),
                                SelectChoice(Role.admin.value, "Admin")],
                       validate_choice=False,
                       validators=[InputRequired("Choose a role."),
                                   AnyOf([r.value for r in Role], message="Choose a role.")])
    reason = TextAreaField("Reason", filters=[_strip],
                           validators=[DataRequired("Give a reason for the audit log."),
                                       Length(max=500, message="Keep it under 500 characters."),
                                       MultiLine()])


class ResolveReportForm(FlaskForm):
    reason = TextAreaField("What was done (optional)", filters=[_strip],
                           validators=[Optional(), Length(max=500, message="Keep it under 500 characters."),
                                       MultiLine()])


class AuditFilterForm(FlaskForm):
    """GET filters of the audit log; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    # max: a number the database can compare (PostgreSQL ``integer``), not a driver error.
    group = IntegerField("Listing number", validators=[Optional(), NumberRange(min=1, max=2**31 - 1, message="A listing number is a whole number.")])
    action = SelectField("Action", choices=[], validate_choice=False, validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


class ReportProblemForm(FlaskForm):
    """Public: what is wrong, and optionally a message. Deliberately no name or email field."""

    kind = RadioField("What is the problem?", choices=[SelectChoice(k, v) for k, v in REPORT_KINDS.items()],
                      validate_choice=False,
                      validators=[InputRequired("Choose what the problem is."),
                                  AnyOf(list(REPORT_KINDS), message="Choose what the problem is.")])
    meeting = SelectField("Which meeting didn't happen?", choices=[], validate_choice=False,
                          validators=[Optional()])
    message = TextAreaField("Tell us more (optional)", filters=[_strip],
                            validators=[Optional(), Length(max=2000, message="Keep it under 2,000 characters."),
                                        MultiLine()])
