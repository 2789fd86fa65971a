"""Settings: defaults, the instance folder's ``groupfinder.env``, ``GROUPFINDER_*`` environment
variables, and validation at start-up.

Every setting is documented here, once; the README's table lists the same names. A bad value stops
the app with one clear message per problem instead of failing later inside a request. The file
exists so that a person sets a value once (``make demo`` writes the secret key there) and every
later ``groupfinder`` command, run from anywhere, sees it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

PREFIX = "GROUPFINDER"
ENV_FILE = "groupfinder.env"
_CHECKOUT = Path(__file__).resolve().parents[2]
_ENV_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("INSTANCE_PATH", None, "Folder of groupfinder.env, the default SQLite file and file mail; "
                                   "environment only"),
    Setting("DATABASE_URL", None, "SQLAlchemy URL; default SQLite at instance/groupfinder.sqlite3"),
    Setting("SECRET_KEY", None, "Signs sessions and tokens; required unless DEBUG or TESTING"),
    Setting("BASE_URL", "http://127.0.0.1:5000", "Public origin for absolute links in feeds and API"),
    Setting("GEOCODER", "offline", "offline (gazetteer only) or a geopy service name, e.g. nominatim"),
    Setting("GEOCODER_USER_AGENT", None, "User agent for the online geocoder (required by Nominatim)"),
    Setting("GEOCODER_DOMAIN", None, "Domain of a self-hosted geocoder, e.g. nominatim.example.org"),
    Setting("GEOCODER_TIMEOUT", 5.0, "Seconds before an online geocoding request gives up"),
    Setting("GEOCODER_MIN_DELAY", 1.0, "Seconds between online geocoding requests per process"),
    Setting("GEOCODER_COUNTRIES", "GB,US", "ISO country codes people search in, in order of preference"),
    Setting("RATELIMIT_STORAGE_URI", "memory://", "memory:// for one process; redis://host:6379 for several"),
    Setting("RATELIMIT_ENABLED", True, "Rate limits on sign-in, registration, resets, reports and the API"),
    Setting("PROXY_HOPS", 0, "How many reverse proxies stand in front (ProxyFix); 0 when none"),
    Setting("SQLITE_BUSY_TIMEOUT_MS", 5000, "SQLite: how long a writer waits for the lock before 503"),
    Setting("DISTANCE_UNIT", "auto", "auto (miles for a UK or US place, else km), or km or mi everywhere, on pages"),
    Setting("CLOCK", "12h", "12h or 24h, for times shown in English (other languages use their own)"),
    Setting("LANGUAGES", "en,es,cy", "Languages offered (/es/… links, ?lang=es, Accept-Language), of en, es, cy"),
    Setting("DEFAULT_LANGUAGE", "en", "Language when neither the link nor the browser asks for an offered one"),
    Setting("DEFAULT_RADIUS_KM", 25.0, "Search radius when none is given"),
    Setting("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "Map tiles ({z}/{x}/{y}, https); the CSP allows images from its origin; empty: no maps"),
    Setting("MAP_ATTRIBUTION", "© [OpenStreetMap contributors](https://www.openstreetmap.org/copyright)",
            "Credit shown on maps for MAP_TILE_URL; [text](https://…) makes a link"),
    Setting("READ_CACHE_MB", 64, "Per-worker cap, in MB, on cached feeds and search summaries; 0: off"),
    Setting("MAIL_BACKEND", "console", "console, file (instance/mail/outbox.jsonl), smtp, or memory (tests)"),
    Setting("MAIL_FROM", "groupfinder <no-reply@groupfinder.invalid>", "Sender of account and review mail"),
    Setting("MAIL_FILE_DIR", None, "Folder for the file mail backend; default instance/mail"),
    Setting("SMTP_HOST", "localhost", "SMTP server for the smtp mail backend"),
    Setting("SMTP_PORT", 587, "SMTP port"),
    Setting("SMTP_USERNAME", None, "SMTP user name, if the server needs one"),
    Setting("SMTP_PASSWORD", None, "SMTP password"),
    Setting("SMTP_STARTTLS", True, "Use STARTTLS with the SMTP server"),
    Setting("TASKS_URL", None, "Task queue: empty for SQLite at instance/tasks.sqlite3, or redis://host:6379/1"),
    Setting("TASKS_IMMEDIATE", "auto", "true: background jobs run at once in the request, no worker; "
                                      "auto: true in DEBUG, TESTING, or when MAIL_BACKEND is not smtp"),
    Setting("CONFIRM_EVERY_DAYS", 90, "Days after which a listing's organizers are asked to confirm it"),
    Setting("CONFIRM_REMINDER_GAP_DAYS", 14, "Days from the first reminder to the second, and from the "
                                             "second to \"may be out of date\""),
    Setting("CONFIRM_GRACE_DAYS", 30, "Days a listing shows \"may be out of date\" before it leaves "
                                      "search results (its page stays)"),
    Setting("BACKUP_DIR", None, "Folder for the worker's nightly database backup; empty: none"),
    Setting("BACKUP_KEEP", 14, "How many nightly backups the worker keeps in BACKUP_DIR"),
    Setting("LOG_LEVEL", "INFO", "Python logging level of the application's loggers"),
    Setting("DEBUG", False, "Flask debug mode; never in production"),
)

_BOOL = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False,
         "off": False, "": False}


class ConfigError(RuntimeError):
    """The configuration cannot work; the message lists every problem (also in ``problems``)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("groupfinder cannot start:\n  - " + "\n  - ".join(problems))
        self.problems = list(problems)


