"""``GET /api/meeting-guide.json`` and ``groupfinder export meeting-guide``: every published
group in the Meeting Guide JSON format (docs/landscape.md §1), through the privacy rule
(docs/security-privacy.md §2.4), on both backends.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.models import Audience, Condition, Group, Language, ListingStatus
from groupfinder.groups.queries import load_groups
from groupfinder.interop import export_views
from groupfinder.interop.meeting_guide import (
    ENTRY_SCHEMA,
    condition_code,
    custom_types,
    export_meeting_guide,
    meeting_guide_json,
)
from groupfinder.schedules.models import Cancellation
from groupfinder.schedules.recurrence import Frequency
from groupfinder.schedules.words import describe
from groupfinder.venues.models import AccessFeature
from tests.conftest import DEMO_TODAY
from tests.factories import make_group, make_schedule, make_venue

URL = "/api/meeting-guide.json"
JSON_TYPE = "application/json; charset=utf-8"
GROUP_URL = re.compile(r"^https://groups\.example\.test/groups/(\d+)/")

# --- the spec, written down independently of the code (docs/landscape.md §1.2 and §1.3) ------------

SPEC_TYPE_CODES = set(
    "11 12x12 A ABSI AF AL AL-AN AM AR ASL B BA BE BG BI BRK C CAN CF D DA DB DD DE DR EL EN FA "
    "FI FF FR G GR H HE HI HR HU IS ITA JA KA KOR L LGBTQ LIT LS LT M MED ML MT N NB NDG NE NL "
    "NO O OUT P POA POC POL POR PUN RUS S SEN SK SL SM SP ST SV T TC TH TL TR TUR UK W X XB XT Y"
    .split())
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_text = {"type": "string"}
_url = {"type": "string", "pattern": r"^(https?://|mailto:)\S+$"}
_day = {"type": "integer", "minimum": 0, "maximum": 6}
SPEC_FIELDS: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "maxLength": 255},
    "slug": {"anyOf": [{"type": "string", "pattern": r"^[A-Za-z0-9_.~-]{1,64}$"},
                       {"type": "integer"}]},
    "day": {"anyOf": [_day, {"type": "array", "items": _day, "minItems": 1}]},
    "time": {"type": "string", "pattern": HHMM},
    "end_time": {"type": "string", "pattern": HHMM},
    "timezone": {"type": "string", "pattern": r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+)+$|^UTC$"},
    **{k: _text for k in ("formatted_address", "address", "city", "state", "postal_code",
                          "country", "region", "sub_region", "conference_url_notes",
                          "conference_phone", "conference_phone_notes", "notes", "location",
                          "location_notes", "group", "group_notes", "venmo", "square", "paypal",
                          "homegroup_online", "entity", "entity_email", "entity_location",
                          "entity_phone")},
    **{f"contact_{n}_{k}": _text for n in (1, 2, 3) for k in ("name", "email", "phone")},
    "regions": {"type": "array", "items": _text},
    "conference_url": _url, "url": _url, "edit_url": _url, "feedback_url": _url,
    "entity_logo": _url, "entity_website_url": _url,
    "feedback_emails": {"type": "array", "items": _text},
    "entity_feedback_emails": {"type": "array", "items": _text},
    # Reserved codes, or custom ones (allowed if they avoid reserved, proposed and ISO 639 codes).
    "types": {"type": "array", "uniqueItems": True, "items": {"anyOf": [
        {"enum": sorted(SPEC_TYPE_CODES)}, {"type": "string", "pattern": r"^C-[A-Z0-9-]+$"}]}},
    "latitude": {"type": "number", "minimum": -90, "maximum": 90},
    "longitude": {"type": "number", "minimum": -180, "maximum": 180},
    "approximate": {"enum": ["yes", "no"]},
    "updated": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"},
}
SPEC_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "slug"],
        "properties": SPEC_FIELDS,
        "additionalProperties": False,
        # "Required unless by appointment": a day needs a time and a time a day.
        "dependentRequired": {"day": ["time"], "time": ["day"], "end_time": ["time"]},
    },
}


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setattr(export_views, "_today", lambda: DEMO_TODAY)
    return DEMO_TODAY


@pytest.fixture
def mg_demo(demo_client: Any, fixed_today: dt.date) -> dict[str, Any]:
    response = demo_client.get(URL)
    assert response.status_code == 200, response.data[:500]
    return {"client": demo_client, "response": response, "body": response.data,
            "doc": json.loads(response.data)}


@pytest.fixture
def mg_client(client: Any, fixed_today: dt.date) -> Any:
    return client


def by_group(doc: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for entry in doc:
        m = GROUP_URL.match(entry["url"])
        assert m, entry["url"]
        out[int(m.group(1))].append(entry)
    return out


def published_groups() -> dict[int, Group]:
    ids = db.session.scalars(sa.select(Group.id).where(Group.status == ListingStatus.published))
    return load_groups(list(ids))


def ended(schedule: Any, today: dt.date) -> bool:
    last = schedule.first_date if Frequency(schedule.kind) is Frequency.once else schedule.last_date
    return last is not None and last < today


def number_forms(value: float) -> list[str]:
    """How a 5-decimal coordinate could appear in the JSON text."""
    return list(dict.fromkeys([json.dumps(round(value, 5)), f"{value:.5f}"]))


# --- HTTP --------------------------------------------------------------------------------------


def test_document_is_json_cors_and_cacheable(backend, mg_demo):
    response = mg_demo["response"]
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=900"
    etag = response.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert isinstance(mg_demo["doc"], list) and mg_demo["doc"]


def test_two_gets_give_the_same_bytes_and_a_304(backend, mg_demo):
    client, first = mg_demo["client"], mg_demo["response"]
    second = client.get(URL)
    assert second.status_code == 200
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    etag = first.headers["ETag"]
    for header in (etag, "W/" + etag, f'"nope", {etag}'):
        not_modified = client.get(URL, headers={"If-None-Match": header})
        assert not_modified.status_code == 304, header
        assert not_modified.data == b""
        assert not_modified.headers["ETag"] == etag
        assert not_modified.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(URL, headers={"If-None-Match": '"other"'}).status_code == 200
    head = client.head(URL)
    assert head.status_code == 200 and head.headers["ETag"] == etag


def test_the_feed_takes_no_parameters(backend, mg_demo):
    """The spec: "your script should not accept any parameters"; a query changes nothing."""
    other = mg_demo["client"].get(URL + "?status=draft&include=all")
    assert other.status_code == 200 and other.data == mg_demo["body"]


def test_etag_and_document_change_with_the_data(backend, app, mg_client):
    group = make_group(name="Before Rename Circle")
    db.session.commit()
    first = mg_client.get(URL)
    assert "Before Rename Circle" in first.get_data(as_text=True)
    group.name = "After Rename Circle"
    db.session.commit()
    second = mg_client.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]
    text = second.get_data(as_text=True)
    assert "After Rename Circle" in text and "Before Rename Circle" not in text


def test_a_new_day_is_a_new_version(backend, app, mg_client, monkeypatch):
    """Notes look ahead from today (cancellations, pauses): the ETag changes with the date."""
    group = make_group(schedules=[make_schedule(paused_until=DEMO_TODAY + dt.timedelta(days=1))])
    db.session.commit()
    first = mg_client.get(URL)
    assert "Not meeting until" in first.get_data(as_text=True)
    monkeypatch.setattr(export_views, "_today", lambda: DEMO_TODAY + dt.timedelta(days=1))
    second = mg_client.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    (entry,) = by_group(second.get_json())[group.id]
    assert "Not meeting until" not in entry.get("notes", "") and "TC" not in entry.get("types", [])


# --- coverage of the demo listings --------------------------------------------------------------


def test_every_published_demo_group_appears(backend, mg_demo):
    doc = mg_demo["doc"]
    groups = published_groups()
    assert len(groups) >= 650
    entries = by_group(doc)
    assert set(entries) == set(groups)
    slugs = [e["slug"] for e in doc]
    assert len(slugs) == len(set(slugs)), "slugs must be unique in the data set"
    clock = mg_demo["client"].application.config["CLOCK"]
    two_day = 0
    for gid, group in groups.items():
        zone = group.venue.timezone
        expected: set[str] = set()
        for s in group.schedules:
            if ended(s, DEMO_TODAY):
                continue
            spec = s.spec(zone)
            if spec.kind is Frequency.weekly:  # every week or every N weeks: one entry a weekday
                mine = [e for e in entries[gid] if e["slug"].startswith(f"{gid}-{s.id}-")]
                # One entry per weekday: 0 = Sunday in the spec, 0 = Monday in ours.
                assert sorted(e["day"] for e in mine) == sorted((d + 1) % 7 for d in spec.weekdays)
                for e in mine:
                    assert e["time"] == spec.start_time.strftime("%H:%M")
                    end = (dt.datetime.combine(DEMO_TODAY, spec.start_time)
                           + dt.timedelta(minutes=spec.duration_minutes)).strftime("%H:%M")
                    assert e["end_time"] == end
                    assert e["timezone"] == zone
                    if spec.interval > 1:  # the notes open with what the day cannot say
                        assert e["notes"].startswith(describe(spec, clock=clock) + ". Not every week")
                if len(spec.weekdays) == 2:
                    two_day += 1
                    assert len(mine) == 2 and mine[0]["slug"] != mine[1]["slug"]
                    assert mine[0]["day"] != mine[1]["day"]
                expected |= {e["slug"] for e in mine}
            else:
                # Monthly or once: listed without day/time, the schedule in words opening the notes.
                mine = [e for e in entries[gid] if e["slug"] == f"{gid}-{s.id}"]
                assert len(mine) == 1
                assert "day" not in mine[0] and "time" not in mine[0] and "end_time" not in mine[0]
                assert mine[0]["notes"].startswith(describe(spec, clock=clock) + ".")
                expected.add(mine[0]["slug"])
        if not expected:
            expected = {str(gid)}
        assert {e["slug"] for e in entries[gid]} == expected, group.name
        for e in entries[gid]:
            assert e["name"] == group.name and e["group"] == group.name
            assert e["url"].endswith(f"/groups/{gid}/{group.slug}")
    assert two_day >= 10, "the demo's two-day weekly groups were checked"


def test_a_sunday_is_day_0_and_a_saturday_day_6(backend, mg_demo):
    groups = published_groups()
    days = {}
    for gid, entries in by_group(mg_demo["doc"]).items():
        for e in entries:
            if "day" in e:
                schedule_id = int(e["slug"].split("-")[1])
                schedule = next(s for s in groups[gid].schedules if s.id == schedule_id)
                weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(e["slug"].split("-")[2])
                assert weekday in schedule.spec("UTC").weekdays
                days[weekday] = e["day"]
    assert days == {0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 0}


def test_entries_validate_against_the_spec(backend, mg_demo):
    doc = mg_demo["doc"]
    jsonschema.Draft202012Validator.check_schema(SPEC_SCHEMA)
    errors = sorted(jsonschema.Draft202012Validator(SPEC_SCHEMA).iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    entry_validator = jsonschema.Draft202012Validator(ENTRY_SCHEMA)
    for entry in doc:
        entry_validator.validate(entry)
        ZoneInfo(entry["timezone"])
        for key in ("latitude", "longitude"):
            assert round(entry[key], 5) == entry[key]
        assert "conference_url" not in entry and "conference_phone" not in entry
    # Every kind of entry is there: weekly days, schedules without a day, approximate ones.
    assert any("day" in e for e in doc) and any("day" not in e for e in doc)
    assert {e["approximate"] for e in doc} == {"yes", "no"}
    used = {t for e in doc for t in e.get("types", [])}
    assert {"W", "M", "LGBTQ", "Y", "X", "EN", "S"} <= used
    assert {"C-ANXIETY", "C-DEPRESSION"} <= used


def test_cancellations_and_pauses_are_in_the_notes(backend, mg_demo):
    notes = [e.get("notes", "") for e in mg_demo["doc"]]
    assert any(n.startswith("Cancelled on ") or "\n\nCancelled on " in n for n in notes)
    assert any(" moves to " in n for n in notes)
    paused = [e for e in mg_demo["doc"] if "Not meeting until " in e.get("notes", "")]
    assert paused and all("TC" in e["types"] for e in paused)


# --- privacy ------------------------------------------------------------------------------------


def test_sensitive_groups_show_only_their_area(backend, mg_demo):
    body = mg_demo["body"].decode("utf-8")
    doc = mg_demo["doc"]
    entries = by_group(doc)
    groups = published_groups()
    sensitive = [g for g in groups.values() if g.is_sensitive]
    assert len(sensitive) >= 8
    ordinary = [g for g in groups.values() if not g.is_sensitive]
    # What ordinary groups rightly publish (venues may be shared, names and streets repeat).
    public_text = set()
    for g in ordinary:
        v = g.venue
        public_text |= {v.name, v.address, v.postcode, v.postcode.replace(" ", ""),
                        *number_forms(v.latitude), *number_forms(v.longitude)}
    exact_points = {(round(g.venue.latitude, 5), round(g.venue.longitude, 5)): g.venue_id
                    for g in sensitive}
    ordinary_venues = {g.venue_id for g in ordinary}
    checked_everywhere: list[str] = []
    for g in sensitive:
        v = g.venue
        street = re.sub(r"\b\d+[a-z]?\b", "", v.address, flags=re.I).strip(" ,")
        secrets = [v.name, v.address, street, *number_forms(v.latitude), *number_forms(v.longitude)]
        if v.country == "GB":
            secrets += [v.postcode, v.postcode.replace(" ", "")]
        mine = entries[g.id]
        assert mine
        for e in mine:
            assert e["approximate"] == "yes"
            assert e["location"] == g.area_name
            # "Area, City, ST, USA": the area first, never the street or the ZIP/postcode.
            assert e["formatted_address"].startswith(g.area_name)
            assert e["formatted_address"].endswith(", USA" if v.country == "US" else ", UK")
            assert v.postcode not in e["formatted_address"]
            assert (e["latitude"], e["longitude"]) == (g.public_lat, g.public_lng)
            assert "region" not in e
            assert "organizer shares the exact address" in e["location_notes"]
            text = json.dumps(e, ensure_ascii=False)
            for secret in secrets:
                assert secret not in text, (g.name, secret)
        # Anywhere in the document, unless an ordinary listing publishes the same text.
        for secret in secrets:
            if secret not in public_text and secret != street:
                assert secret not in body, (g.name, secret)
                checked_everywhere.append(secret)
        if g.venue_id not in ordinary_venues:  # control: an unshared venue is checked everywhere
            assert v.address in checked_everywhere and json.dumps(round(v.latitude, 5)) in checked_everywhere
    assert len(checked_everywhere) >= 10
    # No entry carries a sensitive venue's exact point, except ordinary groups at that venue.
    for e in doc:
        venue_id = exact_points.get((e["latitude"], e["longitude"]))
        if venue_id is not None:
            gid = int(GROUP_URL.match(e["url"]).group(1))
            assert not groups[gid].is_sensitive and groups[gid].venue_id == venue_id


def test_contacts_are_the_groups_own_never_a_facilitators(backend, mg_demo):
    body = mg_demo["body"].decode("utf-8")
    groups = published_groups()
    for gid, entries in by_group(mg_demo["doc"]).items():
        for e in entries:
            assert e.get("contact_1_email") == groups[gid].contact_email
            assert e.get("contact_1_name") == (groups[gid].name if groups[gid].contact_email else None)
            assert not any(k.startswith(("contact_2", "contact_3")) or k.endswith("_phone") for k in e)
    facilitator_emails = {f.email for f in db.session.scalars(sa.select(Facilitator)) if f.email}
    group_emails = {g.contact_email for g in groups.values()}
    leaked = [e for e in facilitator_emails - group_emails if e in body]
    assert not leaked


# --- the mapping, on hand-made listings ---------------------------------------------------------


def _vocab(model: type, slug: str) -> Any:
    return db.session.scalar(sa.select(model).where(model.slug == slug))


def test_unpublished_groups_are_left_out(backend, app, mg_client):
    shown = make_group(name="Zq Published Circle")
    hidden = {status: make_group(name=f"Zq Hidden {status.value}", status=status)
              for status in ListingStatus if status is not ListingStatus.published}
    db.session.commit()
    response = mg_client.get(URL)
    text = response.get_data(as_text=True)
    assert set(by_group(response.get_json())) == {shown.id}
    for group in hidden.values():
        assert group.name not in text and f"/groups/{group.id}/" not in text
        assert group.venue.name not in text


def test_mapping_of_one_ordinary_group(backend, app, mg_client):
    venue = make_venue(name="Zq Open Hall", address="12 Zqopen Street", postcode="M1 1AE",
                       town="Manchester", country="GB", latitude=53.47712, longitude=-2.23461,
                       access_features=[_vocab(AccessFeature, "step-free")])
    private = Facilitator(name="Pat Private", email="pat-private-zq@example.org", phone="0161 496 0001",
                          show_email=False, show_phone=False)
    weekly = make_schedule(weekdays="1,6", start_time=dt.time(19), duration_minutes=90,
                           first_date=dt.date(2026, 1, 6))
    weekly.cancellations.append(Cancellation(original_start=dt.datetime(2026, 12, 1, 19),
                                             reason="Hall closed"))
    monthly = make_schedule(kind=Frequency.monthly_weekday, weekdays="1", positions="1",
                            start_time=dt.time(10), duration_minutes=60,
                            paused_until=dt.date(2026, 12, 20))
    finished = make_schedule(weekdays="3", last_date=dt.date(2026, 6, 30))
    group = make_group(
        name="Zq Women's Circle", venue=venue, schedules=[weekly, monthly, finished],
        contact_email="circle-zq@example.org", what_to_expect="  Tea,\n  and   a chat.  ",
        audiences=[_vocab(Audience, "women")], languages=[_vocab(Language, "es")],
        access_features=[_vocab(AccessFeature, "childcare"), _vocab(AccessFeature, "sign-language")],
        facilitators=[private])
    db.session.commit()
    doc = mg_client.get(URL).get_json()
    entries = {e["slug"]: e for e in doc}
    gid, wid, mid = group.id, weekly.id, monthly.id
    assert set(entries) == {f"{gid}-{wid}-tue", f"{gid}-{wid}-sun", f"{gid}-{mid}"}
    tue, sun, month = entries[f"{gid}-{wid}-tue"], entries[f"{gid}-{wid}-sun"], entries[f"{gid}-{mid}"]
    assert (tue["day"], tue["time"], tue["end_time"]) == (2, "19:00", "20:30")
    assert (sun["day"], sun["time"], sun["end_time"]) == (0, "19:00", "20:30")
    for e in (tue, sun, month):
        assert e["name"] == e["group"] == "Zq Women's Circle"
        assert e["timezone"] == "Europe/London"
        assert e["location"] == "Zq Open Hall"
        assert e["formatted_address"] == "12 Zqopen Street, Manchester M1 1AE, UK"
        assert e["region"] == "Manchester"
        assert (e["latitude"], e["longitude"], e["approximate"]) == (53.47712, -2.23461, "no")
        assert e["contact_1_email"] == "circle-zq@example.org"
        assert e["contact_1_name"] == "Zq Women's Circle"
        assert e["url"] == f"https://groups.example.test/groups/{gid}/{group.slug}"
        assert e["feedback_url"] == f"https://groups.example.test/groups/{gid}/report"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", e["updated"])
        assert "location_notes" not in e
    # women → W, Spanish → S, step-free → X, childcare → CF; BSL at a GB venue has no code.
    assert tue["types"] == sun["types"] == ["CF", "S", "W", "X"]
    assert month["types"] == ["CF", "S", "TC", "W", "X"]  # paused: temporarily closed
    assert tue["notes"] == "Cancelled on Tuesday 1 December: Hall closed.\n\nTea, and a chat."
    assert sun["notes"] == "Tea, and a chat."
    assert "day" not in month and "time" not in month
    assert month["notes"] == ("1st Tuesday of the month, 10:00–11:00 am.\n\n"
                              "Not meeting until Sunday 20 December.\n\nTea, and a chat.")
    text = json.dumps(doc)
    assert "pat-private-zq" not in text and "Pat Private" not in text and "0161 496 0001" not in text


def test_sign_language_is_asl_at_us_venues(backend, app, mg_client):
    venue = make_venue(name="Zq US Hall", address="5 Zq Avenue", postcode="10001", town="New York",
                       country="US", region="US-NY", latitude=40.75, longitude=-73.99,
                       timezone="America/New_York")
    group = make_group(venue=venue, access_features=[_vocab(AccessFeature, "sign-language")],
                       languages=[_vocab(Language, "en")])
    db.session.commit()
    (entry,) = by_group(mg_client.get(URL).get_json())[group.id]
    assert entry["types"] == ["ASL", "EN"]
    assert entry["formatted_address"] == "5 Zq Avenue, New York, NY 10001, USA"
    assert (entry["state"], entry["region"]) == ("NY", "New York")


def test_a_private_us_place_is_area_city_state_country(backend, app, mg_client):
    venue = make_venue(name="Zq Quiet Rooms", address="2841 Zqwalnut Street", postcode="30303",
                       town="Atlanta", country="US", region="US-GA", latitude=33.7525,
                       longitude=-84.3915, timezone="America/New_York")
    group = make_group(name="Zq Riverside Circle", venue=venue, is_sensitive=True,
                       area_name="Riverside", schedules=[make_schedule(weekdays="3")])
    db.session.commit()
    (entry,) = by_group(mg_client.get(URL).get_json())[group.id]
    assert entry["formatted_address"] == "Riverside, Atlanta, GA, USA"
    assert (entry["location"], entry["state"], entry["approximate"]) == ("Riverside", "GA", "yes")
    assert "region" not in entry and "30303" not in json.dumps(entry)


def test_a_group_without_a_current_schedule_is_still_listed(backend, app, mg_client):
    group = make_group(name="Zq Resting Group", schedules=[
        make_schedule(weekdays="2", last_date=dt.date(2026, 3, 25)),
        make_schedule(kind=Frequency.once, weekdays="", first_date=dt.date(2026, 5, 1))])
    db.session.commit()
    (entry,) = by_group(mg_client.get(URL).get_json())[group.id]
    assert entry["slug"] == str(group.id)
    assert "day" not in entry and "time" not in entry
    assert entry["notes"].startswith("No meetings are scheduled at the moment.")


def test_sensitive_group_entry(backend, app, mg_client):
    venue = make_venue(name="Zq Secret Rooms", address="77 Zqhidden Road", postcode="LS9 8ZQ",
                       town="Leeds", latitude=53.79104, longitude=-1.52386)
    group = make_group(name="Zq Survivors", venue=venue, is_sensitive=True, area_name="Leeds (LS9)",
                       schedules=[make_schedule(weekdays="3")])
    db.session.commit()
    response = mg_client.get(URL)
    (entry,) = by_group(response.get_json())[group.id]
    assert entry["approximate"] == "yes"
    assert entry["location"] == "Leeds (LS9)"
    assert entry["formatted_address"] == "Leeds (LS9), UK"  # the area names the town already
    assert "state" not in entry
    assert (entry["latitude"], entry["longitude"]) == (group.public_lat, group.public_lng)
    assert (entry["latitude"], entry["longitude"]) != (53.79104, -1.52386)
    assert "region" not in entry
    text = response.get_data(as_text=True)
    for secret in ("Zq Secret Rooms", "Zqhidden", "LS9 8ZQ", "LS98ZQ", "53.791", "-1.5238", "1.5239"):
        assert secret not in text, secret


# --- the function and the command ---------------------------------------------------------------


def test_export_function_gives_the_served_document(backend, mg_demo):
    # No request context here (the CLI's case): links still come from BASE_URL.
    assert meeting_guide_json(export_meeting_guide(today=DEMO_TODAY)) == mg_demo["body"]


def test_export_command_writes_the_document(backend, demo_app, tmp_path):
    runner = demo_app.test_cli_runner()
    target = tmp_path / "meeting-guide.json"
    result = runner.invoke(args=["export", "meeting-guide", "--output", str(target)])
    assert result.exit_code == 0, result.output
    expected = meeting_guide_json(export_meeting_guide())
    assert target.read_bytes() == expected
    groups = len(published_groups())
    assert f"meetings of {groups} groups written to {target}" in result.output
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    printed = runner.invoke(args=["export", "meeting-guide"])
    assert printed.exit_code == 0
    assert json.loads(printed.output) == json.loads(expected)


# --- the spec's rules, one test each, over the whole demo (code4recovery/spec README) ------------


def test_rule_every_entry_has_slug_name_url_and_updated(backend, mg_demo):
    for e in mg_demo["doc"]:
        assert e["slug"] and e["name"] and e["url"].startswith("https://")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", e["updated"])
        assert len(e["slug"]) <= 64 and re.fullmatch(r"[a-z0-9-]+", e["slug"])


def test_rule_day_is_0_to_6_or_absent_and_comes_with_a_time(backend, mg_demo):
    for e in mg_demo["doc"]:
        if "day" in e:
            assert isinstance(e["day"], int) and 0 <= e["day"] <= 6
            assert re.fullmatch(HHMM, e["time"]) and re.fullmatch(HHMM, e["end_time"])
        else:  # "by appointment": no time either, and the notes say when it meets
            assert "time" not in e and "end_time" not in e and e["notes"]


def test_rule_approximate_entries_carry_no_street_address(backend, mg_demo):
    groups = published_groups()
    approximate = [e for e in mg_demo["doc"] if e["approximate"] == "yes"]
    assert approximate
    for e in approximate:
        group = groups[int(GROUP_URL.match(e["url"]).group(1))]
        assert e["location"] == group.area_name
        assert e["formatted_address"].startswith(group.area_name)
        if group.venue.country == "US":  # "Area, City, ST, USA": no street, no ZIP
            assert re.fullmatch(r"[^\d]+, [A-Z]{2}, USA", e["formatted_address"]), e["formatted_address"]
        else:
            assert e["formatted_address"].endswith(", UK")
        assert group.venue.address not in json.dumps(e, ensure_ascii=False)
        assert group.venue.postcode not in e["formatted_address"]
        assert not re.match(r"\d", e["formatted_address"])
    for e in mg_demo["doc"]:
        assert e["approximate"] in ("yes", "no")


def test_rule_exact_addresses_are_the_standard_form_with_the_state(backend, mg_demo):
    """US: "2841 Walnut Street, Atlanta, GA 30303, USA" and ``state``; UK: "12 High Street,
    Salford M5 4WT, UK" (no nation in a UK address). Every US entry, exact or not, has its state."""
    groups = published_groups()
    exact = [e for e in mg_demo["doc"] if e["approximate"] == "no"]
    assert exact
    for e in mg_demo["doc"]:
        v = groups[int(GROUP_URL.match(e["url"]).group(1))].venue
        if v.country == "US":
            assert v.region.startswith("US-") and e["state"] == v.region[3:]
        else:
            assert "state" not in e
        if e["approximate"] == "no":
            expected = (f"{v.address}, {v.town}, {v.region[3:]} {v.postcode}, USA" if v.country == "US"
                        else f"{v.address}, {v.town} {v.postcode}, UK")
            assert e["formatted_address"] == expected


