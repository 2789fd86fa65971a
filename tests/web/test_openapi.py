"""The OpenAPI document: valid OpenAPI 3.1, complete, and true to the real responses.

The contract tests call the real endpoints on the demo listings and validate every body against
the schema the document gives for that path and status (JSON Schema 2020-12, ``$ref``s resolved
into the document). Response objects are closed (``additionalProperties: false``), so a field
added to ``api/schemas.py`` without documenting it fails here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import flask
import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from groupfinder.api.openapi import openapi_document
from groupfinder.errors import GeocodingUnavailable
from groupfinder.extensions import db
from groupfinder.facilitators.models import Facilitator
from groupfinder.groups.criteria import DAYS
from groupfinder.groups.models import Group, ListingStatus
from groupfinder.schedules.models import Cancellation, MeetingChange, Schedule

DOC_URI = "urn:groupfinder:openapi"
API = "/api/v1"
BASE_URL = "https://groups.example.test"  # tests/conftest.py's make_app

# --- helpers ------------------------------------------------------------------------------------

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = dt.datetime.fromisoformat(value)
    return "T" in value and parsed.utcoffset() is not None


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


@FORMATS.checks("email")
def _email(value: object) -> bool:
    return not isinstance(value, str) or re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _resolve(doc: dict[str, Any], node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
    """Follow local ``$ref``s (responses, headers, examples); return the node and its pointer."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        pointer = ref[1:]
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, pointer


class Contract:
    """The document as a JSON Schema registry, checking real responses against it."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.registry = Registry().with_resource(DOC_URI, DRAFT202012.create_resource(doc))

    def validator(self, pointer: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": f"{DOC_URI}#{pointer}"}, registry=self.registry,
                                    format_checker=FORMATS)

    def errors(self, pointer: str, instance: Any) -> list[str]:
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in sorted(self.validator(pointer).iter_errors(instance), key=str)]

    def response_spec(self, path: str, status: int, method: str = "get") -> tuple[dict[str, Any], str]:
        responses = self.doc["paths"][path][method]["responses"]
        key = str(status) if str(status) in responses else "default"
        assert key in responses, f"{method.upper()} {path} does not document status {status}"
        return _resolve(self.doc, responses[key], _pointer("paths", path, method, "responses", key))

    def check(self, response: Any, path: str, *, method: str = "get") -> Any:
        """Assert ``response`` matches the document for ``path``; return its JSON body."""
        spec, pointer = self.response_spec(path, response.status_code, method)
        media = response.mimetype
        assert media in spec.get("content", {}), \
            f"{path} {response.status_code}: {media} is not documented ({list(spec['content'])})"
        body = response.get_json()
        problems = self.errors(pointer + _pointer("content", media, "schema"), body)
        assert not problems, f"{path} {response.status_code} does not match the document:\n" + \
            "\n".join(problems)
        for name, header in spec.get("headers", {}).items():
            header, header_pointer = _resolve(self.doc, header, pointer + _pointer("headers", name))
            value = response.headers.get(name)
            if value is None:
                assert not header.get("required"), f"{path} {response.status_code}: no {name} header"
                continue
            if header["schema"].get("type") == "integer":
                assert value.isdigit(), f"{name}: {value!r} is not an integer"
                value = int(value)
            assert not self.errors(header_pointer + "/schema", value), f"{name}: {value!r}"
        return body


def _served(client: Any) -> dict[str, Any]:
    r = client.get(f"{API}/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The document as a plain app (no database) renders it."""
    app = flask.Flask("openapi-test")
    app.config["BASE_URL"] = BASE_URL
    with app.app_context():
        return openapi_document()


@pytest.fixture
def contract(demo_client: Any) -> Contract:
    """The document as the app under test serves it."""
    return Contract(_served(demo_client))


