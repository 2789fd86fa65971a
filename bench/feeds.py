#!/usr/bin/env python
"""Calendar-feed benchmark: the .ics endpoints against the bare JSON ping, in-process and over HTTP.

Prints medians, p95s and ratios measured in the same run. This machine is shared and noisy: read
the ratios, never assert on the timings. Not a test; never run by pytest.

    python bench/feeds.py --quick     # smoke run: 50 in-process requests, 3 s per HTTP run (~1 min)
    python bench/feeds.py             # 200 in-process requests, 10 s per HTTP run (~3-4 min)

What it does:

1. **Data.** A temp SQLite file built the way an operator would: ``groupfinder db upgrade`` then
   ``groupfinder seed-demo`` (GROUPFINDER_DATABASE_URL / GROUPFINDER_SECRET_KEY set). If the
   migrations lag the models (a column the models have and the upgraded file lacks) the schema
   comes from ``db.create_all()`` instead, with a note. Feeds measured:
   * a group feed: the lowest-id published, non-sensitive group with one schedule and at least
     one cancellation (the feed is checked to carry an EXDATE);
   * a facilitator feed: the facilitator leading the most published groups (fac-ldn-001 in the
     demo data, ≥ 10 groups);
   * a search feed of exactly 200 groups (``where=SW1A 1AA&radius_km=200``; the next candidate
     place is tried when that does not give 200 distinct groups among the VEVENT masters);
   * the 304 path: the group feed with ``If-None-Match`` set to the ETag of a first response.
2. **In-process** (Flask test client, requests interleaved round-robin so drift hits every
   case alike): median and p95 ms per case, and the ratio to ``/api/v1/ping``.
3. **HTTP**: gunicorn, 2 sync workers on a free loopback port, driven by ``wrk`` (or a bounded
   Python client). Requests/s per case and the ratio to ping measured in the same run (ping runs
   first and last; the baseline is their mean). Every response's status is counted (a wrk Lua
   script): the 304 run must answer 304 only, the others 200 only. Targets: group feed ≥ 40 % of
   ping, 304 path ≥ 70 % of ping. gunicorn's process group is stopped in ``finally``.
4. **Profile** (when a target is missed, or with ``--profile``): cProfile over the in-process
   group feed and 304 path, a table of where the time goes per request, and a profiler-free
   stage timing (load → series → build → hash) with what an ETag from data stamps would cost.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import hashlib
import http.client
import itertools
import os
import platform
import pstats
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import _wrk_ms, free_port, log, ms, p50, pct, stop_process_group  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
TARGETS = {"group": 0.40, "group 304": 0.70}
SEARCH_GROUPS = 200  # views.SEARCH_FEED_LIMIT
SEARCH_CANDIDATES = (("SW1A 1AA", 200), ("London", 200), ("M1 1AE", 200), ("Birmingham", 200))


# --- the database -----------------------------------------------------------------------------


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("groupfinder")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from groupfinder.cli import main; sys.exit(main())"]


def db_env(url: str) -> dict[str, str]:
    return {**os.environ, "GROUPFINDER_DATABASE_URL": url, "GROUPFINDER_SECRET_KEY": SECRET,
            "GROUPFINDER_LOG_LEVEL": "WARNING", "GROUPFINDER_GEOCODER": "offline",
            "GROUPFINDER_RATELIMIT_ENABLED": "false"}  # throughput, not the per-client limit


def make_app(url: str) -> Any:
    from groupfinder.app import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING",
                       "GEOCODER": "offline", "RATELIMIT_ENABLED": False})


def schema_gaps(url: str) -> list[str]:
    """Tables and columns the models have and the database lacks."""
    import sqlalchemy as sa

    from groupfinder.extensions import db

    app = make_app(url)
    gaps: list[str] = []
    with app.app_context():
        insp = sa.inspect(db.engine)
        for table in db.metadata.sorted_tables:
            if not insp.has_table(table.name):
                gaps.append(table.name)
                continue
            have = {c["name"] for c in insp.get_columns(table.name)}
            gaps += [f"{table.name}.{c.name}" for c in table.columns if c.name not in have]
        db.engine.dispose()
    return gaps


def run_cli(args: list[str], url: str, cwd: Path) -> str:
    out = subprocess.run(cli_command() + args, env=db_env(url), cwd=cwd, capture_output=True,
                         text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"groupfinder {' '.join(args)} failed ({out.returncode}):\n"
                           f"{(out.stdout + out.stderr)[-3000:]}")
    return out.stdout.strip()


def build_database(workdir: Path) -> tuple[Path, list[str]]:
    path = workdir / "feeds.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    notes = []
    started = time.perf_counter()
    run_cli(["db", "upgrade"], url, workdir)
    gaps = schema_gaps(url)
    if gaps:
        notes.append(f"NOTE: `groupfinder db upgrade` lags the models (missing: {', '.join(gaps)}); "
                     "schema from db.create_all() instead")
        path.unlink()
        from groupfinder.extensions import db

        app = make_app(url)
        with app.app_context():
            db.create_all()
            db.engine.dispose()
    seeded = run_cli(["seed-demo"], url, workdir).splitlines()
    notes.append(f"database: {path} ({path.stat().st_size / 1e6:.1f} MB) built in "
                 f"{time.perf_counter() - started:.1f} s; {seeded[-1] if seeded else 'seed-demo: no output'}")
    return path, notes


# --- picking the feeds ------------------------------------------------------------------------


@dataclass
class Case:
    key: str
    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200
    detail: str = ""


def unfolded(body: bytes) -> str:
    return body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")


def feed_shape(body: bytes) -> dict[str, int]:
    text = unfolded(body)
    events = [e.split("END:VEVENT")[0] for e in text.split("BEGIN:VEVENT")[1:]]
    masters = [e for e in events if "\r\nRECURRENCE-ID" not in e]
    urls = {m.group(1) for e in masters if (m := re.search(r"^URL:(.*)$", e, re.M))}
    return {"events": len(events), "masters": len(masters), "groups": len(urls),
            "exdates": sum(e.count("\r\nEXDATE") for e in events),
            "vtimezones": text.count("BEGIN:VTIMEZONE"), "bytes": len(body)}


def pick_cases(app: Any, client: Any) -> tuple[list[Case], list[str]]:
    import sqlalchemy as sa

    from groupfinder.extensions import db

    notes: list[str] = []
    with app.app_context():
        conn = db.session.connection()
        candidates = conn.execute(sa.text("""
            SELECT g.id, g.name FROM groups g JOIN schedules s ON s.group_id = g.id
            WHERE g.status = 'published' AND g.is_sensitive = 0 AND g.venue_id IS NOT NULL
            GROUP BY g.id, g.name
            HAVING count(s.id) = 1
               AND (SELECT count(*) FROM schedule_cancellations c JOIN schedules s2
                    ON s2.id = c.schedule_id WHERE s2.group_id = g.id) >= 1
            ORDER BY g.id LIMIT 20""")).all()
        fac = conn.execute(sa.text("""
            SELECT f.id, f.external_key, f.name, count(*) AS n
            FROM group_facilitators gf JOIN facilitators f ON f.id = gf.facilitator_id
            JOIN groups g ON g.id = gf.group_id WHERE g.status = 'published'
            GROUP BY f.id, f.external_key, f.name ORDER BY n DESC, f.id LIMIT 1""")).one()
        db.session.remove()

    group = None
    for gid, name in candidates:
        r = client.get(f"/groups/{gid}/calendar.ics")
        shape = feed_shape(r.data) if r.status_code == 200 else {}
        if shape.get("exdates"):
            group = (gid, name, shape)
            break
    if group is None:
        raise RuntimeError("no published, non-sensitive one-schedule group with an EXDATE found")
    gid, gname, gshape = group
    group_path = f"/groups/{gid}/calendar.ics"

    fid, fkey, fname, fcount = fac
    fac_path = f"/facilitators/{fid}/calendar.ics"
    r = client.get(fac_path)
    if r.status_code != 200:
        raise RuntimeError(f"{fac_path}: HTTP {r.status_code}")
    fshape = feed_shape(r.data)
    if fkey != "fac-ldn-001" or fcount < 10:
        notes.append(f"NOTE: the busiest facilitator is {fkey} with {fcount} groups "
                     "(expected fac-ldn-001, ≥ 10)")

    search = None
    for where, radius in SEARCH_CANDIDATES:
        query = urllib.parse.urlencode({"where": where, "radius_km": radius},
                                       quote_via=urllib.parse.quote)
        r = client.get(f"/search/calendar.ics?{query}")
        shape = feed_shape(r.data) if r.status_code == 200 else {}
        if shape.get("groups") == SEARCH_GROUPS:
            search = (query, shape)
            break
        notes.append(f"NOTE: search {query} gave HTTP {r.status_code}, "
                     f"{shape.get('groups', 0)} groups; trying the next place")
    if search is None:
        raise RuntimeError(f"no candidate search feed returned {SEARCH_GROUPS} groups")
    query, sshape = search
    search_path = f"/search/calendar.ics?{query}"

    first = client.get(group_path)
    etag = first.headers.get("ETag", "")
    again = client.get(group_path, headers={"If-None-Match": etag})
    if not etag or again.status_code != 304:
        raise RuntimeError(f"conditional GET of {group_path} with If-None-Match {etag!r} gave "
                           f"HTTP {again.status_code}, not 304")

    def describe(shape: dict[str, int]) -> str:
        return (f"{shape['bytes']:,} bytes, {shape['events']} VEVENTs ({shape['masters']} masters, "
                f"{shape['groups']} groups), {shape['exdates']} EXDATE lines, "
                f"{shape['vtimezones']} VTIMEZONE")

    cases = [
        Case("ping", "GET /api/v1/ping", "/api/v1/ping", detail="bare JSON, no database"),
        Case("group", f"group feed (id {gid})", group_path, detail=f"{gname!r}: {describe(gshape)}"),
        Case("group 304", "group feed, If-None-Match → 304", group_path,
             headers={"If-None-Match": etag}, expect=304, detail=f"ETag {etag}"),
        Case("facilitator", f"facilitator feed (id {fid})", fac_path,
             detail=f"{fkey} {fname!r}, {fcount} published groups: {describe(fshape)}"),
        Case("search", f"search feed ({sshape['groups']} groups)", search_path,
             detail=f"{query}: {describe(sshape)}"),
    ]
    return cases, notes


# --- in-process -------------------------------------------------------------------------------


def time_in_process(client: Any, cases: list[Case], n: int) -> dict[str, list[float]]:
    """Round-robin over the cases, ``n`` timed requests each (after 3 warm-up rounds)."""
    times: dict[str, list[float]] = {c.key: [] for c in cases}
    for i in range(n + 3):
        for c in cases:
            t = time.perf_counter()
            r = client.get(c.path, headers=c.headers)
            elapsed = (time.perf_counter() - t) * 1000
            r.close()
            if r.status_code != c.expect:
                raise RuntimeError(f"{c.path}: HTTP {r.status_code}, expected {c.expect}")
            if i >= 3:
                times[c.key].append(elapsed)
    return times


# --- HTTP -------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    key: str
    rps: float
    requests: int
    statuses: Counter
    non2xx3xx: int
    errors: int
    p50_ms: float
    p99_ms: float
    tool: str

    def unexpected(self, expect: int) -> int:
        return sum(v for k, v in self.statuses.items() if k != expect)


WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do io.write(string.format("STATUS %d %d\\n", k, v)) end
  end
end
"""


