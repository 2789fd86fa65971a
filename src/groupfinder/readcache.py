"""A data-version token and a per-process cache of public read models keyed by it.

Every commit that changed public data replaces the token in the ``data_generation`` row, in the
same transaction, so every worker sees a new token at once and drops what it cached. Public ETags
(feeds, the Meeting Guide export) are derived from the token, so it must move only with what they
show: were it bumped by every commit, anyone polling an ETag would learn that an account was just
registered, a draft saved or a problem reported. ``_is_public_change`` decides. Reads are far more
frequent than writes in a directory, so search and feeds can reuse work between requests:
serialised group summaries, vocabulary lists, and feeds (a conditional GET is answered before
anything is built). A search feed is keyed by its parsed criteria, which carry its place and
filters: that stays in this process's memory only, bounded in bytes (``READ_CACHE_MB``), and is
never logged or stored. An entry that holds words (a feed, a search summary with its schedules in
words) is keyed by the language too, and so are the ETags made from such keys.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from cachetools import LRUCache
from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstanceState, Mapped, Session, mapped_column
from sqlalchemy.orm.util import identity_key

from .extensions import db


class DataGeneration(db.Model):
    """One row; ``token`` changes on every commit that changed public data."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))


def _bump(session: Session) -> None:
    token = secrets.token_hex(16)
    result = session.execute(sa.update(DataGeneration).where(DataGeneration.id == 1)
                             .values(token=token))
    if result.rowcount == 0:
        # A migration creates the row; a database made by ``create_all`` (tests, benches) or
        # emptied by hand has none. An upsert, so that two first writers don't race: a plain
        # INSERT would fail the second one's commit on PostgreSQL.
        table = DataGeneration.__table__
        dialect = session.connection().dialect.name
        if dialect in ("postgresql", "sqlite"):
            module = postgresql if dialect == "postgresql" else sqlite
            session.execute(module.insert(table).values(id=1, token=token)
                            .on_conflict_do_update(index_elements=[table.c.id], set_={"token": token}))
        else:
            session.execute(sa.insert(table).values(id=1, token=token))


# --- which changes are public ----------------------------------------------------------------
#
# Public data is what a published group shows: the group itself, its schedules, cancellations
# and moves, its venues, facilitators and organisation, and the vocabularies. A group whose
# status changes to or from ``published`` is public too (it appears or disappears). Nothing else
# is: accounts and their sessions, organisations' teams and invitations, audit entries, problem
# reports, pending revisions, the geocoder's cache, and drafts (a group not published before the
# change and not published after it, with its link rows, schedules and exceptions). Where it can't be decided cheaply and reliably the answer is
# "public": a spare new token costs one rebuild, a kept one serves stale data.

_PUBLISHED = "published"  # ListingStatus.published (a StrEnum, so equal to its value)
_NEVER_PUBLIC = frozenset({"User", "AuditEntry", "ProblemReport", "ListingRevision", "GeocodeCache",
                           "OutboxMail", "ListingReminder",
                           "Membership", "Invitation"})  # an organisation's team is private
# A published group's columns and links no public output shows: who organizes it, the
# reviewer's note, and the row's bookkeeping (filing a pending edit only moves these).
_GROUP_PRIVATE_ATTRS = frozenset({"organizers", "review_reason", "updated_at", "version"})
_UNKNOWN = object()
_STATUS_BEFORE = "groupfinder.status_before"


def _net_changes(state: InstanceState) -> list[str]:
    return [attr.key for attr in state.attrs if attr.history.has_changes()]


def _status_in_db(session: Session, group_id: Any) -> Any:
    from .groups.models import Group

    if group_id is None:
        return _UNKNOWN
    return session.connection().scalar(sa.select(Group.status).where(Group.id == group_id))


def _group_published_now(session: Session, group_id: Any) -> bool:
    """Whether the group is published as flushed (a status change is the group's own change)."""
    from .groups.models import Group

    if group_id is None:
        return True  # can't tell: public
    group = session.identity_map.get(identity_key(Group, group_id))
    if group is not None and "status" in inspect(group).dict:
        return group.status == _PUBLISHED
    return _status_in_db(session, group_id) == _PUBLISHED


def _schedule_published_now(session: Session, schedule_id: Any) -> bool:
    from .groups.models import Group
    from .schedules.models import Schedule

    if schedule_id is None:
        return True
    schedule = session.identity_map.get(identity_key(Schedule, schedule_id))
    if schedule is not None and inspect(schedule).dict.get("group_id") is not None:
        return _group_published_now(session, schedule.group_id)
    status = session.connection().scalar(
        sa.select(Group.status).join(Schedule, Schedule.group_id == Group.id)
        .where(Schedule.id == schedule_id))
    return status == _PUBLISHED


