"""Turn a response (or a log record) into the texts a person or a program could read, and look
for marker strings in them.

Every body is scanned raw and decoded: HTML entities unescaped, URL-encoding undone (links such
as calendar or map URLs carry text percent-encoded), JSON re-dumped without ``\\u`` escapes, and
iCalendar unfolded (RFC 5545 §3.1: CRLF followed by one space or tab is removed) with its text
escapes (``\\,`` ``\\;`` ``\\n`` ``\\\\``) undone, since a fold can fall inside any marker.
Matching ignores case and runs of whitespace.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, unquote_plus

_ICS_FOLD = re.compile(r"\r?\n[ \t]")
_ICS_ESCAPES = (("\\,", ","), ("\\;", ";"), ("\\n", "\n"), ("\\N", "\n"), ("\\\\", "\\"))


def unfold_ics(text: str) -> str:
    text = _ICS_FOLD.sub("", text)
    for escaped, plain in _ICS_ESCAPES:
        text = text.replace(escaped, plain)
    return text


def squash(text: str) -> str:
    return " ".join(text.casefold().split())


def readable_texts(body: str, content_type: str = "") -> list[str]:
    """Every decoded form of ``body`` worth scanning, squashed for matching."""
    forms = [body]
    if "calendar" in content_type or body.lstrip().startswith("BEGIN:VCALENDAR"):
        forms.append(unfold_ics(body))
    if "json" in content_type:
        try:
            forms.append(json.dumps(json.loads(body), ensure_ascii=False))
        except ValueError:
            pass
    decoded = []
    for text in forms:
        unescaped = html.unescape(text)
        decoded += [unescaped, unquote(unescaped), unquote_plus(unescaped)]
    return list(dict.fromkeys(squash(t) for t in forms + decoded))


@dataclass(frozen=True)
class Hit:
    where: str      # a URL (with persona) or a logger name
    part: str       # "body", "header Location", "log"
    marker: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.marker!r} in {self.part} of {self.where}: …{self.excerpt}…"


# A coordinate marker with 3 or 4 decimals (about 110 m / 11 m) matches only as a whole number:
# a map's hexagon is drawn through its cell's corners, and a corner such as 53.79123 shares the
# digits "53.791" with a venue in that band by chance, which says nothing the public cell does
# not. The same point written with those decimals ("53.791", "-1.5182") still matches, and a
# 5-decimal marker (about 1 m) matches as a prefix too, so a more precise copy is still caught.
_COARSE_NUMBER = re.compile(r"-?\d{1,3}\.\d{3,4}")


def _finder(needle: str) -> re.Pattern[str] | None:
    if _COARSE_NUMBER.fullmatch(needle):
        return re.compile(r"(?<![\d.])" + re.escape(needle) + r"(?!\d)")
    return None


def _find(text: str, needle: str, pattern: re.Pattern[str] | None) -> int:
    at = text.find(needle)
    if pattern is None or at < 0:  # (the pattern can only match where the needle occurs)
        return at
    found = pattern.search(text, at)
    return found.start() if found else -1


@functools.lru_cache(maxsize=64)
def _wanted(markers: tuple[str, ...]) -> list[tuple[str, str, re.Pattern[str] | None]]:
    """Each marker squashed, with its whole-number pattern: prepared once per marker list (a
    crawl scans tens of thousands of texts for the same markers)."""
    return [(m, squash(m), _finder(squash(m))) for m in markers]


def find_markers(texts: Iterable[str], markers: Sequence[str], *, where: str,
                 part: str) -> list[Hit]:
    hits = []
    wanted = _wanted(tuple(markers))
    for text in texts:
        for marker, needle, pattern in wanted:
            at = _find(text, needle, pattern)
            if at >= 0 and not any(h.marker == marker for h in hits):
                hits.append(Hit(where, part, marker, text[max(0, at - 60): at + len(needle) + 60]))
    return hits


def scan_response(response, markers: Sequence[str], *, where: str) -> list[Hit]:  # type: ignore[no-untyped-def]
    body = response.get_data().decode("utf-8", "replace")  # an icon is binary
    hits = find_markers(readable_texts(body, response.content_type or ""), markers,
                        where=where, part="body")
    for name, value in response.headers.items():
        hits += find_markers(readable_texts(value), markers, where=where, part=f"header {name}")
    return hits


def record_text(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info and not record.exc_text:
        text += "\n" + logging.Formatter().formatException(record.exc_info)
    elif record.exc_text:
        text += "\n" + record.exc_text
    return text


def is_sqlalchemy_row(record: logging.LogRecord) -> bool:
    """SQLAlchemy's DEBUG echo of each result row ("Row %r")."""
    return record.name.startswith("sqlalchemy.engine") and record.msg == "Row %r"


def scan_logs(records: Iterable[logging.LogRecord], markers: Sequence[str]) -> list[Hit]:
    hits: list[Hit] = []
    seen: set[tuple[str, str]] = set()  # most records repeat a statement: scan each text once
    for record in records:
        where, text = f"logger {record.name} ({record.levelname})", record_text(record)
        if (where, text) in seen:
            continue
        seen.add((where, text))
        found = find_markers(readable_texts(text), markers, where=where, part="log")
        hits += [h for h in found if h not in hits]
    return hits
