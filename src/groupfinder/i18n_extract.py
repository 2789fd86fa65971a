"""A ``pybabel extract`` method for the vocabulary files (``babel.cfg``): every name and
description becomes a message whose context is the vocabulary, so "Anxiety" the condition
and any other "Anxiety" are translated apart. Languages are named by Babel's own data."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

# The file's stem → the context its words are looked up with (``vocabulary_text``).
CONTEXTS = {"conditions": "condition", "audiences": "audience", "access_features": "access feature"}


def extract_vocabularies(fileobj: BinaryIO, keywords: Any, comment_tags: Any,
                         options: Any) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    context = CONTEXTS.get(Path(getattr(fileobj, "name", "")).stem)
    if context is None:
        return
    rows = csv.DictReader(io.TextIOWrapper(fileobj, encoding="utf-8"))
    for line, row in enumerate(rows, start=2):
        for column in ("name", "description"):
            if row.get(column):
                yield line, "pgettext", (context, row[column]), [f"{column} of {row['slug']}"]


def extract_regions(fileobj: BinaryIO, keywords: Any, comment_tags: Any,
                    options: Any) -> Iterator[tuple[int, str, Any, list[str]]]:
    """``geo/regions.py`` as Python, plus every state's and nation's name (context "region"):
    the names live in data tables, which the Python extractor can't read as messages."""
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)
    from groupfinder.geo.regions import SUBDIVISIONS

    for country, names in SUBDIVISIONS.items():
        for code, name in names.items():
            yield 0, "pgettext", ("region", name), [f"ISO 3166-2 {country}-{code}"]
