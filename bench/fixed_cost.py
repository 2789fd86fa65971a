#!/usr/bin/env python
"""The app's fixed cost per request: ``/api/v1/ping`` against a bare Flask JSON route, in-process.

Prints µs per request (median over rounds of interleaved requests) for a bare Flask app's
``jsonify`` route and for our ping, the difference (our per-request machinery: hooks, headers,
request log, session and sign-in checks) and the ratio. Extra rows: ping with the rate limiter on
(``memory://``), the about page (a small template with the site header) and the same ping from a
client carrying a session cookie. This machine is shared and noisy: read the ratios, never assert
on the timings. Not a test; never run by pytest.

    python bench/fixed_cost.py                  # 2,000 requests per row (~20 s)
    python bench/fixed_cost.py --requests 500   # quicker
    python bench/fixed_cost.py --profile        # and cProfile's top entries for our ping
    python bench/fixed_cost.py --redis redis://127.0.0.1:6379/6   # and a row with Redis limits

Both apps are served by the same Werkzeug test client in the same process, so the client's own
cost is in both figures and cancels out of the difference. Our app runs as in production
(``TESTING`` off, plain-http BASE_URL so nothing redirects), on a throwaway SQLite file; its
request log goes to /dev/null at INFO, so formatting and writing each line is counted.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, jsonify

ROUNDS = 20


def bare_app() -> Flask:
    app = Flask("bare")

    @app.get("/api/v1/ping")
    def ping():  # type: ignore[no-untyped-def]
        return jsonify({"status": "ok"})

    return app


def our_app(workdir: Path, *, limiter: bool, storage: str = "memory://") -> Flask:
    os.environ.setdefault("GROUPFINDER_INSTANCE_PATH", str(workdir / "instance"))
    from groupfinder.app import create_app
    from groupfinder.extensions import db

    app = create_app({
        "DATABASE_URL": f"sqlite:///{workdir / f'bench-{int(limiter)}-{len(storage)}.sqlite3'}",
        "SECRET_KEY": "bench-secret-key-long-enough-for-signing-things",
        "BASE_URL": "http://127.0.0.1:8000",
        "GEOCODER": "offline",
        "MAIL_BACKEND": "memory",
        "RATELIMIT_ENABLED": limiter,
        "RATELIMIT_STORAGE_URI": storage,
        "LOG_LEVEL": "INFO",
    })
    with app.app_context():
        db.create_all()
    for handler in logging.getLogger("groupfinder").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the run
    return app


def timer(app: Flask, path: str, *, cookie: str | None = None,
          spread_addresses: bool = False) -> Callable[[int], list[int]]:
    """A function running ``n`` requests and returning each one's ns."""
    client = app.test_client()
    if cookie:
        client.set_cookie(cookie.split("=", 1)[0], cookie.split("=", 1)[1])
    counter = iter(range(10**9))

    def run(n: int) -> list[int]:
        out = []
        for _ in range(n):
            environ = {}
            if spread_addresses:  # never reach the limit: a new client address each time
                i = next(counter)
                environ["REMOTE_ADDR"] = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
            t0 = time.perf_counter_ns()
            response = client.get(path, environ_base=environ)
            response.get_data()
            out.append(time.perf_counter_ns() - t0)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
        return out

    return run


def session_cookie(app: Flask) -> str:
    """A signed session cookie holding one harmless value (an anonymous visitor who once opened
    a form): the path a returning visitor takes."""
    name = app.config["SESSION_COOKIE_NAME"]
    value = app.session_interface.get_signing_serializer(app).dumps({"csrf_token": "x" * 40})
    return f"{name}={value}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per row")
    parser.add_argument("--profile", action="store_true", help="cProfile our ping")
    parser.add_argument("--redis", metavar="URL", help="add a row: ping with limits on this Redis")
    args = parser.parse_args()
    per_round = max(1, args.requests // ROUNDS)

    with tempfile.TemporaryDirectory(prefix="gf-fixed-") as tmp:
        work = Path(tmp)
        bare, ours, limited = bare_app(), our_app(work, limiter=False), our_app(work, limiter=True)
        rows: dict[str, Callable[[int], list[int]]] = {
            "bare Flask jsonify": timer(bare, "/api/v1/ping"),
            "our /api/v1/ping": timer(ours, "/api/v1/ping"),
            "our ping, limiter on (memory://)": timer(limited, "/api/v1/ping", spread_addresses=True),
            "our ping, with a session cookie": timer(ours, "/api/v1/ping", cookie=session_cookie(ours)),
            "our /about (HTML, anonymous)": timer(ours, "/about"),
        }
        if args.redis:
            on_redis = our_app(work, limiter=True, storage=args.redis)
            rows["our ping, limiter on (Redis)"] = timer(on_redis, "/api/v1/ping",
                                                         spread_addresses=True)
        for run in rows.values():  # warm up: imports, template compilation, first connection
            run(50)
        samples: dict[str, list[int]] = {name: [] for name in rows}
        for _ in range(ROUNDS):  # interleaved, so drift on a shared machine hits every row alike
            for name, run in rows.items():
                samples[name].extend(run(per_round))

        medians = {name: statistics.median(ns) / 1000 for name, ns in samples.items()}
        base = medians["bare Flask jsonify"]
        print(f"{per_round * ROUNDS} requests per row, Python {sys.version.split()[0]}, "
              f"in-process test client\n")
        print(f"{'row':38} {'µs/request':>11} {'p95 µs':>8} {'× bare':>7} {'+µs':>7}")
        for name, ns in samples.items():
            p95 = sorted(ns)[int(len(ns) * 0.95)] / 1000
            print(f"{name:38} {medians[name]:11.1f} {p95:8.1f} {medians[name] / base:7.2f} "
                  f"{medians[name] - base:7.1f}")
        ping = medians["our /api/v1/ping"]
        print(f"\nfixed cost: bare {base:.1f} µs, ours {ping:.1f} µs, ratio {ping / base:.2f} "
              f"(bare/ours {base / ping:.2f})")
        print(f"MACHINE fixed_cost bare_us={base:.1f} ping_us={ping:.1f} ratio={ping / base:.3f}")

        if args.profile:
            profiler = cProfile.Profile()
            run = rows["our /api/v1/ping"]
            profiler.enable()
            run(args.requests)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
