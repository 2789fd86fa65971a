"""Outgoing mail through an outbox: ``send`` writes an ``OutboxMail`` row in the caller's
transaction (so a mail exists if and only if the change that causes it commits, and no request
waits on SMTP); ``deliver_pending`` sends due rows later with the configured backend (console or
file for development, SMTP in production, an in-memory list in tests), retrying with backoff.
Chosen by ``GROUPFINDER_MAIL_BACKEND``.

Each message goes to one recipient, so no one ever sees another person's address.

Language: a mail speaks its recipient's language. A mail to the person making the request
speaks the request's language (Flask-Babel's choice for it). A mail that someone else's action
or a background job sends to an account holder speaks ``language_of(user)``: the language they
last registered, signed in or reset their password in (``User.language``), else
``DEFAULT_LANGUAGE``. Such mail is written inside ``speaking(code)``, one recipient at a time,
so ``gettext`` speaks it in a request or outside one; ``send`` reads lazy subjects and bodies in
the current language too.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import UTCDateTime, now_utc, reading, writing
from .extensions import db

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # 1+2+4+…+60 minutes: about four hours of retries before giving up
MAX_BACKOFF = dt.timedelta(hours=1)
CLAIM_TIMEOUT = dt.timedelta(minutes=10)  # a sender that died mid-send: the row is due again
_PENDING_FLAG = "groupfinder.mail_pending"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class MailUnavailable(RuntimeError):
    """The mail server refused or could not be reached."""


class OutboxMail(db.Model):
    """One message waiting, being sent, sent, or given up on (kept for admins to see)."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    # Emptied once sent: it may hold a sign-in or reset link.
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(timezone=True), default=now_utc)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(timezone=True), default=now_utc)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.String(100))

    __table_args__ = (sa.Index("ix_outbox_mail_status_next_attempt_at", "status", "next_attempt_at"),)


def outbox() -> list[Mail]:
    """The memory backend's sent messages (tests)."""
    return current_app.extensions.setdefault("groupfinder.outbox", [])


def language() -> str:
    """The language of a mail written now: the request's, else ``DEFAULT_LANGUAGE``."""
    from .localization import current_language

    return current_language()


def language_of(user: Any) -> str:
    """The language mail to ``user`` speaks: the one they last used the site in, if the site
    still offers it, else ``DEFAULT_LANGUAGE`` (``None``: no account, the default too)."""
    from .localization import enabled_languages

    code = getattr(user, "language", None)
    if code and code in enabled_languages():
        return str(code)
    return str(current_app.config["DEFAULT_LANGUAGE"])


@contextmanager
def speaking(code: str | None = None) -> Iterator[str]:
    """Write a mail in ``code`` (default: ``language()``): ``gettext`` inside speaks it, in a
    request (which keeps its own language afterwards) or outside one (a job, the CLI)."""
    code = code or language()
    with force_locale(code):
        yield code


def send(to: str, subject: Any, body: Any) -> None:
    """Queue one message in the current transaction (``transaction()`` joins the caller's, or
    commits this row alone when there is none). It is delivered after the commit; never raises
    ``MailUnavailable``. ``subject`` and ``body`` may be lazy: they are read in ``language()``."""
    from .transactions import transaction

    if not (isinstance(subject, str) and isinstance(body, str)):
        with speaking():
            subject, body = str(subject), str(body)
    with transaction():
        db.session.add(OutboxMail(to_address=to, subject=subject[:300], body=body))
        db.session.info[_PENDING_FLAG] = True


@event.listens_for(Session, "after_commit")
def _schedule_delivery(session: Session) -> None:
    """After a commit that queued mail: a delivery task (run at once when tasks are immediate).
    Never inside the request's transaction, which has ended here."""
    if not session.info.pop(_PENDING_FLAG, False) or not has_app_context():
        return
    from . import tasks

    try:
        tasks.schedule_mail_delivery()
    except Exception:  # the row is saved; the periodic task retries
        log.exception("mail delivery could not be scheduled")


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING_FLAG, None)


# --- delivery -------------------------------------------------------------------------------

def _due(now: dt.datetime) -> Any:
    return sa.or_(
        sa.and_(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= now),
        sa.and_(OutboxMail.status == "sending", OutboxMail.claimed_at < now - CLAIM_TIMEOUT))


