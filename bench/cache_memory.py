#!/usr/bin/env python
"""Read-cache memory benchmark: one worker's RSS at 100k groups after 1,000 distinct searches
and 1,000 distinct search feeds, at several ``READ_CACHE_MB`` caps, in the same run.

Not a test; never run by pytest. RSS on a shared machine moves with the allocator, so read the
growth and the ratios between caps measured in the same run, not absolute figures across runs.

    python bench/cache_memory.py --quick                         # 10k groups, 100 + 100 requests
    python bench/cache_memory.py                                 # 100k groups, 1,000 + 1,000
    python bench/cache_memory.py --workdir /tmp/gf-bench --keep  # keep the 100k file, reuse it next time

What it does:

1. **Data.** A SQLite file of synthetic published groups built by ``bench/search.py``'s
   generator (``search.build``: ``db.create_all()``, vocabularies, the gazetteer, Core inserts),
   or reused from ``--workdir`` when it holds one of the right size and schema.
2. **One process per cap** (default 4096, 64, 1 and 0 MB: "no cap", the default, tiny, off), so
   each RSS figure is that configuration's alone. In it: the app (``READ_CACHE_MB`` = the cap),
   the Flask test client, 40 warm-up requests on other points (imports, compiled SQL, gazetteer
   labels), the read cache emptied, ``gc.collect()``, RSS; then the measured requests, in turn
   ``/api/v1/groups?lat=…&lng=…`` and ``/search/calendar.ics?lat=…&lng=…`` at distinct points
   near towns (weighted by population), cycling plain / one condition / condition + weekday /
   this_week; ``gc.collect()``, RSS again, the peak (VmHWM), and the cache's measured bytes.
3. A table: RSS before/after, growth, peak, cache bytes and entries, hit rate, time, and each
   cap's growth as a ratio of the growth with the cache off.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import build, load_towns, log, query_points  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
WARMUP = 40
VARIANTS = ("plain", "condition", "condition+day", "this_week")


def memory_kb() -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of this process, in kB (Linux)."""
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


# --- the database -----------------------------------------------------------------------------


def reusable(path: Path, size: int) -> bool:
    if not path.exists():
        return False
    try:
        with sqlite3.connect(path) as conn:
            groups = conn.execute("SELECT count(*) FROM groups").fetchone()[0]
            places = conn.execute("SELECT count(*) FROM gazetteer").fetchone()[0]
    except sqlite3.Error:
        return False
    if groups != size or not places:
        return False
    from feeds import schema_gaps

    return not schema_gaps(f"sqlite:///{path}")


def ensure_database(workdir: Path, size: int, seed: int) -> tuple[Path, str]:
    from groupfinder.interop.reference import data_dir

    path = workdir / f"cache_memory_{size}.sqlite3"
    if reusable(path, size):
        return path, f"database: reused {path} ({path.stat().st_size / 1e6:.0f} MB)"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    log(f"building {size:,} groups in {path} (bench/search.py's generator) …")
    built = build("sqlite", f"sqlite:///{path}", size, SimpleNamespace(seed=seed),
                  load_towns(data_dir()), dt.date.today(), gazetteer=True)
    return path, (f"database: built {size:,} groups in {built.seconds:.0f} s (insert "
                  f"{built.insert_seconds:.0f} s, indexes {built.index_seconds:.0f} s), "
                  f"{built.db_bytes / 1e6:.0f} MB")


# --- one configuration, in its own process ----------------------------------------------------


def urls(i: int, q: Any) -> tuple[str, str]:
    params: dict[str, str] = {"lat": f"{q.lat:.5f}", "lng": f"{q.lng:.5f}", "radius_km": "25"}
    variant = VARIANTS[i % len(VARIANTS)]
    if variant.startswith("condition"):
        params["condition"] = q.condition
    if variant == "condition+day":
        params["day"] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[q.day]
    if variant == "this_week":
        params["this_week"] = "true"
    query = urlencode(params)
    return f"/api/v1/groups?{query}", f"/search/calendar.ics?{query}"


def child(args: argparse.Namespace) -> dict[str, Any]:
    import sqlalchemy as sa

    from groupfinder.app import create_app
    from groupfinder.extensions import db
    from groupfinder.groups.models import Condition
    from groupfinder.interop.reference import data_dir
    from groupfinder.readcache import cache, estimate_size

    app = create_app({"DATABASE_URL": f"sqlite:///{args.db}", "SECRET_KEY": SECRET,
                      "BASE_URL": "http://127.0.0.1:5000", "GEOCODER": "offline",
                      "LOG_LEVEL": "WARNING", "RATELIMIT_ENABLED": False,
                      "READ_CACHE_MB": args.cap})
    client = app.test_client()
    with app.app_context():
        slugs = list(db.session.scalars(sa.select(Condition.slug).order_by(Condition.id)))
        db.session.remove()
    points = query_points(WARMUP + args.requests, args.seed, load_towns(data_dir()), slugs)

    def get(url: str) -> bytes:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code} {response.data[:300]!r}")
        return response.data

    for i, q in enumerate(points[:WARMUP]):
        for url in urls(i, q):
            get(url)
    with app.app_context():
        store = cache()
        store.clear()
        store.hits = store.misses = 0
    gc.collect()
    before = memory_kb()
    started = time.perf_counter()
    feed_bytes, questions = 0, set()
    for i, q in enumerate(points[WARMUP:]):
        api, feed = urls(i, q)
        get(api)
        feed_bytes += len(get(feed))
        questions.add(feed.split("?")[1])
    elapsed = time.perf_counter() - started
    gc.collect()
    after = memory_kb()
    labels = getattr(app.extensions.get("groupfinder.geocoding"), "_labels", {})
    return {
        "cap_mb": args.cap, "requests": args.requests, "distinct": len(questions),
        "rss_before_kb": before["VmRSS"], "rss_after_kb": after["VmRSS"],
        "peak_kb": after["VmHWM"], "cache_bytes": store.total_bytes, "entries": len(store),
        "hits": store.hits, "misses": store.misses, "seconds": elapsed,
        "feed_body_mean": feed_bytes / max(1, args.requests),
        "labels": len(labels), "labels_bytes": estimate_size(labels),
    }


