"""search bitmask (day and condition) in the covering index

Revision ID: d4f7bac53e68
Revises: c3e6a9b42d57
Create Date: 2026-12-24 09:00:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import groupfinder.db  # noqa: F401

revision = 'd4f7bac53e68'
down_revision = 'c3e6a9b42d57'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
