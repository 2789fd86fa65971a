"""Several writers on one SQLite file never see "database is locked" (BEGIN IMMEDIATE + WAL),
and a request holds the write lock only while it writes."""

import importlib
import re
import sqlite3
import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from groupfinder.db import writing
from groupfinder.extensions import db
from groupfinder.interop.reference import load_vocabularies
from groupfinder.models import Condition

from ..conftest import make_app
from ..factories import make_user


def test_concurrent_read_then_write_transactions_all_commit(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    with app.app_context():
        upgrade()
        load_vocabularies()
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.remove()
    errors: list[BaseException] = []
    rounds, workers = 25, 6

    def work(n: int) -> None:
        try:
            with app.app_context():
                for _ in range(rounds):
                    with writing():
                        cond = db.session.scalars(
                            sa.select(Condition).where(Condition.slug == "anxiety")).one()
                        last = cond.description.rsplit(" ", 1)[-1]
                        cond.description = f"count {int(last) + 1 if last.isdigit() else 1}"
                        db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        final = db.session.scalars(sa.select(Condition).where(Condition.slug == "anxiety")).one()
        # no lost update: every read-then-write saw the previous commit
        assert final.description == f"count {rounds * workers}"
        db.engine.dispose()


# --- the write lock is held only while writing -----------------------------------------------

def _csrf(client, path: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("path, slow", [
    ("/accounts/login", "groupfinder.accounts.services.verify_password"),
    ("/accounts/register", "groupfinder.accounts.services.hash_password"),
])
def test_a_request_hashing_a_password_does_not_block_another_writer(tmp_path, monkeypatch,
                                                                     path, slow):
    """While one request checks or hashes a password (Argon2: tens of milliseconds, paused
    here until the other writer is done), another connection can take SQLite's write lock at
    once. Before, a POST took the lock with its first query and held it through Argon2."""
    app = make_app(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    with app.app_context():
        upgrade()
        load_vocabularies()
        make_user("org@example.org")
        db.session.commit()
        db.session.remove()
    entered, release = threading.Event(), threading.Event()
    real = _resolve(slow)

    def paused(*args, **kwargs):  # type: ignore[no-untyped-def]
        entered.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(slow, paused)
    client = app.test_client()
    token = _csrf(client, path)
    answers: list[int] = []

    def post() -> None:
        answers.append(client.post(path, data={
            "csrf_token": token, "email": "org@example.org", "display_name": "Org",
            "password": "not the right password at all"}).status_code)

    request_thread = threading.Thread(target=post)
    request_thread.start()
    try:
        assert entered.wait(10), "the request never reached the password check"
        other = sqlite3.connect(tmp_path / "lock.sqlite3", timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # would raise "database is locked" after 200 ms
            other.execute("UPDATE conditions SET description = 'written meanwhile' "
                          "WHERE slug = 'anxiety'")
            other.execute("COMMIT")
        finally:
            other.close()
    finally:
        release.set()
        request_thread.join(10)
    assert answers and answers[0] < 500
    with app.app_context():
        assert db.session.scalar(sa.select(Condition.description).where(
            Condition.slug == "anxiety")) == "written meanwhile"
        db.engine.dispose()


def _resolve(dotted: str):  # type: ignore[no-untyped-def]
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)
