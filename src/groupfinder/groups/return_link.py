"""The way back from a group's page to the results it was opened from. Pure; no Flask.

The results page links to a group as ``/groups/<id>/<slug>?back=<path+query of the results,
always starting with /search?>&from_lat=<lat>&from_lng=<lng>``. ``back`` is echoed into a link,
so it is accepted only when it is a path on this site's search page: anything else (another
host, a scheme, ``//host``, backslashes, control characters, an overlong value) is dropped,
never "fixed", so the page can't be used as an open redirect or to plant a link. The origin is
the searched place, already rounded to ~110 m by the search; it is rounded again here, because
the URL is the person's to edit.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

BACK_PREFIX = "/search?"
MAX_BACK_LENGTH = 2000
# Printable ASCII without space, backslash or quotes: what a percent-encoded query holds.
_SAFE = re.compile(r"[!#-&(-\[\]-~]*")


def safe_back(value: str | None) -> str | None:
    """``value`` when it is a link to this site's search results, else ``None``."""
    if not value or len(value) > MAX_BACK_LENGTH or not value.startswith(BACK_PREFIX):
        return None
    if not _SAFE.fullmatch(value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path != "/search" or parts.fragment:
        return None
    return value


def origin_point(lat_text: str | None, lng_text: str | None) -> tuple[float, float] | None:
    """The searched place as (lat, lng) rounded to 3 decimals, or ``None`` when either is
    missing or not a coordinate."""
    if not lat_text or not lng_text or len(lat_text) > 20 or len(lng_text) > 20:
        return None
    try:
        lat, lng = float(lat_text), float(lng_text)
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return round(lat, 3), round(lng, 3)
