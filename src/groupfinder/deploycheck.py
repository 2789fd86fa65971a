"""``groupfinder check-deploy``: the deployment risks docs/security-privacy.md lists, each as a check
with an id and a message (like Django's ``check --deploy``). Errors fail the command.

Reads the app's configuration and the process environment (gunicorn's worker count comes from
``WEB_CONCURRENCY`` or ``GUNICORN_CMD_ARGS``); touches the database and Redis only to see that
they answer.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

WEAK_KEY_MARKERS = ("dev", "demo", "test", "secret", "changeme", "insecure", "example")
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "fuse.sshfs", "9p", "glusterfs",
                       "ceph", "fuse.s3fs", "afs"}


@dataclass(frozen=True)
class Finding:
    id: str
    level: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.id} [{self.level}] {self.message}"


def worker_count(environ: dict[str, str]) -> int:
    """gunicorn's worker count as its arguments spell it (``-w 4``, ``-w4``, ``--workers=4``):
    rate limits in memory with more than one worker would each count alone."""
    args = shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))
    for i, arg in enumerate(args):
        if arg in ("-w", "--workers") and i + 1 < len(args) and args[i + 1].isdigit():
            return int(args[i + 1])
        for prefix in ("--workers=", "-w"):
            if arg.startswith(prefix) and arg[len(prefix):].isdigit():
                return int(arg[len(prefix):])
    value = environ.get("WEB_CONCURRENCY", "1")
    return int(value) if value.isdigit() else 1


def _filesystem_of(path: Path, mounts_file: str = "/proc/mounts") -> str | None:
    try:
        mounts = Path(mounts_file).read_text().splitlines()
    except OSError:
        return None
    best, fstype = "", None
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and (target == parts[1] or target.startswith(parts[1].rstrip("/") + "/")):
            if len(parts[1]) >= len(best):
                best, fstype = parts[1], parts[2]
    return fstype


def weak_secret(key: str | None) -> str | None:
    if not key:
        return "is not set"
    if len(key) < 32:
        return "is shorter than 32 characters"
    if len(set(key)) < 10:
        return "has too few different characters"
    lowered = key.lower()
    if any(marker in lowered for marker in WEAK_KEY_MARKERS):
        return "looks like a placeholder or development key"
    return None


def check(config: dict[str, Any], environ: dict[str, str], *, engine: Any = None,
          mounts_file: str = "/proc/mounts") -> list[Finding]:
    out: list[Finding] = []

    def error(fid: str, message: str) -> None:
        out.append(Finding(fid, "error", message))

    def warn(fid: str, message: str) -> None:
        out.append(Finding(fid, "warning", message))

    if config.get("DEBUG"):
        error("GF-E001", "Debug mode is on (GROUPFINDER_DEBUG): it exposes an interactive debugger.")
    if config.get("TESTING"):
        error("GF-E002", "Testing mode is on: errors would be raised instead of handled.")
    problem = weak_secret(config.get("SECRET_KEY"))
    if problem:
        error("GF-E003", f"GROUPFINDER_SECRET_KEY {problem}: use "
                         "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`.")
    base = str(config.get("BASE_URL", ""))
    if not base.startswith("https://"):
        error("GF-E004", f"GROUPFINDER_BASE_URL is {base!r}: serve over https (feeds, cookies and "
                         "HSTS depend on it).")
    elif re.match(r"^https://(localhost|127\.|0\.0\.0\.0|\[::1\])", base):
        error("GF-E005", "GROUPFINDER_BASE_URL points at this machine; use the public address.")
    workers = worker_count(environ)
    storage = str(config.get("RATELIMIT_STORAGE_URI", "memory://"))
    if storage.startswith("memory://") and workers > 1:
        error("GF-E006", f"Rate limits are kept in memory but gunicorn runs {workers} workers: each "
                         "counts alone. Set GROUPFINDER_RATELIMIT_STORAGE_URI=redis://….")
    if not config.get("RATELIMIT_ENABLED", True):
        error("GF-E007", "Rate limiting is switched off (GROUPFINDER_RATELIMIT_ENABLED).")
    url = str(config.get("DATABASE_URL", ""))
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1] if "///" in url else ""
        if not path or path == ":memory:":
            error("GF-E008", "The database is in memory: everything is lost on restart.")
        else:
            fstype = _filesystem_of(Path(path).parent, mounts_file)
            if fstype in NETWORK_FILESYSTEMS:
                error("GF-E009", f"The SQLite database is on a network filesystem ({fstype}): SQLite's "
                                 "locking is unsafe there, and it can't be shared across hosts. Use "
                                 "PostgreSQL.")
            if workers > 4:
                warn("GF-W010", f"SQLite with {workers} workers: writes are serialised; consider "
                                "PostgreSQL.")
    if config.get("MAIL_BACKEND") in ("console", "memory"):
        error("GF-E011", f"Mail goes to {config.get('MAIL_BACKEND')}: organizers could not confirm "
                         "their address or reset a password. Set GROUPFINDER_MAIL_BACKEND=smtp.")
    if str(config.get("LOG_LEVEL", "INFO")).upper() == "DEBUG":
        error("GF-E012", "Log level DEBUG may write geocoding URLs and SQL with values to the log.")
    geocoder = config.get("GEOCODER", "offline")
    if geocoder == "nominatim" and not config.get("GEOCODER_DOMAIN"):
        if workers > 1 or storage.startswith("memory://"):
            warn("GF-W013", "The public Nominatim allows 1 request per second for the whole "
                            "application; with several workers, self-host it (GEOCODER_DOMAIN).")
    if engine is not None:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            error("GF-E014", explain_failure(exc, config)
                  or f"The database does not answer ({type(exc).__name__}).")
        else:
            behind = _migrations_behind(engine)
            if behind:
                error("GF-E015", f"The database schema is not at the latest migration ({behind}); "
                                 "run `groupfinder db upgrade`.")
    if storage.startswith(("redis://", "rediss://")):
        try:
            import redis

            redis.Redis.from_url(storage, socket_connect_timeout=2).ping()
        except Exception as exc:  # noqa: BLE001
            error("GF-E016", _redis_sentence(storage, exc))
    if not int(config.get("PROXY_HOPS", 0)) and environ.get("FORWARDED_ALLOW_IPS"):
        warn("GF-W017", "gunicorn trusts forwarded headers but GROUPFINDER_PROXY_HOPS is 0: rate "
                        "limits would count the proxy, not each client.")
    return out


def _redact_url(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//…@", url)


def _redis_sentence(storage: str, exc: BaseException) -> str:
    return (f"Redis at {_redact_url(storage)} does not answer ({type(exc).__name__}): start it, "
            "or correct GROUPFINDER_RATELIMIT_STORAGE_URI.")


_NO_DATABASE = re.compile(r'database "([^"]+)" does not exist')
_NO_ROLE = re.compile(r'role "([^"]+)" does not exist')
_BAD_PASSWORD = re.compile(r'password authentication failed for user "([^"]+)"')
_PEER = re.compile(r'Peer authentication failed for user "([^"]+)"')
_UNREACHABLE = ("Connection refused", "could not translate host name", "timeout expired",
                "No such file or directory", "Name or service not known", "No route to host",
                "could not connect", "Network is unreachable")
_NO_TABLE = re.compile(r'no such table|relation "[^"]+" does not exist')


def _database_errors() -> tuple[type[BaseException], ...]:
    """SQLAlchemy's wrappers, and the drivers' own errors (a raw connection, as for SQLite's WAL
    pragma during ``db upgrade``, raises those unwrapped)."""
    import sqlite3

    found: list[type[BaseException]] = [sa.exc.OperationalError, sa.exc.ProgrammingError,
                                        sa.exc.InterfaceError, sqlite3.OperationalError]
    try:
        import psycopg

        found += [psycopg.OperationalError, psycopg.errors.UndefinedTable]
    except ImportError:  # SQLite-only installs
        pass
    return tuple(found)


def explain_failure(exc: BaseException, config: dict[str, Any] | None = None) -> str | None:
    """One sentence saying what went wrong and what to do, for the failures an operator meets
    (database missing, refusing or unreachable; schema not created; Redis down); ``None`` for
    anything else, which is a bug and keeps its traceback."""
    config = config or {}
    try:
        import redis

        if isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
            storage = str(config.get("RATELIMIT_STORAGE_URI")
                          or os.environ.get("GROUPFINDER_RATELIMIT_STORAGE_URI", "redis://"))
            return _redis_sentence(storage, exc)
    except ImportError:  # pragma: no cover - a dependency of flask-limiter[redis]
        pass
    if not isinstance(exc, _database_errors()):
        return None
    text = str(getattr(exc, "orig", None) or exc)
    raw_url = str(config.get("DATABASE_URL") or os.environ.get("GROUPFINDER_DATABASE_URL", ""))
    try:
        url = sa.engine.make_url(raw_url)
    except Exception:  # noqa: BLE001 - only for wording
        url = None
    where = (f"{url.host or 'the local socket'}" + (f":{url.port}" if url and url.port else "")
             if url is not None else "the configured server")
    if (m := _NO_DATABASE.search(text)):
        name = m.group(1)
        owner = url.username if url is not None and url.username else "USER"
        return (f'The database "{name}" does not exist on {where}: create it with `createdb {name}` '
                f"(e.g. `sudo -u postgres createdb --owner {owner} {name}`), then run "
                "`groupfinder db upgrade`.")
    if (m := _NO_ROLE.search(text)):
        return (f'PostgreSQL on {where} has no user "{m.group(1)}": create it with '
                f"`sudo -u postgres createuser {m.group(1)}`, or correct GROUPFINDER_DATABASE_URL.")
    if (m := _BAD_PASSWORD.search(text)):
        return (f'PostgreSQL on {where} refused the password of "{m.group(1)}": correct the '
                "password in GROUPFINDER_DATABASE_URL.")
    if (m := _PEER.search(text)):
        return (f'PostgreSQL refused "{m.group(1)}" (peer authentication): run the command as the '
                f"system user {m.group(1)} (`sudo -u {m.group(1)} …`), or give a host and password "
                "in GROUPFINDER_DATABASE_URL.")
    if "unable to open database file" in text:
        path = url.database if url is not None else "the SQLite file"
        return (f"SQLite can't open {path}: make sure its folder exists and is writable by this "
                "user, or correct GROUPFINDER_DATABASE_URL.")
    if _NO_TABLE.search(text):
        return ("The database has no tables yet, or an older schema: run `groupfinder db upgrade` "
                "first.")
    if not isinstance(exc, sa.exc.ProgrammingError) and any(m in text for m in _UNREACHABLE):
        return (f"The database server at {where} does not answer: start PostgreSQL there, or "
                "correct GROUPFINDER_DATABASE_URL.")
    return None


def _migrations_behind(engine: Any) -> str | None:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    folder = Path(__file__).parent / "migrations"
    script = ScriptDirectory.from_config(_alembic_config(Config, folder))
    heads = set(script.get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return None if current == heads else f"at {', '.join(sorted(current)) or 'nothing'}"


def _alembic_config(config_class: Any, folder: Path) -> Any:
    cfg = config_class(str(folder / "alembic.ini"))
    cfg.set_main_option("script_location", str(folder))
    return cfg


def environ_snapshot() -> dict[str, str]:
    return dict(os.environ)
