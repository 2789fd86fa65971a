"""The search bitmasks on ``groups`` follow every write, and searching with them finds exactly
what the joins they replace find (issue 15)."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
import sqlalchemy as sa

from groupfinder.accounts.models import Role, User
from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.groups import queries, search_masks
from groupfinder.groups.models import Condition, Group, ListingStatus
from groupfinder.groups.queries import SearchCriteria, count_groups, nearest_group_ids
from groupfinder.schedules.services import ScheduleData, add_schedule, delete_schedule, update_schedule

from ..conftest import DEMO_TODAY
from ..factories import make_group, make_schedule


@pytest.fixture
def organizer(app) -> User:  # type: ignore[no-untyped-def]
    user = User(email="org@example.org", role=Role.organizer, email_confirmed_at=now_utc())
    db.session.add(user)
    db.session.commit()
    return user


def weekly(days: tuple[int, ...], **kw: object) -> ScheduleData:
    values: dict[str, object] = dict(kind="weekly", start_time=dt.time(19), duration_minutes=90,
                                     first_date=dt.date(2026, 1, 6), weekdays=days)
    values.update(kw)
    return ScheduleData(**values)  # type: ignore[arg-type]


def stored(group_id: int) -> tuple[int, int, int]:
    row = db.session.execute(sa.select(Group.search_conditions, Group.search_days_open,
                                       Group.search_days_ending).where(Group.id == group_id)).one()
    return tuple(row)  # type: ignore[return-value]


def expected(group_id: int) -> tuple[int, int, int]:
    """The masks recomputed in Python from the rows they summarise."""
    group = db.session.get(Group, group_id)
    assert group is not None
    conditions = sum(search_masks.condition_bit(c.id) or 0 for c in group.conditions)
    days_open = days_ending = 0
    for s in group.schedules:
        if s.last_date is None:
            days_open |= s.days_mask
        else:
            days_ending |= s.days_mask
    return conditions, days_open, days_ending


def vocabulary(slug: str) -> Condition:
    return db.session.scalars(sa.select(Condition).where(Condition.slug == slug)).one()


def test_schedule_writes_move_the_day_masks(organizer):
    group = make_group(schedules=[])
    db.session.commit()
    assert stored(group.id) == (0, 0, 0)
    schedule = add_schedule(group, weekly((1,)), by=organizer)
    assert stored(group.id) == (0, 1 << 1, 0)
    db.session.expire_all()
    version = group.version
    update_schedule(schedule, weekly((4, 6)), by=organizer, expected_version=schedule.version)
    assert stored(group.id) == (0, (1 << 4) | (1 << 6), 0)
    db.session.expire_all()
    assert group.version == version  # the refresh is no edit: an open form stays valid
    update_schedule(schedule, weekly((4,), last_date=dt.date(2027, 3, 1)), by=organizer,
                    expected_version=schedule.version)
    assert stored(group.id) == (0, 0, 1 << 4)
    add_schedule(group, weekly((0,)), by=organizer)
    assert stored(group.id) == (0, 1, 1 << 4)
    delete_schedule(schedule, by=organizer, expected_version=schedule.version)
    assert stored(group.id) == (0, 1, 0) == expected(group.id)


def test_condition_writes_move_the_condition_mask(app):
    anxiety, depression = vocabulary("anxiety"), vocabulary("depression")
    group = make_group(schedules=[make_schedule(weekdays="2")])
    group.conditions = [anxiety]
    db.session.commit()
    assert stored(group.id) == (search_masks.condition_bit(anxiety.id), 1 << 2, 0)
    group.conditions.append(depression)
    db.session.commit()
    assert stored(group.id)[0] == (search_masks.condition_bit(anxiety.id)
                                   | search_masks.condition_bit(depression.id))
    group.conditions.remove(anxiety)
    group.schedules.clear()  # an orphan deleted by the cascade
    db.session.commit()
    assert stored(group.id) == (search_masks.condition_bit(depression.id), 0, 0) == expected(group.id)
    assert group.search_conditions == search_masks.condition_bit(depression.id)  # read again


def test_a_condition_past_the_mask_is_found_through_the_join(app):
    far = Condition(id=search_masks.MAX_MASK_CONDITION_ID + 7, slug="far-condition", name="Far")
    near = vocabulary("anxiety")
    db.session.add(far)
    with_far = make_group()
    with_far.conditions = [far]
    with_near = make_group()
    with_near.conditions = [near]
    make_group()  # neither
    db.session.commit()
    try:
        assert stored(with_far.id)[0] == 0
        c = SearchCriteria(latitude=53.4771, longitude=-2.2346, conditions=("far-condition",))
        assert [gid for gid, _ in nearest_group_ids(c, DEMO_TODAY)] == [with_far.id]
        both = SearchCriteria(latitude=53.4771, longitude=-2.2346,
                              conditions=("anxiety", "far-condition"))
        found = {gid for gid, _ in nearest_group_ids(both, DEMO_TODAY)}
        assert found == {with_far.id, with_near.id}
        assert count_groups(both, DEMO_TODAY) == 2
        assert search_masks.condition_bit(far.id) is None
    finally:  # conditions are reference data, kept between tests
        db.session.rollback()
        db.session.execute(sa.delete(Condition).where(Condition.slug == "far-condition"))
        db.session.commit()


def test_deleting_a_condition_clears_its_bit(app):
    extra = Condition(slug="short-lived", name="Short-lived")
    db.session.add(extra)
    group = make_group()
    group.conditions = [extra]
    db.session.commit()
    assert stored(group.id)[0] == search_masks.condition_bit(extra.id)
    db.session.delete(extra)
    db.session.commit()
    assert stored(group.id)[0] == 0


def test_the_demo_masks_match_their_rows(demo_app):
    ids = db.session.scalars(sa.select(Group.id)).all()
    assert ids
    assert [stored(gid) for gid in ids] == [expected(gid) for gid in ids]


def _criteria(rng: random.Random, origins: list[tuple[float, float]],
              conditions: list[str]) -> SearchCriteria:
    lat, lng = rng.choice(origins)
    times = rng.choice([(None, None), (dt.time(18), None), (None, dt.time(14)),
                        (dt.time(10), dt.time(19, 30))])
    return SearchCriteria(
        latitude=lat + rng.uniform(-0.05, 0.05), longitude=lng + rng.uniform(-0.05, 0.05),
        radius_km=rng.choice([5.0, 25.0, 80.0, 200.0]),
        conditions=tuple(rng.sample(conditions, rng.choice([0, 1, 1, 2, 3]))),
        days=tuple(sorted(rng.sample(range(7), rng.choice([0, 1, 1, 2, 3])))),
        starts_after=times[0] if rng.random() < 0.3 else None,
        starts_before=times[1] if rng.random() < 0.3 else None,
        limit=rng.choice([1, 5, 20, 100]))


def test_masks_and_joins_find_the_same_groups_in_the_demo_data(demo_app, monkeypatch):
    rows = db.session.execute(sa.select(Group.public_lat, Group.public_lng).where(
        Group.status == ListingStatus.published)).all()
    origins = [(float(lat), float(lng)) for lat, lng in rows[:: max(1, len(rows) // 40)]]
    conditions = sorted(db.session.scalars(sa.select(Condition.slug)))
    rng = random.Random(15)
    cases = [_criteria(rng, origins, conditions) for _ in range(150)]
    # Every pair of one condition and one day, from one busy origin.
    cases += [SearchCriteria(latitude=origins[0][0], longitude=origins[0][1], radius_km=50.0,
                             conditions=(slug,), days=(day,))
              for slug, day in itertools.product(conditions, range(7))]
    # Far ahead, schedules with a last date have ended: the masks must not keep them.
    days = [DEMO_TODAY, DEMO_TODAY + dt.timedelta(days=400), dt.date(2030, 1, 1)]

    def answers(use_masks: bool) -> list[object]:
        monkeypatch.setattr(queries, "USE_MASKS", use_masks)
        return [(nearest_group_ids(c, today), count_groups(c, today))
                for c in cases for today in days]

    with_masks, with_joins = answers(True), answers(False)
    assert with_masks == with_joins
    assert sum(1 for ids, _ in with_masks if ids) > len(with_masks) // 3  # not all empty


def test_filtered_statements_are_built_once_per_shape(app, monkeypatch):
    monkeypatch.setattr(queries, "_STATEMENTS", {})
    make_group()
    db.session.commit()
    for day in range(7):
        c = SearchCriteria(latitude=53.4771, longitude=-2.2346, radius_km=2.0,
                           conditions=("anxiety",), days=(day,))
        nearest_group_ids(c, DEMO_TODAY)
    assert len(queries._STATEMENTS) == 1


def test_the_migration_fills_the_masks_of_existing_rows(backend, tmp_path):
    from flask_migrate import upgrade

    from ..conftest import database_url, make_app

    app = make_app(database_url(backend, "masks_migration", tmp_path))
    with app.app_context():
        upgrade(revision="c3e6a9b42d57")  # the revision before the masks
        now = dt.datetime(2026, 11, 1, 12, 0)
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO conditions (id, slug, name, description) "
                                 "VALUES (3, 'c3', 'C3', ''), (40, 'c40', 'C40', '')"))
            for gid in (1, 2):
                conn.execute(sa.text(
                    "INSERT INTO groups (id, name, slug, description, what_to_expect, cost, status, "
                    "is_sensitive, version, created_at, updated_at, review_reason, confirmed_at) "
                    "VALUES (:id, 'G', 'g', '', '', 'Free', 'published', false, 1, :t, :t, '', :t)")
                    .bindparams(sa.bindparam("t", type_=sa.DateTime)), {"id": gid, "t": now})
            conn.execute(sa.text("INSERT INTO group_conditions (group_id, condition_id) "
                                 "VALUES (1, 3), (1, 40)"))
            for sid, days, last in ((1, 0b0000101, None), (2, 0b0010000, dt.date(2027, 1, 1)),
                                    (3, 0b1000000, None)):
                conn.execute(sa.text(
                    "INSERT INTO schedules (id, group_id, kind, interval, weekdays, positions, "
                    "start_time, duration_minutes, first_date, last_date, days_mask, sequence, "
                    "version, created_at, updated_at) VALUES (:id, 1, 'weekly', 1, '', '', "
                    ":st, 60, :fd, :last, :days, 0, 1, :t, :t)").bindparams(
                        sa.bindparam("st", type_=sa.Time), sa.bindparam("fd", type_=sa.Date),
                        sa.bindparam("last", type_=sa.Date), sa.bindparam("t", type_=sa.DateTime)),
                    {"id": sid, "st": dt.time(19), "fd": dt.date(2026, 1, 5), "last": last,
                     "days": days, "t": now})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT id, search_conditions, search_days_open, search_days_ending "
                "FROM groups ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, (1 << 2) | (1 << 39), 0b1000101, 0b0010000),
                                            (2, 0, 0, 0)]
        db.engine.dispose()
