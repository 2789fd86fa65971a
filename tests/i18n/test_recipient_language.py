"""Mail that someone else's action or a background job sends speaks its recipient's language:
the one they last registered, signed in or reset their password in (``User.language``), else
the default. The translators are filling the catalogues as this runs, so expected words come
from ``i18n.gettext``; which language each mail was written in is checked directly too."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher, profiles
from flask import Flask
from flask.testing import FlaskClient

from groupfinder import i18n, mail
from groupfinder.accounts import passwords
from groupfinder.accounts.models import Role, User
from groupfinder.accounts.tokens import Purpose, make_token
from groupfinder.extensions import db
from groupfinder.groups.confirmation import run_reminders
from groupfinder.groups.models import ListingStatus
from groupfinder.organisations.services import OrganisationData, create_organisation
from groupfinder.review.services import approve, reject, report_problem
from groupfinder.schedules.words import format_long_date

from ..factories import BrowserClient as _Browser
from ..factories import make_group, make_user, sign_in

GOOD = "tangerine lighthouse parable"
T0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setattr(app, "test_client_class", _Browser)
    return app


@pytest.fixture
def spoken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The language each mail was written in, in order (``mail.speaking`` records it)."""
    codes: list[str] = []
    real = mail.speaking

    @contextmanager
    def recording(code: str | None = None) -> Iterator[str]:
        with real(code) as chosen:
            codes.append(chosen)
            yield chosen

    monkeypatch.setattr(mail, "speaking", recording)
    return codes


