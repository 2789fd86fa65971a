"""The OpenAPI 3.1 document of /api/v1 (kept in step with api/schemas.py by tests).

Hand-written on purpose: the document is the contract, and ``tests/web/test_openapi.py`` checks
it against real responses (every response object is ``additionalProperties: false``, so a field
added in ``api/schemas.py`` without being documented here fails the suite), and checks that every
route under /api/v1 appears in ``paths``.

Examples are fictional. Following the privacy rule, the example group is a sensitive one: its
location is approximate, with no venue name and no address.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app

from ..errors import PROBLEM_BASE
from ..groups.criteria import DAYS, MAX_LIMIT, MAX_RADIUS_KM, MIN_RADIUS_KM

API = "/api/v1"
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(name: str) -> dict[str, Any]:
    return {"anyOf": [_ref(name), {"type": "null"}]}


# --- schemas ----------------------------------------------------------------------------------

_LATITUDE = {"type": "number", "minimum": -90, "maximum": 90}
_LONGITUDE = {"type": "number", "minimum": -180, "maximum": 180}


def _object(description: str, properties: dict[str, Any], *, optional: tuple[str, ...] = (),
            **extra: Any) -> dict[str, Any]:
    """A closed object: every property required unless named in ``optional``."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
        **extra,
    }


def _group_properties() -> dict[str, Any]:
    """The fields of a search result; a group's detail has these and more."""
    return {
        "id": {"type": "integer", "minimum": 1, "description": "The group's stable id."},
        "name": {"type": "string"},
        "url": {"type": "string", "format": "uri", "description": "The group's HTML page."},
        "api_url": {"type": "string", "format": "uri",
                    "description": "This group in the API (`GET /api/v1/groups/{id}`)."},
        "calendar_url": {"type": "string", "format": "uri",
                         "description": "The group's meetings as an iCalendar feed (.ics)."},
        "organisation": {**_nullable("OrganisationRef"),
                         "description": "The organisation that runs the group, or null."},
        "source": {**_nullable("SourceRef"),
                   "description": "The feed the listing is kept from (a Meeting Guide source), "
                                  "or null when it is edited here."},
        "conditions": {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                       "description": "Condition slugs (see `/api/v1/conditions`)."},
        "audience": {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                     "description": "Audience slugs (see `/api/v1/audiences`)."},
        "languages": {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                      "description": "BCP 47 language tags (see `/api/v1/languages`)."},
        "access": {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                   "description": "Accessibility features of the group and its venue, sorted "
                                  "(see `/api/v1/access-features`)."},
        "distance_km": {"type": "number", "minimum": 0,
                        "description": "Distance from the search origin to the group's public "
                                       "point, rounded to 0.1 km."},
        "location": {**_nullable("Location"),
                     "description": "Where the group meets; null when no venue is set yet."},
        "timezone": {"type": ["string", "null"],
                     "description": "IANA time zone of the meetings, e.g. `Europe/London`; null "
                                    "when no venue is set yet."},
        "next_meeting": {**_nullable("Meeting"),
                         "description": "The next meeting (which may be cancelled), or null."},
        "schedules": {"type": "array", "items": {"type": "string"},
                      "description": "Each schedule in words, e.g. "
                                     "\"Every 2nd Tuesday, 7:00–8:30 pm\"."},
        "facilitators": {"type": "array", "items": _ref("Facilitator")},
        "cost": {"type": "string", "description": "What it costs, in the organizer's words "
                                                  "(\"Free\" unless they say otherwise)."},
        "details_confirmed_on": {"type": "string", "format": "date",
                                 "description": "When an organizer (or the listing's source) last "
                                                "confirmed these details (UTC date)."},
        "may_be_out_of_date": {"type": "boolean",
                               "description": "Nobody confirmed the listing after two reminders: "
                                              "check with the group before going."},
    }