def test_rule_contact_1_email_comes_with_contact_1_name(backend, mg_demo):
    with_email = [e for e in mg_demo["doc"] if "contact_1_email" in e]
    assert with_email
    for e in mg_demo["doc"]:
        assert ("contact_1_email" in e) == ("contact_1_name" in e)
        assert not any(k.startswith("contact_") and k.endswith("_phone") for k in e)
    for e in with_email:
        assert e["contact_1_name"] == e["group"]  # the group, never a person's (last) name


def test_rule_custom_types_avoid_reserved_and_language_codes_and_are_declared(backend, mg_demo):
    declared = custom_types(db.session.scalars(sa.select(Condition)))
    used = {t for e in mg_demo["doc"] for t in e.get("types", []) if t not in SPEC_TYPE_CODES}
    assert used and used <= set(declared)
    for code in declared:
        assert code.startswith("C-") and code not in SPEC_TYPE_CODES
        assert not re.fullmatch(r"[A-Z]{2,3}", code)  # never an ISO 639 code
    # README.md declares every code, with its name, for a consumer's configuration.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for code, name in declared.items():
        assert f"`{code}` {name}" in readme, code
    # Each group's conditions, all of them, as types.
    groups = published_groups()
    for gid, entries in by_group(mg_demo["doc"]).items():
        expected = {condition_code(c.slug) for c in groups[gid].conditions}
        for e in entries:
            assert {t for t in e.get("types", []) if t.startswith("C-")} == expected