def _walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, (*path, str(k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, (*path, str(i)))


# --- the document itself --------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    assert document["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_component_schemas_are_valid_json_schema_2020_12(document):
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_response_objects_are_closed(document):
    """Otherwise the contract tests below could not catch an undocumented field."""
    for path, node in _walk(document["components"]["schemas"]):
        if isinstance(node, dict) and node.get("type") == "object" and "properties" in node:
            assert node.get("additionalProperties") is False, "/".join(path)


def test_nullables_use_the_3_1_style(document):
    for path, node in _walk(document):
        assert not (isinstance(node, dict) and "nullable" in node), "/".join(path)


def test_every_example_matches_its_schema(document):
    contract = Contract(document)
    checked = 0
    for path, node in _walk(document):
        if path[-1:] != ("content",) or path[0] == "components" and path[1] == "examples":
            continue
        for media, content in node.items():
            for name, example in content.get("examples", {}).items():
                example, _ = _resolve(document, example, "")
                pointer = _pointer(*path, media, "schema")
                problems = contract.errors(pointer, example["value"])
                assert not problems, f"example {name} at {pointer}:\n" + "\n".join(problems)
                checked += 1
    for name, schema in document["components"]["schemas"].items():
        for example in schema.get("examples", []):
            assert not contract.errors(_pointer("components", "schemas", name), example), name
            checked += 1
    assert checked >= 10


def test_examples_never_give_an_exact_place_for_a_group(document):
    """Examples are copied into clients and docs: keep every example location approximate."""
    locations = [node for _, node in _walk(document["components"]["examples"])
                 if isinstance(node, dict) and "approximate" in node]
    assert locations
    for loc in locations:
        assert loc["approximate"] is True and loc["address"] is None and loc["venue_name"] is None


def test_servers_use_the_configured_base_url():
    app = flask.Flask("openapi-test")
    app.config["BASE_URL"] = "https://find.example.org/"
    with app.app_context():
        doc = openapi_document()
    assert [s["url"] for s in doc["servers"]] == ["https://find.example.org"]


def test_search_parameters_are_all_documented(document):
    params = {p["name"]: p for p in (
        _resolve(document, ref, "")[0] for ref in document["paths"][f"{API}/groups"]["get"]["parameters"])}
    assert set(params) == {"where", "lat", "lng", "radius_km", "condition", "day", "audience",
                           "language", "access", "organisation", "starts_after", "starts_before",
                           "limit", "cursor", "this_week"}
    for name in ("condition", "day", "audience", "language", "access", "organisation"):
        assert params[name]["schema"]["type"] == "array" and params[name]["explode"] is True
    assert params["day"]["schema"]["items"]["enum"] == list(DAYS)
    assert params["radius_km"]["schema"] == {"type": "number", "minimum": 1.0, "maximum": 200.0,
                                             "default": 25.0}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100,
                                         "default": 20}
    assert all(p.get("description") for p in params.values())


# --- the document matches the app -----------------------------------------------------------------