def _organisation_properties() -> dict[str, Any]:
    return {
        "slug": {"type": "string", "description": "Its stable id in URLs and the `organisation` "
                                                  "search filter."},
        "name": {"type": "string"},
        "description": {"type": "string", "description": "In the organisation's words (may be "
                                                         "empty)."},
        "website": {"type": ["string", "null"], "description": "Its own website, if any."},
        "url": {"type": "string", "format": "uri", "description": "The organisation's HTML page."},
        "api_url": {"type": "string", "format": "uri",
                    "description": "This organisation in the API."},
        "calendar_url": {"type": "string", "format": "uri",
                         "description": "The meetings of all its published groups (.ics)."},
        "group_count": {"type": "integer", "minimum": 0,
                        "description": "How many of its groups are listed in search."},
    }


def _schemas() -> dict[str, Any]:
    group = _group_properties()
    detail = copy.deepcopy(group)
    detail["distance_km"] = {"type": "null",
                             "description": "Always null here: a group's detail has no origin."}
    detail.update({
        "description": {"type": "string"},
        "what_to_expect": {"type": "string",
                           "description": "What a first meeting is like, for someone new."},
        "contact_email": {"type": ["string", "null"], "format": "email",
                          "description": "The group's public contact address, if it has one."},
        "website": {"type": ["string", "null"], "description": "The group's website, if any."},
        "meetings": {"type": "array", "items": _ref("MeetingWithNote"), "maxItems": 10,
                     "description": "The next (up to) 10 meetings, earliest first, cancelled "
                                    "ones included and marked."},
    })
    meeting = {
        "starts_at": {"type": "string", "format": "date-time",
                      "description": "ISO 8601 with the local offset of the meeting's time zone."},
        "ends_at": {"type": "string", "format": "date-time",
                    "description": "ISO 8601 with the local offset of the meeting's time zone."},
        "status": {"type": "string", "enum": ["scheduled", "cancelled", "moved"]},
    }
    return {
        "Origin": _object(
            "Where the search is measured from. For `lat`/`lng` searches `label` names the "
            "nearest postcode sector, ZIP code or place.",
            {"label": {"type": "string"}, "latitude": _LATITUDE, "longitude": _LONGITUDE,
             "notice": {"type": ["string", "null"],
                        "description": "A message to show beside the results, e.g. when the "
                                       "online geocoder was down and the town was used instead."}},
            examples=[{"label": "M1 1, Manchester", "latitude": 53.4824, "longitude": -2.2352,
                       "notice": None}]),
        "Candidate": _object(
            "A place to choose; searching with `where` set to this `where` finds exactly it.",
            {"label": {"type": "string"}, "latitude": _LATITUDE, "longitude": _LONGITUDE,
             "where": {"type": "string", "description": "A `where` value that resolves to this "
                                                        "place alone (a label or coordinates)."}}),
        "Location": _object(
            "Where a group meets, as the public may see it. When `approximate` is true (groups "
            "whose members' privacy needs it, and every group meeting at the same place as one) "
            "`venue_name` and `address` are null and "
            "`latitude`/`longitude` are the centre of the small area (about 5 km²) the venue is "
            "in, never the venue; the organizer shares the exact place on contact. In every case "
            "`latitude`/`longitude` are the group's *public* point, the one distances and order "
            "are measured to.",
            {
                "approximate": {"type": "boolean"},
                "area": {"type": "string", "description": "A district or town, e.g. "
                                                          "\"Ancoats (M4)\"."},
                "venue_name": {"type": ["string", "null"],
                               "description": "Null when `approximate` is true."},
                "address": {"type": ["string", "null"],
                            "description": "One line with the town, a US state's code and the "
                                           "postcode or ZIP (\"2841 Walnut Street, Atlanta, GA "
                                           "30303\"); null when `approximate` is true."},
                "region": {"type": ["string", "null"], "pattern": "^[A-Z]{2}-[A-Z]{2,3}$",
                           "description": "The US state or UK nation, ISO 3166-2 (\"US-GA\", "
                                          "\"GB-SCT\"), given even when `approximate` is true; "
                                          "null when unknown."},
                "latitude": {**_LATITUDE, "description": "The public point (see above)."},
                "longitude": {**_LONGITUDE, "description": "The public point (see above)."},
            },
            **{"if": {"properties": {"approximate": {"const": True}}},
               "then": {"properties": {"venue_name": {"type": "null"},
                                       "address": {"type": "null"}}}}),
        "Meeting": _object("One meeting.", meeting),
        "MeetingWithNote": _object(
            "One meeting, with the organizer's note (why it was cancelled, where it moved to).",
            {**meeting, "note": {"type": ["string", "null"]}}),
        "Facilitator": _object(
            "A facilitator's public fields. `email` and `phone` are null unless the "
            "facilitator chose to show them.",
            {
                "id": {"type": "integer", "minimum": 1},
                "name": {"type": "string"},
                "bio": {"type": "string"},
                "email": {"type": ["string", "null"], "format": "email",
                          "description": "Null unless the facilitator opted in to show it."},
                "phone": {"type": ["string", "null"],
                          "description": "Null unless the facilitator opted in to show it."},
                "url": {"type": "string", "format": "uri",
                        "description": "The facilitator's HTML page."},
            }),
        "GroupSummary": _object("A group in search results.", group),
        "OrganisationRef": _object(
            "The organisation that runs a group.",
            {"slug": {"type": "string", "description": "Its id in URLs and the `organisation` "
                                                       "search filter."},
             "name": {"type": "string"},
             "url": {"type": "string", "format": "uri",
                     "description": "The organisation's HTML page."}}),
        "SourceRef": _object(
            "The feed (a Meeting Guide JSON source) a listing is kept from.",
            {"name": {"type": "string"},
             "refreshed_at": {"type": ["string", "null"], "format": "date-time",
                              "description": "When the listing was last refreshed from it."}}),
        "Organisation": _object(
            "An organisation that runs at least one published group (no other is public).",
            _organisation_properties()),
        "OrganisationGroup": _object(
            "One of an organisation's groups: a search result's fields, without a distance.",
            {**group, "distance_km": {"type": "null", "description": "Always null here."}}),
        "OrganisationDetail": _object(
            "An organisation with the groups it runs that are listed in search, by name.",
            {**_organisation_properties(),
             "groups": {"type": "array", "items": _ref("OrganisationGroup")}}),
        "OrganisationList": _object(
            "Organisations by slug, one page at a time.",
            {"items": {"type": "array", "items": _ref("Organisation"), "maxItems": MAX_LIMIT},
             "next": {"type": ["string", "null"], "format": "uri",
                      "description": "The next page, or null on the last page."}}),
        "GroupDetail": _object("One group: a search result's fields and more.", detail),
        "SearchResults": _object(
            "Groups nearest first (ties by id), one page at a time.",
            {
                "origin": _ref("Origin"),
                "radius_km": {"type": "number", "minimum": MIN_RADIUS_KM,
                              "maximum": MAX_RADIUS_KM, "description": "The radius searched."},
                "results": {"type": "array", "items": _ref("GroupSummary"), "maxItems": MAX_LIMIT},
                "next": {"type": ["string", "null"], "format": "uri",
                         "description": "The next page (same parameters plus `cursor`), or null "
                                        "on the last page."},
                "nearest_outside_radius_km": {
                    "type": "number", "minimum": 0,
                    "description": "Only when the first page is empty: how far the nearest "
                                   "matching group is (up to 200 km), so a person can widen "
                                   "the radius."},
                "did_you_mean": {
                    "type": "array", "items": _ref("Candidate"), "minItems": 1,
                    "description": "Only when `where` named several places and the largest was "
                                   "used: the others, to offer \"Did you mean …?\"."},
            },
            optional=("nearest_outside_radius_km", "did_you_mean")),
        "Problem": _object(
            "An error (RFC 9457 problem details) with a message per parameter in `errors`.",
            {
                "type": {"type": "string", "format": "uri",
                         "description": f"`{PROBLEM_BASE}<slug>`, e.g. `invalid-input`, "
                                        "`place-not-found`, `ambiguous-place`, "
                                        "`geocoding-unavailable`, `not-found`."},
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string", "description": "A message a person can act on."},
                "errors": {"type": "object",
                           "additionalProperties": {"type": "array", "items": {"type": "string"},
                                                    "minItems": 1},
                           "description": "Messages per parameter name; empty when the problem "
                                          "is not about one parameter."},
                "candidates": {"type": "array", "items": _ref("Candidate"),
                               "description": "`ambiguous-place` only: the places to choose "
                                              "from."},
                "suggestions": {"type": "array", "items": {"type": "string"},
                                "description": "`place-not-found` for a place name: similar "
                                               "names (may be empty)."},
                "request_id": {"type": "string",
                               "description": "Also in the `X-Request-Id` header; quote it "
                                              "when reporting a problem."},
            },
            optional=("candidates", "suggestions", "request_id")),
        "VocabularyItem": _object(
            "One entry of a controlled vocabulary. `description` is given for conditions and "
            "audiences; `scope` (whether a venue or a group holds it) for access features.",
            {
                "slug": {"type": "string", "description": "The value to filter by (a BCP 47 tag "
                                                          "for languages)."},
                "name": {"type": "string", "description": "A label for people."},
                "description": {"type": "string"},
                "scope": {"type": "string", "enum": ["venue", "group"]},
            },
            optional=("description", "scope")),
        "VocabularyList": _object(
            "A vocabulary, sorted by name.",
            {"items": {"type": "array", "items": _ref("VocabularyItem")}}),
    }