def run_wrk(port: int, case: Case, seconds: float, threads: int, connections: int,
            script: Path) -> LoadResult:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
           "--timeout", "30s", "--latency", "-s", str(script)]
    for k, v in case.headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(f"http://127.0.0.1:{port}{case.path}")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    out = proc.stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {(out + proc.stderr)[-2000:]}")
    statuses: Counter = Counter()
    for code, count in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M):
        statuses[int(code)] += int(count)
    non = int(x.group(1)) if (x := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0
    errs = sum(map(int, x.groups())) if (x := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)) else 0
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    return LoadResult(case.key, float(m.group(1)), int(re.search(r"(\d+) requests in", out).group(1)),
                      statuses, non, errs, _wrk_ms(lat.get("50", "")), _wrk_ms(lat.get("99", "")),
                      "wrk")


def run_pyclient(port: int, case: Case, seconds: float, connections: int,
                 max_requests: int = 1_000_000) -> LoadResult:
    """Fallback load generator: bounded threads, http.client (re-connects when the server closes)."""
    lock = threading.Lock()
    statuses: Counter = Counter()
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + seconds
    budget = itertools.count()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: Counter = Counter()
        lat: list[float] = []
        err = 0
        while time.perf_counter() < deadline and next(budget) < max_requests:
            t = time.perf_counter()
            try:
                conn.request("GET", case.path, headers=case.headers)
                resp = conn.getresponse()
                resp.read()
                local[resp.status] += 1
            except (OSError, http.client.HTTPException):
                err += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            lat.append((time.perf_counter() - t) * 1000)
        conn.close()
        with lock:
            statuses.update(local)
            latencies.extend(lat)
            errors[0] += err

    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for th in pool:
        th.start()
    for th in pool:
        th.join(timeout=seconds + 60)
    wall = time.perf_counter() - t0
    n = sum(statuses.values())
    bad = sum(v for k, v in statuses.items() if not 200 <= k < 400)
    return LoadResult(case.key, n / wall, n, statuses, bad, errors[0], pct(latencies, 50),
                      pct(latencies, 99), "python http.client")


