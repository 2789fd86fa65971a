"""'Did you mean' suggestions in the search API's 422 problem, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.geo import gazetteer
from groupfinder.geo.models import GazetteerEntry
from groupfinder.interop.reference import load_gazetteer_data


@pytest.mark.parametrize("typed,meant", [
    ("Manchestr", "Manchester"),
    ("Birmingam", "Birmingham"),
    ("Brooklin", "Brooklyn"),
    ("Leds", "Leeds"),
    ("Edinbrugh", "Edinburgh"),
    ("new yrok", "New York City"),
])
def test_unknown_place_problem_suggests_the_right_place_first(demo_client, typed, meant):
    r = demo_client.get("/api/v1/groups", query_string={"where": typed})
    assert r.status_code == 422
    body = r.get_json()
    assert body["type"].endswith("/place-not-found")
    assert body["suggestions"][0] == meant and len(body["suggestions"]) <= 3


def test_reloading_the_gazetteer_moves_its_version_and_keeps_the_suggestions(app):
    """Each load lands above the previous ids, on both backends: that is what tells every
    process's suggestion index that the data changed."""
    before = gazetteer.data_version(db.session)
    db.session.rollback()
    count = load_gazetteer_data()
    after = gazetteer.data_version(db.session)
    assert after[0] > before[1]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GazetteerEntry)) == count
    assert gazetteer.suggest(db.session, "Manchestr", ["GB", "US"])[0] == "Manchester"