# --- examples ---------------------------------------------------------------------------------


def _example_group(base: str) -> dict[str, Any]:
    return {
        "id": 42,
        "name": "Riverside Anxiety Peer Support",
        "url": f"{base}/groups/42/riverside-anxiety-peer-support",
        "api_url": f"{base}{API}/groups/42",
        "calendar_url": f"{base}/groups/42/calendar.ics",
        "organisation": {"slug": "exampleton-peer-network", "name": "Exampleton Peer Network",
                         "url": f"{base}/organisations/exampleton-peer-network"},
        "source": None,
        "conditions": ["anxiety", "depression"],
        "audience": ["adults"],
        "languages": ["en"],
        "access": ["step-free"],
        "distance_km": 1.3,
        "location": {"approximate": True, "area": "Exampleton (EX1)", "venue_name": None,
                     "address": None, "region": "GB-ENG", "latitude": 50.7251,
                     "longitude": -3.5262},
        "timezone": "Europe/London",
        "next_meeting": {"starts_at": "2026-12-08T19:00:00+00:00",
                         "ends_at": "2026-12-08T20:30:00+00:00", "status": "scheduled"},
        "schedules": ["Every 2nd Tuesday, 7:00–8:30 pm"],
        "facilitators": [{"id": 7, "name": "Sam Example", "bio": "Sam has lived with anxiety for "
                          "years and has run this group since 2019.", "email": None, "phone": None,
                          "url": f"{base}/facilitators/7"}],
        "cost": "Free",
        "details_confirmed_on": "2026-11-20",
        "may_be_out_of_date": False,
    }


