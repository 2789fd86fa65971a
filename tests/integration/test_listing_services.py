"""The organizer's writes on venues, schedules and facilitators: one transaction each, a message
per field on bad input, nothing written on failure, version-checked edits."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from groupfinder.accounts.models import Role, User
from groupfinder.db import now_utc
from groupfinder.errors import ConflictError, InvalidInput
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.facilitators.services import FacilitatorData, create_facilitator, update_facilitator
from groupfinder.groups.models import ListingStatus
from groupfinder.review.models import AuditEntry
from groupfinder.schedules.models import Cancellation, Schedule
from groupfinder.schedules.recurrence import Frequency
from groupfinder.schedules.services import (
    ScheduleData,
    add_schedule,
    cancel_meeting,
    delete_schedule,
    update_schedule,
)
from groupfinder.venues.models import Venue
from groupfinder.venues.services import VenueData, create_venue, update_venue

from ..factories import make_group, make_venue


@pytest.fixture
def organizer(app) -> User:  # type: ignore[no-untyped-def]
    user = User(email="org@example.org", role=Role.organizer, email_confirmed_at=now_utc())
    db.session.add(user)
    db.session.commit()
    return user


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


MANCHESTER = VenueData(name="Hall", address="12 Oak Street", town="Manchester", country="GB",
                       postcode="m1  1ae", latitude=53.4771, longitude=-2.2346,
                       access=("step-free",))


# --- venues -----------------------------------------------------------------------------------


def test_create_venue_takes_the_time_zone_from_the_point(organizer):
    venue = create_venue(MANCHESTER, by=organizer)
    assert (venue.owner_id, venue.timezone, venue.timezone_overridden) == \
        (organizer.id, "Europe/London", False)
    assert venue.postcode == "M1 1AE" and [a.slug for a in venue.access_features] == ["step-free"]
    assert db.session.scalar(sa.select(AuditEntry.action)) == "venue.created"


def test_a_chosen_time_zone_is_kept_and_marked_overridden(organizer):
    venue = create_venue(VenueData(**{**MANCHESTER.__dict__, "timezone": "Europe/Dublin"}), by=organizer)
    assert (venue.timezone, venue.timezone_overridden) == ("Europe/Dublin", True)


@pytest.mark.parametrize("changes,fields", [
    ({"name": "", "town": ""}, {"name", "town"}),
    ({"latitude": None}, {"latitude"}),
    ({"latitude": 91.0, "longitude": 200.0}, {"latitude", "longitude"}),
    ({"country": "gb1"}, {"country"}),
    ({"timezone": "Mars/Olympus"}, {"timezone"}),
    ({"access": ("hearing-loop", "no-such-thing")}, {"access"}),
])
def test_bad_venue_input_is_reported_per_field_and_writes_nothing(organizer, changes, fields):
    with pytest.raises(InvalidInput) as info:
        create_venue(VenueData(**{**MANCHESTER.__dict__, **changes}), by=organizer)
    assert set(info.value.field_errors) == fields
    assert count(Venue) == 0 and count(AuditEntry) == 0


def test_a_venue_edit_from_an_old_version_is_refused(organizer):
    venue = create_venue(MANCHESTER, by=organizer)
    loaded = venue.version
    update_venue(venue, VenueData(**{**MANCHESTER.__dict__, "name": "First"}), by=organizer,
                 expected_version=loaded)
    with pytest.raises(ConflictError):
        update_venue(venue, VenueData(**{**MANCHESTER.__dict__, "name": "Second"}), by=organizer,
                     expected_version=loaded)
    db.session.expire_all()
    assert venue.name == "First"


def test_moving_a_venue_recomputes_its_unpublished_groups_public_point(organizer):
    venue = create_venue(MANCHESTER, by=organizer)
    group = make_group(venue=venue, status=ListingStatus.draft, is_sensitive=True, area_name="Ancoats")
    db.session.commit()
    old_cell = group.public_cell
    update_venue(venue, VenueData(**{**MANCHESTER.__dict__, "latitude": 53.4084, "longitude": -2.1493,
                                     "postcode": "SK1 1AA", "town": "Stockport"}),
                 by=organizer, expected_version=venue.version)
    db.session.expire_all()
    assert group.public_cell != old_cell and group.area_name == "Ancoats"
    assert abs(group.public_lat - 53.4084) < 0.02


def test_a_published_venue_keeps_its_address_and_point(organizer):
    venue = create_venue(MANCHESTER, by=organizer)
    group = make_group(venue=venue, status=ListingStatus.published)
    db.session.commit()
    before = (venue.address, venue.latitude, group.public_lat, venue.version)
    with pytest.raises(InvalidInput) as info:
        update_venue(venue, VenueData(**{**MANCHESTER.__dict__, "latitude": 53.5}), by=organizer,
                     expected_version=venue.version)
    assert "create a new venue and choose it for the group instead" in info.value.field_errors["address"][0].lower()
    db.session.expire_all()
    assert (venue.address, venue.latitude, group.public_lat, venue.version) == before
    update_venue(venue, VenueData(**{**MANCHESTER.__dict__, "name": "New name", "access": ()}),
                 by=organizer, expected_version=venue.version)
    db.session.expire_all()
    assert venue.name == "New name" and venue.access_features == []


# --- schedules --------------------------------------------------------------------------------


def weekly(**kw: object) -> ScheduleData:
    values: dict[str, object] = dict(kind="weekly", start_time=dt.time(19), duration_minutes=90,
                                     first_date=dt.date(2026, 1, 6), weekdays=(1,))
    values.update(kw)
    return ScheduleData(**values)  # type: ignore[arg-type]


def test_add_schedule_stores_the_rule_and_its_days(organizer):
    group = make_group(schedules=[])
    db.session.commit()
    schedule = add_schedule(group, weekly(weekdays=(3, 1), positions=(2,), month_day=5), by=organizer)
    assert (schedule.kind, schedule.weekdays, schedule.positions, schedule.month_day) == \
        (Frequency.weekly, "1,3", "", None)
    assert schedule.days_mask == 0b1010 and schedule.sequence == 0
    nth = add_schedule(group, weekly(kind="monthly_weekday", weekdays=(1,), positions=(-1, 2)), by=organizer)
    assert (nth.positions, nth.days_mask) == ("2,-1", 0b10)
    once = add_schedule(group, weekly(kind="once", weekdays=(), first_date=dt.date(2026, 12, 5),
                                      last_date=dt.date(2027, 1, 1)), by=organizer)
    assert (once.last_date, once.days_mask) == (None, 1 << 5)
    assert "schedule.added" in db.session.scalars(sa.select(AuditEntry.action)).all()


@pytest.mark.parametrize("data,fields", [
    (weekly(weekdays=()), {"weekdays"}),
    (weekly(kind="monthly_weekday", positions=()), {"positions"}),
    (weekly(kind="monthly_date", weekdays=(), month_day=30), {"month_day"}),
    (weekly(start_time=None, duration_minutes=None, first_date=None), {"start_time", "duration_minutes", "first_date"}),
    (weekly(interval=13), {"interval"}),
    (weekly(kind="fortnightly"), {"kind"}),
    (weekly(last_date=dt.date(2025, 1, 1)), {"last_date"}),
])
def test_bad_schedules_are_reported_per_field_and_write_nothing(organizer, data, fields):
    group = make_group(schedules=[])
    db.session.commit()
    with pytest.raises(InvalidInput) as info:
        add_schedule(group, data, by=organizer)
    assert set(info.value.field_errors) == fields
    assert count(Schedule) == 0 and count(AuditEntry) == 0


def test_update_schedule_raises_sequence_and_refuses_an_old_version(organizer):
    group = make_group()
    db.session.commit()
    schedule = group.schedules[0]
    loaded = schedule.version
    update_schedule(schedule, weekly(weekdays=(4,), start_time=dt.time(18, 30)), by=organizer,
                    expected_version=loaded)
    assert (schedule.sequence, schedule.weekdays, schedule.days_mask) == (1, "4", 1 << 4)
    with pytest.raises(ConflictError):
        update_schedule(schedule, weekly(weekdays=(0,)), by=organizer, expected_version=loaded)
    with pytest.raises(InvalidInput):
        update_schedule(schedule, weekly(weekdays=()), by=organizer, expected_version=schedule.version)
    db.session.expire_all()
    assert (schedule.sequence, schedule.weekdays) == (1, "4")


def test_delete_schedule_removes_its_exceptions(organizer):
    group = make_group()
    db.session.commit()
    schedule = group.schedules[0]
    cancel_meeting(schedule, dt.datetime(2026, 12, 1, 19), "Snow")
    delete_schedule(schedule, by=organizer, expected_version=schedule.version)
    db.session.expire_all()
    assert count(Schedule) == 0 and count(Cancellation) == 0 and group.schedules == []


# --- facilitators -----------------------------------------------------------------------------


def test_create_facilitator_keeps_contact_private_unless_ticked(organizer):
    person = create_facilitator(FacilitatorData(name=" Sam ", email="sam@example.org",
                                                phone="0161 000 0000", show_phone=True), by=organizer)
    assert (person.owner_id, person.name, person.show_email, person.show_phone) == \
        (organizer.id, "Sam", False, True)


@pytest.mark.parametrize("data,fields", [
    (FacilitatorData(name=""), {"name"}),
    (FacilitatorData(name="Sam", email="nope"), {"email"}),
    (FacilitatorData(name="Sam", phone="call me"), {"phone"}),
    (FacilitatorData(name="Sam", show_email=True, show_phone=True), {"show_email", "show_phone"}),
])
def test_bad_facilitators_are_reported_per_field_and_write_nothing(organizer, data, fields):
    with pytest.raises(InvalidInput) as info:
        create_facilitator(data, by=organizer)
    assert set(info.value.field_errors) == fields
    assert count(Facilitator) == 0 and count(AuditEntry) == 0


def test_a_bio_locating_a_sensitive_groups_venue_is_refused(organizer):
    person = create_facilitator(FacilitatorData(name="Sam"), by=organizer)
    venue = make_venue(address="14 Acacia Avenue", owner_id=organizer.id)
    group = make_group(venue=venue, is_sensitive=True)
    group.facilitators = [person]
    db.session.commit()
    with pytest.raises(InvalidInput) as info:
        update_facilitator(person, FacilitatorData(name="Sam", bio="Find me at Acacia Avenue."),
                           by=organizer, expected_version=person.version)
    assert "street" in info.value.field_errors["bio"][0]
    db.session.expire_all()
    assert person.bio == ""


def test_a_facilitator_edit_from_an_old_version_is_refused(organizer):
    person = create_facilitator(FacilitatorData(name="Sam"), by=organizer)
    loaded = person.version
    update_facilitator(person, FacilitatorData(name="Samira"), by=organizer, expected_version=loaded)
    with pytest.raises(ConflictError):
        update_facilitator(person, FacilitatorData(name="Sammy"), by=organizer, expected_version=loaded)
    db.session.expire_all()
    assert person.name == "Samira"
