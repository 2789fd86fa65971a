"""The search's circle starts where the last one from the same area sufficed: fewer statements,
the same answer."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from groupfinder.extensions import db
from groupfinder.groups import queries
from groupfinder.groups.queries import SearchCriteria, nearest_group_ids

from ..factories import make_group, make_venue, statements

HERE = (53.4771, -2.2346)
TODAY = dt.date(2026, 12, 1)


def _searches(seen: list[str]) -> list[str]:
    return [s for s in seen if "public_lat" in s and "BETWEEN" in s.upper()]




def _ring(count: int, first_km: float, step_km: float) -> None:
    for i in range(count):  # due north, one every step_km (a degree of latitude is ~111 km)
        make_group(venue=make_venue(latitude=HERE[0] + (first_km + i * step_km) / 111.0,
                                    longitude=HERE[1]))


def test_a_second_search_from_the_same_area_runs_one_statement(app):
    queries._RADIUS_HINTS.clear()
    _ring(12, 3.0, 1.5)
    db.session.commit()
    c = SearchCriteria(latitude=HERE[0], longitude=HERE[1], limit=10)
    with statements() as first:
        found = nearest_group_ids(c, TODAY)
    with statements() as second:
        again = nearest_group_ids(c, TODAY)
    assert len(_searches(first)) > 1 and len(_searches(second)) == 1
    assert again == found and len(found) == 11


def test_the_answer_stays_exact_when_the_data_changes(app):
    queries._RADIUS_HINTS.clear()
    _ring(12, 3.0, 1.5)
    db.session.commit()
    c = SearchCriteria(latitude=HERE[0], longitude=HERE[1], limit=10)
    nearest_group_ids(c, TODAY)
    for group in db.session.scalars(sa.select(queries.Group)).all()[:6]:
        db.session.delete(group)  # fewer groups: the remembered circle is too small now
    nearer = make_group(venue=make_venue(latitude=HERE[0] + 0.5 / 111.0, longitude=HERE[1]))
    db.session.commit()
    found = [gid for gid, _ in nearest_group_ids(c, TODAY)]
    assert found[0] == nearer.id and len(found) == 7  # everything left within 25 km
    queries._RADIUS_HINTS.clear()
    assert [gid for gid, _ in nearest_group_ids(c, TODAY)] == found


def test_other_filters_start_from_their_own_circle(app):
    queries._RADIUS_HINTS.clear()
    _ring(12, 3.0, 1.5)
    db.session.commit()
    nearest_group_ids(SearchCriteria(latitude=HERE[0], longitude=HERE[1], limit=10), TODAY)
    with statements() as seen:
        nearest_group_ids(SearchCriteria(latitude=HERE[0], longitude=HERE[1], limit=10,
                                         conditions=("anxiety",)), TODAY)
    assert len(_searches(seen)) >= 1
    assert len(queries._RADIUS_HINTS) == 2
