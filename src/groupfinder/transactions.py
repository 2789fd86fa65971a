"""The one way services write: ``with transaction(): ...`` commits once at the end, or rolls
back everything on any exception (after which nothing was written), and on SQLite takes the
write lock up front (``BEGIN IMMEDIATE``) so concurrent writers wait instead of failing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .db import writing
from .extensions import db


@contextlib.contextmanager
def transaction() -> Iterator[None]:
    with writing():
        try:
            yield
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
