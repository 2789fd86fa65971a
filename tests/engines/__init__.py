"""Three independent iCalendar engines, standing in for the calendar apps (docs/calendar-feeds.md).

Each engine takes feed bytes and a window [start, end) of aware instants and returns the meetings
a subscriber would see: ``Occurrence(uid, start, end)`` with both instants in UTC, sorted, one
entry per meeting (a list, not a set, so that a meeting shown twice is caught).

- ``recurring_ical_events`` (PyPI ``recurring-ical-events``): resolves TZIDs by name, like Google.
- ``icaljs`` (npm ``ical.js``, Thunderbird's parser): ``icaljs_expand.mjs``, run with Node.
- ``libical`` (Debian ``libical-dev``, Evolution's library): ``libical_expand.c``, compiled once
  per test session with gcc and ``pkg-config --cflags --libs libical``.

ical.js and libical read zones only from the feed's VTIMEZONE bodies, like Outlook. All three
leave out STATUS:CANCELLED events. ``expand_many`` expands several feeds in one engine process.

A missing tool skips the test that needs it, with the install command as the reason, except
under CI (``CI=true``), where it fails the test instead.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import pytest

HERE = Path(__file__).resolve().parent
UTC = dt.UTC
TIMEOUT = 120


class Occurrence(NamedTuple):
    uid: str
    start: dt.datetime  # aware, UTC
    end: dt.datetime  # aware, UTC

    def __str__(self) -> str:
        return f"{self.uid} {self.start:%Y-%m-%d %H:%M}Z-{self.end:%H:%M}Z"


class EngineError(AssertionError):
    """An engine refused a feed (a floating time, a TZID without VTIMEZONE, a parse error...)."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true")


