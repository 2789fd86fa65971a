"""Plain factory functions with sensible defaults; each flushes, the caller commits. And
``sign_in``, which signs a test client in as a user."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from groupfinder.accounts.models import Role, User
from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.groups.models import Group, ListingStatus
from groupfinder.groups.services import slugify
from groupfinder.schedules.models import Schedule
from groupfinder.schedules.recurrence import Frequency
from groupfinder.schedules.services import days_mask
from groupfinder.venues.models import Venue
from groupfinder.venues.places import apply_public_location

_n = itertools.count(1)


def make_venue(**kw: Any) -> Venue:
    n = next(_n)
    values = dict(name=f"Test Hall {n}", address=f"{n} Test Street", postcode="M1 1AE",
                  town="Manchester", country="GB", latitude=53.4771, longitude=-2.2346,
                  timezone="Europe/London")
    values.update(kw)
    venue = Venue(**values)
    db.session.add(venue)
    db.session.flush()
    return venue


def make_schedule(**kw: Any) -> Schedule:
    values = dict(kind=Frequency.weekly, interval=1, weekdays="1", positions="",
                  start_time=dt.time(19), duration_minutes=90, first_date=dt.date(2026, 1, 6))
    values.update(kw)
    schedule = Schedule(**values)
    schedule.days_mask = days_mask(schedule.spec("UTC"))
    return schedule


def make_group(*, venue: Venue | None = None, schedules: list[Schedule] | None = None,
               **kw: Any) -> Group:
    n = next(_n)
    values = dict(name=f"Test Group {n}", description="A test group.", what_to_expect="Tea.",
                  status=ListingStatus.published)
    values.update(kw)
    group = Group(**values)
    group.slug = slugify(group.name)
    group.venue = venue or make_venue()
    group.schedules = schedules if schedules is not None else [make_schedule()]
    apply_public_location(group)
    db.session.add(group)
    db.session.flush()
    return group


def make_user(email: str, role: Role = Role.organizer, **kw: Any) -> User:
    """A confirmed account."""
    user = User(email=email, role=role, email_confirmed_at=now_utc(), **kw)
    db.session.add(user)
    db.session.flush()
    return user


def sign_in(client: Any, user: User) -> None:
    """Sign a test client in as ``user`` through its session cookie, as Flask-Login would."""
    with client.session_transaction() as s:
        s["_user_id"] = user.get_id()
        s["_fresh"] = True


def move_second_meeting(group: Group, note: str) -> dt.datetime:
    """Move the group's second upcoming meeting to the next day at 18:30 (naive local start,
    returned); the caller commits."""
    from groupfinder.schedules.models import MeetingChange
    from groupfinder.schedules.recurrence import next_meetings

    schedule = group.schedules[0]
    nxt = next_meetings(schedule.spec("Europe/London"), dt.datetime.now(dt.UTC), 2)[1]
    new_start = (nxt.original_start + dt.timedelta(days=1)).replace(hour=18, minute=30)
    schedule.changes.append(MeetingChange(original_start=nxt.original_start, new_start=new_start,
                                          note=note))
    return new_start


class BrowserClient(FlaskClient):
    """Each request in an app context of its own, as in production: the fixtures keep one app
    context pushed for the whole test, and without this every client would share its ``g``
    (Flask-Login's current user, Flask-WTF's CSRF token) and its database session."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block, in order."""
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
