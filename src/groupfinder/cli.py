"""The ``groupfinder`` command: Flask's CLI with the app loaded, plus thin commands over services.

Every project command is registered on the group itself, so ``groupfinder --help`` lists them
before the configuration works; a configuration, database or Redis problem ends in one sentence
that says what to do (``deploycheck.explain_failure``), not a traceback.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, NoAppException, with_appcontext

_APP = "groupfinder.app"  # key in click's shared ctx.meta: the app the command loaded


class ConfigProblem(NoAppException):
    """The settings can't work. A ``NoAppException`` so that Flask's ``--help`` prints it in one
    line and lists the commands anyway; exits 1 with the message alone (no usage text)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message, ctx=None)

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def _create_app() -> Flask:
    from .app import create_app
    from .config import ConfigError

    try:
        app = create_app()
    except ConfigError as exc:
        problems = exc.problems
        if len(problems) == 1:
            raise ConfigProblem(problems[0]) from None
        raise ConfigProblem("groupfinder cannot start:\n  - " + "\n  - ".join(problems)) from None
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[_APP] = app
    return app


class _Group(FlaskGroup):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            from .deploycheck import explain_failure

            app = ctx.meta.get(_APP)
            message = explain_failure(exc, dict(app.config) if app is not None else None)
            if message is None:
                raise
            raise click.ClickException(message) from None


@click.group(cls=_Group, create_app=_create_app)
def main() -> None:
    """groupfinder: find in-person mental-health support groups.

    Settings come from GROUPFINDER_* environment variables and the instance folder's
    groupfinder.env (README, Configuration).
    """


