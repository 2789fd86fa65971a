"""The pure HSDS 3.0 mapping (``interop.hsds``): schedules as RRULE fields with the zone and the
offset, private places as areas, stand-in organizations, stable ids; every object checked
against the official schemas (tests/schemas/hsds-3.0)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from groupfinder import privacy
from groupfinder.interop.hsds import NAMESPACE, HsdsContext, build_dataset, hsds_id, schedule_object
from groupfinder.schedules.recurrence import Frequency, MeetingException, RecurrenceSpec
from tests import hsds_schemas

TODAY = dt.date(2026, 11, 25)  # a Wednesday, in GMT (UTC+0) in London
STAMP = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)


def spec(**kw: Any) -> RecurrenceSpec:
    values: dict[str, Any] = dict(kind=Frequency.weekly, start_time=dt.time(19), duration_minutes=90,
                                  first_date=dt.date(2026, 1, 6), timezone="Europe/London", weekdays=(1,))
    values.update(kw)
    return RecurrenceSpec(**values)


def schedule(s: RecurrenceSpec, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = dict(schedule_key=1, service_id=hsds_id("service", 1),
                                service_at_location_id=None, location_id=None, today=TODAY)
    args.update(kw)
    return schedule_object(s, **args)


def assert_valid_schedule(obj: dict[str, Any]) -> None:
    assert not hsds_schemas.errors(hsds_schemas.ref("schedule.json"), obj)


# --- schedules ---------------------------------------------------------------------------------


def test_weekly_schedule_maps_to_weekly_rrule_fields():
    out = schedule(spec(weekdays=(1, 3)))
    assert (out["freq"], out["interval"], out["byday"], out["wkst"]) == ("WEEKLY", 1, "TU,TH", "MO")
    assert out["dtstart"] == "2026-01-06"  # the first meeting (a Tuesday)
    assert out["valid_from"] == "2026-01-06"
    assert "until" not in out and "count" not in out and "valid_to" not in out
    assert (out["opens_at"], out["closes_at"]) == ("19:00+00:00", "20:30+00:00")
    assert out["timezone"] == 0
    assert out["description"] == "Every Tuesday and Thursday, 7:00–8:30 pm"
    assert out["attending_type"] == "In person"
    assert_valid_schedule(out)


def test_fortnightly_schedule_has_interval_two_and_its_first_meeting_as_dtstart():
    # first_date is a Monday; the first real meeting is Tuesday 6 January and the interval counts
    # from there, so dtstart must say it (HSDS: "necessary when using the interval feature").
    out = schedule(spec(weekdays=(1,), interval=2, first_date=dt.date(2026, 1, 5)))
    assert (out["freq"], out["interval"], out["byday"]) == ("WEEKLY", 2, "TU")
    assert out["dtstart"] == "2026-01-06"
    assert out["description"] == "Every other Tuesday, 7:00–8:30 pm"
    assert_valid_schedule(out)


def test_second_tuesday_of_the_month_is_monthly_byday_2tu():
    out = schedule(spec(kind=Frequency.monthly_weekday, weekdays=(1,), positions=(2,),
                        first_date=dt.date(2026, 1, 1)))
    assert (out["freq"], out["interval"], out["byday"]) == ("MONTHLY", 1, "2TU")
    assert out["dtstart"] == "2026-01-13"  # the 2nd Tuesday of January 2026
    assert "bymonthday" not in out
    assert out["description"] == "2nd Tuesday of the month, 7:00–8:30 pm"
    assert_valid_schedule(out)


def test_first_and_third_saturday_and_last_friday():
    out = schedule(spec(kind=Frequency.monthly_weekday, weekdays=(5,), positions=(1, 3)))
    assert out["byday"] == "1SA,3SA"
    out = schedule(spec(kind=Frequency.monthly_weekday, weekdays=(4,), positions=(-1,)))
    assert out["byday"] == "-1FR"


def test_monthly_on_a_date_uses_bymonthday():
    out = schedule(spec(kind=Frequency.monthly_date, weekdays=(), month_day=-1, interval=3))
    assert (out["freq"], out["interval"], out["bymonthday"]) == ("MONTHLY", 3, "-1")
    assert "byday" not in out
    assert_valid_schedule(out)


def test_one_off_is_a_weekly_rule_with_count_one_on_its_date():
    out = schedule(spec(kind=Frequency.once, weekdays=(), first_date=dt.date(2026, 12, 10)))
    assert (out["freq"], out["count"], out["byday"]) == ("WEEKLY", 1, "TH")
    assert out["dtstart"] == out["valid_from"] == out["valid_to"] == "2026-12-10"
    assert "until" not in out
    assert out["description"] == "Once, Thursday 10 December 2026, 7:00–8:30 pm"
    assert_valid_schedule(out)


def test_last_date_gives_until_the_last_meeting_and_valid_to():
    out = schedule(spec(weekdays=(1,), last_date=dt.date(2026, 12, 31)))  # a Thursday
    assert out["until"] == "2026-12-29"  # the last Tuesday on or before it
    assert out["valid_to"] == "2026-12-31"


def test_offset_is_the_next_meetings_and_the_zone_is_an_attribute():
    # In March, before the clocks go forward on the 29th: the next meeting is still in GMT...
    winter = schedule(spec(weekdays=(1,)), today=dt.date(2026, 3, 20))
    assert (winter["timezone"], winter["opens_at"]) == (0, "19:00+00:00")
    # ...and after it, in BST.
    summer = schedule(spec(weekdays=(1,)), today=dt.date(2026, 3, 30))
    assert (summer["timezone"], summer["opens_at"], summer["closes_at"]) == (1, "19:00+01:00", "20:30+01:00")
    for out in (winter, summer):
        zone = [a for a in out["attributes"] if a["link_type"] == "timezone"]
        assert zone[0]["value"] == zone[0]["taxonomy_term"]["code"] == "Europe/London"
        assert "Europe/London" in out["notes"]
        assert_valid_schedule(out)
    # A half-hour zone gives a fractional number of hours.
    india = schedule(spec(timezone="Asia/Kolkata"))
    assert (india["timezone"], india["opens_at"]) == (5.5, "19:00+05:30")
    # West of Greenwich, negative.
    ny = schedule(spec(timezone="America/New_York"))
    assert (ny["timezone"], ny["opens_at"]) == (-5, "19:00-05:00")


def test_a_meeting_past_midnight_closes_the_next_day_with_its_offset():
    out = schedule(spec(start_time=dt.time(23), duration_minutes=90))
    assert (out["opens_at"], out["closes_at"]) == ("23:00+00:00", "00:30+00:00")


def test_pause_moves_valid_from_and_is_in_the_notes():
    out = schedule(spec(paused_until=dt.date(2026, 12, 15)))
    assert out["valid_from"] == "2026-12-15"
    assert out["dtstart"] == "2026-01-06"  # the series itself does not change
    assert "Not meeting until Tuesday 15 December" in out["notes"]
    assert out["opens_at"] == "19:00+00:00"


def test_upcoming_cancellations_and_moves_are_in_the_notes_in_words():
    exceptions = (
        MeetingException(original_start=dt.datetime(2026, 12, 1, 19), status="cancelled", note="Hall closed"),
        MeetingException(original_start=dt.datetime(2026, 12, 8, 19), status="moved",
                         new_start=dt.datetime(2026, 12, 9, 18, 30)),
    )
    out = schedule(spec(), exceptions=exceptions)
    assert "Cancelled on Tuesday 1 December: Hall closed." in out["notes"]
    assert "The meeting of Tuesday 8 December moves to Wednesday 9 December at 6:30 pm." in out["notes"]
    assert "Hall closed" not in out["description"]  # the description is the rule only


def test_ids_are_uuid5_in_our_namespace_and_stable():
    assert hsds_id("service", 42) == hsds_id("service", 42) == str(uuid.uuid5(NAMESPACE, "service/42"))
    assert uuid.UUID(hsds_id("service", 42)).version == 5
    assert hsds_id("service", 42) != hsds_id("organization", 42) != hsds_id("service", 43)


# --- whole groups -------------------------------------------------------------------------------


def vocab(slug: str, name: str, **kw: Any) -> SimpleNamespace:
    return SimpleNamespace(slug=slug, name=name, **kw)


class FakeSchedule(SimpleNamespace):
    def spec(self, zone: str) -> RecurrenceSpec:
        return spec(timezone=zone, **self.values)

    def exceptions(self) -> tuple[Any, ...]:
        return ()


def make(gid: int, *, private: bool = False, sensitive: bool = False, organisation: Any = None,
         schedules: list[dict[str, Any]] | None = None, **kw: Any) -> SimpleNamespace:
    venue = SimpleNamespace(
        id=gid * 10, name=f"Secret Hall {gid}", address=f"{gid} Hidden Lane", postcode="M1 1AE",
        town="Manchester", country="GB", latitude=53.47712, longitude=-2.23461,
        timezone="Europe/London", is_private=private, access_features=[vocab("step-free", "Step-free")],
        updated_at=STAMP, region="GB-MAN")
    group = SimpleNamespace(
        id=gid, name=f"Group {gid}", slug=f"group-{gid}", description="About us.",
        what_to_expect="Tea.", cost="Free", contact_email=f"g{gid}@example.org",
        website=None, is_sensitive=sensitive, venue=venue, organisation=organisation,
        area_name=None, public_cell=None, public_lat=None, public_lng=None,
        conditions=[vocab("anxiety", "Anxiety", description="Worry.")],
        audiences=[vocab("women", "Women", description="")], languages=[vocab("en-GB", "English")],
        access_features=[], facilitators=[
            SimpleNamespace(id=1, name="Pat", email="pat@example.org", phone="0161 496 0000",
                            show_email=False, show_phone=True)],
        schedules=[FakeSchedule(id=gid * 100 + i, values=v, updated_at=STAMP, cancellations=[], changes=[])
                   for i, v in enumerate(schedules if schedules is not None else [{}])],
        updated_at=STAMP, confirmed_at=STAMP, published_at=STAMP, out_of_date_since=None)
    group.__dict__.update(kw)
    point = privacy.compute_public_point(is_sensitive=sensitive, venue=venue)
    group.public_lat, group.public_lng, group.public_cell = point.latitude, point.longitude, point.cell
    group.area_name = point.area_name if point.cell else None
    return group


CTX = HsdsContext(today=TODAY, group_url=lambda g: f"https://example.test/groups/{g.id}/{g.slug}",
                  vocabulary_url=lambda kind: f"https://example.test/api/v1/{kind}")


def test_a_private_place_is_an_area_without_any_address():
    group = make(1, private=True)
    data = build_dataset([group], CTX)
    text = json.dumps([r.full for r in data.services + data.locations + data.service_at_locations])
    for secret in ("Secret Hall", "Hidden Lane", "M1 1AE", "M11AE", "53.47712", "-2.23461"):
        assert secret not in text, secret
    (location,) = [r.full for r in data.locations]
    assert "addresses" not in location
    assert location["name"] == "Manchester (M1)"
    assert (location["latitude"], location["longitude"]) == (group.public_lat, group.public_lng)
    assert location["id"] == hsds_id("location/group", 1)  # its own, never the venue's
    assert "Approximate area" in location["description"]


def test_a_public_venue_is_one_location_with_its_address_shared_by_its_groups():
    a, b = make(1), make(2)
    b.venue = a.venue
    data = build_dataset([a, b], CTX)
    (location,) = [r.full for r in data.locations]
    (address,) = location["addresses"]
    assert (address["address_1"], address["city"], address["postal_code"], address["country"],
            address["state_province"]) == ("1 Hidden Lane", "Manchester", "M1 1AE", "GB", "MAN")
    assert location["name"] == "Secret Hall 1"
    assert {r.full["location_id"] for r in data.service_at_locations} == {location["id"]}


def test_a_group_without_an_organisation_gets_a_stand_in_of_its_own():
    org = SimpleNamespace(id=7, name="Mind in Salford", description="", website="https://example.org",
                          updated_at=STAMP)
    data = build_dataset([make(1), make(2, organisation=org), make(3, organisation=org)], CTX)
    orgs = {r.id: r.full for r in data.organizations}
    assert set(orgs) == {hsds_id("organization/group", 1), hsds_id("organization", 7)}
    stand_in = orgs[hsds_id("organization/group", 1)]
    assert stand_in["name"] == "Group 1" and "stand-in" in stand_in["description"]
    real = orgs[hsds_id("organization", 7)]
    assert real["description"] == "Mind in Salford"  # required by HSDS: the name when empty
    assert [s["name"] for s in real["services"]] == ["Group 2", "Group 3"]


def test_service_fields_contacts_and_status():
    group = make(1, schedules=[{"paused_until": dt.date(2026, 12, 15)}],
                 out_of_date_since=STAMP)
    (service,) = [r.full for r in build_dataset([group], CTX).services]
    assert service["status"] == "temporarily closed"
    assert "Every Tuesday, 7:00–8:30 pm: not meeting until Tuesday 15 December." in service["alert"]
    assert "may be out of date" in service["alert"]
    assert service["email"] == "g1@example.org"
    (contact,) = service["contacts"]
    assert "email" not in contact  # Pat did not opt in to show it
    assert contact["phones"][0]["number"] == "0161 496 0000"
    assert service["cost_options"][0] == {"id": hsds_id("cost", 1), "service_id": service["id"],
                                          "option": "Free", "amount": 0, "currency": "GBP"}
    assert service["languages"][0]["code"] == "en"
    kinds = sorted(a["link_type"] for a in service["attributes"])
    assert kinds == ["access", "audience", "condition"]
    ended = make(2, schedules=[{"last_date": dt.date(2026, 6, 30)}])
    (service,) = [r.full for r in build_dataset([ended], CTX).services]
    assert service["status"] == "inactive" and "schedules" not in service


@pytest.mark.parametrize("private", [False, True])
def test_every_object_validates_against_the_official_schemas(private):
    group = make(1, private=private, schedules=[
        {}, {"interval": 2}, {"kind": Frequency.monthly_weekday, "positions": (2,)},
        {"kind": Frequency.once, "weekdays": (), "first_date": dt.date(2026, 12, 10)}])
    data = build_dataset([group], CTX)
    for name in hsds_schemas.FULL_SCHEMAS:
        records = getattr(data, name)
        assert records, name
        for r in records:
            assert not hsds_schemas.errors(hsds_schemas.full_schema(name), r.full), name
            assert not hsds_schemas.errors(hsds_schemas.ref(hsds_schemas.ITEM_SCHEMAS[name]), r.item), name


def test_the_schema_check_can_fail():
    bad = {"id": "not-a-uuid", "name": "x", "status": "open"}
    found = hsds_schemas.errors(hsds_schemas.ref("service.json"), bad)
    assert any("status" in e for e in found) and any("uuid" in e for e in found)
    assert hsds_schemas.errors(hsds_schemas.ref("location.json"), {"id": hsds_id("x", 1)})  # no type
