"""The ``groupfinder`` command: Flask's CLI with the app loaded, plus thin commands over services."""

from __future__ import annotations

import time

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


def register_commands(app: Flask) -> None:
    from .accounts.cli import create_admin_command

    app.cli.add_command(create_admin_command)
    app.cli.add_command(load_reference_data_command)
    app.cli.add_command(seed_demo_command)
