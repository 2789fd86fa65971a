#!/usr/bin/env python
"""Search benchmark: nearest-first search on synthetic data, SQLite and PostgreSQL, plus HTTP.

Prints medians, p95s and ratios measured in the same run (docs/geo.md §3 and §5). This machine is
shared and noisy: read the ratios, never assert on the timings. Not a test; never run by pytest.

    python bench/search.py --quick                       # smoke run: 10k only, 100 queries, 3 s HTTP
    python bench/search.py                               # 10k and 100k (about 5-10 minutes on 2 cores)
    python bench/search.py --sizes 1000000 --no-http     # the 1M stretch figures (several minutes)

PostgreSQL: ``--pg URL`` or ``GROUPFINDER_BENCH_DATABASE_URL`` (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). A scratch database ``bench_gf_<n>`` is
created beside it and dropped at the end. Without a URL, or when the server is unreachable,
PostgreSQL is skipped with a note.

What is measured, per size and backend, over the same query points (interleaved, so drift on
the shared machine hits every method alike):

* ``nearest_group_ids`` — the DB part: the expanding box 2 → 4 → … → 25 km (docs/geo.md §3.6);
* ``fixed 25 km box`` — the same statement run once at the full radius (no expansion), the
  alternative docs/geo.md §3.3 rejected;
* ``search_groups`` — DB + loading every relationship + next-meeting computation;

each unfiltered, with one condition, and with one condition + one weekday. The HTTP run serves
the 100k SQLite file under gunicorn (2 sync workers) and drives it with wrk (or a Python
keep-alive client when wrk is missing).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import csv
import datetime as dt
import gc
import gzip
import http.client
import itertools
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

UTC = dt.UTC
GB_BOX = (49.9, 58.7, -7.6, 1.8)          # south, north, west, east
US_BOX = (24.5, 49.0, -124.7, -67.0)      # contiguous US
SPREAD_KM = 3.0
UNIFORM_SHARE = 0.10
SENSITIVE_SHARE = 0.05
TOWN_MIN_POPULATION = 5000
RADIUS_KM = 25.0
LIMIT = 20
CHUNK = 5000
VERIFY_QUERIES = 20
DESCRIPTIONS = (
    "A friendly peer-support group. Come along, have a cup of tea and talk with people who "
    "understand. You don't have to speak; listening is fine. Facilitated by trained volunteers "
    "with lived experience. No referral needed.",
    "We meet to share experiences and coping strategies in a confidential, non-judgemental "
    "space. New members are always welcome; please arrive a few minutes early on your first "
    "visit so a facilitator can say hello.",
    "An open group for anyone affected. Each meeting starts with a short check-in, followed by "
    "a themed discussion. Carers and family members are welcome at the last meeting of each "
    "month.",
)


def log(msg: str = "") -> None:
    print(msg, flush=True)


# --- statistics -------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    if not values:
        return math.nan
    s = sorted(values)
    pos = (len(s) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def ratio(a: float, b: float) -> str:
    if not (a == a and b == b) or b <= 0:  # NaN or zero
        return "—"
    r = a / b
    return f"{r:.1f}×" if r < 100 else f"{r:.0f}×"


def ms(v: float) -> str:
    if v != v:
        return "—"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 1000 else f"{v:.0f}"


# --- synthetic data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    name: str
    country: str
    lat: float
    lng: float
    population: int


def load_towns(data_dir: Path) -> list[Town]:
    towns = []
    for country in ("GB", "US"):
        with gzip.open(data_dir / "gazetteer" / f"{country}-places.csv.gz", "rt",
                       encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                pop = int(row["population"] or 0)
                if row["kind"] == "place" and pop >= TOWN_MIN_POPULATION:
                    towns.append(Town(row["name"], country, float(row["lat"]), float(row["lng"]),
                                      pop))
    if not towns:
        raise SystemExit("no towns found in the gazetteer CSVs")
    return towns


def us_timezone(lng: float) -> str:
    if lng < -115:
        return "America/Los_Angeles"
    if lng < -102:
        return "America/Denver"
    if lng < -87:
        return "America/Chicago"
    return "America/New_York"


class _VenueLike:
    __slots__ = ("name", "address", "postcode", "town", "country", "latitude", "longitude")

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


def generate(n: int, seed: int, towns: list[Town], condition_ids: list[int],
             today: dt.date) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Deterministic chunks of rows for venues, groups, group_conditions and schedules."""
    from groupfinder.privacy import compute_public_point
    from groupfinder.schedules.recurrence import Frequency

    rng = random.Random(seed * 1_000_003 + n)
    cum = list(itertools.accumulate(math.sqrt(t.population) for t in towns))
    total = cum[-1]
    gb_share = sum(math.sqrt(t.population) for t in towns if t.country == "GB") / total
    ts = dt.datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    schedule_id = 0
    gauss, rnd, randint, choice = rng.gauss, rng.random, rng.randint, rng.choice
    for start in range(1, n + 1, CHUNK):
        venues, groups, links, schedules = [], [], [], []
        for i in range(start, min(n, start + CHUNK - 1) + 1):
            if rnd() < UNIFORM_SHARE:
                country = "GB" if rnd() < gb_share else "US"
                s, no, w, e = GB_BOX if country == "GB" else US_BOX
                lat, lng = s + (no - s) * rnd(), w + (e - w) * rnd()
                # the nearest town's name is not worth the cost; any label will do
                town = f"Rural {country} {i % 97}"
            else:
                t = towns[bisect.bisect_left(cum, rnd() * total)]
                country, town = t.country, t.name
                lat = t.lat + gauss(0, SPREAD_KM) / 110.574
                lng = t.lng + gauss(0, SPREAD_KM) / (111.320 * math.cos(math.radians(t.lat)))
            lat = max(-89.9, min(89.9, lat))
            lng = (lng + 180) % 360 - 180
            tz = "Europe/London" if country == "GB" else us_timezone(lng)
            sensitive = rnd() < SENSITIVE_SHARE
            v = _VenueLike(name=f"Community Centre {i}", address=f"{1 + i % 200} High Street",
                           postcode="", town=town, country=country, latitude=lat, longitude=lng)
            pp = compute_public_point(is_sensitive=sensitive, venue=v)
            venues.append(dict(
                id=i, external_key=None, owner_id=None, name=v.name, address=v.address,
                postcode="", town=town, country=country, latitude=lat, longitude=lng, timezone=tz,
                timezone_overridden=False, version=1, created_at=ts, updated_at=ts))
            groups.append(dict(
                id=i, external_key=None, name=f"Peer support group {i}",
                slug=f"peer-support-group-{i}", description=DESCRIPTIONS[i % 3],
                what_to_expect="Tea, a check-in and an open discussion.", cost="Free",
                contact_email=f"group{i}@example.org", website=None, status="published",
                is_sensitive=sensitive, venue_id=i, public_lat=pp.latitude,
                public_lng=pp.longitude, public_cell=pp.cell, area_name=pp.area_name, version=1,
                created_at=ts, updated_at=ts, published_at=ts))
            r = rnd()
            k = 1 if r < 0.5 else 2 if r < 0.85 else 3
            for cid in rng.sample(condition_ids, k):
                links.append(dict(group_id=i, condition_id=cid))
            for _ in range(1 if rnd() < 0.75 else 2):
                schedule_id += 1
                r = rnd()
                day = randint(0, 6)
                weekdays, positions, month_day, interval = "", "", None, 1
                if r < 0.70:
                    kind = Frequency.weekly.value
                    days = (day,) if rnd() < 0.9 else tuple(sorted({day, (day + 2) % 7}))
                    weekdays = ",".join(map(str, days))
                    interval = 1 if rnd() < 0.85 else 2
                    mask = sum(1 << d for d in days)
                elif r < 0.95:
                    kind = Frequency.monthly_weekday.value
                    weekdays = str(day)
                    positions = choice(("1", "2", "3", "4", "-1", "1,3"))
                    mask = 1 << day
                else:
                    kind = Frequency.monthly_date.value
                    month_day = choice((1, 5, 10, 15, 20, 28, -1))
                    mask = 0
                first = today - dt.timedelta(days=randint(0, 730))
                last = None
                if rnd() < 0.03 and (today - first).days > 70:  # a schedule that has ended
                    last = first + dt.timedelta(days=randint(62, (today - first).days - 1))
                schedules.append(dict(
                    id=schedule_id, group_id=i, kind=kind, interval=interval, weekdays=weekdays,
                    positions=positions, month_day=month_day,
                    start_time=dt.time(randint(9, 20), choice((0, 30))),
                    duration_minutes=choice((60, 90, 120)), first_date=first,
                    last_date=last,
                    paused_until=None, days_mask=mask, sequence=0, version=1,
                    created_at=ts, updated_at=ts))
        yield {"venues": venues, "groups": groups, "group_conditions": links,
               "schedules": schedules}


