"""``groupfinder check-deploy``: the deployment risks docs/security-privacy.md lists, each as a check
with an id and a message (like Django's ``check --deploy``). Errors fail the command.

Reads the app's configuration and the process environment (gunicorn's worker count comes from
``WEB_CONCURRENCY`` or ``GUNICORN_CMD_ARGS``); touches the database and Redis only to see that
they answer.

``check-deploy --url`` (``check_url``) looks at a running deployment from outside instead, over
HTTP only: what the proxy, TLS and the app's headers actually send, which no configuration
check can see (a proxy that drops a header or forgets ``X-Forwarded-Proto``, a leaked ``.git``).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

WEAK_KEY_MARKERS = ("dev", "demo", "test", "secret", "changeme", "insecure", "example")
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "fuse.sshfs", "9p", "glusterfs",
                       "ceph", "fuse.s3fs", "afs"}


@dataclass(frozen=True)
class Finding:
    id: str
    level: str  # "error" | "warning" | "info" (a check skipped, and why)
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
          mounts_file: str = "/proc/mounts", probe_smtp: bool = False) -> list[Finding]:
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
    if probe_smtp and config.get("MAIL_BACKEND") == "smtp":
        problem = smtp_problem(str(config.get("SMTP_HOST", "")), int(config.get("SMTP_PORT", 587)))
        if problem:
            # A warning: mail waits in the outbox and goes out once the server answers.
            warn("GF-W018", f"The SMTP server {config.get('SMTP_HOST')}:{config.get('SMTP_PORT')} "
                            f"does not answer ({problem}): mail waits in the outbox until it does.")
    if config.get("TASKS_IMMEDIATE"):
        warn("GF-W019", "Background jobs run immediately (GROUPFINDER_TASKS_IMMEDIATE): mail is "
                        "sent inside requests, failed mail is retried only when new mail is "
                        "written, and periodic jobs (confirmation reminders, the nightly backup) "
                        "never run. Set it to false and run `groupfinder worker`.")
    if not config.get("BACKUP_DIR"):
        warn("GF-W020", "No nightly backup: GROUPFINDER_BACKUP_DIR is empty. Set it (the worker "
                        "then keeps GROUPFINDER_BACKUP_KEEP verified copies) or back the database "
                        "up another way.")
    return out


def smtp_problem(host: str, port: int, timeout: float = 3.0) -> str | None:
    """``None`` when an SMTP server at host:port greets us (220), else why not, in a few words.
    Only connects and says QUIT: no login, nothing sent."""
    import smtplib

    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.noop()
    except (OSError, smtplib.SMTPException) as exc:
        return type(exc).__name__
    return None


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



# --- check-deploy --url: the deployment seen from outside ------------------------------------

SAMPLE_WHERE = "M1+1AE"  # a postcode the shipped gazetteer knows
HSTS_MIN_AGE = 31536000  # one year, what security.py sends
TIMEOUT_S = 10.0
MAX_BODY = 4_000_000
LEAKY_REFERRER_POLICIES = {"unsafe-url", "no-referrer-when-downgrade"}


@dataclass(frozen=True)
class Response:
    """What ``check_url`` needs of an answer: status, every header (Set-Cookie repeats), body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        found = self.all(name)
        return found[0] if found else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def media_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The parsed body, or None when it isn't JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


