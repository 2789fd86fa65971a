"""The mail outbox on both backends: a mail is written with the change that causes it, waits
when SMTP is down, is retried with backoff, given up after N attempts, and never sent twice."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from flask import Flask
from sqlalchemy.orm import Session

from groupfinder import config as config_module
from groupfinder import mail, tasks
from groupfinder.accounts import passwords
from groupfinder.accounts.models import User
from groupfinder.db import now_utc
from groupfinder.errors import InvalidInput
from groupfinder.extensions import db
from groupfinder.transactions import transaction

GOOD = "tangerine lighthouse parable"


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


class FakeSmtp:
    """Stands in for the SMTP server: down (``MailUnavailable``) or up (records each message)."""

    def __init__(self) -> None:
        self.up = False
        self.sent: list[mail.Mail] = []
        self.delay = 0.0

    def __call__(self, message: mail.Mail, _cfg: object) -> None:
        if not self.up:
            raise mail.MailUnavailable("The mail server could not be reached.")
        time.sleep(self.delay)
        self.sent.append(message)


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmtp]:
    fake = FakeSmtp()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setattr(mail, "_send_smtp", fake)
    yield fake


def rows() -> list[mail.OutboxMail]:
    """Read in a short session of its own: the test's session must not hold SQLite's lock while
    a delivery writes."""
    with Session(db.engine) as session:
        return list(session.scalars(sa.select(mail.OutboxMail).order_by(mail.OutboxMail.id)))


def csrf_from(client, path: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


def test_smtp_down_at_registration_saves_the_account_and_delivers_once_later(app, client, smtp):
    r = client.post("/accounts/register", data={
        "email": "ann@example.org", "password": GOOD, "display_name": "Ann",
        "csrf_token": csrf_from(client, "/accounts/register")})
    assert r.status_code in (302, 303), r.status_code
    db.session.rollback()
    assert db.session.scalar(sa.select(User.email)) == "ann@example.org"
    db.session.rollback()  # no reader left holding SQLite's lock while deliveries write
    [row] = rows()
    assert (row.to_address, row.status, row.attempts) == ("ann@example.org", "pending", 1)
    assert row.last_error == "MailUnavailable" and row.sent_at is None and smtp.sent == []

    smtp.up = True  # the server returns; the periodic retry runs after the backoff
    later = row.next_attempt_at
    assert mail.deliver_pending(now=later - dt.timedelta(seconds=1)) == 0
    assert mail.deliver_pending(now=later) == 1
    assert mail.deliver_pending(now=later + dt.timedelta(hours=2)) == 0
    [message] = smtp.sent
    assert message.to == "ann@example.org" and "/accounts/confirm?token=" in message.body
    [row] = rows()
    assert row.status == "sent" and row.sent_at is not None
    assert row.body == ""  # the link is not kept once sent


def test_a_rolled_back_write_leaves_no_mail(app):
    with pytest.raises(InvalidInput), transaction():
        mail.send("ann@example.org", "Hello", "body")
        raise InvalidInput("no")
    assert rows() == [] and mail.outbox() == []
    assert mail.deliver_pending() == 0 and mail.outbox() == []


def test_a_committed_write_delivers_at_once_when_tasks_are_immediate(app):
    with transaction():
        mail.send("ann@example.org", "Hello", "body")
    assert [m.to for m in mail.outbox()] == ["ann@example.org"]
    [row] = rows()
    assert row.status == "sent"


def test_retries_back_off_then_give_up_after_max_attempts(app, smtp):
    with transaction():
        mail.send("ann@example.org", "Hello", "body")  # attempt 1 fails right after the commit
    [row] = rows()
    gaps = []
    while row.status == "pending":
        due = row.next_attempt_at
        assert mail.deliver_pending(now=due - dt.timedelta(seconds=1)) == 0  # not yet due
        assert rows()[0].attempts == row.attempts
        assert mail.deliver_pending(now=due) == 0
        previous, [row] = row, rows()
        assert row.attempts == previous.attempts + 1
        if row.status == "pending":
            gaps.append(row.next_attempt_at - due)
    assert row.status == "failed" and row.attempts == mail.MAX_ATTEMPTS
    assert [g.total_seconds() / 60 for g in gaps] == [2, 4, 8, 16, 32, 60]
    assert row.last_error == "MailUnavailable" and row.body == "body"  # kept for admins
    smtp.up = True
    assert mail.deliver_pending(now=now_utc() + dt.timedelta(days=1)) == 0 and smtp.sent == []


def test_backoff_doubles_from_a_minute_to_an_hour():
    assert [mail.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [
        1, 2, 4, 8, 16, 32, 60, 60]


@pytest.fixture
def queued_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mail stays queued after the commit (as with a worker), so the test delivers it."""
    monkeypatch.setattr(tasks, "schedule_mail_delivery", lambda: None)