@dataclass(frozen=True)
class QueryPoint:
    lat: float
    lng: float
    town: str
    condition: str
    day: int


def query_points(count: int, seed: int, towns: list[Town], condition_slugs: list[str]) -> list[QueryPoint]:
    """Near towns, weighted by population (not √): London- and NYC-dense queries dominate p95."""
    rng = random.Random(seed + 7)
    cum = list(itertools.accumulate(t.population for t in towns))
    out = []
    for j in range(count):
        t = towns[bisect.bisect_left(cum, rng.random() * cum[-1])]
        lat = t.lat + rng.gauss(0, 2.0) / 110.574
        lng = t.lng + rng.gauss(0, 2.0) / (111.320 * math.cos(math.radians(t.lat)))
        out.append(QueryPoint(round(lat, 5), round(lng, 5), t.name,
                              condition_slugs[j % len(condition_slugs)], j % 7))
    return out


# --- building a database ---------------------------------------------------------------------


@dataclass
class Built:
    backend: str
    size: int
    url: str
    app: Any
    seconds: float
    insert_seconds: float
    index_seconds: float
    rows: dict[str, int]
    db_bytes: int | None
    conditions: dict[str, int] = field(default_factory=dict)


def make_app(url: str, **extra: Any) -> Any:
    from groupfinder.app import create_app

    return create_app({
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "BASE_URL": "http://127.0.0.1:5000",
        "GEOCODER": "offline",
        "LOG_LEVEL": "WARNING",
        **extra,
    })


