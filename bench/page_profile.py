#!/usr/bin/env python
"""Pages against the API, in process: ms per request (median) of the HTML search page, the HTML
group page, the API search and the API group JSON, and the ratio page / API.

Flask's test client, no server and no network: what is measured is the app's own work per request
(routing, hooks, queries, recurrence, rendering). Warm: each URL is requested once before timing,
so the read cache holds what a busy worker's would. Requests are interleaved round by round, so
drift on the shared machine hits every path alike. Not a test; never run by pytest.

    .venv/bin/python bench/page_profile.py                 # demo data + 20k synthetic groups (~1-2 min)
    .venv/bin/python bench/page_profile.py --size 0        # demo data only
    .venv/bin/python bench/page_profile.py --size 100000   # a larger synthetic set (slower to build)
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

LONDON = (51.5074, -0.1278)
MANCHESTER = "M1 1AE"


def app_for(url: str) -> Any:
    from search import make_app  # bench/search.py

    return make_app(url, RATELIMIT_ENABLED=False, MAP_TILE_URL="")


def demo_app(workdir: Path) -> Any:
    from groupfinder.extensions import db
    from groupfinder.interop.demo import seed_demo
    from groupfinder.interop.reference import load_gazetteer_data, load_vocabularies

    app = app_for(f"sqlite:///{workdir / 'demo.sqlite3'}")
    with app.app_context():
        db.create_all()
        load_vocabularies()
        load_gazetteer_data()
        seed_demo()
        db.session.remove()
    return app


def synthetic_app(workdir: Path, size: int) -> Any:
    import search as bench_search

    from groupfinder.interop.reference import data_dir

    args = argparse.Namespace(seed=1)
    towns = bench_search.load_towns(data_dir())
    built = bench_search.build("sqlite", f"sqlite:///{workdir / f'groups_{size}.sqlite3'}", size,
                               args, towns, dt.date.today(), gazetteer=True)
    return app_for(built.url)


def group_urls(app: Any, lat: float, lng: float, count: int) -> tuple[list[str], list[str]]:
    """Pages and API URLs of the published groups nearest (lat, lng)."""
    from groupfinder.extensions import db
    from groupfinder.groups.models import Group

    with app.app_context():
        rows = db.session.execute(
            sa.select(Group.id, Group.slug).where(Group.status == "published")
            .order_by((Group.public_lat - lat) * (Group.public_lat - lat)
                      + (Group.public_lng - lng) * (Group.public_lng - lng)).limit(count)).all()
        db.session.remove()
    return ([f"/groups/{gid}/{slug}" for gid, slug in rows], [f"/api/v1/groups/{gid}" for gid, _ in rows])


def measure(app: Any, paths: dict[str, list[str]], rounds: int) -> dict[str, float]:
    """Median ms per request for each label; every URL checked for 200 first (and warmed)."""
    client = app.test_client()
    for label, urls in paths.items():
        for url in urls:
            status = client.get(url).status_code
            if status != 200:
                raise SystemExit(f"{label}: {url} answered {status}")
    times: dict[str, list[float]] = {label: [] for label in paths}
    for r in range(rounds):
        for label, urls in paths.items():
            url = urls[r % len(urls)]
            t0 = time.perf_counter()
            client.get(url)
            times[label].append((time.perf_counter() - t0) * 1000)
    return {label: statistics.median(v) for label, v in times.items()}


def report(title: str, medians: dict[str, float]) -> None:
    print(f"\n{title}")
    for label, value in medians.items():
        print(f"  {label:<22} {value:8.2f} ms")
    print(f"  ratio search page / API search: {medians['search page'] / medians['API search']:.2f}")
    print(f"  ratio group page / API group:   {medians['group page'] / medians['API group']:.2f}")


def paths_for(app: Any, lat: float, lng: float, search_query: str, api_query: str) -> dict[str, list[str]]:
    pages, api = group_urls(app, lat, lng, 10)
    return {"search page": [f"/search?{search_query}"], "group page": pages,
            "API search": [f"/api/v1/groups?{api_query}"], "API group": api}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20000, help="synthetic groups (0: demo only)")
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gf-page-profile-") as tmp:
        workdir = Path(tmp)
        app = demo_app(workdir)
        medians = measure(app, paths_for(app, 53.4794, -2.2453, "where=M1+1AE",
                                         "where=M1+1AE"), args.rounds)
        report("demo data (Manchester, M1 1AE)", medians)
        if args.size:
            app = synthetic_app(workdir, args.size)
            query = f"lat={LONDON[0]}&lng={LONDON[1]}"
            medians = measure(app, paths_for(app, *LONDON, query, query), args.rounds)
            report(f"{args.size:,} synthetic groups (London by lat/lng)", medians)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