def test_rule_only_weekly_kinds_carry_a_day(backend, mg_demo):
    """Weekly and every-N-weeks schedules have a day; monthly and one-off ones never do."""
    groups = published_groups()
    kinds: dict[str, set[bool]] = defaultdict(set)
    for gid, entries in by_group(mg_demo["doc"]).items():
        schedules = {s.id: s for s in groups[gid].schedules}
        for e in entries:
            parts = e["slug"].split("-")
            if len(parts) == 1:
                assert "day" not in e
                continue
            spec = schedules[int(parts[1])].spec(groups[gid].venue.timezone)
            kind = spec.kind.value if spec.kind is not Frequency.weekly else (
                "weekly" if spec.interval == 1 else "every-n-weeks")
            kinds[kind].add("day" in e)
    assert kinds["weekly"] == {True} and kinds["every-n-weeks"] == {True}
    others = {k: v for k, v in kinds.items() if k not in ("weekly", "every-n-weeks")}
    assert others and all(v == {False} for v in others.values()), kinds


# --- every other week, and conditions, on hand-made listings ------------------------------------


def test_every_other_week_is_a_weekday_entry_that_says_not_every_week(backend, app, mg_client):
    fortnightly = make_schedule(weekdays="1", interval=2, start_time=dt.time(19), duration_minutes=60,
                                first_date=dt.date(2026, 1, 6))
    group = make_group(name="Zq Fortnightly", schedules=[fortnightly])
    db.session.commit()
    (entry,) = by_group(mg_client.get(URL).get_json())[group.id]
    assert entry["slug"] == f"{group.id}-{fortnightly.id}-tue"
    assert (entry["day"], entry["time"], entry["end_time"]) == (2, "19:00", "20:00")
    assert entry["notes"].startswith("Every other Tuesday, 7:00–8:00 pm. Not every week: next on ")
    # The next two dates: Tuesdays an even number of weeks after the first date.
    found = re.search(r"next on Tuesday (\d+) (\w+) and Tuesday (\d+) (\w+)\.", entry["notes"])
    assert found, entry["notes"]
    dates = [dt.datetime.strptime(f"{found[i]} {found[i + 1]} {DEMO_TODAY.year}", "%d %B %Y").date()
             for i in (1, 3)]
    dates = [d if d >= DEMO_TODAY else d.replace(year=d.year + 1) for d in dates]
    assert DEMO_TODAY <= dates[0] < DEMO_TODAY + dt.timedelta(days=14)
    assert dates[1] - dates[0] == dt.timedelta(days=14)
    assert all((d - dt.date(2026, 1, 6)).days % 14 == 0 for d in dates)
    assert entry["notes"].endswith("\n\nTea.")


def test_conditions_are_custom_types(backend, app, mg_client):
    group = make_group(conditions=[db.session.scalar(sa.select(Condition).where(Condition.slug == s))
                                   for s in ("grief-and-loss", "anxiety")],
                       audiences=[_vocab(Audience, "women")])
    db.session.commit()
    (entry,) = by_group(mg_client.get(URL).get_json())[group.id]
    assert entry["types"] == ["W", "C-ANXIETY", "C-GRIEF-AND-LOSS"]
