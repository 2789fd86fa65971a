"""Checks every text field shares, whoever writes it (form, service, CSV import, CLI).

Pure; no Flask. Control characters break what we publish: a CR or LF in a name ends an
iCalendar property or a mail header early, and the rest of the line becomes a new property or
header. Single-line fields (names, area, venue name, address lines) refuse every control
character; multi-line fields (descriptions, bios, notes) accept only line breaks and tabs.
Email addresses are checked with ``email-validator`` (syntax only: the app works offline).
The messages stay English here (``N_`` only marks them for the catalogues): the forms translate
them where they are shown (``formfields``), and the importer and CLI print them as they are.
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email


def N_(message: str) -> str:
    """Marks ``message`` for extraction; it is translated where it is shown."""
    return message


SINGLE_LINE_MESSAGE = N_("Keep this on one line, without special control characters.")
MULTI_LINE_MESSAGE = N_("Remove the special control characters from this text.")
EMAIL_MESSAGE = N_("Give an email address like name@example.org.")
TOO_LONG_EMAIL_MESSAGE = N_("That email address is too long.")

_MULTI_LINE_ALLOWED = {"\n", "\r", "\t"}


def _controls(value: str) -> set[str]:
    # Cc: C0/C1 controls (CR, LF, NUL, ESC…); Zl/Zp: Unicode line and paragraph separators,
    # which some calendar and mail software treat as line breaks.
    return {ch for ch in value if unicodedata.category(ch) in ("Cc", "Zl", "Zp")}


def single_line_problem(value: str | None) -> str | None:
    """A message when ``value`` holds any control character (CR and LF included)."""
    if value and _controls(value):
        return SINGLE_LINE_MESSAGE
    return None


def multi_line_problem(value: str | None) -> str | None:
    """A message when ``value`` holds a control character other than a line break or tab."""
    if value and _controls(value) - _MULTI_LINE_ALLOWED:
        return MULTI_LINE_MESSAGE
    return None


class InvalidEmail(ValueError):
    """``str(exc)`` is a message fit to show beside the field."""


def normalize_email(value: str) -> str:
    """The address as we store it (domain lower-cased, Unicode normalized); ``InvalidEmail``
    when it is not a valid address. The local part is lower-cased too: sign-in and
    co-organizer look-ups compare addresses without regard to case."""
    text = (value or "").strip()
    if not text or single_line_problem(text):
        raise InvalidEmail(EMAIL_MESSAGE)
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidEmail(EMAIL_MESSAGE) from None
    if len(result.normalized) > 254:
        raise InvalidEmail(TOO_LONG_EMAIL_MESSAGE)
    return result.normalized.lower()


def email_problem(value: str | None) -> str | None:
    """A message when ``value`` (non-empty) is not a valid email address."""
    if not value:
        return None
    try:
        normalize_email(value)
    except InvalidEmail as exc:
        return str(exc)
    return None