def build(backend: str, url: str, size: int, args: argparse.Namespace, towns: list[Town],
          today: dt.date, *, gazetteer: bool) -> Built:
    from groupfinder.extensions import db
    from groupfinder.groups.models import Condition, Group, group_conditions
    from groupfinder.interop.reference import load_gazetteer_data, load_vocabularies
    from groupfinder.schedules.models import Schedule
    from groupfinder.venues.models import Venue

    t0 = time.perf_counter()
    app = make_app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_vocabularies()
        if gazetteer:
            load_gazetteer_data()
        conditions = {slug: cid for cid, slug in db.session.execute(
            sa.select(Condition.id, Condition.slug).order_by(Condition.id))}
        db.session.remove()
        db.engine.dispose()

    tables = [Venue.__table__, Group.__table__, group_conditions, Schedule.__table__]
    indexes = [ix for t in tables for ix in t.indexes]
    loader = sa.create_engine(url)  # no statement_timeout, no per-connection hooks
    rows = dict.fromkeys(("venues", "groups", "group_conditions", "schedules"), 0)
    try:
        with loader.begin() as conn:
            if backend == "postgres":
                # skip FK triggers while loading (superuser only; harmless if refused)
                with contextlib.suppress(Exception), conn.begin_nested():
                    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for ix in indexes:
                ix.drop(conn)
            t_ins = time.perf_counter()
            last_report = t_ins
            for chunk in generate(size, args.seed, towns, list(conditions.values()), today):
                for table in tables:
                    batch = chunk[table.name]
                    if batch:
                        conn.execute(table.insert(), batch)
                        rows[table.name] += len(batch)
                if time.perf_counter() - last_report > 15:
                    last_report = time.perf_counter()
                    log(f"    … {rows['groups']:,} groups inserted "
                        f"({last_report - t_ins:.0f} s)")
            insert_s = time.perf_counter() - t_ins
            t_ix = time.perf_counter()
            for ix in indexes:
                ix.create(conn)
            # rows went in by Core, past the flush hook: derive the search masks in one UPDATE
            # (after the indexes: it looks up each group's schedules and conditions)
            from groupfinder.groups import search_masks

            search_masks.refresh(conn)
            index_s = time.perf_counter() - t_ix
            if backend == "sqlite":
                conn.exec_driver_sql("ANALYZE")
        if backend == "postgres":
            with loader.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            with loader.connect() as conn:
                db_bytes = conn.exec_driver_sql(
                    "SELECT pg_database_size(current_database())").scalar()
        else:
            from groupfinder.db import enable_wal

            enable_wal(loader)
            db_bytes = os.path.getsize(make_url(url).database)
    finally:
        loader.dispose()
    return Built(backend, size, url, app, time.perf_counter() - t0, insert_s, index_s, rows,
                 db_bytes, conditions)


# --- PostgreSQL scratch databases --------------------------------------------------------------


def open_pg(args: Any) -> tuple[PgServer | None, str]:
    """The PostgreSQL server the options name, connected; or ``None`` and the line saying why
    it was skipped (``--no-pg``, no URL, unreachable)."""
    if args.no_pg:
        return None, "PostgreSQL: skipped (--no-pg)"
    if not args.pg:
        return None, "PostgreSQL: skipped (set GROUPFINDER_BENCH_DATABASE_URL or --pg)"
    pg = PgServer(args.pg)
    reason = pg.connect()
    if reason:
        return None, f"PostgreSQL: skipped, unreachable ({reason})"
    return pg, ""


