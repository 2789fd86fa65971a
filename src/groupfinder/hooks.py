"""The app's per-request hooks: one before every request, one after.

Kept to what every request needs, since it is paid on all of them (``bench/fixed_cost.py``
measures it against a bare Flask route): a request id, the start time, the NUL check on form
posts and, for a request without a session or remember-me cookie, a signed-out visitor without
asking Flask-Login (which would read the session, hash the client's address and agent, and
make the answer ``Vary: Cookie``); such a visitor's GET reads the data version the worker read
less than a second ago (``readcache.current_token``), so a page built from cached pieces runs
no query at all. After: the request id, the security headers precomputed per
response class, ``no-store`` for a signed-in account's pages, ``Retry-After`` on a 429,
compression where it is worth it and safe (``compression``) and one line of request log.

The request log keeps the path, only the names of query parameters (``where=…``) and, for an
old-style emailed link, the route without its token; the line is built only when the logger is
on at INFO, with no regular expression unless the path is an account link's.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, g, request

log = logging.getLogger("groupfinder.request")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Emailed links carry their token in the query string, whose values this log leaves out. Links
# of the old form (/accounts/confirm/<token>, /accounts/reset/<token>) still arrive from old mail
# (their tokens no longer work): the log keeps the route, not the token.
_TOKEN_PATH = re.compile(r"^(/accounts/(?:confirm|reset)/)[^/?]+")
_INFO = logging.INFO
_READS = frozenset({"GET", "HEAD"})


def logged_target(path: str, query: bytes, redact: Callable[[str], str]) -> str:
    """What the request log says of the URL: the path (an old link's token replaced by ``…``)
    and, through ``redact`` (``privacy.redact_query_string``), the parameters' names only."""
    if path.startswith("/accounts/"):
        path = _TOKEN_PATH.sub(r"\1…", path)
    if query:
        return path + "?" + redact(query.decode("latin-1"))
    return path


def init_request_hooks(app: Flask) -> None:
    from .compression import Compression
    from .extensions import login_manager
    from .privacy import redact_query_string
    from .readcache import STALE_TOKEN_OK
    from .security import carries_sign_in, retry_after

    # Flask-Login's own after-request hook reads the session of every response (and so makes it
    # Vary: Cookie); the session interface does its one job (security.CookieSessionInterface).
    funcs = app.after_request_funcs.get(None, [])
    if login_manager._update_remember_cookie in funcs:
        funcs.remove(login_manager._update_remember_cookie)
    headers = app.extensions["groupfinder.security_headers"]
    compress = Compression(app)
    anonymous = login_manager.anonymous_user

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-Id")
        # A proxy's id is kept only if it is plainly an id: error pages and logs repeat it.
        g.request_id = (incoming if incoming and _REQUEST_ID.fullmatch(incoming)
                        else secrets.token_hex(8))
        g.started = time.perf_counter()
        if not carries_sign_in(app):
            g._login_user = anonymous()  # what Flask-Login would conclude, without the session
            if request.method in _READS:  # a visitor's read: a second-old data version will do
                request.environ[STALE_TOKEN_OK] = True
        # A NUL can't be typed into a form, and PostgreSQL text refuses one: a bad request.
        if request.method == "POST" and any(
                "\x00" in key or "\x00" in value
                for key, values in request.form.lists() for value in values):
            abort(400)

    @app.after_request
    def _finish(response: Any) -> Any:
        path = request.path
        raw = response.headers._list  # read once; Headers' "in" costs a KeyError per miss
        present = {name.lower() for name, _ in raw}
        if "x-request-id" not in present:
            raw.append(("X-Request-Id", g.get("request_id", "")))
        headers.for_response(response, path, present)
        user = g.get("_login_user")  # only if something asked who is signed in
        if user is not None and user.is_authenticated and "cache-control" not in present:
            raw.append(("Cache-Control", "no-store, private"))
            present.add("cache-control")
        if response.status_code == 429:
            retry_after(response)
        compress(response, present)
        spoken = g.get("_flask_babel")  # only a response with words chose a language
        if spoken is not None and getattr(spoken, "babel_locale", None) is not None:
            if "content-language" not in present:
                raw.append(("Content-Language", spoken.babel_locale.language))
            if g.get("language_negotiated"):  # the words followed the browser's Accept-Language
                response.vary.add("Accept-Language")  # one Vary header, with compression's
        if log.isEnabledFor(_INFO):
            elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
            # makeRecord + handle: log.info would also walk the stack to find its caller.
            log.handle(log.makeRecord(
                log.name, _INFO, __file__, 0, "%s %s %s %.1fms",
                (request.method, logged_target(path, request.query_string, redact_query_string), response.status_code,
                 elapsed), None))
        return response
