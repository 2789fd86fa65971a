"""Fixtures: apps on SQLite and (when GROUPFINDER_TEST_DATABASE_URL is set) PostgreSQL.

Every database test runs on both backends through the ``backend`` parameter. Two databases per
backend: ``work`` (emptied after each test, reference data kept) and ``demo`` (the demo listings,
read-only). Under pytest-xdist each is prepared once per run and copied to every worker that
needs it (seeding the demo takes seconds, a copy a fraction of one). Under CI (``CI=true``) the
run fails when the PostgreSQL tests were skipped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from groupfinder.app import create_app
from groupfinder.extensions import db
from groupfinder.readcache import cache as read_cache

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


def _pg_database(name: str, *, template: str | None = None, keep: bool = False) -> str:
    """A fresh database beside GROUPFINDER_TEST_DATABASE_URL's, for one role of this run
    (named per process, so concurrent runs on one server don't drop each other's), empty or a
    copy of ``template``; dropped at the end of this process's session unless ``keep``."""
    admin, url = _pg_admin()
    target = name if keep else f"{url.database}_gf_{os.getpid()}_{name}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{target}"{copy}')
    admin.dispose()
    if not keep:
        _created_pg.append(target)
    return url.set(database=target).render_as_string(hide_password=False)


def _drop_pg_databases(names: list[str]) -> None:
    if not names:
        return
    admin, _ = _pg_admin()
    with admin.connect() as conn:
        for target in names:
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


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Held by one process at a time (an advisory lock on ``path``)."""
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _prepared_copy(config: pytest.Config, backend: str, name: str, shared: Path, tmp: Path) -> str:
    """The URL of a copy of this run's prepared database ``name``: the first worker to need it
    prepares it in ``shared`` (the folder every worker of the run shares), the others copy it.
    The copies are only read (demo) or emptied back to that state after each test (work)."""
    if backend == "postgres" and not PG_URL:
        pytest.skip("GROUPFINDER_TEST_DATABASE_URL is not set")
    with _locked(shared / f"{backend}-{name}.lock"):
        if backend == "sqlite":
            template, ready = shared / f"{name}-template.sqlite3", shared / f"sqlite-{name}.ready"
            if not ready.exists():  # (a template left half-built by a crash is rebuilt)
                _prepare_template(f"sqlite:///{template}", demo=name == "demo")
                ready.touch()
            target = tmp / f"{name}.sqlite3"
            with contextlib.closing(sqlite3.connect(template)) as source, \
                    contextlib.closing(sqlite3.connect(target)) as copy:
                source.backup(copy)
            return f"sqlite:///{target}"
        marker = shared / f"{name}.{PG_TEMPLATE_SUFFIX}"
        if not marker.exists():
            run = config.workerinput["testrunuid"][:12]  # type: ignore[attr-defined]
            template = f"{make_url(PG_URL).database}_gf_{run}_{name}_template"
            _prepare_template(_pg_database(template, keep=True), demo=name == "demo")
            marker.write_text(template)  # (the controller drops it at the end of the run)
        return _pg_database(name, template=marker.read_text())


PG_TEMPLATE_SUFFIX = "pg-template"


def _prepare_template(url: str, *, demo: bool) -> None:
    app = make_app(url)
    _prepare(app, demo=demo)
    with app.app_context():
        db.engine.dispose()  # nobody may be connected to a database PostgreSQL copies


def _app_for(request: pytest.FixtureRequest, cache: dict, backend: str, name: str) -> Flask:
    key = (backend, name)
    if key not in cache:
        factory = request.getfixturevalue("tmp_path_factory")
        tmp = factory.mktemp(f"{backend}-{name}")
        if hasattr(request.config, "workerinput"):  # a pytest-xdist worker
            app = make_app(_prepared_copy(request.config, backend, name,
                                          factory.getbasetemp().parent, tmp))
        else:
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
        # Emptied behind the session's back: what was read of the data goes too (the next test
        # may reuse ids, and a visitor's page trusts a data version read < 1 s ago).
        application.extensions.pop("groupfinder.token_memo", None)
        read_cache().clear()
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


# --- xdist: the longest files first -----------------------------------------------------------

# What one test marked ``slow`` (a browser, a server, a wheel) counts for, in tests of the usual
# kind, when files are handed out longest first.
SLOW_WEIGHT = 30


def pytest_configure(config: pytest.Config) -> None:
    # --dist loadfile hands out files with the most tests first (xdist's "loadscope reorder"),
    # which kept the files of a few long tests (the browser ones above all) for the end, one
    # worker running them while the others idled. The order below is used instead.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, files in order of their estimated length, longest first (each
    file's tests keep their order); a single process keeps the collection order."""
    if not hasattr(config, "workerinput"):
        return
    weight: dict[Path, int] = {}
    for item in items:
        weight[item.path] = weight.get(item.path, 0) + (
            SLOW_WEIGHT if item.get_closest_marker("slow") else 1)
    items.sort(key=lambda item: -weight[item.path])  # (stable: files stay whole)


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
    _drop_pg_databases(_created_pg)
    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker: the controller sees every report and decides
    if PG_URL and getattr(session.config.option, "numprocesses", None):
        # the workers' shared PostgreSQL templates (_prepared_copy), now that all have finished
        shared = session.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
        _drop_pg_databases([m.read_text() for m in shared.glob(f"*.{PG_TEMPLATE_SUFFIX}")])
    ran = session.testscollected or any(_pg_outcomes.values())
    if os.environ.get("CI", "").lower() in ("1", "true") and ran:
        if _pg_outcomes["skipped"] or not _pg_outcomes["passed"]:
            session.exitstatus = 1
