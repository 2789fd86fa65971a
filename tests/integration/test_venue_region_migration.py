"""The venue region migration fills existing venues from the gazetteer, on SQLite and PostgreSQL."""

import datetime as dt

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from groupfinder.extensions import db

from ..conftest import database_url, make_app


def _venue(conn, key, country, postcode):
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    conn.execute(sa.text(
        "INSERT INTO venues (external_key, name, address, postcode, town, country, latitude, "
        "longitude, timezone, timezone_overridden, is_private, address_was_public, version, "
        "created_at, updated_at) VALUES (:k, 'Hall', '1 Zq Street', :p, 'Town', :c, 40, -74, "
        "'UTC', false, false, false, 1, :now, :now)"),
        {"k": key, "p": postcode, "c": country, "now": now})


def test_existing_venues_get_the_region_of_their_zip_or_postcode(backend, tmp_path):
    app = make_app(database_url(backend, "region-migration", tmp_path))
    with app.app_context():
        upgrade(revision="a1c4e7f20b35")
        rows = [("US", "zip", "12345", "New York"), ("US", "zip", "30303", "Georgia"),
                ("GB", "postcode_sector", "CF10 1", "Wales"), ("GB", "postcode_district", "EH1", "Scotland"),
                ("GB", "postcode_district", "GY1", "Guernsey")]
        with db.engine.begin() as conn:
            for country, kind, key, admin1 in rows:
                conn.execute(sa.text(
                    "INSERT INTO gazetteer (country, kind, code, key, name, admin1, lat, lng, source) "
                    "VALUES (:c, :kind, :key, :key, 'X', :a, 1, 1, 'test')"),
                    {"c": country, "kind": kind, "key": key, "a": admin1})
            for key, country, postcode in [("schenectady", "US", "12345-6789"), ("atlanta", "US", "30303"),
                                           ("cardiff", "GB", "cf10 1ab"), ("edinburgh", "GB", "EH1 9ZZ"),
                                           ("guernsey", "GB", "GY1 1AA"), ("unknown", "US", "99999"),
                                           ("none", "GB", "")]:
                _venue(conn, key, country, postcode)
        upgrade()
        with db.engine.connect() as conn:
            got = dict(conn.execute(sa.text("SELECT external_key, region FROM venues")).all())
        assert got == {"schenectady": "US-NY", "atlanta": "US-GA", "cardiff": "GB-WLS",
                       "edinburgh": "GB-SCT", "guernsey": "", "unknown": "", "none": ""}
        downgrade(revision="a1c4e7f20b35")
        with db.engine.connect() as conn:
            assert "region" not in {c["name"] for c in sa.inspect(conn).get_columns("venues")}
        db.engine.dispose()
