"""The ``groupfinder`` command: Flask's CLI with the app loaded, plus thin commands over services."""

from __future__ import annotations

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
@with_appcontext
def seed_demo_command() -> None:
    """Load reference data and the fictional demo listings (idempotent)."""
    from .interop.demo import seed_demo
    from .interop.reference import load_gazetteer_data, load_vocabularies

    load_vocabularies()
    load_gazetteer_data()
    added = seed_demo()
    click.echo("demo data: added " + ", ".join(f"{v} {k}" for k, v in added.items()))


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
