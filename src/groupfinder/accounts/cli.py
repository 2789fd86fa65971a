"""``groupfinder create-admin EMAIL``: create an admin account, or make an existing one admin."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..exceptions import InvalidInput
from ..validation import InvalidEmail, normalize_email


def _read_password() -> str:
    """From a hidden prompt (typed twice) at a terminal; else one line of standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


@click.command("create-admin")
@click.argument("email")
@with_appcontext
def create_admin_command(email: str) -> None:
    """Create an admin account for EMAIL (or promote that account), confirmed and enabled.

    The password is asked for with a hidden prompt, or read as one line from standard input
    when that is not a terminal (for scripts: `printf '%s\\n' "$PW" | groupfinder create-admin …`).
    Every session of the account ends.
    """
    from .services import create_admin

    try:  # before the password prompt: a mistyped address is said at once, in one line
        email = normalize_email(email)
    except InvalidEmail as exc:
        click.echo(f"Error (email): {exc}", err=True)
        raise SystemExit(1) from None
    password = _read_password()
    try:
        user, created = create_admin(email, password)
    except InvalidInput as exc:
        for field, messages in exc.field_errors.items():
            for message in messages:
                click.echo(f"Error ({field}): {message}", err=True)
        raise SystemExit(1) from None
    verb = "Created admin account" if created else "Made this account an admin:"
    click.echo(f"{verb} {user.email}. It can sign in at /accounts/login.")
