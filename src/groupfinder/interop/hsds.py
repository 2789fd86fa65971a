"""Published groups as Open Referral HSDS 3.0 objects (https://docs.openreferral.org/en/v3.0/).

Pure: no Flask, no session. ``build_dataset`` reads already loaded groups (published, not
hidden: the caller's query decides) and gives every HSDS entity the read-only API serves, each
as its full object and as its list item. The mapping, and what HSDS 3.0 cannot carry:

- A group is a ``service``: ``status`` is ``active``, ``temporarily closed`` while every current
  schedule is paused, ``inactive`` when it has no current schedule (all ended). ``email`` is
  the group's public contact (the one its page shows); ``cost`` becomes ``fees_description``
  and one ``cost_options`` entry (``amount`` 0 only when the cost reads "Free"); conditions,
  audiences and access features are ``attributes`` whose ``taxonomy_term`` is our vocabulary's
  term (``link_type`` names the vocabulary); audiences and conditions in words are its
  ``eligibility_description``; languages are ``languages`` (ISO 639 code = the BCP 47 tag's
  primary subtag). Facilitators are ``contacts`` with a name, and an email or phone only when
  they opted in to show it (``privacy.public_contact``). ``assured_date`` is when the organiser
  last confirmed the details; "may be out of date" and a pause go in ``alert``.
- Its organisation is the ``organization``. A group without one gets a stand-in organization
  of its own (id from the group's id, name = the group's name, a description that says it is a
  stand-in): HSDS expects every service to have one, and leaving the group out of
  ``/organizations`` would hide it from organization-first consumers. The stand-in's id changes
  if the group joins an organisation later.
- Where it meets is a ``location`` (``physical``) reached through a ``service_at_location``.
  Every location comes from ``privacy.public_location``. A public venue is one location shared
  by its groups, with one ``address`` (street, town, postcode, country; ``state_province`` is
  the venue's region when it has one, else empty: HSDS requires the key). A private place (a
  sensitive group, or any group at a private venue) is a location of its own per group, named
  by its area, at the area's centre (the stored public point), with no ``address`` at all:
  HSDS's address requires a street and a postcode, and we never give them. Per group, so that
  two listings at one private venue are not linked by a shared id.
- Each current schedule is a ``schedule`` (ended ones are left out), attached to the service
  and, the same object, to its ``service_at_location``: ``freq`` WEEKLY or MONTHLY,
  ``interval``, ``byday`` ("TU", "2TU", "1SA,3SA", "-1FR") or ``bymonthday`` ("15", "-1"),
  ``wkst`` MO (our weeks run Monday to Sunday), ``dtstart`` = the date of the first meeting,
  ``until`` = the date of the last one when there is a last date, ``valid_from`` (the first
  date, or the end of a pause) and ``valid_to`` (the last date). A one-off is WEEKLY with
  ``count`` 1 on its date (HSDS's ``freq`` has no single-date value). ``opens_at``/``closes_at``
  are local wall-clock times with the UTC offset of the next meeting ("19:00+01:00"), and
  ``timezone`` is that offset in hours (HSDS asks for a number); the IANA zone, which is what
  keeps the time right across daylight saving, is an ``attributes`` entry (taxonomy "IANA time
  zone", term = the zone name) and is named in ``notes``. ``description`` is the schedule in
  words (``schedules.words``). What HSDS cannot carry: one-off cancellations and moves (the
  next few are written in ``notes`` in words; the .ics feed carries them all), a pause as
  such (only ``valid_from`` and ``notes``), and the offset of meetings after a daylight-saving
  change (``timezone`` holds for the next meeting only; the zone attribute is the rule).
- Ids are UUIDv5 from ``NAMESPACE`` and our ids (``hsds_id``): stable across renames and
  rebuilds, never reused for another kind of entity.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .. import privacy
from ..schedules.recurrence import (
    DAY_CODES,
    Frequency,
    Meeting,
    RecurrenceSpec,
    ical_dtstart,
    ical_rrule,
    meetings,
    next_meetings,
)
from ..schedules.words import Clock, describe, describe_pause, format_date, format_time

__all__ = [
    "HSDS_VERSION",
    "NAMESPACE",
    "Dataset",
    "HsdsContext",
    "Record",
    "build_dataset",
    "hsds_id",
    "schedule_object",
]

HSDS_VERSION = "3.0"
# Never change: every HSDS id a consumer stored is derived from it.
NAMESPACE = uuid.UUID("6f1d3c0e-8a52-5b7e-9c4d-2e7a91b0c3f5")
EXCEPTION_WEEKS = 8
MAX_EXCEPTIONS = 3
STAND_IN = ("A stand-in organization: {name} is not linked to an organisation in this "
            "directory, so this record stands for the people who run it.")
APPROXIMATE = "Approximate area: the organiser shares the exact address when you get in touch."
TIMEZONE_TAXONOMY = "IANA time zone"
VOCABULARIES = {  # link_type → (taxonomy name, its description)
    "condition": ("Conditions", "What the groups are about (groupfinder's vocabulary)."),
    "audience": ("Audiences", "Who a group is for (groupfinder's vocabulary)."),
    "access": ("Access features", "What helps people take part (groupfinder's vocabulary)."),
}
CURRENCIES = {"GB": "GBP", "US": "USD"}


@functools.lru_cache(maxsize=1 << 16)  # a build asks for ~30 ids per group, many repeated
def hsds_id(kind: str, key: object) -> str:
    """The HSDS id of our entity ``kind`` with ``key``: a UUIDv5, the same on every build."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{key}"))


