"""venue region (ISO 3166-2)

Revision ID: b2d5f8a31c46
Revises: a1c4e7f20b35
Create Date: 2026-12-22 09:00:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import groupfinder.db  # noqa: F401

revision = 'b2d5f8a31c46'
down_revision = 'a1c4e7f20b35'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
