"""The ``groupfinder`` command: Flask's CLI with the app loaded, plus thin commands over services."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def _create_app() -> Flask:
    from .app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """groupfinder: find in-person mental-health support groups."""


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
    any password that still works. The organizer leads the first few published demo listings, so
    /manage has something to edit."""
    import secrets

    import sqlalchemy as sa

    from .accounts.models import Role, User
    from .accounts.passwords import hash_password, verify_password
    from .accounts.services import create_admin, find_user_by_email
    from .db import now_utc
    from .extensions import db
    from .groups.models import Group, ListingStatus
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
@with_appcontext
def check_deploy_command() -> None:
    """Check the configuration for deployment risks; exit 1 on any error."""
    from flask import current_app

    from .deploycheck import check, environ_snapshot
    from .extensions import db

    findings = check(dict(current_app.config), environ_snapshot(), engine=db.engine)
    for finding in findings:
        click.echo(str(finding), err=finding.level == "error")
    errors = [f for f in findings if f.level == "error"]
    if errors:
        click.echo(f"{len(errors)} error(s): not ready to deploy.", err=True)
        raise SystemExit(1)
    click.echo("No deployment errors found." + (f" {len(findings)} warning(s)." if findings else ""))


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


def register_commands(app: Flask) -> None:
    from .interop.export_views import export_command

    app.cli.add_command(export_command)
    app.cli.add_command(import_listings_command)
    app.cli.add_command(check_deploy_command)
    app.cli.add_command(backup_command)
    from .accounts.cli import create_admin_command

    app.cli.add_command(create_admin_command)
    app.cli.add_command(load_reference_data_command)
    app.cli.add_command(seed_demo_command)
