"""The OpenAPI 3.1 document of ``/hsds`` (what ``/hsds/`` names as ``openapi_url``).

It follows HSDS 3.0's canonical ``schema/openapi.json``: the same paths and ``Page`` envelope,
with its response schemas referenced at their canonical URLs, limited to the parameters this
API offers, plus the ``/locations`` extension (HSDS 3.0 has no locations endpoint). Pure.
"""

from __future__ import annotations

from typing import Any

SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
# HSDS core, no profile: the canonical schema directory is the "profile" we conform to.
PROFILE_URL = "https://github.com/openreferral/specification/tree/3.0/schema"

_PARAMS: dict[str, dict[str, Any]] = {
    "page": {"description": "Page number, from 1.", "schema": {"type": "integer", "minimum": 1}},
    "per_page": {"description": "Entities per page (default 50).",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    "format": {"description": "Only json.", "schema": {"type": "string", "enum": ["json"]}},
    "search": {"description": "Case-insensitive text in the name or description.",
               "schema": {"type": "string"}},
    "organization_id": {"description": "Only those of this organization.", "schema": {"type": "string"}},
    "taxonomy_term_id": {"description": "Only those with this taxonomy term.",
                         "schema": {"type": "string"}},
    "taxonomy_id": {"description": "Only those with a term of this taxonomy.",
                    "schema": {"type": "string"}},
    "modified_after": {"description": "Only those modified on or after this date-time.",
                       "schema": {"type": "string", "format": "date-time"}},
    "top_only": {"description": "Every term is top-level here.", "schema": {"type": "boolean"}},
    "parent_id": {"description": "No term has a parent here.", "schema": {"type": "string"}},
}

_LISTS = {
    "services": ("compiled/service_list.json", "compiled/service.json",
                 ["search", "page", "per_page", "format", "taxonomy_term_id", "taxonomy_id",
                  "organization_id", "modified_after"]),
    "organizations": ("compiled/organization_list.json", "compiled/organization.json",
                      ["search", "page", "per_page", "format"]),
    "service_at_locations": ("compiled/service_at_location_list.json",
                             "compiled/service_at_location.json",
                             ["search", "page", "per_page", "format", "taxonomy_term_id",
                              "taxonomy_id", "organization_id", "modified_after"]),
    "locations": ("location.json", "location.json", ["search", "page", "per_page", "format"]),
    "taxonomies": ("taxonomy.json", "taxonomy.json", ["search", "page", "per_page", "format"]),
    "taxonomy_terms": ("taxonomy_term.json", "taxonomy_term.json",
                       ["search", "page", "per_page", "format", "taxonomy_id", "top_only",
                        "parent_id"]),
}

_PROBLEM = {"description": "A problem (RFC 9457).",
            "content": {"application/problem+json": {"schema": {"type": "object"}}}}


def openapi_document(server_url: str) -> dict[str, Any]:
    """The document, for the API served at ``server_url`` (ending in /hsds)."""
    paths: dict[str, Any] = {"/": {"get": {
        "operationId": "getAPIMetaInformation",
        "responses": {"200": {"description": "This API's HSDS version, profile and OpenAPI document.",
                              "content": {"application/json": {"schema": {
                                  "type": "object", "required": ["version", "profile", "openapi_url"],
                                  "properties": {"version": {"type": "string"},
                                                 "profile": {"type": "string", "format": "uri"},
                                                 "openapi_url": {"type": "string", "format": "uri"}},
                              }}}}},
    }}}
    for name, (item, full, params) in _LISTS.items():
        paths[f"/{name}"] = {"get": {
            "parameters": [{"name": p, "in": "query", "required": False, **_PARAMS[p]} for p in params],
            "responses": {
                "200": {"description": f"A page of {name.replace('_', ' ')}.", "content": {
                    "application/json": {"schema": {
                        "allOf": [{"$ref": "#/components/schemas/Page"}],
                        "properties": {"contents": {"type": "array",
                                                    "items": {"$ref": SCHEMA_BASE + item}}}}}}},
                "400": _PROBLEM,
            },
        }}
        paths[f"/{name}/{{id}}"] = {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"responses": {
                "200": {"description": "One entity, with its nested objects.",
                        "content": {"application/json": {"schema": {"$ref": SCHEMA_BASE + full}}}},
                "404": _PROBLEM,
            }},
        }
    page = {"type": "object", "properties": {
        name: {"type": kind} for name, kind in (
            ("total_items", "integer"), ("total_pages", "integer"), ("page_number", "integer"),
            ("size", "integer"), ("first_page", "boolean"), ("last_page", "boolean"),
            ("empty", "boolean"))}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "groupfinder: Open Referral HSDS 3.0 (read-only)",
            "version": "1.0",
            "summary": "Published in-person support groups as HSDS services, organizations and "
                       "locations.",
            "license": {"name": "HSDS: CC BY-SA 4.0 (Open Referral)",
                        "url": "https://creativecommons.org/licenses/by-sa/4.0/"},
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": {"Page": page}},
    }
