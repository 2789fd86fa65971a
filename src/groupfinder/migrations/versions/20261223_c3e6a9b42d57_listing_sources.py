"""listing sources (Meeting Guide feeds) and provenance

Revision ID: c3e6a9b42d57
Revises: b2d5f8a31c46
Create Date: 2026-12-23 09:00:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import groupfinder.db  # noqa: F401

revision = 'c3e6a9b42d57'
down_revision = 'b2d5f8a31c46'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
