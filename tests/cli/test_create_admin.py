"""create-admin on an address that already has an account changes nothing until someone says so:
a yes at the prompt, or --yes in a script."""

from __future__ import annotations

import sqlalchemy as sa

from groupfinder.accounts import cli
from groupfinder.accounts.models import Role, User
from groupfinder.accounts.passwords import hash_password, verify_password
from groupfinder.extensions import db

OLD = "marmalade wombat quietly sings"
NEW = "tangerine lighthouse parable"


def organizer(email: str = "ann@example.org") -> None:
    db.session.add(User(email=email, role=Role.organizer, password_hash=hash_password(OLD),
                        session_token="before"))
    db.session.commit()


def state(email: str = "ann@example.org") -> tuple[Role, bool, str]:
    db.session.expire_all()
    user = db.session.scalars(sa.select(User).where(User.email == email)).one()
    result = (user.role, verify_password(user.password_hash, OLD), user.session_token)
    db.session.rollback()
    return result


def test_a_script_without_yes_is_refused_and_nothing_changes(app):
    organizer()
    result = app.test_cli_runner().invoke(args=["create-admin", "Ann@example.org"], input=NEW + "\n")
    assert result.exit_code == 1
    assert result.output == ("Error: ann@example.org already has an account (organizer); nothing "
                             "was changed. To make it an admin with a new password, run again "
                             "with --yes.\n")
    assert state() == (Role.organizer, True, "before")


def test_yes_changes_an_existing_account_in_a_script(app):
    organizer()
    result = app.test_cli_runner().invoke(args=["create-admin", "ann@example.org", "--yes"],
                                          input=NEW + "\n")
    assert result.exit_code == 0, result.output
    assert "Made this account an admin: ann@example.org" in result.output
    role, old_password_works, token = state()
    assert role == Role.admin and not old_password_works and token != "before"


def test_at_a_terminal_it_asks_first_and_no_keeps_everything(app, monkeypatch):
    organizer()
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = app.test_cli_runner().invoke(args=["create-admin", "ann@example.org"], input="n\n")
    assert result.exit_code == 1
    assert ("ann@example.org already has an account (organizer). Make it an admin, replace its "
            "password and end its sessions? [y/N]") in result.output
    assert "Password" not in result.output and result.output.endswith("Nothing was changed.\n")
    assert state() == (Role.organizer, True, "before")


def test_at_a_terminal_yes_goes_on_to_the_password(app, monkeypatch):
    organizer()
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = app.test_cli_runner().invoke(args=["create-admin", "ann@example.org"],
                                          input=f"y\n{NEW}\n{NEW}\n")
    assert result.exit_code == 0, result.output
    assert state()[0] == Role.admin


def test_a_new_address_is_not_asked_about(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "new@example.org"], input=NEW + "\n")
    assert result.exit_code == 0, result.output
    assert "already has an account" not in result.output
