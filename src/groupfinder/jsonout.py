"""JSON answers written by orjson: the same text the standard library writes with this app's
settings (keys in the order given, UTF-8 rather than ``\\u`` escapes, compact), at a fraction of
the cost (a page of search results is ~30 KB of JSON: about a fifth of the API's time went on
encoding it, ``bench/page_profile.py``).

Dates, dataclasses and anything orjson can't write go through Flask's own ``default`` (an HTTP
date, ``asdict``, ``__html__``), so nothing an answer holds changes form; an indented dump
(debug) and anything orjson refuses fall back to the standard library.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_NON_STR_KEYS)


class FastJSONProvider(DefaultJSONProvider):
    sort_keys = False
    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if not kwargs.keys() <= {"separators"}:  # indent, sort_keys…: the standard library's
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()
        except (orjson.JSONEncodeError, TypeError):
            return super().dumps(obj, **kwargs)