def http_check(port: int, case: Case) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", case.path, headers=case.headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def run_http(db_path: Path, cases: list[Case], args: argparse.Namespace, workdir: Path,
             app_spec: str = "groupfinder.app:create_app()",
             extra: tuple[str, ...] = ()) -> list[LoadResult]:
    """gunicorn -w 2 over ``db_path``; cases[0] is the ping. Results in run order."""
    port = free_port()
    env = db_env(f"sqlite:///{db_path}")
    logfile = open(workdir / "gunicorn.log", "w+b")  # noqa: SIM115 (closed in finally)
    cmd = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", "--timeout", "60", *extra, app_spec]
    proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=logfile, stderr=subprocess.STDOUT,
                            start_new_session=True)
    results: list[LoadResult] = []
    try:
        deadline = time.monotonic() + 60
        ping = cases[0]
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_check(port, ping)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /api/v1/ping within 60 s")
            time.sleep(0.2)

        # a 304 case sends the ETag this server gives for the same URL (asked several times, so
        # that both workers answer); then every URL must answer with its expected status
        checked = []
        for c in cases:
            if c.expect == 304:
                _, headers, _ = http_check(port, Case(c.key, c.label, c.path))
                served = headers.get("etag", "")
                if served and served != c.headers.get("If-None-Match"):
                    log(f"    NOTE: gunicorn's ETag {served} differs from in-process; using it")
                    c.headers["If-None-Match"] = served
            for _ in range(6 if c.expect == 304 else 1):
                st, hd, body = http_check(port, c)
                if st != c.expect:
                    raise RuntimeError(f"{c.path} {c.headers}: HTTP {st}, expected {c.expect}: "
                                       f"{body[:300]!r}")
                if c.expect == 304 and (body or hd.get("etag") != c.headers["If-None-Match"]):
                    raise RuntimeError(f"304 with a body or another ETag: {hd} {body[:100]!r}")
            checked.append(f"{c.key} {c.expect}")
        log(f"    checked once each: {', '.join(checked)} (304s: empty body, same ETag)")

        use_wrk = shutil.which("wrk") is not None and not args.python_client
        script = workdir / "status.lua"
        script.write_text(WRK_SCRIPT)
        # ping between every feed run: each feed's baseline is the mean of the pings around it
        order: list[Case] = []
        for i, c in enumerate(cases[1:]):
            order += [Case(f"ping {i}", f"GET /api/v1/ping [{i}]", ping.path), c]
        order.append(Case(f"ping {len(cases) - 1}", f"GET /api/v1/ping [{len(cases) - 1}]",
                          ping.path))
        for c in order:
            warm = min(2.0, args.seconds / 3)
            if use_wrk:
                run_wrk(port, c, warm, args.threads, args.connections, script)
                r = run_wrk(port, c, args.seconds, args.threads, args.connections, script)
            else:
                run_pyclient(port, c, warm, args.connections)
                r = run_pyclient(port, c, args.seconds, args.connections)
            codes = ", ".join(f"{k}×{v}" for k, v in sorted(r.statuses.items()))
            log(f"    {c.label:<40} {r.rps:>8.1f} req/s  p50 {ms(r.p50_ms):>6} ms  "
                f"p99 {ms(r.p99_ms):>6} ms  n {r.requests:>6}  statuses [{codes}]  "
                f"non-2xx/3xx {r.non2xx3xx}  socket errors {r.errors}  [{r.tool}]")
            results.append(r)
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited during the run ({proc.returncode})")
    except BaseException:
        logfile.seek(0)
        tail = logfile.read().decode("utf-8", "replace")[-3000:]
        if tail.strip():
            log(f"    gunicorn log tail:\n{tail}")
        raise
    finally:
        stop_process_group(proc)
        logfile.close()
    return results


