#!/usr/bin/env python
"""Issue 15's table in one run: every public path as a ratio to a bare Flask JSON route.

    python bench/ratios.py                                   # demo + 100k, SQLite + PostgreSQL (~12 min)
    python bench/ratios.py --data demo --db sqlite --seconds 3   # a quick look (~1 min)

For each data set (``demo``: the 706 demo listings; ``100k``: search.py's synthetic groups) and
database it starts, on free loopback ports, a bare Flask app (bench/bare_app.py, one JSON route)
and groupfinder under the same gunicorn settings: 2 sync workers for SQLite; 4 workers for
PostgreSQL with the rate limiter on Redis storage (limits on but never reached: each request
comes from its own client address through ``X-Forwarded-For`` and ``PROXY_HOPS=1``). SQLite rows
run with rate limits off. A Python load generator (2 processes × 8 threads, http.client
keep-alive: 16 connections) drives each path for ``--seconds`` after a warm-up; the bare route
is measured before and after the app's rows and their mean is the yardstick. Each row prints
requests/s, the ratio, the goal with ✓/✗, p50 latency and the workers' CPU per request (from
/proc), so the bare route's and ``/api/v1/ping``'s CPU µs are the per-request fixed costs.

Then RSS per worker (VmRSS): after the rows, and after ``--distinct`` distinct searches and
search feeds (half each). Not a test; the machine is shared: read the ratios of one run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import search as base  # noqa: E402  (data generator, scratch databases, gunicorn helpers)

# (key, label, goal ratio to the bare route): the rows of issue 15's table
ROWS = [
    ("ping", "our /api/v1/ping", 0.85),
    ("search_latlng", "search API by lat/lng", 0.35),
    ("search_where", "search API where=M1 1AE", 0.35),
    ("condition_day", "search API condition + day", 0.25),
    ("html_search", "HTML search page", 0.20),
    ("html_group", "HTML group page", 0.25),
    ("api_group", "API group JSON", 0.35),
    ("home", "HTML home page", 0.40),
    ("feed_200", "group feed (200)", 0.60),
    ("feed_304", "group feed, conditional GET (304)", 0.80),
    ("search_feed", "search feed (London, 10 km)", 0.50),
]
MEMORY_GOAL_MB = 150.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
SECRET = "bench-secret-key-that-is-long-enough-0123456789"

Request = tuple[str, dict[str, str]]  # path, headers


# --- load generator ----------------------------------------------------------------------------


def _client(job: tuple[int, list[Request], float, int, int, bool]) -> tuple[int, int, int, list[float]]:
    """One process: ``threads`` keep-alive connections until the deadline. Returns
    (2xx/304 count, other statuses, socket errors, latencies in ms)."""
    port, requests, seconds, threads, proc_no, spoof = job
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    total = {"ok": 0, "bad": 0, "err": 0}
    latencies: list[float] = []

    def worker(tid: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok = bad = err = 0
        lat: list[float] = []
        i = tid * 7919
        while time.perf_counter() < deadline:
            i += 1
            path, headers = requests[i % len(requests)]
            if spoof:  # a client address of its own per request: limits apply, never reached
                n = (proc_no * 64 + tid) * 1_000_000 + i
                headers = {**headers,
                           "X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"}
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if 200 <= resp.status < 300 or resp.status == 304:
                    ok += 1
                else:
                    bad += 1
            except (OSError, http.client.HTTPException):
                err += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            lat.append((time.perf_counter() - t) * 1000)
        conn.close()
        with lock:
            total["ok"] += ok
            total["bad"] += bad
            total["err"] += err
            latencies.extend(lat)

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return total["ok"], total["bad"], total["err"], latencies


@dataclass
class Load:
    rps: float
    ok: int
    bad: int
    errors: int
    p50_ms: float
    cpu_us: float  # workers' CPU per request


def drive(server: Server, requests: list[Request], seconds: float, args: argparse.Namespace,
          pool: Any) -> Load:
    jobs = [(server.port, requests, seconds, args.threads, p, server.spoof)
            for p in range(args.processes)]
    cpu0 = server.cpu_seconds()
    t0 = time.perf_counter()
    results = pool.map(_client, jobs)
    wall = time.perf_counter() - t0
    cpu = server.cpu_seconds() - cpu0
    ok = sum(r[0] for r in results)
    bad = sum(r[1] for r in results)
    err = sum(r[2] for r in results)
    lat = [x for r in results for x in r[3]]
    n = ok + bad
    return Load(n / wall, ok, bad, err, statistics.median(lat) if lat else float("nan"),
                cpu / n * 1e6 if n else float("nan"))


# --- servers -----------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    log: Any
    spoof: bool = False

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.workers():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLK_TCK

    def rss_mb(self) -> list[float]:
        out = []
        for pid in self.workers():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out.append(int(line.split()[1]) / 1024)
        return sorted(out)

    def stop(self) -> None:
        base.stop_process_group(self.proc)
        self.log.close()


def start(name: str, target: str, workers: int, env: dict[str, str], workdir: Path,
          ready_path: str, *, spoof: bool = False) -> Server:
    port = base.free_port()
    log = open(workdir / f"{name}.log", "w+b")  # noqa: SIM115 (closed by Server.stop)
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync",
           "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120",
           "--pythonpath", str(BENCH), target]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=workdir, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, proc, port, log, spoof)
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{name} exited: {log.read().decode(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError):
            if base.http_get(port, ready_path, timeout=5)[0] == 200 and \
                    len(server.workers()) == workers:
                return server
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{name} did not answer {ready_path} within 90 s")
        time.sleep(0.3)


def get(server: Server, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        h = dict(headers or {})
        if server.spoof:
            h.setdefault("X-Forwarded-For", "192.0.2.1")
        conn.request("GET", path, headers=h)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


# --- data --------------------------------------------------------------------------------------


@dataclass
class Dataset:
    name: str
    backend: str
    url: str
    groups: int
    group_ids: list[int] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)  # one per point
    days: list[int] = field(default_factory=list)  # one per point


def prepare(name: str, backend: str, args: argparse.Namespace, workdir: Path,
            pg: Any) -> Dataset:
    import sqlalchemy as sa

    from groupfinder.extensions import db
    from groupfinder.groups.models import Condition, Group, ListingStatus, group_conditions
    from groupfinder.interop.reference import data_dir, load_gazetteer_data, load_vocabularies
    from groupfinder.schedules.models import Schedule

    if backend == "sqlite":
        path = workdir / f"ratios_{name}.sqlite3"
        url = f"sqlite:///{path}"
        reuse = args.keep and path.exists()
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        url = pg.scratch(f"ratios_{name}")
        reuse = False
    t0 = time.perf_counter()
    if not reuse and name == "demo":
        from groupfinder.interop.demo import seed_demo

        app = base.make_app(url)
        with app.app_context():
            db.create_all()
            load_vocabularies()
            load_gazetteer_data()
            seed_demo()
            db.session.remove()
            db.engine.dispose()
    elif not reuse:
        towns = base.load_towns(data_dir())
        base.build(backend, url, 100_000, args, towns, dt.date.today(), gazetteer=True)
    base.log(f"  data ready in {time.perf_counter() - t0:.0f} s{' (kept file)' if reuse else ''}")
    app = base.make_app(url)
    with app.app_context():
        g = Group.__table__.c
        published = (g.status == ListingStatus.published.value) & g.hidden_since.is_(None)
        count = db.session.scalar(sa.select(sa.func.count()).where(published)) or 0
        # Groups in and around Manchester and London, where the searches look.
        rows = db.session.execute(
            sa.select(g.id, g.public_lat, g.public_lng)
            .where(published, g.is_sensitive.is_(False), g.public_lat.between(51.2, 53.7),
                   g.public_lng.between(-2.6, 0.3))
            .order_by(g.id).limit(400)).all()
        step = max(1, len(rows) // 8)
        picked = rows[::step][:8]
        # For condition + day: one of each picked group's conditions and meeting days, so each
        # search finds at least that group.
        conditions, day_of = [], []
        for r in picked:
            slug = db.session.scalar(
                sa.select(Condition.slug).join(group_conditions,
                                               group_conditions.c.condition_id == Condition.id)
                .where(group_conditions.c.group_id == r.id).order_by(Condition.slug).limit(1))
            mask = db.session.scalar(sa.select(Schedule.days_mask).where(
                Schedule.group_id == r.id, Schedule.days_mask != 0).limit(1)) or 1
            conditions.append(slug or "anxiety")
            day_of.append(next(d for d in range(7) if mask & (1 << d)))
        db.session.remove()
        db.engine.dispose()
    return Dataset(name, backend, url, count, [r.id for r in picked],
                   [(round(r.public_lat, 3), round(r.public_lng, 3)) for r in picked], conditions,
                   day_of)


def paths_for(data: Dataset, server: Server) -> dict[str, list[Request]]:
    """Each row's rotating requests; the 304 row carries each feed's ETag."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    out: dict[str, list[Request]] = {
        "ping": [("/api/v1/ping", {})],
        "search_latlng": [(f"/api/v1/groups?lat={a}&lng={b}&radius_km=25", {})
                          for a, b in data.points],
        "search_where": [("/api/v1/groups?where=M1+1AE&radius_km=25", {})],
        "condition_day": [(f"/api/v1/groups?lat={a}&lng={b}&radius_km=25"
                           f"&condition={data.conditions[i]}&day={days[data.days[i]]}", {})
                          for i, (a, b) in enumerate(data.points)],
        "html_search": [("/search?where=M1+1AE", {})],
        "html_group": [],
        "api_group": [(f"/api/v1/groups/{gid}", {}) for gid in data.group_ids],
        "home": [("/", {})],
        "feed_200": [(f"/groups/{gid}/calendar.ics", {}) for gid in data.group_ids],
        "feed_304": [],
        "search_feed": [("/search/calendar.ics?where=London&radius_km=10", {})],
    }
    for gid in data.group_ids:
        status, headers, _ = get(server, f"/groups/{gid}")  # → its canonical /groups/<id>/<slug>
        page = headers.get("location", f"/groups/{gid}") if status in (301, 308) else f"/groups/{gid}"
        out["html_group"].append((urlsplit(page).path or f"/groups/{gid}", {}))
        _, headers, _ = get(server, f"/groups/{gid}/calendar.ics")
        cond = {}
        if "etag" in headers:
            cond["If-None-Match"] = headers["etag"]
        if "last-modified" in headers:
            cond["If-Modified-Since"] = headers["last-modified"]
        out["feed_304"].append((f"/groups/{gid}/calendar.ics", cond))
    return out


