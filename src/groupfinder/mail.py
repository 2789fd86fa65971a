"""Outgoing mail behind one small port: console or file for development, SMTP in production,
an in-memory outbox in tests. Chosen by ``GROUPFINDER_MAIL_BACKEND``.

Each message goes to one recipient, so no one ever sees another person's address.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class MailUnavailable(RuntimeError):
    """The mail server refused or could not be reached."""


def outbox() -> list[Mail]:
    """The memory backend's sent messages (tests)."""
    return current_app.extensions.setdefault("groupfinder.outbox", [])


def send(to: str, subject: str, body: str) -> None:
    """Send one message with the configured backend; ``MailUnavailable`` if SMTP fails."""
    cfg = current_app.config
    mail = Mail(to=to, subject=subject, body=body)
    backend = cfg["MAIL_BACKEND"]
    if backend == "memory":
        outbox().append(mail)
    elif backend == "console":
        # Development only: the body may hold a sign-in link, never a searcher's data.
        print(f"--- mail to {to}: {subject}\n{body}\n---", flush=True)  # noqa: T201
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
