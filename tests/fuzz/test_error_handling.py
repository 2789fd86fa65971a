"""Errors under stress: the database unavailable or locked answers 503 with Retry-After, a request
over MAX_CONTENT_LENGTH 413, and no error page shows a traceback, a file path, configuration or
SQL (docs/security-privacy.md §3.2 error mapping; ASVS 16.5.1)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, abort
from sqlalchemy import event

from groupfinder.errors import InvalidInput
from groupfinder.extensions import db
from groupfinder.review.models import ProblemReport

from ..conftest import make_app
from ..factories import make_group

SECRET = "test-secret-key-that-is-long-enough-for-tests"
MiB = 1024 * 1024
LEAKS = re.compile(r"Traceback|File \"|\.py\b|site-packages|/work/|/tmp/|sqlalchemy|psycopg|"
                   r"sqlite3|OperationalError|postgresql\+|sqlite:///|" + re.escape(SECRET),
                   re.IGNORECASE)
SQL = re.compile(r"\b(?:SELECT|INSERT|UPDATE|DELETE)\b[^<]*\b(?:FROM|INTO|SET)\b")  # not <select>
PROBLEM = "application/problem+json"


def assert_no_leak(response: Any, *also: str) -> None:
    __tracebackhide__ = True
    body = response.get_data(as_text=True)
    leak = LEAKS.search(body) or SQL.search(body)
    assert leak is None, f"{response.status_code} page shows {leak.group(0)!r}"
    for text in also:
        assert text not in body, f"{response.status_code} page shows {text!r}"


def assert_kind(response: Any, path: str) -> None:
    """problem+json for the API and feeds, an HTML page otherwise."""
    __tracebackhide__ = True
    if path.startswith("/api/") or path.split("?")[0].endswith(".ics"):
        assert response.mimetype == PROBLEM, (path, response.mimetype)
        problem = response.get_json()
        assert problem["status"] == response.status_code
        assert set(problem) >= {"type", "title", "status", "detail"}
    else:
        assert response.mimetype == "text/html", (path, response.mimetype)


def _own_app(url: str, **overrides: Any) -> Iterator[Flask]:
    application = make_app(url, **overrides)
    try:
        yield application
    finally:
        with application.app_context():
            db.engine.dispose()


# --- (a) the database is unavailable ----------------------------------------------------------

UNAVAILABLE = {
    # Nothing listens on port 1: "connection refused" at once.
    "postgres-refused": "postgresql+psycopg://postgres@127.0.0.1:1/nope",
    "sqlite-missing-dir": "sqlite:////nonexistent-groupfinder-dir/sub/groupfinder.sqlite3",
}
READS = ["/api/v1/groups?where=Leeds", "/api/v1/groups/1", "/api/v1/conditions", "/search?where=Leeds",
         "/groups/1", "/groups/1/calendar.ics", "/search/calendar.ics?where=Leeds", "/", "/readyz"]


@pytest.fixture(params=sorted(UNAVAILABLE))
def down_app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    yield from _own_app(UNAVAILABLE[request.param])


@pytest.mark.parametrize("path", READS)
def test_database_unavailable_is_503_with_retry_after(down_app: Flask, path: str) -> None:
    response = down_app.test_client().get(path)
    assert response.status_code == 503, (path, response.status_code)
    assert int(response.headers["Retry-After"]) >= 1
    assert_no_leak(response)
    if path == "/readyz":
        assert response.get_json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    else:
        assert_kind(response, path)


def test_database_unavailable_on_a_form_post_is_503(down_app: Flask) -> None:
    client = down_app.test_client()
    page = client.get("/accounts/login")  # the form itself needs no database
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert token, page.status_code
    response = client.post("/accounts/login", data={
        "csrf_token": token.group(1), "email": "someone@example.org", "password": "x" * 12})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert_kind(response, "/accounts/login")
    assert_no_leak(response)


# --- (b) the database is locked (SQLite) -------------------------------------------------------

BUSY_TIMEOUT_MS = 200


@pytest.fixture
def backend() -> str:
    """This module's database tests hold SQLite's file lock: SQLite only (PostgreSQL has no
    such lock; its unavailability is covered above)."""
    return "sqlite"


@pytest.fixture
def short_busy_timeout(app: Flask) -> Iterator[None]:
    """The shared test app waits GROUPFINDER_SQLITE_BUSY_TIMEOUT_MS (5 s) for the lock; wait
    200 ms instead, by a listener that runs after db.py's, on fresh connections."""
    engine = db.engine

    def _shorten(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    db.session.remove()
    engine.dispose()
    event.listen(engine, "connect", _shorten)
    try:
        yield
    finally:
        db.session.remove()
        event.remove(engine, "connect", _shorten)
        engine.dispose()


def test_locked_database_is_503_and_writes_nothing(app: Flask, client: Any,
                                                   short_busy_timeout: None) -> None:
    group = make_group()
    db.session.commit()
    page = client.get(f"/groups/{group.id}/report")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert token, page.status_code
    before = db.session.scalar(sa.select(sa.func.count(ProblemReport.id)))
    db.session.remove()

    holder = sqlite3.connect(db.engine.url.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process is writing
        response = client.post(f"/groups/{group.id}/report", data={
            "csrf_token": token.group(1), "kind": "details_wrong", "message": "It moved."})
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert_kind(response, "/groups/1/report")
    assert_no_leak(response, "It moved.")
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count(ProblemReport.id))) == before


