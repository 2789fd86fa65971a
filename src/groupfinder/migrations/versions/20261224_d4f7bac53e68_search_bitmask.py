"""search bitmask (day and condition) in the covering index

Revision ID: d4f7bac53e68
Revises: c3e6a9b42d57
Create Date: 2026-12-24 09:00:00
"""
import sqlalchemy as sa
from alembic import op

import groupfinder.db  # noqa: F401

revision = 'd4f7bac53e68'
down_revision = 'c3e6a9b42d57'
branch_labels = None
depends_on = None

# The same SQL as groups.search_masks.REFRESH_SQL, frozen here as of this revision.
_DAYS = " + ".join(f"COALESCE(MAX(s.days_mask & {1 << d}), 0)" for d in range(7))
BACKFILL = f"""
UPDATE groups SET
  search_conditions = (
    SELECT COALESCE(SUM(CAST(1 AS BIGINT) << (gc.condition_id - 1)), 0)
    FROM group_conditions gc
    WHERE gc.group_id = groups.id AND gc.condition_id BETWEEN 1 AND 63),
  search_days_open = (
    SELECT {_DAYS} FROM schedules s WHERE s.group_id = groups.id AND s.last_date IS NULL),
  search_days_ending = (
    SELECT {_DAYS} FROM schedules s WHERE s.group_id = groups.id AND s.last_date IS NOT NULL)
"""


def upgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_conditions', sa.BigInteger(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('search_days_open', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('search_days_ending', sa.Integer(), server_default='0',
                                      nullable=False))
    op.execute(BACKFILL)
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_index('ix_groups_status_public_lat_lng')
        batch_op.create_index('ix_groups_search', [
            'status', 'public_lat', 'public_lng', 'hidden_since', 'search_conditions',
            'search_days_open', 'search_days_ending', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_index('ix_groups_search')
        batch_op.create_index('ix_groups_status_public_lat_lng',
                              ['status', 'public_lat', 'public_lng'], unique=False)
        batch_op.drop_column('search_days_ending')
        batch_op.drop_column('search_days_open')
        batch_op.drop_column('search_conditions')