class PgServer:
    def __init__(self, url: str) -> None:
        u = make_url(url)
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        self.base = u
        self.admin: sa.Engine | None = None
        self.version = "?"
        self.created: list[str] = []

    def connect(self) -> str | None:
        """None when reachable, else the reason."""
        errors = []
        for dbname in dict.fromkeys((self.base.database or "postgres", "postgres")):
            engine = sa.create_engine(self.base.set(database=dbname), isolation_level="AUTOCOMMIT",
                                      connect_args={"connect_timeout": 5})
            try:
                with engine.connect() as conn:
                    self.version = conn.exec_driver_sql("SHOW server_version").scalar()
                self.admin = engine
                return None
            except Exception as exc:  # unreachable, or no such database
                errors.append(f"{dbname}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                engine.dispose()
        return "; ".join(errors)

    def scratch(self, size: int) -> str:
        assert self.admin is not None
        name = f"bench_gf_{size}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

    def drop(self, size: int) -> None:
        name = f"bench_gf_{size}"
        if self.admin is None or name not in self.created:
            return
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            with contextlib.suppress(Exception), self.admin.connect() as conn:  # type: ignore[union-attr]
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if self.admin is not None:
            self.admin.dispose()


# --- SQL timing --------------------------------------------------------------------------------

VARIANTS = ("unfiltered", "condition", "condition+day")
METHODS = ("ids", "raw", "fixed", "search")
METHOD_LABEL = {"ids": "nearest_group_ids (expanding box)",
                "raw": "  same statements, raw DBAPI cursor",
                "fixed": "fixed 25 km box, one step",
                "search": "search_groups (DB + load + next meeting)",
                "ids_udf": "nearest_group_ids, Python UDF math",
                "fixed_udf": "fixed 25 km box, Python UDF math"}


@contextlib.contextmanager
def fixed_box() -> Iterator[None]:
    """The same statement, run once at the full radius: the loop starts at ``radius_km``."""
    from groupfinder.groups import queries

    old = queries.FIRST_RADIUS_KM
    queries.FIRST_RADIUS_KM = 1e9
    try:
        yield
    finally:
        queries.FIRST_RADIUS_KM = old


def criteria(q: QueryPoint, variant: str) -> Any:
    from groupfinder.groups.queries import SearchCriteria

    conds = (q.condition,) if variant != "unfiltered" else ()
    days = (q.day,) if variant == "condition+day" else ()
    return SearchCriteria(latitude=q.lat, longitude=q.lng, radius_km=RADIUS_KM,
                          conditions=conds, days=days, limit=LIMIT)


@dataclass
class Timing:
    backend: str
    size: int
    samples: dict[tuple[str, str], list[float]]
    queries_run: int
    verify: dict[str, tuple[int, int]]          # variant -> (equal, checked)
    verify_ids: dict[tuple[int, str], list[int]]
    empty: dict[str, int]                        # variant -> queries with no hit in 25 km
    hits: dict[str, float]                       # variant -> mean hits per query
    statements: dict[tuple[str, str], list[int]]  # (variant, method) -> statements per call
    in_circle: list[int]                         # published groups within 25 km, per query


def run_timing(built: Built, queries: list[QueryPoint], budget_s: float) -> Timing:
    from groupfinder.extensions import db
    from groupfinder.geo.distance import bounding_box, haversine_sql
    from groupfinder.groups.models import Group
    from groupfinder.groups.queries import nearest_group_ids, search_groups

    now = dt.datetime.now(UTC)
    today = now.date()
    samples: dict[tuple[str, str], list[float]] = {(v, m): [] for v in VARIANTS for m in METHODS}
    verify = {v: (0, 0) for v in VARIANTS}
    verify_ids: dict[tuple[int, str], list[int]] = {}
    empty = dict.fromkeys(VARIANTS, 0)
    hit_total = dict.fromkeys(VARIANTS, 0)
    pc = time.perf_counter_ns

    def call(method: str, c: Any) -> tuple[float, Any]:
        if method == "ids":
            t = pc()
            r = nearest_group_ids(c, today)
            return (pc() - t) / 1e6, r
        if method == "fixed":
            with fixed_box():
                t = pc()
                r = nearest_group_ids(c, today)
                return (pc() - t) / 1e6, r
        t = pc()
        r = search_groups(c, now=now)
        return (pc() - t) / 1e6, r

    statements: dict[tuple[str, str], list[int]] = {}
    in_circle: list[int] = []
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any,
                _many: bool) -> None:
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            captured.append((statement, parameters))

    def statements_of(fn: Callable[[], Any]) -> list[tuple[str, Any]]:
        captured.clear()
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        try:
            fn()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", capture)
        return list(captured)

    def raw(stmts: list[tuple[str, Any]]) -> float:
        """The statements nearest_group_ids sent, on the session's own DBAPI connection."""
        cur = db.session.connection().connection.dbapi_connection.cursor()
        try:
            t = pc()
            for sql, params in stmts:
                cur.execute(sql, params)
                cur.fetchall()
            return (pc() - t) / 1e6
        finally:
            cur.close()

    g = Group.__table__.c

    def circle_count(q: QueryPoint) -> int:
        box = bounding_box(q.lat, q.lng, RADIUS_KM)
        d = haversine_sql(g.public_lat, g.public_lng, q.lat, q.lng)
        stmt = sa.select(sa.func.count()).where(
            g.status == "published", g.public_lat.between(box.south, box.north),
            sa.or_(*(g.public_lng.between(w, e) for w, e in box.lng_ranges)), d <= RADIUS_KM)
        return db.session.execute(stmt).scalar_one()

    order = [(v, m) for v in VARIANTS for m in METHODS if m != "raw"]
    with built.app.app_context():
        # warm-up: connections, statement caches, mapper configuration
        for q in queries[:5]:
            for v, m in order:
                call(m, criteria(q, v))
                db.session.expunge_all()
        gc.collect()
        t_end = time.perf_counter() + budget_s
        n_run = 0
        for j, q in enumerate(queries):
            if time.perf_counter() > t_end:
                log(f"    (time budget of {budget_s:.0f} s reached after {j} of {len(queries)} "
                    f"queries)")
                break
            # untimed: the statements the expanding box sends for this query, to replay raw
            sent = {v: statements_of(lambda v=v, q=q: nearest_group_ids(criteria(q, v), today))
                    for v in VARIANTS}
            if j < VERIFY_QUERIES:
                for v in VARIANTS:
                    statements.setdefault((v, "ids"), []).append(len(sent[v]))
                    for m in ("fixed", "search"):
                        cm = criteria(q, v)
                        with fixed_box() if m == "fixed" else contextlib.nullcontext():
                            n_st = len(statements_of(
                                lambda cm=cm, m=m: call(m, cm)))
                        statements.setdefault((v, m), []).append(n_st)
                        db.session.expunge_all()
            rot = j % len(order)
            for v, m in order[rot:] + order[:rot]:  # rotate so no method always runs first
                c = criteria(q, v)
                elapsed, result = call(m, c)
                samples[(v, m)].append(elapsed)
                if m == "ids":
                    samples[(v, "raw")].append(raw(sent[v]))
                if m == "search":
                    hit_total[v] += len(result.hits)
                    empty[v] += not result.hits
                elif j < VERIFY_QUERIES:
                    verify_ids.setdefault((j, v + "/" + m), [gid for gid, _ in result])
                db.session.expunge_all()  # each request starts with an empty identity map
            n_run += 1
        for q in queries[:n_run]:
            in_circle.append(circle_count(q))
        for j in range(min(VERIFY_QUERIES, n_run)):
            for v in VARIANTS:
                eq, n = verify[v]
                verify[v] = (eq + (verify_ids[(j, v + "/ids")] == verify_ids[(j, v + "/fixed")]),
                             n + 1)
        db.session.remove()
    hits = {v: hit_total[v] / max(1, n_run) for v in VARIANTS}
    return Timing(built.backend, built.size, samples, n_run, verify, verify_ids, empty, hits,
                  statements, in_circle)