def _example_organisation(base: str) -> dict[str, Any]:
    slug = "exampleton-peer-network"
    return {"slug": slug, "name": "Exampleton Peer Network",
            "description": "A small charity running peer support groups across Exampleton.",
            "website": "https://exampleton-peers.example.org",
            "url": f"{base}/organisations/{slug}", "api_url": f"{base}{API}/organisations/{slug}",
            "calendar_url": f"{base}/organisations/{slug}.ics", "group_count": 1}


def _examples(base: str) -> dict[str, Any]:
    group = _example_group(base)
    detail = {**group, "distance_km": None,
              "description": "A friendly, confidential peer group for adults living with anxiety.",
              "what_to_expect": "Tea, a short welcome, then a round where you may speak or pass.",
              "contact_email": "riverside-group@example.org", "website": None,
              "meetings": [
                  {"starts_at": "2026-12-08T19:00:00+00:00", "ends_at": "2026-12-08T20:30:00+00:00",
                   "status": "scheduled", "note": None},
                  {"starts_at": "2026-12-22T19:00:00+00:00", "ends_at": "2026-12-22T20:30:00+00:00",
                   "status": "cancelled", "note": "No meeting over the holidays."},
              ]}
    problem = PROBLEM_BASE
    return {
        "SearchResults": {
            "summary": "One page of results",
            "value": {
                "origin": {"label": "EX1 1, Exampleton", "latitude": 50.7236, "longitude": -3.5275,
                           "notice": None},
                "radius_km": 25.0,
                "results": [group],
                "next": f"{base}{API}/groups?where=EX1+1AA&limit=1&cursor=WzEuMyw0Ml0",
            },
        },
        "EmptyResults": {
            "summary": "Nothing inside the radius",
            "value": {
                "origin": {"label": "EX1 1, Exampleton", "latitude": 50.7236, "longitude": -3.5275,
                           "notice": None},
                "radius_km": 5.0, "results": [], "next": None, "nearest_outside_radius_km": 12.4,
            },
        },
        "GroupDetail": {"summary": "A group whose location is approximate", "value": detail},
        "InvalidInput": {
            "summary": "Invalid parameters",
            "value": {
                "type": problem + "invalid-input", "title": "Some of the input is not valid",
                "status": 422, "detail": "Some search parameters are not valid.",
                "errors": {"radius_km": ["Radius must be between 1 and 200 km."],
                           "day": ["Unknown day 'someday': use mon, tue, wed, thu, fri, sat or sun."]},
                "request_id": "3f2a9c0d1b7e4a65",
            },
        },
        "PlaceNotFound": {
            "summary": "Unknown place, with suggestions",
            "value": {
                "type": problem + "place-not-found", "title": "We couldn't find that place",
                "status": 422,
                "detail": "We couldn't find 'Exampletn'. Did you mean: Exampleton, Sampleton?",
                "errors": {"where": ["We couldn't find 'Exampletn'. Did you mean: Exampleton, "
                                     "Sampleton?"]},
                "suggestions": ["Exampleton", "Sampleton"],
                "request_id": "8c1d2e3f4a5b6c7d",
            },
        },
        "AmbiguousPlace": {
            "summary": "Several places match: choose one",
            "value": {
                "type": problem + "ambiguous-place", "title": "Several places match", "status": 422,
                "detail": "Several places are called 'Springfield'. Which one did you mean?",
                "errors": {"where": ["Several places are called 'Springfield'. Which one did "
                                     "you mean?"]},
                "candidates": [
                    {"label": "Springfield, IL", "latitude": 39.8017, "longitude": -89.6437,
                     "where": "Springfield, IL"},
                    {"label": "Springfield, MA", "latitude": 42.1015, "longitude": -72.5898,
                     "where": "Springfield, MA"},
                ],
                "request_id": "0a1b2c3d4e5f6071",
            },
        },
        "GeocodingUnavailable": {
            "summary": "Address search is down",
            "value": {
                "type": problem + "geocoding-unavailable",
                "title": "Address search is unavailable right now", "status": 503,
                "detail": "Address search is unavailable right now. A postcode or town name "
                          "still works.",
                "errors": {"where": ["Address search is unavailable right now. A postcode or "
                                     "town name still works."]},
                "request_id": "1b2c3d4e5f607182",
            },
        },
        "NotFound": {
            "summary": "No such published group",
            "value": {
                "type": problem + "not-found", "title": "Not found", "status": 404,
                "detail": "We couldn't find that group. It may no longer be listed.",
                "errors": {}, "request_id": "2c3d4e5f60718293",
            },
        },
        "Organisations": {
            "summary": "A page of organisations",
            "value": {"items": [_example_organisation(base)],
                      "next": f"{base}{API}/organisations?limit=1&cursor=ZXhhbXBsZXRvbi1wZWVyLW5ldHdvcms"},
        },
        "OrganisationDetail": {
            "summary": "An organisation and its groups",
            "value": {**_example_organisation(base),
                      "groups": [{**group, "distance_km": None}]},
        },
        "Conditions": {
            "summary": "Conditions",
            "value": {"items": [{"slug": "anxiety", "name": "Anxiety",
                                 "description": "Generalised anxiety, panic, social anxiety and "
                                                "phobias"}]},
        },
        "Audiences": {
            "summary": "Audiences",
            "value": {"items": [{"slug": "adults", "name": "Adults (18+)",
                                 "description": "Adults aged 18 and over"}]},
        },
        "AccessFeatures": {
            "summary": "Access features",
            "value": {"items": [{"slug": "step-free", "name": "Step-free access",
                                 "scope": "venue"}]},
        },
        "Languages": {
            "summary": "Languages",
            "value": {"items": [{"slug": "cy", "name": "Welsh"}, {"slug": "en", "name": "English"}]},
        },
    }


