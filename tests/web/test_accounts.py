"""Account pages through the test client, CSRF on, like a browser: the token comes from the form."""

from __future__ import annotations

import html
import re
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from flask import Flask, url_for
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner

from groupfinder import mail
from groupfinder.accounts import passwords
from groupfinder.accounts.models import Role, User
from groupfinder.accounts.services import SIGN_IN_FAILED
from groupfinder.extensions import db
from groupfinder.permissions import access_of

from ..factories import BrowserClient as _Browser

GOOD = "tangerine lighthouse parable"
OTHER = "marmalade wombat quietly sings"
BASE = "https://groups.example.test"


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The suite's app, whose test clients are ``_Browser``s."""
    monkeypatch.setattr(app, "test_client_class", _Browser)
    return app


# --- helpers: a browser's steps ---------------------------------------------------------------

def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def csrf_from(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


def submit(client: FlaskClient, path: str, data: dict[str, str] | None = None, *,
           form_at: str | None = None):  # type: ignore[no-untyped-def]
    """Open the page with the form (``form_at``, default ``path``), fill it in, send it."""
    token = csrf_from(client, form_at or path)
    return client.post(path, data={**(data or {}), "csrf_token": token})


def problem(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'<div class="error-summary" role="alert".*?<p>(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(found.group(1)) if found else ""


def last_link(to: str) -> str:
    mine = [m for m in mail.outbox() if m.to == to]
    assert mine, mail.outbox()
    found = re.search(re.escape(BASE) + r"(/accounts/\S+)", mine[-1].body)
    assert found, mine[-1].body
    return found.group(1)


def token_of(link: str) -> str:
    [token] = parse_qs(urlsplit(link).query)["token"]
    return token


def open_link(client: FlaskClient, link: str) -> str:
    """Follow an emailed link as a browser does: the landing keeps the token in the session and
    redirects to the page without it. Returns that page's path."""
    r = client.get(link)
    assert r.status_code == 303, r.status_code
    assert token_of(link) not in r.location and "token" not in r.location
    return r.location


def register(client: FlaskClient, email: str = "ann@example.org", password: str = GOOD,
             name: str = "Ann"):  # type: ignore[no-untyped-def]
    return submit(client, "/accounts/register",
                  {"email": email, "password": password, "display_name": name})


def confirm(client: FlaskClient, email: str = "ann@example.org"):  # type: ignore[no-untyped-def]
    link = last_link(email)
    assert link.startswith("/accounts/confirm?token=")
    return submit(client, open_link(client, link))


def sign_in(client: FlaskClient, email: str = "ann@example.org", password: str = GOOD, *,
            remember: bool = False, next_: str | None = None):  # type: ignore[no-untyped-def]
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    form_at = "/accounts/login"
    if next_ is not None:
        form_at += "?" + urlencode({"next": next_})
        page = client.get(form_at).get_data(as_text=True)
        found = re.search(r'id="next" name="next" type="hidden" value="([^"]*)"', page)
        data["next"] = html.unescape(found.group(1)) if found else ""
    return submit(client, "/accounts/login", data, form_at=form_at)


def new_account(client: FlaskClient, email: str = "ann@example.org") -> None:
    assert register(client, email).status_code == 302
    assert confirm(client, email).status_code == 302


def signed_in(client: FlaskClient) -> bool:
    r = client.get("/accounts/password")
    assert r.status_code in (200, 302)
    return r.status_code == 200


def the_user(email: str = "ann@example.org") -> SimpleNamespace:
    """The account's row as it is now (a snapshot: the test's own transaction ends at once, so it
    never holds SQLite's lock while the app writes)."""
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert user is not None
    row = SimpleNamespace(**{c.key: getattr(user, c.key) for c in sa.inspect(User).column_attrs})
    db.session.rollback()
    return row


def user_count() -> int:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0
    db.session.rollback()
    return count


# --- register, confirm, sign in ---------------------------------------------------------------

def test_register_confirm_and_sign_in_lands_on_the_dashboard_or_home(app, client):
    r = register(client)
    assert r.status_code == 302 and r.location.endswith("/accounts/check-email?sent=register")
    assert "Check your email" in text(client.get(r.location))
    [message] = mail.outbox()
    assert message.to == "ann@example.org"

    link = last_link("ann@example.org")
    landed = open_link(client, link)
    assert landed == "/accounts/confirm"
    page = client.get(landed)
    assert page.status_code == 200 and "Confirm my email address" in text(page)
    assert the_user().email_confirmed_at is None  # opening the link (GET) changes nothing
    r = submit(client, landed)
    assert r.status_code == 302 and r.location.endswith("/accounts/login")
    assert "your email address is confirmed" in text(client.get(r.location))
    assert the_user().email_confirmed_at is not None

    r = sign_in(client)
    with app.test_request_context():
        expected = url_for("manage.dashboard" if "manage.dashboard" in app.view_functions
                           else "pages.home")
    assert r.status_code == 302 and r.headers["Location"] == expected
    assert signed_in(client)
    assert the_user().password_hash.startswith("$argon2id$")


def test_a_used_confirmation_link_says_so(app, client):
    register(client)
    link = last_link("ann@example.org")
    assert submit(client, open_link(client, link)).status_code == 302
    for browser in (client, app.test_client()):
        again = browser.get(open_link(browser, link))
        assert again.status_code == 400 and "already been used" in text(again)


def test_registering_a_taken_address_looks_exactly_the_same(app, client):
    first = register(client, name="Ann")
    other = register(app.test_client(), email="ANN@example.org", password=OTHER, name="Mallory")
    assert (first.status_code, first.location) == (other.status_code, other.location)
    assert text(client.get(first.location)) == text(app.test_client().get(other.location))
    assert user_count() == 1
    assert the_user().display_name == "Ann"
    assert passwords.verify_password(the_user().password_hash, GOOD)
    confirmation, notice = mail.outbox()
    assert notice.to == "ann@example.org" and "already is an account" in notice.body


def test_bad_registration_re_renders_with_the_input_kept_and_a_message_per_field(app, client):
    r = submit(client, "/accounts/register",
               {"email": "ann@@example", "password": "short", "display_name": "Ann " + "x" * 130})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'value="ann@@example"' in page
    assert "Ann " + "x" * 130 in page
    assert 'value="short"' not in page  # passwords are never sent back
    for name in ("email", "password", "display_name"):
        assert f'id="{name}-error"' in page
        assert re.search(rf'id="{name}"[^>]*aria-invalid="true"', page) or \
            re.search(rf'aria-invalid="true"[^>]*id="{name}"', page)
    assert "Enter an email address like" in page and "at least 12" in page
    assert 'class="error-summary"' in page
    assert user_count() == 0 and mail.outbox() == []


def test_a_guessable_password_is_refused_with_the_reason(app, client):
    r = register(client, password="password1234")
    assert r.status_code == 422 and "too easy to guess" in text(r)
    assert 'value="ann@example.org"' in r.get_data(as_text=True)
    assert user_count() == 0


# --- sign-in failures -------------------------------------------------------------------------

def test_unknown_address_wrong_password_and_unconfirmed_look_the_same(app, client):
    new_account(client)
    register(client, email="bob@example.org")  # not confirmed
    answers = []
    for email, password in [("nobody@example.org", GOOD), ("ann@example.org", OTHER),
                            ("bob@example.org", OTHER)]:
        r = sign_in(app.test_client(), email, password)
        answers.append((r.status_code, problem(r)))
        assert f'value="{email}"' in r.get_data(as_text=True)
    assert answers == [(422, SIGN_IN_FAILED)] * 3


def test_unconfirmed_account_with_the_right_password_is_told_to_confirm(app, client):
    register(client)
    mail.outbox().clear()
    r = sign_in(client)
    assert r.status_code == 422 and "confirm your email address first" in problem(r)
    assert last_link("ann@example.org").startswith("/accounts/confirm?token=")
    assert not signed_in(client)


def test_sign_in_starts_a_new_session(app, client):
    new_account(client)
    before = csrf_from(client, "/accounts/login")
    sign_in(client)
    assert signed_in(client)
    # The token of the session before sign-in no longer works: that session is gone.
    r = client.post("/accounts/password", data={"csrf_token": before,
                                                "current_password": GOOD, "new_password": OTHER})
    assert r.status_code == 400
    assert passwords.verify_password(the_user().password_hash, GOOD)


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example", "/%0d%0aLocation:%20https://evil.example/",
])
def test_next_to_another_site_is_ignored(app, client, target):
    new_account(client)
    r = sign_in(client, next_=target)
    assert r.status_code == 302
    location = r.headers["Location"]
    parts = urlsplit(location)
    assert parts.scheme in ("", "http", "https") and parts.netloc in ("", "localhost")
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "\r" not in location and "\n" not in location
    if "%0d" not in target:
        assert "evil" not in location and "javascript" not in location


