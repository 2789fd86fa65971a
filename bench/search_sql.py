#!/usr/bin/env python
"""The two-filter search SQL (condition + day): p50 / p95 with the search masks and with the
joins they replace, at 100k (and with ``--sizes 100000,1000000`` 1M) groups, SQLite and
PostgreSQL, on search.py's synthetic data. Goal (issue 15): p95 < 5 ms at 100k, < 30 ms at 1M.

    python bench/search_sql.py                               # 100k, both backends (~5 min)
    python bench/search_sql.py --sizes 100000,1000000        # and 1M (~20-30 min to build)

Both paths run over the same query points, interleaved (so drift hits both alike), and must
return the same ids: a mismatch is printed and the exit status is 1. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as base  # noqa: E402  (bench/search.py: data generator and scratch databases)


def time_two_filters(built: base.Built, points: list[base.QueryPoint],
                     today: dt.date) -> dict[str, list[float]]:
    from groupfinder.extensions import db
    from groupfinder.groups import queries

    out: dict[str, list[float]] = {"masks": [], "joins": [], "masks_cpu": [], "joins_cpu": []}
    mismatches = 0
    with built.app.app_context():
        for q in points[:10]:  # warm the caches and the statement cache of both paths
            for use in (True, False):
                queries.USE_MASKS = use
                queries.nearest_group_ids(base.criteria(q, "condition+day"), today)
        for i, q in enumerate(points):
            c = base.criteria(q, "condition+day")
            answers = {}
            order = (True, False) if i % 2 else (False, True)
            for use in order:
                queries.USE_MASKS = use
                t, cpu = time.perf_counter(), time.thread_time()
                answers[use] = queries.nearest_group_ids(c, today)
                name = "masks" if use else "joins"
                out[name].append((time.perf_counter() - t) * 1000)
                out[f"{name}_cpu"].append((time.thread_time() - cpu) * 1000)
            if answers[True] != answers[False]:
                mismatches += 1
        queries.USE_MASKS = True
        db.session.remove()
        db.engine.dispose()
    if mismatches:
        base.log(f"  MISMATCH: masks and joins disagree on {mismatches} of {len(points)} searches")
        out["mismatch"] = [float(mismatches)]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="100000", help="comma-separated (default 100000)")
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--pg", default=os.environ.get(
        "GROUPFINDER_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    p.add_argument("--no-pg", action="store_true")
    p.add_argument("--no-sqlite", action="store_true")
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--workdir", default=None)
    args = p.parse_args(argv)
    from groupfinder.interop.reference import data_dir

    towns = base.load_towns(data_dir())
    today = dt.date.today()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gf-bench-sql-"))
    workdir.mkdir(parents=True, exist_ok=True)
    pg, note = base.open_pg(args)
    if note:
        base.log(note)
    backends = ([] if args.no_sqlite else ["sqlite"]) + (["postgres"] if pg else [])
    rows = []
    failed = False
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            for backend in backends:
                base.log(f"== {backend}, {size:,} groups: building ==")
                if backend == "sqlite":
                    path = workdir / f"sql_{size}.sqlite3"
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{path}{suffix}").unlink(missing_ok=True)
                    url = f"sqlite:///{path}"
                else:
                    assert pg is not None
                    url = pg.scratch(size)
                built = base.build(backend, url, size, args, towns, today, gazetteer=False)
                base.log(f"  built in {built.seconds:.0f} s")
                points = base.query_points(args.queries, args.seed, towns, list(built.conditions))
                t = time_two_filters(built, points, today)
                failed |= "mismatch" in t
                goal = 5.0 if size < 1_000_000 else 30.0
                rows.append((backend, size, t, goal))
                print_rows(rows[-1:])
                if backend == "postgres":
                    assert pg is not None
                    pg.drop(size)
                elif path.exists():
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{path}{suffix}").unlink(missing_ok=True)
    finally:
        if pg is not None:
            pg.close()
    base.log("")
    print_rows(rows)
    return 1 if failed else 0


def print_rows(rows: list[tuple[str, int, dict[str, list[float]], float]]) -> None:
    base.log("condition + day, nearest 20 within 25 km (ms; p95 goal: 5 at 100k, 30 at 1M)")
    base.log("wall = elapsed; cpu = this process's CPU (SQLite runs in it, so on a busy machine")
    base.log("its cpu column is the query's own cost; PostgreSQL's server time is not in it)")
    base.log(f"{'backend':<10} {'groups':>10} {'':>5} {'masks p50':>10} {'masks p95':>10} "
             f"{'joins p50':>10} {'joins p95':>10} {'p95 ratio':>10}  goal")
    for backend, size, t, goal in rows:
        for kind, suffix in (("wall", ""), ("cpu", "_cpu")):
            m, j = t["masks" + suffix], t["joins" + suffix]
            m50, m95, j50, j95 = base.p50(m), base.pct(m, 95), base.p50(j), base.pct(j, 95)
            base.log(f"{backend:<10} {size:>10,} {kind:>5} {base.ms(m50):>10} {base.ms(m95):>10} "
                     f"{base.ms(j50):>10} {base.ms(j95):>10} {base.ratio(j95, m95):>10}  "
                     f"{'✓' if m95 < goal else '✗'} < {goal:g}")


if __name__ == "__main__":
    raise SystemExit(main())
