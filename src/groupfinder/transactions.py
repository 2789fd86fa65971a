"""The one way services write: ``with transaction(): ...`` commits once at the end, or rolls
back everything on any exception (after which nothing was written), and on SQLite takes the
write lock up front (``BEGIN IMMEDIATE``) so concurrent writers wait instead of failing.

The lock is held only while writing: the request's reads run in a plain read transaction
(readers never block a writer in WAL mode), which ``transaction()`` ends before it begins the
write one; callers hash passwords and render templates before or after, never inside. Objects
loaded earlier are expired by that, so the write sees the rows as they are now.

A ``transaction()`` opened inside another joins it: the outermost one commits. So a bulk caller
(the demo seeder) calls the same services as a form does, all in one unit of work.

Conflicts between editors are written one way too: ``check_version`` for the classic web lost
update (A loads the form, B saves, A saves) and ``conflicts`` for the race inside overlapping
transactions (the row's version column, ``StaleDataError`` at flush); both raise
``ConflictError``, which the views answer with 409 and the person's input kept.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.exc import StaleDataError

from .db import writing
from .exceptions import ConflictError
from .extensions import db

_FLUSHED = "groupfinder.flushed"  # the session's transaction has written (flushed) something
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("groupfinder_tx_depth", default=0)


@contextlib.contextmanager
def transaction() -> Iterator[None]:
    depth = _depth.get()
    if depth:
        token = _depth.set(depth + 1)
        try:
            yield  # the outermost transaction commits, or rolls back everything
        finally:
            _depth.reset(token)
        return
    token = _depth.set(1)
    try:
        _end_read_transaction()
        with writing():
            try:
                yield
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
    finally:
        _depth.reset(token)


def _end_read_transaction() -> None:
    """End the session's read transaction so the write one begins afresh (SQLite cannot safely
    upgrade a read transaction to a writer: after another commit it fails at once, without the
    busy timeout). Changes made before ``transaction()`` (flushed or not) are kept and written
    in the transaction they began in."""
    session = db.session()  # the request's Session (the scoped proxy lacks in_transaction)
    if (session.in_transaction() and not session.info.get(_FLUSHED)
            and not (session.new or session.dirty or session.deleted)):
        session.rollback()


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info[_FLUSHED] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_flush(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost: committed or rolled back
        session.info.pop(_FLUSHED, None)


def check_version(item: Any, expected_version: int | None, message: str) -> None:
    """``ConflictError`` (with the current version) when ``expected_version``, the version the
    editor loaded, is not the stored one: someone else saved in between."""
    if expected_version is not None and expected_version != item.version:
        raise ConflictError(message, extra={"current_version": item.version})


@contextlib.contextmanager
def conflicts(message: str) -> Iterator[None]:
    """``transaction()`` whose version race (``StaleDataError`` at flush) is a ``ConflictError``
    with ``message``, not a 500; nothing was written either way."""
    try:
        with transaction():
            yield
    except StaleDataError:
        raise ConflictError(message) from None