# --- parameters and responses -----------------------------------------------------------------


def _slug_filter(name: str, what: str, vocabulary: str, *, all_of: bool = False) -> dict[str, Any]:
    combine = "groups with **all** of them" if all_of else "groups with **any** of them"
    return {
        "name": name, "in": "query", "required": False, "style": "form", "explode": True,
        "description": f"{what} slug(s) from `/api/v1/{vocabulary}`. Repeat the parameter (or "
                       f"separate values with commas) for several: {combine}. An unknown slug "
                       "is a 422 with a message under this name.",
        "schema": {"type": "array", "items": {"type": "string", "maxLength": 40}},
    }


def _parameters(default_radius_km: float) -> dict[str, Any]:
    time_schema = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "examples": ["18:30"]}
    return {
        "where": {
            "name": "where", "in": "query", "required": False,
            "description": "A postcode (full, sector or district), ZIP code, town or address. "
                           "Give `where` **or** `lat` and `lng`. An unknown place is a 422 "
                           "(`place-not-found`, with `suggestions` for names); a name shared by "
                           "several places with none dominant is a 422 (`ambiguous-place`) with "
                           "`candidates`.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            "examples": {"postcode": {"value": "M1 1AE"}, "zip": {"value": "10001"},
                         "town": {"value": "Leeds"}},
        },
        "lat": {
            "name": "lat", "in": "query", "required": False,
            "description": "Latitude of the origin, with `lng` (instead of `where`). Rounded to 3 "
                           "decimals (about 110 m) before use.",
            "schema": {"type": "number", "minimum": -90, "maximum": 90},
        },
        "lng": {
            "name": "lng", "in": "query", "required": False,
            "description": "Longitude of the origin, with `lat`. Rounded to 3 decimals.",
            "schema": {"type": "number", "minimum": -180, "maximum": 180},
        },
        "radius_km": {
            "name": "radius_km", "in": "query", "required": False,
            "description": "How far to look, in kilometres.",
            "schema": {"type": "number", "minimum": MIN_RADIUS_KM, "maximum": MAX_RADIUS_KM,
                       "default": default_radius_km},
        },
        "condition": _slug_filter("condition", "Condition", "conditions"),
        "day": {
            "name": "day", "in": "query", "required": False, "style": "form", "explode": True,
            "description": "Meets on this day (local to the meeting); repeat for any of several. "
                           "Full names (`monday`) are accepted too.",
            "schema": {"type": "array", "items": {"type": "string", "enum": list(DAYS)}},
        },
        "audience": _slug_filter("audience", "Audience", "audiences"),
        "language": _slug_filter("language", "Language (BCP 47 tag)", "languages"),
        "access": _slug_filter("access", "Accessibility feature", "access-features", all_of=True),
        "organisation": _slug_filter("organisation", "Organisation", "organisations"),
        "starts_after": {
            "name": "starts_after", "in": "query", "required": False,
            "description": "Meetings starting at or after this local time of the meeting "
                           "(24-hour `HH:MM`).",
            "schema": time_schema,
        },
        "starts_before": {
            "name": "starts_before", "in": "query", "required": False,
            "description": "Meetings starting at or before this local time (`HH:MM`); not "
                           "earlier than `starts_after`.",
            "schema": time_schema,
        },
        "limit": {
            "name": "limit", "in": "query", "required": False,
            "description": "Results per page.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20},
        },
        "cursor": {
            "name": "cursor", "in": "query", "required": False,
            "description": "Opaque; from a previous answer's `next` (just follow `next`). An "
                           "invalid cursor is a 422 under `cursor`.",
            "schema": {"type": "string"},
        },
        "this_week": {
            "name": "this_week", "in": "query", "required": False,
            "description": "Only groups with a meeting that will happen in the next 7 days "
                           "(cancellations and moved meetings taken into account).",
            "schema": {"type": "boolean", "default": False},
        },
        "group_id": {
            "name": "id", "in": "path", "required": True,
            "description": "A group's id.",
            "schema": {"type": "integer", "minimum": 1},
        },
        "organisation_slug": {
            "name": "slug", "in": "path", "required": True,
            "description": "An organisation's slug.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 120},
        },
    }


