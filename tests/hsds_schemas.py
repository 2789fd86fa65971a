"""Validators for the official HSDS 3.0 JSON Schemas vendored in tests/schemas/hsds-3.0 (see its
README for their source and licence). Each file is registered at its canonical URL, so the
``$ref``s between them ("address.json") and the OpenAPI file's references resolve offline."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).parent / "schemas" / "hsds-3.0"
BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
PAGE_KEYS = ["total_items", "total_pages", "page_number", "size", "first_page", "last_page",
             "empty", "contents"]
# The schema of each endpoint's answer: a list's items, and one entity.
ITEM_SCHEMAS = {
    "services": "compiled/service_list.json",
    "organizations": "compiled/organization_list.json",
    "service_at_locations": "compiled/service_at_location_list.json",
    "locations": "location.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}
FULL_SCHEMAS = {
    "services": "service.json",
    "organizations": "organization.json",
    "service_at_locations": "service_at_location.json",
    "locations": "location.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}


@functools.cache
def registry() -> Registry:
    resources = []
    for path in sorted(HERE.rglob("*.json")):
        name = path.relative_to(HERE).as_posix()
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((BASE + name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@functools.cache
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json), registry=registry(),
                                format_checker=FormatChecker())


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return _validator(json.dumps(schema, sort_keys=True))


def ref(name: str) -> dict[str, Any]:
    return {"$ref": BASE + name}


def page_schema(collection: str) -> dict[str, Any]:
    """HSDS's ``Page`` (from the official openapi.json) with ``contents`` of the right items;
    every Page property is required here (the spec lists them, our answers always carry them)."""
    return {
        "allOf": [ref("openapi.json#/components/schemas/Page")],
        "required": PAGE_KEYS,
        "properties": {"contents": {"type": "array", "items": ref(ITEM_SCHEMAS[collection])}},
    }


def full_schema(collection: str) -> dict[str, Any]:
    schema = ref(FULL_SCHEMAS[collection])
    if collection == "organizations":  # compiled/organization.json adds the services array
        return {"allOf": [schema], "properties": {
            "services": {"type": "array", "items": ref("compiled/service_list.json")}}}
    return schema


INFO_SCHEMA = {"allOf": [ref("openapi.json#/paths/~1/get/responses/200/content/application~1json/schema")],
               "required": ["version", "profile", "openapi_url"]}


def errors(schema: dict[str, Any], instance: Any) -> list[str]:
    """Every validation error, as "path: message" (empty when valid)."""
    found = validator(schema).iter_errors(instance)
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in found]
