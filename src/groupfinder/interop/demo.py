"""Load the fictional demo listings of ``data/demo/listings.json`` (format in data/demo/README.md).

Idempotent: organisations, venues, facilitators and groups are matched by their ``key`` (stored
as ``external_key``); a second run adds only what is missing and changes nothing already there.
Relative dates ("+18") and cancellations of "the 2nd upcoming meeting" resolve against ``today``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from ..facilitators.models import Facilitator
from ..facilitators.services import FacilitatorData, create_facilitator
from ..groups.models import Group
from ..groups.services import ListingData, create_group, publish
from ..organisations.models import Organisation
from ..organisations.services import OrganisationData, create_organisation
from ..schedules.models import WEEKDAY_CODES
from ..schedules.recurrence import next_meetings
from ..schedules.services import ScheduleData, add_schedule, cancel_meeting, move_meeting
from ..transactions import transaction
from ..venues.models import Venue
from ..venues.services import VenueData, create_venue
from .reference import data_dir


def _date(value: str | None, today: dt.date) -> dt.date | None:
    if value is None:
        return None
    if value.startswith("+"):
        return today + dt.timedelta(days=int(value[1:]))
    return dt.date.fromisoformat(value)


def _by_key(model: type) -> dict[str, Any]:
    return {v.external_key: v for v in db.session.scalars(
        sa.select(model).where(model.external_key.is_not(None)))}


def seed_demo(path: Path | None = None, *, today: dt.date | None = None) -> dict[str, int]:
    """Add the demo listings that are not there yet; returns how many of each were added.

    A thin caller: every venue, facilitator, listing, schedule, cancellation and move goes
    through its feature's service (the rules a form obeys, the place rule among them), all in one
    transaction; the listings are then published as an operator would, without review."""
    path = path or data_dir() / "demo" / "listings.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    today = today or dt.date.today()
    added = {"organisations": 0, "venues": 0, "facilitators": 0, "groups": 0}
    # One unit of work; no autoflush before every query (the services flush what they need an
    # id for): a flush per query made seeding 706 listings take half a minute.
    with transaction(), db.session.no_autoflush:
        organisations = _by_key(Organisation)
        for o in data.get("organisations", []):
            if o["key"] in organisations:
                continue
            organisations[o["key"]] = create_organisation(OrganisationData(
                name=o["name"], description=o.get("description", ""), website=o.get("website")),
                by=None, external_key=o["key"])
            added["organisations"] += 1
        venues = _by_key(Venue)
        for v in data["venues"]:
            if v["key"] in venues:
                continue
            venues[v["key"]] = create_venue(VenueData(
                name=v["name"], address=v["address"], town=v["town"], country=v["country"],
                postcode=v.get("postcode", ""), latitude=v["latitude"], longitude=v["longitude"],
                timezone=v.get("timezone") or "", access=tuple(v.get("access", []))),
                by=None, external_key=v["key"])
            added["venues"] += 1
        facilitators = _by_key(Facilitator)
        for f in data["facilitators"]:
            if f["key"] in facilitators:
                continue
            facilitators[f["key"]] = create_facilitator(FacilitatorData(
                name=f["name"], bio=f.get("bio", ""), email=f.get("email"), phone=f.get("phone"),
                show_email=bool(f.get("show_email")), show_phone=bool(f.get("show_phone"))),
                by=None, external_key=f["key"])
            added["facilitators"] += 1
        existing = set(db.session.scalars(
            sa.select(Group.external_key).where(Group.external_key.is_not(None))))
        for item in data["groups"]:
            if item["key"] in existing:
                continue
            _group(item, venues, facilitators, organisations, today)
            added["groups"] += 1
    return added


def _confirmed(key: str, today: dt.date) -> dt.datetime:
    """A believable "last confirmed" spread over the 80 days before ``today`` (from the key, so
    every seeding agrees); the real timeline then ages the demo like any site."""
    days = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 80
    return dt.datetime.combine(today - dt.timedelta(days=days), dt.time(10), dt.UTC)


def _group(item: dict[str, Any], venues: dict[str, Venue], facilitators: dict[str, Facilitator],
           organisations: dict[str, Organisation], today: dt.date) -> Group:
    venue = venues[item["venue"]]
    org = organisations.get(item["organisation"]) if item.get("organisation") else None
    group = create_group(ListingData(
        name=item["name"], description=item.get("description", ""),
        what_to_expect=item.get("what_to_expect", ""), cost=item.get("cost", "Free"),
        contact_email=item.get("contact_email"), website=item.get("website"),
        conditions=tuple(item.get("conditions", [])), audiences=tuple(item.get("audiences", [])),
        languages=tuple(item.get("languages", ["en"])), access=tuple(item.get("access", [])),
        is_sensitive=bool(item.get("is_sensitive")), area_name=item.get("area_name"),
        venue_id=venue.id, facilitator_ids=tuple(facilitators[k].id for k in item.get("facilitators", [])),
        organisation_id=org.id if org is not None else None),
        by=None, accept_public_venue=True, external_key=item["key"],
        confirmed_at=_confirmed(item["key"], today))
    schedules = [add_schedule(group, _schedule(s, today), by=None) for s in item["schedules"]]
    publish(group, by=None)
    now = dt.datetime.combine(today, dt.time(0), ZoneInfo(venue.timezone))
    for c in item.get("cancellations", []):
        schedule = schedules[c["schedule"]]
        upcoming = next_meetings(schedule.spec(venue.timezone), now, c["upcoming"])
        if len(upcoming) == c["upcoming"]:
            cancel_meeting(schedule, upcoming[-1].original_start, c.get("reason", ""), by=None)
    for m in item.get("moves", []):
        schedule = schedules[m["schedule"]]
        upcoming = next_meetings(schedule.spec(venue.timezone), now, m["upcoming"])
        if len(upcoming) != m["upcoming"]:
            continue
        original = upcoming[-1].original_start
        new_time = dt.time.fromisoformat(m["new_start_time"]) if m.get("new_start_time") \
            else original.time()
        new_start = dt.datetime.combine(original.date() + dt.timedelta(days=m.get("shift_days", 0)),
                                        new_time)
        move_meeting(schedule, original, new_start, note=m.get("note", ""), by=None)
    return group


def _schedule(s: dict[str, Any], today: dt.date) -> ScheduleData:
    return ScheduleData(
        kind=s["kind"], start_time=dt.time.fromisoformat(s["start_time"]),
        duration_minutes=s["duration_minutes"], first_date=_date(s["first_date"], today),
        interval=s.get("interval") or 1,
        weekdays=tuple(WEEKDAY_CODES.index(d) for d in s.get("weekdays") or []),
        positions=tuple(s.get("positions") or ()), month_day=s.get("month_day"),
        last_date=_date(s.get("last_date"), today), paused_until=_date(s.get("paused_until"), today))