def _headers() -> dict[str, Any]:
    return {
        "X-Request-Id": {"description": "An id for this request (the caller's own `X-Request-Id` "
                                        "if it sent one).", "schema": {"type": "string"}},
        "Retry-After": {"description": "Seconds to wait before trying again.", "required": True,
                        "schema": {"type": "integer", "minimum": 1}},
    }


def _json(description: str, schema: dict[str, Any], *examples: str,
          media: str = JSON, headers: tuple[str, ...] = ()) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": schema}
    if examples:
        content["examples"] = {name: {"$ref": f"#/components/examples/{name}"} for name in examples}
    all_headers = ("X-Request-Id", *headers)
    return {"description": description,
            "headers": {h: {"$ref": f"#/components/headers/{h}"} for h in all_headers},
            "content": {media: content}}


def _responses() -> dict[str, Any]:
    problem = _ref("Problem")
    return {
        "InvalidSearch": _json(
            "Invalid parameters (messages per parameter in `errors`), an unknown place "
            "(`place-not-found`, with `suggestions` for place names) or an ambiguous place "
            "(`ambiguous-place`, with `candidates` to choose from).",
            problem, "InvalidInput", "PlaceNotFound", "AmbiguousPlace", media=PROBLEM_JSON),
        "GeocodingUnavailable": _json(
            "Address search (an online geocoder, when configured) is down or rate-limited, or "
            "the service is busy. Postcodes and town names are still answered offline.",
            problem, "GeocodingUnavailable", media=PROBLEM_JSON, headers=("Retry-After",)),
        "NotFound": _json("No published group has this id.", problem, "NotFound",
                          media=PROBLEM_JSON),
        "OrganisationNotFound": _json(
            "No organisation with this slug runs a published group.", problem, "NotFound",
            media=PROBLEM_JSON),
        "Error": _json("Any other error (405, 500, 503 when the database is unavailable).",
                       problem, media=PROBLEM_JSON),
    }


