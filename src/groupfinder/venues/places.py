"""Which places are private, decided once for every write path (docs/security-privacy.md §2.3a).

A venue is *private* when any sensitive listing uses it, moves a meeting to it, or proposes it
in a pending revision; two venue records at the same postcode within 100 m are one place. Every
listing at a private venue, sensitive or not, is shown as its area: otherwise an ordinary group
at the same church hall would publish the address the sensitive group hides.

Turning a place private must never wait for a service to remember it, so it is enforced at
commit: ``before_flush`` notes the venues that listings, moves, revisions and venues being
written point to, and ``before_commit`` applies the rule to them inside the same transaction
(services, the CSV importer, the demo seeder and review all pass through it). Turning a place
public again is an admin's decision (``venues.services.release_place``).

Reads models only: services import this module, never the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from .. import privacy
from ..geo.distance import haversine_km
from ..groups.models import Group, ListingRevision, ListingStatus, RevisionStatus, group_organizers
from ..schedules.models import MeetingChange, Schedule
from .models import Venue

_PENDING = "groupfinder.places"
_EXPOSED = "groupfinder.places.exposed"  # venue id → shown publicly before this transaction


def _postcode_key(postcode: str | None) -> str:
    return "".join((postcode or "").upper().split())


def same_place(session: Session, venue: Venue) -> list[Venue]:
    """``venue`` and every other venue record at the same postcode within 100 m."""
    key = _postcode_key(venue.postcode)
    if not key:
        return [venue]
    candidates = session.scalars(sa.select(Venue).where(
        sa.func.upper(sa.func.replace(Venue.postcode, " ", "")) == key)).all()
    near = [v for v in candidates if v.id != venue.id and haversine_km(
        v.latitude, v.longitude, venue.latitude, venue.longitude) <= privacy.SAME_PLACE_KM]
    return [venue, *near]


def sensitive_uses(session: Session, venue_ids: Iterable[int]) -> set[int]:
    """Which of ``venue_ids`` a sensitive listing uses, moves a meeting to, or proposes."""
    ids = set(venue_ids)
    if not ids:
        return set()
    used = set(session.scalars(sa.select(Group.venue_id).where(
        Group.is_sensitive, Group.venue_id.in_(ids))))
    used |= set(session.scalars(
        sa.select(MeetingChange.new_venue_id).join(Schedule, Schedule.id == MeetingChange.schedule_id)
        .join(Group, Group.id == Schedule.group_id)
        .where(Group.is_sensitive, MeetingChange.new_venue_id.in_(ids))))
    for proposed in session.scalars(sa.select(ListingRevision.proposed).where(
            ListingRevision.status == RevisionStatus.pending)):
        if proposed.get("is_sensitive") and proposed.get("venue_id") in ids:
            used.add(proposed["venue_id"])
    return used


def shown_publicly(session: Session, venue: Venue) -> bool:
    """Whether this place's exact address is, or was, on a public page (a published, ordinary
    listing at it or at the same place while it was public)."""
    if venue.address_was_public:
        return True
    place = same_place(session, venue)
    if any(v.address_was_public for v in place):
        return True
    if any(v.is_private for v in place):
        return False
    return bool(session.scalar(sa.select(sa.func.count()).select_from(Group).where(
        Group.venue_id.in_([v.id for v in place if v.id is not None]),
        Group.status == ListingStatus.published, sa.not_(Group.is_sensitive))))


def apply_public_location(group: Group) -> None:
    """Store the group's public point; call only when its venue, address or privacy changes.

    Re-running it for the same venue gives the same answer (no randomness), but callers still
    avoid it on unrelated edits so the public cell can never flip on a re-geocode.
    """
    if group.venue is None:
        group.public_lat = group.public_lng = group.public_cell = None
        return
    hidden = privacy.is_hidden(is_sensitive=group.is_sensitive, venue=group.venue)
    point = privacy.compute_public_point(
        is_sensitive=group.is_sensitive, venue=group.venue,
        area_name=group.area_name if group.is_sensitive else None)
    group.public_lat, group.public_lng = point.latitude, point.longitude
    group.public_cell = point.cell
    group.area_name = point.area_name if hidden else None


def make_private(session: Session, venue: Venue) -> None:
    """Hide ``venue`` for every listing that meets there; at once, no review."""
    if venue.is_private:
        return
    before = session.info.get(_EXPOSED, {})
    if before.get(venue.id) if venue.id in before else shown_publicly(session, venue):
        venue.address_was_public = True
    venue.is_private = True
    for group in session.scalars(sa.select(Group).where(Group.venue_id == venue.id)):
        apply_public_location(group)


def apply_rule(session: Session, venues: Iterable[Venue]) -> None:
    """Make private every place among ``venues`` that the rule says is private.

    In a few statements however many venues a commit touched (the demo seeder touches 410):
    every record sharing a postcode with one of them, and which of all those a sensitive
    listing uses, are read at once."""
    touched = [v for v in dict.fromkeys(venues) if v.id is not None]
    if not touched:
        return
    keys = {_postcode_key(v.postcode) for v in touched} - {""}
    by_key: dict[str, list[Venue]] = {}
    if keys:
        for v in session.scalars(sa.select(Venue).where(
                sa.func.upper(sa.func.replace(Venue.postcode, " ", "")).in_(keys))):
            by_key.setdefault(_postcode_key(v.postcode), []).append(v)
    places = []
    for venue in touched:
        near = [v for v in by_key.get(_postcode_key(venue.postcode), ())
                if v.id != venue.id and _same_place(venue, v)]
        places.append([venue, *near])
    used = sensitive_uses(session, {v.id for place in places for v in place})
    done: set[int] = set()
    for place in places:
        if place[0].id in done:
            continue
        if any(v.is_private or v.id in used for v in place):
            for v in place:
                make_private(session, v)
                done.add(v.id)


def _same_place(a: Venue, b: Venue) -> bool:
    key = _postcode_key(a.postcode)
    return bool(key) and key == _postcode_key(b.postcode) and haversine_km(
        a.latitude, a.longitude, b.latitude, b.longitude) <= privacy.SAME_PLACE_KM


def private_places_known_to(session: Session, users: Iterable[Any],
                            extra: Sequence[Venue | None] = ()) -> list[Venue]:
    """The private places these organizers already know to be private, plus ``extra``: what
    their public text must not locate.

    Known: a place where one of their listings is sensitive, or is published (its public page
    already shows only the area), or where one of those moves a meeting; and their own venue
    records of those places. Not a place made private only by someone else's listing that they
    have no public listing at: refusing their text there would tell them, within 100 m, that a
    sensitive group meets near their venue (the review page flags such text instead)."""
    ids = [u.id for u in users if u is not None and getattr(u, "id", None) is not None]
    found: dict[int, Venue] = {}
    if ids:
        organized = sa.select(group_organizers.c.group_id).where(group_organizers.c.user_id.in_(ids))
        telling = sa.and_(Group.id.in_(organized),
                          sa.or_(Group.is_sensitive, Group.status == ListingStatus.published))
        venue_ids = sa.union(
            sa.select(Group.venue_id).where(telling),
            sa.select(MeetingChange.new_venue_id)
            .join(Schedule, Schedule.id == MeetingChange.schedule_id)
            .join(Group, Group.id == Schedule.group_id).where(telling))
        for v in session.scalars(sa.select(Venue).where(Venue.is_private, Venue.id.in_(venue_ids))):
            found[v.id] = v
        if found:
            for v in session.scalars(sa.select(Venue).where(Venue.is_private,
                                                             Venue.owner_id.in_(ids))):
                if v.id not in found and any(_same_place(v, k) for k in list(found.values())):
                    found[v.id] = v
    out = list(found.values())
    out += [v for v in extra if v is not None and v.id not in found]
    return out


# --- enforcement at commit -------------------------------------------------------------------


def _touched(session: Session) -> set[Any]:
    touched: set[Any] = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Group) and (obj.venue is not None or obj.venue_id is not None):
            touched.add(obj.venue if obj.venue is not None else ("id", obj.venue_id))
        elif isinstance(obj, MeetingChange) and (obj.new_venue is not None or obj.new_venue_id):
            touched.add(obj.new_venue if obj.new_venue is not None else ("id", obj.new_venue_id))
        elif isinstance(obj, ListingRevision) and obj.status in (None, RevisionStatus.pending) \
                and (obj.proposed or {}).get("venue_id"):  # (status is defaulted at flush)
            touched.add(("id", obj.proposed["venue_id"]))
        elif isinstance(obj, Venue):
            touched.add(obj)
    return touched


@event.listens_for(Session, "before_flush")
def _note(session: Session, _ctx: Any, _instances: Any) -> None:
    touched = _touched(session)
    if not touched:
        return
    session.info.setdefault(_PENDING, set()).update(touched)
    # Whether each place was public *before* this transaction wrote to it: a listing published
    # in the same commit that makes the place private never showed its address.
    exposed = session.info.setdefault(_EXPOSED, {})
    with session.no_autoflush:
        for item in touched:
            venue = item if isinstance(item, Venue) else session.get(Venue, item[1])
            if venue is not None and venue.id is not None and venue.id not in exposed:
                exposed[venue.id] = not venue.is_private and shown_publicly(session, venue)


@event.listens_for(Session, "before_commit", insert=True)
def _enforce(session: Session) -> None:
    if session.new or session.dirty:
        session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    venues = []
    for item in pending:
        if isinstance(item, tuple):
            item = session.get(Venue, item[1])
        if item is not None and item in session:
            venues.append(item)
    with session.no_autoflush:
        apply_rule(session, venues)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_EXPOSED, None)
