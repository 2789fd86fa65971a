"""HTTP hardening in one place: security headers (Flask-Talisman, configured explicitly), cookie
flags, the proxy hop count, and rate limits (Flask-Limiter; Redis when several workers share one
count).

The CSP allows nothing inline: every script and style is a file under /static. Rate limits are
per client address (``ProxyFix`` must name the exact number of proxies in front, or every client
shares the proxy's bucket) and, for sign-in, per account too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
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

PERMISSIONS_POLICY = {
    "geolocation": "(self)",  # "use my location", on our own origin only
    "camera": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
    "interest-cohort": "()",
    "browsing-topics": "()",
}

# endpoint → limits on its POSTs (what costs us, or could be abused to guess or to spam)
FORM_LIMITS = {
    "accounts.login": "10 per minute;50 per hour",
    "accounts.register": "5 per minute;30 per hour",
    "accounts.reset_request": "5 per minute;20 per hour",
    "accounts.reset_password": "10 per minute",
    "accounts.confirm_email": "10 per minute",
    "reports.report": "5 per 10 minutes;20 per day",
}
API_LIMIT = "120 per minute"
ACCOUNT_LOGIN_LIMIT = "5 per minute"



def _account_key() -> str:
    """Sign-in attempts per account (hashed: the limiter's store never holds an address)."""
    email = (request.form.get("email") or "").strip().lower()
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


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
    Talisman(
        app,
        force_https=https and not app.config["TESTING"] and not app.config["DEBUG"],
        strict_transport_security=True,
        strict_transport_security_max_age=31536000,
        strict_transport_security_include_subdomains=True,
        frame_options="DENY",
        content_security_policy=CSP,
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
        get_remote_address, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        enabled=bool(app.config["RATELIMIT_ENABLED"]), headers_enabled=True,
        strategy="moving-window", retry_after="delta-seconds", key_prefix="groupfinder")


def apply_limits(app: Flask) -> None:
    """Attach the limits to registered views (call after every blueprint is registered)."""
    limiter: Limiter = app.extensions["groupfinder.limiter"]
    for endpoint, value in FORM_LIMITS.items():
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        view = limiter.limit(value, methods=["POST"])(view)
        if endpoint == "accounts.login":
            view = limiter.limit(ACCOUNT_LOGIN_LIMIT, methods=["POST"], key_func=_account_key)(view)
        app.view_functions[endpoint] = view
    for name in ("api", "exports"):
        if (bp := app.blueprints.get(name)) is not None:
            limiter.limit(API_LIMIT)(bp)
    for endpoint in ("pages.healthz", "pages.readyz"):
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = limiter.exempt(app.view_functions[endpoint])
