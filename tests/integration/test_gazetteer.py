"""geo.gazetteer against the real data files in data/gazetteer, on in-memory SQLite."""

from __future__ import annotations

import gzip

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from groupfinder.geo import gazetteer
from groupfinder.geo.models import GazetteerEntry

from .conftest import DATA


@pytest.fixture()
def session(engine):
    with Session(engine) as session:
        yield session


def test_data_files_are_gzip_with_a_zero_mtime_for_reproducible_builds():
    files = sorted(p.name for p in DATA.glob("*.csv.gz"))
    assert files == ["GB-places.csv.gz", "GB-postcode_districts.csv.gz", "GB-postcode_sectors.csv.gz",
                     "US-places.csv.gz", "US-zips.csv.gz"]
    for name in files:
        header = (DATA / name).read_bytes()[:10]
        assert header[:2] == b"\x1f\x8b" and header[4:8] == b"\0\0\0\0"
        first = gzip.decompress((DATA / name).read_bytes()).split(b"\n", 1)[0]
        assert first == b"country,kind,code,name,admin1,admin2,lat,lng,population,source"


def test_loading_twice_replaces_rows_instead_of_adding(engine):
    with Session(engine) as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(GazetteerEntry))
        count = gazetteer.load_gazetteer(session, DATA)
        session.commit()
        after = session.scalar(sa.select(sa.func.count()).select_from(GazetteerEntry))
    assert before == after == count > 70_000


def test_malformed_file_is_refused_before_anything_is_deleted(engine, tmp_path):
    (tmp_path / "XX-bad.csv").write_text("country,kind\nGB,place\n", encoding="utf-8")
    with Session(engine) as session:
        with pytest.raises(ValueError, match="XX-bad.csv"):
            gazetteer.load_gazetteer(session, tmp_path)
        assert session.scalar(sa.select(sa.func.count()).select_from(GazetteerEntry)) > 70_000


def test_sector_and_district_are_different_codes(session):
    sector = gazetteer.find_code(session, "GB", "postcode_sector", "EH1 1")
    district = gazetteer.find_code(session, "GB", "postcode_district", "EH11")
    assert sector.name == district.name == "Edinburgh"
    assert (sector.lat, sector.lng) != (district.lat, district.lng)


def test_manchester_sector_has_its_post_town_and_authority(session):
    row = gazetteer.find_code(session, "GB", "postcode_sector", "m1  1")
    assert (row.code, row.name, row.admin1, row.admin2) == ("M1 1", "Manchester", "England", "Manchester")
    assert 53.4 < row.lat < 53.5 and -2.3 < row.lng < -2.2


def test_po_box_sector_is_not_in_the_gazetteer(session):
    assert gazetteer.find_code(session, "GB", "postcode_sector", "M60 2") is None


def test_northern_ireland_district_comes_from_geonames(session):
    row = gazetteer.find_code(session, "GB", "postcode_district", "BT1")
    assert (row.name, row.admin1, row.source) == ("Belfast", "Northern Ireland", "geonames-postal")


def test_zip_keeps_its_leading_zero(session):
    assert gazetteer.find_code(session, "US", "zip", "02134").name == "Allston"
    assert gazetteer.find_code(session, "US", "zip", "10001").admin1 == "New York"


def test_places_are_ranked_by_population_and_told_apart_by_authority(session):
    rows = gazetteer.find_places(session, "newport", ["GB"])
    assert rows[0].admin1 == "Wales" and rows[0].population > 100_000
    assert {"Isle of Wight", "Telford and Wrekin"} <= {r.admin2 for r in rows}
    populations = [r.population or 0 for r in rows]
    assert populations == sorted(populations, reverse=True)


def test_places_are_limited_to_the_configured_countries(session):
    assert {r.country for r in gazetteer.find_places(session, "leeds", ["GB"])} == {"GB"}
    assert {r.country for r in gazetteer.find_places(session, "leeds", ["GB", "US"])} == {"GB", "US"}


