"""HTTP hardening in one place: security headers, cookie flags, the session that opens only when
its cookie came, the proxy hop count, and rate limits (Flask-Limiter; Redis when several workers
share one count).

The CSP allows nothing inline: every script and style is a file under /static, so no nonce is
needed and every header is the same for every response of a class (page, API, feed): they are
built once at start (``SecurityHeaders``) and added by the app's one after-request hook. (This
replaced Flask-Talisman, which rebuilt and re-parsed them on every response: about a fifth of
the fixed cost of a request, for features we don't use: per-view options and nonces.)

Sessions: a request without the session cookie gets a fresh, empty session that is never read
from a cookie, never signed, and saved only if something writes to it; the app's before-request
hook treats it as signed out without asking Flask-Login. So a public page, feed or API answer
costs no session work, sets no cookie and carries no ``Vary: Cookie``; an answer that read a
session cookie (a signed-in visitor's page) carries ``Vary: Cookie``, and one for a signed-in
account ``Cache-Control: no-store, private``.

Rate limits are
per client address (``ProxyFix`` must name the exact number of proxies in front, or every client
shares the proxy's bucket), for sign-in per account too, and for organizer and review forms per
signed-in account. Every key is a keyed hash: the limiter's store (Redis) never holds an email
address or a client address, and without the secret key nobody can test guesses against it.
The limits hold as documented with one process on ``memory://``; several workers must share
Redis (``check-deploy`` fails otherwise), or each would count alone. On Redis, a limited request
costs one round trip per limit that applies to it (the moving window's acquire script) and a
request that no limit applies to costs none: the ``X-RateLimit-*`` headers are off (each would
cost another round trip per request to read the window back); a refused request still says
``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
from typing import Any

from flask import Flask, current_app, redirect, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_login import current_user
from werkzeug.datastructures import Headers
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
}


def content_security_policy(config: Any) -> dict[str, str]:
    """``CSP`` for this app: images may also come from the map tiles' origin (only that one, and
    only images: the tiles are ``<img>`` elements; scripts and styles of the map are ours)."""
    from .config import tile_origin

    csp = dict(CSP)
    origin = tile_origin(str(config.get("MAP_TILE_URL") or ""))
    if origin:
        csp["img-src"] = f"{CSP['img-src']} {origin}"
    return csp


PERMISSIONS_POLICY = {
    "geolocation": "(self)",  # "use my location", on our own origin only
    "camera": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
    "interest-cohort": "()",
    "browsing-topics": "()",
}

# endpoint → limits on its POSTs per client address (what costs us, or could be abused to guess
# or to spam)
FORM_LIMITS = {
    "accounts.login": "10 per minute;50 per hour",
    "accounts.register": "5 per minute;30 per hour",
    "accounts.reset_request": "5 per minute;20 per hour",
    "accounts.reset_password": "10 per minute",
    "accounts.confirm_email": "10 per minute",
    "reports.report": "5 per 10 minutes;20 per day",
    "manage.organisation_invite": "10 per minute;50 per hour",  # each one mails a stranger
    "organisation_join.join": "10 per minute",
}
API_LIMIT = "120 per minute"
API_BLUEPRINTS = ("api", "exports")  # API_LIMIT on every request, per client address
LIMIT_EXEMPT = ("pages.healthz", "pages.readyz")  # probes are never limited
# ... nor sent to https: a load balancer or systemd probe calls gunicorn directly over plain HTTP,
# and a 302 would read as "down". They carry no cookie and no personal data.
PROBES = LIMIT_EXEMPT

# Sign-in per account, without letting a stranger lock the owner out (ASVS 6.1.1/6.3.1):
# attempts count per account *and* client address, so failures from elsewhere never use up the
# owner's tries; a wider ceiling per account across addresses stops a distributed guesser. The
# ceiling does not apply from an address the account signed in from (or set a new password
# from, through its emailed link) within KNOWN_ADDRESS_DAYS, so the owner's usual address keeps
# working even while it is reached.
ACCOUNT_LOGIN_LIMIT = "5 per minute"  # per account and client address
ACCOUNT_LOGIN_CEILING = "30 per hour"  # per account, across addresses not known for it
KNOWN_ADDRESS_DAYS = 30

# A search feed built cold (not in the read cache) costs about 0.4 s of CPU at 100k groups: per
# client address, far above what subscribing calendars ask (they refetch the same URL, which is
# cached), low enough that a script varying the search can't keep the workers busy.
SEARCH_FEED_BUILD_LIMIT = "20 per minute;200 per hour"

# Every POST under /manage and /review (one count across both): far above what a busy organizer
# or reviewer clicks, low enough to stop a script with a stolen session or a flood from one place.
ORGANIZER_POST_LIMIT = "60 per minute;600 per hour"  # per signed-in account
ORGANIZER_POST_ADDRESS_LIMIT = "120 per minute;1200 per hour"  # per client address
ORGANIZER_BLUEPRINTS = ("manage", "review")

log = logging.getLogger(__name__)


def _digest(purpose: str, *parts: str) -> str:
    """A keyed hash for limiter keys (one namespace per purpose): an email address is easy to
    guess, and so is an IPv4 address, so a plain hash would not hide them."""
    message = "\x00".join((purpose, *parts)).encode()
    return hmac.new(_limiter_key(str(current_app.config["SECRET_KEY"])), message,
                    hashlib.sha256).hexdigest()[:32]


@functools.lru_cache(maxsize=4)
def _limiter_key(secret: str) -> bytes:
    """Derived once per secret (an API request would otherwise derive it on every call)."""
    return hmac.new(secret.encode(), b"groupfinder rate limits", hashlib.sha256).digest()


def _client() -> str:
    return request.remote_addr or "-"


def _login_email() -> str:
    return (request.form.get("email") or "").strip().lower()


def _address_key() -> str:
    return "addr:" + _digest("addr", _client())


def _account_key() -> str:
    """Sign-in attempts per account, whatever the address."""
    return "account:" + _digest("account", _login_email())


def _account_address_key() -> str:
    return "account-addr:" + _digest("account-addr", _login_email(), _client())


def _user_key() -> str:
    """The signed-in account (its id: the session token rotates, the count must not restart)."""
    return "user:" + _digest("user", str(current_user.id))


def _signed_out() -> bool:
    return not current_user.is_authenticated


def _known_address_key(email: str) -> str:
    return "groupfinder/known-address/" + _digest("known", email.strip().lower(), _client())


def _storage() -> Any:
    limiter = current_app.extensions.get("groupfinder.limiter")
    if limiter is None or not limiter.enabled:
        return None
    return limiter.storage


def remember_address(email: str) -> None:
    """The owner of ``email`` proved themselves from this client address (right password, or an
    emailed link): the per-account sign-in ceiling stops applying from here for
    ``KNOWN_ADDRESS_DAYS``. Best effort: sign-in goes on if the store fails."""
    storage = _storage()
    if storage is None:
        return
    key = _known_address_key(email)
    try:
        storage.clear(key)  # so the expiry restarts
        storage.incr(key, KNOWN_ADDRESS_DAYS * 86400)
    except Exception as exc:  # noqa: BLE001 - logged; the sign-in itself succeeded
        log.warning("rate-limit store: known address not saved (%s)", type(exc).__name__)


def _from_known_address() -> bool:
    storage = _storage()
    if storage is None:
        return False
    try:
        return int(storage.get(_known_address_key(_login_email()))) > 0
    except Exception:  # noqa: BLE001 - unknown: the ceiling applies
        return False


HSTS_VALUE = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """The security headers of every response, built once per app: ``for_response`` picks the
    set for the request's class and adds those the view did not set itself (a view's own
    ``Referrer-Policy: no-referrer`` stays).

    Every response gets the CSP, ``X-Frame-Options``, ``nosniff``, Referrer-Policy,
    Permissions-Policy and ``Cross-Origin-Opener-Policy``, and HSTS over https. What other sites
    may read (the API under /api/, and the .ics feeds) is ``Cross-Origin-Resource-Policy:
    cross-origin``, the API also ``Access-Control-Allow-Origin: *`` (never with credentials);
    everything else is ``same-origin``."""

    PAGE, FEED, API = "page", "feed", "api"

    def __init__(self, config: Any) -> None:
        csp = "; ".join(f"{k} {v}" for k, v in content_security_policy(config).items())
        common = (
            ("Permissions-Policy", ", ".join(f"{k}={v}" for k, v in PERMISSIONS_POLICY.items())),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", csp),
            ("Referrer-Policy", "same-origin"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        )
        shared = (("Cross-Origin-Resource-Policy", "cross-origin"),)
        by_class = {
            self.PAGE: common + (("Cross-Origin-Resource-Policy", "same-origin"),),
            self.FEED: common + shared,
            self.API: common + shared + (("Access-Control-Allow-Origin", "*"),),
        }
        hsts = (("Strict-Transport-Security", HSTS_VALUE),)
        Headers(common + shared + hsts)  # the same checks Werkzeug makes, once (ValueError)
        self._sets = {(kind, secure): (headers + hsts if secure else headers)
                      for kind, headers in by_class.items() for secure in (False, True)}
        self._names = {key: frozenset(name.lower() for name, _ in headers)
                       for key, headers in self._sets.items()}

    @classmethod
    def kind_of(cls, path: str) -> str:
        if path.startswith("/api/"):
            return cls.API
        return cls.FEED if path.endswith(".ics") else cls.PAGE

    def for_response(self, response: Any, path: str, present: set[str]) -> None:
        """``present``: the lower-case names of the headers the response has (kept up to date)."""
        # HSTS only over https (or behind a proxy that says the client used https), as before.
        environ = request.environ
        secure = (environ.get("wsgi.url_scheme") == "https"
                  or environ.get("HTTP_X_FORWARDED_PROTO") == "https")
        key = (self.kind_of(path), secure)
        headers = self._sets[key]
        # Straight onto Werkzeug's header list: the values were checked once, when built, and
        # ``Headers.extend`` would check each again on every response.
        if present.isdisjoint(self._names[key]):
            response.headers._list.extend(headers)
        else:
            response.headers._list.extend(h for h in headers if h[0].lower() not in present)
        present.update(self._names[key])


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened only for a request that carries the cookie.

    Without the cookie, the request gets an empty session without building the signer, and the
    response gets nothing unless the session was written to (then the cookie is set, as Flask
    would). With it, Flask's own behaviour, including ``Vary: Cookie`` when the session was read.
    Flask-Login's remember-me note (``_remember``, left in the session by ``login_user`` and
    ``logout_user``) is acted on here, where Flask-Login's own after-request hook would have read
    the session of every response."""

    def open_session(self, app: Flask, request: Any) -> Any:
        if ("HTTP_COOKIE" not in request.environ
                or app.config["SESSION_COOKIE_NAME"] not in request.cookies):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if "_remember" in session:
            operation = session.pop("_remember")
            if operation == "set" and "_user_id" in session:
                app.login_manager._set_cookie(response)  # type: ignore[attr-defined]
            elif operation == "clear":
                app.login_manager._clear_cookie(response)  # type: ignore[attr-defined]
        if session.modified or (session.accessed
                                and app.config["SESSION_COOKIE_NAME"] in request.cookies):
            super().save_session(app, session, response)


