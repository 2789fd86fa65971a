"""The offline gazetteer: load ``data/gazetteer/*.csv.gz`` into the ``gazetteer`` table, look up.

No Flask: every function takes a SQLAlchemy ``Session`` or ``Connection`` and runs in the
caller's transaction (``load_gazetteer`` does not commit). Lookups return ``GazetteerRow``
values, detached from any session. Keys: codes by ``parsing.code_key`` ("EH1 1", "EH11",
"02134"), names by ``parsing.fold`` ("stoke on trent").
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .models import GazetteerEntry
from .parsing import PLACE_ALIASES, code_key, fold

COLUMNS = ("country", "kind", "code", "name", "admin1", "admin2", "lat", "lng", "population", "source")
CODE_KINDS = ("postcode_sector", "postcode_district", "zip")
REVERSE_KINDS = ("postcode_sector", "zip", "place")
OUTSIDE_COVERAGE_KM = 50.0

_table = GazetteerEntry.__table__
_select_columns = (
    _table.c.id, _table.c.country, _table.c.kind, _table.c.code, _table.c.name, _table.c.admin1,
    _table.c.admin2, _table.c.lat, _table.c.lng, _table.c.population, _table.c.source,
)

Executor = Any  # sqlalchemy.orm.Session | sqlalchemy.Connection


@dataclass(frozen=True)
class GazetteerRow:
    id: int
    country: str
    kind: str
    code: str | None
    name: str
    admin1: str | None
    admin2: str | None
    lat: float
    lng: float
    population: int | None
    source: str


@dataclass(frozen=True)
class Nearest:
    row: GazetteerRow
    distance_km: float
    label: str  # "M1 1, Manchester" / "10001, New York" / "Belfast"


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def row_key(kind: str, code: str | None, name: str) -> str:
    return fold(name) if kind == "place" else code_key(code or "")


# --- loading ----------------------------------------------------------------------------------


def gazetteer_files(directory: str | Path) -> list[Path]:
    directory = Path(directory)
    return sorted([*directory.glob("*.csv.gz"), *directory.glob("*.csv")])


def _read(path: Path) -> Iterable[dict[str, Any]]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    reader = csv.reader(io.StringIO(raw.decode("utf-8")))
    header = tuple(next(reader, ()))
    if header != COLUMNS:
        raise ValueError(f"{path.name}: expected columns {','.join(COLUMNS)}")
    for line, rec in enumerate(reader, start=2):
        try:
            country, kind, code, name, admin1, admin2, lat, lng, population, source = rec
            yield {
                "country": country, "kind": kind, "code": code or None,
                "key": row_key(kind, code, name), "name": name,
                "admin1": admin1 or None, "admin2": admin2 or None,
                "lat": float(lat), "lng": float(lng),
                "population": int(population) if population else None, "source": source,
            }
        except ValueError as exc:
            raise ValueError(f"{path.name} line {line}: {exc}") from None


def load_gazetteer(session: Executor, directory: str | Path) -> int:
    """Replace every gazetteer row with the files in ``directory``; return the row count.

    Idempotent. Runs in the caller's transaction and does not commit. Raises ValueError (naming
    the file and line) on a malformed file, before anything is deleted.
    """
    rows: list[dict[str, Any]] = []
    for path in gazetteer_files(directory):
        rows.extend(_read(path))
    # Insert before deleting, so the new rows' ids always lie above the old ones on SQLite too
    # (it reuses ids from 1 once a table is empty): the ids then say which load is current,
    # which is what the suggestion index of every process checks (``data_version``).
    old_max = session.execute(sa.select(sa.func.max(_table.c.id))).scalar()
    if rows:
        session.execute(sa.insert(_table), rows)
    if old_max is not None:
        session.execute(sa.delete(_table).where(_table.c.id <= old_max))
    _forget_names()
    return len(rows)


# --- lookups ----------------------------------------------------------------------------------


def _rows(result: Iterable[Sequence[Any]]) -> list[GazetteerRow]:
    return [GazetteerRow(*r) for r in result]


def find_code(session: Executor, country: str, kind: str, key: str) -> GazetteerRow | None:
    """The postcode sector / district or ZIP with this key ("EH1 1", "EH11", "02134"), or None."""
    stmt = (sa.select(*_select_columns)
            .where(_table.c.country == country, _table.c.key == code_key(key), _table.c.kind == kind)
            .order_by(_table.c.id).limit(1))
    found = _rows(session.execute(stmt).all())
    return found[0] if found else None


def find_places(session: Executor, folded_name: str, countries: Sequence[str]) -> list[GazetteerRow]:
    """Places whose folded name is ``folded_name``, most populous first."""
    if not folded_name or not countries:
        return []
    # The kind is checked in Python: with ``kind = 'place'`` in SQL, SQLite's planner prefers
    # the (kind, lat, lng) index and scans every place (5 ms instead of 20 µs).
    stmt = (sa.select(*_select_columns)
            .where(_table.c.country.in_(list(countries)), _table.c.key == folded_name))
    rows = [r for r in _rows(session.execute(stmt).all()) if r.kind == "place"]
    rows.sort(key=lambda r: (-(r.population if r.population is not None else -1), r.id))
    return rows


def label_of(row: GazetteerRow) -> str:
    if row.kind == "place":
        return row.name
    return f"{row.code}, {row.name}" if row.name else str(row.code)


def nearest_label(session: Executor, lat: float, lng: float, countries: Sequence[str] | None = None,
                  *, max_km: float = OUTSIDE_COVERAGE_KM) -> Nearest | None:
    """The row to name a point by: the nearest sector or ZIP, else the nearest place.

    The nearest code within 10 km wins (it says more: "M1 1, Manchester"); otherwise the
    nearest row of any kind (Northern Ireland has no sectors: "Belfast"). None when nothing lies
    within ``max_km``: the point is outside coverage. Searches growing boxes (2, 5, 10 km, then
    ``max_km``) on the (kind, lat, lng) index, so a city centre touches a few hundred rows.
    """
    best_code: tuple[float, GazetteerRow] | None = None
    best_any: tuple[float, GazetteerRow] | None = None
    for radius in sorted({min(r, max_km) for r in (2.0, 5.0, 10.0, max_km)}):
        for r in _rows(session.execute(_box_query(lat, lng, radius, countries)).all()):
            d = haversine_km(lat, lng, r.lat, r.lng)
            if d > radius:
                continue
            if best_any is None or (d, r.id) < (best_any[0], best_any[1].id):
                best_any = (d, r)
            if r.kind != "place" and (best_code is None or (d, r.id) < (best_code[0], best_code[1].id)):
                best_code = (d, r)
        # Inside the circle of this radius every row was seen, so these minima are exact.
        if best_code is not None and best_code[0] <= 10.0:
            return Nearest(best_code[1], best_code[0], label_of(best_code[1]))
        if best_any is not None and radius >= 10.0:
            return Nearest(best_any[1], best_any[0], label_of(best_any[1]))
    return None


def _box_query(lat: float, lng: float, radius: float, countries: Sequence[str] | None) -> sa.Select:
    dlat = radius / 110.574
    dlng = radius / (111.320 * max(0.01, math.cos(math.radians(min(89.9, abs(lat) + dlat)))))
    conditions = [_table.c.kind.in_(REVERSE_KINDS), _table.c.lat.between(lat - dlat, lat + dlat)]
    west, east = lng - dlng, lng + dlng
    if west < -180 or east > 180:  # the box crosses the antimeridian
        conditions.append(sa.or_(_table.c.lng >= (west + 360 if west < -180 else west),
                                 _table.c.lng <= (east - 360 if east > 180 else east)))
    else:
        conditions.append(_table.c.lng.between(west, east))
    if countries:
        conditions.append(_table.c.country.in_(list(countries)))
    return sa.select(*_select_columns).where(*conditions)


# --- suggestions ("Did you mean …?") ----------------------------------------------------------
#
# Candidates are the names whose rapidfuzz ``ratio`` reaches the cutoff: difflib's ratio with a
# true longest common subsequence, so never below difflib's, and every name difflib accepted
# still is. They are ranked by typing edits (OSA: a swapped pair of letters is one edit, as
# people make it), then by population ("Lndon": London before Lyndon), then by name. The C++
# scan of ~16k names takes about a millisecond where difflib took tens (bench/suggest.py).


@dataclass(frozen=True)
class _NameIndex:
    version: tuple[Any, ...]
    keys: list[str]  # sorted folded names, plus the alias spellings ("new york")
    display: dict[str, str]  # key → the most populous spelling of it
    population: dict[str, int]  # key → the largest population under it


_names_lock = threading.Lock()
_names_cache: dict[tuple[str, ...], _NameIndex] = {}


def _forget_names() -> None:
    with _names_lock:
        _names_cache.clear()


def data_version(session: Executor) -> tuple[Any, ...]:
    """Which load of the gazetteer is current: the lowest and highest row id.

    Every load inserts above the previous ids before deleting them (``load_gazetteer``), and
    rows are never edited, so this changes whenever the data does, including when
    ``groupfinder load-reference-data`` runs in another process. Two primary-key lookups.
    """
    return tuple(session.execute(sa.select(
        sa.select(sa.func.min(_table.c.id)).scalar_subquery(),
        sa.select(sa.func.max(_table.c.id)).scalar_subquery())).one())


def _name_index(session: Executor, countries: Sequence[str]) -> _NameIndex:
    """Built once per process and country set; rebuilt only when ``data_version`` moves."""
    cache_key = tuple(sorted(countries))
    version = data_version(session)
    with _names_lock:
        cached = _names_cache.get(cache_key)
    if cached is not None and cached.version == version:
        return cached
    stmt = (sa.select(_table.c.key, _table.c.name, _table.c.population)
            .where(_table.c.kind == "place", _table.c.country.in_(list(cache_key)))
            .order_by(_table.c.key, sa.func.coalesce(_table.c.population, -1).desc(), _table.c.id))
    display: dict[str, str] = {}
    population: dict[str, int] = {}
    for key, name, pop in session.execute(stmt).all():
        if key not in display:  # the most populous spelling of each key
            display[key], population[key] = name, pop or 0
    # What people type for a place GeoNames spells differently: "new yrok" → New York City.
    for alias, target in PLACE_ALIASES.items():
        if target in display and alias not in display:
            display[alias], population[alias] = display[target], population[target]
    # The scan touches every key: as one block of fresh strings it reads memory in order rather
    # than chasing keys scattered among the fetched rows (2-3× faster from a cold cache).
    keys = "\n".join(sorted(display)).split("\n") if display else []
    index = _NameIndex(version, keys, display, population)
    with _names_lock:
        _names_cache[cache_key] = index
    return index


def suggest(session: Executor, text: str, countries: Sequence[str], *, n: int = 3,
            cutoff: float = 0.75) -> list[str]:
    """Up to ``n`` place names close to ``text`` ("Nwport" → ["Newport"]), best first.

    ``cutoff`` is a similarity from 0 to 1, as difflib's was. The order is deterministic:
    fewest edits, then most populous, then name.
    """
    key = fold(text)
    if not key or not countries:
        return []
    index = _name_index(session, countries)
    found = process.extract(key, index.keys, scorer=fuzz.ratio, score_cutoff=cutoff * 100,
                            limit=None)
    found.sort(key=lambda m: (OSA.distance(key, m[0]), -index.population[m[0]], m[0]))
    names: list[str] = []
    for match in found:
        name = index.display[match[0]]
        if name not in names:  # an alias and its place show one name
            names.append(name)
            if len(names) == n:
                break
    return names
