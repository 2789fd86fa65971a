"""Housekeeping that ``groupfinder worker`` runs every night (the periodic tasks in ``tasks``):
old outbox mail, expired geocoder answers, and a rotated database backup.

Each function takes ``now`` (aware UTC), so a test can run it on a fake clock, and writes in one
short transaction of its own (``writing()`` and a ``Session(db.engine)``, as ``mail`` does):
a job is a single bulk statement, not a unit of work of the request's session, and must not
join or end whatever that session holds.

There is no expired-token clean-up because there is nothing to clean: sign-in is Flask's signed
session cookie, and confirmation and reset links are stateless signed tokens
(``accounts.tokens``) that expire by their own timestamp. No token is ever stored.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .backup import BackupError, backup_database
from .db import now_utc, writing
from .extensions import db
from .geo.geocoding import NEGATIVE_TTL, POSITIVE_TTL
from .geo.models import GeocodeCache
from .mail import OutboxMail

log = logging.getLogger(__name__)

SENT_KEEP_DAYS = 30
# Given-up mail stays listed on /review/mail for admins this long. It has no "failed at": it is
# given up about four hours after it was written (MAX_ATTEMPTS), so its age is counted from
# ``created_at``, the "Written" column of that page.
FAILED_KEEP_DAYS = 90
BACKUP_NAME = re.compile(r"^groupfinder-\d{8}-\d{6}\.(?:sqlite3|dump)$")
_SUFFIX = {"sqlite": "sqlite3", "postgresql": "dump"}


def _delete(statement: Any) -> int:
    with writing(), Session(db.engine) as session, session.begin():
        result = session.execute(statement.execution_options(synchronize_session=False))
        return int(result.rowcount or 0)


def purge_sent_mail(now: dt.datetime, keep_days: int = SENT_KEEP_DAYS) -> int:
    """Delete sent mail older than ``keep_days`` (by ``sent_at``) and given-up mail older than
    ``FAILED_KEEP_DAYS`` (by ``created_at``); pending and sending mail is never touched.
    Returns how many rows went."""
    sent_before = now - dt.timedelta(days=keep_days)
    failed_before = now - dt.timedelta(days=FAILED_KEEP_DAYS)
    deleted = _delete(sa.delete(OutboxMail).where(sa.or_(
        sa.and_(OutboxMail.status == "sent",
                sa.or_(OutboxMail.sent_at < sent_before,
                       # sent_at is always set with "sent"; a row without one is dated by birth
                       sa.and_(OutboxMail.sent_at.is_(None), OutboxMail.created_at < sent_before))),
        sa.and_(OutboxMail.status == "failed", OutboxMail.created_at < failed_before))))
    log.info("housekeeping: %s old outbox mail(s) deleted", deleted)
    return deleted


def purge_expired_geocodes(now: dt.datetime) -> int:
    """Delete geocoder answers ``CachedGeocoder`` would no longer use: an entry expires
    ``POSITIVE_TTL`` (found) or ``NEGATIVE_TTL`` (not found) after its ``created_at``."""
    deleted = _delete(sa.delete(GeocodeCache).where(sa.or_(
        sa.and_(GeocodeCache.found, GeocodeCache.created_at <= now - POSITIVE_TTL),
        sa.and_(sa.not_(GeocodeCache.found), GeocodeCache.created_at <= now - NEGATIVE_TTL))))
    log.info("housekeeping: %s expired geocoder answer(s) deleted", deleted)
    return deleted


def nightly_backup(app_or_engine: Any, folder: str | Path | None, keep: int,
                   now: dt.datetime) -> str | None:
    """Back up to ``folder/groupfinder-YYYYMMDD-HHMMSS.<sqlite3|dump>`` (``now`` in UTC), then
    delete the oldest files of that name pattern so that ``keep`` remain, the new one among
    them; no other file in the folder is touched. None when no folder is configured. Raises
    ``BackupError`` (or ``OSError``) when no verified copy was made; nothing is deleted then."""
    if not folder:
        return None
    engine = app_or_engine if isinstance(app_or_engine, sa.Engine) else _engine_of(app_or_engine)
    suffix = _SUFFIX.get(engine.dialect.name)
    if suffix is None:
        raise BackupError(f"No backup method for {engine.dialect.name}.")
    target = Path(folder) / f"groupfinder-{now.astimezone(dt.UTC):%Y%m%d-%H%M%S}.{suffix}"
    message = backup_database(engine, str(target))
    older = sorted(p for p in target.parent.iterdir()
                   if p.is_file() and BACKUP_NAME.match(p.name) and p.name != target.name)
    removed = older[:max(len(older) - (max(keep, 1) - 1), 0)]  # names sort by their time
    for path in removed:
        path.unlink(missing_ok=True)
    if removed:
        message += f"; {len(removed)} older backup(s) removed, {len(older) - len(removed) + 1} kept"
    return message


def _engine_of(app: Any) -> sa.Engine:
    with app.app_context():
        return db.engine


def run_nightly_backup(app: Any, now: dt.datetime | None = None) -> str | None:
    """The worker's job: ``nightly_backup`` with ``BACKUP_DIR`` and ``BACKUP_KEEP``. A failure
    is logged as an error with its reason and never raised, so the worker carries on."""
    try:
        message = nightly_backup(app, app.config["BACKUP_DIR"], int(app.config["BACKUP_KEEP"]),
                                 now or now_utc())
    except (BackupError, OSError) as exc:
        log.error("nightly backup failed: %s", exc)
        return None
    except Exception:
        log.exception("nightly backup failed")
        return None
    if message is not None:
        log.info("nightly backup: %s", message)
    return message
