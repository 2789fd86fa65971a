"""The worker's nightly housekeeping on a fake clock: old outbox mail and expired geocoder
answers go, pending mail never does; backups rotate to the newest N and leave other files
alone; and the jobs are registered with Huey at their times."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from groupfinder import backup, housekeeping, mail, tasks
from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.geo.geocoding import CachedGeocoder
from groupfinder.geo.models import GeocodeCache

NOW = dt.datetime(2027, 1, 10, 3, 15, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


def add(*rows: object) -> None:
    with Session(db.engine) as session, session.begin():
        session.add_all(rows)


def outbox_subjects() -> set[str]:
    with Session(db.engine) as session:
        return set(session.scalars(sa.select(mail.OutboxMail.subject)))


def outbox_row(subject: str, status: str, written: dt.datetime,
               sent: dt.datetime | None = None, attempts: int = 0) -> mail.OutboxMail:
    return mail.OutboxMail(to_address="ann@example.org", subject=subject,
                           body="" if status == "sent" else "a link", status=status,
                           attempts=attempts, created_at=written, next_attempt_at=written,
                           sent_at=sent)


# --- outbox ----------------------------------------------------------------------------------

def test_purge_sent_mail_deletes_old_sent_and_failed_mail_only(app: Flask) -> None:
    add(outbox_row("sent 31 days ago", "sent", NOW - 31 * DAY, NOW - 31 * DAY),
        outbox_row("sent 29 days ago", "sent", NOW - 29 * DAY, NOW - 29 * DAY),
        outbox_row("written long ago, sent lately", "sent", NOW - 60 * DAY, NOW - 29 * DAY),
        outbox_row("failed 91 days ago", "failed", NOW - 91 * DAY, attempts=8),
        outbox_row("failed 89 days ago", "failed", NOW - 89 * DAY, attempts=8),
        outbox_row("pending for a year", "pending", NOW - 365 * DAY),
        outbox_row("retrying for a year", "pending", NOW - 365 * DAY, attempts=3),
        outbox_row("sending for a year", "sending", NOW - 365 * DAY))

    assert housekeeping.purge_sent_mail(NOW) == 2
    assert outbox_subjects() == {"sent 29 days ago", "written long ago, sent lately",
                                 "failed 89 days ago", "pending for a year",
                                 "retrying for a year", "sending for a year"}
    # Admins still see the given-up mail of the last 90 days, and what is being retried.
    assert {m.subject for m in mail.troubled()} == {"failed 89 days ago", "retrying for a year"}
    db.session.rollback()

    assert housekeeping.purge_sent_mail(NOW) == 0  # idempotent
    assert housekeeping.purge_sent_mail(NOW, keep_days=7) == 2
    assert outbox_subjects() == {"failed 89 days ago", "pending for a year",
                                 "retrying for a year", "sending for a year"}
    # Two months on: pending and sending mail is still never deleted, however old.
    assert housekeeping.purge_sent_mail(NOW + 60 * DAY) == 1
    assert outbox_subjects() == {"pending for a year", "retrying for a year", "sending for a year"}


# --- geocoder cache --------------------------------------------------------------------------

def geocode_row(key: str, found: bool, created: dt.datetime) -> GeocodeCache:
    return GeocodeCache(key=key, provider="nominatim", found=found,
                        label="Somewhere" if found else None, lat=51.5 if found else None,
                        lng=-0.1 if found else None, created_at=created, hits=0)


def test_purge_expired_geocodes_deletes_exactly_what_the_cache_no_longer_serves(app: Flask) -> None:
    second = dt.timedelta(seconds=1)
    add(geocode_row("found-30d", True, NOW - 30 * DAY),
        geocode_row("found-31d", True, NOW - 31 * DAY),
        geocode_row("found-30d-less-1s", True, NOW - 30 * DAY + second),
        geocode_row("found-today", True, NOW - dt.timedelta(hours=1)),
        geocode_row("missing-1d", False, NOW - DAY),
        geocode_row("missing-1d-less-1s", False, NOW - DAY + second),
        geocode_row("missing-10d", False, NOW - 10 * DAY))
    cache = CachedGeocoder(object(), lambda: Session(db.engine),  # type: ignore[arg-type]
                           provider="nominatim", clock=lambda: NOW)
    with Session(db.engine) as session:
        keys = set(session.scalars(sa.select(GeocodeCache.key)))
    served = {key for key in keys if cache._get(key) is not None}
    assert served == {"found-30d-less-1s", "found-today", "missing-1d-less-1s"}

    assert housekeeping.purge_expired_geocodes(NOW) == 4
    with Session(db.engine) as session:
        assert set(session.scalars(sa.select(GeocodeCache.key))) == served
    assert housekeeping.purge_expired_geocodes(NOW) == 0
    assert housekeeping.purge_expired_geocodes(NOW + 31 * DAY) == 3


# --- backups ---------------------------------------------------------------------------------

def _check_copy(path: Path, backend: str) -> None:
    if backend == "sqlite":
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert copy.execute("SELECT count(*) FROM conditions").fetchone()[0] == 16
        copy.close()
    else:
        listing = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True,
                                 text=True, check=True)
        assert "TABLE DATA public conditions" in listing.stdout


def test_nightly_backup_keeps_the_newest_and_leaves_other_files(app: Flask, backend: str,
                                                                 tmp_path: Path) -> None:
    if backend == "postgres" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.fail("pg_dump and pg_restore are needed for the PostgreSQL backup")
    folder = tmp_path / "backups"
    folder.mkdir()
    suffix = "sqlite3" if backend == "sqlite" else "dump"
    foreign = ["notes.txt", "groupfinder-manual.sqlite3", "groupfinder-20200101-000000.sqlite3.old",
               "groupfinder-20200101.dump"]
    for name in foreign:
        (folder / name).write_text("not mine")
    (folder / "groupfinder-20270101-000000.sqlite3").mkdir()  # a folder of that name: not a file

    times = [NOW - 2 * DAY - dt.timedelta(hours=1), NOW - DAY, NOW]
    messages = [housekeeping.nightly_backup(app, folder, 2, t) for t in times]
    assert all(m and "Backed up to" in m for m in messages), messages
    assert "1 older backup(s) removed, 2 kept" in str(messages[2])

    expected = {f"groupfinder-20270109-031500.{suffix}", f"groupfinder-20270110-031500.{suffix}"}
    assert {p.name for p in folder.iterdir()} == expected | set(foreign) | {
        "groupfinder-20270101-000000.sqlite3"}
    for name in foreign:
        assert (folder / name).read_text() == "not mine"
    for name in expected:
        _check_copy(folder / name, backend)

    # A clock set back: the new copy sorts oldest, yet it is the one kept beside the newest.
    earlier = NOW - 30 * DAY
    housekeeping.nightly_backup(app, folder, 2, earlier)
    assert {p.name for p in folder.iterdir() if housekeeping.BACKUP_NAME.match(p.name)
            and p.is_file()} == {f"groupfinder-{earlier:%Y%m%d-%H%M%S}.{suffix}",
                                 "groupfinder-20270110-031500." + suffix}


@sqlite_only
def test_nightly_backup_without_a_folder_does_nothing(app: Flask, tmp_path: Path) -> None:
    assert housekeeping.nightly_backup(app, None, 14, NOW) is None
    assert housekeeping.nightly_backup(app, "", 14, NOW) is None
    assert housekeeping.nightly_backup(db.engine, tmp_path / "b", 1, NOW) is not None  # an engine too
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["groupfinder-20270110-031500.sqlite3"]


# --- the Huey jobs ---------------------------------------------------------------------------

def periodic(app: Flask, when: dt.datetime) -> dict[str, object]:
    """The periodic tasks due at ``when`` (naive UTC, as Huey's consumer passes it), by name."""
    return {task.name: task for task in tasks.huey_for(app).read_periodic(when)}


@sqlite_only
def test_housekeeping_jobs_are_registered_daily_at_their_times(app: Flask) -> None:
    runs: dict[str, list[str]] = {}
    start = dt.datetime(2027, 1, 4)  # a Monday: a week of minutes
    for minute in range(7 * 24 * 60):
        when = start + dt.timedelta(minutes=minute)
        for name in periodic(app, when):
            runs.setdefault(name, []).append(f"{when:%a %H:%M}")
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert runs["nightly_backup"] == [f"{d} 02:30" for d in days]
    assert runs["purge_sent_mail"] == [f"{d} 03:15" for d in days]
    assert runs["purge_expired_geocodes"] == [f"{d} 03:20" for d in days]
    assert len(runs["retry_mail"]) == 7 * 24 * 60


@sqlite_only
def test_the_jobs_run_in_the_app_and_a_failed_backup_is_logged_not_raised(
        app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    now = now_utc()
    add(outbox_row("old", "sent", now - 40 * DAY, now - 40 * DAY),
        geocode_row("old", True, now - 40 * DAY))
    assert periodic(app, dt.datetime(2027, 1, 4, 3, 15))["purge_sent_mail"].execute() == 1
    assert periodic(app, dt.datetime(2027, 1, 4, 3, 20))["purge_expired_geocodes"].execute() == 1

    job = periodic(app, dt.datetime(2027, 1, 4, 2, 30))["nightly_backup"]
    monkeypatch.setitem(app.config, "BACKUP_DIR", None)
    assert job.execute() is None
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "nightly"))
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 3)
    assert "Backed up to" in job.execute()
    assert len(list((tmp_path / "nightly").iterdir())) == 1

    caplog.set_level(logging.INFO, logger="groupfinder.housekeeping")
    monkeypatch.setattr(housekeeping, "backup_database", _refuse)
    assert job.execute() is None
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage() == "nightly backup failed: The copy failed its integrity check."
    assert len(list((tmp_path / "nightly").iterdir())) == 1  # nothing rotated away

    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(blocked))
    monkeypatch.setattr(housekeeping, "backup_database", backup.backup_database)
    caplog.clear()
    assert job.execute() is None
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage().startswith("nightly backup failed: [Errno")


def _refuse(_engine: object, _path: str) -> str:
    raise backup.BackupError("The copy failed its integrity check.")
