"""The forms of the organisation pages under /manage: details, invitation, a member's role.

Parsing only: the rules live in ``organisations.services`` (``validate_organisation``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from ..formfields import MultiLine, ServiceChecked, SingleLine, ValidEmail
from .models import MemberRole, Organisation
from .services import OrganisationData, validate_organisation

ROLE_CHOICES = [SelectChoice(MemberRole.member.value, _l("Member: manages the organisation's groups")),
                SelectChoice(MemberRole.owner.value,
                             _l("Owner: also manages the team and these details"))]


class OrganisationForm(ServiceChecked, FlaskForm):
    name = StringField(_l("Name"), validators=[SingleLine()])
    description = TextAreaField(_l("About the organisation (public)"), validators=[MultiLine()])
    website = StringField(_l("Website"), validators=[Optional(), SingleLine()])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    save = SubmitField(_l("Save"))

    def fill(self, org: Organisation) -> None:
        for name in ("name", "description", "website"):
            getattr(self, name).data = getattr(org, name)

    def service_problems(self) -> dict[str, list[str]]:
        return validate_organisation(self.organisation_data())

    def organisation_data(self) -> OrganisationData:
        return OrganisationData(name=(self.name.data or "").strip(),
                                description=(self.description.data or "").strip(),
                                website=(self.website.data or "").strip() or None)


class InviteForm(FlaskForm):
    email = EmailField(_l("Their email address"), validators=[ValidEmail()])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=MemberRole.member.value)
    invite = SubmitField(_l("Send invitation"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    change = SubmitField(_l("Change role"))