@click.command("load-reference-data")
@with_appcontext
def load_reference_data_command() -> None:
    """Load the vocabularies and the offline gazetteer from data/ (idempotent)."""
    from .interop.reference import load_gazetteer_data, load_vocabularies

    counts = load_vocabularies()
    click.echo("vocabularies: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    started = time.perf_counter()
    rows = load_gazetteer_data()
    click.echo(f"gazetteer: {rows} places and postcode areas in {time.perf_counter() - started:.2f}s")


@click.command("seed-demo")
@click.option("--accounts", is_flag=True,
              help="Also a demo admin and a demo organizer, their passwords in the instance "
                   "folder's demo-accounts.txt (kept on later runs).")
@with_appcontext
def seed_demo_command(accounts: bool) -> None:
    """Load reference data and the fictional demo listings (idempotent)."""
    from flask import current_app

    from .interop.demo import seed_demo
    from .interop.reference import load_gazetteer_data, load_vocabularies

    load_vocabularies()
    load_gazetteer_data()
    added = seed_demo()
    click.echo("demo data: added " + ", ".join(f"{v} {k}" for k, v in added.items()))
    if accounts:
        path = demo_accounts(Path(current_app.instance_path))
        login = current_app.config["BASE_URL"] + "/accounts/login"
        click.echo(f"demo accounts: {DEMO_ADMIN} (admin) and {DEMO_ORGANIZER} (organizer); their "
                   f"passwords are in {path}. Sign in at {login}")


DEMO_ACCOUNTS_FILE = "demo-accounts.txt"
DEMO_ADMIN = "demo-admin@example.org"
DEMO_ORGANIZER = "demo-organizer@example.org"
DEMO_ORGANIZER_GROUPS = 3


def demo_accounts(instance: Path) -> Path:
    """A way in for each role of the demo, idempotent: the accounts get random passwords, written
    only to ``instance/demo-accounts.txt`` (git-ignored, mode 600, never printed); a later run keeps
    any password that still works. The organizer leads the first few published demo listings and
    owns the first one's organisation, so /manage has something to edit."""
    import secrets

    import sqlalchemy as sa

    from .accounts.models import Role, User
    from .accounts.passwords import hash_password, verify_password
    from .accounts.services import create_admin, find_user_by_email
    from .db import now_utc
    from .extensions import db
    from .groups.models import Group, ListingStatus
    from .organisations.models import MemberRole, Membership
    from .transactions import transaction

    path = instance / DEMO_ACCOUNTS_FILE
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 3 and not line.startswith("#"):
                known[parts[1]] = parts[2]
    passwords: dict[str, str] = {}
    for role, email in ((Role.admin, DEMO_ADMIN), (Role.organizer, DEMO_ORGANIZER)):
        user = find_user_by_email(email)
        password = known.get(email)
        if (user is not None and password and user.role == role and user.is_enabled
                and verify_password(user.password_hash, password)):
            passwords[email] = password
            continue
        password = password or secrets.token_urlsafe(15)
        if role == Role.admin:
            create_admin(email, password)
        else:
            with transaction():
                if user is None:
                    user = User(email=email, display_name="Demo organizer")
                    db.session.add(user)
                user.role, user.is_enabled = Role.organizer, True
                user.password_hash = hash_password(password)
                user.email_confirmed_at = user.email_confirmed_at or now_utc()
                user.rotate_session_token()
        passwords[email] = password
    with transaction():
        organizer = find_user_by_email(DEMO_ORGANIZER)
        leads = db.session.scalar(sa.select(sa.func.count()).select_from(Group)
                                  .where(Group.organizers.contains(organizer)))
        if not leads:
            for group in db.session.scalars(
                    sa.select(Group).where(Group.status == ListingStatus.published)
                    .order_by(Group.id).limit(DEMO_ORGANIZER_GROUPS)):
                group.organizers.append(organizer)
        # ... and owns the team of the first one's organisation, so /manage/organisations shows
        # a real team (its members, roles and invitations) rather than an empty page.
        first = db.session.scalar(
            sa.select(Group.organisation_id).where(Group.organizers.contains(organizer),
                                                   Group.organisation_id.is_not(None))
            .order_by(Group.id).limit(1))
        if first is not None and db.session.get(Membership, (first, organizer.id)) is None:
            db.session.add(Membership(organisation_id=first, user_id=organizer.id,
                                      role=MemberRole.owner))
    instance.mkdir(parents=True, exist_ok=True)
    text = ("# Demo accounts (role, email, password), written by `groupfinder seed-demo --accounts`.\n"
            "# Local demo only: this folder is never committed.\n"
            + "".join(f"{role:<10} {email} {passwords[email]}\n"
                      for role, email in (("admin", DEMO_ADMIN), ("organizer", DEMO_ORGANIZER))))
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        tmp = path.with_suffix(".tmp")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w",
                       encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return path


@click.command("check-deploy")
@click.option("--url", metavar="URL",
              help="Check the deployment at URL from outside instead (HTTP requests only, so it "
                   "runs from any machine, without settings), e.g. https://groups.example.org.")
@click.pass_context
def check_deploy_command(ctx: click.Context, url: str | None) -> None:
    """Check the configuration (or, with --url, a running site) for deployment risks; exit 1 on
    any error."""
    from flask import current_app

    from . import deploycheck

    if url:
        _report(deploycheck.check_url(url), ok=f"No deployment errors found at {url}.",
                failed=f"error(s) at {url}.")
        return
    if not current_app:  # what @with_appcontext does: --url must work without the app's settings
        from flask.cli import ScriptInfo

        ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
    from .extensions import db

    findings = deploycheck.check(dict(current_app.config), deploycheck.environ_snapshot(),
                                 engine=db.engine, probe_smtp=True)
    _report(findings, ok="No deployment errors found.", failed="error(s): not ready to deploy.")


def _report(findings: list[Any], *, ok: str, failed: str) -> None:
    """One line per finding (errors on stderr), then a summary; exit 1 on any error."""
    for finding in findings:
        click.echo(str(finding), err=finding.level == "error")
    errors = [f for f in findings if f.level == "error"]
    if errors:
        click.echo(f"{len(errors)} {failed}", err=True)
        raise SystemExit(1)
    warnings = [f for f in findings if f.level == "warning"]
    click.echo(ok + (f" {len(warnings)} warning(s)." if warnings else ""))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def backup_command(path: str, force: bool) -> None:
    """Write a consistent copy of the database to PATH (safe while serving)."""
    from .backup import BackupError, backup_database
    from .extensions import db

    try:
        summary = backup_database(db.engine, path, force=force)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    click.echo(summary)


@click.command("import-listings")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; write nothing.")
@click.option("--publish", is_flag=True,
              help="Publish the groups at once (and allow changes to published ones) instead of "
                   "leaving new ones for review.")
@with_appcontext
def import_listings_command(file: Path, dry_run: bool, publish: bool) -> None:
    """Import listings from a CSV file (format: README, "Importing listings"): all rows or none."""
    from .interop.importing import import_listings

    report = import_listings(file, dry_run=dry_run, publish=publish)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if report.errors:
        click.echo(f"{len(report.errors)} error(s) in {file}: nothing was imported.", err=True)
        raise SystemExit(1)
    click.echo(report.summary())


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@with_appcontext
def worker_command(workers: int) -> None:
    """Run the background-job consumer (mail delivery and its retries, periodic jobs) until
    stopped; production runs it beside gunicorn (README, Deployment)."""
    from flask import current_app

    from .tasks import huey_for

    if current_app.config["TASKS_IMMEDIATE"]:
        click.echo("Background jobs run immediately here (GROUPFINDER_TASKS_IMMEDIATE): there is "
                   "nothing for a worker to do. Set GROUPFINDER_TASKS_IMMEDIATE=false in the web "
                   "app's and the worker's settings.", err=True)
        raise SystemExit(1)
    import logging

    huey_log = logging.getLogger("huey")  # its start, each task and each error, to the journal
    if not huey_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        huey_log.addHandler(handler)
        huey_log.setLevel(logging.INFO)
        huey_log.propagate = False
    huey_for(current_app).create_consumer(workers=workers, worker_type="thread",
                                          periodic=True).run()


@click.command("remind-listings")
@click.option("--dry-run", is_flag=True, help="Say what would be done; send and write nothing.")
@with_appcontext
def remind_listings_command(dry_run: bool) -> None:
    """Run today's confirmation step now (the worker's daily listing_reminders job): reminders,
    "may be out of date" flags and hidings, at most one step per listing (README, "Listings
    stay current")."""
    from flask import current_app

    from .groups.confirmation import run_reminders

    with current_app.test_request_context("/"):  # the mails' links are absolute
        steps = run_reminders(dry_run=dry_run)
    words = {"first_reminder": "first reminders", "second_reminder": "second reminders",
             "mark_out_of_date": "marked \"may be out of date\"", "hide": "left search results"}
    summary = ", ".join(f"{w}: {steps[k]}" for k, w in words.items() if steps[k]) or "nothing due"
    click.echo(("Would do: " if dry_run else "Done: ") + summary + ".")


class _LazyDbGroup(click.Group):
    """Flask-Migrate's ``db`` commands, imported when ``db …`` runs: they bring Alembic (about
    10 MB), which a process that only serves pages never needs (``extensions.LazyMigrate``)."""

    @staticmethod
    def _real() -> click.Group:
        from flask_migrate.cli import db as db_command

        return db_command

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._real().get_command(ctx, name)


def _project_commands() -> list[click.Command]:
    from .accounts.cli import create_admin_command
    from .interop.export_views import export_command
    from .interop.sources_cli import sources_command

    return [_LazyDbGroup("db", help="Perform database migrations."), export_command,
            import_listings_command, check_deploy_command, backup_command, create_admin_command,
            load_reference_data_command, seed_demo_command, worker_command,
            remind_listings_command, sources_command]


def register_commands(app: Flask) -> None:
    for command in _project_commands():
        app.cli.add_command(command)


for _command in _project_commands():
    main.add_command(_command)
