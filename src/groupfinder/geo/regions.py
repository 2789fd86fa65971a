"""States and nations: the ISO 3166-2 code of a venue's region, and what people type for it.

Pure: no Flask, no database. A venue stores its region as the ISO 3166-2 code ("US-TX",
"GB-SCT"); people type "TX", "Texas", "us-tx", "Scotland" or "SCT", and the gazetteer names a
ZIP's or postcode's region by its ``admin1`` ("Texas", "Scotland"). ``parse_region`` reads the
first, ``region_of_admin1`` the second. Guernsey, Jersey and the Isle of Man are filed under GB
in the gazetteer but are no subdivision of it in ISO 3166-2: their postcodes have no region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..lazytext import lazy as _l
from ..lazytext import text as _
from .parsing import COUNTRY_NAMES, US_STATES, fold

GB_NATIONS = {"ENG": "England", "NIR": "Northern Ireland", "SCT": "Scotland", "WLS": "Wales"}
SUBDIVISIONS: dict[str, dict[str, str]] = {"GB": GB_NATIONS, "US": US_STATES}
# Words other than the code and the name that people use for a nation.
_ALIASES = {"GB": {"ni": "NIR", "n ireland": "NIR", "cymru": "WLS", "alba": "SCT"}}
NOUNS = {"GB": "nation", "US": "state"}
POSTCODE_NOUNS = {"GB": "Postcode", "US": "ZIP"}


class RegionError(ValueError):
    """What is wrong with a typed region, as a sentence for the form or the import line."""


@dataclass(frozen=True)
class Region:
    country: str
    code: str  # ISO 3166-2: "US-TX"

    @property
    def short(self) -> str:
        """The part after the country: "TX", "SCT" (how US addresses write a state)."""
        return self.code.split("-", 1)[1]

    @property
    def name(self) -> str:
        return SUBDIVISIONS[self.country][self.short]

    def name_in(self, language: str) -> str:
        """The name in ``language`` ("Gales", "Cymru", "Nuevo México"): the catalogues hold
        every region's name under the context "region" (``i18n_extract.extract_regions``)."""
        from .. import i18n

        return i18n.pgettext(language, "region", self.name)

    @property
    def label(self) -> str:
        """"Texas (US-TX)": how messages name it."""
        return f"{self.name} ({self.code})"


def noun(country: str) -> str:
    return NOUNS.get(country, "region")


def regions_of(country: str) -> list[Region]:
    """The country's regions by name (for a select); empty where we have none."""
    return sorted((Region(country, f"{country}-{c}") for c in SUBDIVISIONS.get(country, {})),
                  key=lambda r: r.name)


def from_code(code: str | None) -> Region | None:
    """The stored code's region, or None for "" or a code we don't know."""
    country, _sep, short = (code or "").partition("-")
    if short and short in SUBDIVISIONS.get(country, {}):
        return Region(country, code or "")
    return None


def parse_region(text: str | None, country: str) -> Region | None:
    """"TX", "Texas", "US-TX" (any case) → US-TX; None when blank. ``RegionError`` when the text
    names no region of ``country`` (including another country's: "US-TX" for a UK venue)."""
    typed = " ".join((text or "").split())
    if not typed:
        return None
    names = SUBDIVISIONS.get(country, {})
    upper = typed.upper()
    if "-" in upper and len(upper) <= 6:
        prefix, _sep, short = upper.partition("-")
        if prefix == country and short in names:
            return Region(country, f"{country}-{short}")
        other = from_code(upper)
        if other is not None:
            raise RegionError(_("%(region)s is not in %(country)s.", region=other.label,
                                 country=_country_name(country)))
    if upper in names:
        return Region(country, f"{country}-{upper}")
    key = fold(typed)
    for short, name in names.items():
        if fold(name) == key:
            return Region(country, f"{country}-{short}")
    if key in _ALIASES.get(country, {}):
        return Region(country, f"{country}-{_ALIASES[country][key]}")
    if not names:
        raise RegionError(_("We have no regions for %(country)s; leave it empty.",
                             country=_country_name(country)))
    if country == "GB":
        raise RegionError(_("'%(typed)s' is not a nation of %(country)s; use a name or code such "
                             "as %(example)s.", typed=typed, country=_country_name(country),
                             example=_example(country)))
    if country == "US":
        raise RegionError(_("'%(typed)s' is not a state of %(country)s; use a name or code such "
                             "as %(example)s.", typed=typed, country=_country_name(country),
                             example=_example(country)))
    raise RegionError(_("'%(typed)s' is not a region of %(country)s; use a name or code such "
                         "as %(example)s.", typed=typed, country=_country_name(country),
                         example=_example(country)))


def region_of_admin1(country: str, admin1: str | None) -> Region | None:
    """The gazetteer's ``admin1`` ("Texas", "Scotland") as a region; None for the Crown
    dependencies and anything else that is no ISO 3166-2 subdivision of ``country``."""
    if not admin1:
        return None
    key = fold(admin1)
    for short, name in SUBDIVISIONS.get(country, {}).items():
        if fold(name) == key:
            return Region(country, f"{country}-{short}")
    return None


def town_line(country: str, town: str, region: str, postcode: str) -> str:
    """The town line of a postal address as each country writes it: "Atlanta, GA 30303" (a US
    state's code between town and ZIP), "Salford M5 4WT" (UK: no nation in an address)."""
    found = from_code(region)
    if country == "US" and found is not None:
        return ", ".join(p for p in (town, " ".join(p for p in (found.short, postcode) if p)) if p)
    return " ".join(p for p in (town, postcode) if p)


def _country_name(country: str) -> Any:
    return COUNTRY_NAMES.get(country, country)


def _example(country: str) -> Any:
    if country == "GB":
        return _l("Wales or WLS")
    if country == "US":
        return _l("Texas, TX or US-TX")
    return f"{country}-XX"