def run_udf_timing(built: Built, queries: list[QueryPoint], budget_s: float,
                   timing: Timing) -> None:
    """SQLite only: the same unfiltered statements with the math functions as Python UDFs."""
    from groupfinder.extensions import db
    from groupfinder.groups.queries import nearest_group_ids

    today = dt.date.today()
    udf_app = make_app(built.url, FORCE_SQLITE_MATH_UDFS=True)
    pc = time.perf_counter_ns
    for key in (("unfiltered", "ids_udf"), ("unfiltered", "fixed_udf"),
                ("unfiltered", "ids_builtin2"), ("unfiltered", "fixed_builtin2")):
        timing.samples[key] = []
    ctxs = {"builtin": built.app.app_context(), "udf": udf_app.app_context()}
    t_end = time.perf_counter() + budget_s
    for ctx in ctxs.values():  # warm-up both engines
        with ctx:
            for q in queries[:5]:
                nearest_group_ids(criteria(q, "unfiltered"), today)
            db.session.remove()
    for j, q in enumerate(queries):
        if time.perf_counter() > t_end:
            break
        c = criteria(q, "unfiltered")
        for kind in (("builtin", "udf") if j % 2 == 0 else ("udf", "builtin")):
            with ctxs[kind]:
                for m, fixed in (("ids", False), ("fixed", True)):
                    with fixed_box() if fixed else contextlib.nullcontext():
                        t = pc()
                        nearest_group_ids(c, today)
                        timing.samples[("unfiltered", f"{m}_{'udf' if kind == 'udf' else 'builtin2'}")
                                       ].append((pc() - t) / 1e6)
                db.session.expunge_all()
    for kind, ctx in ctxs.items():
        with ctx:
            db.session.remove()
            if kind == "udf":
                db.engine.dispose()


def print_timing(t: Timing, built: Built) -> None:
    log(f"  {t.queries_run} query points; mean hits per search: "
        + ", ".join(f"{v} {t.hits[v]:.1f}" for v in VARIANTS)
        + "; searches with no hit within 25 km: "
        + ", ".join(f"{v} {t.empty[v]}" for v in VARIANTS))
    log(f"  published groups within 25 km of a query point: p50 {p50(t.in_circle):.0f}, "
        f"p95 {pct(t.in_circle, 95):.0f}, max {max(t.in_circle, default=0)}")
    log(f"  SQL statements per call (first {VERIFY_QUERIES} queries, mean): " + "; ".join(
        f"{v}: ids {statistics.mean(t.statements[(v, 'ids')]):.1f}, "
        f"search {statistics.mean(t.statements[(v, 'search')]):.1f}"
        for v in VARIANTS if (v, "ids") in t.statements))
    log(f"  {'variant':<14} {'method':<42} {'p50 ms':>9} {'p95 ms':>9}")
    for v in VARIANTS:
        for m in METHODS:
            s = t.samples[(v, m)]
            log(f"  {v if m == 'ids' else '':<14} {METHOD_LABEL[m]:<42} {ms(p50(s)):>9} "
                f"{ms(pct(s, 95)):>9}")
        ids, rawdb, fixed, search = (t.samples[(v, m)] for m in METHODS)
        log(f"  {'':<14} {'ratio nearest_group_ids / raw statements':<42} "
            f"{ratio(p50(ids), p50(rawdb)):>9} {ratio(pct(ids, 95), pct(rawdb, 95)):>9}")
        log(f"  {'':<14} {'ratio fixed box / expanding box':<42} "
            f"{ratio(p50(fixed), p50(ids)):>9} {ratio(pct(fixed, 95), pct(ids, 95)):>9}")
        log(f"  {'':<14} {'ratio search_groups / nearest_group_ids':<42} "
            f"{ratio(p50(search), p50(ids)):>9} {ratio(pct(search, 95), pct(ids, 95)):>9}")
    eq = sum(a for a, _ in t.verify.values())
    n = sum(b for _, b in t.verify.values())
    log(f"  correctness: expanding-box ids == fixed-box ids on {eq}/{n} "
        f"({', '.join(f'{v} {a}/{b}' for v, (a, b) in t.verify.items())})")
    if ("unfiltered", "ids_udf") in t.samples:
        for m in ("ids", "fixed"):
            u = t.samples[("unfiltered", f"{m}_udf")]
            b = t.samples[("unfiltered", f"{m}_builtin2")]
            log(f"  SQLite math: {METHOD_LABEL[m].split(' (')[0]:<22} built-in {ms(p50(b))} / "
                f"{ms(pct(b, 95))} ms, Python UDF {ms(p50(u))} / {ms(pct(u, 95))} ms, "
                f"UDF/built-in {ratio(p50(u), p50(b))} (n={len(u)})")


# --- HTTP -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@dataclass
class LoadResult:
    label: str
    rps: float
    requests: int
    non2xx: int
    errors: int
    p50_ms: float
    p99_ms: float
    tool: str


_WRK_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _wrk_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * _WRK_UNIT[m.group(2)] if m else math.nan