Fetch = Callable[[str, Mapping[str, str]], Response]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect comes back as the answer: some checks are about the redirect itself, and
    following one blindly could take the checker off the site being checked."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch_url(url: str, headers: Mapping[str, str] | None = None, *,
              timeout: float = TIMEOUT_S) -> Response:
    """One GET with the standard library (nothing to install on the checking machine); any
    status is returned, not raised. Raises ``OSError`` (or ``http.client.HTTPException``) when
    nothing answers."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"User-Agent": "groupfinder-check-deploy",
                                                   **dict(headers or {})})
    try:
        with opener.open(request, timeout=timeout) as answer:
            return Response(answer.status, tuple(answer.headers.items()), answer.read(MAX_BODY))
    except urllib.error.HTTPError as answer:  # 3xx, 4xx, 5xx: an answer all the same
        with answer:
            body = answer.read(MAX_BODY) if answer.fp is not None else b""
            return Response(answer.code, tuple(answer.headers.items()), body)


def _is_local(host: str) -> bool:
    return host in ("localhost", "::1", "0.0.0.0") or host.startswith("127.") \
        or host.endswith(".localhost")


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__


def _parse_cookie(line: str) -> tuple[str, dict[str, str]]:
    first, *attributes = [part.strip() for part in line.split(";")]
    name = first.split("=", 1)[0].strip()
    attrs = {}
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        attrs[key.strip().lower()] = value.strip()
    return name, attrs


def _answered(response: Response) -> str:
    where = response.header("Location")
    return f"{response.status}" + (f" (to {where})" if where else "")


def check_url(base_url: str, fetch: Fetch | None = None) -> list[Finding]:
    """Findings about the deployment at ``base_url``, from about a dozen GETs: https and the
    http redirect, security headers, cookies, probes, feeds, the API's errors, ``/.git``.

    ``fetch(url, headers) -> Response`` does the requests (``fetch_url`` unless given; tests pass
    their own). Plain http is accepted only for this machine, whose https checks are skipped."""
    fetch = fetch or fetch_url
    out: list[Finding] = []

    def error(fid: str, message: str) -> None:
        out.append(Finding(fid, "error", message))

    def warn(fid: str, message: str) -> None:
        out.append(Finding(fid, "warning", message))

    def info(fid: str, message: str) -> None:
        out.append(Finding(fid, "info", message))

    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        error("GF-E100", f"{base_url!r} is not an http(s) URL such as https://groups.example.org.")
        return out
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    https, local = parts.scheme == "https", _is_local(parts.hostname)
    failed: dict[str, str] = {}

    def get(path: str, headers: Mapping[str, str] | None = None, *,
            root: str | None = None) -> Response | None:
        try:
            return fetch((root or base) + path, dict(headers or {}))
        except (OSError, http.client.HTTPException, ValueError) as exc:
            failed[path] = _reason(exc)
            return None

    def broken(path: str, response: Response | None) -> str:
        return f"does not answer ({failed.get(path, '?')})" if response is None \
            else f"answered {_answered(response)}"

    home = get("/")
    if home is None:
        error("GF-E101", f"{base}/ does not answer ({failed['/']}).")
        return out
    if not https:
        if local:
            info("GF-I102", f"{base} is plain http on this machine: the https checks (redirect, "
                            "HSTS, Secure and __Host- cookies) are skipped.")
        else:
            error("GF-E102", f"{base} is not https: serve the site over https only.")
    if home.status != 200:
        error("GF-E103", f"GET / answered {_answered(home)}, not 200"
              + (" (behind a proxy: is X-Forwarded-Proto sent, and GROUPFINDER_PROXY_HOPS set?)"
                 if 300 <= home.status < 400 else "") + ".")

    # https, and plain http sent there
    if https and local:
        info("GF-I104", f"{parts.hostname} is this machine: the http → https redirect is not "
                        "checked.")
    elif https:
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        plain = get("/", root=f"http://{host}")
        location = (plain.header("Location") or "") if plain is not None else ""
        if plain is None:
            warn("GF-W104", f"http://{host}/ does not answer ({failed['/']}): people typing the "
                            "bare name get nothing; redirect port 80 to https.")
        elif plain.status not in (301, 302, 307, 308) \
                or not location.startswith(f"https://{host}"):
            error("GF-E104", f"http://{host}/ answered {_answered(plain)}: it should redirect to "
                             f"https://{host}/.")

    # security headers on the home page
    if https:
        hsts = home.header("Strict-Transport-Security") or ""
        age = re.search(r"max-age\s*=\s*\"?(\d+)", hsts, re.I)
        if not age or int(age.group(1)) < HSTS_MIN_AGE:
            error("GF-E105", "Strict-Transport-Security is "
                  + (f"{hsts!r}" if hsts else "missing")
                  + f": browsers need max-age ≥ {HSTS_MIN_AGE} (one year) to stay on https.")
    csp = (home.header("Content-Security-Policy") or "").lower()
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    if directives.get("default-src") != "default-src 'none'" or "frame-ancestors" not in directives:
        error("GF-E106", "Content-Security-Policy is " + (f"{csp!r}" if csp else "missing")
              + ": expected default-src 'none' and frame-ancestors.")
    if (home.header("X-Content-Type-Options") or "").strip().lower() != "nosniff":
        error("GF-E107", "X-Content-Type-Options: nosniff is missing.")
    referrer = (home.header("Referrer-Policy") or "").strip().lower()
    if not referrer or referrer in LEAKY_REFERRER_POLICIES:
        error("GF-E108", "Referrer-Policy is " + (f"{referrer!r}" if referrer else "missing")
              + ": search URLs (postcodes) would reach other sites.")
    server = home.header("Server") or ""
    if re.search(r"\d", server):
        warn("GF-W109", f"The Server header names a version ({server!r}); in nginx, set "
                        "`server_tokens off;`.")

    # cookies: none on public pages; the sign-in page's as strict as a session cookie can be
    search = get(f"/search?where={SAMPLE_WHERE}")
    for path, response in (("/", home), (f"/search?where={SAMPLE_WHERE}", search)):
        if response is None:
            error("GF-E110", f"GET {path} {broken(path, response)}.")
        elif response.all("Set-Cookie"):
            names = ", ".join(_parse_cookie(c)[0] for c in response.all("Set-Cookie"))
            error("GF-E110", f"GET {path} sets a cookie ({names}): public pages must set none.")
    login = get("/accounts/login")
    if login is None or login.status != 200:
        error("GF-E111", f"GET /accounts/login {broken('/accounts/login', login)}, not 200.")
    elif not login.all("Set-Cookie"):
        warn("GF-W111", "GET /accounts/login set no cookie: its flags were not checked.")
    else:
        for line in login.all("Set-Cookie"):
            name, attrs = _parse_cookie(line)
            missing = [flag for flag, ok in (
                ("Secure", "secure" in attrs or not https),
                ("HttpOnly", "httponly" in attrs),
                ("SameSite=Lax", attrs.get("samesite", "").lower() == "lax"),
                ("the __Host- prefix (Path=/, no Domain)",
                 not https or (name.startswith("__Host-") and attrs.get("path") == "/"
                               and "domain" not in attrs)),
            ) if not ok]
            if missing:
                error("GF-E112", f"The sign-in page's cookie {name} lacks {', '.join(missing)}.")

    # health probes
    health = get("/healthz")
    if health is None or health.status != 200 or health.media_type != "application/json" \
            or not isinstance(health.json(), dict):
        error("GF-E113", f"GET /healthz {broken('/healthz', health)}"
              + (f" as {health.media_type or 'no type'}" if health is not None else "")
              + ": expected 200 JSON.")
    ready = get("/readyz")
    body = ready.json() if ready is not None else None
    if ready is None or ready.status != 200 or not isinstance(body, dict) \
            or body.get("status") != "ok":
        checks = body.get("checks") if isinstance(body, dict) else None
        failing = [f"{k}: {v}" for k, v in checks.items() if v != "ok"] \
            if isinstance(checks, dict) else []
        error("GF-E114", f"GET /readyz {broken('/readyz', ready)}"
              + (f"; failing: {', '.join(failing)}" if failing else "")
              + ": expected 200 with status ok.")

    # feeds
    guide = get("/api/meeting-guide.json")
    etag = guide.header("ETag") if guide is not None else None
    if guide is None or guide.status != 200 or guide.media_type != "application/json" or not etag:
        error("GF-E115", f"GET /api/meeting-guide.json {broken('/api/meeting-guide.json', guide)}"
              + (f" as {guide.media_type or 'no type'}, ETag {etag or 'missing'}"
                 if guide is not None else "") + ": expected 200 application/json with an ETag.")
    if etag:
        again = get("/api/meeting-guide.json", {"If-None-Match": etag})
        if again is None or again.status != 304:
            error("GF-E116", "GET /api/meeting-guide.json with If-None-Match "
                  f"{broken('/api/meeting-guide.json', again)}, not 304: feed readers download "
                  "it in full every time (does the proxy drop ETag or If-None-Match?).")
    feed_path = f"/search/calendar.ics?where={SAMPLE_WHERE}"
    feed = get(feed_path)
    feed_type = re.sub(r"\s+", "", (feed.header("Content-Type") or "").lower()) if feed else ""
    if feed is None or feed.status != 200 or feed_type != "text/calendar;charset=utf-8":
        error("GF-E117", f"GET {feed_path} {broken(feed_path, feed)}"
              + (f" as {feed_type or 'no type'}" if feed is not None else "")
              + ": expected 200 text/calendar; charset=utf-8.")

    # the API, and its errors
    api_path = f"/api/v1/groups?where={SAMPLE_WHERE}"
    api = get(api_path)
    if api is None or api.status != 200 or api.media_type != "application/json" \
            or api.json() is None:
        error("GF-E118", f"GET {api_path} {broken(api_path, api)}"
              + (f" as {api.media_type or 'no type'}" if api is not None else "")
              + ": expected 200 JSON.")
    bad_path = "/api/v1/groups?lat=abc&lng=0"
    bad = get(bad_path)
    if bad is None or not 400 <= bad.status < 500 or bad.media_type != "application/problem+json":
        error("GF-E119", f"GET {bad_path} {broken(bad_path, bad)}"
              + (f" as {bad.media_type or 'no type'}" if bad is not None else "")
              + ": expected 4xx application/problem+json.")

    # nothing of the checkout
    git = get("/.git/HEAD")
    if git is None:
        error("GF-E120", f"GET /.git/HEAD {broken('/.git/HEAD', git)}: expected 404.")
    elif git.status not in (403, 404, 410):
        error("GF-E120", f"GET /.git/HEAD answered {_answered(git)}, not 404: the repository "
                         "may be exposed.")
    return out