def _epoch(value: dt.datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("window bounds must be aware datetimes")
    return int(value.timestamp())


def _instant(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


class Engine:
    name = ""

    def missing(self) -> str | None:
        """Why the engine cannot run here (with how to install it), or None when it can."""
        raise NotImplementedError

    def require(self) -> None:
        reason = self.missing()
        if reason is None:
            return
        if in_ci():
            pytest.fail(f"{self.name} is required under CI: {reason}")
        pytest.skip(f"{self.name} not available: {reason}")

    def expand_many(self, feeds: Sequence[bytes], start: dt.datetime,
                    end: dt.datetime) -> list[list[Occurrence]]:
        raise NotImplementedError

    def expand(self, feed: bytes, start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
        return self.expand_many([feed], start, end)[0]

    def __repr__(self) -> str:
        return f"<engine {self.name}>"


# --- recurring_ical_events (Python) ------------------------------------------------------------

class RecurringIcalEvents(Engine):
    name = "recurring_ical_events"

    def missing(self) -> str | None:
        try:
            import recurring_ical_events  # noqa: F401
        except ImportError:
            return "pip install recurring-ical-events"
        return None

    def expand_many(self, feeds: Sequence[bytes], start: dt.datetime,
                    end: dt.datetime) -> list[list[Occurrence]]:
        import icalendar
        import recurring_ical_events

        results = []
        for feed in feeds:
            cal = icalendar.Calendar.from_ical(feed)
            found = []
            for ev in recurring_ical_events.of(cal).between(start, end):
                if str(ev.get("STATUS", "")).upper() == "CANCELLED":
                    continue
                begin, finish = ev["DTSTART"].dt, ev["DTEND"].dt
                if not isinstance(begin, dt.datetime) or begin.tzinfo is None:
                    raise EngineError(f"{ev['UID']}: DTSTART {begin!r} is not an aware date-time")
                if not start <= begin < end:
                    continue  # between() also returns meetings that only overlap the window
                found.append(Occurrence(str(ev["UID"]), begin.astimezone(UTC), finish.astimezone(UTC)))
            results.append(sorted(found))
        return results


# --- engines in other processes: JSON lines on stdout --------------------------------------------

def _parse_lines(name: str, stdout: str, count: int) -> list[list[Occurrence]]:
    results: list[list[Occurrence]] = [[] for _ in range(count)]
    errors = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if "error" in item:
            errors.append(f"feed {item['feed']}: {item['error']}")
            continue
        results[item["feed"]].append(
            Occurrence(item["uid"], _instant(item["start"]), _instant(item["end"])))
    if errors:
        raise EngineError(f"{name} reported parse errors:\n" + "\n".join(errors))
    return [sorted(r) for r in results]


def _run(name: str, argv: list[str], feeds: Sequence[bytes], start: dt.datetime,
         end: dt.datetime, cwd: Path) -> list[list[Occurrence]]:
    if not feeds:
        return []
    for feed in feeds:
        if not feed.rstrip().endswith(b"END:VCALENDAR") or feed.count(b"BEGIN:VCALENDAR") != 1:
            raise ValueError("each feed must be exactly one VCALENDAR")
    body = b"".join(f if f.endswith(b"\n") else f + b"\r\n" for f in feeds)
    proc = subprocess.run([*argv, str(_epoch(start)), str(_epoch(end))], input=body,
                          capture_output=True, cwd=cwd, timeout=TIMEOUT, check=False)
    if proc.returncode != 0:
        raise EngineError(f"{name} failed (exit {proc.returncode}):\n"
                          f"{proc.stderr.decode('utf-8', 'replace')}")
    return _parse_lines(name, proc.stdout.decode("utf-8"), len(feeds))


class IcalJs(Engine):
    name = "ical.js"
    script = HERE / "icaljs_expand.mjs"

    def missing(self) -> str | None:
        if shutil.which("node") is None:
            return "Node.js (node) is not on PATH"
        if not (HERE / "node_modules" / "ical.js" / "package.json").exists():
            return "npm ci --prefix tests/engines"
        return None

    def expand_many(self, feeds: Sequence[bytes], start: dt.datetime,
                    end: dt.datetime) -> list[list[Occurrence]]:
        return _run(self.name, ["node", str(self.script)], feeds, start, end, HERE)


class Libical(Engine):
    name = "libical"
    source = HERE / "libical_expand.c"

    def missing(self) -> str | None:
        compiler = shutil.which("gcc") or shutil.which("cc")
        if compiler is None:
            return "no C compiler (apt-get install -y gcc)"
        if shutil.which("pkg-config") is None:
            return "apt-get install -y pkg-config libical-dev"
        probe = subprocess.run(["pkg-config", "--exists", "libical"], check=False)
        if probe.returncode != 0:
            return "apt-get install -y libical-dev"
        return None

    @functools.cached_property
    def binary(self) -> Path:
        """Compiled once per test session into a temporary directory."""
        out = Path(tempfile.mkdtemp(prefix="gf-libical-"))
        atexit.register(shutil.rmtree, out, ignore_errors=True)
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libical"], capture_output=True,
                               text=True, check=True).stdout.split()
        compiler = shutil.which("gcc") or shutil.which("cc") or "cc"
        target = out / "libical_expand"
        proc = subprocess.run([compiler, "-O2", "-Wall", "-o", str(target), str(self.source), *flags],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise EngineError(f"compiling {self.source.name} failed:\n{proc.stderr}")
        return target

    def expand_many(self, feeds: Sequence[bytes], start: dt.datetime,
                    end: dt.datetime) -> list[list[Occurrence]]:
        return _run(self.name, [str(self.binary)], feeds, start, end, HERE)


ENGINES: dict[str, Engine] = {e.name: e for e in (RecurringIcalEvents(), IcalJs(), Libical())}
ENGINE_NAMES = list(ENGINES)


def engine(name: str) -> Engine:
    """The engine, or skip (fail under CI) when its tool is missing."""
    found = ENGINES[name]
    found.require()
    return found


def available_engines() -> tuple[list[Engine], list[str]]:
    """For a test that uses every engine: the engines that can run, and why the others cannot.

    Under CI a missing engine fails the test at once. Otherwise the test checks with the engines
    it has and calls ``skip_for_missing`` at its end, so the rest of it still runs.
    """
    usable, missing = [], []
    for found in ENGINES.values():
        reason = found.missing()
        if reason is None:
            usable.append(found)
        elif in_ci():
            pytest.fail(f"{found.name} is required under CI: {reason}")
        else:
            missing.append(f"{found.name} not available: {reason}")
    return usable, missing


def skip_for_missing(missing: Sequence[str]) -> None:
    if missing:
        pytest.skip("checked without " + "; ".join(missing))


def describe_difference(got: Sequence[Occurrence], want: Sequence[Occurrence], limit: int = 12) -> str:
    """Readable multiset difference for assertion messages."""
    from collections import Counter

    extra = Counter(got) - Counter(want)
    lacking = Counter(want) - Counter(got)
    lines = [f"engine gave {len(got)} meetings, recurrence.py {len(want)}"]
    for label, items in (("extra (engine only)", extra), ("missing (recurrence.py only)", lacking)):
        shown = sorted(items.elements())
        if shown:
            lines.append(f"{label}: {len(shown)}")
            lines += [f"  {o}" for o in shown[:limit]]
            if len(shown) > limit:
                lines.append(f"  ... and {len(shown) - limit} more")
    return "\n".join(lines)