def test_locked_database_read_is_not_a_500(app: Flask, client: Any,
                                           short_busy_timeout: None) -> None:
    """Under WAL a reader never waits for a writer; in rollback-journal mode (no WAL) it may
    meet the lock, and then it must be a 503 too, never a 500."""
    group_id = make_group().id
    db.session.commit()
    db.session.remove()
    holder = sqlite3.connect(db.engine.url.database, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        responses = {path: client.get(path) for path in (
            f"/groups/{group_id}", f"/api/v1/groups/{group_id}", f"/groups/{group_id}/calendar.ics")}
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for path, response in responses.items():
        assert response.status_code in (200, 503), (path, response.status_code)
        if response.status_code == 503:
            assert response.headers["Retry-After"] == "1"
            assert_kind(response, path)
            assert_no_leak(response)


# --- (c) a request over MAX_CONTENT_LENGTH ----------------------------------------------------


@pytest.fixture
def plain_app(tmp_path: Path) -> Iterator[Flask]:
    """An app that needs no database for what these tests ask (forms' CSRF, errors)."""
    yield from _own_app(f"sqlite:///{tmp_path / 'plain.sqlite3'}", PROPAGATE_UNEXPECTED=False)


@pytest.mark.parametrize("path", ["/accounts/login", "/accounts/register", "/groups/1/report",
                                  "/manage/groups/new"])
def test_too_large_form_is_413_html(plain_app: Flask, path: str) -> None:
    big = {"csrf_token": "x", "message": "a" * (MiB + 1)}
    response = plain_app.test_client().post(path, data=big)
    assert response.status_code == 413, (path, response.status_code)
    assert_kind(response, path)
    assert_no_leak(response)


@pytest.mark.parametrize("path", ["/api/v1/groups", "/search/calendar.ics"])
def test_too_large_api_request_is_413_problem(plain_app: Flask, path: str) -> None:
    response = plain_app.test_client().post(path, data=b"a" * (MiB + 1),
                                            content_type="application/json")
    assert response.status_code == 413, (path, response.status_code)
    assert_kind(response, path)
    assert_no_leak(response)


# --- (d) error pages show nothing of the inside -----------------------------------------------

BOOM = "boom at /work/secret/settings.py: SELECT * FROM users WHERE password_hash = 'x'"


@pytest.fixture
def raising_app(plain_app: Flask) -> Flask:
    """``plain_app`` with routes that fail (TESTING with PROPAGATE_UNEXPECTED=False: the 500
    handler renders instead of re-raising)."""

    def crash() -> Any:
        raise RuntimeError(BOOM + " " + plain_app.config["DATABASE_URL"] + " " + SECRET)

    def invalid() -> Any:
        raise InvalidInput("Some of the input is not valid.", field_errors={"x": ["Bad."]})

    def teapot() -> Any:
        abort(418)

    for prefix in ("/fuzz-test", "/api/v1/fuzz-test", "/fuzz-test/feed.ics"):
        plain_app.add_url_rule(prefix + "/crash" if not prefix.endswith(".ics") else prefix,
                               f"crash{prefix}", crash)
    plain_app.add_url_rule("/fuzz-test/invalid", "invalid", invalid)
    plain_app.add_url_rule("/api/v1/fuzz-test/invalid", "api_invalid", invalid)
    plain_app.add_url_rule("/fuzz-test/teapot", "teapot", teapot)
    return plain_app


@pytest.mark.parametrize("path", ["/fuzz-test/crash", "/api/v1/fuzz-test/crash",
                                  "/fuzz-test/feed.ics"])
def test_500_pages_leak_nothing(raising_app: Flask, path: str) -> None:
    response = raising_app.test_client().get(path, headers={"X-Request-Id": "fuzz-req-1"})
    assert response.status_code == 500, (path, response.status_code)
    assert_no_leak(response, "boom", "password_hash")
    assert "fuzz-req-1" in response.get_data(as_text=True)  # the id to quote when reporting
    assert_kind(response, path)


@pytest.mark.parametrize("path,status", [
    ("/fuzz-test/invalid", 422), ("/api/v1/fuzz-test/invalid", 422), ("/fuzz-test/teapot", 418)])
def test_other_error_pages_leak_nothing(raising_app: Flask, path: str, status: int) -> None:
    response = raising_app.test_client().get(path)
    assert response.status_code == status, (path, response.status_code)
    assert_no_leak(response)
    if status != 418:
        assert_kind(response, path)


@pytest.mark.parametrize("path", [
    "/no/such/page", "/api/v1/no-such-thing", "/groups/0", "/groups/0/calendar.ics",
    "/api/v1/groups/0", "/groups/99999999999999999999", "/api/v1/groups/99999999999999999999",
    "/facilitators/99999999999999999999/calendar.ics", "/groups/1/meetings/9999-12-31T2359.ics",
    "/static/../../src/groupfinder/config.py", "/static/%2e%2e/%2e%2e/pyproject.toml"])
def test_404_pages_leak_nothing(demo_client: Any, path: str) -> None:
    response = demo_client.get(path)
    assert response.status_code == 404, (path, response.status_code)
    assert_no_leak(response)
    assert_kind(response, path)


@pytest.mark.parametrize("method,path", [("POST", "/about"), ("DELETE", "/api/v1/groups"),
                                         ("PUT", "/groups/1/calendar.ics"), ("POST", "/readyz")])
def test_method_not_allowed_leaks_nothing(raising_app: Flask, method: str, path: str) -> None:
    response = raising_app.test_client().open(path, method=method)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert_no_leak(response)
    assert_kind(response, path)


def test_unprocessable_search_leaks_nothing(demo_client: Any) -> None:
    for path in ("/search?where=Leeds&radius=%00", "/api/v1/groups?where=Leeds&radius_km=abc",
                 "/search/calendar.ics?where=Leeds&limit=%C2%B2"):
        response = demo_client.get(path)
        assert response.status_code == 422, (path, response.status_code)
        assert_no_leak(response)
        assert_kind(response, path)