def check(server: Server, requests: dict[str, list[Request]]) -> dict[str, str]:
    """Every URL once: a row whose answers aren't 200 (304 for the conditional row) says so."""
    notes = {}
    for key, reqs in requests.items():
        want = 304 if key == "feed_304" else 200
        for path, headers in reqs:
            status, _, body = get(server, path, headers)
            if status != want:
                notes[key] = f"{path} → HTTP {status}: {body[:120]!r}"
                break
            if key.startswith("search_") and key != "search_feed" or key == "condition_day":
                if not json.loads(body).get("results"):
                    notes[key] = f"{path} → no results"
    return notes


# --- one configuration -------------------------------------------------------------------------


@dataclass
class Outcome:
    label: str
    bare_rps: float
    bare_cpu_us: float
    rows: dict[str, tuple[Load, float]]
    notes: dict[str, str]
    rss_after_rows: list[float]
    rss_after_distinct: list[float]
    bare_rss: list[float]
    distinct_seconds: float


def run_config(data: Dataset, args: argparse.Namespace, workdir: Path, pool: Any) -> Outcome:
    sqlite = data.backend == "sqlite"
    workers = 2 if sqlite else 4
    env = {
        "GROUPFINDER_DATABASE_URL": data.url,
        "GROUPFINDER_SECRET_KEY": SECRET,
        "GROUPFINDER_INSTANCE_PATH": str(workdir / f"instance_{data.name}_{data.backend}"),
        "GROUPFINDER_LOG_LEVEL": "WARNING",
        "GROUPFINDER_GEOCODER": "offline",
        "GROUPFINDER_MAIL_BACKEND": "console",
    }
    Path(env["GROUPFINDER_INSTANCE_PATH"]).mkdir(exist_ok=True)
    if sqlite:
        env["GROUPFINDER_RATELIMIT_ENABLED"] = "false"
    else:
        env.update(GROUPFINDER_RATELIMIT_ENABLED="true",
                   GROUPFINDER_RATELIMIT_STORAGE_URI=args.redis, GROUPFINDER_PROXY_HOPS="1")
    bare = start("bare", "bare_app:app", workers, {}, workdir, "/ping")
    app = None
    try:
        app = start("groupfinder", "groupfinder.app:create_app()", workers, env, workdir,
                    "/api/v1/ping", spoof=not sqlite)
        requests = paths_for(data, app)
        notes = check(app, requests)
        bare_req: list[Request] = [("/ping", {})]
        drive(bare, bare_req, args.warmup, args, pool)
        before = drive(bare, bare_req, args.seconds, args, pool)
        rows: dict[str, tuple[Load, float]] = {}
        for key, _, _ in ROWS:
            if not requests[key]:
                continue
            drive(app, requests[key], args.warmup, args, pool)
            rows[key] = (drive(app, requests[key], args.seconds, args, pool), 0.0)
        after = drive(bare, bare_req, args.seconds, args, pool)
        bare_rps = (before.rps + after.rps) / 2
        rows = {k: (load, load.rps / bare_rps) for k, (load, _) in rows.items()}
        rss_rows = app.rss_mb()
        t0 = time.perf_counter()
        distinct(app, data, args.distinct, pool, args)
        return Outcome(f"{data.name} / {data.backend} ({workers} workers"
                       f"{', Redis limiter' if not sqlite else ''})",
                       bare_rps, (before.cpu_us + after.cpu_us) / 2, rows, notes, rss_rows,
                       app.rss_mb(), bare.rss_mb(), time.perf_counter() - t0)
    finally:
        if app is not None:
            app.stop()
        bare.stop()


