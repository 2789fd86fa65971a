"""Load the fictional demo listings of ``data/demo/listings.json`` (format in data/demo/README.md).

Idempotent: venues, facilitators and groups are matched by their ``key`` (stored as
``external_key``); a second run adds only what is missing and changes nothing already there.
Relative dates ("+18") and cancellations of "the 2nd upcoming meeting" resolve against ``today``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..db import now_utc
from ..extensions import db
from ..facilitators.models import Facilitator
from ..groups.models import Audience, Condition, Group, Language, ListingStatus
from ..groups.services import slugify
from ..schedules.models import WEEKDAY_CODES, Cancellation, MeetingChange, Schedule
from ..schedules.recurrence import Frequency, next_meetings
from ..schedules.services import days_mask
from ..transactions import transaction
from ..venues.models import AccessFeature, Venue
from ..venues.places import apply_public_location
from ..venues.services import timezone_at
from .reference import data_dir


def _date(value: str | None, today: dt.date) -> dt.date | None:
    if value is None:
        return None
    if value.startswith("+"):
        return today + dt.timedelta(days=int(value[1:]))
    return dt.date.fromisoformat(value)


def _by_slug(model: type) -> dict[str, Any]:
    return {v.slug: v for v in db.session.scalars(sa.select(model))}


def _by_key(model: type) -> dict[str, Any]:
    return {v.external_key: v for v in db.session.scalars(
        sa.select(model).where(model.external_key.is_not(None)))}


def seed_demo(path: Path | None = None, *, today: dt.date | None = None) -> dict[str, int]:
    """Add the demo listings that are not there yet; returns how many of each were added."""
    path = path or data_dir() / "demo" / "listings.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    today = today or dt.date.today()
    added = {"venues": 0, "facilitators": 0, "groups": 0}
    with transaction():
        vocab = {"conditions": _by_slug(Condition), "audiences": _by_slug(Audience),
                 "languages": _by_slug(Language), "access": _by_slug(AccessFeature)}
        venues = _by_key(Venue)
        for v in data["venues"]:
            if v["key"] in venues:
                continue
            venue = Venue(
                external_key=v["key"], name=v["name"], address=v["address"],
                postcode=v.get("postcode", ""), town=v["town"], country=v["country"],
                latitude=v["latitude"], longitude=v["longitude"],
                timezone=v.get("timezone") or timezone_at(v["latitude"], v["longitude"]),
                access_features=[vocab["access"][s] for s in v.get("access", [])],
            )
            db.session.add(venue)
            venues[v["key"]] = venue
            added["venues"] += 1
        facilitators = _by_key(Facilitator)
        for f in data["facilitators"]:
            if f["key"] in facilitators:
                continue
            fac = Facilitator(external_key=f["key"], name=f["name"], bio=f.get("bio", ""),
                              email=f.get("email"), phone=f.get("phone"),
                              show_email=bool(f.get("show_email")),
                              show_phone=bool(f.get("show_phone")))
            db.session.add(fac)
            facilitators[f["key"]] = fac
            added["facilitators"] += 1
        existing = set(db.session.scalars(
            sa.select(Group.external_key).where(Group.external_key.is_not(None))))
        for item in data["groups"]:
            if item["key"] in existing:
                continue
            db.session.add(_group(item, vocab, venues, facilitators, today))
            added["groups"] += 1
    return added


def _group(item: dict[str, Any], vocab: dict[str, dict[str, Any]], venues: dict[str, Venue],
           facilitators: dict[str, Facilitator], today: dt.date) -> Group:
    venue = venues[item["venue"]]
    group = Group(
        external_key=item["key"], name=item["name"], slug=slugify(item["name"]),
        description=item.get("description", ""), what_to_expect=item.get("what_to_expect", ""),
        cost=item.get("cost", "Free"), contact_email=item.get("contact_email"),
        website=item.get("website"), is_sensitive=bool(item.get("is_sensitive")),
        area_name=item.get("area_name"), venue=venue, status=ListingStatus.published,
        published_at=now_utc(),
        conditions=[vocab["conditions"][s] for s in item.get("conditions", [])],
        audiences=[vocab["audiences"][s] for s in item.get("audiences", [])],
        languages=[vocab["languages"][s] for s in item.get("languages", ["en"])],
        access_features=[vocab["access"][s] for s in item.get("access", [])],
        facilitators=[facilitators[k] for k in item.get("facilitators", [])],
    )
    apply_public_location(group)
    for s in item["schedules"]:
        group.schedules.append(_schedule(s, today))
    zone = ZoneInfo(venue.timezone)
    now = dt.datetime.combine(today, dt.time(0), zone)
    for c in item.get("cancellations", []):
        schedule = group.schedules[c["schedule"]]
        upcoming = next_meetings(schedule.spec(venue.timezone), now, c["upcoming"])
        if len(upcoming) == c["upcoming"]:
            schedule.cancellations.append(Cancellation(
                original_start=upcoming[-1].original_start, reason=c.get("reason", "")))
    for m in item.get("moves", []):
        schedule = group.schedules[m["schedule"]]
        upcoming = next_meetings(schedule.spec(venue.timezone), now, m["upcoming"])
        if len(upcoming) != m["upcoming"]:
            continue
        original = upcoming[-1].original_start
        new_time = dt.time.fromisoformat(m["new_start_time"]) if m.get("new_start_time") \
            else original.time()
        new_start = dt.datetime.combine(original.date() + dt.timedelta(days=m.get("shift_days", 0)),
                                        new_time)
        schedule.changes.append(MeetingChange(original_start=original, new_start=new_start,
                                              note=m.get("note", "")))
    for schedule in group.schedules:  # every exception is a change calendar clients must see
        schedule.sequence = len(schedule.cancellations) + len(schedule.changes)
    return group


def _schedule(s: dict[str, Any], today: dt.date) -> Schedule:
    weekdays = tuple(WEEKDAY_CODES.index(d) for d in s.get("weekdays") or [])
    positions = tuple(s.get("positions") or ())
    schedule = Schedule(
        kind=Frequency(s["kind"]), interval=s.get("interval") or 1,
        weekdays=",".join(map(str, weekdays)), positions=",".join(map(str, positions)),
        month_day=s.get("month_day"), start_time=dt.time.fromisoformat(s["start_time"]),
        duration_minutes=s["duration_minutes"], first_date=_date(s["first_date"], today),
        last_date=_date(s.get("last_date"), today), paused_until=_date(s.get("paused_until"), today),
    )
    schedule.days_mask = days_mask(schedule.spec("UTC"))
    return schedule
