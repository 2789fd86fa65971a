"""Alembic environment: the same chain on SQLite and PostgreSQL, all-or-nothing per migration.

On SQLite a migration runs inside ``BEGIN IMMEDIATE`` (the engine's begin hook, with the
unit-of-work flag set) and ``transactional_ddl``, so a failing migration leaves nothing behind.

Also on SQLite, foreign keys are off while migrating and checked afterwards (SQLite's own
procedure for altering tables): a batch operation copies a table and drops the old one, and with
foreign keys on that DROP deletes every row that references it by ``ON DELETE CASCADE`` (all of a
group's organizers, topics and schedules, for a new column on ``groups``).
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from groupfinder.db import enable_wal, writing

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=db.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty(ctx, revision, directives):  # type: ignore[no-untyped-def]
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty)
    conf_args.setdefault("render_as_batch", True)
    engine = db.engine
    enable_wal(engine)
    sqlite = engine.dialect.name == "sqlite"
    with writing(), engine.connect() as connection:
        if sqlite:  # outside any transaction, where SQLite ignores this pragma
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            context.configure(connection=connection, target_metadata=db.metadata,
                              transactional_ddl=True, transaction_per_migration=True,
                              **conf_args)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                connection.rollback()
                if broken:
                    raise RuntimeError(f"A migration left rows whose references are broken: "
                                       f"{broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
