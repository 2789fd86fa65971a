"""``groupfinder create-admin EMAIL``: create an admin account, or make an existing one admin."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..exceptions import InvalidInput
from ..validation import InvalidEmail, normalize_email


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _read_password() -> str:
    """From a hidden prompt (typed twice) at a terminal; else one line of standard input."""
    if _interactive():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


@click.command("create-admin")
@click.argument("email")
@click.option("--yes", is_flag=True,
              help="If EMAIL already has an account, change it without asking (for scripts).")
@with_appcontext
def create_admin_command(email: str, yes: bool) -> None:
    """Create an admin account for EMAIL (or promote that account), confirmed and enabled.

    The password is asked for with a hidden prompt, or read as one line from standard input
    when that is not a terminal (for scripts: `printf '%s\\n' "$PW" | groupfinder create-admin …`).
    An existing account is changed only after a yes at the prompt, or with --yes: it gets the
    new password and every session of it ends.
    """
    from .services import create_admin, find_user_by_email

    try:  # before the password prompt: a mistyped address is said at once, in one line
        email = normalize_email(email)
    except InvalidEmail as exc:
        click.echo(f"Error (email): {exc}", err=True)
        raise SystemExit(1) from None
    existing = find_user_by_email(email)
    if existing is not None and not yes:
        # A typo'd or reused address must not silently take over someone's account.
        state = existing.role.value + ("" if existing.is_enabled else ", disabled")
        if not _interactive():
            click.echo(f"Error: {email} already has an account ({state}); nothing was changed. To "
                       "make it an admin with a new password, run again with --yes.", err=True)
            raise SystemExit(1)
        if not click.confirm(f"{email} already has an account ({state}). Make it an admin, replace "
                             "its password and end its sessions?", default=False):
            click.echo("Nothing was changed.")
            raise SystemExit(1)
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