def distinct(server: Server, data: Dataset, n: int, pool: Any, args: argparse.Namespace) -> None:
    """``n`` distinct questions, half API searches and half search feeds, 4 at a time."""
    reqs: list[Request] = []
    lat0, lng0 = data.points[0] if data.points else (53.48, -2.24)
    for i in range(n):
        lat = round(lat0 + ((i * 37) % 101 - 50) * 0.004, 3)
        lng = round(lng0 + ((i * 53) % 103 - 51) * 0.006, 3)
        if i % 2:
            reqs.append((f"/search/calendar.ics?lat={lat}&lng={lng}&radius_km=10", {}))
        else:
            reqs.append((f"/api/v1/groups?lat={lat}&lng={lng}&radius_km=25", {}))
    spoof = server.spoof

    def one(chunk: list[Request], worker: int) -> None:
        for j, (path, headers) in enumerate(chunk):
            h = dict(headers)
            if spoof:
                h["X-Forwarded-For"] = f"10.200.{worker}.{j % 250}"
            with contextlib.suppress(OSError, http.client.HTTPException):
                get(server, path, h)

    threads = [threading.Thread(target=one, args=(reqs[w::4], w)) for w in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


# --- output ------------------------------------------------------------------------------------


def report(outcomes: list[Outcome], args: argparse.Namespace) -> None:
    log = base.log
    log("")
    log(f"== ratios to a bare Flask JSON route (same gunicorn settings, same run; "
        f"{args.processes}×{args.threads} keep-alive connections, {args.seconds:g} s a row) ==")
    for o in outcomes:
        log("")
        log(f"-- {o.label}: bare route {o.bare_rps:,.0f} req/s, {o.bare_cpu_us:,.0f} µs CPU/request")
        log(f"   {'path':<36} {'req/s':>8} {'ratio':>6} {'goal':>6}    {'p50 ms':>7} "
            f"{'CPU µs/req':>10}  non-2xx  errors")
        for key, label, goal in ROWS:
            if key not in o.rows:
                log(f"   {label:<36} {'—':>8}")
                continue
            load, r = o.rows[key]
            mark = "✓" if r >= goal else "✗"
            log(f"   {label:<36} {load.rps:>8,.0f} {r:>6.3f} {'≥' + format(goal, '.2f'):>6} {mark}  "
                f"{load.p50_ms:>7.1f} {load.cpu_us:>10,.0f}  {load.bad:>7}  {load.errors:>6}")
            if key in o.notes:
                log(f"      note: {o.notes[key]}")
        ping = o.rows.get("ping")
        if ping:
            log(f"   fixed cost per request: bare route {o.bare_cpu_us:,.0f} µs CPU, "
                f"/api/v1/ping {ping[0].cpu_us:,.0f} µs CPU ({ping[0].cpu_us / o.bare_cpu_us:.1f}×)")
        fmt = ", ".join
        log(f"   RSS per worker (MB): bare {fmt(f'{x:.0f}' for x in o.bare_rss)}; app after the "
            f"rows {fmt(f'{x:.0f}' for x in o.rss_after_rows)}; after {args.distinct:,} distinct "
            f"searches and feeds ({o.distinct_seconds:.0f} s) "
            f"{fmt(f'{x:.0f}' for x in o.rss_after_distinct)} "
            f"{'✓' if max(o.rss_after_distinct, default=0) < MEMORY_GOAL_MB else '✗'} "
            f"< {MEMORY_GOAL_MB:.0f}")
    if len(outcomes) > 1:
        log("")
        log("summary (ratio, ✓ = meets the goal)")
        log(f"   {'path':<36} {'goal':>6}  " + "  ".join(f"{o.label.split(' (')[0]:>16}"
                                                     for o in outcomes))
        for key, label, goal in ROWS:
            cells = []
            for o in outcomes:
                if key in o.rows:
                    r = o.rows[key][1]
                    cells.append(f"{r:>14.3f} {'✓' if r >= goal else '✗'}")
                else:
                    cells.append(f"{'—':>16}")
            log(f"   {label:<36} {'≥' + format(goal, '.2f'):>6}  " + "  ".join(cells))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="demo,100k", help="demo, 100k or both (default)")
    p.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both (default)")
    p.add_argument("--seconds", type=float, default=5.0, help="measured seconds per row (5)")
    p.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per row (1)")
    p.add_argument("--processes", type=int, default=2, help="load generator processes (2)")
    p.add_argument("--threads", type=int, default=8, help="connections per process (8)")
    p.add_argument("--distinct", type=int, default=1000,
                   help="distinct searches + search feeds before the last RSS (1000)")
    p.add_argument("--pg", default=os.environ.get(
        "GROUPFINDER_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    p.add_argument("--redis", default=os.environ.get(
        "GROUPFINDER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"),
        help="rate-limit storage for the PostgreSQL rows")
    p.add_argument("--workdir", default=None)
    p.add_argument("--keep", action="store_true", help="keep (and reuse) the SQLite files")
    p.add_argument("--seed", type=int, default=20261125)
    args = p.parse_args(argv)
    args.no_pg = "postgres" not in args.db
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gf-ratios-"))
    workdir.mkdir(parents=True, exist_ok=True)
    pg, note = base.open_pg(args)
    if note:
        base.log(note)
    outcomes = []
    ctx = multiprocessing.get_context("fork")
    try:
        with ctx.Pool(args.processes) as pool:
            for name in [d for d in ("demo", "100k") if d in args.data.split(",")]:
                for backend in [b for b in ("sqlite", "postgres") if b in args.db.split(",")]:
                    if backend == "postgres" and pg is None:
                        continue
                    base.log(f"== {name} / {backend} ==")
                    data = prepare(name, backend, args, workdir, pg)
                    base.log(f"  {data.groups:,} published groups; measuring …")
                    outcomes.append(run_config(data, args, workdir, pool))
                    report(outcomes[-1:], args)
                    if backend == "postgres":
                        pg.drop(f"ratios_{name}")
    finally:
        if pg is not None:
            pg.close()
    if len(outcomes) > 1:
        report(outcomes, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
