"""Background and periodic jobs on Huey: embedded on one machine (``SqliteHuey`` at
instance/tasks.sqlite3) or on Redis at scale (``RedisHuey``, ``GROUPFINDER_TASKS_URL``).
Huey was chosen because it runs both ways with the same code, has crontab-style periodic tasks
built in, and needs no broker for a single-server deployment.

``groupfinder worker`` runs the consumer. When tasks are immediate (``GROUPFINDER_TASKS_IMMEDIATE``,
by default in DEBUG and TESTING and with development mail: ``make demo`` and the tests) a task runs in the calling thread
at once and periodic tasks don't run.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    from huey import Huey

_KEY = "groupfinder.tasks"
_BINDING = threading.Lock()


def make_huey(config: Any, instance_path: str) -> Huey:
    from huey import RedisHuey, SqliteHuey

    url = config.get("TASKS_URL")
    immediate = bool(config["TASKS_IMMEDIATE"])
    if url:
        huey: Huey = RedisHuey("groupfinder", url=url, immediate=immediate, results=False)
    else:
        path = Path(instance_path) / "tasks.sqlite3"
        if not immediate:
            path.parent.mkdir(parents=True, exist_ok=True)
        # Immediate mode keeps its (empty) queue in memory: no file is created. No results are
        # kept: nothing reads them, and in immediate mode they would pile up in memory.
        huey = SqliteHuey("groupfinder", filename=str(path), immediate=immediate, results=False)
    return huey


def init_app(app: Flask) -> None:
    """One Huey per app, its tasks bound to that app (the worker has no request context). Made
    on first use (``huey_for``, a mail to deliver): Huey and its storage take ~16 MB, which a
    web worker that never queues a job doesn't need."""
    from huey import crontab

    huey = make_huey(app.config, app.instance_path)

    def in_app(fn: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            # A request context too, so jobs can build links (absolute_url prefixes BASE_URL).
            with app.test_request_context("/"):
                return fn(*args, **kwargs)
        run.__name__ = fn.__name__
        run.__qualname__ = fn.__qualname__
        return run

    @huey.task(name="deliver_mail")
    @in_app
    def deliver_mail() -> int:
        """Send what the outbox holds (queued after each commit that wrote mail)."""
        from . import mail

        return mail.deliver_pending()

    @huey.periodic_task(crontab(minute="*"), name="retry_mail")
    @in_app
    def retry_mail() -> int:
        """Every minute: mail whose backoff has passed, or whose sender died mid-send."""
        from . import mail

        return mail.deliver_pending()

    # --- housekeeping: nightly, in quiet hours (times in UTC, Huey's default) ---------------
    @huey.periodic_task(crontab(minute="30", hour="2"), name="nightly_backup")
    @in_app
    def nightly_backup() -> str | None:
        """02:30: a verified backup into BACKUP_DIR, the oldest removed beyond BACKUP_KEEP (a
        failure is logged as an error, never raised)."""
        from . import housekeeping

        return housekeeping.run_nightly_backup(app)

    @huey.periodic_task(crontab(minute="15", hour="3"), name="purge_sent_mail")
    @in_app
    def purge_sent_mail() -> int:
        """03:15: sent mail after 30 days, given-up mail after 90."""
        from . import housekeeping
        from .db import now_utc

        return housekeeping.purge_sent_mail(now_utc())

    @huey.periodic_task(crontab(minute="20", hour="3"), name="purge_expired_geocodes")
    @in_app
    def purge_expired_geocodes() -> int:
        """03:20: geocoder answers past their expiry."""
        from . import housekeeping
        from .db import now_utc

        return housekeeping.purge_expired_geocodes(now_utc())
    # --- end of housekeeping ------------------------------------------------------------------

    @huey.periodic_task(crontab(minute="0", hour="9"), name="listing_reminders")
    @in_app
    def listing_reminders() -> dict[str, int]:
        """09:00: the day's confirmation reminders, "may be out of date" flags and hidings
        (groups.freshness); sent in the morning, when organizers read mail."""
        from .groups.confirmation import run_reminders

        return dict(run_reminders())

    @huey.periodic_task(crontab(minute="40", hour="4"), name="refresh_sources")
    @in_app
    def refresh_sources() -> dict[str, dict[str, int]]:
        """04:40: every listing source's feed (interop.sources), before the morning's reminders;
        each source's counts are logged, and a failing one doesn't stop the others."""
        import logging

        from .interop.sources import refresh_all

        log = logging.getLogger("groupfinder.tasks")
        out = {}
        for report in refresh_all():
            out[report.source] = report.counts()
            if report.error:
                log.error("source %s not refreshed: %s", report.source, report.error)
            else:
                log.info("source %s refreshed: %s", report.source, report.counts())
        return out

    app.extensions[_KEY] = huey
    app.extensions[_KEY + ".refresh_sources"] = refresh_sources
    app.extensions[_KEY + ".deliver_mail"] = deliver_mail
    app.extensions[_KEY + ".retry_mail"] = retry_mail


def _bound(app: Flask) -> dict[str, Any]:
    if _KEY not in app.extensions:
        with _BINDING:
            if _KEY not in app.extensions:
                init_app(app)
    return app.extensions


def huey_for(app: Flask | None = None) -> Huey:
    return _bound(app or current_app._get_current_object())[_KEY]  # type: ignore[attr-defined]


def schedule_mail_delivery() -> None:
    """Queue a delivery (immediate mode: deliver now, in this thread)."""
    _bound(current_app._get_current_object())[_KEY + ".deliver_mail"]()  # type: ignore[attr-defined]