def carries_sign_in(app: Flask) -> bool:
    """Whether the request carries a session or remember-me cookie (so it may be signed in)."""
    if "HTTP_COOKIE" not in request.environ:  # most public requests: no cookie parsing at all
        return False
    cookies = request.cookies
    return (app.config["SESSION_COOKIE_NAME"] in cookies
            or app.config["REMEMBER_COOKIE_NAME"] in cookies)


def _force_https() -> Any:
    """Plain-http requests go to https (302), except the health probes (``PROBES``)."""
    if request.is_secure or request.headers.get("X-Forwarded-Proto") == "https":
        return None
    if request.endpoint in PROBES or not request.url.startswith("http://"):
        return None
    return redirect("https://" + request.url[len("http://"):], code=302)


def init_security(app: Flask) -> None:
    https = app.config["BASE_URL"].startswith("https://")
    hops = int(app.config["PROXY_HOPS"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.config.update(
        SESSION_COOKIE_NAME="__Host-session" if https else "session",
        SESSION_COOKIE_SECURE=https,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_NAME="__Host-remember" if https else "remember_token",
        REMEMBER_COOKIE_SECURE=https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_DURATION=dt.timedelta(days=14),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
    )
    app.session_interface = CookieSessionInterface()
    app.extensions["groupfinder.security_headers"] = SecurityHeaders(app.config)
    if https and not app.config["TESTING"] and not app.config["DEBUG"]:
        app.before_request(_force_https)

    # One limiter per app: its settings (storage, enabled) are per instance, and tests build
    # several apps in one process. Moving window: a limit holds over any 60 s, with no double
    # burst across a window's edge; one Redis round trip per limit checked (module docstring).
    app.extensions["groupfinder.limiter"] = Limiter(
        _address_key, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        enabled=bool(app.config["RATELIMIT_ENABLED"]), headers_enabled=False,
        strategy="moving-window", key_prefix="groupfinder")


def charge_costly_build(purpose: str, limit: str) -> None:
    """Count one costly build (a cache miss) against the client's address; ``RateLimited``
    (429 with Retry-After) when ``limit`` is used up. One store round trip per window of
    ``limit``, and only on a miss. A store that fails lets the build go ahead (logged)."""
    from limits import parse_many

    from .exceptions import RateLimited

    limiter = current_app.extensions.get("groupfinder.limiter")
    if limiter is None or not limiter.enabled:
        return
    key = _address_key()
    try:
        for item in parse_many(limit):
            if not limiter.limiter.hit(item, "groupfinder", purpose, key):
                reset = limiter.limiter.get_window_stats(item, "groupfinder", purpose, key).reset_time
                wait = int(reset - dt.datetime.now(dt.UTC).timestamp()) + 1
                raise RateLimited("Too many new searches from here: please wait a moment, or "
                                  "subscribe to one you already have.", retry_after=wait)
    except RateLimited:
        raise
    except Exception as exc:  # noqa: BLE001 - the limit is a guard, not the service
        log.warning("rate-limit store: costly build not counted (%s)", type(exc).__name__)


def retry_after(response: Any) -> None:
    """A 429 from the limiter says when to come back (``X-RateLimit-*`` headers are off, so
    the limiter doesn't add it): read from the store only for a refused request."""
    limiter = current_app.extensions.get("groupfinder.limiter")
    limit = limiter.current_limit if limiter is not None else None
    if limit is None or not limit.breached or "Retry-After" in response.headers:
        return
    try:
        response.headers["Retry-After"] = str(max(1, int(limit.reset_at - dt.datetime.now(dt.UTC).timestamp())))
    except Exception as exc:  # noqa: BLE001 - the store failed just now: a safe default
        log.warning("rate-limit store: no Retry-After (%s)", type(exc).__name__)
        response.headers["Retry-After"] = "60"


def _missing(kind: str, name: str) -> RuntimeError:
    return RuntimeError(f"rate limits name the {kind} {name!r}, which is not registered: a renamed "
                        "view or blueprint would otherwise lose its limit without a word. Update "
                        "the tables in groupfinder/security.py.")


def apply_limits(app: Flask) -> None:
    """Attach the limits to registered views (call after every blueprint is registered).

    Raises ``RuntimeError`` at app start for a name in the tables that is not registered."""
    limiter: Limiter = app.extensions["groupfinder.limiter"]
    for endpoint in (*FORM_LIMITS, *LIMIT_EXEMPT):
        if endpoint not in app.view_functions:
            raise _missing("endpoint", endpoint)
    for name in (*API_BLUEPRINTS, *ORGANIZER_BLUEPRINTS):
        if name not in app.blueprints:
            raise _missing("blueprint", name)
    for endpoint, value in FORM_LIMITS.items():
        view = limiter.limit(value, methods=["POST"])(app.view_functions[endpoint])
        if endpoint == "accounts.login":
            view = limiter.limit(ACCOUNT_LOGIN_LIMIT, methods=["POST"],
                                 key_func=_account_address_key)(view)
            view = limiter.limit(ACCOUNT_LOGIN_CEILING, methods=["POST"], key_func=_account_key,
                                 exempt_when=_from_known_address)(view)
        app.view_functions[endpoint] = view
    for name in API_BLUEPRINTS:
        limiter.limit(API_LIMIT)(app.blueprints[name])
    for name in ORGANIZER_BLUEPRINTS:
        bp = app.blueprints[name]
        limiter.shared_limit(ORGANIZER_POST_LIMIT, "organizer-posts-account", methods=["POST"],
                             key_func=_user_key, exempt_when=_signed_out)(bp)
        limiter.shared_limit(ORGANIZER_POST_ADDRESS_LIMIT, "organizer-posts-address",
                             methods=["POST"])(bp)
    for endpoint in LIMIT_EXEMPT:
        app.view_functions[endpoint] = limiter.exempt(app.view_functions[endpoint])
    _check_only_where_limited(app, limiter)


def _check_only_where_limited(app: Flask, limiter: Limiter) -> None:
    """Flask-Limiter's hook resolves every request's limits and exemptions (about 50 µs), also
    on the public pages, which have none: it now runs only for the endpoints the tables above
    limit (issue 15)."""
    blueprints = {*API_BLUEPRINTS, *ORGANIZER_BLUEPRINTS}
    limited = frozenset(e for e in app.view_functions
                        if (e in FORM_LIMITS or e.partition(".")[0] in blueprints)
                        and e not in LIMIT_EXEMPT)
    funcs = app.before_request_funcs.get(None, [])
    check = limiter._check_request_limit
    for index, func in enumerate(funcs):
        if func == check:
            def _where_limited() -> Any:
                return check() if request.endpoint in limited else None

            funcs[index] = _where_limited
