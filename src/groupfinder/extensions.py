"""Unbound extensions, initialised in ``app.create_app``."""

from typing import Any

from flask import Flask
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from .db import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()


class LazyMigrate:
    """``app.extensions["migrate"]`` as Flask-Migrate's own, made on first use: Flask-Migrate
    imports Alembic (about 10 MB a process), which only the ``db`` commands, ``check-deploy``
    and tests need, never a web worker."""

    def __init__(self, app: Flask, database: SQLAlchemy, directory: str, **kwargs: Any) -> None:
        self._args = (database, directory, kwargs)
        self._real: Any = None
        app.extensions["migrate"] = self

    def __getattr__(self, name: str) -> Any:
        if self._real is None:
            from flask_migrate import Migrate, _MigrateConfig

            database, directory, kwargs = self._args
            migrate = Migrate(db=database, directory=directory, **kwargs)
            self._real = _MigrateConfig(migrate, database, **migrate.alembic_ctx_kwargs)
        return getattr(self._real, name)
