"""geo.gazetteer against the real data files in data/gazetteer, on in-memory SQLite."""

from __future__ import annotations

import gzip
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

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


def test_load_and_lookup_are_fast_enough(engine):  # generous bounds; real figures in the report
    with Session(engine) as session:
        start = time.perf_counter()
        gazetteer.load_gazetteer(session, DATA)
        session.commit()
        load = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(200):
            gazetteer.find_code(session, "GB", "postcode_sector", "M1 1")
        lookup = (time.perf_counter() - start) / 200
    assert load < 5 and lookup < 0.01