def _api_routes(app: flask.Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule == API or rule.rule.startswith(API + "/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    return routes


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_api_route_is_documented_and_nothing_else(demo_app, demo_client):
    doc = _served(demo_client)
    routes = {(_normalise(p), m) for p, m in _api_routes(demo_app)}
    documented = {(_normalise(p), m) for p, item in doc["paths"].items() for m in item
                  if m in ("get", "put", "post", "delete", "patch")}
    assert routes, "no /api/v1 routes found"
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented paths the app does not serve"


def test_path_parameters_match_the_routes(demo_client):
    doc = _served(demo_client)
    for path, item in doc["paths"].items():
        for op in item.values():
            names = {p["name"] for p in (_resolve(doc, ref, "")[0] for ref in op.get("parameters", []))
                     if p["in"] == "path"}
            assert names == set(re.findall(r"\{([^}]+)\}", path)), path


def test_served_document_is_openapi_document_for_this_app(demo_app, demo_client):
    served = _served(demo_client)
    with demo_app.test_request_context():
        assert served == openapi_document()
    assert served["servers"][0]["url"] == demo_app.config["BASE_URL"]


# --- real responses: search -----------------------------------------------------------------------

SEARCHES = {
    "postcode": [("where", "M1 1AE")],
    "zip": [("where", "10001")],
    "coordinates": [("lat", "53.48"), ("lng", "-2.24"), ("radius_km", "10")],
    "repeated filters": [("where", "SW1A 1AA"), ("radius_km", "50"), ("access", "step-free"),
                         ("access", "public-transport"), ("day", "tue"), ("day", "thu"),
                         ("starts_after", "09:00"), ("starts_before", "21:00"), ("limit", "100")],
    "comma filters": [("where", "10001"), ("condition", "anxiety,depression"),
                      ("audience", "adults"), ("language", "en"), ("day", "wednesday"),
                      ("limit", "5")],
    "wide": [("where", "Leeds"), ("radius_km", "200"), ("limit", "100")],
    "address": [("where", "14 High Street, Cardiff")],
}


@pytest.mark.parametrize("params", SEARCHES.values(), ids=SEARCHES.keys())
def test_search_results_match_the_document(demo_client, contract, params):
    r = demo_client.get(f"{API}/groups", query_string=params)
    assert r.status_code == 200, r.get_json()
    body = contract.check(r, f"{API}/groups")
    assert all(x["url"].startswith(contract.doc["servers"][0]["url"]) for x in body["results"])


def test_defaults_in_the_document_are_the_real_defaults(demo_client, contract):
    params = {p["name"]: p["schema"] for p in (
        _resolve(contract.doc, ref, "")[0]
        for ref in contract.doc["paths"][f"{API}/groups"]["get"]["parameters"])}
    body = contract.check(demo_client.get(f"{API}/groups", query_string={"where": "M1 1AE"}),
                          f"{API}/groups")
    assert body["radius_km"] == params["radius_km"]["default"]
    assert len(body["results"]) == params["limit"]["default"]  # Manchester has more than 20


def test_every_page_matches_the_document(demo_client, contract):
    r = demo_client.get(f"{API}/groups", query_string={"where": "SW1A 1AA", "limit": "7"})
    pages = 0
    while True:
        body = contract.check(r, f"{API}/groups")
        pages += 1
        if not body["next"] or pages == 3:
            break
        assert body["next"].startswith(contract.doc["servers"][0]["url"] + API + "/groups?")
        r = demo_client.get(body["next"].removeprefix(contract.doc["servers"][0]["url"]))
    assert pages == 3


def test_empty_results_with_the_nearest_outside_match_the_document(demo_client, contract):
    r = demo_client.get(f"{API}/groups", query_string={"lat": "57.0", "lng": "-4.5", "radius_km": "5"})
    body = contract.check(r, f"{API}/groups")
    assert body["results"] == [] and body["nearest_outside_radius_km"] > 5


def test_did_you_mean_matches_the_document(demo_client, contract):
    body = contract.check(demo_client.get(f"{API}/groups", query_string={"where": "Newport"}),
                          f"{API}/groups")
    assert body["did_you_mean"]


# Values either side of each documented bound: the API accepts a value exactly when the
# document's schema does (judged by whether the parameter gets a message of its own).
BOUNDS = [
    ("radius_km", ["0.5", "1", "200", "200.5"]),
    ("limit", ["0", "1", "100", "101"]),
    ("lat", ["-90.5", "-90", "90", "90.5"]),
    ("lng", ["-180.5", "-180", "180", "180.5"]),
    ("starts_after", ["00:00", "23:59", "24:00", "7:30", "7pm"]),
    ("day", [*DAYS, "someday"]),
]


@pytest.mark.parametrize("name,values", BOUNDS, ids=[b[0] for b in BOUNDS])
def test_documented_ranges_are_the_real_ranges(demo_client, contract, name, values):
    param, param_pointer = {
        p["name"]: (p, ptr) for p, ptr in (
            _resolve(contract.doc, ref, "")
            for ref in contract.doc["paths"][f"{API}/groups"]["get"]["parameters"])}[name]
    schema = contract.validator(param_pointer + "/schema")
    kind = param["schema"]["type"]
    place = {"lat": {"lng": "-2.24"}, "lng": {"lat": "53.48"}}.get(name, {"where": "Leeds"})
    for value in values:
        typed: Any = [value] if kind == "array" else value
        if kind in ("number", "integer"):
            typed = int(value) if kind == "integer" else float(value)
        documented_ok = schema.is_valid(typed)
        r = demo_client.get(f"{API}/groups", query_string={**place, name: value})
        body = contract.check(r, f"{API}/groups")
        accepted = name not in (body.get("errors") or {})
        assert accepted == documented_ok, f"{name}={value}: API accepted={accepted}"


# --- real responses: groups and vocabularies ------------------------------------------------------


def _interesting_group_ids() -> list[int]:
    """Sensitive groups, groups with cancelled or moved meetings, and facilitators who show
    their contact details: the responses with the most optional and null fields."""
    published = sa.select(Group.id).where(Group.status == ListingStatus.published)
    ids: list[int] = []
    ids += db.session.scalars(published.where(Group.is_sensitive).order_by(Group.id).limit(3)).all()
    ids += db.session.scalars(published.where(~Group.is_sensitive).order_by(Group.id).limit(2)).all()
    for model in (Cancellation, MeetingChange):
        ids += db.session.scalars(
            published.join(Schedule, Schedule.group_id == Group.id)
            .join(model, model.schedule_id == Schedule.id).order_by(Group.id).limit(3)).all()
    ids += db.session.scalars(
        published.where(Group.facilitators.any(sa.or_(Facilitator.show_email, Facilitator.show_phone)))
        .order_by(Group.id).limit(2)).all()
    return list(dict.fromkeys(ids))


def test_group_details_match_the_document(demo_client, contract):
    ids = _interesting_group_ids()
    assert len(ids) >= 6
    statuses = set()
    for gid in ids:
        body = contract.check(demo_client.get(f"{API}/groups/{gid}"), f"{API}/groups/{{id}}")
        statuses |= {m["status"] for m in body["meetings"]}
    assert "scheduled" in statuses


def test_a_sensitive_group_matches_the_document_and_is_approximate(demo_client, contract):
    gid = db.session.scalar(sa.select(Group.id).where(
        Group.is_sensitive, Group.status == ListingStatus.published).order_by(Group.id))
    body = contract.check(demo_client.get(f"{API}/groups/{gid}"), f"{API}/groups/{{id}}")
    assert body["location"]["approximate"] is True
    assert body["location"]["address"] is None and body["location"]["venue_name"] is None


def test_every_result_of_a_search_matches_the_group_detail_schema(demo_client, contract):
    """What a result's ``api_url`` leads to matches the document too."""
    body = demo_client.get(f"{API}/groups", query_string={"where": "10001", "limit": "5"}).get_json()
    base = contract.doc["servers"][0]["url"]
    for result in body["results"]:
        detail = contract.check(demo_client.get(result["api_url"].removeprefix(base)),
                                f"{API}/groups/{{id}}")
        assert detail["id"] == result["id"]


@pytest.mark.parametrize("name", ["conditions", "audiences", "access-features", "languages"])
def test_vocabularies_match_the_document(demo_client, contract, name):
    body = contract.check(demo_client.get(f"{API}/{name}"), f"{API}/{name}")
    assert body["items"]


def test_ping_matches_the_document(demo_client, contract):
    contract.check(demo_client.get(f"{API}/ping"), f"{API}/ping")


# --- real responses: problems ---------------------------------------------------------------------

PROBLEMS = {
    "invalid parameters": ({"where": "Leeds", "radius_km": "500", "day": "someday",
                            "limit": "1000", "condition": "unicorns", "starts_after": "7pm"},
                           "invalid-input", None),
    "missing place": ({}, "invalid-input", None),
    "half coordinates": ({"lat": "53.4"}, "invalid-input", None),
    "bad cursor": ({"where": "Leeds", "cursor": "not-a-cursor"}, "invalid-input", None),
    "late before early": ({"where": "Leeds", "starts_after": "20:00", "starts_before": "08:00"},
                          "invalid-input", None),
    "ambiguous": ({"where": "Springfield"}, "ambiguous-place", "candidates"),
    "unknown postcode": ({"where": "ZZ99 9ZZ"}, "place-not-found", None),
    "unknown place": ({"where": "Manchestr"}, "place-not-found", "suggestions"),
}


@pytest.mark.parametrize("params,slug,extra", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_search_problems_match_the_document(demo_client, contract, params, slug, extra):
    r = demo_client.get(f"{API}/groups", query_string=params)
    assert r.status_code == 422
    body = contract.check(r, f"{API}/groups")
    assert body["type"].endswith("/" + slug) and body["errors"]
    if extra:
        assert body[extra]


@pytest.mark.parametrize("path", ["/groups/999999", "/groups/not-a-number"])
def test_missing_group_problem_matches_the_document(demo_client, contract, path):
    r = demo_client.get(API + path)
    assert r.status_code == 404
    contract.check(r, f"{API}/groups/{{id}}")


def test_geocoding_unavailable_matches_the_document(demo_app, demo_client, contract, monkeypatch):
    class Down:
        def resolve(self, **_: Any) -> Any:
            message = "Address search is unavailable right now. A postcode or town name still works."
            raise GeocodingUnavailable(message, field_errors={"where": [message]})

    monkeypatch.setitem(demo_app.extensions, "groupfinder.geocoding", Down())
    r = demo_client.get(f"{API}/groups", query_string={"where": "1 Example Road, Exampleton"})
    assert r.status_code == 503
    body = contract.check(r, f"{API}/groups")
    assert body["type"].endswith("/geocoding-unavailable")
    assert int(r.headers["Retry-After"]) > 0


def test_an_undocumented_field_fails_the_contract(demo_client, contract):
    """The contract test itself: an extra or missing field is caught."""
    body = demo_client.get(f"{API}/groups", query_string={"where": "M1 1AE", "limit": "1"}).get_json()
    pointer = _pointer("components", "schemas", "SearchResults")
    assert not contract.errors(pointer, body)
    body["results"][0]["location"]["postcode"] = "M1 1AE"
    assert contract.errors(pointer, body)
    del body["results"][0]["location"]["postcode"]
    body["results"][0]["location"]["approximate"] = True  # but address and venue still given
    assert contract.errors(pointer, body)