def test_next_on_this_site_is_followed(app, client):
    new_account(client)
    r = client.get("/accounts/password")
    assert r.status_code == 302 and "/accounts/login?next=" in r.location
    r = sign_in(client, next_="/accounts/password")
    assert r.status_code == 302 and r.location.endswith("/accounts/password")


def test_a_forged_next_posted_directly_is_ignored(app, client):
    new_account(client)
    r = submit(client, "/accounts/login", {"email": "ann@example.org", "password": GOOD,
                                           "next": "https://evil.example/"})
    assert r.status_code == 302 and "evil" not in r.location


# --- sign-out -----------------------------------------------------------------------------------

def test_sign_out_ends_the_session_even_for_a_copied_cookie(app, client):
    new_account(client)
    sign_in(client)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None and signed_in(client)
    copy = app.test_client()
    copy.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value)
    assert signed_in(copy)
    r = submit(client, "/accounts/logout", {}, form_at="/accounts/password")
    assert r.status_code == 302 and r.location.endswith("/accounts/login")
    assert "You have signed out" in text(client.get(r.location))
    assert not signed_in(client)
    assert not signed_in(copy)


def test_sign_out_is_post_only(app, client):
    new_account(client)
    sign_in(client)
    assert client.get("/accounts/logout").status_code == 405
    assert signed_in(client)