def http_summary(cases: list[Case], http: dict[str, LoadResult],
                 targets: dict[str, float]) -> list[str]:
    """Print each case against the ping runs around it; return the keys that miss a target."""
    missed = []
    pings = [r for k, r in http.items() if k.startswith("ping ")]
    rates = [r.rps for r in pings]
    log(f"  ping runs: {', '.join(f'{x:.0f}' for x in rates)} req/s (min/max "
        f"{pct_of(min(rates), max(rates))}); each case is compared with the mean of the ping "
        "runs just before and after it")
    log(f"  {'case':<40} {'req/s':>8} {'ping req/s':>10} {'% of ping':>10}  {'target':>12}  statuses")
    for i, c in enumerate(cases):
        label = c.label
        if c.key == "ping":
            r, base = pings[0], sum(rates) / len(rates)
            label = "ping: first run vs mean of all"
        else:
            r, base = http[c.key], (rates[i - 1] + rates[i]) / 2
        share = r.rps / base
        target = targets.get(c.key)
        verdict = ""
        if target is not None:
            verdict = f"≥ {target:.0%} {'met' if share >= target else 'MISSED'}"
            if share < target:
                missed.append(c.key)
        unexpected = r.unexpected(c.expect)
        codes = ", ".join(f"{k}×{v}" for k, v in sorted(r.statuses.items()))
        log(f"  {label:<40} {r.rps:>8.1f} {base:>10.1f} {share:>10.0%}  {verdict:>12}  [{codes}]"
            + (f"  UNEXPECTED {unexpected}" if unexpected else ""))
    expected = {c.key: c.expect for c in cases}
    non = sum(r.non2xx3xx for r in http.values())
    errs = sum(r.errors for r in http.values())
    other = sum(r.unexpected(expected.get(k, 200)) for k, r in http.items())
    log(f"  all {len(http)} runs: non-2xx/3xx responses {non}; socket errors {errs}; responses "
        f"other than the expected status {other}" + (" (all clean)" if not non + errs + other else ""))
    return missed


# --- profile ----------------------------------------------------------------------------------

