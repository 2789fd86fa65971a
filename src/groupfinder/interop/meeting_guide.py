"""Every published group in the Meeting Guide JSON format (code4recovery/spec; docs/landscape.md §1).

The document is a JSON array of *meetings*. The spec is for weekly meetings ("What about
business meetings or other monthly meetings? This API is for weekly recovery meetings"): an
entry's ``day`` + ``time`` say "every week on this day at this time", and there is no field for
an interval, a week of the month, a date or a one-off. So:

- A **weekly** schedule (interval 1) gives one entry per weekday it meets on, with ``day``
  (0 = Sunday … 6 = Saturday), ``time`` and ``end_time`` ("HH:MM", local to ``timezone``).
- An **every-N-weeks** schedule (fortnightly, every 3 weeks …) also gives one entry per weekday
  with ``day``/``time``/``end_time``: the weekday and the time are true of every meeting, the
  group is then visible in the Meeting Guide app and in TSML UI's day lists (it was not before,
  and most of these groups are fortnightly). What the entry cannot say is "not every week", so
  its ``notes`` open with it: the schedule in words, then "Not every week: next on Tuesday 8
  December and Tuesday 22 December." (the next two dates of that weekday). Decision and reason:
  the alternatives were no ``day`` (invisible in the app, shown as "Appointment" in TSML UI) or
  a ``day`` only in the weeks it meets (a time-dependent trick that depends on how often each
  consumer refreshes, and that makes the meeting flicker in and out of favourites); a stable
  weekday entry whose first line corrects the frequency is the most a weekly format can honestly
  carry.
- A **monthly** schedule (a weekday of the month, or a date) and a **one-off** give one entry
  *without* ``day``/``time`` (the spec's "by appointment" kind): written weekly, it would be wrong
  three weeks in four, or every week but one. Its ``notes`` open with the schedule in words
  ("Last Tuesday of the month, 8:00–9:00 pm"). TSML UI lists those at the bottom; the Meeting
  Guide app skips them. Nothing silently disappears.
- A schedule that has ended (its last date, or its one date, is before today) gives no entry. A
  published group left with no current schedule still gets one entry without day/time whose
  notes say so, so every public group is in the document.
- One-off cancellations and moves have no place in the spec: those of the next
  ``EXCEPTION_WEEKS`` weeks (at most ``MAX_EXCEPTIONS`` per entry, for that entry's weekday) are
  written at the top of ``notes``; a pause is written there too ("Not meeting until …") and adds
  the type ``TC`` (temporarily closed) while it lasts.

What the spec cannot carry, and where it goes instead: the interval of an every-N-weeks
schedule and its next dates (``notes``); monthly and one-off schedules (``notes``, no day);
start and end dates of a schedule ("Starts …", "Until …" in ``notes``); cancellations, moves and
pauses (``notes``, plus ``TC``); a facilitator (never exported); BSL and other sign languages
than ASL (no code); the cost of a group (not exported); conditions (custom types, below).

Addresses: ``formatted_address`` is the one-line form geocoders expect ("2841 Walnut Street,
Atlanta, GA 30303, USA"; "12 High Street, Salford M5 4WT, UK": UK addresses carry no nation),
and a US entry has the spec's ``state`` ("GA"). ``region`` (the spec's grouping, "usually a
neighborhood or city") is the town.

Privacy (docs/security-privacy.md §2.4): every location comes from ``privacy.public_location``. A
group at a private place has ``approximate: "yes"``, ``location`` = its area name,
``formatted_address`` = "Area, City, ST, USA" (the area, the town unless the area names it, the
state, the country: no street, no ZIP, so a geocoder finds the right city rather than another
"Riverside"), ``latitude``/``longitude`` = the centre of its cell, no ``region`` and
``location_notes`` saying the organizer shares the address.
Moves go through ``privacy.public_exceptions``. The only contact is the group's own public
contact email (``contact_1_email``; the spec has no plain ``email`` field), named by the group's
name (``contact_1_name``: TSML UI shows a contact only when it has a name, and the spec's
contacts must carry no last names). Facilitators are never exported (their details are private
unless they opted in). There is no ``contact_1_phone``: groups have no public phone of their
own. ``conference_*`` fields are omitted: groups are in person.

``slug`` is the spec's primary key (apps keep favourites by it), so it is built from ids that do
not change when a group is renamed: ``<group id>-<schedule id>-<mon…sun>`` for a weekday of a
weekly or every-N-weeks schedule, ``<group id>-<schedule id>`` for other schedules, ``<group id>``
for a group without one.

Type codes (``TYPE_CODES``) are the spec's reserved codes where one means the same thing, and
``O``/``C`` do not apply. The spec has no condition dimension but allows custom types ("it's also
ok to add types, they will be ignored by the importer, but be careful not to use any existing or
proposed codes", and not ISO 639 language codes). Each condition is the custom type
``C-<SLUG>`` (``condition_code``: "C-ANXIETY", "C-GRIEF-AND-LOSS"); the hyphen keeps it clear of
the spec's codes and of every language code. The document is a bare array, so the spec has no
place to declare them in the feed itself: ``custom_types`` gives the code → name table, and
README.md ("Meeting Guide feed") lists it for a consumer's configuration (TSML's custom types).

``group_entries`` is pure (no Flask, no database: it reads an already loaded group);
``export_meeting_guide`` runs the query and is what the CLI and the endpoint call.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .. import privacy
from ..geo import regions
from ..schedules.recurrence import Frequency, Meeting, RecurrenceSpec, meetings
from ..schedules.words import Clock, describe, describe_pause, format_date, format_time

__all__ = [
    "CONDITION_PREFIX",
    "ENTRY_SCHEMA",
    "TYPE_CODES",
    "ExportContext",
    "condition_code",
    "custom_types",
    "export_meeting_guide",
    "group_entries",
    "meeting_guide_json",
]

EXCEPTION_WEEKS = 8
MAX_EXCEPTIONS = 3
NOTES_MAX = 1000
DAY_SLUGS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # our 0 = Monday
SENSITIVE_NOTE = "Approximate area: the organizer shares the exact address when you get in touch."
COUNTRY_NAMES = {"GB": "UK", "US": "USA"}

# Our vocabulary slug → Meeting Guide type code, only where the code means the same thing.
AUDIENCE_CODES = {
    "women": "W",
    "men": "M",
    "lgbtq": "LGBTQ",
    "young-people": "Y",
    "older-adults": "SEN",
}
ACCESS_CODES = {
    "step-free": "X",            # Wheelchair Access
    "accessible-toilet": "XB",   # Wheelchair-Accessible Bathroom
    "childcare": "CF",           # Child-Friendly ("childcare or children welcome"; BA would
                                 # promise babysitting, which the feature does not)
}
SIGN_LANGUAGE = "sign-language"  # → ASL only at US venues (BSL has no code)
# BCP 47 primary language subtag → the spec's language codes.
LANGUAGE_CODES = {
    "af": "AF", "am": "AM", "ar": "AR", "bg": "BG", "da": "DA", "de": "DE", "el": "EL",
    "en": "EN", "es": "S", "fa": "FA", "fi": "FI", "fil": "TL", "fr": "FR", "he": "HE",
    "hi": "HI", "hr": "HR", "hu": "HU", "is": "IS", "it": "ITA", "ja": "JA", "ka": "KA",
    "ko": "KOR", "lt": "LT", "ml": "ML", "mt": "MT", "nb": "NO", "ne": "NE", "nl": "NL",
    "no": "NO", "pa": "PUN", "pl": "POL", "pt": "POR", "ru": "RUS", "sk": "SK", "sl": "SL",
    "sv": "SV", "th": "TH", "tl": "TL", "tr": "TUR", "uk": "UK",
}
TEMPORARILY_CLOSED = "TC"
CONDITION_PREFIX = "C-"  # custom types: no spec code, proposed code or language code has it
NEXT_DATES = 2  # an every-N-weeks entry names its next dates
TYPE_CODES = {"audiences": AUDIENCE_CODES, "access": ACCESS_CODES, "languages": LANGUAGE_CODES}

_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
# The spec's fields this export writes (docs/landscape.md §1.2), as a JSON Schema (2020-12) for one entry.
ENTRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "slug"],
    "additionalProperties": False,
    "dependentRequired": {"day": ["time"], "time": ["day"], "end_time": ["time"]},
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "slug": {"type": "string", "pattern": r"^[a-z0-9-]{1,64}$"},
        "day": {"type": "integer", "minimum": 0, "maximum": 6},
        "time": {"type": "string", "pattern": _TIME},
        "end_time": {"type": "string", "pattern": _TIME},
        "timezone": {"type": "string", "minLength": 1},
        "location": {"type": "string", "minLength": 1},
        "location_notes": {"type": "string", "minLength": 1},
        "formatted_address": {"type": "string", "minLength": 1},
        "state": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "region": {"type": "string", "minLength": 1},
        "latitude": {"type": "number", "minimum": -90, "maximum": 90},
        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
        "approximate": {"enum": ["yes", "no"]},
        "types": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True},
        "notes": {"type": "string"},
        "group": {"type": "string", "minLength": 1},
        "group_notes": {"type": "string"},
        "url": {"type": "string", "pattern": "^https?://"},
        "feedback_url": {"type": "string", "pattern": "^https?://"},
        "updated": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"},
        "contact_1_name": {"type": "string", "minLength": 1},
        "contact_1_email": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"},
    },
    "dependentSchemas": {"contact_1_email": {"required": ["contact_1_name"]}},
}


@dataclass(frozen=True)
class ExportContext:
    """What the mapping needs from outside: the date the document is for, the clock of the
    human texts, and the links of a group's page and of its "report a problem" form."""

    today: dt.date
    group_url: Callable[[Any], str]
    feedback_url: Callable[[Any], str] | None = None
    clock: Clock = "12h"