# --- reset --------------------------------------------------------------------------------------

def test_reset_request_answers_the_same_for_unknown_addresses(app, client):
    new_account(client)
    mail.outbox().clear()
    known = submit(client, "/accounts/reset", {"email": "ann@example.org"})
    unknown = submit(app.test_client(), "/accounts/reset", {"email": "nobody@example.org"})
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location) == \
        (302, "/accounts/check-email?sent=reset")
    assert "If there is an account with that address" in text(client.get(known.location))
    assert [m.to for m in mail.outbox()] == ["ann@example.org", "nobody@example.org"]
    assert last_link("ann@example.org").startswith("/accounts/new-password?token=")


def test_reset_link_works_once_and_signs_out_everywhere(app, client):
    new_account(client)
    other_device = app.test_client()
    sign_in(other_device, remember=True)
    assert signed_in(other_device)
    submit(client, "/accounts/reset", {"email": "ann@example.org"})
    link = last_link("ann@example.org")
    r = submit(client, open_link(client, link), {"password": OTHER})
    assert r.status_code == 302 and r.location.endswith("/accounts/login")
    assert "Your new password is set" in text(client.get(r.location))
    assert not signed_in(other_device)
    for browser in (client, app.test_client()):
        again = browser.get(open_link(browser, link))
        assert again.status_code == 400 and "already been used" in text(again)
    assert sign_in(client, password=GOOD).status_code == 422
    assert sign_in(client, password=OTHER).status_code == 302


def test_reset_link_expires_after_an_hour(app, client, monkeypatch):
    new_account(client)
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3601)
        submit(client, "/accounts/reset", {"email": "ann@example.org"})
    link = last_link("ann@example.org")
    page = open_link(client, link)
    r = client.get(page)
    assert r.status_code == 400 and "expired" in text(r)
    token = csrf_from(client, "/accounts/reset")
    assert client.post(page, data={"csrf_token": token, "password": OTHER}).status_code == 400
    assert passwords.verify_password(the_user().password_hash, GOOD)


def test_reset_with_a_weak_password_keeps_the_link_usable(app, client):
    new_account(client)
    submit(client, "/accounts/reset", {"email": "ann@example.org"})
    page = open_link(client, last_link("ann@example.org"))
    r = submit(client, page, {"password": "short"})
    assert r.status_code == 422 and "at least 12" in text(r)
    assert submit(client, page, {"password": OTHER}).status_code == 302


# --- emailed links: the token stays out of paths, logs, Location and Referer -----------------------

def _mailed_links(app: Flask, client: FlaskClient) -> dict[str, str]:
    register(client)
    confirm_link = last_link("ann@example.org")
    assert submit(client, "/accounts/reset", {"email": "ann@example.org"}).status_code == 302
    return {"confirm": confirm_link, "reset": last_link("ann@example.org")}


def test_emailed_links_carry_the_token_in_the_query_string_only(app, client):
    links = _mailed_links(app, client)
    for link, path in ((links["confirm"], "/accounts/confirm"),
                       (links["reset"], "/accounts/new-password")):
        parts = urlsplit(link)
        assert parts.path == path
        assert set(parse_qs(parts.query)) == {"token"} and len(token_of(link)) > 40
    for message in mail.outbox():
        assert not re.search(r"/accounts/(confirm|reset)/\S", message.body), message.body


