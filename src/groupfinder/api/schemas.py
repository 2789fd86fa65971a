"""Public JSON shapes. Explicit allowlists through ``privacy``: never a model's ``__dict__``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from .. import privacy
from ..facilitators.models import Facilitator
from ..geo.geocoding import Origin
from ..groups.models import Group
from ..groups.public import PublicGroup, public_groups
from ..groups.public import schedule_texts as public_schedule_texts
from ..groups.queries import SearchHit, next_meeting
from ..localization import current_language
from ..readcache import cache, current_token
from ..schedules.recurrence import Meeting
from ..schedules.words import describe_current
from ..urls import absolute_url


def dump_origin(origin: Origin) -> dict[str, Any]:
    return {"label": origin.label, "latitude": origin.latitude, "longitude": origin.longitude,
            "notice": None if origin.notice is None else str(origin.notice)}


def dump_meeting(meeting: Meeting, *, with_note: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "status": meeting.status,
    }
    if with_note:
        out["note"] = meeting.note or None
    return out


def dump_facilitator(f: Facilitator) -> dict[str, Any]:
    contact = privacy.public_contact(f)
    return {"id": f.id, "name": f.name, "bio": f.bio, "email": contact.email, "phone": contact.phone,
            "url": absolute_url("groups.facilitator", facilitator_id=f.id)}


def dump_location(group: Group) -> dict[str, Any] | None:
    loc = privacy.public_location(group)
    if loc is None:
        return None
    address = None
    if not loc.approximate:  # "2841 Walnut Street, Atlanta, GA 30303"; "12 Oak Street, Manchester M1 1AE"
        address = ", ".join(p for p in (loc.address, loc.town_line) if p)
    return {"approximate": loc.approximate, "area": loc.area,
            "venue_name": None if loc.approximate else loc.venue_name,
            "address": address, "region": loc.region or None,
            "latitude": loc.latitude, "longitude": loc.longitude}


def schedule_texts(group: Group | PublicGroup) -> list[str]:
    """Each schedule in words, in the request's language (the read model caches them per language)."""
    clock = current_app.config["CLOCK"]
    language = current_language()
    if isinstance(group, PublicGroup):
        return list(public_schedule_texts(group, clock, language))
    zone = group.venue.timezone if group.venue else "UTC"
    today = dt.datetime.now(ZoneInfo(zone)).date()
    return [describe_current(s.spec(zone), today, clock=clock, language=language)
            for s in group.schedules]


def dump_organisation_ref(org: Any) -> dict[str, Any] | None:
    """The organisation that runs a group, as the group's JSON (and the pages' summaries) carry
    it. Public: a published group's organisation has a page."""
    if org is None:
        return None
    return {"slug": org.slug, "name": org.name,
            "url": absolute_url("organisations.page", slug=org.slug)}


def dump_source_ref(group: Group) -> dict[str, Any] | None:
    """Where a listing came from (interop.sources): the feed's name and its last refresh.
    The feed's address is not public (it may be a file on this machine)."""
    source = getattr(group, "source", None)  # a listing, or its public read model
    if source is None:
        return None
    refreshed = source.last_refreshed_at
    return {"name": source.name, "refreshed_at": refreshed.isoformat() if refreshed else None}


def dump_organisation(org: Any, *, group_count: int) -> dict[str, Any]:
    return {
        "slug": org.slug,
        "name": org.name,
        "description": org.description or "",
        "website": org.website or None,
        "url": absolute_url("organisations.page", slug=org.slug),
        "api_url": absolute_url("api.organisation", slug=org.slug),
        "calendar_url": absolute_url("feeds.organisation", slug=org.slug),
        "group_count": group_count,
    }


def dump_group(group: Group, *, distance_km: float | None, next_meeting: Meeting | None) -> dict[str, Any]:
    access = sorted({a.slug for a in group.access_features}
                    | ({a.slug for a in group.venue.access_features} if group.venue else set()))
    return {
        "id": group.id,
        "name": group.name,
        "url": absolute_url("groups.detail", group_id=group.id, slug=group.slug),
        "api_url": absolute_url("api.group", group_id=group.id),
        "calendar_url": absolute_url("feeds.group", group_id=group.id),
        "organisation": dump_organisation_ref(group.organisation),
        "source": dump_source_ref(group),
        "conditions": [c.slug for c in group.conditions],
        "audience": [a.slug for a in group.audiences],
        "languages": [lang.slug for lang in group.languages],
        "access": access,
        "distance_km": None if distance_km is None else round(distance_km, 1),
        "location": dump_location(group),
        "timezone": group.venue.timezone if group.venue else None,
        "next_meeting": dump_meeting(next_meeting) if next_meeting else None,
        "schedules": schedule_texts(group),
        "facilitators": [dump_facilitator(f) for f in group.facilitators],
        "cost": group.cost,
        "details_confirmed_on": group.confirmed_at.date().isoformat(),
        "may_be_out_of_date": group.out_of_date_since is not None,
    }


def dump_hit(hit: SearchHit) -> dict[str, Any]:
    return dump_group(hit.group, distance_km=hit.distance_km, next_meeting=hit.next_meeting)


def _local_day(zone: str | None, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(zone or "UTC")).date()


def dump_rows(rows: list[tuple[int, float]], now: dt.datetime) -> list[dict[str, Any]]:
    """Search results from cached summaries; only groups not cached (or whose cached next
    meeting has started) are loaded, in one batch. A summary holds schedules in words: one
    entry per language."""
    store, token, language = cache(), current_token(), current_language()
    summaries: dict[int, tuple[dict[str, Any], Meeting | None, dt.date]] = {}
    missing = []
    for gid, _ in rows:
        item = store.get(("group-summary", gid, language), token)
        # Stale when its next meeting has started, or when its local day has ended (the
        # schedule texts say "paused until …", "until …" relative to today).
        if item is None or (item[1] is not None and item[1].starts_at <= now) \
                or item[2] != _local_day(item[0]["timezone"], now):
            missing.append(gid)
        else:
            summaries[gid] = item
    for gid, group in public_groups(missing).items():
        upcoming = next_meeting(group, now)
        summary = dump_group(group, distance_km=None, next_meeting=upcoming)
        item = (summary, upcoming, _local_day(summary["timezone"], now))
        store.put(("group-summary", gid, language), token, item)
        summaries[gid] = item
    return [{**summaries[gid][0], "distance_km": round(d, 1)} for gid, d in rows]


def dump_group_detail(group: Group, meetings: list[Meeting], next_meeting: Meeting | None) -> dict[str, Any]:
    out = dump_group(group, distance_km=None, next_meeting=next_meeting)
    out.update({
        "description": group.description,
        "what_to_expect": group.what_to_expect,
        "contact_email": group.contact_email,
        "website": group.website,
        "meetings": [dump_meeting(m, with_note=True) for m in meetings],
    })
    return out


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
