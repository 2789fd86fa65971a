"""Compressed answers (Flask-Compress: brotli, then gzip), where it is worth it and safe.

- **What**: text types only (pages, JSON, feeds, sitemap, CSS/JS/SVG), 2xx, at least
  ``MIN_SIZE`` bytes, for a client that sent ``Accept-Encoding``. Every response of those types
  (and every 304) says ``Vary: Accept-Encoding``, whether or not this one was compressed.
- **ETags**: a compressed body gets its own strong ETag (``"<etag>:br"``, ``"<etag>:gzip"``:
  Flask-Compress's rule), never the identity body's; a conditional GET naming either is
  answered 304 (the feeds check both before building anything).
- **Cost**: a body with a strong ETag (the feeds: up to a few hundred KB, the same bytes for
  every subscriber) is compressed once per ETag and coding and kept in a small LRU bounded in
  bytes (``CACHE_BYTES``); anything else is compressed as it goes out (brotli quality 4, gzip
  6: fast levels).
- **BREACH**: an HTML answer is never compressed when it may hold a secret next to text an
  attacker chose (a CSRF token or a signed-in person's data beside a reflected search): that is
  when the request carries a session or remember-me cookie, or the answer starts a session
  (the sign-in and registration forms), or says ``no-store``. Anonymous public pages, the API
  and feeds hold no secret, so compressing them leaks nothing.
"""

from __future__ import annotations

import threading
from typing import Any

from cachetools import LRUCache
from flask import Flask, g, request, session
from flask_compress import Compress

COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/javascript", "application/javascript", "text/plain",
    "application/json", "application/problem+json", "application/geo+json", "application/ld+json",
    "application/manifest+json", "text/calendar", "application/xml", "text/xml", "image/svg+xml",
})
MIN_SIZE = 1024  # below about one packet, the saving doesn't pay for the work
CACHE_BYTES = 8 * 1024 * 1024  # per worker; compressed feeds are a tenth of their size or less
ALGORITHMS = ["br", "gzip"]


class _BoundedBytes:
    """Flask-Compress's cache backend: an LRU bounded by the bytes it holds, thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self._lru: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=len)
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._lru.get(key)

    def set(self, key: str, value: bytes) -> None:
        if len(value) > self._lru.maxsize:
            return
        with self._lock:
            self._lru[key] = value


class Compression:
    """Called by the app's after-request hook (Flask-Compress's own hook is not registered)."""

    def __init__(self, app: Flask) -> None:
        app.config.update(COMPRESS_REGISTER=False, COMPRESS_ALGORITHM=ALGORITHMS,
                          COMPRESS_ALGORITHM_STREAMING=["br"], COMPRESS_MIMETYPES=sorted(COMPRESSIBLE),
                          COMPRESS_MIN_SIZE=MIN_SIZE, COMPRESS_LEVEL=6, COMPRESS_BR_LEVEL=4)
        self._app = app
        self._plain = Compress()
        self._plain.init_app(app)
        self._cached = Compress()
        self._cached.init_app(app)
        self._cached.cache = _BoundedBytes(CACHE_BYTES)
        self._cached.cache_key = lambda _request: g.compress_key

    def __call__(self, response: Any, present: set[str]) -> None:
        """``present``: the lower-case names of the response's headers."""
        status = response.status_code
        if status == 304:
            _vary(response, present)
            return
        if response.mimetype not in COMPRESSIBLE:
            return
        _vary(response, present)  # every answer of this type may come compressed
        if (status < 200 or status >= 300 or "content-encoding" in present
                or not request.headers.get("Accept-Encoding")):
            return
        size = response.content_length  # files (streamed) know theirs too
        if (size if size is not None else 0 if not response.is_streamed else MIN_SIZE) < MIN_SIZE:
            return
        if response.mimetype == "text/html" and self._may_hold_a_secret(response, present):
            return
        etag, weak = response.get_etag()
        if etag and not weak and not response.is_streamed:
            g.compress_key = f"{request.path};{etag}"
            self._cached.after_request(response)
        else:
            self._plain.after_request(response)

    def _may_hold_a_secret(self, response: Any, present: set[str]) -> bool:
        from .security import carries_sign_in

        if carries_sign_in(self._app) or ("cache-control" in present
                                          and "no-store" in response.headers["Cache-Control"]):
            return True
        # Without a session cookie in the request, reading the session here changes nothing
        # (the session interface ignores "accessed" then): a session started by this answer.
        return bool(session.modified)


def _vary(response: Any, present: set[str]) -> None:
    if "vary" not in present:
        response.headers._list.append(("Vary", "Accept-Encoding"))
        present.add("vary")
    else:
        response.vary.add("Accept-Encoding")