@pytest.mark.parametrize("purpose", ["confirm", "reset"])
def test_following_a_link_leaves_the_token_in_no_url_header_page_or_log(app, client, caplog,
                                                                        purpose):
    caplog.set_level("DEBUG", logger="groupfinder")
    links = _mailed_links(app, client)
    link, token = links[purpose], token_of(links[purpose])
    caplog.clear()
    responses = []
    r = client.get(link)
    responses.append(r)
    assert r.status_code == 303
    page_url = r.location  # what later requests send as their Referer
    assert urlsplit(page_url).path == urlsplit(link).path and not urlsplit(page_url).query
    page = client.get(page_url, headers={"Referer": BASE + page_url})
    responses.append(page)
    assert page.status_code == 200
    assert f'action="{urlsplit(link).path}"' in page.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                     page.get_data(as_text=True)).group(1)
    data = {"csrf_token": csrf, **({"password": OTHER} if purpose == "reset" else {})}
    done = client.post(page_url, data=data, headers={"Referer": BASE + page_url})
    responses.append(done)
    assert done.status_code == 302 and done.location.endswith("/accounts/login")
    responses.append(client.get(done.location, headers={"Referer": BASE + page_url}))

    for response in responses:
        for name, value in response.headers.items():
            if name != "Set-Cookie":  # the signed session carries it on purpose
                assert token not in value, (name, value)
        assert token not in response.get_data(as_text=True)
    request_log = [rec.getMessage() for rec in caplog.records if rec.name == "groupfinder.request"]
    assert any("token=…" in line for line in request_log), request_log
    assert not [rec for rec in caplog.records if token in rec.getMessage()]
    if purpose == "confirm":
        assert the_user().email_confirmed_at is not None
    else:
        assert sign_in(client, password=OTHER).status_code == 302


def test_the_token_is_taken_only_from_the_landing_not_from_a_post(app, client):
    links = _mailed_links(app, client)
    token = csrf_from(client, "/accounts/reset")
    r = client.post(links["reset"], data={"csrf_token": token, "password": OTHER})
    assert r.status_code == 400 and "expired or has already been used" in text(r)
    assert passwords.verify_password(the_user().password_hash, GOOD)


@pytest.mark.parametrize("purpose", ["confirm", "reset"])
def test_old_path_style_links_no_longer_work_and_lose_their_token(app, client, purpose):
    """The old form put the token in the path, which access logs keep: such a link is redirected
    to the token-free page without its token, and tokens made for it (before the link format
    changed) are refused even when moved into the query string."""
    from itsdangerous import URLSafeTimedSerializer

    from groupfinder.accounts.tokens import Purpose, fingerprint, make_token

    links = _mailed_links(app, client)
    path = urlsplit(links[purpose]).path
    kind = Purpose.confirm_email if purpose == "confirm" else Purpose.reset_password
    user = db.session.scalar(sa.select(User).where(User.email == "ann@example.org"))
    current = make_token(user, kind)
    old_style = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=kind.value).dumps(
        {"uid": user.id, "fp": fingerprint(user, kind)})
    db.session.rollback()

    r = client.get(f"/accounts/{purpose}/{current}")
    assert r.status_code == 308 and urlsplit(r.location).path == path
    assert current not in r.location and "token" not in r.location
    page = client.get(urlsplit(r.location).path)
    assert page.status_code == 400 and "doesn't work any more" in text(page)

    old = client.get(open_link(client, f"{path}?token={old_style}"))
    assert old.status_code == 400 and "doesn't work any more" in text(old)
    fine = client.get(open_link(client, links[purpose]))
    assert fine.status_code == 200


def test_the_token_free_page_without_a_landing_says_the_link_is_broken_and_sets_no_cookie(
        app, client):
    for path in ("/accounts/confirm", "/accounts/new-password"):
        r = app.test_client().get(path)
        assert r.status_code == 400 and "doesn't work any more" in text(r)
        assert not r.headers.getlist("Set-Cookie")


# --- change password ----------------------------------------------------------------------------

def test_change_password_requires_the_current_one(app, client):
    new_account(client)
    sign_in(client)
    r = submit(client, "/accounts/password", {"current_password": OTHER, "new_password": OTHER})
    assert r.status_code == 422 and "not your current password" in text(r)
    assert 'value="' + OTHER not in r.get_data(as_text=True)
    assert passwords.verify_password(the_user().password_hash, GOOD)