def test_two_claims_take_a_mail_once(app, queued_only):
    with transaction():
        mail.send("ann@example.org", "Hello", "body")
    now = now_utc()
    assert [m.to for _, m in mail.claim(10, now)] == ["ann@example.org"]
    assert mail.claim(10, now) == []
    # A sender that died mid-send: due again only after the claim timeout.
    assert mail.claim(10, now + dt.timedelta(minutes=5)) == []
    assert len(mail.claim(10, now + mail.CLAIM_TIMEOUT + dt.timedelta(seconds=1))) == 1


def test_two_racing_deliveries_send_each_mail_once(app, smtp, queued_only):
    with transaction():
        for n in range(3):
            mail.send(f"person{n}@example.org", "Hello", "body")
    db.session.rollback()
    smtp.up, smtp.delay = True, 0.1
    now = now_utc() + dt.timedelta(seconds=1)
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def deliver() -> None:
        with app.app_context():
            barrier.wait()
            counts.append(mail.deliver_pending(now=now))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(counts) == 3 and len(counts) == 2
    assert sorted(m.to for m in smtp.sent) == [f"person{n}@example.org" for n in range(3)]
    assert {r.status for r in rows()} == {"sent"}


@pytest.mark.parametrize(("settings", "immediate"), [
    ({}, True),  # console mail: a demo, no worker
    ({"GROUPFINDER_MAIL_BACKEND": "smtp"}, False),
    ({"GROUPFINDER_MAIL_BACKEND": "smtp", "GROUPFINDER_DEBUG": "true"}, True),
    ({"GROUPFINDER_MAIL_BACKEND": "smtp", "GROUPFINDER_TASKS_IMMEDIATE": "true"}, True),
    ({"GROUPFINDER_TASKS_IMMEDIATE": "false"}, False),
])
def test_tasks_run_immediately_only_without_a_worker(tmp_path, settings, immediate):
    env = {"GROUPFINDER_SECRET_KEY": "x" * 64, **settings}
    assert config_module.load(str(tmp_path), environ=env)["TASKS_IMMEDIATE"] is immediate


def test_a_bad_tasks_setting_is_refused(tmp_path):
    with pytest.raises(config_module.ConfigError, match="TASKS_IMMEDIATE"):
        config_module.load(str(tmp_path), environ={"GROUPFINDER_SECRET_KEY": "x" * 64,
                                                   "GROUPFINDER_TASKS_IMMEDIATE": "maybe"})


def test_with_a_worker_the_commit_queues_a_job_that_delivers(app, tmp_path, monkeypatch):
    """Queued mode, as in production: the request only enqueues; the consumer's job sends."""
    from ..conftest import make_app

    monkeypatch.setenv("GROUPFINDER_INSTANCE_PATH", str(tmp_path))
    worker_app = make_app(app.config["DATABASE_URL"], TASKS_IMMEDIATE=False)
    huey = tasks.huey_for(worker_app)
    try:
        with worker_app.app_context():
            with transaction():
                mail.send("ann@example.org", "Hello", "body")
            assert mail.outbox() == [] and huey.pending_count() == 1
            assert (tmp_path / "tasks.sqlite3").exists()
            job = huey.dequeue()
            assert job.name.endswith("deliver_mail") and huey.execute(job) == 1
            assert [m.to for m in mail.outbox()] == ["ann@example.org"]
            db.session.remove()
            db.engine.dispose()
    finally:
        huey.storage.flush_all()
