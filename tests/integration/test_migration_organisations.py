"""The organisations migration (a1c4e7f20b35) puts every existing group in an organisation, on
SQLite and PostgreSQL: grouped by their lowest-id organizer, who owns it, with the groups'
other organizers as members; a group with no organizer gets one of its own, named after it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_migrate import upgrade

from groupfinder.extensions import db

from ..conftest import database_url, make_app

BEFORE = "8c41f0b2d6e3"


def _filler(column: sa.Column, n: int) -> Any:
    """A value for a required column the test doesn't care about."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.DateTime):
        return dt.datetime(2026, 1, 1)
    if isinstance(kind, sa.Float):
        return 0.0
    if isinstance(kind, sa.Enum) and kind.enums:
        return kind.enums[0]
    return f"x{n}"


def _insert(conn: sa.Connection, table_name: str, rows: list[dict[str, Any]]) -> None:
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    for n, row in enumerate(rows):
        values = {c.name: _filler(c, n) for c in table.columns
                  if not c.nullable and c.server_default is None and not c.primary_key
                  and not c.foreign_keys}
        conn.execute(table.insert().values({**values, **row}))


def test_existing_groups_join_organisations_by_their_first_organizer(backend, tmp_path):
    app = make_app(database_url(backend, "migrate_orgs", tmp_path))
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _insert(conn, "users", [
                {"id": 1, "email": "ann.lee@example.org", "display_name": ""},
                {"id": 2, "email": "bob@example.org", "display_name": "Bob Jones"},
                {"id": 3, "email": "cat@example.org", "display_name": "Cat"},
                {"id": 4, "email": "join@example.org", "display_name": "join"},
            ])
            _insert(conn, "groups", [
                {"id": 10, "name": "Ann's Tuesday", "slug": "a"},
                {"id": 11, "name": "Shared by Bob and Ann", "slug": "b"},
                {"id": 12, "name": "Bob's own", "slug": "c"},
                {"id": 13, "name": "Nobody's", "slug": "d"},
                {"id": 14, "name": "Nobody's", "slug": "e"},
                {"id": 15, "name": "Cat with Bob", "slug": "f"},
            ])
            _insert(conn, "group_organizers", [
                {"group_id": 10, "user_id": 1}, {"group_id": 11, "user_id": 2},
                {"group_id": 11, "user_id": 1}, {"group_id": 12, "user_id": 2},
                {"group_id": 15, "user_id": 3}, {"group_id": 15, "user_id": 2},
            ])
        upgrade()
        with db.engine.connect() as conn:
            orgs = {row.id: row for row in conn.execute(sa.text(
                "SELECT id, slug, name, description, website, version FROM organisations"))}
            members = {(r.organisation_id, r.user_id): r.role for r in conn.execute(sa.text(
                "SELECT organisation_id, user_id, role FROM organisation_members"))}
            placed = dict(conn.execute(sa.text("SELECT id, organisation_id FROM groups")).all())
            # Adding the column copies the groups table on SQLite: the rows that reference it
            # (ON DELETE CASCADE) must survive that (migrations/env.py).
            organizers_after = conn.execute(sa.text(
                "SELECT count(*) FROM group_organizers")).scalar_one()
        db.engine.dispose()

    assert organizers_after == 6
    by_name = {o.name: o for o in orgs.values()}
    assert sorted(by_name) == ["Bob Jones's groups", "Nobody's", "ann.lee's groups"]
    assert len(orgs) == 4  # two "Nobody's", one each
    ann, bob = by_name["ann.lee's groups"].id, by_name["Bob Jones's groups"].id
    # Groups 10 and 11 (lowest organizer Ann); 12 and 15 (lowest Bob: Cat's id is higher).
    assert (placed[10], placed[11], placed[12], placed[15]) == (ann, ann, bob, bob)
    assert placed[13] != placed[14] and {placed[13], placed[14]} <= set(orgs)
    assert members == {(ann, 1): "owner", (ann, 2): "member",
                       (bob, 2): "owner", (bob, 3): "member"}
    slugs = sorted(o.slug for o in orgs.values())
    assert slugs == ["ann-lee-s-groups", "bob-jones-s-groups", "nobody-s", "nobody-s-2"]
    assert all(o.version == 1 and o.description == "" and o.website is None
               for o in orgs.values())
