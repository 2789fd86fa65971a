"""Database foundations: declarative base, UTC datetimes, and engine settings per backend.

SQLite is made to behave like PostgreSQL where it matters: foreign keys on, a busy timeout, and
transactions that take the write lock up front (``BEGIN IMMEDIATE``) when the unit of work writes,
so several gunicorn workers never answer "database is locked" (docs/security-privacy.md §3.2).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """Aware UTC in, aware UTC out, on every backend; a naive value is a bug and is refused."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.UTC)
        # SQLite keeps text: store naive UTC so that comparisons stay lexical and correct.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# --- unit of work: does the current transaction write? ------------------------------------

_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("groupfinder_writing", default=False)


def is_writing() -> bool:
    return _writing.get()


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Mark the transactions begun inside as readers (a plain ``BEGIN``), even inside a write
    request: a second connection that only reads must not queue for the write lock the
    request's own session holds (it would wait for itself until the busy timeout)."""
    token = _writing.set(False)
    try:
        yield
    finally:
        _writing.reset(token)


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Mark the transactions begun inside as writers (SQLite: ``BEGIN IMMEDIATE``)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


# --- SQLite engine set-up ------------------------------------------------------------------

_MATH_FUNCTIONS = {
    "radians": (1, math.radians),
    "sin": (1, math.sin),
    "cos": (1, math.cos),
    "asin": (1, lambda x: math.asin(max(-1.0, min(1.0, x)))),
    "sqrt": (1, math.sqrt),
    "power": (2, math.pow),
}


def register_math_functions(dbapi_conn: Any) -> None:
    """Provide the haversine's SQL functions where SQLite was built without them."""
    for name, (nargs, fn) in _MATH_FUNCTIONS.items():
        dbapi_conn.create_function(name, nargs, fn, deterministic=True)


def _has_math_functions(dbapi_conn: Any) -> bool:
    try:
        dbapi_conn.execute("SELECT sin(0), radians(1), asin(0), power(2, 2)").fetchone()
    except Exception:  # sqlite3.OperationalError: no such function
        return False
    return True


def configure_engine(engine: Engine, *, force_math_udfs: bool = False,
                     busy_timeout_ms: int = 5000) -> None:
    """Attach the per-backend connection settings; called once per engine."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
        # SQLAlchemy emits BEGIN itself (the driver's legacy mode would not BEGIN before SELECT
        # or DDL, and could not BEGIN IMMEDIATE at all).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")  # first: later statements wait too
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()
        if force_math_udfs or not _has_math_functions(dbapi_conn):
            register_math_functions(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if is_writing() else "BEGIN")


def enable_wal(engine: Engine) -> None:
    """WAL is persistent in the file: set it once (at upgrade), never per connection."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    raw = engine.raw_connection()  # outside SQLAlchemy's BEGIN: the pragma refuses transactions
    try:
        raw.driver_connection.execute("PRAGMA journal_mode=WAL")
    finally:
        raw.close()
