"""listing freshness: confirmed / out of date / hidden, reminder bookkeeping, and the meeting a
"did not happen" report is about

Revision ID: 8c41f0b2d6e3
Revises: 5d2c8e1f7a90
Create Date: 2026-12-20 09:00:00
"""
import sqlalchemy as sa
from alembic import op

import groupfinder.db

revision = '8c41f0b2d6e3'
down_revision = '5d2c8e1f7a90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', groupfinder.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('out_of_date_since', groupfinder.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('hidden_since', groupfinder.db.UTCDateTime(timezone=True),
                                      nullable=True))
    # Existing listings count as confirmed when they were last changed: the clock starts there.
    op.execute("UPDATE groups SET confirmed_at = updated_at")
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.alter_column('confirmed_at', existing_type=groupfinder.db.UTCDateTime(timezone=True),
                              nullable=False)
    op.create_table('listing_reminders',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('last_sent_at', groupfinder.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('requested_at', groupfinder.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'],
                            name=op.f('fk_listing_reminders_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_listing_reminders'))
    )
    with op.batch_alter_table('problem_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('problem_reports', schema=None) as batch_op:
        batch_op.drop_column('meeting_on')
    op.drop_table('listing_reminders')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('hidden_since')
        batch_op.drop_column('out_of_date_since')
        batch_op.drop_column('confirmed_at')
