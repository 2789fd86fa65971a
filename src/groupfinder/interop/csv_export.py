"""Export listings as the CSV that ``interop.importing`` reads, so a file imports back to the same
data (README, "Exporting listings").

``build_rows`` is pure (loaded objects in, rows of text out: no Flask, no session); ``load`` is
the one query that loads what a person may export, in a fixed number of statements, and
``export_csv`` puts the two together.

What a file holds
=================

Every listing the person may export, whatever its status, as the import's rows: one row per
schedule with the group's, venue's and first facilitator's columns repeated on each (so sorting
or deleting rows in a spreadsheet loses nothing), a ``group`` row for a listing without
schedules, a ``facilitator`` row for every further facilitator, a ``venue`` row for a venue no
exported group meets at (where a meeting moves, or one of the organizer's own not in use), and a
``facilitator`` row without a group for a facilitator who leads none of them. The optional
columns carry the facilitators' contact opt-ins, the schedules' pauses, and their cancelled and
moved meetings. Times are the venue's local wall-clock time, as stored and as the import reads
them. Rows come in a fixed order (groups by key, their schedules in stored order, facilitators by
key), so the same data gives the same bytes.

Keys are the records' ``external_key`` (what an import stored); a record made in the app has
none and is given ``gf-group-<id>`` (``gf-venue-``, ``gf-facilitator-``): importing such a file
into another site creates it there under that key, importing it back into this one creates a
copy (the app's records don't carry the key).

Who sees what: an organizer's file holds the groups they organise, with those groups' venues
(and venues their meetings move to) and facilitators, plus the venues and facilitators they own.
Never another organizer's listing, even one meeting at the same private place. Facilitators'
private email and phone are in the file only for the facilitator's owner and for admins (the data
owners); for anyone else only what the facilitator chose to show publicly.

Not carried, because an import can't recreate it or it isn't the listing: the review state
(status, pending edits, review notes: an import's new groups are pending review, or published
with ``--publish``), accounts (organizers, co-organizers, owners: the importer owns what it
creates), the audit history, freshness (last confirmed: an import confirms), reminders, the
private-place history of venues (the place rule recomputes it), ids, slugs, versions and
calendar sequence numbers. A group without a venue can't be imported, so it is left out and
counted in ``ExportResult.skipped``.

Formula injection: a cell beginning with ``= + - @``, tab or carriage return (after any
apostrophes) gets one leading apostrophe; the import removes exactly that one
(``csvformat.neutralise``/``restore``), so the round trip stays lossless. Plain numbers such as
a longitude ``-2.22871`` are not formulas and are written as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..facilitators.models import Facilitator
from ..groups.models import Group, group_organizers
from ..schedules.models import MeetingChange, Schedule
from ..schedules.recurrence import Frequency
from ..venues.models import Venue
from . import csvformat
from .csvformat import COLUMNS, DAYS

MEDIA_TYPE = "text/csv; charset=utf-8"


@dataclass
class ExportResult:
    body: bytes
    groups: int = 0
    rows: int = 0
    #: Groups left out because the import can't recreate them (no venue), by key.
    skipped: list[str] = field(default_factory=list)


def key_of(item: Any, kind: str) -> str:
    return item.external_key or f"gf-{kind}-{item.id}"


def _slugs(items: Iterable[Any]) -> str:
    return ";".join(sorted(i.slug for i in items))


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _ints(text: str) -> list[int]:
    return [int(p) for p in text.split(",") if p.strip()]


def _stamp(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _venue_cells(venue: Venue) -> dict[str, str]:
    return {"venue_key": key_of(venue, "venue"), "venue_name": venue.name,
            "address": venue.address, "postcode": venue.postcode or "", "town": venue.town,
            "country": venue.country, "region": venue.region or "",
            "latitude": repr(float(venue.latitude)),
            "longitude": repr(float(venue.longitude)), "timezone": venue.timezone,
            "venue_access": _slugs(venue.access_features)}


def _facilitator_cells(person: Facilitator, contacts: bool) -> dict[str, str]:
    email = person.email if person.email and (contacts or person.show_email) else ""
    phone = person.phone if person.phone and (contacts or person.show_phone) else ""
    return {"facilitator_key": key_of(person, "facilitator"), "facilitator_name": person.name,
            "facilitator_bio": person.bio or "", "facilitator_email": email,
            "facilitator_phone": phone,
            "facilitator_show_email": _yes(bool(email) and person.show_email),
            "facilitator_show_phone": _yes(bool(phone) and person.show_phone)}


def _group_cells(group: Group) -> dict[str, str]:
    return {"group_key": key_of(group, "group"), "name": group.name,
            "description": group.description or "", "what_to_expect": group.what_to_expect or "",
            "conditions": _slugs(group.conditions), "audiences": _slugs(group.audiences),
            "languages": _slugs(group.languages), "access": _slugs(group.access_features),
            "cost": group.cost or "", "contact_email": group.contact_email or "",
            "website": group.website or "", "is_sensitive": _yes(group.is_sensitive),
            "area_name": (group.area_name or "") if group.is_sensitive else "",
            "organisation": group.organisation.name if group.organisation else ""}


def _schedule_cells(schedule: Schedule) -> dict[str, str]:
    kind = Frequency(schedule.kind)
    positions = ["last" if p == -1 else str(p) for p in _ints(schedule.positions)]
    md = schedule.month_day
    moves = []
    for m in sorted(schedule.changes, key=lambda m: m.original_start):
        text = f"{_stamp(m.original_start)} > {_stamp(m.new_start)}"
        if m.new_duration_minutes is not None:
            text += f", {m.new_duration_minutes} min"
        if m.new_venue is not None:
            text += f", at {key_of(m.new_venue, 'venue')}"
        moves.append(text + (f": {m.note}" if m.note else ""))
    return {
        "kind": kind.value,
        "interval": str(schedule.interval),
        "weekdays": ";".join(DAYS[d][:3] for d in _ints(schedule.weekdays)),
        "positions": ";".join(positions),
        "month_day": "" if md is None else "last" if md == -1 else str(md),
        "start_time": schedule.start_time.strftime("%H:%M"),
        "duration_minutes": str(schedule.duration_minutes),
        "first_date": schedule.first_date.isoformat(),
        "last_date": schedule.last_date.isoformat() if schedule.last_date and kind is not Frequency.once else "",
        "paused_until": schedule.paused_until.isoformat() if schedule.paused_until else "",
        "cancellations": "\n".join(f"{_stamp(c.original_start)}: {c.reason}" for c in sorted(
            schedule.cancellations, key=lambda c: c.original_start)),
        "moves": "\n".join(moves),
    }


def build_rows(groups: Sequence[Group], *, venues: Iterable[Venue] = (),
               facilitators: Iterable[Facilitator] = (),
               contacts: Any = True) -> tuple[list[dict[str, str]], list[str]]:
    """The rows (column → text, not yet neutralised) for ``groups`` and the further ``venues``
    and ``facilitators``; and the keys of groups left out (no venue). ``contacts(facilitator)``
    says whether the private email and phone go in (``True``: always)."""
    def allowed(person: Facilitator) -> bool:
        return bool(contacts(person)) if callable(contacts) else bool(contacts)

    rows: list[dict[str, str]] = []
    skipped: list[str] = []
    used_venues: set[int] = set()
    used_people: set[int] = set()
    for group in sorted(groups, key=lambda g: key_of(g, "group")):
        if group.venue is None:
            skipped.append(key_of(group, "group"))
            continue
        people = sorted(group.facilitators, key=lambda f: key_of(f, "facilitator"))
        base = {**_group_cells(group), **_venue_cells(group.venue)}
        if people:
            base.update(_facilitator_cells(people[0], allowed(people[0])))
        used_venues.add(group.venue.id)
        used_people.update(p.id for p in people)
        if group.schedules:
            rows.extend({**base, **_schedule_cells(s)} for s in group.schedules)
        else:
            rows.append({"record": "group", **base})
        for person in people[1:]:
            rows.append({"record": "facilitator", "group_key": base["group_key"],
                         **_facilitator_cells(person, allowed(person))})
    extra_venues = {v.id: v for v in venues if v.id not in used_venues}
    for group in groups:  # where a meeting moves to
        for schedule in group.schedules if group.venue is not None else ():
            for change in schedule.changes:
                if change.new_venue is not None and change.new_venue.id not in used_venues:
                    extra_venues[change.new_venue.id] = change.new_venue
    for venue in sorted(extra_venues.values(), key=lambda v: key_of(v, "venue")):
        rows.append({"record": "venue", **_venue_cells(venue)})
    extra_people = {p.id: p for p in facilitators if p.id not in used_people}
    for person in sorted(extra_people.values(), key=lambda p: key_of(p, "facilitator")):
        rows.append({"record": "facilitator", **_facilitator_cells(person, allowed(person))})
    return rows, skipped


def write_csv(rows: Iterable[dict[str, str]]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheets read it as UTF-8), CRLF between records
    (RFC 4180), every cell neutralised against formula injection."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([csvformat.neutralise(row.get(c, "")) for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _loads() -> tuple[Any, ...]:
    changes = selectinload(Group.schedules).selectinload(Schedule.changes)
    return (selectinload(Group.venue).selectinload(Venue.access_features),
            selectinload(Group.conditions), selectinload(Group.audiences),
            selectinload(Group.languages), selectinload(Group.access_features),
            selectinload(Group.facilitators), selectinload(Group.organisation),
            selectinload(Group.schedules).selectinload(Schedule.cancellations),
            changes.selectinload(MeetingChange.new_venue).selectinload(Venue.access_features))


def load(user: Any = None) -> tuple[list[Group], list[Venue], list[Facilitator]]:
    """What ``user`` may export (``None`` or an admin: everything): their groups and their
    organisations' groups, and the venues and facilitators they and their teams may use
    (``permissions.team_scope``; the groups bring their own venues and facilitators)."""
    everything = user is None or getattr(user, "is_admin", False)
    query = sa.select(Group).options(*_loads()).order_by(Group.id)
    venues = sa.select(Venue).options(selectinload(Venue.access_features)).order_by(Venue.id)
    people = sa.select(Facilitator).order_by(Facilitator.id)
    if not everything:
        from ..organisations.queries import organisation_ids_of
        from ..permissions import team_scope

        query = query.where(sa.or_(
            Group.id.in_(sa.select(group_organizers.c.group_id).where(
                group_organizers.c.user_id == user.id)),
            Group.organisation_id.in_(organisation_ids_of(user))))
        venues = venues.where(team_scope(Venue, user))
        people = people.where(team_scope(Facilitator, user))
    session = db.session
    return (list(session.scalars(query)), list(session.scalars(venues)),
            list(session.scalars(people)))


def export_csv(user: Any = None) -> ExportResult:
    """The CSV of everything ``user`` may export (``None``: an operator at the command line, or
    an admin: all listings)."""
    groups, venues, people = load(user)
    everything = user is None or getattr(user, "is_admin", False)
    rows, skipped = build_rows(
        groups, venues=venues, facilitators=people,
        contacts=True if everything else (lambda person: person.owner_id == user.id))
    return ExportResult(body=write_csv(rows), groups=len(groups) - len(skipped), rows=len(rows),
                        skipped=skipped)
