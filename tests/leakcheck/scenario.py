"""Seed data whose every secret is a unique marker string.

Privacy belongs to the place: A's ordinary "Zqx-free" coffee morning meets at the sensitive
venue itself (published before the sensitive group arrived, so its address was public once);
organizer B has a venue record of their own at the same place (same postcode, ~70 m away) with a
published group; A's ordinary drop-in has one meeting moved to the sensitive venue. All of them
must show only the area. A cancel reason naming the venue is tried through the service and must
be refused.

Organizer A runs a *sensitive* published group at "Zqxvenue Marker Hall", led by a facilitator
whose email and phone are private, with one cancelled and one moved meeting (the move goes to
another of A's venues, whose name is a marker too), plus a pending listing. A non-sensitive
published group at an ordinary venue and a facilitator who opted in to show their contact are
the controls: their details must appear, proving the crawler sees those fields. Organizer B has
their own venue, listings and facilitator, and must learn nothing of A's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import h3

from groupfinder.accounts.models import Role, User
from groupfinder.db import now_utc
from groupfinder.errors import InvalidInput
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.geo.distance import haversine_km
from groupfinder.groups.models import Audience, Condition, Group, Language, ListingStatus
from groupfinder.organisations.models import Organisation
from groupfinder.schedules.recurrence import next_meetings
from groupfinder.schedules.services import cancel_meeting, move_meeting
from groupfinder.venues.models import AccessFeature

from ..factories import make_group, make_schedule, make_venue

# The sensitive venue: ~980 m from the centre of its H3 res-7 cell (checked in ``build``).
VENUE_LAT, VENUE_LNG = 53.79104, -1.52386
VENUE_NAME = "Zqxvenue Marker Hall"
VENUE_STREET = "77 Zqxstreet Road"
VENUE_POSTCODE = "LS9 8ZQ"  # a real-format unit postcode; sector LS9 8 is in the gazetteer
PRIVATE_EMAIL = "zqx-private@example.org"
PRIVATE_PHONE = "0113 496 0777"
MOVED_VENUE_NAME = "Zqxmoved Annex"
MOVED_VENUE_STREET = "12 Zqxmovedstreet Lane"
MOVED_VENUE_POSTCODE = "LS9 7QZ"
MOVED_LAT, MOVED_LNG = 53.80243, -1.51817
PENDING_NAME = "Zqxpending Circle"
PENDING_VENUE_NAME = "Zqxpendvenue Rooms"
PENDING_LAT, PENDING_LNG = 53.80651, -1.50211
# B's own record of the same place: same postcode, about 70 m away (and chosen so that no
# coordinate string of it contains one of the sensitive venue's, or B's own pages would match).
B_SHARED_VENUE_NAME = "Zqxbee Annex"
B_SHARED_STREET = "79 Zqxbeestreet Road"
B_SHARED_LAT, B_SHARED_LNG = 53.79050, -1.52330
SHARED_GROUP_NAME = "Open Coffee Morning"
B_SHARED_GROUP_NAME = "Bee Thursday Walk"
LEAKY_REASON = f"Meeting instead at {VENUE_NAME}, {VENUE_STREET}"
B_PRIVATE_EMAIL = "bee-private-zqx@example.org"
B_PRIVATE_PHONE = "0161 496 0999"
# Controls: public by choice or by rule.
OPTED_IN_EMAIL = "open-facilitator@example.org"
OPTED_IN_PHONE = "0113 496 0123"
PUBLIC_VENUE_NAME = "Open Door Centre"
PUBLIC_LAT, PUBLIC_LNG = 53.79912, -1.53777

# Filters the sensitive group matches (the crawl searches with each).
CONDITION, AUDIENCE, LANGUAGE, ACCESS, DAY = "anxiety", "everyone", "en", "step-free", "thu"

# What a visitor types or shares to search; never to be logged.
SEARCH_WHERE = ("LS9 8", "LS9")
SEARCH_LAT, SEARCH_LNG = "53.79468", "-1.53022"


def coordinate_forms(lat: float, lng: float, decimals: tuple[int, ...] = (5, 4, 3)) -> list[str]:
    """The 5-, 4- and 3-decimal strings of a point, with and without the longitude's sign."""
    out = []
    for places in decimals:
        for value in (lat, lng):
            text = f"{value:.{places}f}"
            out.append(text)
            if places > 3 and text.startswith("-"):
                out.append(text[1:])
    return out


def _variants(text: str) -> list[str]:
    return [text, text.replace(" ", "")]