def _coerce(name: str, default: Any, raw: Any, problems: list[str]) -> Any:
    if not isinstance(raw, str) or default is None or isinstance(default, str):
        return raw
    if isinstance(default, bool):
        value = _BOOL.get(raw.strip().lower())
        if value is None:
            problems.append(f"{PREFIX}_{name} must be true or false, not {raw!r}.")
        return value
    try:
        return type(default)(raw)
    except ValueError:
        problems.append(f"{PREFIX}_{name} must be a number, not {raw!r}.")
        return default


def tile_origin(url: str) -> str | None:
    """The origin (scheme://host[:port]) that map tiles come from, for the CSP's img-src; ``None``
    when ``url`` is not a usable tile template (https, or http on this machine; {z} {x} {y})."""
    parsed = urlparse(url)
    local = parsed.hostname in ("localhost", "127.0.0.1")
    if parsed.scheme != "https" and not (parsed.scheme == "http" and local):
        return None
    if not parsed.netloc or "{" in parsed.netloc or any(c in parsed.netloc for c in " ;,'\"*"):
        return None
    if not all(part in parsed.path for part in ("{z}", "{x}", "{y}")):
        return None
    return f"{parsed.scheme}://{parsed.netloc}"


def instance_path(environ: dict[str, str] | None = None) -> str | None:
    """The instance folder: ``GROUPFINDER_INSTANCE_PATH``, else ``instance/`` at the root of a
    source checkout (where the README, ``make demo`` and .gitignore expect it), else ``None``
    (Flask's default for an installed package, ``<venv>/var/groupfinder-instance``)."""
    environ = os.environ if environ is None else environ
    chosen = environ.get(f"{PREFIX}_INSTANCE_PATH")
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "src" / "groupfinder").is_dir():
        return str(_CHECKOUT / "instance")
    return None


def read_env_file(path: Path, problems: list[str]) -> dict[str, str]:
    """``NAME=value`` lines (``export`` allowed, so a shell can source the same file; ``#``
    comments; one pair of quotes around a value is removed). Only settings are allowed: a typo
    would otherwise be ignored without a word."""
    names = {f"{PREFIX}_{s.name}" for s in SETTINGS} - {f"{PREFIX}_INSTANCE_PATH"}
    found: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return found
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path} can't be read ({exc.__class__.__name__}); fix its permissions or "
                        "remove it.")
        return found
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if not match:
            problems.append(f"{path}, line {number}: write NAME=value, e.g. {PREFIX}_CLOCK=24h.")
            continue
        name, value = match.group(1), match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if name not in names:
            why = ("it says where this file is: set it in the environment"
                   if name == f"{PREFIX}_INSTANCE_PATH" else "it is not a setting (README, Configuration)")
            problems.append(f"{path}, line {number}: {name} can't be set here; {why}.")
            continue
        found[name] = value
    return found


