"""listing sources (Meeting Guide feeds) and provenance

Revision ID: c3e6a9b42d57
Revises: b2d5f8a31c46
Create Date: 2026-12-23 09:00:00
"""
import sqlalchemy as sa
from alembic import op

import groupfinder.db

revision = 'c3e6a9b42d57'
down_revision = 'b2d5f8a31c46'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('default_condition', sa.String(length=40), nullable=True),
    sa.Column('created_at', groupfinder.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_refreshed_at', groupfinder.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_result', sa.JSON(), nullable=False),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('last_modified', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_sources_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('name', name=op.f('uq_sources_name'))
    )
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sources_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source_key', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('source_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('uq_groups_source_id_source_key', ['source_id', 'source_key'], unique=True)
        batch_op.create_foreign_key(batch_op.f('fk_groups_source_id_sources'), 'sources', ['source_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_groups_source_id_sources'), type_='foreignkey')
        batch_op.drop_index('uq_groups_source_id_source_key')
        batch_op.drop_column('source_hash')
        batch_op.drop_column('source_key')
        batch_op.drop_column('source_id')

    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sources_organisation_id'))

    op.drop_table('sources')
