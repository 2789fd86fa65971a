"""Account services on both backends: hashing, tokens, no enumeration, one transaction each."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from flask import Flask
from itsdangerous.timed import TimestampSigner

from groupfinder import mail
from groupfinder.accounts import passwords, services
from groupfinder.accounts.models import Role, User
from groupfinder.accounts.tokens import Purpose, make_token, read_token
from groupfinder.errors import InvalidInput
from groupfinder.extensions import db

GOOD = "tangerine lighthouse parable"
OTHER = "marmalade wombat quietly sings"


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2's production parameters cost ~0.2 s a hash; tests that don't check them use the
    cheapest profile (one test below checks the production parameters)."""
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """A request context, so mail bodies can carry links."""
    with app.test_request_context("/"):
        yield


def make_user(email: str = "ann@example.org", password: str = GOOD, *, confirmed: bool = True,
              **kw: object) -> User:
    user = User(email=email, password_hash=passwords.hash_password(password), **kw)
    if confirmed:
        from groupfinder.db import now_utc

        user.email_confirmed_at = now_utc()
    db.session.add(user)
    db.session.commit()
    return user


def users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.id)))


def link_in(message: mail.Mail) -> str:
    found = re.search(r"https://groups\.example\.test(/accounts/\S+)", message.body)
    assert found, message.body
    return found.group(1)


# --- passwords ------------------------------------------------------------------------------

