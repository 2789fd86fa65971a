"""The venue form: address → "Find on map" → a point the organizer may correct → a time zone."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from ..extensions import db
from ..formfields import SingleLine
from ..geo import regions
from ..i18n import term_text
from ..localization import current_language
from .models import AccessFeature
from .services import VenueData

COUNTRIES = [("GB", _l("United Kingdom")), ("US", _l("United States"))]

COMMON_ZONES = [
    ("Europe/London", _l("UK (Europe/London)")),
    ("Europe/Dublin", _l("Ireland (Europe/Dublin)")),
    ("America/New_York", _l("US Eastern (America/New_York)")),
    ("America/Chicago", _l("US Central (America/Chicago)")),
    ("America/Denver", _l("US Mountain (America/Denver)")),
    ("America/Phoenix", _l("Arizona (America/Phoenix)")),
    ("America/Los_Angeles", _l("US Pacific (America/Los_Angeles)")),
    ("America/Anchorage", _l("Alaska (America/Anchorage)")),
    ("Pacific/Honolulu", _l("Hawaii (Pacific/Honolulu)")),
]


class CoordinateField(FloatField):
    """A decimal coordinate; a clear message instead of "Not a valid float value"."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = float(str(valuelist[0]).strip().replace(",", "."))
        except ValueError:
            self.data = None
            raise ValueError(_("Enter a number in decimal degrees, for example 53.4808.")) from None


class VenueForm(FlaskForm):
    name = StringField(_l("Name of the venue"), validators=[SingleLine()])
    address = StringField(_l("Street address"), validators=[SingleLine()])
    postcode = StringField(_l("Postcode or ZIP code"), validators=[SingleLine()])
    town = StringField(_l("Town or city"), validators=[SingleLine()])
    country = SelectField(_l("Country"), choices=[SelectChoice(*c) for c in COUNTRIES], validate_choice=False)
    # Both countries' regions, grouped: the page works without script, and the service says
    # when the region and the country (or the ZIP/postcode) disagree.
    region = SelectField(_l("State or nation"), validate_choice=False)
    latitude = CoordinateField(_l("Latitude"), validators=[Optional()])
    longitude = CoordinateField(_l("Longitude"), validators=[Optional()])
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    timezone_other = StringField(_l("Or another time zone"), validators=[Optional(), SingleLine()])
    access = SelectMultipleField(_l("Accessibility of the venue"), validate_choice=False)
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    preview = SubmitField(_l("Find on map"))
    save = SubmitField(_l("Save venue"))

    def load_choices(self) -> VenueForm:
        language = current_language()
        self.access.choices = [
            SelectChoice(a.slug, term_text(language, "access", a.slug, a.name)) for a in db.session.scalars(
            sa.select(AccessFeature).where(AccessFeature.scope == "venue").order_by(AccessFeature.name))]
        current = self.timezone.data or ""
        zones = list(COMMON_ZONES)
        if current and current not in dict(zones):
            zones.insert(0, (current, current))
        self.timezone.choices = [SelectChoice(v, label) for v, label in
                                 [("", _("Take it from the point on the map"))] + zones]
        self.region.choices = region_choices(self.country.data or "", self.region.data or "")
        return self

    def geocoding_text(self) -> list[str]:
        """What to ask the geocoder, most precise first (the gazetteer knows postcodes and towns)."""
        address = (self.address.data or "").strip()
        town = (self.town.data or "").strip()
        postcode = (self.postcode.data or "").strip()
        tries = [", ".join(p for p in (address, town, postcode) if p)]
        if postcode:
            tries.append(postcode)
        if town:
            tries.append(town)
        return [t for i, t in enumerate(tries) if t and t not in tries[:i]]

    def fill(self, venue: Any) -> None:
        for name in ("name", "address", "postcode", "town", "country", "region", "latitude",
                     "longitude"):
            getattr(self, name).data = getattr(venue, name)
        self.timezone.data = venue.timezone
        self.access.data = [a.slug for a in venue.access_features]

    def venue_data(self) -> VenueData:
        zone = (self.timezone_other.data or "").strip() or (self.timezone.data or "").strip()
        return VenueData(
            name=(self.name.data or "").strip(), address=(self.address.data or "").strip(),
            town=(self.town.data or "").strip(), country=(self.country.data or "").strip().upper(),
            postcode=(self.postcode.data or "").strip(), region=(self.region.data or "").strip(),
            latitude=self.latitude.data, longitude=self.longitude.data,
            timezone=zone, access=tuple(self.access.data or ()))


def region_choices(country: str, current: str) -> dict[str, list[SelectChoice]]:
    """A blank "work it out" choice, then each country's regions, the venue's country first; a
    value that is no region (kept to re-render what was sent) is offered as sent."""
    blank = _("Work it out from the ZIP or postcode")
    known = {r.code for c, _name in COUNTRIES for r in regions.regions_of(c)}
    first: list[SelectChoice] = [SelectChoice("", blank)]
    if current and current not in known:
        first.append(SelectChoice(current, current))
    out: dict[str, list[SelectChoice]] = {"": first}
    language = current_language()
    for code, name in sorted(COUNTRIES, key=lambda c: c[0] != country):
        out[str(name)] = [SelectChoice(r.code, f"{r.name_in(language)} ({r.short})")
                          for r in regions.regions_of(code)]
    return out