# (label, filename suffix, function name): cumulative time per request
WATCH = (
    ("Flask dispatch (whole request)", "flask/app.py", "full_dispatch_request"),
    ("  feeds.views.group", "feeds/views.py", "group"),
    ("    get_public_group (ORM load)", "groups/queries.py", "get_public_group"),
    ("      SQL execute (all statements)", "engine/base.py", "_execute_context"),
    ("    group_series", "feeds/series.py", "group_series"),
    ("      schedules.words.describe", "schedules/words.py", "describe"),
    ("    build_calendar", "feeds/ical.py", "build_calendar"),
    ("      series_components", "feeds/ical.py", "series_components"),
    ("        _effective_exceptions", "feeds/ical.py", "_effective_exceptions"),
    ("      vtimezone (from_ical of cached text)", "feeds/ical.py", "vtimezone"),
    ("      Component.to_ical", "icalendar/cal/component.py", "to_ical"),
    ("    _calendar_response (sha256 + 304)", "feeds/views.py", "_calendar_response"),
    ("      Response.make_conditional", "werkzeug/wrappers/response.py", "make_conditional"),
    ("  session teardown / remove", "orm/scoping.py", "remove"),
)


def profile_requests(client: Any, case: Case, n: int) -> pstats.Stats:
    for _ in range(3):
        client.get(case.path, headers=case.headers).close()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        client.get(case.path, headers=case.headers).close()
    prof.disable()
    return pstats.Stats(prof)


def watched(stats: pstats.Stats, n: int) -> list[tuple[str, float, float]]:
    """(label, ms per request cumulative, calls per request) for each WATCH entry (first match)."""
    table = stats.stats  # type: ignore[attr-defined]
    rows = []
    for label, suffix, func in WATCH:
        best = None
        for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in table.items():
            if name == func and filename.replace("\\", "/").endswith(suffix):
                if best is None or ct > best[0]:
                    best = (ct, nc)
        if best:
            rows.append((label, best[0] * 1000 / n, best[1] / n))
    return rows


def top_tottime(stats: pstats.Stats, n: int, count: int) -> list[str]:
    table = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in table.values())
    items = sorted(table.items(), key=lambda kv: kv[1][2], reverse=True)[:count]
    out = []
    for (filename, line, name), (_cc, nc, tt, _ct, _callers) in items:
        short = "/".join(Path(filename).parts[-2:]) if filename != "~" else ""
        out.append(f"      {tt * 1000 / n:7.3f} ms  {tt / total:5.1%}  {nc / n:7.1f} calls  "
                   f"{short}:{line}({name})")
    return out


def stage_timing(app: Any, group_id: int, n: int) -> dict[str, list[float]]:
    """Profiler-free: what feeds.views.group does, stage by stage, plus a data-stamp ETag query."""
    import sqlalchemy as sa

    from groupfinder.extensions import db
    from groupfinder.feeds import views
    from groupfinder.feeds.ical import FeedInfo, build_calendar
    from groupfinder.feeds.series import group_series, last_modified, uid_host
    from groupfinder.groups.queries import get_public_group

    stamp_sql = sa.text(STAMP_SQL)
    keys = ("load", "series", "build", "sha256", "total", "stamp query")
    times: dict[str, list[float]] = {k: [] for k in keys}
    path = f"/groups/{group_id}/calendar.ics"
    for i in range(n + 3):
        with app.test_request_context(path):
            t0 = time.perf_counter()
            grp = get_public_group(group_id)
            t1 = time.perf_counter()
            series = group_series(grp)
            t2 = time.perf_counter()
            info = FeedInfo(name=grp.name, description=f"Meetings of {grp.name}, from groupfinder.",
                            uid=f"feed-group-{grp.id}@{uid_host()}",
                            timezone=grp.venue.timezone if grp.venue else None)
            body = build_calendar(info, series, year=views._year())
            t3 = time.perf_counter()
            hashlib.sha256(body).hexdigest()
            last_modified(series)
            t4 = time.perf_counter()
        with app.test_request_context(path):
            t5 = time.perf_counter()
            row = db.session.execute(stamp_sql, {"id": group_id}).one()
            hashlib.sha256(repr(tuple(row)).encode()).hexdigest()
            t6 = time.perf_counter()
        if i >= 3:
            for k, v in zip(keys, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, t6 - t5), strict=True):
                times[k].append(v * 1000)
    return times


MEMO_SECONDS = 30.0
STAMP_SQL = """
    SELECT g.status, g.is_sensitive, g.updated_at, v.updated_at,
           (SELECT group_concat(s.id || ':' || s.sequence || ':' || s.updated_at, ',')
              FROM schedules s WHERE s.group_id = g.id)
    FROM groups g LEFT JOIN venues v ON v.id = g.venue_id WHERE g.id = :id"""


