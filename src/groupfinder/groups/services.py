"""Group rules that every writer shares."""

from __future__ import annotations

import re
import unicodedata

from .. import privacy
from .models import Group


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "group"


def apply_public_location(group: Group) -> None:
    """Store the group's public point; call only when its venue, address or sensitivity changes.

    Re-running it for the same venue gives the same answer (no randomness), but callers still
    avoid it on unrelated edits so the public cell can never flip on a re-geocode.
    """
    if group.venue is None:
        group.public_lat = group.public_lng = group.public_cell = None
        return
    point = privacy.compute_public_point(is_sensitive=group.is_sensitive, venue=group.venue,
                                         area_name=group.area_name if group.is_sensitive else None)
    group.public_lat, group.public_lng = point.latitude, point.longitude
    group.public_cell = point.cell
    group.area_name = point.area_name
