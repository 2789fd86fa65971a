"""venue region (ISO 3166-2)

Revision ID: b2d5f8a31c46
Revises: a1c4e7f20b35
Create Date: 2026-12-22 09:00:00

Adds ``venues.region`` and fills it for existing venues from the gazetteer: the state of the
venue's ZIP, or the nation of its postcode sector (else district). A venue whose code the
gazetteer doesn't know (or a database whose gazetteer is not loaded yet) keeps "": the venue
service fills it on its next save. The mapping is written out here, not imported, so this
migration keeps working whatever the app's modules become.
"""
import re

import sqlalchemy as sa
from alembic import op

import groupfinder.db  # noqa: F401

revision = 'b2d5f8a31c46'
down_revision = 'a1c4e7f20b35'
branch_labels = None
depends_on = None

_US = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL",
    "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
}
_GB = {"England": "ENG", "Northern Ireland": "NIR", "Scotland": "SCT", "Wales": "WLS"}
_UK_FULL = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d)[A-Z]{2}$")
_UK_OUT = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")


def _lookups(country, postcode):
    """(gazetteer kind, key) to try for a stored postcode, most precise first."""
    text = " ".join((postcode or "").upper().split())
    if country == "US":
        m = re.match(r"^(\d{5})", text)
        return [("zip", m.group(1))] if m else []
    if country == "GB":
        squashed = text.replace(" ", "")
        m = _UK_FULL.match(squashed)
        if m:
            return [("postcode_sector", f"{m.group(1)} {m.group(2)}"),
                    ("postcode_district", m.group(1))]
        if _UK_OUT.match(squashed):
            return [("postcode_district", squashed)]
    return []


def upgrade():
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sa.String(length=6), server_default='',
                                      nullable=False))

    conn = op.get_bind()
    venues = sa.table('venues', sa.column('id', sa.Integer), sa.column('country', sa.String),
                      sa.column('postcode', sa.String), sa.column('region', sa.String))
    gazetteer = sa.table('gazetteer', sa.column('country', sa.String), sa.column('kind', sa.String),
                         sa.column('key', sa.String), sa.column('admin1', sa.String),
                         sa.column('id', sa.Integer))
    found = {}
    for venue_id, country, postcode in conn.execute(
            sa.select(venues.c.id, venues.c.country, venues.c.postcode)).all():
        for kind, key in _lookups(country, postcode):
            if (country, kind, key) not in found:
                found[(country, kind, key)] = conn.execute(
                    sa.select(gazetteer.c.admin1)
                    .where(gazetteer.c.country == country, gazetteer.c.key == key,
                           gazetteer.c.kind == kind)
                    .order_by(gazetteer.c.id).limit(1)).scalar()
            admin1 = found[(country, kind, key)]
            if admin1 is None:
                continue
            short = (_US if country == "US" else _GB if country == "GB" else {}).get(admin1)
            if short:
                conn.execute(venues.update().where(venues.c.id == venue_id)
                             .values(region=f"{country}-{short}"))
            break  # a Crown dependency's code has no region: not its district's either


def downgrade():
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.drop_column('region')
