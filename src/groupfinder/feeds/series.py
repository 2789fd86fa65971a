"""Turn public groups into feed series: every location and contact decided by ``privacy``."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

from flask import current_app

from .. import privacy
from ..groups.freshness import confirmed_note
from ..groups.models import Group
from ..schedules.words import describe
from ..urls import absolute_url
from .ical import Series


def uid_host() -> str:
    return urlparse(current_app.config["BASE_URL"]).netloc.split(":")[0] or "groupfinder"


def group_series(group: Group) -> list[Series]:
    """One series per schedule of a published group; empty without a venue."""
    location = privacy.public_location(group)
    if group.venue is None or location is None:
        return []
    zone = group.venue.timezone
    clock = current_app.config["CLOCK"]
    url = absolute_url("groups.detail", group_id=group.id, slug=group.slug)
    geo = None if location.approximate else (location.latitude, location.longitude)
    host = uid_host()
    out = []
    for schedule in group.schedules:
        spec = schedule.spec(zone)
        text = [describe(spec, clock=clock), "", group.description.strip(), "",
                 confirmed_note(group), url]
        stamps = [group.updated_at, group.confirmed_at, schedule.updated_at]
        stamps += [c.created_at for c in schedule.cancellations]
        stamps += [c.created_at for c in schedule.changes]
        out.append(Series(
            uid=f"schedule-{schedule.id}@{host}",
            summary=group.name,
            description="\n".join(text).strip(),
            location=location.one_line,
            geo=geo,
            url=url,
            spec=spec,
            exceptions=privacy.public_exceptions(group, schedule.exceptions()),
            sequence=schedule.sequence,
            stamp=max(s for s in stamps if s is not None).astimezone(dt.UTC).replace(microsecond=0),
            pause_from=schedule.updated_at if schedule.paused_until else None,
        ))
    return out


def last_modified(series: list[Series]) -> dt.datetime:
    if not series:
        return dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return max(s.stamp for s in series)
