"""Rate limits: 429 with Retry-After and the right body; sign-in limits that a stranger can't use
to lock the owner out; organizer and review forms limited per account and per address; keys that
hold no address; several gunicorn workers sharing Redis enforce one limit exactly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher, profiles

from groupfinder import mail
from groupfinder.accounts import passwords
from groupfinder.accounts.models import Role, User
from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.interop.reference import load_vocabularies
from groupfinder.security import (
    ACCOUNT_LOGIN_CEILING,
    ACCOUNT_LOGIN_LIMIT,
    API_LIMIT,
    ORGANIZER_POST_ADDRESS_LIMIT,
    ORGANIZER_POST_LIMIT,
)

from ..conftest import make_app

REDIS_URL = os.environ.get("GROUPFINDER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
API_PER_MINUTE = int(API_LIMIT.split()[0])


def _first(limit: str) -> int:
    """The count of a limit string's first (shortest) window: "5 per minute;…" → 5."""
    return int(limit.split()[0])


PER_ACCOUNT_AND_ADDRESS = _first(ACCOUNT_LOGIN_LIMIT)
ACCOUNT_CEILING = _first(ACCOUNT_LOGIN_CEILING)
ORGANIZER_POSTS = _first(ORGANIZER_POST_LIMIT)
ADDRESS_POSTS = _first(ORGANIZER_POST_ADDRESS_LIMIT)
OWNER, STRANGER = "10.0.0.1", "10.0.0.66"
GOOD = "tangerine lighthouse parable"
WRONG = "wrong password 123"


def _csrf(page: str) -> str:
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page)
    assert match, "no CSRF field"
    return re.search(r'value="([^"]+)"', match.group(0)).group(1)


def _limited_app(tmp_path: Path, **overrides: object):  # type: ignore[no-untyped-def]
    app = make_app(f"sqlite:///{tmp_path / 'limits.sqlite3'}", RATELIMIT_ENABLED=True, **overrides)
    with app.app_context():
        db.create_all()
        load_vocabularies()
    return app


def test_the_api_answers_429_problem_json_with_retry_after(tmp_path):
    app = _limited_app(tmp_path)
    client = app.test_client()
    with app.app_context():
        statuses = [client.get("/api/v1/conditions").status_code for _ in range(API_PER_MINUTE)]
        assert set(statuses) == {200}
        r = client.get("/api/v1/conditions")
        assert r.status_code == 429
        assert r.mimetype == "application/problem+json"
        assert int(r.headers["Retry-After"]) > 0
        assert r.get_json()["status"] == 429
        assert client.get("/healthz").status_code == 200  # never limited
        db.engine.dispose()