# --- the pure mapping ------------------------------------------------------------------------


def _hhmm(t: dt.time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _end(spec: RecurrenceSpec) -> dt.time:
    start = dt.datetime.combine(dt.date(2000, 1, 1), spec.start_time.replace(tzinfo=None))
    return (start + dt.timedelta(minutes=spec.duration_minutes)).time()


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _trim(text: str | None, limit: int = NOTES_MAX) -> str:
    """Plain text, blank lines between paragraphs kept, cut at a word under ``limit``."""
    paragraphs = [" ".join(p.split()) for p in (text or "").replace("\r", "").split("\n\n")]
    out = "\n\n".join(p for p in paragraphs if p)
    if len(out) <= limit:
        return out
    return out[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def _ended(spec: RecurrenceSpec, today: dt.date) -> bool:
    last = spec.first_date if Frequency(spec.kind) is Frequency.once else spec.last_date
    return last is not None and last < today


def condition_code(slug: str) -> str:
    """A condition's custom type code: "anxiety" → "C-ANXIETY"."""
    return CONDITION_PREFIX + slug.upper()


def custom_types(conditions: Iterable[Any]) -> dict[str, str]:
    """The custom types a consumer must declare to show ours: code → name, by code."""
    return dict(sorted((condition_code(c.slug), c.name) for c in conditions))


def group_types(group: Any, *, paused: bool = False) -> list[str]:
    """The type codes for a group, sorted: the spec's (see ``TYPE_CODES``), then its conditions'."""
    codes = {AUDIENCE_CODES[a.slug] for a in group.audiences if a.slug in AUDIENCE_CODES}
    for lang in group.languages:
        code = LANGUAGE_CODES.get(lang.slug.split("-")[0].lower())
        if code:
            codes.add(code)
    access = {a.slug for a in group.access_features}
    if group.venue is not None:
        access |= {a.slug for a in group.venue.access_features}
    codes |= {ACCESS_CODES[s] for s in access if s in ACCESS_CODES}
    if SIGN_LANGUAGE in access and group.venue is not None and group.venue.country == "US":
        codes.add("ASL")
    if paused:
        codes.add(TEMPORARILY_CLOSED)
    return sorted(codes) + sorted(condition_code(c.slug) for c in group.conditions)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _exception_lines(found: Iterable[Meeting], clock: Clock) -> list[str]:
    lines = []
    for m in found:
        when = format_date(m.original_start.date(), year=False)
        if m.status == "cancelled":
            lines.append(f"Cancelled on {when}" + (f": {_sentence(m.note)}" if m.note.strip() else "."))
        elif m.status == "moved":
            new = f"{format_date(m.starts_at.date(), year=False)} at {format_time(m.starts_at.time(), clock)}"
            text = f"The meeting of {when} moves to {new}"
            if m.location:
                text += f", at {m.location}"
            lines.append(text + (f" ({m.note.strip()})." if m.note.strip() else "."))
    return lines


def _upcoming_exceptions(spec: RecurrenceSpec, exceptions: tuple[Any, ...], today: dt.date,
                         weekday: int | None, clock: Clock) -> list[str]:
    if not exceptions:
        return []
    zone = ZoneInfo(spec.timezone)
    start = dt.datetime.combine(today, dt.time(0), zone)
    end = start + dt.timedelta(weeks=EXCEPTION_WEEKS)
    found = [m for m in meetings(spec, start, end, exceptions)
             if m.status != "scheduled" and (weekday is None or m.original_start.weekday() == weekday)]
    found.sort(key=lambda m: m.original_start)
    return _exception_lines(found[:MAX_EXCEPTIONS], clock)


def _base(group: Any, ctx: ExportContext, location: privacy.PublicLocation | None) -> dict[str, Any]:
    """The fields every entry of a group shares, in the spec's order (day/time added later)."""
    out: dict[str, Any] = {"name": group.name}
    if group.venue is not None:
        out["timezone"] = group.venue.timezone
    if location is not None:
        country = COUNTRY_NAMES.get(group.venue.country, group.venue.country)
        region = regions.from_code(location.region)
        state = region.short if region is not None and region.country == "US" else None
        if location.approximate:
            out["location"] = location.area
            out["location_notes"] = SENSITIVE_NOTE
            town = location.locality
            if town and town.casefold() in location.area.casefold():
                town = None  # "Atlanta" or "Leeds (LS9)": the area already names it
            out["formatted_address"] = ", ".join(
                p for p in (location.area, town, state, country) if p)
        else:
            if location.venue_name:
                out["location"] = location.venue_name
            out["formatted_address"] = ", ".join(
                p for p in (location.address, location.town_line, country) if p)
            if location.town:
                out["region"] = location.town
        if state:
            out["state"] = state
        out["latitude"] = location.latitude
        out["longitude"] = location.longitude
        out["approximate"] = "yes" if location.approximate else "no"
    return out


def _tail(group: Any, ctx: ExportContext, updated: dt.datetime) -> dict[str, Any]:
    out: dict[str, Any] = {"group": group.name}
    description = _trim(group.description)
    if description:
        out["group_notes"] = description
    out["url"] = ctx.group_url(group)
    if ctx.feedback_url is not None:
        out["feedback_url"] = ctx.feedback_url(group)
    out["updated"] = _stamp(updated)
    if group.contact_email:
        out["contact_1_name"] = group.name
        out["contact_1_email"] = group.contact_email
    return out


def _next_dates(spec: RecurrenceSpec, today: dt.date, weekday: int) -> str:
    """" Not every week: next on Tuesday 8 December and Tuesday 22 December." (one weekday)."""
    zone = ZoneInfo(spec.timezone)
    start = dt.datetime.combine(today, dt.time(0), zone)
    end = start + dt.timedelta(weeks=spec.interval * NEXT_DATES + 1)
    dates = [m.original_start.date() for m in meetings(spec, start, end)
             if m.original_start.weekday() == weekday][:NEXT_DATES]
    if not dates:
        return " Not every week."
    words = [format_date(d, year=d.year != today.year) for d in dates]
    return f" Not every week: next on {' and '.join(words)}."


def _notes(*parts: str | None) -> str:
    return _trim("\n\n".join(p for p in parts if p), NOTES_MAX * 2)


def group_entries(group: Any, ctx: ExportContext) -> list[dict[str, Any]]:
    """A published group's entries: one per weekly day, one per other current schedule, or one
    without a time when it has no current schedule. Pure: reads the loaded group only."""
    location = privacy.public_location(group)
    base = _base(group, ctx, location)
    expect = _trim(group.what_to_expect)
    group_stamps = [group.updated_at, group.confirmed_at]  # "updated": confirmed counts
    if group.venue is not None and location is not None and not location.approximate:
        group_stamps.append(group.venue.updated_at)
    entries: list[dict[str, Any]] = []
    zone = group.venue.timezone if group.venue is not None else "UTC"
    for schedule in group.schedules:
        spec = schedule.spec(zone)
        if _ended(spec, ctx.today):
            continue
        exceptions = privacy.public_exceptions(group, schedule.exceptions())
        pause = describe_pause(spec, ctx.today)
        stamps = [*group_stamps, schedule.updated_at,
                  *(c.created_at for c in schedule.cancellations),
                  *(c.created_at for c in schedule.changes)]
        tail = _tail(group, ctx, max(s for s in stamps if s is not None))
        types = group_types(group, paused=pause is not None)
        if Frequency(spec.kind) is Frequency.weekly:  # every week, or every N weeks
            for weekday in sorted(spec.weekdays):
                first = spec.first_date + dt.timedelta(days=(weekday - spec.first_date.weekday()) % 7)
                starts = f"Starts {format_date(first)}." if first > ctx.today else None
                until = f"Until {format_date(spec.last_date)}." if spec.last_date else None
                every = None
                if spec.interval > 1:
                    every = describe(spec, clock=ctx.clock) + "." + _next_dates(spec, ctx.today, weekday)
                    until = None  # already in the words
                entries.append({
                    "name": group.name,
                    "slug": f"{group.id}-{schedule.id}-{DAY_SLUGS[weekday]}",
                    "day": (weekday + 1) % 7,
                    "time": _hhmm(spec.start_time),
                    "end_time": _hhmm(_end(spec)),
                    **{k: v for k, v in base.items() if k != "name"},
                    "types": types,
                    "notes": _notes(
                        every, pause and pause + ".", starts, until,
                        *_upcoming_exceptions(spec, exceptions, ctx.today, weekday, ctx.clock),
                        expect),
                    **tail,
                })
        else:
            entries.append({
                "name": group.name,
                "slug": f"{group.id}-{schedule.id}",
                **{k: v for k, v in base.items() if k != "name"},
                "types": types,
                "notes": _notes(
                    describe(spec, clock=ctx.clock) + ".", pause and pause + ".",
                    *_upcoming_exceptions(spec, exceptions, ctx.today, None, ctx.clock),
                    expect),
                **tail,
            })
    if not entries:
        entries.append({
            "name": group.name,
            "slug": str(group.id),
            **{k: v for k, v in base.items() if k != "name"},
            "types": group_types(group),
            "notes": _notes("No meetings are scheduled at the moment.", expect),
            **_tail(group, ctx, max(s for s in group_stamps if s is not None)),
        })
    for entry in entries:
        if not entry["types"]:
            del entry["types"]
        if not entry["notes"]:
            del entry["notes"]
    return entries


def meeting_guide_json(entries: list[dict[str, Any]]) -> bytes:
    """The document's bytes: UTF-8, compact, in the entries' order (byte-stable)."""
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- the query -------------------------------------------------------------------------------

BATCH = 500


def export_meeting_guide(*, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Every published group's entries, by group id then schedule id then day.

    Needs an app context; works without a request (the CLI), building links from ``BASE_URL``.
    """
    import sqlalchemy as sa
    from flask import current_app, has_request_context

    from ..extensions import db
    from ..groups.models import Group, ListingStatus
    from ..groups.queries import load_groups
    from ..urls import absolute_url

    if not has_request_context():
        with current_app.test_request_context("/"):
            return export_meeting_guide(today=today)
    ctx = ExportContext(
        today=today or dt.datetime.now(dt.UTC).date(),
        group_url=lambda g: absolute_url("groups.detail", group_id=g.id, slug=g.slug),
        feedback_url=(lambda g: absolute_url("reports.report", group_id=g.id))
        if "reports.report" in current_app.view_functions else None,
        clock=current_app.config.get("CLOCK", "12h"),
    )
    ids = list(db.session.scalars(
        sa.select(Group.id).where(Group.status == ListingStatus.published,
                                  Group.hidden_since.is_(None))  # out of search: out of feeds too
        .order_by(Group.id)))
    out: list[dict[str, Any]] = []
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        groups = load_groups(chunk)
        for gid in chunk:
            group = groups.get(gid)
            if group is not None and group.status == ListingStatus.published:
                out.extend(group_entries(group, ctx))
    return out
