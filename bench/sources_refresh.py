#!/usr/bin/env python
"""Listing-source benchmark: ``sources refresh`` of a 5,000-entry Meeting Guide file.

Prints medians (and every run) measured in the same process. This machine is shared and noisy:
read the figures as orders of magnitude and ratios, never assert on them. Not a test; never run
by pytest.

    python bench/sources_refresh.py --quick   # 1,000 entries, one run of each (~1 min)
    python bench/sources_refresh.py           # 5,000 entries, first import ×3, refreshes ×3

What it does:

1. **The feed.** A deterministic (seeded) Meeting Guide JSON array of ``--entries`` entries in
   the shapes real sites send: US entries at real ZIPs and GB entries at real postcode sectors of
   the shipped gazetteer (so they are placed offline), about two meetings per location, 70 % with
   latitude/longitude and the rest placed from the ZIP or postcode; US entries carry ``state``
   (the ZIP's, so the region check passes); types drawn from the spec's codes (women, men, young
   people, LGBTQ, wheelchair, languages, open/closed, formats), a few ``day`` arrays, 12-hour
   times, HTML in some notes, 2 % temporarily closed, 1 % online only (skipped, reported).
2. **First import.** A fresh SQLite database per run (``create_all``, vocabularies, gazetteer),
   ``add_source`` then ``refresh_source`` timed: every entry parsed, placed, checked, and written
   through the services in one transaction. ``--first-runs`` runs (default 3), median.
3. **No-change refresh** an hour later (median of ``--runs``): parse, place, hash and compare
   every listing; nothing is written (checked: no new audit entry, data token unchanged).
4. **Daily refresh** 13 hours later, feed unchanged: every listing re-confirmed (a write each).
5. **1 % changed**: 50 entries' times moved, the rest unchanged.

The progress bar (``click.progressbar``, the CLI's) shows when stdout is a terminal.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
GAZETTEER = ROOT / "data" / "gazetteer"
STREETS = ("Main Street", "Church Street", "High Street", "Park Avenue", "Station Road",
           "Mill Lane", "Oak Street", "Elm Road", "Victoria Road", "Market Place")
PLACES = ("Parish Hall", "Community Centre", "Unity Club", "Library Room", "Friends House",
          "Recovery Centre", "St. Mary's Hall", "Alano Club")
NAMES = ("Serenity", "New Hope", "Open Door", "Tuesday Talk", "Morning Light", "Step by Step",
         "Safe Harbour", "Keep It Simple", "Fresh Start", "Daily Reprieve", "Women's Circle",
         "Young People's Group", "Big Book Study")
TYPES = ("O", "C", "D", "B", "SP", "ST", "W", "M", "Y", "LGBTQ", "X", "XB", "EN", "S", "BE",
         "MED", "LIT", "CF", "ASL", "C-ANXIETY", "C-DEPRESSION")


def log(message: str = "") -> None:
    print(message, flush=True)


def _rows(name: str) -> list[dict[str, str]]:
    with gzip.open(GAZETTEER / name, "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def make_feed(count: int, seed: int = 11) -> list[dict[str, Any]]:
    """The deterministic feed (same ``count`` and ``seed``: same bytes)."""
    from groupfinder.geo.parsing import US_STATE_CODES

    rng = random.Random(seed)
    zips = [r for r in _rows("US-zips.csv.gz") if r["admin1"] in US_STATE_CODES]
    sectors = _rows("GB-postcode_sectors.csv.gz")
    locations: list[dict[str, Any]] = []
    for n in range(max(1, count // 2)):
        street = f"{rng.randint(1, 2999)} {rng.choice(STREETS)}"
        venue = f"{rng.choice(PLACES)}"
        if rng.random() < 0.6:
            row = rng.choice(zips)
            loc: dict[str, Any] = {
                "location": venue, "address": street, "city": row["name"],
                "state": US_STATE_CODES[row["admin1"]], "postal_code": row["code"], "country": "US",
                "lat": float(row["lat"]), "lng": float(row["lng"])}
        else:
            row = rng.choice(sectors)
            unit = rng.choice("ABDEFGHJLNPQRSTUWXYZ") + rng.choice("ABDEFGHJLNPQRSTUWXYZ")
            loc = {"location": venue, "address": street.replace("Avenue", "Road"),
                   "city": row["name"], "postal_code": f"{row['code']}{unit}", "country": "GB",
                   "lat": float(row["lat"]), "lng": float(row["lng"])}
        loc["with_point"] = rng.random() < 0.7
        loc["n"] = n
        locations.append(loc)
    entries = []
    for i in range(count):
        loc = rng.choice(locations)
        hour = rng.choice((7, 10, 12, 17, 18, 19, 19, 20))
        minute = rng.choice((0, 0, 15, 30))
        twelve = rng.random() < 0.1
        time_text = (f"{(hour - 1) % 12 + 1}:{minute:02d} {'PM' if hour >= 12 else 'AM'}"
                     if twelve else f"{hour:02d}:{minute:02d}")
        entry: dict[str, Any] = {
            "name": f"{rng.choice(NAMES)} {i}", "slug": f"meeting-{i}",
            "day": [rng.randrange(7), rng.randrange(7)] if rng.random() < 0.05 else rng.randrange(7),
            "time": time_text, "location": loc["location"], "address": loc["address"],
            "city": loc["city"], "postal_code": loc["postal_code"], "country": loc["country"],
            "types": sorted(set(rng.sample(TYPES, rng.randint(1, 5)))),
            "updated": "2026-11-01 12:00:00",
        }
        if not twelve:
            entry["end_time"] = f"{(hour + 1) % 24:02d}:{minute:02d}"
        if "state" in loc:
            entry["state"] = loc["state"]
        if loc["with_point"]:
            # one point per location, as a real site gives (venues are per address)
            rng2 = random.Random(loc["n"])
            entry["latitude"] = round(loc["lat"] + rng2.uniform(-0.004, 0.004), 5)
            entry["longitude"] = round(loc["lng"] + rng2.uniform(-0.004, 0.004), 5)
        if rng.random() < 0.3:
            entry["notes"] = "<p>Ring the <b>bell</b> &amp; come up to the 2nd floor.</p>"
        if rng.random() < 0.02:
            entry["types"] = sorted({*entry["types"], "TC"})
        if rng.random() < 0.01:
            entry.update(attendance_option="online", conference_url="https://zoom.example/j/1")
        entries.append(entry)
    return entries


def make_app(url: str) -> Any:
    from groupfinder.app import create_app

    return create_app({
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "BASE_URL": "http://127.0.0.1:5000",
        "GEOCODER": "offline",
        "LOG_LEVEL": "WARNING",
        "TASKS_IMMEDIATE": True,
    })


def fresh_database(workdir: Path, name: str) -> Any:
    from groupfinder.extensions import db
    from groupfinder.interop.reference import load_gazetteer_data, load_vocabularies

    app = make_app(f"sqlite:///{workdir / (name + '.sqlite3')}")
    with app.app_context():
        db.create_all()
        load_vocabularies()
        load_gazetteer_data()
    return app


def timed_refresh(app: Any, when: dt.datetime, label: str) -> tuple[float, Any]:
    from groupfinder.extensions import db
    from groupfinder.interop.sources import find_source, refresh_source
    from groupfinder.interop.sources_cli import _Bar

    with app.app_context(), app.test_request_context("/"):
        source = find_source("bench")
        bar = _Bar()
        t0 = time.perf_counter()
        try:
            report = refresh_source(source, now=when, progress=bar)
        finally:
            bar.close()
        seconds = time.perf_counter() - t0
        db.session.remove()
    log(f"  {label}: {seconds:.2f} s — {report.summary(details=False).splitlines()[0]}")
    return seconds, report


def state(app: Any) -> tuple[str, int]:
    from groupfinder.audit.models import AuditEntry
    from groupfinder.extensions import db
    from groupfinder.readcache import DataGeneration

    with app.app_context():
        token = db.session.scalar(sa.select(DataGeneration.token).where(DataGeneration.id == 1))
        audits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        db.session.remove()
    return token or "-", audits


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s" + (
        f" (runs: {', '.join(f'{v:.2f}' for v in values)})" if len(values) > 1 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--first-runs", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 entries, one run of each")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.quick:
        args.entries, args.first_runs, args.runs = 1000, 1, 1
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gf-sources-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)

    entries = make_feed(args.entries)
    feed = workdir / "feed.json"
    # Saved as a Windows site would (BOM, CRLF): the reader's path for real feeds.
    feed.write_bytes("\ufeff".encode() + json.dumps(entries, indent=1).replace("\n", "\r\n").encode())
    log(f"Feed: {len(entries):,} entries, {feed.stat().st_size / 1e6:.1f} MB, {workdir}")
    base = dt.datetime(2026, 12, 3, 4, 40, tzinfo=dt.UTC)

    from groupfinder.extensions import db
    from groupfinder.interop.sources import add_source

    firsts: list[float] = []
    app = None
    for run in range(args.first_runs):
        app = fresh_database(workdir, f"run{run}")
        with app.app_context():
            add_source("bench", str(feed), default_condition="addiction-recovery")
            db.session.remove()
        seconds, report = timed_refresh(app, base, f"first import, run {run + 1}")
        firsts.append(seconds)
    assert app is not None
    log(f"  added {len(report.added):,}, skipped {len(report.skipped):,} "
        f"(online only, or unplaceable), ignored type codes {sum(report.ignored_types.values()):,}")

    before = state(app)
    no_change: list[float] = []
    for run in range(args.runs):
        seconds, report = timed_refresh(app, base + dt.timedelta(minutes=60 + run),
                                        f"no-change refresh, run {run + 1}")
        assert report.changes == 0 and not report.written, report.summary(details=False)
        no_change.append(seconds)
    assert state(app) == before, "a no-change refresh wrote something"

    daily, report = timed_refresh(app, base + dt.timedelta(hours=13), "daily refresh (re-confirms)")
    confirmed = report.confirmed

    changed = json.loads(feed.read_bytes().decode("utf-8-sig"))
    for entry in changed[:: max(1, len(changed) // 50)][:50]:
        entry["time"] = "21:15"
        entry.pop("end_time", None)
    feed.write_bytes(json.dumps(changed).encode())
    one_pct, report = timed_refresh(app, base + dt.timedelta(hours=14), "1 % changed")
    changed_count = len(report.changed)

    log("")
    log(f"sources refresh, {args.entries:,}-entry Meeting Guide file, SQLite "
        f"(Python {sys.version.split()[0]}):")
    log(f"  first import        {median(firsts)}")
    log(f"  no-change refresh   {median(no_change)}   (writes nothing; ratio to first import "
        f"{statistics.median(no_change) / statistics.median(firsts):.2f})")
    log(f"  daily refresh       {daily:.2f} s   ({confirmed:,} listings re-confirmed)")
    log(f"  1 % changed         {one_pct:.2f} s   ({changed_count} changed)")


if __name__ == "__main__":
    main()
