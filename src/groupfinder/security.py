"""HTTP hardening in one place: security headers (Flask-Talisman, configured explicitly), cookie
flags, the proxy hop count, and rate limits (Flask-Limiter; Redis when several workers share one
count).

The CSP allows nothing inline: every script and style is a file under /static. Rate limits are
per client address (``ProxyFix`` must name the exact number of proxies in front, or every client
shares the proxy's bucket), for sign-in per account too, and for organizer and review forms per
signed-in account. Every key is a keyed hash: the limiter's store (Redis) never holds an email
address or a client address, and without the secret key nobody can test guesses against it.
The limits hold as documented with one process on ``memory://``; several workers must share
Redis (``check-deploy`` fails otherwise), or each would count alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_login import current_user
from flask_talisman import Talisman
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

# Every POST under /manage and /review (one count across both): far above what a busy organizer
# or reviewer clicks, low enough to stop a script with a stolen session or a flood from one place.
ORGANIZER_POST_LIMIT = "60 per minute;600 per hour"  # per signed-in account
ORGANIZER_POST_ADDRESS_LIMIT = "120 per minute;1200 per hour"  # per client address
ORGANIZER_BLUEPRINTS = ("manage", "review")

log = logging.getLogger(__name__)


def _digest(purpose: str, *parts: str) -> str:
    """A keyed hash for limiter keys (one namespace per purpose): an email address is easy to
    guess, and so is an IPv4 address, so a plain hash would not hide them."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hmac.new(secret, b"groupfinder rate limits", hashlib.sha256).digest()
    message = "\x00".join((purpose, *parts)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


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


class _Talisman(Talisman):
    """Talisman whose https redirect leaves the health probes alone (``PROBES``)."""

    def _force_https(self) -> Any:
        if request.endpoint in PROBES:
            return None
        return super()._force_https()


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
    _Talisman(
        app,
        force_https=https and not app.config["TESTING"] and not app.config["DEBUG"],
        strict_transport_security=True,
        strict_transport_security_max_age=31536000,
        strict_transport_security_include_subdomains=True,
        frame_options="DENY",
        content_security_policy=content_security_policy(app.config),
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_secure=https,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        x_content_type_options=True,
        x_xss_protection=False,
    )

    @app.after_request
    def _isolation_headers(response: Any) -> Any:
        shared = request.path.startswith("/api/") or request.path.endswith(".ics")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Resource-Policy",
                                    "cross-origin" if shared else "same-origin")
        if current_user.is_authenticated and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store, private"
        return response

    # One limiter per app: its settings (storage, enabled) are per instance, and tests build
    # several apps in one process.
    app.extensions["groupfinder.limiter"] = Limiter(
        _address_key, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        enabled=bool(app.config["RATELIMIT_ENABLED"]), headers_enabled=True,
        strategy="moving-window", retry_after="delta-seconds", key_prefix="groupfinder")


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