def _status_before(session: Session, state: InstanceState) -> Any:
    """A persistent group's status as it was before this flush."""
    history = state.attrs.status.history
    if history.deleted or history.unchanged:
        return (history.deleted or history.unchanged)[0]
    return session.info.get(_STATUS_BEFORE, {}).get(state.identity[0], _UNKNOWN)


def _group_change_is_public(session: Session, state: InstanceState, change: str) -> bool:
    history = state.attrs.status.history
    before = None if change == "new" else _status_before(session, state)
    if change == "deleted":
        after = None
    elif history.added or history.unchanged:
        after = (history.added or history.unchanged)[0]
    else:  # not loaded, so not set: as it was (a new group's default is read back)
        after = before if change == "dirty" else _status_in_db(session, state.identity[0])
    if before is _UNKNOWN or after is _UNKNOWN:
        return True
    if _PUBLISHED not in (before, after):
        return False  # a draft (or a pending, rejected or archived listing) stays hidden
    if before != after or change != "dirty":
        return True  # appears in, or disappears from, every public output
    return any(key not in _GROUP_PRIVATE_ATTRS for key in _net_changes(state))


@event.listens_for(Session, "before_flush")
def _remember_status_before(session: Session, _ctx: Any, _instances: Any) -> None:
    """Read the stored status of groups about to be updated or deleted whose old status the
    session doesn't hold (expired after a commit, or set without being read): after the flush
    the database has only the new one."""
    ids = []
    for obj in (*session.dirty, *session.deleted):
        if type(obj).__name__ == "Group":
            state = inspect(obj)
            history = state.attrs.status.history
            if state.identity and not (history.deleted or history.unchanged):
                ids.append(state.identity[0])
    if ids:
        from .groups.models import Group

        rows = session.connection().execute(sa.select(Group.id, Group.status).where(Group.id.in_(ids)))
        session.info[_STATUS_BEFORE] = {group_id: status for group_id, status in rows}


def _used_by_published_group(session: Session, obj: Any) -> bool:
    from .facilitators.models import Facilitator
    from .groups.models import Group, group_facilitators
    from .schedules.models import MeetingChange, Schedule

    published = Group.status == _PUBLISHED
    if isinstance(obj, Facilitator):
        query = sa.select(group_facilitators.c.group_id).join(
            Group, Group.id == group_facilitators.c.group_id).where(
            group_facilitators.c.facilitator_id == obj.id, published)
    else:  # a Venue: where a published group meets, or where one of its meetings moved to
        query = sa.select(Group.id).where(Group.venue_id == obj.id, published).union_all(
            sa.select(Group.id).join(Schedule, Schedule.group_id == Group.id)
            .join(MeetingChange, MeetingChange.schedule_id == Schedule.id)
            .where(MeetingChange.new_venue_id == obj.id, published))
    return session.connection().execute(query.limit(1)).first() is not None


def _runs_published_group(session: Session, organisation_id: Any) -> bool:
    from .groups.models import Group

    return session.connection().execute(sa.select(Group.id).where(
        Group.organisation_id == organisation_id, Group.status == _PUBLISHED).limit(1)).first() \
        is not None


def _is_public_change(session: Session, obj: Any, change: str) -> bool:
    """Whether flushing ``obj`` (``change``: new, dirty or deleted) changed public data. Called
    after the flush, while the session still holds the objects' history."""
    name = type(obj).__name__
    state = inspect(obj)
    if name in _NEVER_PUBLIC:
        return False
    if change == "dirty" and not _net_changes(state):
        return False  # touched, but every value is as it was
    if name == "Group":
        return _group_change_is_public(session, state, change)
    if name == "Schedule":
        return _group_published_now(session, state.dict.get("group_id"))
    if name in ("Cancellation", "MeetingChange"):
        return _schedule_published_now(session, state.dict.get("schedule_id"))
    if name == "Organisation":  # public through the published groups it runs
        if change == "new":
            return False  # a published group joins it by a change of its own
        if change == "deleted" or "id" not in state.dict:
            return True
        return _runs_published_group(session, obj.id)
    if name in ("Venue", "Facilitator"):
        if change == "new":
            return False  # a published group can only use it by a change of its own
        if change == "deleted" or "id" not in state.dict:
            return True
        return _used_by_published_group(session, obj)
    return True  # vocabularies, the gazetteer, and any model added later


def _changes_public_data(session: Session) -> bool:
    changes = ((obj, change) for change, objs in
               (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted))
               for obj in objs)
    return any(_is_public_change(session, obj, change) for obj, change in changes)


@event.listens_for(Session, "after_flush")
def _remember_change(session: Session, _ctx: Any) -> None:
    if not session.info.get("groupfinder.changed") and _changes_public_data(session):
        session.info["groupfinder.changed"] = True
    session.info.pop(_STATUS_BEFORE, None)