def run_wrk(port: int, label: str, paths: list[str], seconds: float, threads: int,
            connections: int, workdir: Path) -> LoadResult:
    script = workdir / f"rotate_{abs(hash(tuple(paths)))}.lua"
    script.write_text(
        "local paths = {" + ", ".join(json.dumps(p) for p in paths) + "}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  return wrk.format(\"GET\", paths[(n % #paths) + 1])\n"
        "end\n")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
           "-s", str(script), f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0
    errs = sum(map(int, m.groups())) if (m := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)) else 0
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    return LoadResult(label, rps, total, non2xx, errs, _wrk_ms(lat.get("50", "")),
                      _wrk_ms(lat.get("99", "")), "wrk")


def run_pyclient(port: int, label: str, paths: list[str], seconds: float, connections: int,
                 max_requests: int = 2_000_000) -> LoadResult:
    """Fallback load generator: bounded thread pool, http.client keep-alive (GIL-limited)."""
    lock = threading.Lock()
    counts = {"ok": 0, "bad": 0, "err": 0}
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    budget = itertools.count()

    def worker(wid: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        local_lat, ok, bad, err, i = [], 0, 0, 0, wid
        while time.perf_counter() < deadline and next(budget) < max_requests:
            i += 1
            t = time.perf_counter()
            try:
                conn.request("GET", paths[i % len(paths)])
                resp = conn.getresponse()
                resp.read()
                if 200 <= resp.status < 300:
                    ok += 1
                else:
                    bad += 1
            except (OSError, http.client.HTTPException):
                err += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            local_lat.append((time.perf_counter() - t) * 1000)
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["bad"] += bad
            counts["err"] += err
            latencies.extend(local_lat)

    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(connections)]
    for th in pool:
        th.start()
    for th in pool:
        th.join(timeout=seconds + 30)
    wall = time.perf_counter() - t0
    n = counts["ok"] + counts["bad"]
    return LoadResult(label, n / wall, n, counts["bad"], counts["err"], pct(latencies, 50),
                      pct(latencies, 99), "python http.client")


def run_http(sqlite_path: Path, size: int, queries: list[QueryPoint], args: argparse.Namespace,
             workdir: Path) -> list[LoadResult]:
    port = free_port()
    env = {**os.environ,
           "GROUPFINDER_DATABASE_URL": f"sqlite:///{sqlite_path}",
           "GROUPFINDER_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
           "GROUPFINDER_LOG_LEVEL": "WARNING",
           # throughput, not the 120/min per-client API limit, is measured here
           "GROUPFINDER_RATELIMIT_ENABLED": "false",
           "GROUPFINDER_GEOCODER": "offline"}
    logfile = open(workdir / "gunicorn.log", "w+b")  # noqa: SIM115 (closed in finally)
    cmd = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", "--timeout", "60", "groupfinder.app:create_app()"]
    proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=logfile, stderr=subprocess.STDOUT,
                            start_new_session=True)
    results: list[LoadResult] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}")
            with contextlib.suppress(OSError):
                if http_get(port, "/api/v1/ping", timeout=2)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /api/v1/ping within 60 s")
            time.sleep(0.2)
        points = queries[:8]
        search_paths = [f"/api/v1/groups?lat={q.lat:.4f}&lng={q.lng:.4f}&radius_km=25"
                        for q in points]
        cases = [
            ("GET /api/v1/ping", ["/api/v1/ping"]),
            (f"GET /api/v1/groups lat/lng ({len(search_paths)} points)", search_paths),
            ("GET /api/v1/groups where=M1 1AE", ["/api/v1/groups?where=M1+1AE&radius_km=25"]),
        ]
        # every URL once: must be 200 with results, so the load run measures real searches
        for _, paths in cases:
            for p in paths:
                status, body = http_get(port, p)
                n_res = len(json.loads(body).get("results", [])) if status == 200 else -1
                if status != 200 or (p != "/api/v1/ping" and n_res <= 0):
                    log(f"    check {p}: HTTP {status}, {n_res} results: {body[:300]!r}")
        have_wrk = shutil.which("wrk") is not None and not args.python_client
        for label, paths in cases:
            warm = min(2.0, args.http_seconds / 3)
            if have_wrk:
                run_wrk(port, label, paths, warm, args.http_threads, args.http_connections, workdir)
                r = run_wrk(port, label, paths, args.http_seconds, args.http_threads,
                            args.http_connections, workdir)
            else:
                run_pyclient(port, label, paths, warm, args.http_connections)
                r = run_pyclient(port, label, paths, args.http_seconds, args.http_connections)
            log(f"    {label:<46} {r.rps:>9.1f} req/s  p50 {ms(r.p50_ms):>7} ms  "
                f"p99 {ms(r.p99_ms):>7} ms  requests {r.requests:>7}  non-2xx {r.non2xx}  "
                f"socket errors {r.errors}  [{r.tool}]")
            results.append(r)
        if proc.poll() is not None:
            log(f"    gunicorn exited during the run ({proc.returncode})")
    except Exception:
        logfile.seek(0)
        tail = logfile.read().decode("utf-8", "replace")[-3000:]
        log(f"    gunicorn log tail:\n{tail}")
        raise
    finally:
        stop_process_group(proc)
        logfile.close()
    return results


