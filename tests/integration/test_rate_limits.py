"""Rate limits: 429 with Retry-After and the right body; several gunicorn workers sharing Redis
enforce one limit exactly."""

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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from groupfinder.extensions import db
from groupfinder.interop.reference import load_vocabularies
from groupfinder.security import API_LIMIT

from ..conftest import make_app

REDIS_URL = os.environ.get("GROUPFINDER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
API_PER_MINUTE = int(API_LIMIT.split()[0])


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


def test_sign_in_is_limited_per_account_across_addresses(tmp_path):
    app = _limited_app(tmp_path)
    client = app.test_client()
    with app.app_context():
        codes = []
        for n in range(6):
            page = client.get("/accounts/login").get_data(as_text=True)
            token = _csrf(page)
            r = client.post("/accounts/login", environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
                            data={"csrf_token": token, "email": "victim@example.org",
                                  "password": "wrong password 123"})
            codes.append(r.status_code)
        assert 429 not in codes[:5] and codes[5] == 429
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