def csrf(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found, path
    return found.group(1)


def account(email: str, **kw: object) -> User:
    user = make_user(email, password_hash=passwords.hash_password(GOOD), **kw)
    db.session.commit()
    return user


def sign_in_at(client: FlaskClient, prefix: str, email: str) -> None:
    path = f"{prefix}/accounts/login"
    r = client.post(path, data={"email": email, "password": GOOD, "csrf_token": csrf(client, path)})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


def mails_to(address: str) -> list[mail.Mail]:
    return [m for m in mail.outbox() if m.to == address]


def translated(code: str, msgid: str) -> bool:
    """Whether the catalogue already has this message (until then it reads as English)."""
    return i18n.translations(code).gettext(msgid) != msgid


def language_of(email: str) -> str | None:
    db.session.expire_all()
    user = db.session.scalar(db.select(User).where(User.email == email))
    assert user is not None
    code = user.language
    db.session.rollback()  # no read transaction left open: the next request writes (SQLite)
    return code


def test_registering_and_signing_in_record_the_pages_language(app, client):
    path = "/cy/accounts/register"
    r = client.post(path, data={"email": "cai@example.org", "password": GOOD, "display_name": "Cai",
                                "csrf_token": csrf(client, path)})
    assert r.status_code == 302
    assert language_of("cai@example.org") == "cy"

    account("ana@example.org")
    assert language_of("ana@example.org") is None
    sign_in_at(client, "/es", "ana@example.org")
    assert language_of("ana@example.org") == "es"
    other = app.test_client()
    bad = other.post("/cy/accounts/login", data={"email": "ana@example.org", "password": "wrong one",
                                                  "csrf_token": csrf(other, "/cy/accounts/login")})
    assert bad.status_code != 302
    assert language_of("ana@example.org") == "es"  # a failed sign-in changes nothing
    sign_in_at(other, "", "ana@example.org")
    assert language_of("ana@example.org") == "en"


def test_a_password_reset_records_the_pages_language(app, client):
    user = account("ana@example.org", language="es")
    token = make_token(user, Purpose.reset_password)
    db.session.rollback()
    landing = client.get(f"/cy/accounts/new-password?token={token}")
    assert landing.status_code == 303
    page = landing.location
    r = client.post(page, data={"password": "marmalade wombat quietly sings",
                                "csrf_token": csrf(client, page)})
    assert r.status_code == 302
    assert language_of("ana@example.org") == "cy"


def test_a_review_decision_speaks_each_organizers_language(app, client, spoken):
    account("ana@example.org")
    account("ben@example.org")
    sign_in_at(client, "/es", "ana@example.org")
    admin = make_user("root@example.org", Role.admin)
    group = make_group(name="Grupo del martes", status=ListingStatus.pending_review)
    group.organizers = [db.session.get(User, u.id) for u in db.session.scalars(
        db.select(User).where(User.email.in_(["ana@example.org", "ben@example.org"]))
        .order_by(User.email))]
    db.session.commit()

    with app.test_request_context("/?lang=cy"):  # the admin reads Welsh: no one gets it
        approve(group, by=admin, reason="Bienvenidos")
    assert sorted(spoken) == ["en", "es"]  # one mail each, in its reader's language

    [ana] = mails_to("ana@example.org")
    assert ana.subject == i18n.gettext("es", "Approved: %(name)s", name="Grupo del martes")
    assert ana.body.startswith(i18n.gettext("es", 'Your listing "%(name)s" is now public.',
                                            name="Grupo del martes"))
    assert i18n.gettext("es", "Note from the reviewer: %(note)s", note="Bienvenidos") in ana.body
    if translated("es", "Approved: %(name)s"):
        assert ana.subject != "Approved: Grupo del martes"

    [ben] = mails_to("ben@example.org")  # never signed in: the default, byte for byte
    assert ben.subject == "Approved: Grupo del martes"
    assert ben.body == (f'Your listing "Grupo del martes" is now public.\n\n'
                        f"https://groups.example.test/groups/{group.id}/{group.slug}\n"
                        "\nNote from the reviewer: Bienvenidos\n")


def test_a_rejection_speaks_the_organizers_language(app, client, spoken):
    account("ana@example.org", language="es")
    admin = make_user("root@example.org", Role.admin)
    group = make_group(name="Grupo", status=ListingStatus.pending_review)
    group.organizers = [db.session.scalar(db.select(User).where(User.email == "ana@example.org"))]
    db.session.commit()
    with app.test_request_context("/"):  # an admin on an English page
        reject(group, "Falta la dirección", by=admin)
    assert spoken == ["es"]
    [ana] = mails_to("ana@example.org")
    assert ana.subject == i18n.gettext("es", "Changes needed: %(name)s", name="Grupo")
    assert i18n.gettext("es", "Reason: %(reason)s", reason="Falta la dirección") in ana.body


def test_the_reminder_speaks_the_organizers_language(app, spoken):
    ana = account("ana@example.org", language="es")
    ben = account("ben@example.org")
    old = account("fr@example.org", language="fr")  # a language no longer offered: the default
    group = make_group(name="Grupo del martes", confirmed_at=T0)
    group.organizers = [db.session.get(User, u.id) for u in (ana, ben, old)]
    db.session.commit()

    with app.test_request_context("/?lang=cy"):
        assert dict(run_reminders(T0 + dt.timedelta(days=90))) == {"first_reminder": 1}
    assert spoken == ["es", "en", "en"]

    [es] = mails_to("ana@example.org")
    assert es.subject == i18n.gettext("es", 'Is "%(name)s" still correct?', name="Grupo del martes")
    # The date is Babel's, whatever the catalogue holds: decisive on its own.
    spanish_date = format_long_date(T0.date(), language="es")
    assert spanish_date != "5 January 2026" and spanish_date in es.body
    assert i18n.gettext("es", 'Is the listing for "%(name)s" still correct? It was last '
                              'confirmed on %(date)s.', name="Grupo del martes",
                        date=spanish_date) in es.body
    if translated("es", 'Is "%(name)s" still correct?'):
        assert es.subject != 'Is "Grupo del martes" still correct?'

    for address in ("ben@example.org", "fr@example.org"):
        [en] = mails_to(address)
        assert en.subject == 'Is "Grupo del martes" still correct?'
        link = re.search(r"https://\S+/listings/confirm\?token=\S+", en.body).group(0)
        assert en.body == (
            'Hello,\n\nIs the listing for "Grupo del martes" still correct? It was last confirmed '
            "on 5 January 2026.\n\nIf nothing has changed, one click confirms it (no sign-in "
            f"needed):\n{link}\n\nIf something changed (time, place, contact), edit it here:\n"
            f"https://groups.example.test/manage/groups/{group.id}\n\n"
            "People plan their week around listings like yours: a quick check keeps them from "
            "arriving at an empty room.\n")


def _invite(client: FlaskClient, prefix: str, org_id: int, address: str) -> None:
    page = f"{prefix}/manage/organisations/{org_id}"
    r = client.post(f"{prefix}/manage/organisations/{org_id}/invite",
                    data={"csrf_token": csrf(client, page), "email": address, "role": "member"})
    assert r.status_code in (302, 303), r.status_code


def test_an_invitation_speaks_the_invitees_language_else_the_inviters(app, client, spoken):
    owner = account("olga@example.org", display_name="Olga")
    account("cai@example.org", language="cy")
    org = create_organisation(OrganisationData(name="Mind in Salford"), by=owner)
    db.session.commit()
    sign_in(client, owner)
    org_id = org.id
    db.session.rollback()  # no read transaction left open: the requests write (SQLite)

    _invite(client, "/es", org_id, "nobody@example.org")  # no account: the inviter's page
    _invite(client, "/es", org_id, "cai@example.org")  # an account: its own language
    _invite(client, "", org_id, "new@example.org")
    assert spoken == ["es", "cy", "en"]

    [es] = mails_to("nobody@example.org")
    assert es.subject == i18n.gettext("es", "Join %(organisation)s on groupfinder",
                                      organisation="Mind in Salford")
    assert i18n.gettext("es", "To accept, open this link and sign in (or register first):") in es.body
    [cy] = mails_to("cai@example.org")
    assert cy.subject == i18n.gettext("cy", "Join %(organisation)s on groupfinder",
                                      organisation="Mind in Salford")

    [en] = mails_to("new@example.org")
    link = re.search(r"https://\S+/organisations/join\?token=\S+", en.body).group(0)
    assert en.subject == "Join Mind in Salford on groupfinder"
    assert en.body == (
        'Hello,\n\nOlga invited you to join the team of "Mind in Salford" on groupfinder as a '
        "member: the team manages the organisation's support group listings together.\n\n"
        f"To accept, open this link and sign in (or register first):\n\n{link}\n\n"
        "The link works once, for 14 days.\n\n"
        "If you don't want to join, ignore this email: nothing happens without the link.\n")
    assert html.unescape(en.body) == en.body


def test_an_account_with_no_recorded_language_reads_the_default(app):
    user = make_user("x@example.org")
    assert mail.language_of(user) == app.config["DEFAULT_LANGUAGE"]
    user.language = "es"
    assert mail.language_of(user) == "es"
    user.language = "xx"
    assert mail.language_of(user) == app.config["DEFAULT_LANGUAGE"]
    assert mail.language_of(None) == app.config["DEFAULT_LANGUAGE"]


def test_a_problem_report_speaks_each_readers_language(app, spoken):
    account("ana@example.org", language="es")
    make_user("root@example.org", Role.admin)  # never signed in: English
    group = make_group(name="Grupo del martes")
    group.organizers = [db.session.scalar(db.select(User).where(User.email == "ana@example.org"))]
    db.session.commit()
    with app.test_request_context("/?lang=cy"):  # the reporter reads Welsh
        report_problem(group, "details_wrong", "La hora cambió")
    assert spoken == ["es", "en"]  # by address
    [es] = mails_to("ana@example.org")
    assert es.subject == i18n.gettext("es", "Problem reported: %(name)s", name="Grupo del martes")
    assert es.body.startswith(i18n.gettext(
        "es", 'Someone reported a problem with "%(name)s": %(problem)s.', name="Grupo del martes",
        problem=i18n.gettext("es", "The details are wrong")))
    [en] = mails_to("root@example.org")
    assert en.subject == "Problem reported: Grupo del martes"
    assert en.body == ('Someone reported a problem with "Grupo del martes": The details are wrong.'
                       "\n\nLa hora cambió\n\n"
                       f"https://groups.example.test/groups/{group.id}/{group.slug}\n")


def test_someone_elses_registration_attempt_speaks_the_account_holders_language(app, client, spoken):
    account("ana@example.org", language="cy")
    path = "/es/accounts/register"
    r = client.post(path, data={"email": "ana@example.org", "password": GOOD,
                                "csrf_token": csrf(client, path)})
    assert r.status_code == 302
    assert len(mails_to("ana@example.org")) == 1
    assert spoken == ["cy"]
