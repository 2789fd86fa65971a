#!/usr/bin/env python
"""HSDS benchmark: building the /hsds read model over the demo (706 groups), and serving pages
from it, against the bare JSON ping, in-process. Prints medians and ratios; the machine is
shared and noisy, so read the ratios. Not a test; never run by pytest.

    python bench/hsds.py [--runs 5] [--requests 200]

1. **Build**: the whole index (every service, organization, location, service-at-location and
   taxonomy term, mapped and serialised), read cache emptied before each run.
2. **Serve** (cache warm, requests interleaved round-robin): a page of 100 services, one
   service by id, the 304 answer to a repeat, and ``/api/v1/ping``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from groupfinder.app import create_app  # noqa: E402
from groupfinder.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    from groupfinder.interop.demo import seed_demo
    from groupfinder.interop.reference import load_gazetteer_data, load_vocabularies
    from groupfinder.readcache import cache

    tmp = tempfile.mkdtemp()
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "x" * 40,
                      "BASE_URL": "https://bench.example", "GEOCODER": "offline",
                      "MAIL_BACKEND": "memory", "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        load_vocabularies()
        load_gazetteer_data()
        seed_demo()
    test_client = app.test_client()

    def get(url: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return test_client.get(url, headers=headers or {}, base_url="https://localhost")

    builds = []
    for _ in range(args.runs):
        with app.app_context():
            cache().clear()
        start = time.perf_counter()
        response = get("/hsds/services?per_page=1")
        builds.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.data[:300]
    total = response.get_json()["total_items"]
    sid = response.get_json()["contents"][0]["id"]
    etag = get("/hsds/services?per_page=100").headers["ETag"]
    cases = {
        "ping": ("/api/v1/ping", {}),
        "services page (100)": ("/hsds/services?per_page=100", {}),
        "one service": (f"/hsds/services/{sid}", {}),
        "304 repeat": ("/hsds/services?per_page=100", {"If-None-Match": f'"{etag}"'}),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.requests):
        for name, (url, headers) in cases.items():
            start = time.perf_counter()
            get(url, headers=headers)
            times[name].append((time.perf_counter() - start) * 1000)
    print(f"index build over {total} services: median {statistics.median(builds):.0f} ms "
          f"(min {min(builds):.0f}, {args.runs} runs)")
    ping = statistics.median(times["ping"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:22} median {median:7.2f} ms   x{median / ping:5.2f} ping")


if __name__ == "__main__":
    main()
