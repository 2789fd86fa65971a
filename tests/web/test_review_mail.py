"""Admins see mail that keeps failing: the recipient masked, the subject, the attempts and the
error class; never the body (it may hold a sign-in link)."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from groupfinder import mail, tasks
from groupfinder.accounts.models import Role
from groupfinder.db import now_utc
from groupfinder.extensions import db
from groupfinder.transactions import transaction

from ..factories import make_user, sign_in


class DownSmtp:
    def __call__(self, _message: mail.Mail, _cfg: object) -> None:
        raise mail.MailUnavailable("down")


def test_admins_see_failing_mail_masked_and_without_its_body(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setattr(mail, "_send_smtp", DownSmtp())
    monkeypatch.setattr(tasks, "schedule_mail_delivery", lambda: None)
    with transaction():
        admin = make_user("root@example.org", Role.admin)
        organizer = make_user("olive@example.org")
        mail.send("bertha@example.net", "Confirm your address", "secret-link-123")
        mail.send("carl@example.com", "Approved: Tuesday group", "another-secret")
        mail.send("dora@example.org", "Sent fine", "fine")
    db.session.rollback()
    now = now_utc()
    mail.deliver_pending(limit=2, now=now)  # the first two fail once; the third waits
    for _ in range(mail.MAX_ATTEMPTS - 1):  # the first (lowest id, always due) fails for good
        now += dt.timedelta(hours=1)
        mail.deliver_pending(limit=1, now=now)

    sign_in(client, organizer)
    assert client.get("/review/mail").status_code == 403
    sign_in(client, admin)
    r = client.get("/review/mail")
    assert r.status_code == 200
    page = html.unescape(r.get_data(as_text=True))
    assert "b***@example.net" in page and "c***@example.com" in page
    assert "bertha" not in page and "carl@" not in page and "dora" not in page
    assert "secret" not in page and "Confirm your address" in page and "given up" in page
    assert "retrying" in page and "MailUnavailable" in page


@pytest.mark.parametrize(("address", "masked"), [
    ("ann@example.org", "a***@example.org"), ("x@y.z", "x***@y.z"), ("broken", "***")])
def test_addresses_are_masked(address, masked):
    assert mail.mask_address(address) == masked
