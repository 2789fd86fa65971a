#!/usr/bin/env python
"""'Did you mean' benchmark: the old difflib suggestions against the rapidfuzz ones, same run.

Prints per-call medians, p95s and the ratio measured in the same run, plus how often each
puts the intended place first. This machine is shared and noisy: read the ratios, never assert
on the timings. Not a test; never run by pytest.

    python bench/suggest.py              # SQLite in memory, 10 rounds of 52 misspellings (~20 s)
    python bench/suggest.py --rounds 3   # quicker

What it does:

1. **Data.** The shipped gazetteer (``data/gazetteer``) loaded by ``gazetteer.load_gazetteer``
   into in-memory SQLite, and into a scratch PostgreSQL database ``bench_gf_suggest`` when
   ``--pg URL`` or ``GROUPFINDER_BENCH_DATABASE_URL`` is set (dropped at the end). Countries GB
   and US: 16,364 distinct place names.
2. **Old**: the code this replaced, re-implemented here: the names list (same SQL, built once)
   and ``difflib.get_close_matches(key, keys, n=3, cutoff=0.75)``.
   **New**: ``gazetteer.suggest`` as the API calls it: fold, the ``data_version`` query that
   keeps the index current, the rapidfuzz scan, the ranking.
3. **Timing.** 50 realistic misspellings, old and new interleaved per call (the order flips
   each round, so drift hits both alike); ``data_version`` alone is timed too. The first call
   of each (building the names list) is reported apart as the cold cost.
4. **Quality.** For each misspelling, whether the intended place is first / among the three,
   and the cases where old and new disagree.
"""

from __future__ import annotations

import argparse
import difflib
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import log, ms, open_pg, p50, pct, ratio  # noqa: E402

COUNTRIES = ("GB", "US")
# (typed, the place meant): letters dropped, doubled, swapped and misheard, GB and US.
CASES = (
    ("Manchestr", "Manchester"), ("Birmingam", "Birmingham"), ("Brooklin", "Brooklyn"),
    ("Leds", "Leeds"), ("Edinbrugh", "Edinburgh"), ("new yrok", "New York City"),
    ("Nwport", "Newport"), ("Glasgw", "Glasgow"), ("Lndon", "London"), ("Lodnon", "London"),
    ("Philadelfia", "Philadelphia"), ("Sheffeild", "Sheffield"), ("Cardif", "Cardiff"),
    ("Bristle", "Bristol"), ("Newcastel", "Newcastle"), ("Liverpol", "Liverpool"),
    ("Nottingam", "Nottingham"), ("Leicster", "Leicester"), ("Sothampton", "Southampton"),
    ("Plymoth", "Plymouth"), ("Brighten", "Brighton"), ("Norwhich", "Norwich"),
    ("Cambrige", "Cambridge"), ("Oxfrod", "Oxford"), ("Abedeen", "Aberdeen"),
    ("Dundea", "Dundee"), ("Belfst", "Belfast"), ("Swansee", "Swansea"),
    ("Wolverhampon", "Wolverhampton"), ("Coventy", "Coventry"), ("Peterbrough", "Peterborough"),
    ("Middlesborough", "Middlesbrough"), ("Scarborugh", "Scarborough"),
    ("Edinborough", "Edinburgh"), ("Chicgo", "Chicago"), ("Los Angles", "Los Angeles"),
    ("San Fransisco", "San Francisco"), ("Seatle", "Seattle"), ("Bostn", "Boston"),
    ("Huston", "Houston"), ("Pheonix", "Phoenix"), ("Atlnta", "Atlanta"), ("Miammi", "Miami"),
    ("Denvr", "Denver"), ("Cincinatti", "Cincinnati"), ("Albuquerqe", "Albuquerque"),
    ("Tuscon", "Tucson"), ("Minneapolys", "Minneapolis"), ("Sacremento", "Sacramento"),
    ("Nashvile", "Nashville"), ("Bornemouth", "Bournemouth"), ("Exter", "Exeter"),
)


# --- the old code, re-implemented for comparison ------------------------------------------------