@dataclass(frozen=True)
class HsdsContext:
    """What the mapping needs from outside: the day it is for, the clock of the texts in words,
    the links of a group's page and of a vocabulary, and the time the build starts."""

    today: dt.date
    group_url: Callable[[Any], str]
    vocabulary_url: Callable[[str], str] | None = None
    clock: Clock = "12h"


@dataclass
class Record:
    """One entity: its full object, its list item, and what the list filters look at."""

    id: str
    full: dict[str, Any]
    item: dict[str, Any]
    organization_id: str | None = None
    modified: dt.datetime | None = None
    tags: frozenset[str] = frozenset()  # its taxonomy terms' ids and their taxonomies' ids
    text: str = ""  # casefolded, for ``search``


@dataclass
class Dataset:
    """Every entity, each collection in a stable order (by our ids)."""

    services: list[Record] = field(default_factory=list)
    organizations: list[Record] = field(default_factory=list)
    locations: list[Record] = field(default_factory=list)
    service_at_locations: list[Record] = field(default_factory=list)
    taxonomies: list[Record] = field(default_factory=list)
    taxonomy_terms: list[Record] = field(default_factory=list)


# --- small helpers -----------------------------------------------------------------------------


def _stamp(when: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as HSDS's ``last_modified`` asks."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _text(value: str | None) -> str:
    paragraphs = [" ".join(p.split()) for p in (value or "").replace("\r", "").split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def _drop_empty(obj: dict[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    keep = set(keep)
    return {k: v for k, v in obj.items() if k in keep or v not in (None, "", [], {})}


def _offset(instant: dt.datetime) -> dt.timedelta:
    return instant.utcoffset() or dt.timedelta(0)


def _offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def _offset_hours(offset: dt.timedelta) -> int | float:
    hours = offset.total_seconds() / 3600
    return int(hours) if hours == int(hours) else hours


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# --- schedules -------------------------------------------------------------------------------


def _ended(spec: RecurrenceSpec, today: dt.date) -> bool:
    last = spec.first_date if Frequency(spec.kind) is Frequency.once else spec.last_date
    return last is not None and last < today


def _exception_lines(spec: RecurrenceSpec, exceptions: tuple[Any, ...], today: dt.date,
                     clock: Clock) -> list[str]:
    """The next few cancellations and moves in words (HSDS has no field for them)."""
    if not exceptions:
        return []
    start = dt.datetime.combine(today, dt.time(0), ZoneInfo(spec.timezone))
    found: list[Meeting] = [m for m in meetings(spec, start, start + dt.timedelta(weeks=EXCEPTION_WEEKS),
                                                exceptions) if m.status != "scheduled"]
    found.sort(key=lambda m: m.original_start)
    lines = []
    for m in found[:MAX_EXCEPTIONS]:
        when = format_date(m.original_start.date(), year=False)
        note = f": {_sentence(m.note)}" if m.note.strip() else "."
        if m.status == "cancelled":
            lines.append(f"Cancelled on {when}{note}")
        else:
            new = f"{format_date(m.starts_at.date(), year=False)} at {format_time(m.starts_at.time(), clock)}"
            place = f", at {m.location}" if m.location else ""
            lines.append(f"The meeting of {when} moves to {new}{place}{note}")
    return lines


def schedule_object(spec: RecurrenceSpec, *, schedule_key: object, service_id: str,
                    service_at_location_id: str | None, location_id: str | None, today: dt.date,
                    clock: Clock = "12h", exceptions: tuple[Any, ...] = (),
                    link: str | None = None) -> dict[str, Any]:
    """One schedule as an HSDS ``schedule`` (see the module docstring for each field)."""
    zone = ZoneInfo(spec.timezone)
    kind = Frequency(spec.kind)
    first = ical_dtstart(spec)  # naive local: the first real meeting
    upcoming = next_meetings(spec, dt.datetime.combine(today, dt.time(0), zone), 1)
    starts = upcoming[0].starts_at if upcoming else first.replace(tzinfo=zone)
    ends = starts + dt.timedelta(minutes=spec.duration_minutes)
    ends = ends.astimezone(zone)
    sid = hsds_id("schedule", schedule_key)
    out: dict[str, Any] = {
        "id": sid,
        "service_id": service_id,
        "location_id": location_id,
        "service_at_location_id": service_at_location_id,
    }
    pause = describe_pause(spec, today)
    valid_from = spec.first_date
    if spec.paused_until is not None and spec.paused_until > today:
        valid_from = max(valid_from, spec.paused_until)
    out["valid_from"] = valid_from.isoformat()
    last = spec.first_date if kind is Frequency.once else spec.last_date
    if last is not None:
        out["valid_to"] = last.isoformat()
    out["dtstart"] = first.date().isoformat()
    out["timezone"] = _offset_hours(_offset(starts))
    if kind is Frequency.once:
        out.update(freq="WEEKLY", interval=1, byday=DAY_CODES[first.weekday()], count=1)
    else:
        parts = ical_rrule(spec) or {}
        out["freq"] = parts["FREQ"]
        out["interval"] = spec.interval
        if "BYDAY" in parts:
            out["byday"] = ",".join(parts["BYDAY"])
        if "BYMONTHDAY" in parts:
            out["bymonthday"] = ",".join(str(d) for d in parts["BYMONTHDAY"])
        if "UNTIL" in parts:
            out["until"] = parts["UNTIL"].astimezone(zone).date().isoformat()
    out["wkst"] = "MO"
    out["opens_at"] = f"{starts:%H:%M}{_offset_text(_offset(starts))}"
    out["closes_at"] = f"{ends:%H:%M}{_offset_text(_offset(ends))}"
    out["description"] = describe(spec, clock=clock)
    out["schedule_link"] = link
    out["attending_type"] = "In person"
    when = format_date(starts.date())
    notes = [f"Times are local to {spec.timezone} (UTC{_offset_text(_offset(starts))} on {when}, "
             f"the next meeting); the offset changes with daylight saving."]
    if pause:
        notes.append(pause + ".")
    notes += _exception_lines(spec, exceptions, today, clock)
    out["notes"] = " ".join(notes)
    out["attributes"] = [{
        "id": hsds_id("schedule-timezone", schedule_key),
        "link_id": sid,
        "link_type": "timezone",
        "link_entity": "schedule",
        "taxonomy_term_id": hsds_id("timezone", spec.timezone),
        "value": spec.timezone,
        "taxonomy_term": {
            "id": hsds_id("timezone", spec.timezone),
            "code": spec.timezone,
            "name": spec.timezone,
            "description": f"The IANA time zone {spec.timezone}.",
            "taxonomy": TIMEZONE_TAXONOMY,
            "term_uri": "https://www.iana.org/time-zones",
        },
    }]
    return _drop_empty(out)


# --- organizations, locations, services ------------------------------------------------------


def _organization(group: Any) -> dict[str, Any]:
    org = group.organisation
    if org is not None:
        return _drop_empty({
            "id": hsds_id("organization", org.id),
            "name": org.name,
            "description": _text(org.description) or org.name,
            "website": org.website,
        }, keep=("description",))
    return _drop_empty({
        "id": hsds_id("organization/group", group.id),
        "name": group.name,
        "description": STAND_IN.format(name=group.name),
        "website": group.website,
    })


def _state(venue: Any) -> str:
    """The venue's region as its subdivision code ("US-GA" → "GA"), or empty when unknown."""
    region = getattr(venue, "region", None) or ""
    country, _, code = region.partition("-")
    return code if code and country == venue.country else region


def _location(group: Any, loc: privacy.PublicLocation) -> dict[str, Any]:
    venue = group.venue
    if loc.approximate:
        return {
            "id": hsds_id("location/group", group.id),
            "location_type": "physical",
            "name": loc.area or "Approximate area",
            "description": APPROXIMATE,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
        }
    lid = hsds_id("location/venue", venue.id)
    address = {
        "id": hsds_id("address/venue", venue.id),
        "location_id": lid,
        "address_1": loc.address or "",
        "city": loc.town or "",
        "state_province": _state(venue),
        "postal_code": loc.postcode or "",
        "country": venue.country,
        "address_type": "physical",
    }
    return _drop_empty({
        "id": lid,
        "location_type": "physical",
        "name": loc.venue_name or loc.area,
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "addresses": [address],
        "accessibility": [{
            "id": hsds_id(f"accessibility/venue/{venue.id}", a.slug),
            "location_id": lid,
            "description": a.name,
        } for a in venue.access_features],
    })


def _term(kind: str, item: Any, ctx: HsdsContext) -> dict[str, Any]:
    taxonomy, _ = VOCABULARIES[kind]
    return _drop_empty({
        "id": hsds_id(f"term/{kind}", item.slug),
        "code": item.slug,
        "name": item.name,
        "description": getattr(item, "description", "") or item.name,
        "taxonomy": taxonomy,
        "taxonomy_id": hsds_id("taxonomy", kind),
        "term_uri": ctx.vocabulary_url(kind) if ctx.vocabulary_url else None,
    })


def _attributes(group: Any, service_id: str, ctx: HsdsContext,
                terms: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    access = {a.slug: a for a in group.access_features}
    if group.venue is not None:
        access.update({a.slug: a for a in group.venue.access_features})
    out = []
    for kind, items in (("condition", group.conditions), ("audience", group.audiences),
                        ("access", [access[s] for s in sorted(access)])):
        for item in items:
            term = terms.get((kind, item.slug))
            if term is None:
                term = terms[(kind, item.slug)] = _term(kind, item, ctx)
            out.append({
                "id": hsds_id(f"attribute/{kind}/{group.id}", item.slug),
                "link_id": service_id,
                "link_type": kind,
                "link_entity": "service",
                "taxonomy_term_id": term["id"],
                "taxonomy_term": term,
            })
    return out


def _eligibility(group: Any) -> str:
    parts = []
    if group.conditions:
        parts.append("For people affected by: " + _join([c.name for c in group.conditions]) + ".")
    if group.audiences:
        parts.append("Audience: " + _join([a.name for a in group.audiences]) + ".")
    return " ".join(parts)


def _cost_options(group: Any, service_id: str) -> list[dict[str, Any]]:
    cost = " ".join((group.cost or "").split())
    if not cost:
        return []
    option: dict[str, Any] = {"id": hsds_id("cost", group.id), "service_id": service_id, "option": cost}
    if cost.lower() == "free":
        option["amount"] = 0
        country = group.venue.country if group.venue is not None else None
        if country in CURRENCIES:
            option["currency"] = CURRENCIES[country]
    else:
        option["amount_description"] = cost
    return [option]


def _contacts(group: Any, service_id: str) -> list[dict[str, Any]]:
    out = []
    for f in group.facilitators:
        contact = privacy.public_contact(f)
        cid = hsds_id("contact/facilitator", f"{group.id}/{f.id}")
        phones = [{"id": hsds_id("phone/facilitator", f"{group.id}/{f.id}"), "contact_id": cid,
                   "number": contact.phone}] if contact.phone else []
        out.append(_drop_empty({"id": cid, "service_id": service_id, "name": f.name,
                                "title": "Facilitator", "email": contact.email, "phones": phones}))
    return out


def _modified(group: Any, loc: privacy.PublicLocation | None) -> dt.datetime:
    stamps = [group.updated_at, group.confirmed_at, group.published_at]
    if group.organisation is not None:
        stamps.append(group.organisation.updated_at)
    if group.venue is not None and loc is not None and not loc.approximate:
        stamps.append(group.venue.updated_at)
    for s in group.schedules:
        stamps += [s.updated_at, *(c.created_at for c in s.cancellations),
                   *(c.created_at for c in s.changes)]
    return max(_aware(s) for s in stamps if s is not None)


ONE_TO_ONE_SERVICE = ("id", "organization_id", "name", "description", "url", "email", "status",
                      "fees_description", "eligibility_description", "assured_date", "alert",
                      "last_modified")
ONE_TO_ONE_LOCATION = ("id", "location_type", "name", "description", "latitude", "longitude")


def _pick(obj: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: obj[k] for k in keys if k in obj}


def build_dataset(groups: Iterable[Any], ctx: HsdsContext) -> Dataset:
    """Every entity of the published groups given (in their order), full and as list items."""
    data = Dataset()
    organizations: dict[str, dict[str, Any]] = {}
    org_services: dict[str, list[dict[str, Any]]] = {}
    org_modified: dict[str, dt.datetime] = {}
    locations: dict[str, Record] = {}
    terms: dict[str, dict[str, Any]] = {}
    term_cache: dict[tuple[str, str], dict[str, Any]] = {}
    for group in groups:
        sid = hsds_id("service", group.id)
        page = ctx.group_url(group)
        loc = privacy.public_location(group)
        org = _organization(group)
        modified = _modified(group, loc)
        location = _location(group, loc) if loc is not None else None
        sal_id = hsds_id("service_at_location", group.id) if location is not None else None
        zone = group.venue.timezone if group.venue is not None else "UTC"
        schedules: list[dict[str, Any]] = []
        pauses: list[str] = []  # "Not meeting until …", per current schedule that is paused
        for schedule in group.schedules:
            spec = schedule.spec(zone)
            if _ended(spec, ctx.today):
                continue
            try:
                schedules.append(schedule_object(
                    spec, schedule_key=schedule.id, service_id=sid, service_at_location_id=sal_id,
                    location_id=location["id"] if location else None, today=ctx.today,
                    clock=ctx.clock, exceptions=privacy.public_exceptions(group, schedule.exceptions()),
                    link=page))
            except ValueError:  # a rule with no meeting at all: nothing to describe
                continue
            pause = describe_pause(spec, ctx.today)
            if pause:
                pauses.append(f"{schedules[-1]['description']}: {pause[0].lower()}{pause[1:]}.")
        status = "active"
        if not schedules:
            status = "inactive"
        elif len(pauses) == len(schedules):
            status = "temporarily closed"
        alerts = []
        if group.out_of_date_since is not None:
            alerts.append("These details may be out of date: the organiser has not confirmed them "
                          f"since {format_date(group.confirmed_at.date())}.")
        alerts += pauses
        attributes = _attributes(group, sid, ctx, term_cache)
        for a in attributes:
            terms.setdefault(a["taxonomy_term"]["id"], a["taxonomy_term"])
        description = "\n\n".join(p for p in (_text(group.description), _text(group.what_to_expect)) if p)
        service: dict[str, Any] = _drop_empty({
            "id": sid,
            "organization_id": org["id"],
            "name": group.name,
            "description": description,
            "url": page,
            "email": group.contact_email,
            "status": status,
            "fees_description": " ".join((group.cost or "").split()),
            "eligibility_description": _eligibility(group),
            "assured_date": group.confirmed_at.date().isoformat(),
            "alert": " ".join(alerts),
            "last_modified": _stamp(modified),
        })
        brief = {**_pick(service, ONE_TO_ONE_SERVICE), "organization": org}
        sal = None
        if location is not None:
            sal = {"id": sal_id, "service_id": sid, "location_id": location["id"],
                   "location": location, "schedules": schedules}
        service.update(_drop_empty({
            "organization": org,
            "schedules": schedules,
            "service_at_locations": [sal] if sal else [],
            "languages": [{"id": hsds_id(f"language/{group.id}", lang.slug), "service_id": sid,
                           "name": lang.name, "code": lang.slug.split("-")[0].lower()}
                          for lang in group.languages],
            "cost_options": _cost_options(group, sid),
            "contacts": _contacts(group, sid),
            "attributes": attributes,
        }))
        tags = frozenset(a["taxonomy_term_id"] for a in attributes) | frozenset(
            a["taxonomy_term"]["taxonomy_id"] for a in attributes)
        text = " ".join((group.name, description)).casefold()
        data.services.append(Record(sid, service, brief, org["id"], modified, tags, text))
        organizations.setdefault(org["id"], org)
        org_services.setdefault(org["id"], []).append(brief)
        org_modified[org["id"]] = max(modified, org_modified.get(org["id"], modified))
        if location is not None and sal is not None:
            if location["id"] not in locations:
                locations[location["id"]] = Record(
                    location["id"], location, location, None, modified, frozenset(),
                    " ".join(str(location.get(k, "")) for k in ("name", "description")).casefold())
            data.service_at_locations.append(Record(
                sal_id, sal,
                {"id": sal_id, "service_id": sid, "location_id": location["id"],
                 "location": _pick(location, ONE_TO_ONE_LOCATION),
                 "service": _pick(service, ONE_TO_ONE_SERVICE)},
                org["id"], modified, tags, text))
    for oid, org in organizations.items():
        full = {**org, "services": org_services[oid]}
        data.organizations.append(Record(oid, full, org, oid, org_modified[oid], frozenset(),
                                         " ".join((org["name"], org["description"])).casefold()))
    data.locations = list(locations.values())
    taxonomies: dict[str, dict[str, Any]] = {}
    for kind, (name, description) in VOCABULARIES.items():
        tid = hsds_id("taxonomy", kind)
        taxonomies[tid] = _drop_empty({
            "id": tid, "name": name, "description": description,
            "uri": ctx.vocabulary_url(kind) if ctx.vocabulary_url else None})
    for tid, tax in taxonomies.items():
        data.taxonomies.append(Record(tid, tax, tax, text=tax["name"].casefold()))
    for term_id, term in sorted(terms.items(), key=lambda t: (t[1]["taxonomy"], t[1]["code"])):
        data.taxonomy_terms.append(Record(term_id, term, term, tags=frozenset({term["taxonomy_id"]}),
                                          text=term["name"].casefold()))
    return data