def claim(limit: int, now: dt.datetime) -> list[tuple[int, Mail]]:
    """Mark up to ``limit`` due rows as ``sending`` in one short write transaction and return
    them. Each row is taken with a conditional UPDATE, so of two deliveries racing only one
    gets it (on PostgreSQL the second UPDATE re-checks the condition after the first commits)."""
    claimed: list[tuple[int, Mail]] = []
    with reading(), Session(db.engine) as session:
        # Most runs find nothing due: they need not queue for SQLite's write lock.
        if session.scalar(sa.select(OutboxMail.id).where(_due(now)).limit(1)) is None:
            return claimed
    with writing(), Session(db.engine) as session, session.begin():
        ids = session.scalars(sa.select(OutboxMail.id).where(_due(now))
                              .order_by(OutboxMail.id).limit(limit)).all()
        for mail_id in ids:
            taken = session.execute(
                sa.update(OutboxMail).where(OutboxMail.id == mail_id, _due(now))
                .values(status="sending", claimed_at=now)
                .returning(OutboxMail.to_address, OutboxMail.subject, OutboxMail.body)).first()
            if taken is not None:
                claimed.append((mail_id, Mail(to=taken[0], subject=taken[1], body=taken[2])))
    return claimed


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, … minutes after the 1st, 2nd, 3rd failure, at most an hour."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_pending(limit: int = 50, now: dt.datetime | None = None) -> int:
    """Send due mail; return how many were sent. Runs in the worker (or right after the commit
    when tasks are immediate), never inside a request's transaction."""
    now = now or now_utc()
    cfg = current_app.config
    sent = 0
    for mail_id, message in claim(limit, now):
        values: dict[str, Any]
        try:
            deliver(message, cfg)
        except Exception as exc:
            error = type(exc.__cause__ or exc).__name__
            if not isinstance(exc, MailUnavailable):
                log.exception("mail %s not sent", mail_id)
            with writing(), Session(db.engine) as session, session.begin():
                attempts = (session.scalar(sa.select(OutboxMail.attempts)
                                           .where(OutboxMail.id == mail_id)) or 0) + 1
                values = {"attempts": attempts, "last_error": error[:100], "claimed_at": None}
                if attempts >= MAX_ATTEMPTS:
                    values["status"] = "failed"
                    log.warning("mail %s given up after %s attempts (%s)", mail_id, attempts, error)
                else:
                    values.update(status="pending", next_attempt_at=now + backoff(attempts))
                session.execute(sa.update(OutboxMail).where(
                    OutboxMail.id == mail_id, OutboxMail.status == "sending").values(**values))
            continue
        with writing(), Session(db.engine) as session, session.begin():
            session.execute(sa.update(OutboxMail).where(OutboxMail.id == mail_id).values(
                status="sent", sent_at=now_utc(), body="", last_error=None))
        sent += 1
    return sent


# --- for admins ----------------------------------------------------------------------------

def mask_address(address: str) -> str:
    """``a***@example.org``: enough to tell mails apart and spot a typo'd domain, not to read
    who wrote in."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def troubled(limit: int = 200) -> list[OutboxMail]:
    """Mail that failed for good, then mail still being retried; newest first. Admins see the
    recipient masked, the subject and the error class, never the body."""
    return list(db.session.scalars(
        sa.select(OutboxMail)
        .where(sa.or_(OutboxMail.status == "failed",
                      sa.and_(OutboxMail.status.in_(("pending", "sending")),
                              OutboxMail.attempts > 0)))
        .order_by(sa.case((OutboxMail.status == "failed", 0), else_=1), OutboxMail.id.desc())
        .limit(limit)))


def deliver(mail: Mail, cfg: Any) -> None:
    """Hand one message to the configured backend; ``MailUnavailable`` if SMTP fails."""
    backend = cfg["MAIL_BACKEND"]
    if backend == "memory":
        outbox().append(mail)
    elif backend == "console":
        # Development only: the body may hold a sign-in link, never a searcher's data.
        print(f"--- mail to {mail.to}: {mail.subject}\n{mail.body}\n---", flush=True)  # noqa: T201
    elif backend == "file":
        folder = Path(cfg["MAIL_FILE_DIR"] or Path(current_app.instance_path) / "mail")
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "outbox.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(mail)) + "\n")
    elif backend == "smtp":
        _send_smtp(mail, cfg)
    else:  # validated at start-up; kept as a guard
        raise MailUnavailable(f"unknown mail backend {backend!r}")


def _send_smtp(mail: Mail, cfg: Any) -> None:
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=10) as smtp:
            if cfg["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if cfg["SMTP_USERNAME"]:
                smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail not sent: %s", type(exc).__name__)
        raise MailUnavailable("The mail server could not be reached.") from exc