def prototype_app(url: str) -> Any:
    """A second app with bench-only routes that prototype the suggested changes.

    ``/bench/lean/groups/<id>/calendar.ics``: feeds.views.group with a feed-only loader (venue,
    schedules → cancellations, changes → new venue; none of conditions, audiences, languages,
    access features, facilitators). ``/bench/early/groups/<id>/calendar.ics``: answers a matching
    ``If-None-Match`` with 304 from one SELECT of data stamps, before loading or building; else
    the lean build with that data ETag. ``/bench/cached/groups/<id>/calendar.ics``: the same
    early 304, and a 200 served from a per-process dict of bodies keyed by the data ETag (built
    on a miss). ``/bench/memo/…``: the data ETag itself memoised per process for MEMO_SECONDS
    (a 304 without touching the database; a change shows up to that much later). Same bytes as the shipped feed (checked). The app's code is not changed.
    """
    import sqlalchemy as sa
    from flask import Response, abort, request
    from sqlalchemy.orm import selectinload

    from groupfinder.extensions import db
    from groupfinder.feeds import views
    from groupfinder.feeds.ical import PRODID, FeedInfo, build_calendar
    from groupfinder.feeds.series import group_series, last_modified, uid_host
    from groupfinder.groups.models import Group, ListingStatus
    from groupfinder.schedules.models import MeetingChange, Schedule

    app = make_app(url)
    stamp_sql = sa.text(STAMP_SQL)

    def lean_group(group_id: int) -> Any:
        stmt = sa.select(Group).where(Group.id == group_id).options(
            selectinload(Group.venue),
            selectinload(Group.schedules).options(
                selectinload(Schedule.cancellations),
                selectinload(Schedule.changes).selectinload(MeetingChange.new_venue)))
        grp = db.session.scalars(stmt).one_or_none()
        if grp is None or grp.status != ListingStatus.published:
            abort(404)
        return grp

    def lean_body(group_id: int) -> tuple[bytes, Any, Any]:
        grp = lean_group(group_id)
        series = group_series(grp)
        info = FeedInfo(name=grp.name, description=f"Meetings of {grp.name}, from groupfinder.",
                        uid=f"feed-group-{grp.id}@{uid_host()}",
                        timezone=grp.venue.timezone if grp.venue else None)
        return build_calendar(info, series, year=views._year()), last_modified(series), grp

    @app.get("/bench/lean/groups/<int:group_id>/calendar.ics")
    def lean(group_id: int) -> Any:
        body, modified, grp = lean_body(group_id)
        return views._calendar_response(body, modified, f"group-{grp.id}.ics")

    cache: dict[str, tuple[bytes, Any]] = {}  # data ETag → (body, last modified), per worker

    def data_etag(group_id: int) -> str:
        row = db.session.execute(stamp_sql, {"id": group_id}).one_or_none()
        if row is None or row[0] != ListingStatus.published.value:
            abort(404)
        key = repr((tuple(row), views._year(), PRODID, app.config["BASE_URL"], app.config["CLOCK"]))
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    def not_modified(etag: str) -> Any:
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = "public, max-age=900"
        return response

    @app.get("/bench/cached/groups/<int:group_id>/calendar.ics")
    def cached(group_id: int) -> Any:
        etag = data_etag(group_id)
        if request.if_none_match.contains(etag):
            return not_modified(etag)
        if etag not in cache:
            body, modified, _ = lean_body(group_id)
            if len(cache) >= 512:
                cache.pop(next(iter(cache)))
            cache[etag] = (body, modified)
        body, modified = cache[etag]
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="group-{group_id}.ics"'
        response.headers["Cache-Control"] = "public, max-age=900"
        response.set_etag(etag)
        response.last_modified = modified
        return response

    memo: dict[int, tuple[float, str]] = {}  # group id → (expires, data ETag), per worker

    @app.get("/bench/memo/groups/<int:group_id>/calendar.ics")
    def memo_304(group_id: int) -> Any:
        hit = memo.get(group_id)
        if hit is None or hit[0] < time.monotonic():
            hit = (time.monotonic() + MEMO_SECONDS, data_etag(group_id))
            memo[group_id] = hit
        if request.if_none_match.contains(hit[1]):
            return not_modified(hit[1])
        return cached(group_id)

    @app.get("/bench/early/groups/<int:group_id>/calendar.ics")
    def early(group_id: int) -> Any:
        etag = data_etag(group_id)
        if request.if_none_match.contains(etag):
            return not_modified(etag)
        body, modified, grp = lean_body(group_id)
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Cache-Control"] = "public, max-age=900"
        response.set_etag(etag)
        response.last_modified = modified
        return response.make_conditional(request)

    return app


def prototype_app_from_env() -> Any:
    """For gunicorn: ``--pythonpath bench 'feeds:prototype_app_from_env()'``."""
    return prototype_app(os.environ["GROUPFINDER_DATABASE_URL"])


