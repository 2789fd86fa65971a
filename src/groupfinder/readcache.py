"""A data-version token and a per-process cache of public read models keyed by it.

Every commit that changed ORM data replaces the token in the ``data_generation`` row, in the same
transaction, so every worker sees a new token at once and drops what it cached. Reads are far more
frequent than writes in a directory, so search and feeds can reuse work between requests:
serialised group summaries, vocabulary lists, and feeds (a conditional GET is answered before
anything is built). Feed bodies are keyed by their URL, which for a search feed carries its place
and filters: that stays in this process's memory only, bounded, and is never logged or stored.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db


class DataGeneration(db.Model):
    """One row; ``token`` changes on every commit that changed data."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))


def _bump(session: Session) -> None:
    token = secrets.token_hex(16)
    result = session.execute(sa.update(DataGeneration).where(DataGeneration.id == 1)
                             .values(token=token))
    if result.rowcount == 0:
        session.execute(sa.insert(DataGeneration).values(id=1, token=token))


def _changes_data(session: Session) -> bool:
    from .geo.models import GeocodeCache  # the geocoder's own cache is not public data

    return any(not isinstance(obj, GeocodeCache)
               for obj in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "after_flush")
def _remember_change(session: Session, _ctx: Any) -> None:
    if _changes_data(session):
        session.info["groupfinder.changed"] = True


@event.listens_for(Session, "before_commit")
def _new_token(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.pop("groupfinder.changed", False):
        _bump(session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("groupfinder.changed", None)


# How long a worker may trust the token it last read, for callers that accept it (feeds: calendar
# apps poll every few hours, so a second's delay is invisible and every request saves a query).
# A commit in this process forgets it at once; one by another worker is seen within this time.
TOKEN_TTL_SECONDS = 1.0


def current_token(*, stale_ok: bool = False) -> str:
    """The data version for this request (read once per request; ``g`` would outlive it when an
    app context spans several requests, as in tests). ``stale_ok``: up to TOKEN_TTL_SECONDS old."""
    environ = request.environ if has_request_context() else {}
    token = environ.get("groupfinder.data_token")
    if token is None:
        memo = current_app.extensions.get("groupfinder.token_memo")
        now = time.monotonic()
        if stale_ok and memo is not None and memo[1] > now:
            token = memo[0]
        else:
            token = db.session.scalar(
                sa.select(DataGeneration.token).where(DataGeneration.id == 1)) or "-"
            current_app.extensions["groupfinder.token_memo"] = (token, now + TOKEN_TTL_SECONDS)
        if has_request_context():
            environ["groupfinder.data_token"] = token
    return token


@event.listens_for(Session, "after_commit")
def _forget_token(_session: Session) -> None:
    if has_app_context():
        current_app.extensions.pop("groupfinder.token_memo", None)


class ReadCache:
    """A bounded LRU of values valid for one data token; thread-safe."""

    def __init__(self, size: int = 20000) -> None:
        self.size = size
        self._items: OrderedDict[Any, tuple[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, token: str) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != token:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: Any, token: str, value: Any) -> None:
        with self._lock:
            self._items[key] = (token, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_build(self, key: Any, token: str, build: Callable[[], Any]) -> Any:
        value = self.get(key, token)
        if value is None:
            value = build()
            self.put(key, token, value)
        return value


def cache() -> ReadCache:
    """This app's cache (tests run several apps, each on its own database, in one process)."""
    return current_app.extensions.setdefault("groupfinder.readcache", ReadCache())