def test_reverse_label_names_the_nearest_sector(session):
    near = gazetteer.nearest_label(session, 53.480, -2.240, ["GB"])
    assert near.row.kind == "postcode_sector" and near.label.endswith(", Manchester")
    assert near.distance_km < 2


def test_reverse_label_in_northern_ireland_uses_a_place(session):
    near = gazetteer.nearest_label(session, 54.597, -5.930, ["GB"])
    assert near.label == "Belfast"


def test_reverse_label_outside_coverage_is_none(session):
    assert gazetteer.nearest_label(session, 48.857, 2.352, ["GB", "US"]) is None  # Paris
    assert gazetteer.nearest_label(session, 40.750, -73.990, ["GB"]) is None  # US not configured


def test_suggestions_find_a_misspelt_town(session):
    assert gazetteer.suggest(session, "Nwport", ["GB"])[0] == "Newport"
    assert gazetteer.suggest(session, "Qqqqzz", ["GB"]) == []


@pytest.mark.parametrize("typed,meant", [
    ("Manchestr", "Manchester"),
    ("Birmingam", "Birmingham"),
    ("Brooklin", "Brooklyn"),  # Brookline is as close; Brooklyn, NY is the bigger place
    ("Leds", "Leeds"),  # before Lees: one edit each, Leeds is bigger
    ("Edinbrugh", "Edinburgh"),  # a swapped pair is one edit
    ("new yrok", "New York City"),  # through the alias "new york"
    ("Lndon", "London"),  # before Lindon and Lyndon
    ("Sheffeild", "Sheffield"),
    ("Edinborough", "Edinburgh"),
])
def test_common_misspellings_suggest_the_right_place_first(session, typed, meant):
    assert gazetteer.suggest(session, typed, ["GB", "US"])[0] == meant


def test_suggestions_are_few_distinct_and_in_a_fixed_order(session):
    first = gazetteer.suggest(session, "Lndon", ["GB", "US"])
    assert first == ["London", "Lyndon", "Lindon"]  # 1 edit each: by population, then name
    assert gazetteer.suggest(session, "Lndon", ["US", "GB"]) == first
    assert gazetteer.suggest(session, "Lndon", ["GB", "US"], n=1) == ["London"]
    # "new york" (an alias) and "new york city" are one place: one name
    assert gazetteer.suggest(session, "new yrk", ["GB", "US"]).count("New York City") == 1
    assert gazetteer.suggest(session, "new yrok", ["GB"]) == []  # the alias needs the US


def _write_places(directory, *names):
    lines = [",".join(gazetteer.COLUMNS)]
    lines += [f"GB,place,,{name},England,,51.5,-0.1,1000,test" for name in names]
    (directory / "GB-places.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_suggestions_follow_a_reload_from_another_process(tmp_path, monkeypatch):
    """The index is per process: a load elsewhere (the CLI) must still be noticed, even one with
    the same number of rows, which SQLite would otherwise give the same ids."""
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    GazetteerEntry.__table__.create(engine)
    with Session(engine) as session:
        _write_places(tmp_path, "Exampleton")
        gazetteer.load_gazetteer(session, tmp_path)
        session.commit()
        before = gazetteer.data_version(session)
        assert gazetteer.suggest(session, "Sampletn", ["GB"]) == ["Exampleton"]
        monkeypatch.setattr(gazetteer, "_forget_names", lambda: None)  # as if not this process
        _write_places(tmp_path, "Sampleton")
        gazetteer.load_gazetteer(session, tmp_path)
        session.commit()
        assert gazetteer.data_version(session) != before
        assert gazetteer.suggest(session, "Sampletn", ["GB"]) == ["Sampleton"]
    engine.dispose()


def test_a_fresh_load_answers_lookups(engine):
    """Load, then many lookups: the same answer each time (speed is measured in bench/, never
    asserted here: the machine is shared)."""
    with Session(engine) as session:
        gazetteer.load_gazetteer(session, DATA)
        session.commit()
        answers = {repr(gazetteer.find_code(session, "GB", "postcode_sector", "M1 1"))
                   for _ in range(200)}
    assert len(answers) == 1 and answers != {"None"}
