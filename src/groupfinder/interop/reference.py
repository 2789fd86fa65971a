"""Reference data: the controlled vocabularies and the gazetteer, loaded from ``data/``.

Idempotent: vocabulary rows are matched by slug (names may be corrected; slugs are stable and
never deleted, since listings refer to them). One transaction.
"""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from ..extensions import db
from ..groups.models import Audience, Condition, Language
from ..resources import resource_dir
from ..transactions import transaction
from ..venues.models import AccessFeature

VOCABULARIES = (
    ("conditions.csv", Condition, ("name", "description")),
    ("audiences.csv", Audience, ("name", "description")),
    ("languages.csv", Language, ("name",)),
    ("access_features.csv", AccessFeature, ("name", "scope")),
)


def data_dir() -> Path:
    return resource_dir("data")


def load_vocabularies(directory: Path | None = None) -> dict[str, int]:
    """Insert or update every vocabulary term; returns the number of rows per file."""
    directory = directory or data_dir() / "vocabularies"
    counts = {}
    with transaction():
        for filename, model, fields in VOCABULARIES:
            with open(directory / filename, newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
            existing = {v.slug: v for v in db.session.scalars(sa.select(model))}
            for row in rows:
                item = existing.get(row["slug"]) or model(slug=row["slug"])
                for f in fields:
                    setattr(item, f, row[f])
                db.session.add(item)
            counts[filename] = len(rows)
    return counts


def load_gazetteer_data(directory: Path | None = None) -> int:
    """Replace the gazetteer with the shipped CSVs; returns the row count."""
    from ..geo.gazetteer import load_gazetteer

    directory = directory or data_dir() / "gazetteer"
    with transaction():
        count = load_gazetteer(db.session, directory)
    return count