def test_change_password_signs_out_other_sessions_but_keeps_this_one(app, client):
    new_account(client)
    sign_in(client)
    other = app.test_client()
    sign_in(other, remember=True)
    remember = other.get_cookie(app.config["REMEMBER_COOKIE_NAME"])
    assert remember is not None
    stolen = app.test_client()  # only the remember-me cookie, as a thief would have it
    stolen.set_cookie(app.config["REMEMBER_COOKIE_NAME"], remember.value)
    assert signed_in(other) and signed_in(stolen)

    r = submit(client, "/accounts/password", {"current_password": GOOD, "new_password": OTHER})
    assert r.status_code == 302 and r.location.endswith("/accounts/password")
    assert "Your password is changed" in text(client.get(r.location))
    assert signed_in(client)
    assert not signed_in(other)
    fresh = app.test_client()
    fresh.set_cookie(app.config["REMEMBER_COOKIE_NAME"], remember.value)
    assert not signed_in(fresh)
    assert passwords.verify_password(the_user().password_hash, OTHER)
    assert "password was changed" in mail.outbox()[-1].subject


def test_remember_me_survives_a_lost_session_cookie_until_the_token_rotates(app, client):
    new_account(client)
    sign_in(client, remember=True)
    remember = client.get_cookie(app.config["REMEMBER_COOKIE_NAME"])
    assert remember is not None
    later = app.test_client()
    later.set_cookie(app.config["REMEMBER_COOKIE_NAME"], remember.value)
    assert signed_in(later)


def test_change_password_needs_sign_in(app, client):
    r = client.get("/accounts/password")
    assert r.status_code == 302
    assert "/accounts/login?next=/accounts/password" in r.location


# --- CSRF, caching, classification --------------------------------------------------------------

@pytest.mark.parametrize(("path", "data"), [
    ("/accounts/register", {"email": "ann@example.org", "password": GOOD}),
    ("/accounts/login", {"email": "ann@example.org", "password": GOOD}),
    ("/accounts/reset", {"email": "ann@example.org"}),
    ("/accounts/logout", {}),
])
def test_a_post_without_csrf_token_is_refused_and_writes_nothing(app, client, path, data):
    if path != "/accounts/register":
        new_account(client)
        mail.outbox().clear()
    if path == "/accounts/logout":
        sign_in(client)
    before = (user_count(), the_user().session_token if user_count() else None)
    r = client.post(path, data=data)
    assert r.status_code == 400
    assert (user_count(), the_user().session_token if user_count() else None) == before
    assert mail.outbox() == []
    if path == "/accounts/logout":
        assert signed_in(client)


def test_a_post_with_a_wrong_csrf_token_is_refused(app, client):
    r = client.post("/accounts/register", data={"email": "ann@example.org", "password": GOOD,
                                                "csrf_token": "forged"})
    assert r.status_code == 400 and user_count() == 0


@pytest.mark.parametrize("path", ["/accounts/register", "/accounts/login", "/accounts/reset",
                                  "/accounts/check-email", "/accounts/new-password",
                                  "/accounts/new-password?token=bogus", "/accounts/confirm",
                                  "/accounts/confirm?token=bogus"])
def test_account_pages_are_never_cached(app, client, path):
    r = client.get(path)
    assert r.headers["Cache-Control"] == "no-store"


def test_every_account_route_is_classified(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("accounts.")}
    assert len(endpoints) == 8
    assert {e: access_of(app, e) for e in endpoints} == {
        **{e: "public" for e in endpoints}, "accounts.change_password": "organizer"}


def test_account_forms_label_every_field(app, client):
    page = client.get("/accounts/register").get_data(as_text=True)
    for name in ("display_name", "email", "password"):
        assert f'<label for="{name}">' in page
    assert 'autocomplete="new-password"' in page and "<script" not in page and "style=" not in page


# --- create-admin -------------------------------------------------------------------------------

def test_create_admin_command_makes_an_admin_who_can_sign_in(app, client):
    result = app.test_cli_runner().invoke(args=["create-admin", "Root@example.org"],
                                          input=GOOD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created admin account root@example.org" in result.output
    admin = the_user("root@example.org")
    assert admin.role == Role.admin and admin.password_hash.startswith("$argon2id$")
    assert sign_in(client, "root@example.org", GOOD).status_code == 302
    assert signed_in(client)


def test_create_admin_command_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "root@example.org"],
                                          input="password1234\n")
    assert result.exit_code == 1
    assert "too easy to guess" in result.output
    assert user_count() == 0


def test_create_admin_asks_twice_with_a_hidden_prompt_at_a_terminal(monkeypatch):
    from groupfinder.accounts import cli

    class Terminal:
        def isatty(self) -> bool:
            return True

    asked = {}

    def prompt(text: str, **kw: object) -> str:
        asked.update(kw, text=text)
        return GOOD

    monkeypatch.setattr(cli.sys, "stdin", Terminal())
    monkeypatch.setattr(cli.click, "prompt", prompt)
    assert cli._read_password() == GOOD
    assert asked["hide_input"] is True and asked["confirmation_prompt"] is True
