"""Signed, expiring, single-use links for email confirmation and password reset (decision D5).

A token is ``URLSafeTimedSerializer(SECRET_KEY, salt=<purpose>/<link format>)`` over
``{"uid", "fp"}``; ``fp`` is an HMAC (keyed with the secret key) of the account's current
password hash, email and confirmation state. So a token
- cannot be used for another purpose (one salt per purpose),
- expires (``max_age`` per purpose),
- dies once used: resetting the password changes the hash, confirming changes the state, and a
  later change of email or password kills every link sent before it,
- reveals nothing of the hash (the payload is readable base64, the HMAC is not reversible).
Nothing is stored; reading a token never writes.

Links carry the token in the query string, which access logs leave out (see accounts.views).
Links used to carry it in the path, which they keep: the salt's ``LINK_FORMAT`` suffix changed
with the move, so every token made for a path-style link, including any in an old log, fails.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from .models import User


class Purpose(enum.StrEnum):
    confirm_email = "confirm-email"
    reset_password = "reset-password"


MAX_AGE = {
    Purpose.confirm_email: 48 * 3600,
    Purpose.reset_password: 3600,
}
LINK_FORMAT = "query"  # where links carry the token; a change kills every older token


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt=f"{purpose.value}/{LINK_FORMAT}")


def fingerprint(user: User, purpose: Purpose) -> str:
    state = "|".join([
        purpose.value, str(user.id), user.email.lower(), user.password_hash or "",
        str(int(user.email_confirmed_at.timestamp())) if user.email_confirmed_at else "-",
    ])
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, state.encode(), hashlib.sha256).hexdigest()[:32]


def make_token(user: User, purpose: Purpose) -> str:
    return _serializer(purpose).dumps({"uid": user.id, "fp": fingerprint(user, purpose)})


def read_token(token: str, purpose: Purpose) -> User | None:
    """The account the token was made for, if it is genuine, unexpired and still current."""
    if not token or len(token) > 1000:
        return None
    try:
        data: Any = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    user = db.session.get(User, data["uid"])
    if user is None or not isinstance(data.get("fp"), str):
        return None
    if not hmac.compare_digest(fingerprint(user, purpose), data["fp"]):
        return None
    return user
