"""Backups that are consistent while the app serves: SQLite's online backup API (never a file
copy of a live WAL database), or ``pg_dump --format=custom`` for PostgreSQL. Each copy is
checked before it is reported as done.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

COUNTED = ("groups", "venues", "schedules", "facilitators", "users", "audit_entries")


class BackupError(RuntimeError):
    """The backup could not be made or did not verify; nothing usable was written."""


def backup_database(engine: Any, path: str, *, force: bool = False) -> str:
    target = Path(path)
    if target.exists() and not force:
        raise BackupError(f"{target} exists; pass --force to replace it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        return _sqlite(engine, target)
    if engine.dialect.name == "postgresql":
        return _postgres(engine, target)
    raise BackupError(f"No backup method for {engine.dialect.name}.")


def _sqlite(engine: Any, target: Path) -> str:
    source_path = engine.url.database
    if not source_path or source_path == ":memory:":
        raise BackupError("An in-memory database cannot be backed up.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy, pages=1024)  # copies in steps, so writers are never blocked long
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("The copy failed its integrity check; the database was not backed up.")
        counts = {t: copy.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608
                  for t in COUNTED if _has_table(copy, t)}
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        copy.close()
        source.close()
    partial.replace(target)
    return f"Backed up to {target}: " + ", ".join(f"{n} {t}" for t, n in counts.items())


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                        (name,)).fetchone() is not None


def _postgres(engine: Any, target: Path) -> str:
    dump, restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if not dump or not restore:
        raise BackupError("pg_dump and pg_restore are needed for PostgreSQL (see the README).")
    # The password goes through the environment, never the command line (visible in ps).
    env = {**os.environ, "PGPASSWORD": engine.url.password} if engine.url.password else None
    url = engine.url.set(drivername="postgresql", password=None).render_as_string()
    done = subprocess.run([dump, "--format=custom", "--no-owner", "--file", str(target), url],
                          capture_output=True, text=True, timeout=3600, env=env)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError("pg_dump failed: " + done.stderr.strip().splitlines()[-1][:200])
    listing = subprocess.run([restore, "--list", str(target)], capture_output=True, text=True,
                             timeout=600)
    if listing.returncode != 0 or "TABLE DATA public groups" not in listing.stdout:
        raise BackupError("The dump did not verify with pg_restore --list.")
    return f"Backed up to {target} (pg_dump custom format, verified with pg_restore --list)."