def run_prototype(db_path: Path, cases: list[Case], args: argparse.Namespace,
                  workdir: Path) -> None:
    n = args.requests
    by_key = {c.key: c for c in cases}
    gpath = by_key["group"].path
    app = prototype_app(f"sqlite:///{db_path}")
    client = app.test_client()
    real = client.get(gpath)
    lean = client.get("/bench/lean" + gpath)
    early = client.get("/bench/early" + gpath)
    cached = [client.get("/bench/cached" + gpath) for _ in range(2)]
    same = real.data == lean.data == early.data == cached[0].data == cached[1].data
    etag = early.headers.get("ETag", "")
    proto = [
        Case("ping", "GET /api/v1/ping", "/api/v1/ping"),
        Case("group", "group feed (as shipped)", gpath),
        Case("group 304", "304 (as shipped)", gpath, headers=by_key["group 304"].headers, expect=304),
        Case("lean", "group feed, lean loader", "/bench/lean" + gpath),
        Case("cached", "group feed, body cached by data ETag", "/bench/cached" + gpath),
        Case("early 304", "304, ETag from data stamps", "/bench/early" + gpath,
             headers={"If-None-Match": etag}, expect=304),
        Case("memo 304", f"304, data ETag memoised {MEMO_SECONDS:g} s", "/bench/memo" + gpath,
             headers={"If-None-Match": etag}, expect=304),
    ]
    times = time_in_process(client, proto, n)
    ping_ms = p50(times["ping"])
    log("")
    log(f"  prototype in-process (bench-only routes on a second app; app code unchanged), {n} "
        f"requests per case; bodies identical to the shipped feed: {'yes' if same else 'NO'}")
    for c in proto:
        t = times[c.key]
        log(f"    {c.label:<40} median {ms(p50(t)):>6} ms  p95 {ms(pct(t, 95)):>6} ms  "
            f"{ping_ms / p50(t):>5.0%} of ping")
    from groupfinder.extensions import db

    with app.app_context():
        db.engine.dispose()
    if args.no_http:
        return
    log("")
    log(f"  prototype over HTTP: the same gunicorn set-up serving prototype_app_from_env() "
        f"(bench/feeds.py), {args.seconds:g} s per run")
    order = [c for c in proto if c.key not in ("group", "group 304")]
    results = run_http(db_path, order, args, workdir, "feeds:prototype_app_from_env()",
                       ("--pythonpath", str(Path(__file__).resolve().parent)))
    http_summary(order, {r.key: r for r in results},
                 {"lean": TARGETS["group"], "cached": TARGETS["group"],
                  "early 304": TARGETS["group 304"], "memo 304": TARGETS["group 304"]})


def vtimezone_cost(n: int) -> tuple[float, float]:
    from groupfinder.feeds.ical import vtimezone

    year = dt.datetime.now(dt.UTC).year
    a, b = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        comp = vtimezone("Europe/London", year)
        t1 = time.perf_counter()
        comp.to_ical()
        t2 = time.perf_counter()
        a.append((t1 - t0) * 1000)
        b.append((t2 - t1) * 1000)
    return p50(a), p50(b)


