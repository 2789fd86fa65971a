"""Schemathesis against the public API: every operation in /api/v1/openapi.json, with generated
valid and invalid input, in-process against the demo listings.

No answer may be a 5xx; every answer must match the document (status, media type, headers, body
schema). Bounded (a fixed seed, few examples per operation) so the module stays well under a
minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from flask import Flask, g
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from groupfinder.extensions import db

from ..conftest import BACKENDS, make_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


def _served_document() -> dict:
    """The document exactly as the app serves it (it needs no database)."""
    app = make_app("sqlite://")
    try:
        response = app.test_client().get("/api/v1/openapi.json")
        assert response.status_code == 200, response.status_code
        return response.get_json()
    finally:
        with app.app_context():
            db.engine.dispose()


schema = schemathesis.openapi.from_dict(_served_document())


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Both backends (the API only reads, and the demo database is built once per backend)."""
    return request.param


@pytest.fixture
def api_app(demo_app: Flask) -> Iterator[Flask]:
    yield demo_app


@schema.parametrize()
@hypothesis.settings(max_examples=50, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(hypothesis.HealthCheck), print_blob=True)
def test_api_conforms_and_never_fails(case: schemathesis.Case, api_app: Flask) -> None:
    g.__dict__.clear()  # one app context for the whole test: start each request afresh
    db.session.remove()
    # Schemathesis's WSGI transport asks for gzip/br like requests does but can't decode a
    # compressed body; compression has its own tests (test_request_machinery).
    case.call_and_validate(app=api_app, checks=CHECKS, headers={"Accept-Encoding": "identity"})
