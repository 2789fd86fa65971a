"""private places: a venue that hosts a sensitive listing is shown as its area for everyone

Revision ID: 4b7e2f9a1c30
Revises: dc531a0a0145
Create Date: 2026-12-03 14:20:00

The data step applies the rule to existing data (docs/security-privacy.md §2.3a) with a frozen copy
of the rule, not the app's code (which will change after this revision): every venue that a
sensitive listing uses, moves a meeting to or proposes in a pending revision becomes private,
with every venue at the same postcode within 100 m; every listing at a private venue gets the
centre of its H3 resolution-7 cell as its public point, and its town/outward code as its area
when it had none.
"""
import math

import h3
import sqlalchemy as sa
from alembic import op

revision = '4b7e2f9a1c30'
down_revision = 'dc531a0a0145'
branch_labels = None
depends_on = None

SAME_PLACE_KM = 0.1


def _km(a, b):
    (lat1, lng1), (lat2, lng2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _area(town, postcode, country):
    if country == "GB" and postcode:
        outward = postcode.strip().upper().split()[0]
        return f"{town} ({outward})" if town else outward
    return town


def upgrade():
    with op.batch_alter_table('venues') as batch:
        batch.add_column(sa.Column('is_private', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column('address_was_public', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
    conn = op.get_bind()
    venues = {r.id: r for r in conn.execute(sa.text(
        "SELECT id, postcode, town, country, latitude, longitude FROM venues"))}
    seeds = {r[0] for r in conn.execute(sa.text(
        "SELECT venue_id FROM groups WHERE is_sensitive AND venue_id IS NOT NULL"))}
    seeds |= {r[0] for r in conn.execute(sa.text(
        "SELECT c.new_venue_id FROM schedule_changes c JOIN schedules s ON s.id = c.schedule_id "
        "JOIN groups g ON g.id = s.group_id WHERE g.is_sensitive AND c.new_venue_id IS NOT NULL"))}
    import json
    for proposed, in conn.execute(sa.text(
            "SELECT proposed FROM listing_revisions WHERE status = 'pending'")):
        data = json.loads(proposed) if isinstance(proposed, str) else proposed
        if data.get("is_sensitive") and data.get("venue_id") in venues:
            seeds.add(data["venue_id"])
    private = set()
    for vid in seeds & set(venues):
        v = venues[vid]
        key = " ".join((v.postcode or "").upper().split())
        private.add(vid)
        if key:
            private |= {o.id for o in venues.values()
                        if " ".join((o.postcode or "").upper().split()) == key
                        and _km((v.latitude, v.longitude), (o.latitude, o.longitude)) <= SAME_PLACE_KM}
    exposed = {r[0] for r in conn.execute(sa.text(
        "SELECT DISTINCT venue_id FROM groups WHERE status = 'published' AND NOT is_sensitive "
        "AND venue_id IS NOT NULL"))}
    for vid in sorted(private):
        v = venues[vid]
        conn.execute(sa.text("UPDATE venues SET is_private = :t, address_was_public = :e "
                             "WHERE id = :id"), {"t": True, "e": vid in exposed, "id": vid})
        cell = h3.latlng_to_cell(v.latitude, v.longitude, 7)
        lat, lng = h3.cell_to_latlng(cell)
        for gid, area in conn.execute(sa.text(
                "SELECT id, area_name FROM groups WHERE venue_id = :id"), {"id": vid}).all():
            conn.execute(sa.text(
                "UPDATE groups SET public_lat = :lat, public_lng = :lng, public_cell = :cell, "
                "area_name = :area WHERE id = :id"),
                {"lat": round(lat, 4), "lng": round(lng, 4), "cell": cell, "id": gid,
                 "area": (area or "").strip() or _area(v.town, v.postcode, v.country)})


def downgrade():
    with op.batch_alter_table('venues') as batch:
        batch.drop_column('address_was_public')
        batch.drop_column('is_private')