def run_profile(app: Any, client: Any, db_path: Path, cases: list[Case], args: argparse.Namespace,
                workdir: Path) -> None:
    n = args.requests
    by_key = {c.key: c for c in cases}
    for key in ("group", "group 304"):
        case = by_key[key]
        stats = profile_requests(client, case, n)
        total = sum(v[2] for v in stats.stats.values()) * 1000 / n  # type: ignore[attr-defined]
        log("")
        log(f"  cProfile, {case.label}: {n} requests, {total:.2f} ms/request under the profiler")
        log(f"    {'cumulative per request':<44} {'ms':>8} {'share':>6} {'calls':>6}")
        for label, per, calls in watched(stats, n):
            log(f"    {label:<44} {per:8.3f} {per / total:6.1%} {calls:6.1f}")
        log("    top functions by own time:")
        for line in top_tottime(stats, n, 12):
            log(line)
    group_id = int(by_key["group"].path.split("/")[2])
    try:
        st = stage_timing(app, group_id, n)
        tz_parse, tz_emit = vtimezone_cost(n)
    except Exception as exc:  # the bench must not break when the view's internals move
        log(f"  stage timing skipped: {type(exc).__name__}: {exc}")
        return
    tot = p50(st["total"])
    log("")
    log(f"  stage timing without the profiler, group {group_id}, {n} rounds (median ms, share "
        "of load+series+build+hash):")
    for k in ("load", "series", "build", "sha256", "total"):
        log(f"    {k:<12} {ms(p50(st[k])):>7} ms  p95 {ms(pct(st[k], 95)):>7} ms  "
            f"{p50(st[k]) / tot:6.1%}")
    log(f"    {'stamp query':<12} {ms(p50(st['stamp query'])):>7} ms  p95 "
        f"{ms(pct(st['stamp query'], 95)):>7} ms  (one SELECT of status, is_sensitive, "
        "updated_at of group and venue, id:sequence:updated_at of each schedule — an ETag from "
        "data, without the ORM graph or the calendar)")
    log(f"    inside build: vtimezone() (Timezone.from_ical of the cached text) {ms(tz_parse)} ms, "
        f"its to_ical() again {ms(tz_emit)} ms per zone per request")
    try:
        run_prototype(db_path, cases, args, workdir)
    except Exception as exc:
        log(f"  prototype skipped: {type(exc).__name__}: {exc}")


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 50 in-process requests, 3 s per HTTP run")
    p.add_argument("--seconds", type=float, default=10.0, help="seconds per HTTP run (default 10)")
    p.add_argument("--requests", type=int, default=200,
                   help="in-process requests per case, and for the profile (default 200)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--connections", type=int, default=8, help="connections (default 8)")
    p.add_argument("--python-client", action="store_true", help="use the Python client, not wrk")
    p.add_argument("--no-http", action="store_true", help="skip gunicorn")
    p.add_argument("--profile", choices=("auto", "always", "never"), default="auto",
                   help="profile when a target is missed (auto), always, or never")
    p.add_argument("--workdir", default=None, help="directory for the SQLite file (default: temp)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    a = p.parse_args(argv)
    if a.quick:
        a.seconds, a.requests = min(a.seconds, 3.0), min(a.requests, 50)
    return a


def pct_of(a: float, b: float) -> str:
    return f"{a / b:.0%}" if b and a == a and b == b else "—"


def _sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _sigterm)  # so that finally stops gunicorn
    started = time.perf_counter()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gf-feeds-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log(f"groupfinder calendar-feed benchmark — {args.requests} in-process requests per case, "
        f"{args.seconds:g} s per HTTP run{' (--quick)' if args.quick else ''}")
    try:
        db_path, notes = build_database(workdir)
        for n in notes:
            log(n)
        app = make_app(f"sqlite:///{db_path}")
        client = app.test_client()
        cases, notes = pick_cases(app, client)
        for n in notes:
            log(n)
        log("feeds:")
        for c in cases:
            log(f"  {c.key:<12} {c.path}  — {c.detail}")

        log("")
        log(f"== in-process (Flask test client), {args.requests} requests per case, round-robin ==")
        times = time_in_process(client, cases, args.requests)
        ping_ms = p50(times["ping"])
        log(f"    {'case':<40} {'median ms':>10} {'p95 ms':>9} {'× ping median':>14}")
        for c in cases:
            t = times[c.key]
            log(f"    {c.label:<40} {ms(p50(t)):>10} {ms(pct(t, 95)):>9} "
                f"{p50(t) / ping_ms:>13.1f}×")
        log("    in-process ceiling, requests/s (1000 / median): "
            + ", ".join(f"{c.key} {1000 / p50(times[c.key]):.0f}" for c in cases)
            + f"; group/ping {pct_of(ping_ms, p50(times['group']))}, "
              f"304/ping {pct_of(ping_ms, p50(times['group 304']))}")

        http: dict[str, LoadResult] = {}
        http_error = ""
        if not args.no_http:
            log("")
            tool = "wrk" if shutil.which("wrk") and not args.python_client else "python client"
            log(f"== HTTP: gunicorn -w 2 (sync) on 127.0.0.1, {tool} {args.threads} threads × "
                f"{args.connections} connections, {args.seconds:g} s per run (after a short "
                "warm-up) ==")
            try:
                http = {r.key: r for r in run_http(db_path, cases, args, workdir)}
            except Exception as exc:
                http_error = f"{type(exc).__name__}: {exc}"
                log(f"    HTTP run failed: {http_error}")

        missed = []
        log("")
        log("== summary ==")
        if http:
            missed += http_summary(cases, http, TARGETS)
        else:
            log(f"  HTTP: {'skipped (--no-http)' if args.no_http else 'failed: ' + http_error}; "
                "targets judged in-process (1000/median)")
            for key, target in TARGETS.items():
                share = ping_ms / p50(times[key])
                log(f"  {key:<12} {share:.0%} of ping in-process (target ≥ {target:.0%}): "
                    f"{'met' if share >= target else 'MISSED'}")
                if share < target:
                    missed.append(key)

        if args.profile == "always" or (args.profile == "auto" and missed):
            log("")
            why = f"targets missed: {', '.join(missed)}" if missed else "--profile always"
            log(f"== profile ({why}) ==")
            run_profile(app, client, db_path, cases, args, workdir)
        elif missed:
            log(f"  targets missed: {', '.join(missed)} (profile skipped: --profile never)")
        else:
            log("  all targets met; no profile (use --profile always)")

        from groupfinder.extensions import db

        with app.app_context():
            db.engine.dispose()
        from importlib.metadata import version

        load = os.getloadavg()
        wrk_v = ""
        if shutil.which("wrk"):
            with contextlib.suppress(Exception):
                wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True,
                                       timeout=10).stdout.split("\n")[0].split(" [")[0]
        log("")
        log(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load {load[0]:.2f} "
            f"{load[1]:.2f} {load[2]:.2f}; Python {platform.python_version()}; icalendar "
            f"{version('icalendar')}; Flask {version('flask')}; gunicorn {version('gunicorn')}; {wrk_v or 'no wrk'}; "
            f"total {time.perf_counter() - started:.0f} s; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
        return 0
    finally:
        if args.keep or args.workdir:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