@dataclass
class Scenario:
    organizer_a: User
    organizer_b: User
    sensitive: Group
    ordinary: Group
    pending: Group
    b_group: Group
    b_draft: Group
    private_facilitator: Facilitator
    opted_in: Facilitator
    b_facilitator: Facilitator
    cancelled_stamp: str
    moved_stamp: str
    cell_centre: tuple[float, float]
    shared: Group | None = None
    b_shared: Group | None = None
    leaky_reason_refused: bool = False
    a_secrets: list[str] = field(default_factory=list)
    b_secrets: list[str] = field(default_factory=list)

    @property
    def group_ids(self) -> list[int]:
        return [g.id for g in (self.sensitive, self.ordinary, self.pending, self.b_group,
                               self.b_draft, self.shared, self.b_shared) if g is not None]

    @property
    def facilitator_ids(self) -> list[int]:
        return [f.id for f in (self.private_facilitator, self.opted_in, self.b_facilitator)]

    def markers_for(self, persona: str) -> list[str]:
        """Secrets a persona must never see: A's for everyone; B's own private contact and
        venue are secret to everyone but B. B's own record of the shared place carries its
        postcode, so that postcode is no secret to B (the street, name and point still are)."""
        if persona == "organizer_b":
            known = {squash for squash in _variants(VENUE_POSTCODE)}
            return [m for m in self.a_secrets if m not in known]
        return self.a_secrets + self.b_secrets


def _user(email: str) -> User:
    user = User(email=email, role=Role.organizer, email_confirmed_at=now_utc())
    db.session.add(user)
    db.session.flush()
    return user


def _stamp(original: dt.datetime) -> str:
    return original.strftime("%Y-%m-%dT%H%M")