@event.listens_for(Session, "before_commit")
def _new_token(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.pop("groupfinder.changed", False):
        _bump(session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("groupfinder.changed", None)
    session.info.pop(_STATUS_BEFORE, None)


# How long a worker may trust the token it last read, for callers that accept it (feeds: calendar
# apps poll every few hours; a signed-out visitor's page: nobody can tell a second's delay from
# the time the edit took to save), so that those requests save a query. A commit in this process
# forgets it at once; one by another worker is seen within this time. A signed-in organizer's
# requests always read it afresh, so they see their own edit on the next page in any worker.
TOKEN_TTL_SECONDS = 1.0
STALE_TOKEN_OK = "groupfinder.stale_token_ok"  # set on the request's environ (hooks._start)


def current_token(*, stale_ok: bool = False) -> str:
    """The data version for this request (read once per request; ``g`` would outlive it when an
    app context spans several requests, as in tests). ``stale_ok``, or a request marked
    ``STALE_TOKEN_OK``: up to TOKEN_TTL_SECONDS old."""
    environ = request.environ if has_request_context() else {}
    token = environ.get("groupfinder.data_token")
    if token is None:
        memo = current_app.extensions.get("groupfinder.token_memo")
        now = time.monotonic()
        if (stale_ok or STALE_TOKEN_OK in environ) and memo is not None and memo[1] > now:
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


# --- the cache ----------------------------------------------------------------------------------

MB = 1024 * 1024
# What an entry costs beyond its key and value: the LRU's three dict slots (data, size, order),
# the size int and the entry object: ~300 bytes measured with tracemalloc (CPython 3.11), rounded up.
ENTRY_OVERHEAD = 360
_FLAT = (str, bytes, bytearray, memoryview, int, float, complex, bool, type(None), dt.date,
         dt.time, dt.timedelta, dt.tzinfo, range)


def estimate_size(value: Any) -> int:
    """Bytes held by ``value`` and what it references: ``sys.getsizeof`` summed over containers
    and dataclasses, each object once. Cached values are plain data (bodies, JSON-ready dicts,
    frozen dataclasses); any other object counts shallow, never followed (an ORM instance would
    lead to its session). Shared objects (interned strings, time zones) count as if owned: an
    over-estimate, so the cap holds."""
    total, seen, stack = 0, set(), [value]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, _FLAT):
            continue
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            stack.extend(getattr(obj, f.name) for f in dataclasses.fields(obj))
    return total


class _Entry:
    __slots__ = ("token", "value", "size")

    def __init__(self, token: str, value: Any, size: int) -> None:
        self.token, self.value, self.size = token, value, size


class ReadCache:
    """An LRU of values valid for one data token, bounded by the bytes it holds; thread-safe.

    Bounded in bytes, not entries: a feed of 200 groups is ~10⁵ times a vocabulary list, so a
    count cap either wastes memory or lets a few thousand search feeds take hundreds of MB.
    Sizes are measured once, on ``put`` (``estimate_size``: a feed body costs its length). An
    entry of another token is a miss and is dropped then; the rest age out of the LRU. A value
    larger than the whole cap is returned uncached; ``max_bytes=0`` turns the cache off.
    """

    def __init__(self, max_bytes: int = 64 * MB) -> None:
        self.max_bytes = max_bytes
        self._lru: LRUCache[Any, _Entry] = LRUCache(maxsize=max_bytes, getsizeof=lambda e: e.size)
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Any, token: str) -> Any:
        with self._lock:
            entry = self._lru.get(key)  # a hit moves it to the young end
            if entry is not None and entry.token != token:
                del self._lru[key]
                entry = None
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            return entry.value

    def put(self, key: Any, token: str, value: Any) -> None:
        size = ENTRY_OVERHEAD + estimate_size(key) + estimate_size(value)
        if size > self.max_bytes:
            return
        with self._lock:
            self._lru[key] = _Entry(token, value, size)  # evicts the oldest until it fits

    def get_or_build(self, key: Any, token: str, build: Callable[[], Any]) -> Any:
        value = self.get(key, token)
        if value is None:
            value = build()
            self.put(key, token, value)
        return value

    @property
    def total_bytes(self) -> int:
        """The bytes the entries are measured to hold (never more than ``max_bytes``)."""
        with self._lock:
            return int(self._lru.currsize)

    def __len__(self) -> int:
        with self._lock:
            return len(self._lru)

    def keys(self) -> list[Any]:
        with self._lock:
            return list(self._lru.keys())

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()


def cache() -> ReadCache:
    """This app's cache (tests run several apps, each on its own database, in one process),
    capped at ``READ_CACHE_MB``."""
    store = current_app.extensions.get("groupfinder.readcache")
    if store is None:
        size = int(float(current_app.config.get("READ_CACHE_MB", 64)) * MB)
        store = current_app.extensions.setdefault("groupfinder.readcache", ReadCache(size))
    return store
