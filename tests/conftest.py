"""Fixtures: apps on SQLite and (when GROUPFINDER_TEST_DATABASE_URL is set) PostgreSQL.

Every database test runs on both backends through the ``backend`` parameter. Two databases per
backend: ``work`` (emptied after each test, reference data kept) and ``demo`` (the demo listings,
read-only). Under CI (``CI=true``) the run fails when the PostgreSQL tests were skipped.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from groupfinder.app import create_app
from groupfinder.extensions import db

PG_URL = os.environ.get("GROUPFINDER_TEST_DATABASE_URL", "")
REFERENCE_TABLES = {"conditions", "audiences", "languages", "access_features", "gazetteer"}
# A fixed "today" keeps demo cancellations and relative dates deterministic.
DEMO_TODAY = dt.date(2026, 11, 25)

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


_created_pg: list[str] = []


def _pg_admin() -> tuple[sa.Engine, sa.URL]:
    url = make_url(PG_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT"), url


def _pg_database(name: str) -> str:
    """A fresh database beside GROUPFINDER_TEST_DATABASE_URL's, for one role of this run
    (named per process, so concurrent runs on one server don't drop each other's)."""
    admin, url = _pg_admin()
    target = f"{url.database}_gf_{os.getpid()}_{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{target}"')
    admin.dispose()
    _created_pg.append(target)
    return url.set(database=target).render_as_string(hide_password=False)


def _drop_pg_databases() -> None:
    if not _created_pg:
        return
    admin, _ = _pg_admin()
    with admin.connect() as conn:
        for target in _created_pg:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    admin.dispose()


def database_url(backend: str, name: str, tmp_dir: Path) -> str:
    if backend == "postgres":
        if not PG_URL:
            pytest.skip("GROUPFINDER_TEST_DATABASE_URL is not set")
        return _pg_database(name)
    return f"sqlite:///{tmp_dir / (name + '.sqlite3')}"


class IsolatedClient(FlaskClient):
    """Each request starts with an empty ``g``, as in production: the fixtures keep one app
    context open for the whole test, and requests would otherwise share it (and, for example,
    Flask-Login's cached user)."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if has_app_context():
            g.__dict__.clear()
        # The test BASE_URL is https, so cookies are Secure (and __Host-): speak https.
        if not args or isinstance(args[0], str):
            kwargs.setdefault("base_url", "https://localhost")
            # Flask-WTF checks the Referer on https (same origin), as a browser would send it.
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("Referer", "https://localhost/")
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


def make_app(url: str, **overrides: object) -> Flask:
    settings = {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "BASE_URL": "https://groups.example.test",
        "GEOCODER": "offline",
        "MAIL_BACKEND": "memory",
        "RATELIMIT_ENABLED": False,  # the rate-limit tests switch it on
        **overrides,
    }
    app = create_app(settings)
    app.test_client_class = IsolatedClient
    return app


def _prepare(app: Flask, *, demo: bool) -> None:
    from groupfinder.interop.demo import seed_demo
    from groupfinder.interop.reference import load_gazetteer_data, load_vocabularies

    with app.app_context():
        db.drop_all()
        db.create_all()
        load_vocabularies()
        load_gazetteer_data()
        if demo:
            seed_demo(today=DEMO_TODAY)


@pytest.fixture(scope="session")
def _apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], Flask]]:
    cache: dict[tuple[str, str], Flask] = {}
    yield cache
    for app in cache.values():
        with app.app_context():
            db.engine.dispose()


def _app_for(request: pytest.FixtureRequest, cache: dict, backend: str, name: str) -> Flask:
    key = (backend, name)
    if key not in cache:
        tmp = request.getfixturevalue("tmp_path_factory").mktemp(f"{backend}-{name}")
        app = make_app(database_url(backend, name, tmp))
        _prepare(app, demo=name == "demo")
        cache[key] = app
    return cache[key]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(request: pytest.FixtureRequest, backend: str, _apps: dict) -> Iterator[Flask]:
    """An app on an empty database (reference data loaded) with an empty mail outbox; emptied
    again afterwards."""
    application = _app_for(request, _apps, backend, "work")
    application.extensions["groupfinder.outbox"] = []
    ctx = application.app_context()
    ctx.push()
    try:
        yield application
    finally:
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in REFERENCE_TABLES:
                    conn.execute(table.delete())
        ctx.pop()


@pytest.fixture
def demo_app(request: pytest.FixtureRequest, backend: str, _apps: dict) -> Iterator[Flask]:
    """An app on the demo listings, seeded once per backend; tests must not write to it."""
    application = _app_for(request, _apps, backend, "demo")
    ctx = application.app_context()
    ctx.push()
    try:
        yield application
    finally:
        db.session.rollback()
        db.session.remove()
        ctx.pop()


@pytest.fixture
def client(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def demo_client(demo_app: Flask):  # type: ignore[no-untyped-def]
    return demo_app.test_client()


# --- CI guard: the PostgreSQL tests must have run --------------------------------------------

_pg_outcomes = {"passed": 0, "skipped": 0, "failed": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "postgres" not in report.keywords:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _pg_outcomes[report.outcome] = _pg_outcomes.get(report.outcome, 0) + 1


_SKIP_HINTS = {  # what to do about the commonest reasons (README, "Tests")
    "GROUPFINDER_TEST_DATABASE_URL is not set":
        "set it to e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test, or run .ci/run",
}


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    terminalreporter.write_line(
        f"postgres tests: {_pg_outcomes['passed']} passed, {_pg_outcomes['skipped']} skipped, "
        f"{_pg_outcomes['failed']} failed")
    # One line per reason, however many tests it skipped: "what didn't run here, and why".
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.write_line(f"skipped {sum(reasons.values())} test(s), by reason:")
        for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
            hint = _SKIP_HINTS.get(reason)
            terminalreporter.write_line(f"  {count:>5}  {reason}" + (f" ({hint})" if hint else ""))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _drop_pg_databases()
    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker: the controller sees every report and decides
    ran = session.testscollected or any(_pg_outcomes.values())
    if os.environ.get("CI", "").lower() in ("1", "true") and ran:
        if _pg_outcomes["skipped"] or not _pg_outcomes["passed"]:
            session.exitstatus = 1