def test_production_hashes_are_argon2id_with_rfc9106_low_memory_parameters(monkeypatch):
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher())
    stored = passwords.hash_password(GOOD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(stored, GOOD)
    assert not passwords.verify_password(stored, GOOD + "x")
    assert not passwords.check_needs_rehash(stored)


def test_verify_handles_missing_and_malformed_hashes():
    assert not passwords.verify_password(None, GOOD)
    assert not passwords.verify_password("", GOOD)
    assert not passwords.verify_password("$2b$12$notargon", GOOD)
    assert passwords.check_needs_rehash("$2b$12$notargon")


def test_composed_and_decomposed_accents_are_the_same_password():
    stored = passwords.hash_password("caf\u00e9 lighthouse parable")
    assert passwords.verify_password(stored, "cafe\u0301 lighthouse parable")


@pytest.mark.parametrize(("password", "expected"), [
    ("", "Enter a password"),
    ("short words", "at least 12"),
    ("x" * 257, "at most 256"),
    ("password1234", "too easy to guess"),
    ("qwertyuiop123", "too easy to guess"),
    ("groupfinder2025", "too easy to guess"),
    ("ann.smith@example.org", "too easy to guess"),
    ("annsmith1990", "too easy to guess"),
])
def test_password_problems_refuse_short_long_common_and_personal(password, expected):
    problems = passwords.password_problems(password, email="ann.smith@example.org")
    assert problems and expected in problems[0]


@pytest.mark.parametrize("password", [
    GOOD,  # all lowercase letters and spaces: no composition rules
    "correct horse battery staple",
    "x" * 10 + "Qz7!pL#v2" + "y" * 200,  # long is fine up to 256
    "Ünïcödé wörds ärë fïnë ☕",
])
def test_password_problems_accept_long_unusual_passphrases(password):
    assert passwords.password_problems(password, email="ann@example.org") == []


# --- registration -------------------------------------------------------------------------

def test_register_stores_a_normalised_address_and_mails_a_confirmation_link(app, ctx):
    services.register_user("  Ann@Example.ORG ", GOOD, " Ann ")
    [user] = users()
    assert user.email == "ann@example.org" and user.display_name == "Ann"
    assert user.role == Role.organizer and user.email_confirmed_at is None
    assert user.password_hash.startswith("$argon2id$")
    [message] = mail.outbox()
    assert message.to == "ann@example.org" and "Confirm" in message.subject
    assert link_in(message).startswith("/accounts/confirm?token=")


def test_registering_a_taken_address_changes_nothing_and_tells_its_owner(app, ctx, monkeypatch):
    user = make_user(display_name="Ann")
    before = (user.password_hash, user.display_name, user.session_token)
    hashed: list[str] = []
    real_hash = passwords.hash_password
    monkeypatch.setattr(services, "hash_password", lambda p: hashed.append(p) or real_hash(p))
    assert services.register_user("ANN@example.org", OTHER, "Mallory") is None
    assert hashed == [OTHER]  # the same work as a new account
    db.session.expire_all()
    [same] = users()
    assert (same.password_hash, same.display_name, same.session_token) == before
    [message] = mail.outbox()
    assert message.to == "ann@example.org"
    assert "already is an account" in message.body and "/accounts/login" in message.body


def test_a_taken_unconfirmed_address_gets_a_fresh_confirmation_link(app, ctx):
    make_user(confirmed=False)
    services.register_user("ann@example.org", OTHER)
    [message] = mail.outbox()
    assert link_in(message).startswith("/accounts/confirm?token=")


def test_register_refuses_bad_input_per_field_and_writes_nothing(app, ctx):
    with pytest.raises(InvalidInput) as caught:
        services.register_user("not-an-address", "short", "x" * 121)
    assert set(caught.value.field_errors) == {"email", "password", "display_name"}
    assert users() == [] and mail.outbox() == []


def test_register_writes_nothing_when_its_mail_cannot_be_queued(app, ctx, monkeypatch):
    """The account and its confirmation mail are one transaction (the outbox): both or neither.
    A mail server that is down is another matter: the mail waits (test_mail_outbox)."""
    def down(*_a: object) -> None:
        raise mail.MailUnavailable("down")

    monkeypatch.setattr(mail, "send", down)
    with pytest.raises(mail.MailUnavailable):
        services.register_user("ann@example.org", GOOD)
    assert users() == []


def test_confirm_email_marks_the_address_and_the_link_then_dies(app, ctx):
    user = make_user(confirmed=False)
    token = make_token(user, Purpose.confirm_email)
    assert services.confirm_email(token).email_confirmed_at is not None
    with pytest.raises(services.InvalidToken):
        services.confirm_email(token)


# --- sign-in --------------------------------------------------------------------------------

def test_authenticate_answers_unknown_address_and_wrong_password_alike(app, ctx, monkeypatch):
    make_user()
    verified: list[str | None] = []
    real_verify = passwords.verify_password
    monkeypatch.setattr(services, "verify_password",
                        lambda h, p: verified.append(h) or real_verify(h, p))
    messages = []
    for email, password in [("nobody@example.org", GOOD), ("ann@example.org", OTHER)]:
        with pytest.raises(services.SignInFailed) as caught:
            services.authenticate(email, password)
        assert type(caught.value) is services.SignInFailed
        messages.append(caught.value.detail)
    assert messages[0] == messages[1] == services.SIGN_IN_FAILED
    assert verified[0] is None and verified[1]  # a dummy hash is verified for the unknown one


def test_unconfirmed_account_is_told_only_after_the_right_password(app, ctx):
    make_user(confirmed=False)
    with pytest.raises(services.SignInFailed) as wrong:
        services.authenticate("ann@example.org", OTHER)
    assert type(wrong.value) is services.SignInFailed and mail.outbox() == []
    with pytest.raises(services.EmailNotConfirmed) as right:
        services.authenticate("ann@example.org", GOOD)
    assert "confirm your email" in right.value.detail
    [message] = mail.outbox()
    assert link_in(message).startswith("/accounts/confirm?token=")


def test_disabled_account_cannot_sign_in(app, ctx):
    make_user(is_enabled=False)
    with pytest.raises(services.SignInFailed) as wrong:
        services.authenticate("ann@example.org", OTHER)
    assert type(wrong.value) is services.SignInFailed
    with pytest.raises(services.AccountDisabled):
        services.authenticate("ann@example.org", GOOD)


def test_sign_in_rehashes_a_hash_with_old_parameters(app, ctx, monkeypatch):
    user = make_user()
    assert "m=8,t=1,p=1" in user.password_hash
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher())
    assert services.authenticate("ANN@example.org", GOOD) is user
    db.session.expire_all()
    assert users()[0].password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


# --- reset ------------------------------------------------------------------------------------

def test_reset_request_mails_owner_or_explains_to_unknown_address(app, ctx):
    make_user()
    assert services.request_password_reset("Ann@example.org") is None
    assert services.request_password_reset("nobody@example.org") is None
    known, unknown = mail.outbox()
    assert known.to == "ann@example.org" and link_in(known).startswith("/accounts/new-password?token=")
    assert unknown.to == "nobody@example.org" and "no account" in unknown.body
    assert "token=" not in unknown.body


