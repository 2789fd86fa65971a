"""data generation row: the token's one row exists from the start

Revision ID: 697763eaec75
Revises: 4b7e2f9a1c30
Create Date: 2026-12-10 09:00:00

Until now the first commit that changed public data inserted the row; two first writers at once
raced, and on PostgreSQL the second one's commit failed. The row is inserted here, once, if it
is missing (a database that has served writes already has it).
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '697763eaec75'
down_revision = '4b7e2f9a1c30'
branch_labels = None
depends_on = None


def upgrade():
    op.get_bind().execute(
        sa.text("INSERT INTO data_generation (id, token) SELECT 1, :token "
                "WHERE NOT EXISTS (SELECT 1 FROM data_generation WHERE id = 1)"),
        {"token": secrets.token_hex(16)})


def downgrade():
    # The row stays: the earlier code updates it when present, as it does after any write.
    pass