def build(*, now: dt.datetime | None = None) -> Scenario:
    """Write the scenario (committed) and return it."""
    now = now or dt.datetime.now(dt.UTC)
    a, b = _user("organizer-a@example.org"), _user("organizer-b@example.org")
    condition = db.session.scalars(db.select(Condition).where(Condition.slug == CONDITION)).one()
    audience = db.session.scalars(db.select(Audience).where(Audience.slug == AUDIENCE)).one()
    english = db.session.scalars(db.select(Language).where(Language.slug == LANGUAGE)).one()
    step_free = db.session.scalars(db.select(AccessFeature).where(AccessFeature.slug == ACCESS)).one()

    private = Facilitator(owner_id=a.id, name="Robin Quietly", bio="Peer supporter.",
                          email=PRIVATE_EMAIL, phone=PRIVATE_PHONE, show_email=False,
                          show_phone=False)
    opted = Facilitator(owner_id=a.id, name="Sam Openly", bio="Happy to be contacted.",
                        email=OPTED_IN_EMAIL, phone=OPTED_IN_PHONE, show_email=True,
                        show_phone=True)
    bee = Facilitator(owner_id=b.id, name="Bee Keeper", bio="Runs the Tuesday group.",
                      email=B_PRIVATE_EMAIL, phone=B_PRIVATE_PHONE)
    db.session.add_all([private, opted, bee])

    venue = make_venue(name=VENUE_NAME, address=VENUE_STREET, postcode=VENUE_POSTCODE,
                       town="Leeds", latitude=VENUE_LAT, longitude=VENUE_LNG, owner_id=a.id,
                       access_features=[step_free])
    moved_to = make_venue(name=MOVED_VENUE_NAME, address=MOVED_VENUE_STREET,
                          postcode=MOVED_VENUE_POSTCODE, town="Leeds", latitude=MOVED_LAT,
                          longitude=MOVED_LNG, owner_id=a.id)
    public_venue = make_venue(name=PUBLIC_VENUE_NAME, address="5 Open Lane", postcode="LS2 7PB",
                              town="Leeds", latitude=PUBLIC_LAT, longitude=PUBLIC_LNG,
                              owner_id=a.id)
    pending_venue = make_venue(name=PENDING_VENUE_NAME, address="9 Zqxpendstreet Walk",
                               postcode="LS9 6ZP", town="Leeds", latitude=PENDING_LAT,
                               longitude=PENDING_LNG, owner_id=a.id)
    b_venue = make_venue(name="Bee Community Rooms", address="3 Hive Street", postcode="LS2 8BB",
                         town="Leeds", latitude=53.80178, longitude=-1.54427, owner_id=b.id)
    b_shared_venue = make_venue(name=B_SHARED_VENUE_NAME, address=B_SHARED_STREET,
                                postcode=VENUE_POSTCODE, town="Leeds", latitude=B_SHARED_LAT,
                                longitude=B_SHARED_LNG, owner_id=b.id)
    # A's and B's organisations: public pages, feeds and API that list their groups.
    a_org, b_org = Organisation(slug="aire-peer-circles", name="Aire Peer Circles"), \
        Organisation(slug="bee-peer-trust", name="Bee Peer Trust")
    db.session.add_all([a_org, b_org])
    # Published while the place was still public: its address was out before A hid it.
    shared = make_group(name=SHARED_GROUP_NAME, venue=venue, conditions=[condition],
                        organizers=[a], published_at=now_utc(), schedules=[make_schedule(weekdays="4")],
                        organisation=a_org)
    b_shared = make_group(name=B_SHARED_GROUP_NAME, venue=b_shared_venue, conditions=[condition],
                          organizers=[b], facilitators=[], published_at=now_utc(),
                          schedules=[make_schedule(weekdays="3")], organisation=b_org)
    db.session.commit()

    sensitive = make_group(
        name="Thursday Evening Peer Support", venue=venue, is_sensitive=True,
        description="A small, confidential peer support group.",
        what_to_expect="Tea and a quiet room.", schedules=[make_schedule(weekdays="3")],
        published_at=now_utc(), conditions=[condition], audiences=[audience], languages=[english],
        organizers=[a], facilitators=[private, opted], organisation=a_org)
    ordinary = make_group(
        name="Open Door Drop-in", venue=public_venue, conditions=[condition], organizers=[a],
        facilitators=[opted], published_at=now_utc(), organisation=a_org)
    pending = make_group(name=PENDING_NAME, venue=pending_venue, conditions=[condition],
                         organizers=[a], facilitators=[private],
                         status=ListingStatus.pending_review, organisation=a_org)
    b_group = make_group(name="Bee Tuesday Group", venue=b_venue, conditions=[condition],
                         organizers=[b], facilitators=[bee], published_at=now_utc(),
                         organisation=b_org)
    b_draft = make_group(name="Bee Draft Group", venue=b_venue, conditions=[condition],
                         organizers=[b], status=ListingStatus.draft, organisation=b_org)
    db.session.commit()

    schedule = sensitive.schedules[0]
    upcoming = next_meetings(schedule.spec(venue.timezone), now, 3)
    cancelled, moved = upcoming[0].original_start, upcoming[1].original_start
    cancel_meeting(schedule, cancelled, "Room unavailable this week.", by=a)
    move_meeting(schedule, moved, moved + dt.timedelta(hours=1), note="Different room.",
                 new_venue=moved_to, by=a)
    # An ordinary group's meeting moved to the private place shows only its area.
    drop_in = ordinary.schedules[0]
    drop_in_next = next_meetings(drop_in.spec(public_venue.timezone), now, 1)[0].original_start
    move_meeting(drop_in, drop_in_next, drop_in_next, note="At our partner's place this week.",
                 new_venue=venue, by=a)
    try:  # a reason that names the hidden venue is refused, not published
        cancel_meeting(shared.schedules[0], next_meetings(
            shared.schedules[0].spec(venue.timezone), now, 1)[0].original_start, LEAKY_REASON, by=a)
    except InvalidInput:
        refused = True
    else:
        refused = False

    cell = h3.latlng_to_cell(VENUE_LAT, VENUE_LNG, 7)
    centre = h3.cell_to_latlng(cell)
    assert haversine_km(*centre, VENUE_LAT, VENUE_LNG) > 0.3, "choose a venue far from its cell centre"

    a_secrets = [
        VENUE_NAME, "Zqxvenue", VENUE_STREET, "Zqxstreet", *_variants(VENUE_POSTCODE),
        *coordinate_forms(VENUE_LAT, VENUE_LNG),
        *_variants(PRIVATE_EMAIL), *_variants(PRIVATE_PHONE), "+44 113 496 0777",
        MOVED_VENUE_NAME, "Zqxmoved", MOVED_VENUE_STREET, *_variants(MOVED_VENUE_POSTCODE),
        *coordinate_forms(MOVED_LAT, MOVED_LNG),
        PENDING_NAME, "Zqxpending", PENDING_VENUE_NAME, "Zqxpendvenue", "Zqxpendstreet",
        *coordinate_forms(PENDING_LAT, PENDING_LNG, (5, 4)),
    ]
    b_secrets = [*_variants(B_PRIVATE_EMAIL), *_variants(B_PRIVATE_PHONE),
                 B_SHARED_VENUE_NAME, "Zqxbee", B_SHARED_STREET, "Zqxbeestreet",
                 *coordinate_forms(B_SHARED_LAT, B_SHARED_LNG, (5, 4))]
    return Scenario(
        organizer_a=a, organizer_b=b, sensitive=sensitive, ordinary=ordinary, pending=pending,
        b_group=b_group, b_draft=b_draft, private_facilitator=private, opted_in=opted,
        b_facilitator=bee, cancelled_stamp=_stamp(cancelled), moved_stamp=_stamp(moved),
        cell_centre=centre, shared=shared, b_shared=b_shared, leaky_reason_refused=refused,
        a_secrets=list(dict.fromkeys(a_secrets)),
        b_secrets=list(dict.fromkeys(b_secrets)))