def test_reset_password_sets_it_ends_sessions_and_the_link_works_once(app, ctx):
    user = make_user(confirmed=False)
    old_session = user.session_token
    token = make_token(user, Purpose.reset_password)
    services.reset_password(token, OTHER)
    db.session.expire_all()
    [user] = users()
    assert passwords.verify_password(user.password_hash, OTHER)
    assert user.session_token != old_session
    assert user.email_confirmed_at is not None  # the link proved the mailbox
    assert "password was changed" in mail.outbox()[-1].subject
    with pytest.raises(services.InvalidToken):
        services.reset_password(token, "yet another fine passphrase")


def test_reset_refuses_a_weak_password_and_keeps_the_link(app, ctx):
    user = make_user()
    token = make_token(user, Purpose.reset_password)
    with pytest.raises(InvalidInput) as caught:
        services.reset_password(token, "password1234")
    assert list(caught.value.field_errors) == ["password"]
    assert services.check_reset_token(token) is user


def test_tokens_are_bound_to_purpose_age_and_current_state(app, ctx, monkeypatch):
    user = make_user()
    confirm = make_token(user, Purpose.confirm_email)
    reset = make_token(user, Purpose.reset_password)
    assert read_token(confirm, Purpose.reset_password) is None
    assert read_token(reset, Purpose.confirm_email) is None
    assert read_token(reset[:-2] + ("A" if reset[-2] != "A" else "B") + reset[-1],
                      Purpose.reset_password) is None
    assert read_token(reset, Purpose.reset_password) is user
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3601)
        old_reset = make_token(user, Purpose.reset_password)
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 47 * 3600)
        day_old_confirm = make_token(user, Purpose.confirm_email)
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 48 * 3600 - 1)
        old_confirm = make_token(user, Purpose.confirm_email)
    assert read_token(old_reset, Purpose.reset_password) is None
    assert read_token(day_old_confirm, Purpose.confirm_email) is user
    assert read_token(old_confirm, Purpose.confirm_email) is None
    user.email = "ann.new@example.org"
    db.session.commit()
    assert read_token(reset, Purpose.reset_password) is None  # a changed address kills links


def test_tokens_from_another_secret_are_refused(app, ctx, monkeypatch):
    user = make_user()
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-key-entirely-for-this-test")
    foreign = make_token(user, Purpose.reset_password)
    monkeypatch.undo()
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
    assert read_token(foreign, Purpose.reset_password) is None


# --- change password -------------------------------------------------------------------------

def test_change_password_requires_the_current_one_and_writes_nothing_otherwise(app, ctx):
    user = make_user()
    before = (user.password_hash, user.session_token)
    with pytest.raises(InvalidInput) as caught:
        services.change_password(user, OTHER, "short")
    assert set(caught.value.field_errors) == {"current_password", "new_password"}
    db.session.expire_all()
    assert (users()[0].password_hash, users()[0].session_token) == before


def test_change_password_rotates_the_session_token(app, ctx):
    user = make_user()
    old = user.session_token
    services.change_password(user, GOOD, OTHER)
    db.session.expire_all()
    [user] = users()
    assert user.session_token != old and passwords.verify_password(user.password_hash, OTHER)


# --- admins -------------------------------------------------------------------------------

def test_create_admin_creates_a_confirmed_admin_and_audits_it(app):
    from groupfinder.review.models import AuditEntry

    user, created = services.create_admin("Root@Example.org", GOOD)
    assert created and user.role == Role.admin and user.email == "root@example.org"
    assert user.email_confirmed_at is not None and user.is_enabled
    [entry] = db.session.scalars(sa.select(AuditEntry))
    assert entry.action == "account.admin_created" and entry.actor_id is None
    assert entry.subject_user_id == user.id


def test_create_admin_promotes_an_existing_organizer_and_ends_its_sessions(app):
    user = make_user(is_enabled=False)
    old = user.session_token
    promoted, created = services.create_admin("ann@example.org", OTHER)
    assert not created and promoted.id == user.id and promoted.is_admin and promoted.is_enabled
    assert promoted.session_token != old
    assert passwords.verify_password(promoted.password_hash, OTHER)
    assert len(users()) == 1


def test_create_admin_refuses_a_weak_password(app):
    with pytest.raises(InvalidInput) as caught:
        services.create_admin("root@example.org", "password1234")
    assert list(caught.value.field_errors) == ["password"]
    assert users() == []
