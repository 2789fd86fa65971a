"""The facilitator form; contact details are private unless a box is ticked."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from ..formfields import MultiLine, ServiceChecked, SingleLine, ValidEmail
from .models import Facilitator
from .services import FacilitatorData, validate_facilitator

OPT_IN_HINT = _l("Shown publicly on the group page and in calendar feeds only if you tick this.")


class FacilitatorForm(ServiceChecked, FlaskForm):
    name = StringField(_l("Name"), validators=[SingleLine()])
    bio = TextAreaField(_l("About them (public)"), validators=[MultiLine()])
    email = EmailField(_l("Email"), validators=[Optional(), ValidEmail()])
    phone = StringField(_l("Phone"), validators=[Optional(), SingleLine()])
    show_email = BooleanField(_l("Show this email address publicly"))
    show_phone = BooleanField(_l("Show this phone number publicly"))
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    save = SubmitField(_l("Save facilitator"))

    def fill(self, person: Facilitator) -> None:
        for name in ("name", "bio", "email", "phone", "show_email", "show_phone"):
            getattr(self, name).data = getattr(person, name)

    def service_problems(self) -> dict[str, list[str]]:
        return validate_facilitator(self.facilitator_data())

    def facilitator_data(self) -> FacilitatorData:
        return FacilitatorData(
            name=(self.name.data or "").strip(), bio=(self.bio.data or "").strip(),
            email=(self.email.data or "").strip() or None, phone=(self.phone.data or "").strip() or None,
            show_email=bool(self.show_email.data), show_phone=bool(self.show_phone.data))
