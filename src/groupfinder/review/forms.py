"""Forms of the admin review pages, and the public report-a-problem form.

Validation here is for the person filling the form in; the services check the same rules again
(they are the authority), and their ``InvalidInput`` is shown on the same fields.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from ..accounts.models import Role
from ..formfields import MultiLine
from .services import REPORT_KINDS

REASON_REQUIRED = _l("Give a reason: the organizer will see it.")


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
    note = TextAreaField(_l("Note to the organizer (optional)"), filters=[_strip],
                         validators=[Optional(), Length(max=500, message=_l("Keep it under 500 characters.")),
                                     MultiLine()])


class RejectForm(_VersionedForm):
    reason = TextAreaField(_l("Reason (the organizer will see it)"), filters=[_strip],
                           validators=[DataRequired(REASON_REQUIRED),
                                       Length(max=500, message=_l("Keep it under 500 characters.")),
                                       MultiLine()])


class ArchiveForm(FlaskForm):
    reason = TextAreaField(_l("Why archive this listing?"), filters=[_strip],
                           validators=[DataRequired(_l("Give a reason for the audit log.")),
                                       Length(max=500, message=_l("Keep it under 500 characters.")),
                                       MultiLine()])


class RestoreForm(FlaskForm):
    reason = TextAreaField(_l("Why restore this listing?"), filters=[_strip],
                           validators=[DataRequired(_l("Give a reason for the audit log.")),
                                       Length(max=500, message=_l("Keep it under 500 characters.")),
                                       MultiLine()])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(Role.organizer.value, _l("Organizer")),
                                SelectChoice(Role.admin.value, _l("Admin"))],
                       validate_choice=False,
                       validators=[InputRequired(_l("Choose a role.")),
                                   AnyOf([r.value for r in Role], message=_l("Choose a role."))])
    reason = TextAreaField(_l("Reason"), filters=[_strip],
                           validators=[DataRequired(_l("Give a reason for the audit log.")),
                                       Length(max=500, message=_l("Keep it under 500 characters.")),
                                       MultiLine()])


class ResolveReportForm(FlaskForm):
    reason = TextAreaField(_l("What was done (optional)"), filters=[_strip],
                           validators=[Optional(), Length(max=500, message=_l("Keep it under 500 characters.")),
                                       MultiLine()])


class AuditFilterForm(FlaskForm):
    """GET filters of the audit log; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    # max: a number the database can compare (PostgreSQL ``integer``), not a driver error.
    group = IntegerField(_l("Listing number"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1, message=_l("A listing number is a whole number."))])
    action = SelectField(_l("Action"), choices=[], validate_choice=False, validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


class ReportProblemForm(FlaskForm):
    """Public: what is wrong, and optionally a message. Deliberately no name or email field."""

    kind = RadioField(_l("What is the problem?"), choices=[SelectChoice(k, _l(v)) for k, v in REPORT_KINDS.items()],
                      validate_choice=False,
                      validators=[InputRequired(_l("Choose what the problem is.")),
                                  AnyOf(list(REPORT_KINDS), message=_l("Choose what the problem is."))])
    meeting = SelectField(_l("Which meeting didn't happen?"), choices=[], validate_choice=False,
                          validators=[Optional()])
    message = TextAreaField(_l("Tell us more (optional)"), filters=[_strip],
                            validators=[Optional(), Length(max=2000, message=_l("Keep it under 2,000 characters.")),
                                        MultiLine()])