def stop_process_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10000,100000",
                   help="comma-separated group counts (default 10000,100000; 1000000 is opt-in)")
    p.add_argument("--pg", default=os.environ.get("GROUPFINDER_BENCH_DATABASE_URL", ""),
                   help="PostgreSQL URL (default $GROUPFINDER_BENCH_DATABASE_URL)")
    p.add_argument("--no-pg", action="store_true", help="SQLite only")
    p.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    p.add_argument("--queries", type=int, default=300, help="query points (default 300)")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds per size and backend for the timing loop (default 60, 300 at 1M)")
    p.add_argument("--no-udf", action="store_true", help="skip the SQLite UDF comparison")
    p.add_argument("--no-http", action="store_true", help="skip the gunicorn + wrk run")
    p.add_argument("--http-size", type=int, default=100_000,
                   help="SQLite size served over HTTP (default 100000, else the largest ≤ it)")
    p.add_argument("--http-seconds", type=float, default=10.0, help="seconds per URL (default 10)")
    p.add_argument("--http-threads", type=int, default=2)
    p.add_argument("--http-connections", type=int, default=16)
    p.add_argument("--python-client", action="store_true", help="use the Python client, not wrk")
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--workdir", default=None, help="directory for SQLite files (default: temp)")
    p.add_argument("--keep", action="store_true", help="keep the SQLite files")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 10k only, 100 queries, 3 s per HTTP URL")
    a = p.parse_args(argv)
    if a.quick:
        a.sizes, a.queries, a.http_seconds = "10000", min(a.queries, 100), min(a.http_seconds, 3.0)
    a.size_list = sorted({int(s.replace("_", "")) for s in a.sizes.split(",") if s.strip()})
    return a


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    import groupfinder
    from groupfinder.interop.reference import data_dir

    towns = load_towns(data_dir())
    today = dt.date.today()
    log(f"groupfinder search benchmark — sizes {', '.join(f'{n:,}' for n in args.size_list)}; "
        f"{args.queries} query points; radius {RADIUS_KM:g} km; limit {LIMIT}")
    log(f"data: {len(towns):,} GB+US towns ≥ {TOWN_MIN_POPULATION:,} people, groups weighted by "
        f"√population, Gaussian spread {SPREAD_KM:g} km, {UNIFORM_SHARE:.0%} uniform, "
        f"{SENSITIVE_SHARE:.0%} sensitive; queries weighted by population")

    backends = [] if args.no_sqlite else ["sqlite"]
    pg, pg_note = open_pg(args)
    if pg is not None:
        backends.append("postgres")
    if pg_note:
        log(pg_note)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gf-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    http_candidates = [n for n in args.size_list if n <= args.http_size] or args.size_list[:1]
    http_size = None if args.no_http or "sqlite" not in backends else max(http_candidates)

    timings: dict[tuple[str, int], Timing] = {}
    builds: dict[tuple[str, int], Built] = {}
    http_results: list[LoadResult] = []
    http_error = ""
    condition_slugs: list[str] = []
    queries: list[QueryPoint] = []
    try:
        for size in args.size_list:
            for backend in backends:
                log("")
                log(f"== {backend}, {size:,} published groups ==")
                if backend == "sqlite":
                    path = workdir / f"bench_{size}.sqlite3"
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{path}{suffix}").unlink(missing_ok=True)
                    url = f"sqlite:///{path}"
                else:
                    assert pg is not None
                    url = pg.scratch(size)
                built = build(backend, url, size, args, towns, today,
                              gazetteer=backend == "sqlite")
                builds[(backend, size)] = built
                if not queries:
                    condition_slugs = list(built.conditions)
                    queries = query_points(args.queries, args.seed, towns, condition_slugs)
                r = built.rows
                log(f"  build {built.seconds:.1f} s (insert {built.insert_seconds:.1f} s, indexes "
                    f"{built.index_seconds:.1f} s); rows: {r['groups']:,} groups, {r['venues']:,} "
                    f"venues, {r['group_conditions']:,} condition links, {r['schedules']:,} "
                    f"schedules; {'file' if backend == 'sqlite' else 'database'} "
                    f"{built.db_bytes / 1e6:.0f} MB; "
                    f"{(r['groups'] + r['venues'] + r['group_conditions'] + r['schedules']) / built.insert_seconds:,.0f} rows/s")
                budget = args.budget or (300.0 if size >= 1_000_000 else 60.0)
                t = run_timing(built, queries, budget)
                if backend == "sqlite" and not args.no_udf:
                    run_udf_timing(built, queries, budget / 3, t)
                timings[(backend, size)] = t
                print_timing(t, built)
                other = timings.get(("sqlite", size))
                if backend == "postgres" and other:
                    same = sum(t.verify_ids[k] == other.verify_ids.get(k)
                               for k in t.verify_ids if k[1].endswith("/ids"))
                    total = sum(1 for k in t.verify_ids if k[1].endswith("/ids"))
                    log(f"  cross-check: PostgreSQL ids == SQLite ids on {same}/{total} "
                        f"(same synthetic data)")
                with built.app.app_context():
                    from groupfinder.extensions import db

                    db.engine.dispose()
                if backend == "sqlite" and size == http_size:
                    log("")
                    log(f"== HTTP: gunicorn -w 2 (sync), SQLite {size:,} groups, "
                        f"{args.http_threads} threads × {args.http_connections} connections, "
                        f"{args.http_seconds:g} s per URL ==")
                    try:
                        http_results = run_http(Path(make_url(url).database), size, queries, args,
                                                workdir)
                    except Exception as exc:  # report and go on with the other sizes
                        http_error = f"{type(exc).__name__}: {exc}"
                        log(f"    HTTP run failed: {http_error}")
                    if len(http_results) == 3:
                        ping, search, where = http_results
                        log(f"    ratio search(lat/lng)/ping {search.rps / ping.rps:.1%}, "
                            f"search(where)/ping {where.rps / ping.rps:.1%} (target ≥ 25 %)")
                if backend == "postgres" and pg is not None:
                    pg.drop(size)
                elif not args.keep:
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
    finally:
        if pg is not None:
            pg.close()
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    print_summary(args, timings, builds, http_results, http_size, http_error, pg, pg_note)
    import psycopg  # noqa: F401  (version line only)

    log(f"machine: nproc {os.cpu_count()}; Python {platform.python_version()}; SQLite "
        f"{sqlite3.sqlite_version}; PostgreSQL {pg.version if pg else 'not used'}; "
        f"SQLAlchemy {sa.__version__}; psycopg {sys.modules['psycopg'].__version__}; "
        f"{platform.machine()} {platform.system()} {platform.release()}; "
        f"groupfinder {getattr(groupfinder, '__version__', '?')}; "
        f"total run {time.perf_counter() - started:.0f} s")
    return 0


