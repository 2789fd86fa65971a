"""mail outbox: mail is written with the change that causes it and delivered by the worker

Revision ID: 5d2c8e1f7a90
Revises: 697763eaec75
Create Date: 2026-12-15 09:00:00
"""
import sqlalchemy as sa
from alembic import op

import groupfinder.db

revision = '5d2c8e1f7a90'
down_revision = '697763eaec75'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', groupfinder.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', groupfinder.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', groupfinder.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', groupfinder.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mail'))
    )
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_mail_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_mail_status_next_attempt_at')
    op.drop_table('outbox_mail')
