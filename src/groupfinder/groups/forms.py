"""The listing form an organizer fills in; choices come from the vocabularies and their own lists.

Parsing only: the rules (required topics, sensitive text, area name…) live in
``groups.services.validate_listing`` so that every way in (form, import, API) obeys the same ones.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import HiddenInput

from ..extensions import db
from ..facilitators.models import Facilitator
from ..formfields import (
    ConfirmForm,  # noqa: F401  (re-exported for the views)
    MultiLine,
    ServiceChecked,
    SingleLine,
    ValidEmail,
)
from ..i18n import term_text
from ..localization import current_language
from ..organisations.models import Organisation
from ..organisations.queries import organisations_of
from ..permissions import team_scope
from ..venues.models import AccessFeature, Venue
from .models import Audience, Condition, Language
from .services import ListingData, validate_listing

SENSITIVE_HINT = _l("The public will see only the area you name (for example a district) and a "
                    "point about 1.5 km across; never the venue name, street, postcode or exact "
                    "point. The organiser shares the address privately.")


def optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class GroupForm(ServiceChecked, FlaskForm):
    name = StringField(_l("Name of the group"), validators=[SingleLine()])
    description = TextAreaField(_l("Description"), validators=[MultiLine()])
    what_to_expect = TextAreaField(_l("What to expect at a first meeting"), validators=[MultiLine()])
    cost = StringField(_l("Cost"), default="Free", validators=[SingleLine()])
    contact_email = EmailField(_l("Contact email (public)"), validators=[Optional(), ValidEmail()])
    website = StringField(_l("Website"), validators=[Optional(), SingleLine()])
    conditions = SelectMultipleField(_l("Topics the group supports"), validate_choice=False)
    audiences = SelectMultipleField(_l("Who the group is for"), validate_choice=False)
    languages = SelectMultipleField(_l("Languages spoken"), validate_choice=False, default=["en"])
    access = SelectMultipleField(_l("Accessibility of the group"), validate_choice=False)
    venue_id = SelectField(_l("Where the group meets"), coerce=optional_int, validate_choice=False)
    facilitator_ids = SelectMultipleField(_l("Facilitators"), coerce=int, validate_choice=False)
    is_sensitive = BooleanField(_l("Hide the exact location (sensitive group)"))
    accept_public_venue = BooleanField(
        _l("I understand that this venue's address has been public, and want to go ahead"))
    area_name = StringField(_l("Area shown to the public"), validators=[Optional(), SingleLine()])
    organisation_id = SelectField(_l("Organisation"), coerce=optional_int, validate_choice=False)
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    save = SubmitField(_l("Save"))

    def load_choices(self, user: Any, group: Any = None) -> GroupForm:
        """Vocabularies, the venues and facilitators ``user`` and their teams may use (plus the
        group's own), and the organisations ``user`` may put the listing in (admins: all)."""
        self._editor, self._group = user, group  # for ``service_problems``
        self.conditions.choices = _vocab(Condition, "condition")
        self.audiences.choices = _vocab(Audience, "audience")
        self.languages.choices = _vocab(Language, "language")
        language = current_language()
        self.access.choices = [
            SelectChoice(a.slug, term_text(language, "access", a.slug, a.name)) for a in db.session.scalars(
                sa.select(AccessFeature).where(AccessFeature.scope == "group").order_by(AccessFeature.name))]
        venues = _own(Venue, user)
        people = _own(Facilitator, user)
        if group is not None:
            venues += [v for v in ([group.venue] if group.venue else []) if v not in venues]
            people += [p for p in group.facilitators if p not in people]
        self.venue_id.choices = [SelectChoice("", _("Not chosen yet"))] + [
            SelectChoice(v.id, f"{v.name}, {v.address}, {v.town}") for v in venues]
        self.facilitator_ids.choices = [SelectChoice(p.id, p.name) for p in people]
        orgs = (list(db.session.scalars(sa.select(Organisation).order_by(
            sa.func.lower(Organisation.name), Organisation.id)))
            if user.is_admin else organisations_of(user))
        if group is not None and group.organisation is not None and group.organisation not in orgs:
            orgs.append(group.organisation)  # a co-organizer outside its team keeps it
        self._organisation_required = bool(orgs)
        self.organisation_id.choices = (
            [SelectChoice("", _("Choose…"))] if len(orgs) != 1 else []) + [
            SelectChoice(o.id, o.name) for o in orgs]
        if len(orgs) == 1 and self.organisation_id.data is None:
            self.organisation_id.data = orgs[0].id
        return self

    def validate_organisation_id(self, field: Any) -> None:
        if getattr(self, "_organisation_required", False) and field.data is None:
            raise ValidationError(_("Choose the organisation that runs this group."))

    def service_problems(self) -> dict[str, list[str]]:
        editor = getattr(self, "_editor", None)
        if editor is None:
            return {}
        return validate_listing(self.listing_data(), editor, self._group,
                                accept_public_venue=bool(self.accept_public_venue.data))

    def fill(self, data: ListingData) -> None:
        for name in ("name", "description", "what_to_expect", "cost", "contact_email", "website",
                     "is_sensitive", "area_name", "venue_id"):
            getattr(self, name).data = getattr(data, name)
        for name in ("conditions", "audiences", "languages", "access", "facilitator_ids"):
            getattr(self, name).data = list(getattr(data, name))
        # An edit stored before organisations existed keeps the group's.
        self.organisation_id.data = data.organisation_id or (
            self._group.organisation_id if getattr(self, "_group", None) is not None else None)

    def listing_data(self) -> ListingData:
        def text(value: str | None) -> str:
            return (value or "").strip()

        return ListingData(
            name=text(self.name.data), description=text(self.description.data),
            what_to_expect=text(self.what_to_expect.data), cost=text(self.cost.data) or "Free",
            contact_email=text(self.contact_email.data) or None,
            website=text(self.website.data) or None,
            conditions=tuple(self.conditions.data or ()), audiences=tuple(self.audiences.data or ()),
            languages=tuple(self.languages.data or ()), access=tuple(self.access.data or ()),
            is_sensitive=bool(self.is_sensitive.data),
            area_name=text(self.area_name.data) or None if self.is_sensitive.data else None,
            venue_id=self.venue_id.data,
            facilitator_ids=tuple(self.facilitator_ids.data or ()),
            organisation_id=self.organisation_id.data,
        )


class CoOrganizerForm(FlaskForm):
    email = EmailField(_l("Their email address"), validators=[ValidEmail()])
    add = SubmitField(_l("Add co-organizer"))


def _vocab(model: type, kind: str) -> list[SelectChoice]:
    """A vocabulary's entries, named in the page's language (``i18n.term_text``)."""
    language = current_language()
    return [SelectChoice(v.slug, term_text(language, kind, v.slug, v.name))
            for v in db.session.scalars(sa.select(model).order_by(model.name))]


def _own(model: type, user: Any) -> list[Any]:
    """Their own and their teams' (``permissions.team_scope``)."""
    return list(db.session.scalars(sa.select(model).where(team_scope(model, user))
                                   .order_by(model.name, model.id)))