def load(instance_path: str, overrides: dict[str, Any] | None = None,
         environ: dict[str, str] | None = None, env_file: Path | None = None) -> dict[str, Any]:
    """Return the validated settings: defaults < ``env_file`` < environment < overrides."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    problems: list[str] = []
    from_file = read_env_file(env_file, problems) if env_file is not None else {}
    values: dict[str, Any] = {}
    for s in SETTINGS:
        name = f"{PREFIX}_{s.name}"
        raw = environ.get(name, from_file.get(name, s.default))
        values[s.name] = _coerce(s.name, s.default, raw, problems)
    values["INSTANCE_PATH"] = instance_path
    values["TESTING"] = False
    values.update(overrides)

    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "groupfinder.sqlite3")
    if values["DISTANCE_UNIT"] not in ("auto", "km", "mi"):
        problems.append(f"{PREFIX}_DISTANCE_UNIT must be auto, km or mi, not {values['DISTANCE_UNIT']!r}.")
    offered = [c.strip() for c in str(values["LANGUAGES"]).split(",") if c.strip()]
    from .i18n import LANGUAGES

    if not offered or any(c not in LANGUAGES for c in offered):
        problems.append(f"{PREFIX}_LANGUAGES must list some of {', '.join(LANGUAGES)}, "
                        f"not {values['LANGUAGES']!r}.")
    if values["DEFAULT_LANGUAGE"] not in offered:
        problems.append(f"{PREFIX}_DEFAULT_LANGUAGE must be one of {PREFIX}_LANGUAGES "
                        f"({', '.join(offered)}), not {values['DEFAULT_LANGUAGE']!r}.")
    if values["CLOCK"] not in ("12h", "24h"):
        problems.append(f"{PREFIX}_CLOCK must be 12h or 24h, not {values['CLOCK']!r}.")
    if not values["SECRET_KEY"]:
        if values["DEBUG"] or values["TESTING"]:
            values["SECRET_KEY"] = "dev-only-not-secret"
        else:
            where = env_file or Path(instance_path) / ENV_FILE
            problems.append(f"{PREFIX}_SECRET_KEY is required: set it in the environment or in "
                            f"{where} (`make demo` writes one), to a long random string from "
                            "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`.")
    base = urlparse(str(values["BASE_URL"]))
    if base.scheme not in ("http", "https") or not base.netloc or base.path not in ("", "/"):
        problems.append(f"{PREFIX}_BASE_URL must be an origin like https://groups.example.org.")
    values["BASE_URL"] = str(values["BASE_URL"]).rstrip("/")
    countries = [c.strip().upper() for c in str(values["GEOCODER_COUNTRIES"]).split(",") if c.strip()]
    if not countries or any(c not in ("GB", "US") for c in countries):
        problems.append(f"{PREFIX}_GEOCODER_COUNTRIES must list GB and/or US (the gazetteer's "
                        "countries), comma-separated.")
    values["GEOCODER_COUNTRIES"] = tuple(countries)
    if values["GEOCODER"] != "offline" and not values["GEOCODER_USER_AGENT"]:
        problems.append(f"{PREFIX}_GEOCODER_USER_AGENT is required when {PREFIX}_GEOCODER is "
                        f"{values['GEOCODER']!r} (name your deployment, e.g. groupfinder-leeds/1.0).")
    if not 0 < float(values["GEOCODER_TIMEOUT"]) <= 60:
        problems.append(f"{PREFIX}_GEOCODER_TIMEOUT must be between 0 and 60 seconds.")
    if not 1 <= float(values["DEFAULT_RADIUS_KM"]) <= 200:
        problems.append(f"{PREFIX}_DEFAULT_RADIUS_KM must be between 1 and 200.")
    if not 0 <= int(values["READ_CACHE_MB"]) <= 65536:
        problems.append(f"{PREFIX}_READ_CACHE_MB must be a whole number of megabytes from 0 to 65536.")
    tiles = str(values["MAP_TILE_URL"] or "").strip()
    values["MAP_TILE_URL"] = tiles
    if tiles and tile_origin(tiles) is None:
        problems.append(f"{PREFIX}_MAP_TILE_URL must be an https URL with {{z}}, {{x}} and {{y}} in "
                        "its path and a fixed host (no {s}), e.g. "
                        "https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty turns maps off.")
    if tiles and not str(values["MAP_ATTRIBUTION"] or "").strip():
        problems.append(f"{PREFIX}_MAP_ATTRIBUTION must credit the tiles' source when "
                        f"{PREFIX}_MAP_TILE_URL is set.")
    storage = str(values["RATELIMIT_STORAGE_URI"])
    if not storage.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
        problems.append(f"{PREFIX}_RATELIMIT_STORAGE_URI must be memory:// or a redis:// URL.")
    if not 100 <= int(values["SQLITE_BUSY_TIMEOUT_MS"]) <= 60000:
        problems.append(f"{PREFIX}_SQLITE_BUSY_TIMEOUT_MS must be between 100 and 60000.")
    if not 0 <= int(values["PROXY_HOPS"]) <= 5:
        problems.append(f"{PREFIX}_PROXY_HOPS must be a whole number from 0 to 5.")
    if values["MAIL_BACKEND"] not in ("console", "file", "smtp", "memory"):
        problems.append(f"{PREFIX}_MAIL_BACKEND must be console, file, smtp or memory.")
    tasks_url = values["TASKS_URL"]
    if tasks_url and not str(tasks_url).startswith(("redis://", "rediss://", "unix://")):
        problems.append(f"{PREFIX}_TASKS_URL must be empty (SQLite) or a redis:// URL.")
    immediate = values["TASKS_IMMEDIATE"]
    if isinstance(immediate, str):
        if immediate.strip().lower() == "auto":
            # Development mail (console, file, memory) means no worker runs: `make demo` stays
            # one command. Production mail (smtp) goes through `groupfinder worker`.
            immediate = bool(values["DEBUG"] or values["TESTING"]
                             or values["MAIL_BACKEND"] != "smtp")
        else:
            immediate = _BOOL.get(immediate.strip().lower())
            if immediate is None:
                problems.append(f"{PREFIX}_TASKS_IMMEDIATE must be auto, true or false.")
    values["TASKS_IMMEDIATE"] = bool(immediate)
    for name in ("CONFIRM_EVERY_DAYS", "CONFIRM_REMINDER_GAP_DAYS", "CONFIRM_GRACE_DAYS",
                 "BACKUP_KEEP"):
        if isinstance(values[name], int) and not 1 <= values[name] <= 3650:
            problems.append(f"{PREFIX}_{name} must be a whole number of days from 1 to 3650."
                            if name != "BACKUP_KEEP" else
                            f"{PREFIX}_{name} must be from 1 to 3650.")
    if str(values["LOG_LEVEL"]).upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        problems.append(f"{PREFIX}_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL.")
    if problems:
        raise ConfigError(problems)
    return values