# --- the report -------------------------------------------------------------------------------


def mb(kb_or_bytes: float, *, kb: bool = True) -> str:
    return f"{kb_or_bytes / 1024 if kb else kb_or_bytes / 1024 / 1024:,.1f}"


def report(rows: list[dict[str, Any]]) -> None:
    off = next((r for r in rows if r["cap_mb"] == 0), None)
    base = (off["rss_after_kb"] - off["rss_before_kb"]) if off else None
    log("")
    log("cap MB | RSS before MB | RSS after MB | growth MB | peak MB | cache MB | entries | "
        "hit rate | s | growth / cache-off growth | extra RSS / cache MB")
    log("-------|---------------|--------------|-----------|---------|----------|---------|"
        "----------|---|---------------------------|---------------------")
    for r in rows:
        growth = r["rss_after_kb"] - r["rss_before_kb"]
        asked = r["hits"] + r["misses"]
        ratio = f"{growth / base:.1f}×" if base and base > 0 else "—"
        # How much RSS a measured cache byte costs: near 1 when the estimate is right.
        per_byte = (f"{(growth - base) * 1024 / r['cache_bytes']:.2f}"
                    if base is not None and r["cache_bytes"] else "—")
        log(f"{r['cap_mb']:>6} | {mb(r['rss_before_kb']):>13} | {mb(r['rss_after_kb']):>12} | "
            f"{mb(growth):>9} | {mb(r['peak_kb']):>7} | {mb(r['cache_bytes'], kb=False):>8} | "
            f"{r['entries']:>7,} | {r['hits'] / asked if asked else 0:>8.0%} | "
            f"{r['seconds']:>3.0f} | {ratio:>25} | {per_byte}")
    r = rows[0]
    log("")
    log(f"{r['requests']:,} searches + {r['requests']:,} search feeds per cap ({r['distinct']:,} "
        f"distinct questions); mean feed body {r['feed_body_mean'] / 1024:.0f} kB; geocoder "
        f"point-label cache after the run: {r['labels']:,} entries, ~{r['labels_bytes'] / 1024:.0f} kB "
        "(bounded at 4,096 entries)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=100_000, help="published groups (default 100,000)")
    p.add_argument("--requests", type=int, default=1000,
                   help="distinct searches, and as many search feeds (default 1,000)")
    p.add_argument("--caps", default="4096,64,1,0", help="READ_CACHE_MB values, one process each")
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--workdir", default=None, help="directory for the SQLite file (default: temp)")
    p.add_argument("--keep", action="store_true", help="keep the SQLite file for the next run")
    p.add_argument("--quick", action="store_true", help="smoke run: 10,000 groups, 100 requests")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.add_argument("--cap", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.size, args.requests = 10_000, 100
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(args)), flush=True)
        return 0
    started = time.perf_counter()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gf-bench-cache-"))
    workdir.mkdir(parents=True, exist_ok=True)
    caps = [int(c) for c in args.caps.split(",")]
    log(f"groupfinder read-cache memory — {args.size:,} groups; {args.requests:,} searches and "
        f"{args.requests:,} search feeds per cap; caps {', '.join(f'{c} MB' for c in caps)}")
    rows = []
    try:
        path, note = ensure_database(workdir, args.size, args.seed)
        log(note)
        for cap in caps:
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--db", str(path), "--cap", str(cap),
                 "--requests", str(args.requests), "--seed", str(args.seed)],
                capture_output=True, text=True, timeout=3600)
            if out.returncode != 0:
                raise SystemExit(f"cap {cap} MB failed:\n{(out.stdout + out.stderr)[-3000:]}")
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            log(f"  cap {cap:>4} MB: RSS {mb(r['rss_before_kb'])} → {mb(r['rss_after_kb'])} MB, "
                f"cache {mb(r['cache_bytes'], kb=False)} MB in {r['entries']:,} entries "
                f"({r['seconds']:.0f} s)")
    finally:
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{workdir / f'cache_memory_{args.size}.sqlite3'}{suffix}").unlink(missing_ok=True)
            if not args.workdir:
                shutil.rmtree(workdir, ignore_errors=True)
    report(rows)
    log(f"machine: nproc {os.cpu_count()}; Python {sys.version.split()[0]}; SQLite "
        f"{sqlite3.sqlite_version}; total run {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