def test_sign_in_is_limited_per_address_with_an_html_page(tmp_path):
    app = _limited_app(tmp_path)
    client = app.test_client()
    with app.app_context():
        codes = []
        for n in range(11):
            page = client.get("/accounts/login").get_data(as_text=True)
            token = _csrf(page)
            r = client.post("/accounts/login", data={"csrf_token": token,
                                                     "email": f"user{n}@example.org",
                                                     "password": "wrong password 123"})
            codes.append(r.status_code)
        assert 429 not in codes[:10] and codes[10] == 429
        assert r.mimetype == "text/html" and "Retry-After" in r.headers
        assert "Too many" in r.get_data(as_text=True)
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[dict[str, object]]:
    """Limiter settings for one test: memory, or Redis under a key prefix of its own (removed
    afterwards; nothing else in the database is touched)."""
    if request.param == "memory":
        yield {}
        return
    import redis

    _redis_or_skip()
    prefix = f"gftest-{uuid.uuid4().hex[:12]}"
    yield {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": prefix}}
    conn = redis.Redis.from_url(REDIS_URL)
    for key in conn.scan_iter(f"{prefix}*"):
        conn.delete(key)


def _store_keys(app) -> list[str]:  # type: ignore[no-untyped-def]
    storage = app.extensions["groupfinder.limiter"].storage
    if hasattr(storage, "events"):  # memory
        return [str(k) for k in (*storage.storage, *storage.events)]
    prefix = app.config["RATELIMIT_STORAGE_OPTIONS"]["key_prefix"]
    return [k.decode() for k in storage.get_connection().scan_iter(f"{prefix}*")]


def _account(email: str = "owner@example.org", role: Role = Role.organizer) -> User:
    user = User(email=email, role=role, password_hash=passwords.hash_password(GOOD),
                email_confirmed_at=now_utc())
    db.session.add(user)
    db.session.commit()
    return user


def _sign_in(client, email: str, password: str, address: str):  # type: ignore[no-untyped-def]
    page = client.get("/accounts/login", environ_base={"REMOTE_ADDR": address})
    return client.post("/accounts/login", environ_base={"REMOTE_ADDR": address},
                       data={"csrf_token": _csrf(page.get_data(as_text=True)), "email": email,
                             "password": password})


def _assert_limited(r) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 429
    assert r.mimetype == "text/html" and "Too many" in r.get_data(as_text=True)
    assert int(r.headers["Retry-After"]) > 0


def test_a_strangers_failures_do_not_lock_the_owner_out(tmp_path, store):
    app = _limited_app(tmp_path, **store)
    with app.app_context():
        _account()
        stranger = app.test_client()
        codes = [_sign_in(stranger, "owner@example.org", WRONG, STRANGER).status_code
                 for _ in range(PER_ACCOUNT_AND_ADDRESS)]
        assert codes == [422] * PER_ACCOUNT_AND_ADDRESS
        _assert_limited(_sign_in(stranger, "owner@example.org", GOOD, STRANGER))
        # the owner, from their own address, with the right password, at once
        assert _sign_in(app.test_client(), "owner@example.org", GOOD, OWNER).status_code == 302
        # the stranger's other attempts (another account) are not held against the owner either
        assert _sign_in(stranger, "someone@example.org", WRONG, STRANGER).status_code == 422
        db.engine.dispose()


def test_the_per_account_ceiling_stops_a_distributed_guesser_but_not_the_owner(tmp_path, store):
    app = _limited_app(tmp_path, **store)
    with app.app_context():
        _account()
        owner = app.test_client()
        assert _sign_in(owner, "owner@example.org", GOOD, OWNER).status_code == 302
        attacker = app.test_client()  # one try per address; the owner's sign-in counted too
        codes = [_sign_in(attacker, "owner@example.org", WRONG, f"10.1.{n // 200}.{n % 200}")
                 .status_code for n in range(ACCOUNT_CEILING - 1)]
        assert codes == [422] * (ACCOUNT_CEILING - 1)
        _assert_limited(_sign_in(attacker, "owner@example.org", GOOD, "10.2.0.1"))
        # even with the right password, from an address the account has not signed in from …
        _assert_limited(_sign_in(app.test_client(), "owner@example.org", GOOD, "10.0.0.2"))
        # … but the owner's usual address still works
        assert _sign_in(app.test_client(), "owner@example.org", GOOD, OWNER).status_code == 302
        db.engine.dispose()


def test_a_password_reset_lets_the_owner_in_from_a_new_address_past_the_ceiling(tmp_path):
    app = _limited_app(tmp_path)
    with app.app_context():
        _account()
        attacker = app.test_client()
        for n in range(ACCOUNT_CEILING):
            _sign_in(attacker, "owner@example.org", WRONG, f"10.1.0.{n + 1}")
        owner = app.test_client()
        owner.environ_base["REMOTE_ADDR"] = "10.0.0.2"
        _assert_limited(_sign_in(owner, "owner@example.org", GOOD, "10.0.0.2"))
        page = owner.get("/accounts/reset").get_data(as_text=True)
        owner.post("/accounts/reset", data={"csrf_token": _csrf(page),
                                            "email": "owner@example.org"})
        link = re.search(r"https://\S+(/accounts/new-password\?\S+)", mail.outbox()[-1].body)
        assert link and parse_qs(urlsplit(link.group(1)).query)["token"]
        form = owner.get(owner.get(link.group(1)).location)
        r = owner.post(form.request.path, data={"csrf_token": _csrf(form.get_data(as_text=True)),
                                                "password": "marmalade wombat quietly sings"})
        assert r.status_code == 302
        r = _sign_in(owner, "owner@example.org", "marmalade wombat quietly sings", "10.0.0.2")
        assert r.status_code == 302
        db.engine.dispose()


def test_the_limiter_store_never_holds_an_address_or_an_email(tmp_path, store):
    app = _limited_app(tmp_path, **store)
    with app.app_context():
        _account()
        client = app.test_client()
        _sign_in(client, "Owner@Example.org", WRONG, STRANGER)
        _sign_in(client, "owner@example.org", GOOD, OWNER)
        client.get("/api/v1/conditions", environ_base={"REMOTE_ADDR": STRANGER})
        keys = _store_keys(app)
        assert len(keys) >= 5, keys
        for key in keys:
            assert not re.search(r"10\.0\.0|@|owner|example", key, re.I), key
        db.engine.dispose()


# --- organizer and review forms ---------------------------------------------------------------

def _signed_in_client(app, user: User):  # type: ignore[no-untyped-def]
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    return client


def _post(client, path: str, token: str, address: str = OWNER):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": token}, environ_base={"REMOTE_ADDR": address})


def test_organizer_and_review_posts_are_limited_per_account(tmp_path, store):
    app = _limited_app(tmp_path, **store)
    with app.app_context():
        admin = _account("admin@example.org", Role.admin)
        client = _signed_in_client(app, admin)
        token = _csrf(client.get("/manage/venues/new").get_data(as_text=True))
        codes = []
        for n in range(ORGANIZER_POSTS):  # one count across /manage and /review, any address
            path = "/manage/venues/new" if n % 2 else "/review/groups/999999/approve"
            codes.append(_post(client, path, token, f"10.3.0.{n % 50 + 1}").status_code)
        assert 429 not in codes and 200 not in codes, codes  # 422 (bad form), 404 (no group)
        _assert_limited(_post(client, "/manage/venues/new", token, "10.3.1.1"))
        _assert_limited(_post(client, "/review/groups/999999/reject", token, "10.3.1.2"))
        # GETs are not limited by it
        assert client.get("/manage/venues/new").status_code == 200
        assert client.get("/review/groups").status_code == 200
        # another account is not held back
        other = _signed_in_client(app, _account("other@example.org"))
        other_token = _csrf(other.get("/manage/venues/new").get_data(as_text=True))
        assert _post(other, "/manage/venues/new", other_token).status_code == 422
        db.engine.dispose()


def test_organizer_posts_are_limited_per_address(tmp_path):
    app = _limited_app(tmp_path)
    with app.app_context():
        client = app.test_client()  # signed out: the forms send it to sign in, yet it counts
        token = _csrf(client.get("/accounts/login").get_data(as_text=True))
        codes = [_post(client, "/manage/venues/new", token, STRANGER).status_code
                 for _ in range(ADDRESS_POSTS)]
        assert set(codes) == {302}
        _assert_limited(_post(client, "/review/groups/1/approve", token, STRANGER))
        assert _post(client, "/manage/venues/new", token, OWNER).status_code == 302
        assert client.get("/manage/venues/new",
                          environ_base={"REMOTE_ADDR": STRANGER}).status_code == 302
        db.engine.dispose()


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        if os.environ.get("CI", "").lower() in ("1", "true"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_four_gunicorn_workers_sharing_redis_enforce_one_limit_exactly(tmp_path):
    import redis

    _redis_or_skip()
    app = _limited_app(tmp_path)
    with app.app_context():
        db.engine.dispose()
    prefix_db = redis.Redis.from_url(REDIS_URL)
    prefix_db.flushdb()
    port = _free_port()
    env = {**os.environ, "GROUPFINDER_DATABASE_URL": app.config["DATABASE_URL"],
           "GROUPFINDER_SECRET_KEY": "k" * 48, "GROUPFINDER_RATELIMIT_STORAGE_URI": REDIS_URL,
           "GROUPFINDER_LOG_LEVEL": "WARNING", "GROUPFINDER_BASE_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}",
         "groupfinder.app:create_app()"], env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError("gunicorn did not start") from None
                time.sleep(0.2)

        def hit(_: int) -> tuple[int, str | None]:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/conditions", timeout=10) as r:
                    return r.status, None
            except urllib.error.HTTPError as exc:
                return exc.code, exc.headers.get("Retry-After")

        total = API_PER_MINUTE + 80
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(hit, range(total)))
        ok = sum(1 for status, _ in results if status == 200)
        limited = [retry for status, retry in results if status == 429]
        assert ok == API_PER_MINUTE
        assert len(limited) == total - API_PER_MINUTE
        assert all(retry and int(retry) > 0 for retry in limited)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        prefix_db.flushdb()


def test_the_limiter_looks_only_at_endpoints_that_have_a_limit(tmp_path, monkeypatch):
    """Public pages have no limit: Flask-Limiter's per-request check is not run for them."""
    from flask_limiter import Limiter

    checked: list[str] = []
    real = Limiter._check_request_limit

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from flask import request

        checked.append(request.path)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Limiter, "_check_request_limit", spy)
    app = _limited_app(tmp_path)
    client = app.test_client()
    with app.app_context():
        for path in ("/about", "/privacy", "/healthz", "/api/v1/conditions", "/accounts/login"):
            assert client.get(path).status_code == 200, path
        db.engine.dispose()
    assert set(checked) == {"/api/v1/conditions", "/accounts/login"}  # (a decorated view checks again)