# --- paths ------------------------------------------------------------------------------------


def _vocabulary_path(name: str, summary: str, *examples: str) -> dict[str, Any]:
    return {"get": {
        "operationId": "list" + "".join(p.title() for p in name.split("-")),
        "tags": ["vocabularies"],
        "summary": summary,
        "responses": {"200": _json("The vocabulary, sorted by name.", _ref("VocabularyList"),
                                   *examples),
                      "default": {"$ref": "#/components/responses/Error"}},
    }}


def _paths() -> dict[str, Any]:
    search_params = ["where", "lat", "lng", "radius_km", "condition", "day", "audience",
                     "language", "access", "organisation", "starts_after", "starts_before",
                     "this_week", "limit", "cursor"]
    return {
        f"{API}/groups": {"get": {
            "operationId": "searchGroups",
            "tags": ["groups"],
            "summary": "Search groups nearest first",
            "description": "In-person groups within `radius_km` of a place, nearest first (ties "
                           "by id), one page at a time; follow `next` for more. Distances are "
                           "measured to each group's public point. Filters of different kinds "
                           "combine with AND.",
            "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in search_params],
            "responses": {
                "200": _json("A page of results.", _ref("SearchResults"), "SearchResults",
                             "EmptyResults"),
                "422": {"$ref": "#/components/responses/InvalidSearch"},
                "503": {"$ref": "#/components/responses/GeocodingUnavailable"},
                "default": {"$ref": "#/components/responses/Error"},
            },
        }},
        f"{API}/groups/{{id}}": {"get": {
            "operationId": "getGroup",
            "tags": ["groups"],
            "summary": "One group",
            "description": "A published group: the search result's fields plus its description, "
                           "what to expect, and the next 10 meetings.",
            "parameters": [{"$ref": "#/components/parameters/group_id"}],
            "responses": {
                "200": _json("The group.", _ref("GroupDetail"), "GroupDetail"),
                "404": {"$ref": "#/components/responses/NotFound"},
                "default": {"$ref": "#/components/responses/Error"},
            },
        }},
        f"{API}/organisations": {"get": {
            "operationId": "listOrganisations",
            "tags": ["organisations"],
            "summary": "Organisations that run published groups",
            "description": "By slug, one page at a time (`limit`, then follow `next`). An "
                           "organisation is public once it runs a published group.",
            "parameters": [{"$ref": "#/components/parameters/limit"},
                           {"$ref": "#/components/parameters/cursor"}],
            "responses": {
                "200": _json("A page of organisations.", _ref("OrganisationList"),
                             "Organisations"),
                "422": {"$ref": "#/components/responses/InvalidSearch"},
                "default": {"$ref": "#/components/responses/Error"},
            },
        }},
        f"{API}/organisations/{{slug}}": {"get": {
            "operationId": "getOrganisation",
            "tags": ["organisations"],
            "summary": "One organisation and its groups",
            "description": "The organisation and the groups it runs that are listed in search "
                           "(a private place is its area only); its `calendar_url` holds the "
                           "meetings of all its published groups.",
            "parameters": [{"$ref": "#/components/parameters/organisation_slug"}],
            "responses": {
                "200": _json("The organisation.", _ref("OrganisationDetail"),
                             "OrganisationDetail"),
                "404": {"$ref": "#/components/responses/OrganisationNotFound"},
                "default": {"$ref": "#/components/responses/Error"},
            },
        }},
        f"{API}/conditions": _vocabulary_path(
            "conditions", "Conditions (filter `condition`)", "Conditions"),
        f"{API}/audiences": _vocabulary_path(
            "audiences", "Audiences (filter `audience`)", "Audiences"),
        f"{API}/access-features": _vocabulary_path(
            "access-features", "Accessibility features (filter `access`)", "AccessFeatures"),
        f"{API}/languages": _vocabulary_path(
            "languages", "Languages, BCP 47 (filter `language`)", "Languages"),
        f"{API}/openapi.json": {"get": {
            "operationId": "getOpenApiDocument",
            "tags": ["meta"],
            "summary": "This document (OpenAPI 3.1)",
            "responses": {
                "200": _json("The OpenAPI document.",
                             {"type": "object", "required": ["openapi", "info", "paths"]}),
            },
        }},
        f"{API}/ping": {"get": {
            "operationId": "ping",
            "tags": ["meta"],
            "summary": "A cheap liveness answer (no database)",
            "responses": {
                "200": _json("Always the same answer.", {
                    "type": "object", "properties": {"status": {"const": "ok"}},
                    "required": ["status"], "additionalProperties": False}),
            },
        }},
    }


