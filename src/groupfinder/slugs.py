"""URL slugs made from names (groups, organisations). Pure; no Flask, no session."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str, *, fallback: str, reserved: frozenset[str] = frozenset(),
            suffix: str = "") -> str:
    """Lower-case ASCII words joined by ``-``, at most 80 characters; ``fallback`` when nothing
    is left; a word in ``reserved`` (a route beside the slug) gets ``-suffix``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or fallback
    return f"{slug}-{suffix}" if slug in reserved else slug