def print_summary(args: argparse.Namespace, timings: dict[tuple[str, int], Timing],
                  builds: dict[tuple[str, int], Built], http_results: list[LoadResult],
                  http_size: int | None, http_error: str, pg: PgServer | None,
                  pg_note: str) -> None:
    log("")
    log("== summary (milliseconds, p50 / p95; ratios from the same run) ==")
    head = (f"{'backend':<8} {'groups':>9}  {'variant':<13} {'nearest_group_ids':>17}  "
            f"{'raw SQL':>15}  {'search_groups':>15}  {'search/ids':>10}  {'fixed box':>15}  "
            f"{'fixed/exp':>9}")
    log(head)
    log("-" * len(head))
    for (backend, size), t in timings.items():
        for v in VARIANTS:
            ids, rawdb, fixed, search = (t.samples[(v, m)] for m in METHODS)
            log(f"{backend:<8} {size:>9,}  {v:<13} {ms(p50(ids)):>8} / {ms(pct(ids, 95)):<6}  "
                f"{ms(p50(rawdb)):>6} / {ms(pct(rawdb, 95)):<6}  "
                f"{ms(p50(search)):>6} / {ms(pct(search, 95)):<6}  "
                f"{ratio(p50(search), p50(ids)):>10}  {ms(p50(fixed)):>6} / {ms(pct(fixed, 95)):<6}  "
                f"{ratio(p50(fixed), p50(ids)):>9}")
    # size ratios
    sizes = sorted({s for _, s in timings})
    for backend in ("sqlite", "postgres"):
        for small, big in zip(sizes, sizes[1:], strict=False):
            a, b = timings.get((backend, small)), timings.get((backend, big))
            if not a or not b:
                continue
            parts = []
            for v in VARIANTS:
                parts.append(f"{v} ids {ratio(p50(b.samples[(v, 'ids')]), p50(a.samples[(v, 'ids')]))}"
                             f", search {ratio(p50(b.samples[(v, 'search')]), p50(a.samples[(v, 'search')]))}")
            log(f"{backend} {big // 1000:,}k/{small // 1000:,}k (p50): " + "; ".join(parts))
    for size in sizes:
        a, b = timings.get(("sqlite", size)), timings.get(("postgres", size))
        if a and b:
            parts = [f"{v} {ratio(p50(b.samples[(v, 'ids')]), p50(a.samples[(v, 'ids')]))}"
                     for v in VARIANTS]
            log(f"PostgreSQL/SQLite nearest_group_ids p50 at {size:,}: " + ", ".join(parts))
    for (_backend, size), t in timings.items():
        if ("unfiltered", "ids_udf") in t.samples:
            u, b = t.samples[("unfiltered", "fixed_udf")], t.samples[("unfiltered", "fixed_builtin2")]
            u2, b2 = t.samples[("unfiltered", "ids_udf")], t.samples[("unfiltered", "ids_builtin2")]
            log(f"SQLite Python-UDF/built-in math at {size:,} (p50): fixed box {ratio(p50(u), p50(b))}, "
                f"expanding box {ratio(p50(u2), p50(b2))}")
    ok = all(a == b for t in timings.values() for a, b in t.verify.values())
    log(f"correctness: expanding box == fixed box on every checked query: {'yes' if ok else 'NO'}")
    for (backend, size), b in builds.items():
        log(f"build {backend} {size:,}: {b.seconds:.1f} s, {b.db_bytes / 1e6:.0f} MB")
    if http_results:
        log(f"HTTP (SQLite {http_size:,}, gunicorn -w 2, {http_results[0].tool}, "
            f"{args.http_threads}×{args.http_connections}, {args.http_seconds:g} s):")
        ping = http_results[0].rps
        for r in http_results:
            log(f"  {r.label:<46} {r.rps:>8.1f} req/s  {r.rps / ping:>6.1%} of ping  p50 "
                f"{ms(r.p50_ms)} ms  p99 {ms(r.p99_ms)} ms  non-2xx {r.non2xx}  errors {r.errors}")
    elif http_error:
        log(f"HTTP: failed ({http_error})")
    elif http_size is None:
        log("HTTP: skipped")
    if pg_note:
        log(pg_note)


if __name__ == "__main__":
    sys.exit(main())