def openapi_document() -> dict[str, Any]:
    """The document, with ``servers`` from ``BASE_URL``; call it inside an app context."""
    config = current_app.config
    base = str(config["BASE_URL"]).rstrip("/")
    default_radius = float(config.get("DEFAULT_RADIUS_KM", 25.0))
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": "groupfinder API",
            "version": "1",
            "summary": "Find in-person mental-health support groups near a place.",
            "description": "Read-only, no authentication. Every answer is JSON; every error is "
                           "`application/problem+json` (RFC 9457) with a message per parameter "
                           "in `errors`. Groups whose members' privacy needs it show only an "
                           "approximate area, never a venue or address. Text meant for people "
                           "(a problem's `title`, `detail` and `errors`, schedules in words, "
                           "vocabulary names) is in the language of `?lang=` (`en`, `es`, `cy`), "
                           "else of `Accept-Language` (the answer then varies by it); field "
                           "names, slugs and enum values are always the same.",
        },
        "servers": [{"url": base, "description": "This installation"}],
        "tags": [
            {"name": "groups", "description": "Search and read groups."},
            {"name": "organisations", "description": "Who runs the groups (the `organisation` "
                                                     "filter's values)."},
            {"name": "vocabularies", "description": "The values the filters accept."},
            {"name": "meta", "description": "About the API itself."},
        ],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "parameters": _parameters(default_radius),
            "responses": _responses(),
            "headers": _headers(),
            "examples": _examples(base),
        },
    }
