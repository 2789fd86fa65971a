"""Password hashing and the password policy. No session; the policy's messages are in the
request's language (English outside one).

- Argon2id through argon2-cffi's ``PasswordHasher()`` defaults (RFC 9106 low-memory profile:
  t=3, m=64 MiB, p=4), which meet ASVS 5 Appendix C (decision D4). ``HASHER`` is module state so
  tests can swap in ``argon2.profiles.CHEAPEST``; production never changes it.
- Text is NFKC-normalised before hashing and checking, so the same password typed on two
  keyboards (composed or decomposed accents) matches. Nothing is truncated (no bcrypt 72-byte cut).
- Policy (ASVS 6.2): 12 to 256 characters, not common or guessable (zxcvbn score ≥ 2 with the
  person's email and the site's name as context words), and no composition rules.
"""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 256  # bounds the hashing work an attacker can ask for
MIN_SCORE = 2
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; a strong prefix means a strong password

HASHER = PasswordHasher()


def _normal(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """An Argon2id hash (``$argon2id$v=19$…``) of ``password``."""
    return HASHER.hash(_normal(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; False on a mismatch, a missing or a malformed hash.

    A missing hash is still checked against a dummy one, so the time taken does not tell an
    unknown account (or one without a password) from a wrong password.
    """
    if not password_hash:
        _verify_quietly(_dummy_hash(_params_key()), password)
        return False
    return _verify_quietly(password_hash, password)


def _verify_quietly(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, _normal(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's (rehash at sign-in)."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def _params_key() -> tuple[int, int, int, int, int]:
    h = HASHER
    return (h.time_cost, h.memory_cost, h.parallelism, h.hash_len, h.salt_len)


@functools.lru_cache(maxsize=4)
def _dummy_hash(_key: tuple[int, int, int, int, int]) -> str:
    """A hash of a random secret with the current parameters (made once, on first use)."""
    return HASHER.hash(secrets.token_urlsafe(32))


def password_problems(password: str, *, email: str = "",
                      context: Iterable[str] = ()) -> list[str]:
    """What is wrong with ``password`` as a new password, in words for the person; [] if fine."""
    if not password:
        return [_("Enter a password.")]
    length = len(_normal(password))
    if length < MIN_LENGTH:
        return [_("Use at least %(min)s characters. A few unrelated words together work well.",
                  min=MIN_LENGTH)]
    if length > MAX_LENGTH:
        return [_("Use at most %(max)s characters.", max=MAX_LENGTH)]
    inputs = ["groupfinder", "group finder", "support group"]
    if email:
        local = email.split("@", 1)[0]
        parts = [p for p in re.split(r"[^\w]+|_", local) if p]
        inputs += [email, local, "".join(parts), *parts]
    inputs += [c for c in context if c]
    import zxcvbn  # here: its word lists take ~14 MB, in a worker only once someone sets a password

    result = zxcvbn.zxcvbn(_normal(password)[:_ZXCVBN_MAX], user_inputs=inputs)
    if result["score"] < MIN_SCORE:
        warning = result["feedback"].get("warning") or ""
        if warning:  # zxcvbn's own words, in English
            return [_("This password is too easy to guess. %(warning)s. Try a few unrelated words "
                      "together.", warning=warning.rstrip("."))]
        return [_("This password is too easy to guess. Try a few unrelated words together.")]
    return []
