"""Optimistic-locking races on review decisions and single-meeting changes answer 409, not 500.

The race is made deterministic: just before the request's session first writes the versioned row,
"another writer" moves that row's version on, as if it had committed between our read and our
write. On PostgreSQL that writer is a second connection that commits (a real concurrent
transaction); SQLite takes its write lock up front, so there the change is made on the session's
own connection behind the ORM's back. Either way SQLAlchemy's ``version_id_col`` check raises
``StaleDataError`` at flush, exactly as in production.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from groupfinder.accounts.models import Role
from groupfinder.audit.models import AuditEntry
from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.groups.models import Condition, Group, Language, ListingStatus
from groupfinder.groups.services import submit_for_review
from groupfinder.mail import outbox
from groupfinder.schedules.models import Cancellation, MeetingChange, Schedule
from groupfinder.schedules.services import cancel_meeting

from ..factories import make_group, make_user, make_venue, sign_in

LONDON = ZoneInfo("Europe/London")


@contextlib.contextmanager
def changed_behind_the_session(model: type, row_id: int) -> Iterator[list[bool]]:
    """Another writer bumps ``model`` row ``row_id``'s version right before our first flush that
    writes it. Yields a list that holds ``True`` once the race was staged."""
    table = model.__table__
    bump = sa.update(table).where(table.c.id == row_id).values(version=table.c.version + 1)
    staged: list[bool] = []

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        if staged or not any(isinstance(o, model) and o.id == row_id for o in session.dirty):
            return
        staged.append(True)
        if session.get_bind().dialect.name == "postgresql":
            with db.engine.begin() as other:  # a second connection, committed before we write
                other.execute(bump)
        else:
            session.connection().execute(bump)

    sa.event.listen(Session, "before_flush", before_flush)
    try:
        yield staged
    finally:
        sa.event.remove(Session, "before_flush", before_flush)


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def csrf(client: Any, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) or 0


# --- review decisions ----------------------------------------------------------------------------

def pending_listing() -> tuple[Any, Group]:
    admin = make_user("admin@example.org", Role.admin)
    org = make_user("org@example.org")
    group = make_group(venue=make_venue(owner_id=org.id), status=ListingStatus.draft,
                       name="Racing Group")
    group.organizers = [org]
    group.conditions = [db.session.scalar(sa.select(Condition).where(Condition.slug == "anxiety"))]
    group.languages = [db.session.scalar(sa.select(Language).where(Language.slug == "en"))]
    db.session.flush()
    submit_for_review(group, by=org)
    db.session.commit()
    return admin, group


def test_approve_racing_an_organizer_save_is_409_and_decides_nothing(client):
    admin, group = pending_listing()
    sign_in(client, admin)
    url = f"/review/groups/{group.id}"
    token = csrf(client, url)
    version = re.search(r'name="version" value="(\d+)"', client.get(url).get_data(as_text=True)).group(1)
    entries = audit_count()
    with changed_behind_the_session(Group, group.id) as staged:
        r = client.post(f"{url}/approve", data={"csrf_token": token, "note": "Welcome aboard!",
                                                "version": version})
    assert staged
    assert r.status_code == 409
    page = text(r)
    assert "changed this listing while you were reviewing" in page
    assert "Welcome aboard!" in page  # the admin's note, kept
    db.session.expire_all()
    assert db.session.get(Group, group.id).status == ListingStatus.pending_review
    assert audit_count() == entries and outbox() == []


def test_archive_racing_an_organizer_save_is_409_and_archives_nothing(client):
    admin, group = pending_listing()
    sign_in(client, admin)
    url = f"/review/groups/{group.id}"
    token = csrf(client, url)
    entries = audit_count()
    with changed_behind_the_session(Group, group.id) as staged:
        r = client.post(f"{url}/archive", data={"csrf_token": token, "reason": "Duplicate listing."})
    assert staged
    assert r.status_code == 409
    assert "Duplicate listing." in text(r)  # the admin's reason, kept
    db.session.expire_all()
    assert db.session.get(Group, group.id).status == ListingStatus.pending_review
    assert audit_count() == entries


def test_reject_racing_an_organizer_save_is_409_and_decides_nothing(client):
    admin, group = pending_listing()
    sign_in(client, admin)
    url = f"/review/groups/{group.id}"
    token = csrf(client, url)
    entries = audit_count()
    with changed_behind_the_session(Group, group.id) as staged:
        r = client.post(f"{url}/reject", data={"csrf_token": token,
                                               "reason": "Say what a first visit is like."})
    assert staged
    assert r.status_code == 409
    assert "Say what a first visit is like." in text(r)
    db.session.expire_all()
    group = db.session.get(Group, group.id)
    assert (group.status, group.review_reason) == (ListingStatus.pending_review, "")
    assert audit_count() == entries and outbox() == []


# --- single meetings -----------------------------------------------------------------------------

def next_tuesday() -> dt.datetime:
    """The next weekly Tuesday 19:00 meeting of a factory schedule, naive local."""
    now = dt.datetime.now(LONDON)
    day = now.date() + dt.timedelta(days=(1 - now.weekday()) % 7)
    if dt.datetime.combine(day, dt.time(19), LONDON) < now:
        day += dt.timedelta(days=7)
    return dt.datetime.combine(day, dt.time(19))


def own_group(client: Any) -> tuple[Group, Schedule, str]:
    org = make_user("org@example.org")
    group = make_group(venue=make_venue(owner_id=org.id))
    group.organizers = [org]
    group.published_at = now_utc()
    db.session.commit()
    sign_in(client, org)
    url = f"/manage/groups/{group.id}/meetings"
    return group, group.schedules[0], url


def meeting_rows(schedule_id: int) -> tuple[int, int, int]:
    db.session.expire_all()
    schedule = db.session.get(Schedule, schedule_id)
    count = lambda model: db.session.scalar(  # noqa: E731
        sa.select(sa.func.count()).select_from(model).where(model.schedule_id == schedule_id))
    return schedule.sequence, count(Cancellation), count(MeetingChange)


def test_cancel_racing_another_change_is_409_with_the_reason_kept(client):
    group, schedule, url = own_group(client)
    first = next_tuesday()
    form = {"csrf_token": csrf(client, url), "schedule_id": str(schedule.id),
            "original_start": first.isoformat(), "action": "cancel", "reason": "Boiler broke down"}
    with changed_behind_the_session(Schedule, schedule.id) as staged:
        r = client.post(url, data=form)
    assert staged
    assert r.status_code == 409
    page = text(r)
    assert "at the same moment" in page and 'value="Boiler broke down"' in page
    assert meeting_rows(schedule.id) == (0, 0, 0)


def test_move_racing_another_change_is_409_with_the_input_kept(client):
    group, schedule, url = own_group(client)
    first = next_tuesday()
    new_day = (first + dt.timedelta(days=1)).date().isoformat()
    form = {"csrf_token": csrf(client, url), "schedule_id": str(schedule.id),
            "original_start": first.isoformat(), "action": "move", "new_date": new_day,
            "new_time": "18:30", "note": "Upstairs room"}
    with changed_behind_the_session(Schedule, schedule.id) as staged:
        r = client.post(url, data=form)
    assert staged
    assert r.status_code == 409
    page = text(r)
    assert "at the same moment" in page
    assert f'value="{new_day}"' in page and 'value="18:30"' in page and 'value="Upstairs room"' in page
    assert meeting_rows(schedule.id) == (0, 0, 0)


def test_undo_racing_another_change_is_409_and_keeps_the_cancellation(client):
    group, schedule, url = own_group(client)
    first = next_tuesday()
    cancel_meeting(schedule, first, "Hall closed")
    form = {"csrf_token": csrf(client, url), "schedule_id": str(schedule.id),
            "original_start": first.isoformat(), "action": "undo"}
    with changed_behind_the_session(Schedule, schedule.id) as staged:
        r = client.post(url, data=form)
    assert staged
    assert r.status_code == 409
    assert "at the same moment" in text(r)
    assert meeting_rows(schedule.id) == (1, 1, 0)
