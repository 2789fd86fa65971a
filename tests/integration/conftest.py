"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

import groupfinder.models  # noqa: F401  (complete metadata: every table create_all needs)
from groupfinder.db import Base
from groupfinder.geo import gazetteer

DATA = Path(__file__).resolve().parents[2] / "data" / "gazetteer"


@pytest.fixture(scope="module")
def engine() -> Iterator[sa.Engine]:
    """In-memory SQLite with every table and the real gazetteer data from data/gazetteer."""
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        gazetteer.load_gazetteer(session, DATA)
        session.commit()
    yield engine
    engine.dispose()
