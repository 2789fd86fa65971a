"""Application factory: configuration → extensions → blueprints → errors → CLI → template helpers.

Nothing here touches the network, sleeps, or changes the database: upgrades and seeding are
explicit commands.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context, request
from werkzeug.routing import IntegerConverter

from . import config as config_module
from . import i18n
from .db import configure_engine
from .jsonout import FastJSONProvider
from .resources import resource_dir


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = _App(
        "groupfinder",
        instance_path=config_module.instance_path(),
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    overrides = dict(overrides or {})
    # Tests say everything they need: a developer's groupfinder.env must not change them.
    env_file = None if overrides.get("TESTING") else Path(app.instance_path) / config_module.ENV_FILE
    settings = config_module.load(app.instance_path, overrides, env_file=env_file)
    if settings["DATABASE_URL"].startswith("sqlite:///" + app.instance_path):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings["DATABASE_URL"]),
        MAX_CONTENT_LENGTH=settings.get("MAX_CONTENT_LENGTH", 1024 * 1024),
        WTF_CSRF_TIME_LIMIT=None if settings.get("TESTING") else 3600 * 8,
        JSON_SORT_KEYS=False,
    )
    _configure_logging(app)
    _register_extensions(app)
    from .localization import init_localization

    init_localization(app)
    from .security import apply_limits, init_security

    init_security(app)
    _register_blueprints(app)
    apply_limits(app)
    _register_request_hooks(app)
    from .errors import register_error_handlers

    register_error_handlers(app)
    from .cli import register_commands

    register_commands(app)
    from .templating import register_template_helpers

    register_template_helpers(app)
    return app


class _App(Flask):
    """Static files have one URL whatever the page's language (``/static/…``, never
    ``/es/static/…``): browsers and caches keep one copy. JSON keeps keys in the order given, in
    UTF-8, written by orjson (``jsonout``)."""

    json_provider_class = FastJSONProvider

    def url_for(self, endpoint: str, /, **values: Any) -> str:
        url = super().url_for(endpoint, **values)
        if (endpoint == "static" or endpoint.endswith(".static")) and has_request_context():
            environ = request.environ
            if i18n.ENVIRON_KEY in environ:
                prefixed, root = environ["SCRIPT_NAME"], environ.get("groupfinder.script_root", "")
                at = url.find(prefixed + "/")
                if at != -1:
                    url = url[:at] + root + url[at + len(prefixed):]
        return url


def _engine_options(url: str) -> dict[str, Any]:
    # hide_parameters: an IntegrityError's text would otherwise carry an address into the log.
    options: dict[str, Any] = {"hide_parameters": True}
    if url.startswith("postgresql"):
        # Connection health by recycling, not a ping before every checkout (a round trip on
        # every request): connections older than 30 minutes are replaced (below the idle
        # timeouts of servers and poolers), and one the server dropped meanwhile fails once:
        # the error handler answers 503 with Retry-After and the pool discards it (SQLAlchemy
        # invalidates the whole pool on a disconnect, so the retry connects afresh).
        options.update(pool_recycle=1800, pool_size=5, max_overflow=5,
                       connect_args={"options": "-c statement_timeout=5000", "connect_timeout": 5})
    return options


def _register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (complete metadata before anything reflects on it)
    from .accounts.models import User
    from .extensions import LazyMigrate, csrf, db, login_manager

    db.init_app(app)
    with app.app_context():
        engine = db.engine
        configure_engine(engine, force_math_udfs=bool(app.config.get("FORCE_SQLITE_MATH_UDFS")),
                         busy_timeout_ms=int(app.config["SQLITE_BUSY_TIMEOUT_MS"]))
    from sqlalchemy.orm import sessionmaker

    from .geo.geocoding import GeocodingService

    # Its own short sessions: cache writes never ride on (or roll back) a request's transaction.
    app.extensions["groupfinder.geocoding"] = GeocodingService.from_config(
        app.config, sessionmaker(bind=engine),
        adapter_factory=app.config.get("GEOCODER_ADAPTER_FACTORY"))
    LazyMigrate(app, db, directory=str(Path(__file__).resolve().parent / "migrations"),
                render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = None

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        uid, _, token = user_id.partition(":")
        if not uid.isdigit() or not token:
            return None
        user = db.session.get(User, int(uid))
        if user is None or not secrets.compare_digest(user.session_token, token):
            return None
        return user


class _IdConverter(IntegerConverter):
    """``int`` path segments within the database's integer range: a bigger id is a 404, not an
    overflow deep in the driver."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = _IdConverter
    from .accounts.views import bp as accounts_bp
    from .api.views import bp as api_bp

    # The organizer area: one blueprint; each feature's pages register on it when imported.
    from .facilitators import views as _facilitator_pages  # noqa: F401
    from .feeds.views import bp as feeds_bp
    from .groups import manage_views as _listing_pages  # noqa: F401
    from .groups.confirm_views import bp as confirm_bp
    from .groups.map_views import bp as maps_bp
    from .groups.organisation_views import bp as organisations_bp
    from .groups.views import bp as groups_bp
    from .interop import csv_views as _csv_downloads  # noqa: F401  (on manage and review)
    from .interop.export_views import bp as exports_bp
    from .interop.hsds_views import bp as hsds_bp
    from .organisations import manage_views as _organisation_pages  # noqa: F401
    from .organisations.join_views import bp as organisation_join_bp
    from .organizer import bp as manage_bp
    from .pages.views import bp as pages_bp
    from .review.report_views import bp as reports_bp
    from .review.views import bp as review_bp
    from .venues import views as _venue_pages  # noqa: F401

    app.register_blueprint(pages_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(maps_bp)  # Leaflet under /static/vendor, map and directions helpers
    app.register_blueprint(organisations_bp)  # an organisation's public page
    app.register_blueprint(feeds_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(hsds_bp)  # Open Referral HSDS 3.0, read-only
    app.register_blueprint(review_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(confirm_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(organisation_join_bp)  # accepting an invitation to a team
    app.register_blueprint(manage_bp)


def _register_request_hooks(app: Flask) -> None:
    from .hooks import init_request_hooks

    init_request_hooks(app)


class _NoResultRows(logging.Filter):
    """SQLAlchemy at DEBUG logs every result row ("Row %r"): addresses, points, contacts.
    ``hide_parameters`` only hides bound values; this drops the rows too."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request
            record.request_id = "-"
        return True


def _configure_logging(app: Flask) -> None:
    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper())
    logger = logging.getLogger("groupfinder")
    logger.setLevel(level)
    # geopy logs the full geocoding URL (the address typed) at DEBUG.
    logging.getLogger("geopy").setLevel(max(level, logging.INFO))
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoResultRows) for f in engine_log.filters):
        engine_log.addFilter(_NoResultRows())
    if not any(isinstance(h, logging.StreamHandler) and getattr(h, "_groupfinder", False)
               for h in logger.handlers):
        handler = logging.StreamHandler()
        handler._groupfinder = True  # type: ignore[attr-defined]
        handler.addFilter(_RequestIdFilter())
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = True
