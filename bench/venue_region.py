#!/usr/bin/env python
"""What the venue region check costs a save: ``resolve_region`` per venue, against the one
gazetteer lookup it is built on, same run. Not a test; never run by pytest.

    python bench/venue_region.py            # SQLite file, the shipped gazetteer (~20 s)

Cases, interleaved per round: a US ZIP with the state left blank (filled), the same ZIP with a
typed state (checked), a UK full postcode (sector lookup), a UK venue without a postcode (the
nearest code to the point), and the bare ``gazetteer.find_code`` of the ZIP as the baseline.
Prints medians and p95 per call, and each case's ratio to the baseline.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import make_app  # noqa: E402

ROUNDS = 400


def main() -> None:
    from groupfinder.extensions import db
    from groupfinder.geo import gazetteer
    from groupfinder.interop.reference import load_gazetteer_data
    from groupfinder.venues.services import resolve_region

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(f"sqlite:///{tmp}/bench.db")
        with app.app_context():
            db.create_all()
            load_gazetteer_data()
            db.session.commit()
            cases = {
                "find_code ZIP (baseline)": lambda: gazetteer.find_code(db.session, "US", "zip", "30303"),
                "US ZIP, state blank": lambda: resolve_region("US", "30303", ""),
                "US ZIP, state typed": lambda: resolve_region("US", "30303", "Georgia"),
                "UK postcode, nation blank": lambda: resolve_region("GB", "CF10 1AB", ""),
                "UK no postcode (point)": lambda: resolve_region("GB", "", "", latitude=51.4816,
                                                                 longitude=-3.1791),
            }
            times: dict[str, list[float]] = {k: [] for k in cases}
            for fn in cases.values():
                fn()  # warm
            for _ in range(ROUNDS):
                for name, fn in cases.items():
                    start = time.perf_counter()
                    fn()
                    times[name].append((time.perf_counter() - start) * 1000)
            base = statistics.median(times["find_code ZIP (baseline)"])
            print(f"{'case':30} {'median ms':>10} {'p95 ms':>8} {'× baseline':>11}")
            for name, values in times.items():
                med = statistics.median(values)
                p95 = sorted(values)[int(len(values) * 0.95)]
                print(f"{name:30} {med:10.3f} {p95:8.3f} {med / base:11.1f}")


if __name__ == "__main__":
    main()
