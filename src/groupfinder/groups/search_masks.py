"""The day and condition bitmasks on ``groups`` that let the search index answer its filters.

Search's "condition" and "day" filters used to look into ``group_conditions`` and ``schedules``
for every candidate row of the bounding box. These columns hold the same facts on the group's
own row, in the search index, so a filtered search reads only the index:

* ``search_conditions``: bit ``id - 1`` for each of the group's conditions with an id from 1 to
  ``MAX_MASK_CONDITION_ID`` (63 fit a signed 64-bit integer). A condition with a larger id is
  not in the mask; search falls back to the link table for it (``groups.queries``).
* ``search_days_open``: the OR of ``days_mask`` over schedules without a last date.
* ``search_days_ending``: the same over schedules with a last date. Whether such a schedule
  has ended depends on today, so search checks those few in ``schedules`` itself.

They are derived data, refreshed from the database after every flush that touches a group, a
schedule or a condition (the one place every write lands, whichever service made it), with the
same SQL the migration's backfill uses. Refreshing neither bumps the group's version (an
organizer's open form stays valid) nor counts as a change of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

MAX_MASK_CONDITION_ID = 63
DAY_BITS = 7

_DAYS = " + ".join(f"COALESCE(MAX(s.days_mask & {1 << d}), 0)" for d in range(DAY_BITS))
# SUM of distinct powers of two is their OR (each (group, condition) pair appears once);
# SQLite has no bitwise aggregate and this reads the same on PostgreSQL.
REFRESH_SQL = f"""
UPDATE groups SET
  search_conditions = (
    SELECT COALESCE(SUM(CAST(1 AS BIGINT) << (gc.condition_id - 1)), 0)
    FROM group_conditions gc
    WHERE gc.group_id = groups.id AND gc.condition_id BETWEEN 1 AND {MAX_MASK_CONDITION_ID}),
  search_days_open = (
    SELECT {_DAYS} FROM schedules s WHERE s.group_id = groups.id AND s.last_date IS NULL),
  search_days_ending = (
    SELECT {_DAYS} FROM schedules s WHERE s.group_id = groups.id AND s.last_date IS NOT NULL)
"""


def condition_bit(condition_id: int) -> int | None:
    """The condition's bit in ``search_conditions``, or ``None`` when it has none."""
    if 1 <= condition_id <= MAX_MASK_CONDITION_ID:
        return 1 << (condition_id - 1)
    return None


def refresh(connection: sa.Connection, group_ids: Iterable[int] | None = None) -> None:
    """Recompute the masks of ``group_ids`` (every group with ``None``) from the rows."""
    if group_ids is None:
        connection.execute(sa.text(REFRESH_SQL))
        return
    ids = sorted(set(group_ids))
    for start in range(0, len(ids), 500):
        connection.execute(sa.text(REFRESH_SQL + " WHERE groups.id IN :ids")
                           .bindparams(sa.bindparam("ids", expanding=True)),
                           {"ids": ids[start:start + 500]})


def _committed(state: Any, key: str) -> Any:
    history = state.attrs[key].history
    values = [*history.deleted, *history.unchanged, *history.added]
    return values[0] if values else state.dict.get(key)


def _affected(session: Session) -> tuple[set[int], bool]:
    """(group ids whose masks may have changed, whether a condition itself was deleted)."""
    from ..schedules.models import Schedule
    from .models import Condition, Group

    ids: set[int] = set()
    condition_deleted = False
    for change, objs in (("new", session.new), ("dirty", session.dirty),
                         ("deleted", session.deleted)):
        for obj in objs:
            if isinstance(obj, Group):
                if change == "new" or (change == "dirty"
                                       and inspect(obj).attrs.conditions.history.has_changes()):
                    ids.add(obj.id)
            elif isinstance(obj, Schedule):
                state = inspect(obj)
                for group_id in {state.dict.get("group_id"), _committed(state, "group_id")}:
                    if group_id is not None:
                        ids.add(group_id)
            elif isinstance(obj, Condition) and change == "deleted":
                condition_deleted = True
    return ids, condition_deleted


_REFRESHED = "groupfinder.search_masks_refreshed"
_COLUMNS = ["search_conditions", "search_days_open", "search_days_ending"]


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session: Session, _context: Any) -> None:
    ids, condition_deleted = _affected(session)
    if condition_deleted:  # its id may be used again by a later condition: clear its bit
        refresh(session.connection())
    elif ids:
        refresh(session.connection(), ids)
    if ids or condition_deleted:
        session.info[_REFRESHED] = None if condition_deleted else ids


@event.listens_for(Session, "after_flush_postexec")
def _expire_refreshed(session: Session, _context: Any) -> None:
    """Loaded groups keep their other state; the masks are read again when next used."""
    if _REFRESHED not in session.info:
        return
    ids = session.info.pop(_REFRESHED)
    from .models import Group

    # The id from the identity key: reading ``obj.id`` of an expired group (every loaded group
    # after a transaction() began) would load it again, one statement per group in the session.
    for key, obj in list(session.identity_map.items()):
        if isinstance(obj, Group) and (ids is None or key[1][0] in ids):
            session.expire(obj, _COLUMNS)
