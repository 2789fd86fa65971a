"""user language

Revision ID: e5f8b1c63a70
Revises: d4f7bac53e68
Create Date: 2026-12-25 09:00:00

Adds ``users.language``: the language the person last used the site in (registration, sign-in,
password reset), so mails other people's actions or background jobs send them speak it.
Existing accounts keep NULL: their mails speak ``DEFAULT_LANGUAGE`` until they next sign in.
"""
import sqlalchemy as sa
from alembic import op

import groupfinder.db  # noqa: F401

revision = 'e5f8b1c63a70'
down_revision = 'd4f7bac53e68'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
