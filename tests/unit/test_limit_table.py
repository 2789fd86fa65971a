"""The rate-limit tables name only endpoints and blueprints that exist: a renamed view must fail
the app at start, not silently lose its limit."""

from __future__ import annotations

import pytest

from groupfinder import security

from ..conftest import make_app


def test_every_limited_endpoint_and_blueprint_exists():
    app = make_app("sqlite://")  # never connects: building the app touches no database
    assert set(security.FORM_LIMITS) <= set(app.view_functions)
    assert set(security.LIMIT_EXEMPT) <= set(app.view_functions)
    assert {*security.API_BLUEPRINTS, *security.ORGANIZER_BLUEPRINTS} <= set(app.blueprints)


def test_a_limit_on_a_missing_endpoint_fails_app_start(monkeypatch):
    monkeypatch.setitem(security.FORM_LIMITS, "accounts.sign_in_renamed", "10 per minute")
    with pytest.raises(RuntimeError, match=r"accounts\.sign_in_renamed"):
        make_app("sqlite://")


@pytest.mark.parametrize("table", ["API_BLUEPRINTS", "ORGANIZER_BLUEPRINTS", "LIMIT_EXEMPT"])
def test_a_missing_blueprint_or_exempt_endpoint_fails_app_start(monkeypatch, table):
    monkeypatch.setattr(security, table, (*getattr(security, table), "no_such.thing"))
    with pytest.raises(RuntimeError, match=r"no_such\.thing"):
        make_app("sqlite://")