class OldSuggester:
    """``gazetteer.suggest`` before rapidfuzz: difflib over the folded names, list built once."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, ...], tuple[list[str], dict[str, str]]] = {}

    def names(self, session: Session, countries: Sequence[str]) -> tuple[list[str], dict[str, str]]:
        from groupfinder.geo.gazetteer import _table

        cache_key = tuple(sorted(countries))
        if cache_key in self.cache:
            return self.cache[cache_key]
        stmt = (sa.select(_table.c.key, _table.c.name)
                .where(_table.c.kind == "place", _table.c.country.in_(list(cache_key)))
                .order_by(_table.c.key, sa.func.coalesce(_table.c.population, -1).desc(),
                          _table.c.id))
        display: dict[str, str] = {}
        for key, name in session.execute(stmt).all():
            display.setdefault(key, name)
        self.cache[cache_key] = (sorted(display), display)
        return self.cache[cache_key]

    def __call__(self, session: Session, text: str, countries: Sequence[str]) -> list[str]:
        from groupfinder.geo.parsing import fold

        key = fold(text)
        if not key or not countries:
            return []
        keys, display = self.names(session, countries)
        return [display[k] for k in difflib.get_close_matches(key, keys, n=3, cutoff=0.75)]


# --- measuring -----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


def run(label: str, engine: sa.Engine, rounds: int) -> dict[str, Any]:
    from groupfinder.geo import gazetteer
    from groupfinder.interop.reference import data_dir

    with Session(engine) as session:
        load_s, rows = timed(lambda: gazetteer.load_gazetteer(session, data_dir() / "gazetteer"))
        session.commit()
        log(f"{label}: loaded {rows:,} gazetteer rows in {load_s / 1000:.1f} s")

        old = OldSuggester()
        gazetteer._forget_names()
        cold_old, _ = timed(lambda: old(session, "Manchestr", COUNTRIES))
        cold_new, _ = timed(lambda: gazetteer.suggest(session, "Manchestr", COUNTRIES))
        names = len(old.names(session, COUNTRIES)[0])

        samples: dict[str, list[float]] = {"old": [], "new": [], "version": []}
        answers: dict[str, dict[str, list[str]]] = {"old": {}, "new": {}}
        methods = {"old": lambda t: old(session, t, COUNTRIES),
                   "new": lambda t: gazetteer.suggest(session, t, COUNTRIES)}
        for r in range(rounds):
            order = ("old", "new") if r % 2 == 0 else ("new", "old")
            for typed, _meant in CASES:
                for m in order:
                    t, out = timed(lambda m=m, typed=typed: methods[m](typed))
                    samples[m].append(t)
                    answers[m][typed] = out
                t, _ = timed(lambda: gazetteer.data_version(session))
                samples["version"].append(t)
        session.rollback()
    return {"label": label, "names": names, "samples": samples, "answers": answers,
            "cold_old": cold_old, "cold_new": cold_new}


def report(res: dict[str, Any]) -> None:
    s, answers = res["samples"], res["answers"]
    log("")
    log(f"== {res['label']}: {res['names']:,} names (GB+US), {len(CASES)} misspellings × "
        f"{len(s['old']) // len(CASES)} rounds; ms per call, p50 / p95 ==")
    log(f"  old  difflib.get_close_matches            {ms(p50(s['old'])):>7} / {ms(pct(s['old'], 95))}")
    log(f"  new  gazetteer.suggest (rapidfuzz)        {ms(p50(s['new'])):>7} / {ms(pct(s['new'], 95))}")
    log(f"       of which data_version (alone)        {ms(p50(s['version'])):>7} / "
        f"{ms(pct(s['version'], 95))}")
    log(f"  old/new p50: {ratio(p50(s['old']), p50(s['new']))}   "
        f"p95: {ratio(pct(s['old'], 95), pct(s['new'], 95))}   "
        f"max new {ms(max(s['new']))} ms")
    log(f"  cold first call (builds the names list): old {ms(res['cold_old'])} ms, "
        f"new {ms(res['cold_new'])} ms")
    for m in ("old", "new"):
        first = sum(1 for typed, meant in CASES if answers[m][typed][:1] == [meant])
        top3 = sum(1 for typed, meant in CASES if meant in answers[m][typed])
        log(f"  {m}: intended place first {first}/{len(CASES)}, among the suggestions {top3}/{len(CASES)}")
    differ = [(typed, meant) for typed, meant in CASES
              if answers["old"][typed][:1] != answers["new"][typed][:1]]
    for typed, meant in differ:
        log(f"    {typed!r:16} meant {meant:<14} old {answers['old'][typed]}  new {answers['new'][typed]}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=10, help="passes over the misspellings (default 10)")
    p.add_argument("--pg", default=os.environ.get("GROUPFINDER_BENCH_DATABASE_URL", ""),
                   help="PostgreSQL URL (default $GROUPFINDER_BENCH_DATABASE_URL)")
    p.add_argument("--no-pg", action="store_true", help="SQLite only")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import rapidfuzz

    import groupfinder.models  # noqa: F401  (every table, for create_all)
    from groupfinder.geo.models import GazetteerEntry

    log(f"groupfinder suggestion benchmark — {len(CASES)} misspellings, {args.rounds} rounds")
    results = []
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    GazetteerEntry.__table__.create(engine)
    results.append(run("sqlite (memory)", engine, args.rounds))
    engine.dispose()

    pg, pg_note = open_pg(args)
    if pg is not None:
        try:
            engine = sa.create_engine(pg.scratch("suggest"))  # type: ignore[arg-type]
            GazetteerEntry.__table__.create(engine)
            results.append(run(f"postgres {pg.version}", engine, args.rounds))
            engine.dispose()
        finally:
            pg.close()

    for res in results:
        report(res)
    log("")
    if pg_note:
        log(pg_note)
    log(f"machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, rapidfuzz {rapidfuzz.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
